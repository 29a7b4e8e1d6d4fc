//! Fuzz the safetensors loader: any bytes must load as theta for a small layout, give
//! layer widths, or fail with a clean error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use losscape::nn::layout::Layout;
use losscape::nn::weights;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let file = Path::new("fuzz.safetensors");
    let layout = Layout::new(&[2, 3, 1]);
    if let Ok(theta) = weights::from_bytes::<f64>(file, data, &layout) {
        assert_eq!(theta.len(), layout.n_params());
    }
    let _ = weights::from_bytes::<f32>(file, data, &layout);
    let _ = weights::widths_from_bytes(file, data);
});
