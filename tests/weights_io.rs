//! Weights files against what PyTorch-side tooling writes: safetensors fixtures made with
//! `safetensors.numpy.save_file` (same format as `safetensors.torch`) by
//! `tests/fixtures/make_fixtures.py`, round trips, layer ordering and every error class.

use losscape::nn::weights;
use losscape::nn::Layout;
use losscape::Error;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Flat theta in the order of `torch.nn.utils.parameters_to_vector(model.parameters())`.
/// Fixture written by (see tests/fixtures/make_fixtures.py):
///
/// ```python
/// # same names/shapes as nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)).state_dict()
/// save_file({
///     "0.weight": (np.arange(6, dtype=np.float32).reshape(3, 2) - 2.5) / 4,
///     "0.bias": np.array([0.5, -0.25, 1.0], dtype=np.float32),
///     "2.weight": np.array([[1.5, -2.0, 0.75]], dtype=np.float32),
///     "2.bias": np.array([-0.125], dtype=np.float32),
/// }, "tests/fixtures/torch_sequential_2_3_1.safetensors", metadata={"format": "pt"})
/// ```
#[test]
fn torch_sequential_fixture_loads_in_parameters_to_vector_order() {
    let layout = Layout::new(&[2, 3, 1]);
    let expected = [
        -0.625, -0.375, -0.125, 0.125, 0.375, 0.625, // W0 (3x2) row-major
        0.5, -0.25, 1.0, // b0
        1.5, -2.0, 0.75,   // W1 (1x3)
        -0.125, // b1
    ];
    let path = fixture("torch_sequential_2_3_1.safetensors");
    let theta: Vec<f32> = weights::load(&path, &layout).unwrap();
    assert_eq!(theta, expected.map(|x| x as f32));
    let theta: Vec<f64> = weights::load(&path, &layout).unwrap();
    assert_eq!(theta, expected);
    assert_eq!(weights::widths(&path).unwrap(), [2, 3, 1]);
}

/// `layers.{l}.weight = (arange(out*in) * 0.1 + l).reshape(out, in)`, `layers.{l}.bias =
/// arange(out) * -0.01 - l`, float64 (tests/fixtures/make_fixtures.py, part 2).
#[test]
fn module_list_f64_fixture_loads_exactly() {
    let widths = [2, 4, 3, 1];
    let layout = Layout::new(&widths);
    let mut expected = Vec::new();
    for l in 0..3 {
        let (n_in, n_out) = (widths[l], widths[l + 1]);
        expected.extend((0..n_out * n_in).map(|i| i as f64 * 0.1 + l as f64));
        expected.extend((0..n_out).map(|i| i as f64 * -0.01 - l as f64));
    }
    let path = fixture("module_list_2_4_3_1_f64.safetensors");
    let theta: Vec<f64> = weights::load(&path, &layout).unwrap();
    assert_eq!(theta.len(), layout.n_params());
    assert_eq!(theta, expected, "f64 values must load bit for bit");
    // Into an f32 run: rounded once, like `tensor.float()`.
    let theta32: Vec<f32> = weights::load(&path, &layout).unwrap();
    assert_eq!(
        theta32,
        expected.iter().map(|&x| x as f32).collect::<Vec<_>>()
    );
}

/// `net.0.weight`, `net.2.weight`, ..., `net.22.weight`: numeric order, not text order.
#[test]
fn twelve_layer_fixture_orders_indices_numerically() {
    let mut widths = vec![3];
    widths.extend([2; 11]);
    widths.push(1);
    let layout = Layout::new(&widths);
    let path = fixture("net_sequential_12_layers.safetensors");
    let theta: Vec<f64> = weights::load(&path, &layout).unwrap();
    for (l, span) in layout.layers().enumerate() {
        assert!(
            theta[span.weight()].iter().all(|&x| x == l as f64),
            "layer {l}"
        );
        assert!(
            theta[span.bias()].iter().all(|&x| x == -(l as f64)),
            "layer {l}"
        );
    }
    assert_eq!(weights::widths(&path).unwrap(), widths);
}

fn theta_for(layout: &Layout) -> Vec<f64> {
    (0..layout.n_params())
        .map(|i| ((i * 7919) % 1000) as f64 / 997.0 - 0.5)
        .collect()
}

#[test]
fn round_trip_f32_and_f64_bit_exact() {
    let dir = tempfile::tempdir().unwrap();
    let layout = Layout::new(&[5, 16, 8, 3]);
    let t64 = theta_for(&layout);
    let p64 = dir.path().join("w64.safetensors");
    weights::save(&p64, &layout, &t64).unwrap();
    let back64: Vec<f64> = weights::load(&p64, &layout).unwrap();
    assert!(back64
        .iter()
        .zip(&t64)
        .all(|(a, b)| a.to_bits() == b.to_bits()));

    let t32: Vec<f32> = t64.iter().map(|&x| x as f32).collect();
    let p32 = dir.path().join("w32.safetensors");
    weights::save(&p32, &layout, &t32).unwrap();
    let back32: Vec<f32> = weights::load(&p32, &layout).unwrap();
    assert!(back32
        .iter()
        .zip(&t32)
        .all(|(a, b)| a.to_bits() == b.to_bits()));
    assert!(std::fs::metadata(&p32).unwrap().len() < std::fs::metadata(&p64).unwrap().len());
    // Only the two files: no temp file left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

/// Twelve layers saved by us: names `0.weight` ... `22.weight`; `10.weight` must follow
/// `8.weight` (text order would put it after `0.weight`).
#[test]
fn twelve_layers_round_trip_in_numeric_order() {
    let dir = tempfile::tempdir().unwrap();
    let widths: Vec<usize> = (0..13).map(|i| 1 + i % 4).collect();
    let layout = Layout::new(&widths);
    let theta = theta_for(&layout);
    let p = dir.path().join("deep.safetensors");
    weights::save(&p, &layout, &theta).unwrap();
    assert_eq!(weights::load::<f64>(&p, &layout).unwrap(), theta);
    assert_eq!(weights::widths(&p).unwrap(), widths);
}

fn weights_err(path: &Path, layout: &Layout) -> String {
    let e = weights::load::<f64>(path, layout).unwrap_err();
    assert!(e.is_bad_input(), "{e}");
    let m = e.to_string();
    assert!(
        m.contains(&path.display().to_string()),
        "message must name the file: {m}"
    );
    m
}

#[test]
fn wrong_shape_names_the_tensor_and_both_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.safetensors");
    let saved = Layout::new(&[2, 16, 8, 1]);
    weights::save(&p, &saved, &theta_for(&saved)).unwrap();
    let m = weights_err(&p, &Layout::new(&[2, 16, 16, 1]));
    assert!(
        m.contains(
            "tensor `2.weight`: shape [8, 16] but the config's layers [2, 16, 16, 1] need [16, 16]"
        ),
        "{m}"
    );
}

#[test]
fn wrong_layer_count_lists_the_pairs_found() {
    let m = weights_err(
        &fixture("torch_sequential_2_3_1.safetensors"),
        &Layout::new(&[2, 3, 3, 1]),
    );
    assert!(m.contains("the file holds 2 Linear layers"), "{m}");
    assert!(
        m.contains("`0.weight` [3, 2] + `0.bias` [3], `2.weight` [1, 3] + `2.bias` [1]"),
        "{m}"
    );
    assert!(m.contains("[2, 3, 3, 1] need 3"), "{m}");
}

#[test]
fn missing_bias_is_an_error() {
    // Rewrite the torch fixture without `2.bias`, as `nn.Linear(3, 1, bias=False)` would.
    let bytes = std::fs::read(fixture("torch_sequential_2_3_1.safetensors")).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let kept: Vec<_> = st
        .tensors()
        .into_iter()
        .filter(|(n, _)| n != "2.bias")
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("nobias.safetensors");
    std::fs::write(&p, safetensors::serialize(kept, None).unwrap()).unwrap();
    let m = weights_err(&p, &Layout::new(&[2, 3, 1]));
    assert!(m.contains("tensor `2.bias`: missing"), "{m}");
}

#[test]
fn truncated_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cut.safetensors");
    let layout = Layout::new(&[4, 8, 2]);
    weights::save(&p, &layout, &theta_for(&layout)).unwrap();
    let full = std::fs::read(&p).unwrap();
    // Cut inside the data, inside the header and inside the length field.
    for cut in [full.len() - 3, 40, 5] {
        std::fs::write(&p, &full[..cut]).unwrap();
        let e = weights::load::<f32>(&p, &layout).unwrap_err();
        assert!(matches!(e, Error::Weights { .. }), "{e:?}");
        let m = e.to_string();
        assert!(m.contains("tensor `-`:"), "{m}");
        assert!(
            m.contains("truncated") || m.contains("not a safetensors file"),
            "cut at {cut}: {m}"
        );
    }
    std::fs::write(&p, &full[..full.len() - 3]).unwrap();
    let m = weights_err(&p, &layout);
    assert!(m.contains("truncated safetensors file"), "{m}");
}

#[test]
fn not_a_safetensors_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("model.safetensors");
    std::fs::write(&p, "layers = [2, 3, 1]\nthis is a config, not weights\n").unwrap();
    let m = weights_err(&p, &Layout::new(&[2, 3, 1]));
    assert!(m.contains("tensor `-`: not a safetensors file"), "{m}");
}

#[test]
fn missing_file_is_an_io_error() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/no_such_file.safetensors");
    let e = weights::load::<f32>(&p, &Layout::new(&[2, 3, 1])).unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e:?}");
    assert!(e.to_string().contains("no_such_file.safetensors"), "{e}");
}
