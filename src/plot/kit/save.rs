//! Saving a figure: the one path from a drawing closure to a PNG file. The picture is
//! drawn into memory, encoded there, and written atomically through
//! [`crate::io::write_atomic`], like every other output file.

use std::path::Path;

use image::ImageEncoder;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::register_fonts;
use crate::error::{Error, Result};

/// The error a drawing step returns; turned into [`Error::Output`] by [`save_png`].
pub(crate) type DrawError = Box<dyn std::error::Error>;

/// What the drawing closures return.
pub(crate) type DrawResult = std::result::Result<(), DrawError>;

/// The drawing area every figure function draws on (pixel coordinates).
pub(crate) type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// Draw a `size` PNG with `draw` and write it atomically onto `path`.
///
/// The closure receives the whole canvas already filled white, with the fonts
/// registered. The picture is drawn into memory and encoded there (the encoder plotters
/// uses), so nothing is written unless drawing succeeded, and the same drawing gives the
/// same bytes. Failures are `Error::Output { file: path, .. }`.
pub(crate) fn save_png<F>(path: &Path, size: (u32, u32), draw: F) -> Result<()>
where
    F: for<'a> FnOnce(&Area<'a>) -> DrawResult,
{
    register_fonts();
    if size.0 == 0 || size.1 == 0 {
        return Err(Error::output(
            path,
            format!("empty figure size {}x{}", size.0, size.1),
        ));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.is_dir() {
            return Err(Error::output(
                path,
                format!("folder {} does not exist", dir.display()),
            ));
        }
    }
    let png = render_png(size, draw).map_err(|e| Error::output(path, e))?;
    crate::io::write_atomic(path, &png)
}

/// The PNG bytes of a `size` picture drawn by `draw` on a white canvas.
fn render_png<F>(size: (u32, u32), draw: F) -> std::result::Result<Vec<u8>, DrawError>
where
    F: for<'a> FnOnce(&Area<'a>) -> DrawResult,
{
    let mut rgb = vec![0u8; size.0 as usize * size.1 as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
    }
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png).write_image(
        &rgb,
        size.0,
        size.1,
        image::ColorType::Rgb8,
    )?;
    Ok(png)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::testutil::files_in;

    #[test]
    fn unwritable_path_is_an_error_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("a.png");
        let err = save_png(&path, (10, 10), |_| Ok(())).unwrap_err();
        assert!(matches!(err, Error::Output { .. }), "{err}");
        assert!(err.to_string().contains("a.png"), "{err}");
        // A drawing error writes nothing, not even a temp file.
        let path = dir.path().join("b.png");
        let err = save_png(&path, (10, 10), |_| Err("boom".into())).unwrap_err();
        assert!(err.to_string().contains("boom"), "{err}");
        let err = save_png(&path, (0, 10), |_| Ok(())).unwrap_err();
        assert!(err.to_string().contains("empty figure size"), "{err}");
        assert!(files_in(dir.path()).is_empty());
    }
}
