//! Helpers of the figure tests: figures read back with the `png` crate (8-bit RGB/RGBA,
//! non-interlaced, what plotters writes) as RGB pixels to check dimensions and colours,
//! and checks that a figure was written whole.

use std::path::Path;

pub struct Png {
    pub width: u32,
    pub height: u32,
    /// RGB triples, row-major.
    pub rgb: Vec<u8>,
}

impl Png {
    pub fn pixel(&self, x: u32, y: u32) -> (u8, u8, u8) {
        let i = 3 * (y as usize * self.width as usize + x as usize);
        (self.rgb[i], self.rgb[i + 1], self.rgb[i + 2])
    }
}

/// A deterministic value in [0, 1) (hash of `k`), for the demo figures' data.
pub fn pseudo_uniform(k: usize) -> f64 {
    let g = ((k as f64 + 0.5) * 12.9898).sin() * 43758.5453;
    g - g.floor()
}

pub fn read_png(path: &Path) -> Png {
    let file = std::fs::File::open(path).expect("open png");
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .expect("PNG header");
    assert!(!reader.info().interlaced, "interlace");
    let mut buf = vec![0u8; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut buf).expect("PNG image data");
    assert_eq!(frame.bit_depth, png::BitDepth::Eight, "bit depth");
    let channels = match frame.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        c => panic!("colour type {c:?}"),
    };
    let pixels = &buf[..frame.buffer_size()];
    let rgb = if channels == 3 {
        pixels.to_vec()
    } else {
        pixels.chunks(4).flat_map(|p| [p[0], p[1], p[2]]).collect()
    };
    Png {
        width: frame.width,
        height: frame.height,
        rgb,
    }
}

/// Names of the files in `dir` (to check that no temp file is left).
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A figure as written: read back, not blank (some dark pixels), and no temp file
/// left next to it.
pub fn written_png(path: &Path) -> Png {
    let png = read_png(path);
    assert!(
        png.rgb.chunks(3).any(|p| p.iter().all(|&c| c < 80)),
        "no dark pixels"
    );
    let dir = path.parent().unwrap();
    assert!(
        files_in(dir).iter().all(|f| !f.contains(".tmp")),
        "temp file left: {:?}",
        files_in(dir)
    );
    png
}

/// [`written_png`] of the given size.
pub fn written_png_of_size(path: &Path, size: (u32, u32)) -> Png {
    let png = written_png(path);
    assert_eq!((png.width, png.height), size, "{}", path.display());
    png
}

/// Every channel of `p` within `tol` of `c`.
pub fn near(p: (u8, u8, u8), c: plotters::style::RGBColor, tol: i32) -> bool {
    (p.0 as i32 - c.0 as i32).abs() <= tol
        && (p.1 as i32 - c.1 as i32).abs() <= tol
        && (p.2 as i32 - c.2 as i32).abs() <= tol
}
