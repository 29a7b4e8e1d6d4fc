//! plotly.js 4.1.2 (MIT), built into the binary gzip-compressed
//! (`assets/plotly/plotly.min.js.gz`, whose README says where it comes from), for the
//! report pages to embed: a page fetches nothing when it is viewed.

use flate2::read::GzDecoder;
use std::io::Read;

/// The version embedded.
pub const VERSION: &str = "4.1.2";

const COMPRESSED: &[u8] = include_bytes!("../../assets/plotly/plotly.min.js.gz");

/// The minified plotly.js source.
pub fn source() -> String {
    let mut text = String::with_capacity(5 << 20);
    GzDecoder::new(COMPRESSED)
        .read_to_string(&mut text)
        .expect("the plotly.js built into the binary decompresses");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_script_is_plotly_of_its_version_and_could_not_end_a_script_tag() {
        let js = source();
        // The length and FNV-1a hash of the npm package's plotly.min.js (its sha256 is in
        // the README), computed with Python from the unpacked package.
        assert_eq!(js.len(), 4_834_409);
        assert_eq!(
            crate::io::hash::fnv1a64(js.as_bytes()),
            0xfb28_0c77_1b14_5fd8
        );
        assert!(js[..200].contains(&format!("plotly.js v{VERSION}")));
        assert!(!js.to_ascii_lowercase().contains("</script"));
    }
}
