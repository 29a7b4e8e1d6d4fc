//! Fuzz the `.npy` reader: any bytes must give values matching the shape or a clean
//! error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok((values, shape)) = losscape::io::npy::from_bytes(Path::new("fuzz.npy"), data) {
        assert_eq!(values.len(), shape.iter().product::<usize>());
    }
});
