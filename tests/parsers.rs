//! Property tests for every input parser (config, CSV, IDX raw and gzip, safetensors,
//! `.npy`): arbitrary bytes and mutated valid files give `Ok` or a clean error, never a
//! panic; error messages hold no control characters and stay short. The stable-CI twin
//! of the cargo-fuzz targets in `fuzz/`.

use losscape::data::{csv, idx};
use losscape::error::Error;
use losscape::nn::{weights, Layout};
use proptest::prelude::*;
use std::io::Write;
use std::path::Path;

const CASES: u32 = 256;

/// A mutation of a valid file: flip, overwrite, insert or cut bytes at chosen places.
#[derive(Clone, Debug)]
enum Edit {
    Set(usize, u8),
    Insert(usize, Vec<u8>),
    Truncate(usize),
    Remove(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), 1usize..32).prop_map(|(i, n)| Edit::Remove(i, n)),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let n = bytes.len().max(1);
        match e {
            Edit::Set(i, b) if !bytes.is_empty() => bytes[i % n] = *b,
            Edit::Set(..) => {}
            Edit::Insert(i, b) => {
                let at = i % (bytes.len() + 1);
                bytes.splice(at..at, b.iter().copied());
            }
            Edit::Truncate(i) => bytes.truncate(i % (bytes.len() + 1)),
            Edit::Remove(i, k) => {
                let at = i % (bytes.len() + 1);
                let end = (at + k).min(bytes.len());
                bytes.drain(at..end);
            }
        }
    }
    bytes
}

/// Inputs for one parser: arbitrary bytes, or one of `valid` after a few edits.
fn inputs(valid: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let n = valid.len();
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        (0..n, prop::collection::vec(edit(), 1..6))
            .prop_map(move |(k, edits)| apply(valid[k].clone(), &edits)),
    ]
}

/// A clean error: one short paragraph without control characters.
fn check_clean(r: Result<impl Sized, Error>) -> Result<(), TestCaseError> {
    if let Err(e) = r {
        let m = e.to_string();
        prop_assert!(!m.chars().any(|c| c.is_control() && c != '\n'), "{m:?}");
        prop_assert!(m.len() < 4000, "{} bytes", m.len());
    }
    Ok(())
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn valid_configs() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    ["experiments/quickstart.toml", "experiments/xor.toml"]
        .iter()
        .map(|f| std::fs::read(root.join(f)).unwrap())
        .chain(
            ["slice.toml", "train.toml", "batch_size.toml"]
                .iter()
                .map(|f| std::fs::read(root.join("src/templates").join(f)).unwrap()),
        )
        .collect()
}

fn valid_csvs() -> Vec<Vec<u8>> {
    vec![
        b"a, \"b\",label\r\n1,2,0\n\n3.5,-4e1,2\n".to_vec(),
        b"x,y,label\n0.5,1,2\n1.5,3,4\n".to_vec(),
        b"f1,f2,label\n0,0,1\n1,0,0\n".to_vec(),
    ]
}

fn idx_file(magic: u32, dims: &[u32], body: &[u8]) -> Vec<u8> {
    let mut b: Vec<u8> = std::iter::once(magic)
        .chain(dims.iter().copied())
        .flat_map(u32::to_be_bytes)
        .collect();
    b.extend_from_slice(body);
    b
}

fn valid_idx() -> Vec<Vec<u8>> {
    vec![
        idx_file(
            idx::IMAGES_MAGIC,
            &[3, 2, 2],
            &[0, 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, 8],
        ),
        idx_file(idx::LABELS_MAGIC, &[3], &[7, 0, 3]),
    ]
}

fn valid_weights() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let layout = Layout::new(&[2, 3, 1]);
    vec![
        weights::to_bytes::<f64>(&layout, &[0.25; 13]).unwrap(),
        weights::to_bytes::<f32>(&layout, &[-1.5; 13]).unwrap(),
        std::fs::read(root.join("torch_sequential_2_3_1.safetensors")).unwrap(),
    ]
}

fn valid_npy() -> Vec<Vec<u8>> {
    use losscape::io::npy::to_bytes;
    vec![
        to_bytes::<f64>(&[1.0, -2.5, 3e10], &[3]).unwrap(),
        to_bytes::<f32>(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], &[2, 3]).unwrap(),
        to_bytes::<f64>(&[7.0], &[]).unwrap(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn config_text_never_panics(bytes in inputs(valid_configs())) {
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(cfg) = losscape::config::LoadedConfig::parse(Path::new("p.toml"), &text) {
            let _ = cfg.name();
            if let Ok(model) = cfg.model() {
                let _ = cfg.validate_model(model, true);
            }
            if let Ok(d) = cfg.data() {
                let _ = d.validate(&cfg.file);
            }
            if let Ok(train) = cfg.train() {
                let _ = cfg.train_plan(train, 100);
            }
        }
    }

    #[test]
    fn csv_never_panics(bytes in inputs(valid_csvs())) {
        let file = Path::new("p.csv");
        check_clean(csv::parse_csv(file, &bytes[..], &["label"], None, false))?;
        check_clean(csv::parse_csv(file, &bytes[..], &["y", "label"], None, true))?;
    }

    #[test]
    fn idx_raw_never_panics(bytes in inputs(valid_idx())) {
        let file = Path::new("p-idx");
        if let Ok((pixels, n, rows, cols)) = idx::images_from_bytes(file, &bytes, false) {
            prop_assert_eq!(pixels.len(), n * rows * cols);
        }
        check_clean(idx::images_from_bytes(file, &bytes, false))?;
        check_clean(idx::labels_from_bytes(file, &bytes, false))?;
    }

    #[test]
    fn idx_gz_never_panics(bytes in inputs(valid_idx()), compress_after in any::<bool>()) {
        // Either a mutated gzip stream, or a valid stream of mutated content.
        let stream = if compress_after { gz(&bytes) } else { bytes.clone() };
        let file = Path::new("p-idx.gz");
        check_clean(idx::images_from_bytes(file, &stream, true))?;
        check_clean(idx::labels_from_bytes(file, &stream, true))?;
        let valid_gz: Vec<Vec<u8>> = valid_idx().iter().map(|b| gz(b)).collect();
        let mangled = apply(valid_gz[bytes.len() % 2].clone(), &[Edit::Set(bytes.len(), 0x1b)]);
        check_clean(idx::images_from_bytes(file, &mangled, true))?;
    }

    #[test]
    fn safetensors_never_panics(bytes in inputs(valid_weights())) {
        let file = Path::new("p.safetensors");
        let layout = Layout::new(&[2, 3, 1]);
        check_clean(weights::from_bytes::<f64>(file, &bytes, &layout))?;
        check_clean(weights::from_bytes::<f32>(file, &bytes, &layout))?;
        check_clean(weights::widths_from_bytes(file, &bytes))?;
    }

    #[test]
    fn npy_never_panics(bytes in inputs(valid_npy())) {
        let r = losscape::io::npy::from_bytes(Path::new("p.npy"), &bytes);
        if let Ok((values, shape)) = &r {
            prop_assert_eq!(values.len(), shape.iter().product::<usize>());
        }
        check_clean(r)?;
    }
}
