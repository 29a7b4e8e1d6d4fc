//! Fuzz the config loader: any text must parse to a config or a clean error, and the
//! checks that need no data (model, data table, training plan) must not panic either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(cfg) = losscape::config::LoadedConfig::parse(Path::new("fuzz.toml"), text) else {
        return;
    };
    let _ = cfg.name();
    if let Ok(model) = cfg.model() {
        let _ = cfg.validate_model(model, true);
    }
    if let Ok(d) = cfg.data() {
        let _ = d.validate(&cfg.file);
    }
    if let Ok(train) = cfg.train() {
        for n in [1, 100, 60_000] {
            let _ = cfg.train_plan(train, n);
        }
    }
});
