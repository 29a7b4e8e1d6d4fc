//! Directions in parameter space for loss-landscape slices (Li et al. 2018, "Visualizing
//! the Loss Landscape of Neural Nets", and their code, tomgoldstein/loss-landscape).
//!
//! A direction is a `Vec<f64>` of length P in the flat order of [`Layout`] (for each
//! layer: W_l (out × in, row-major), then b_l), whatever the run's dtype. Sources:
//! - [`random_direction`]: d_i ~ N(0, 1) from a seeded ChaCha8 stream;
//! - [`load_npy_direction`]: a `.npy` array (e.g. saved from PyTorch's
//!   `parameters_to_vector`);
//! - [`model_direction`]: θ_other − θ_center from a second weights file;
//! - [`crate::landscape::pca`]: the top two principal directions of an optimisation path.
//!
//! [`normalize`] rescales a direction to the scale of θ (filter, layer or weight-wise);
//! [`orthogonalize`] makes the second direction of a 2-D slice orthogonal to the first.

use crate::error::{quote, Error, Result};
use crate::io::npy;
use crate::nn::layout::Layout;
use crate::nn::weights;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// How [`normalize`] rescales a direction `d` relative to the centre θ.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalization {
    /// Each row of each W_l (one neuron's incoming weights, a "filter"):
    /// d_row ← d_row · ‖θ_row‖ / ‖d_row‖.
    #[default]
    Filter,
    /// Each W_l as a whole: d_W ← d_W · ‖θ_W‖ / ‖d_W‖.
    Layer,
    /// Each entry: d_i ← d_i · θ_i.
    Weight,
    /// Unchanged.
    None,
}

/// Which parameters [`normalize`] removes from a direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ignore {
    /// Bias entries set to 0 (loss-landscape's default `--xignore biasbn`).
    #[default]
    Bias,
    /// Biases kept and normalised like the weights (see [`normalize`]).
    None,
}

/// A Gaussian direction: P independent N(0, 1) entries drawn from `rng` in flat order.
pub fn random_direction(p: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
    (0..p)
        .map(|_| rng.sample::<f64, _>(StandardNormal))
        .collect()
}

/// Rescale the direction `d` relative to the centre `theta` (Li et al. 2018, §4), in place.
///
/// Weights, for every layer l:
/// - `Filter`: for each row r of W_l (one neuron's incoming weights),
///   d_r ← d_r · ‖θ_r‖ / ‖d_r‖, so ‖d_r‖ = ‖θ_r‖ exactly;
/// - `Layer`: d_{W_l} ← d_{W_l} · ‖θ_{W_l}‖ / ‖d_{W_l}‖;
/// - `Weight`: d_i ← d_i · θ_i (loss-landscape's `normalize_direction(..., norm='weight')`
///   is `direction.mul_(weights)`: the signed θ_i, not |θ_i|);
/// - `None`: unchanged.
///
/// Biases: with `Ignore::Bias` every bias entry is set to 0, whatever `norm` (as
/// loss-landscape's `ignore='biasbn'`). With `Ignore::None` each layer's bias vector b_l
/// is treated as one more filter: `Filter` and `Layer` rescale it to ‖θ_{b_l}‖, `Weight`
/// multiplies it entry-wise by θ, `None` leaves it. (loss-landscape instead *replaces*
/// the bias direction by θ_b itself, `d.copy_(w)`, which is not random at all; we keep
/// the random bias direction and give it θ_b's norm.)
///
/// A zero group (a row, layer or bias of `d` with norm 0) stays zero, and so does a
/// group whose θ part is zero. loss-landscape divides by ‖d_r‖ + 1e-10 to the same end;
/// we divide by ‖d_r‖ exactly (and skip zero groups), so the norms match to rounding
/// instead of to a relative 1e-10/‖d_r‖.
///
/// Panics if `d`, `theta` and `layout` disagree on P.
pub fn normalize(
    d: &mut [f64],
    theta: &[f64],
    layout: &Layout,
    norm: Normalization,
    ignore: Ignore,
) {
    let p = layout.n_params();
    assert!(
        d.len() == p && theta.len() == p,
        "normalize: direction has {} values and theta {}, the layout needs {p}",
        d.len(),
        theta.len()
    );
    for span in layout.layers() {
        match norm {
            Normalization::Filter => {
                for r in 0..span.fan_out {
                    let row = span.row(r);
                    rescale_to(&mut d[row.clone()], &theta[row]);
                }
            }
            Normalization::Layer => rescale_to(&mut d[span.weight()], &theta[span.weight()]),
            Normalization::Weight => mul_elementwise(&mut d[span.weight()], &theta[span.weight()]),
            Normalization::None => {}
        }
        let b = span.bias();
        match (ignore, norm) {
            (Ignore::Bias, _) => d[b].fill(0.0),
            (Ignore::None, Normalization::Filter | Normalization::Layer) => {
                rescale_to(&mut d[b.clone()], &theta[b])
            }
            (Ignore::None, Normalization::Weight) => mul_elementwise(&mut d[b.clone()], &theta[b]),
            (Ignore::None, Normalization::None) => {}
        }
    }
}

/// `d` after [`normalize`], taken and handed back.
pub fn normalized(
    mut d: Vec<f64>,
    theta: &[f64],
    layout: &Layout,
    norm: Normalization,
    ignore: Ignore,
) -> Vec<f64> {
    normalize(&mut d, theta, layout, norm, ignore);
    d
}

/// d ← d · ‖t‖ / ‖d‖; a zero `d` becomes (stays) exactly zero.
fn rescale_to(d: &mut [f64], t: &[f64]) {
    let nd = norm(d);
    if nd > 0.0 {
        let s = norm(t) / nd;
        d.iter_mut().for_each(|x| *x *= s);
    } else {
        d.fill(0.0);
    }
}

fn mul_elementwise(d: &mut [f64], t: &[f64]) {
    d.iter_mut().zip(t).for_each(|(x, &w)| *x *= w);
}

/// aᵀb, summed in a fixed order (four interleaved partial sums, then added in order).
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len(), "dot: lengths differ");
    let mut acc = [0.0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    let tail: f64 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// The Euclidean norm ‖a‖ = √(aᵀa).
pub fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

/// cos∠(a, b) = aᵀb / (‖a‖‖b‖); NaN if either vector is zero.
pub fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let (na, nb) = (norm(a), norm(b));
    if na == 0.0 || nb == 0.0 {
        return f64::NAN;
    }
    dot(a, b) / (na * nb)
}

/// Gram–Schmidt: y ← y − (yᵀx / xᵀx) x, then y rescaled back to its original norm.
///
/// The projection is removed twice ("twice is enough", Kahan/Parlett), so the result is
/// orthogonal to x to rounding. A zero `x` leaves `y` unchanged; a `y` (numerically)
/// parallel to `x` (remainder below 1e-12 of its norm) becomes the zero vector, which
/// callers should treat as "no second direction".
pub fn orthogonalize(y: &mut [f64], x: &[f64]) {
    assert_eq!(y.len(), x.len(), "orthogonalize: lengths differ");
    let xx = dot(x, x);
    let ny = norm(y);
    if xx == 0.0 || ny == 0.0 {
        return;
    }
    for _ in 0..2 {
        let c = dot(y, x) / xx;
        y.iter_mut().zip(x).for_each(|(yi, &xi)| *yi -= c * xi);
    }
    let rest = norm(y);
    if rest <= 1e-12 * ny {
        y.fill(0.0);
        return;
    }
    let s = ny / rest;
    y.iter_mut().for_each(|v| *v *= s);
}

/// Load a direction saved with `np.save`: float32 or float64 holding exactly `p` values
/// in C order: shape (P,), or one with at most one dimension above 1 such as (1, P) or
/// (P, 1), read flat.
///
/// Errors ([`Error::Data`] naming the file): a shape with two or more dimensions above 1
/// such as (3, 11) (named; never silently flattened), another element count (both
/// counts are named), a non-float dtype, Fortran order or a damaged file (from [`npy::read`]), a NaN
/// or infinite entry (its flat index is named). A missing file is [`Error::Io`].
pub fn load_npy_direction(path: &Path, p: usize) -> Result<Vec<f64>> {
    let (d, shape) = npy::read(path)?;
    let dims: Vec<String> = shape.iter().map(|s| s.to_string()).collect();
    let shown = format!("({})", dims.join(", "));
    let flat = shape.iter().filter(|&&s| s != 1).count() <= 1;
    if !flat {
        return Err(Error::data(
            path,
            None,
            format!(
                "the direction has shape {} but a direction is one flat vector (shape ({p},), or \
                 ({p}, 1) / (1, {p})); save `d.reshape(-1)` in the order of \
                 `parameters_to_vector(model.parameters())`",
                quote(&shown)
            ),
        ));
    }
    if d.len() != p {
        return Err(Error::data(
            path,
            None,
            format!(
                "the direction has {} values (shape {}) but the model has {p} parameters; \
                 save one flat vector in the order of `parameters_to_vector(model.parameters())`",
                d.len(),
                quote(&shown)
            ),
        ));
    }
    if let Some(i) = d.iter().position(|x| !x.is_finite()) {
        return Err(Error::data(
            path,
            None,
            format!("the direction's entry {i} (flat index) is {}", d[i]),
        ));
    }
    Ok(d)
}

/// The direction from the centre to a second model: θ_other − θ_center, with θ_other read
/// from a weights file (safetensors) against `layout`. Errors about the file (missing
/// tensors, shapes that disagree with `layout`) come from [`weights::load`] and name the
/// file and the tensor. The direction is not normalised (loss-landscape's
/// `create_target_direction` is not either).
pub fn model_direction(path: &Path, layout: &Layout, center: &[f64]) -> Result<Vec<f64>> {
    if center.len() != layout.n_params() {
        return Err(Error::Invalid(format!(
            "model_direction: the centre has {} values but layers {:?} need {}",
            center.len(),
            layout.widths(),
            layout.n_params()
        )));
    }
    let mut d: Vec<f64> = weights::load::<f64>(path, layout)?;
    d.iter_mut().zip(center).for_each(|(x, &c)| *x -= c);
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
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
        let d = random_direction(p, &mut ChaCha8Rng::seed_from_u64(7));
        (layout, theta, d)
    }

    #[test]
    fn random_direction_is_seeded_standard_normal() {
        let a = random_direction(20_000, &mut ChaCha8Rng::seed_from_u64(1));
        let b = random_direction(20_000, &mut ChaCha8Rng::seed_from_u64(1));
        assert_eq!(a, b);
        let mean = a.iter().sum::<f64>() / a.len() as f64;
        let var = a.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / a.len() as f64;
        assert!(
            mean.abs() < 0.03 && (var - 1.0).abs() < 0.05,
            "{mean} {var}"
        );
        assert_ne!(
            a,
            random_direction(20_000, &mut ChaCha8Rng::seed_from_u64(2))
        );
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
    fn dot_norm_cosine() {
        let a: Vec<f64> = (0..11).map(|i| i as f64).collect();
        let b: Vec<f64> = (0..11).map(|i| 1.0 - i as f64 * 0.5).collect();
        let naive: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - naive).abs() < 1e-12);
        assert_eq!(norm(&[3.0, 4.0]), 5.0);
        assert!((cosine(&[1.0, 0.0], &[1.0, 1.0]) - 0.5f64.sqrt()).abs() < 1e-15);
        assert!(cosine(&[0.0, 0.0], &[1.0, 1.0]).is_nan());
        assert!(cosine(&[1.0, 0.0], &[0.0, 0.0]).is_nan());
    }

    #[test]
    fn orthogonalize_gives_cosine_zero_and_keeps_norm() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let x = random_direction(1000, &mut rng);
        let mut y = random_direction(1000, &mut rng);
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
}
