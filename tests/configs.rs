//! Every bundled config in experiments/ parses and passes validation of its tables.

use losscape::config::LoadedConfig;

#[test]
fn every_bundled_config_parses() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let cfg = LoadedConfig::read(&path).unwrap_or_else(|e| panic!("{e}"));
            if let Some(m) = &cfg.config.model {
                cfg.validate_model(m, cfg.config.train.is_some()).unwrap();
            }
            if let Some(d) = &cfg.config.data {
                d.validate(&path).unwrap();
            }
            n += 1;
        }
    }
    assert!(n >= 5, "expected the bundled configs, found {n}");
}
