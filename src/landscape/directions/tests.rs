//! Tests of slice directions: normalisation, orthogonalisation, files, PCA.

use super::*;
use crate::linalg::{cosine, gaussian};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tempfile::TempDir;

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(f64::MIN_POSITIVE)
}

fn setup() -> (Layout, Vec<f64>, Vec<f64>) {
    let layout = Layout::new(&[3, 5, 4, 2]);
    let p = layout.n_params();
    let theta: Vec<f64> = (0..p)
        .map(|i| ((i as f64) * 0.71).sin() * 0.8 + 0.05)
        .collect();
    let d = gaussian(p, &mut ChaCha8Rng::seed_from_u64(7));
    (layout, theta, d)
}

#[test]
fn filter_normalization_matches_row_norms_and_zeroes_biases() {
    let (layout, theta, mut d) = setup();
    normalize(&mut d, &theta, &layout, Normalization::Filter, Ignore::Bias);
    for span in layout.layers() {
        for r in 0..span.fan_out {
            let row = span.row(r);
            assert!(rel(norm(&d[row.clone()]), norm(&theta[row])) < 1e-12);
        }
        assert!(d[span.bias()].iter().all(|&x| x == 0.0));
    }
}

#[test]
fn filter_normalization_keeps_row_direction() {
    // d_r = [3, 4] (norm 5), θ_r = [0, 2] (norm 2): d_r → [1.2, 1.6].
    let layout = Layout::new(&[2, 1]);
    let mut d = vec![3.0, 4.0, 7.0];
    normalize(
        &mut d,
        &[0.0, 2.0, -0.5],
        &layout,
        Normalization::Filter,
        Ignore::None,
    );
    assert!((d[0] - 1.2).abs() < 1e-15 && (d[1] - 1.6).abs() < 1e-15);
    assert!(
        (d[2] - 0.5).abs() < 1e-15,
        "bias rescaled to |θ_b| = 0.5: {d:?}"
    );
}

#[test]
fn bias_norms_follow_theta_with_ignore_none() {
    let (layout, theta, d0) = setup();
    for norm_kind in [Normalization::Filter, Normalization::Layer] {
        let mut d = d0.clone();
        normalize(&mut d, &theta, &layout, norm_kind, Ignore::None);
        for span in layout.layers() {
            assert!(rel(norm(&d[span.bias()]), norm(&theta[span.bias()])) < 1e-12);
            // Direction kept: still parallel to the random bias.
            assert!((cosine(&d[span.bias()], &d0[span.bias()]) - 1.0).abs() < 1e-12);
        }
    }
}

#[test]
fn layer_normalization_matches_layer_norms() {
    let (layout, theta, d0) = setup();
    let mut d = d0.clone();
    normalize(&mut d, &theta, &layout, Normalization::Layer, Ignore::Bias);
    for span in layout.layers() {
        let w = span.weight();
        assert!(rel(norm(&d[w.clone()]), norm(&theta[w.clone()])) < 1e-12);
        assert!((cosine(&d[w.clone()], &d0[w]) - 1.0).abs() < 1e-12);
        assert!(d[span.bias()].iter().all(|&x| x == 0.0));
    }
}

#[test]
fn weight_normalization_multiplies_by_theta() {
    let (layout, theta, d0) = setup();
    let mut d = d0.clone();
    normalize(&mut d, &theta, &layout, Normalization::Weight, Ignore::None);
    for i in 0..d.len() {
        assert_eq!(d[i], d0[i] * theta[i]);
    }
    let mut d = d0.clone();
    normalize(&mut d, &theta, &layout, Normalization::Weight, Ignore::Bias);
    for span in layout.layers() {
        for i in span.weight() {
            assert_eq!(d[i], d0[i] * theta[i]);
        }
        assert!(d[span.bias()].iter().all(|&x| x == 0.0));
    }
}

#[test]
fn none_normalization_leaves_weights_and_optionally_biases() {
    let (layout, theta, d0) = setup();
    let mut d = d0.clone();
    normalize(&mut d, &theta, &layout, Normalization::None, Ignore::None);
    assert_eq!(d, d0);
    normalize(&mut d, &theta, &layout, Normalization::None, Ignore::Bias);
    for span in layout.layers() {
        assert_eq!(d[span.weight()], d0[span.weight()]);
        assert!(d[span.bias()].iter().all(|&x| x == 0.0));
    }
}

#[test]
fn zero_groups_stay_zero() {
    let (layout, mut theta, mut d) = setup();
    let span = layout.layer(1);
    d[span.row(2)].fill(0.0);
    d[span.bias()].fill(0.0);
    theta[span.row(3)].fill(0.0);
    let mut dl = d.clone();
    normalize(&mut d, &theta, &layout, Normalization::Filter, Ignore::None);
    assert!(d.iter().all(|x| x.is_finite()));
    assert!(d[span.row(2)].iter().all(|&x| x == 0.0));
    assert!(d[span.row(3)].iter().all(|&x| x == 0.0));
    assert!(d[span.bias()].iter().all(|&x| x == 0.0));
    dl[layout.layer(2).weight()].fill(0.0);
    normalize(&mut dl, &theta, &layout, Normalization::Layer, Ignore::None);
    assert!(dl.iter().all(|x| x.is_finite()));
    assert!(dl[layout.layer(2).weight()].iter().all(|&x| x == 0.0));
}

#[test]
fn enums_use_config_names() {
    #[derive(Deserialize)]
    struct T {
        n: Normalization,
        i: Ignore,
    }
    let t: T = toml::from_str("n = \"filter\"\ni = \"bias\"").unwrap();
    assert_eq!((t.n, t.i), (Normalization::Filter, Ignore::Bias));
    let t: T = toml::from_str("n = \"none\"\ni = \"none\"").unwrap();
    assert_eq!((t.n, t.i), (Normalization::None, Ignore::None));
    assert!(toml::from_str::<T>("n = \"Filter\"\ni = \"bias\"").is_err());
}

#[test]
fn orthogonalize_gives_cosine_zero_and_keeps_norm() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let x = gaussian(1000, &mut rng);
    let mut y = gaussian(1000, &mut rng);
    // Make y strongly correlated with x first.
    y.iter_mut().zip(&x).for_each(|(a, &b)| *a += 3.0 * b);
    let ny = norm(&y);
    orthogonalize(&mut y, &x);
    assert!(cosine(&x, &y).abs() < 1e-14, "{}", cosine(&x, &y));
    assert!(rel(norm(&y), ny) < 1e-12);

    let mut par: Vec<f64> = x.iter().map(|v| -2.0 * v).collect();
    orthogonalize(&mut par, &x);
    assert!(par.iter().all(|&v| v == 0.0));
    let mut z = y.clone();
    orthogonalize(&mut z, &vec![0.0; 1000]);
    assert_eq!(z, y);
}

#[test]
fn npy_directions_load_and_errors_name_the_file() {
    let dir = TempDir::new().unwrap();
    let good = dir.path().join("dx.npy");
    let d: Vec<f64> = (0..13).map(|i| i as f64 * 0.5).collect();
    npy::write(&good, &d, &[13]).unwrap();
    assert_eq!(load_npy_direction(&good, 13).unwrap(), d);
    // (1, P) from e.g. `v.unsqueeze(0)`, and f32.
    let row = dir.path().join("row.npy");
    let d32: Vec<f32> = d.iter().map(|&x| x as f32).collect();
    npy::write(&row, &d32, &[1, 13]).unwrap();
    assert_eq!(load_npy_direction(&row, 13).unwrap(), d);

    let e = load_npy_direction(&good, 12).unwrap_err();
    let m = e.to_string();
    assert!(matches!(e, Error::Data { .. }) && e.is_bad_input());
    assert!(
        m.contains("dx.npy") && m.contains("13 values") && m.contains("12 parameters"),
        "{m}"
    );
    assert!(m.contains("shape (13)"), "{m}");

    let nan = dir.path().join("nan.npy");
    npy::write(&nan, &[0.0, f64::INFINITY, 1.0], &[3]).unwrap();
    let m = load_npy_direction(&nan, 3).unwrap_err().to_string();
    assert!(
        m.contains("nan.npy") && m.contains("entry 1") && m.contains("inf"),
        "{m}"
    );

    // An integer array, as `np.save('ints.npy', np.arange(3))` writes it.
    let ints = dir.path().join("ints.npy");
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    let mut header = "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }".to_string();
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for i in 0..3i64 {
        bytes.extend_from_slice(&i.to_le_bytes());
    }
    std::fs::write(&ints, bytes).unwrap();
    let m = load_npy_direction(&ints, 3).unwrap_err().to_string();
    assert!(
        m.contains("ints.npy") && m.contains("'<i8' (integer)") && m.contains("float64"),
        "{m}"
    );

    let e = load_npy_direction(&dir.path().join("missing.npy"), 3).unwrap_err();
    assert!(matches!(e, Error::Io { .. }) && e.to_string().contains("missing.npy"));
}

#[test]
fn model_direction_is_the_difference() {
    let dir = TempDir::new().unwrap();
    let (layout, theta, d) = setup();
    let other: Vec<f64> = theta.iter().zip(&d).map(|(t, x)| t + 0.1 * x).collect();
    let path = dir.path().join("other.safetensors");
    weights::save(&path, &layout, &other).unwrap();
    let md = model_direction(&path, &layout, &theta).unwrap();
    for i in 0..md.len() {
        assert_eq!(md[i], other[i] - theta[i]);
    }
    // An f32 file: exact widening, then the difference.
    let other32: Vec<f32> = other.iter().map(|&x| x as f32).collect();
    weights::save(&path, &layout, &other32).unwrap();
    let md = model_direction(&path, &layout, &theta).unwrap();
    assert_eq!(md[3], other32[3] as f64 - theta[3]);

    // A file for another architecture names the file and the tensor.
    let small = Layout::new(&[3, 5, 4, 2]);
    let wide = Layout::new(&[3, 6, 4, 2]);
    let wpath = dir.path().join("wide.safetensors");
    weights::save(&wpath, &wide, &vec![0.5f64; wide.n_params()]).unwrap();
    let e = model_direction(&wpath, &small, &theta).unwrap_err();
    let m = e.to_string();
    assert!(matches!(e, Error::Weights { .. }), "{m}");
    assert!(
        m.contains("wide.safetensors") && m.contains("tensor `0.weight`"),
        "{m}"
    );

    let e = model_direction(&path, &layout, &theta[1..]).unwrap_err();
    assert!(matches!(e, Error::Invalid(_)));
}
