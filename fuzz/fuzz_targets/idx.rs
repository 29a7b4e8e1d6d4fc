//! Fuzz the IDX readers, raw and gzip: any bytes must give images/labels or a clean
//! error, and a gzip stream is never decompressed much past what its header declares.
#![no_main]

use libfuzzer_sys::fuzz_target;
use losscape::data::idx;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let file = Path::new("fuzz-idx");
    for gz in [false, true] {
        if let Ok((pixels, n, rows, cols)) = idx::images_from_bytes(file, data, gz) {
            assert_eq!(pixels.len(), n * rows * cols);
        }
        if let Ok(labels) = idx::labels_from_bytes(file, data, gz) {
            assert!(labels.len() <= data.len() || gz);
        }
    }
});
