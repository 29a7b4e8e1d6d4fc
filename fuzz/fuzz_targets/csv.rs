//! Fuzz the CSV parser: any bytes, with one or two target columns, must give a data
//! set or a clean error; every message stays short and free of control characters
//! outside the file name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use losscape::data::config::Task;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let file = Path::new("fuzz.csv");
    for (target, task, required) in [
        (&["label"][..], None, false),
        (&["label"][..], None, true),
        (&["y", "label"][..], Some(Task::Regression), false),
    ] {
        if let Err(e) = losscape::data::csv::parse_csv(file, data, target, task, required) {
            let m = e.to_string();
            assert!(!m.chars().any(|c| c.is_control()), "{m:?}");
            assert!(m.len() < 2_000, "{} bytes", m.len());
        }
    }
});
