//! Helpers of the figure tests: a minimal PNG reader (8-bit RGB/RGBA, non-interlaced,
//! what plotters writes), enough to check dimensions and pixel colours, and checks that
//! a figure was written whole.

use std::io::Read;
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
    let bytes = std::fs::read(path).expect("read png");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    let mut pos = 8;
    let (mut width, mut height, mut channels) = (0u32, 0u32, 0usize);
    let mut idat = Vec::new();
    while pos + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[pos..pos + 4].try_into().unwrap()) as usize;
        let kind = &bytes[pos + 4..pos + 8];
        let data = &bytes[pos + 8..pos + 8 + len];
        match kind {
            b"IHDR" => {
                width = u32::from_be_bytes(data[0..4].try_into().unwrap());
                height = u32::from_be_bytes(data[4..8].try_into().unwrap());
                assert_eq!(data[8], 8, "bit depth");
                channels = match data[9] {
                    2 => 3,
                    6 => 4,
                    c => panic!("colour type {c}"),
                };
                assert_eq!(data[12], 0, "interlace");
            }
            b"IDAT" => idat.extend_from_slice(data),
            b"IEND" => break,
            _ => {}
        }
        pos += 12 + len;
    }
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(&idat[..])
        .read_to_end(&mut raw)
        .expect("inflate");
    let stride = width as usize * channels;
    assert_eq!(raw.len(), height as usize * (stride + 1), "image data size");
    let mut out = vec![0u8; height as usize * stride];
    for y in 0..height as usize {
        let filter = raw[y * (stride + 1)];
        let line = &raw[y * (stride + 1) + 1..(y + 1) * (stride + 1)];
        for x in 0..stride {
            let a = if x >= channels {
                out[y * stride + x - channels] as i32
            } else {
                0
            };
            let b = if y > 0 {
                out[(y - 1) * stride + x] as i32
            } else {
                0
            };
            let c = if x >= channels && y > 0 {
                out[(y - 1) * stride + x - channels] as i32
            } else {
                0
            };
            let pred = match filter {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) / 2,
                4 => {
                    let p = a + b - c;
                    let (pa, pb, pc) = ((p - a).abs(), (p - b).abs(), (p - c).abs());
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                f => panic!("filter {f}"),
            };
            out[y * stride + x] = (line[x] as i32 + pred) as u8;
        }
    }
    let rgb = if channels == 3 {
        out
    } else {
        out.chunks(4).flat_map(|p| [p[0], p[1], p[2]]).collect()
    };
    Png { width, height, rgb }
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
