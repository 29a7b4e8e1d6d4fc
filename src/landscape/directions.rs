//! Directions in parameter space for loss-landscape slices (Li et al. 2018, "Visualizing
//! the Loss Landscape of Neural Nets", and their code, tomgoldstein/loss-landscape).
//!
//! A direction is a `Vec<f64>` of length P in the flat order of [`Layout`] (for each
//! layer: W_l (out × in, row-major), then b_l), whatever the run's dtype. Sources:
//! - random: d_i ~ N(0, 1) from a seeded stream ([`crate::linalg::gaussian`]);
//! - [`load_npy_direction`]: a `.npy` array (e.g. saved from PyTorch's
//!   `parameters_to_vector`);
//! - [`model_direction`]: θ_other − θ_center from a second weights file;
//! - [`pca_directions`]: the top two principal directions of an optimisation path.
//!
//! [`normalize`] rescales a direction to the scale of θ (filter, layer or weight-wise);
//! [`orthogonalize`] makes the second direction of a 2-D slice orthogonal to the first.

use crate::error::{quote, Error, Result};
use crate::io::npy;
use crate::linalg::{axpy, dot, norm, scale};
use crate::nn::layout::Layout;
use crate::nn::matmul;
use crate::nn::weights;
use nalgebra::{DMatrix, SymmetricEigen};
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

/// d ← d · ‖t‖ / ‖d‖; a zero `d` becomes (stays) exactly zero.
fn rescale_to(d: &mut [f64], t: &[f64]) {
    let nd = norm(d);
    if nd > 0.0 {
        scale(norm(t) / nd, d);
    } else {
        d.fill(0.0);
    }
}

fn mul_elementwise(d: &mut [f64], t: &[f64]) {
    d.iter_mut().zip(t).for_each(|(x, &w)| *x *= w);
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
        axpy(-c, x, y);
    }
    let rest = norm(y);
    if rest <= 1e-12 * ny {
        y.fill(0.0);
        return;
    }
    scale(ny / rest, y);
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

/// The top two principal directions of an optimisation path (see [`pca_directions`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Pca {
    /// First principal direction, unit norm.
    pub dir_x: Vec<f64>,
    /// Second principal direction, unit norm, orthogonal to `dir_x`.
    pub dir_y: Vec<f64>,
    /// Share of the path's (centred) variance along `dir_x` and `dir_y`:
    /// λ_k / Σ_j λ_j (sklearn's `explained_variance_ratio_[:2]`).
    pub explained_variance_ratio: [f64; 2],
    /// Each snapshot's (θ_i − θ_final) projected on the unit directions:
    /// ((θ_i − θ_f)ᵀ dir_x, (θ_i − θ_f)ᵀ dir_y), not centred (loss-landscape's
    /// `project_trajectory(..., proj_method='cos')`). The final model sits at (0, 0).
    pub coords: Vec<(f64, f64)>,
    /// How much of the path the plane misses: √(Σ_i ‖r_i‖²) / √(Σ_i ‖θ_i − θ_f‖²) with
    /// r_i = (θ_i − θ_f) − x_i dir_x − y_i dir_y. 0 for a path inside the plane.
    pub projection_error: f64,
}

/// λ_2 / λ_1 at or below which the path counts as one-dimensional (σ_2/σ_1 ≤ 1e-5).
const RANK_TOL: f64 = 1e-10;
/// Inner dimension of one block of the Gram/covariance accumulation.
const BLOCK: usize = 1 << 16;

/// PCA of an optimisation path, as loss-landscape's `plot_trajectory.py` /
/// `projection.setup_PCA_directions` (Li et al. 2018, §7).
///
/// The data matrix M (n × P) has rows m_i = θ_i − θ_final for the n `snapshots`
/// (loss-landscape includes the final model itself, epochs `start..=max`, giving a zero
/// row; pass it too to match). As `sklearn.decomposition.PCA(n_components=2).fit(M)`:
/// the columns are centred, M_c = M − 1 m̄ᵀ (so M_c's rows are θ_i − θ̄, independent of
/// θ_final); `dir_x`, `dir_y` are the top two right singular vectors of M_c, with
/// sklearn's (≥ 1.5) sign rule: the entry of largest magnitude of each is positive;
/// the explained variance ratios are σ_k² / Σ_j σ_j².
///
/// Computation: for n ≤ P, through the n × n Gram matrix G = M_c M_cᵀ (eigenpairs
/// (λ_k, v_k) by nalgebra's `SymmetricEigen`, direction = M_cᵀ v_k normalised), in
/// O(n² P) time and O(n² + P) memory beyond the snapshots; for P < n, through the P × P
/// covariance M_cᵀ M_c instead. Blocks are summed in a fixed order, single-threaded:
/// the result does not depend on the thread count.
///
/// The coordinates and the projection error use the uncentred rows m_i (see [`Pca`]).
///
/// Errors ([`Error::Invalid`]): fewer than 3 snapshots, a snapshot whose length is not
/// `final_theta.len()`, a non-finite value, or a path of rank < 2 after centring
/// (λ_2 ≤ 1e-10 λ_1: all snapshots on one line, or all equal).
pub fn pca_directions(snapshots: &[&[f64]], final_theta: &[f64]) -> Result<Pca> {
    let n = snapshots.len();
    let p = final_theta.len();
    if n < 3 {
        return Err(Error::Invalid(format!(
            "PCA directions need at least 3 snapshots of the optimisation path, got {n} \
             (record more often: lower `record_every` or `snapshot_every`)"
        )));
    }
    if let Some((i, s)) = snapshots.iter().enumerate().find(|(_, s)| s.len() != p) {
        return Err(Error::Invalid(format!(
            "PCA directions: snapshot {i} has {} values but the final weights have {p}",
            s.len()
        )));
    }
    if let Some(k) = final_theta.iter().position(|x| !x.is_finite()) {
        return Err(Error::Invalid(format!(
            "PCA directions: the final weights' entry {k} is {}",
            final_theta[k]
        )));
    }
    for (i, s) in snapshots.iter().enumerate() {
        if let Some(k) = s.iter().position(|x| !x.is_finite()) {
            return Err(Error::Invalid(format!(
                "PCA directions: snapshot {i} has entry {k} = {} (did training diverge?)",
                s[k]
            )));
        }
    }

    let ([l1, l2], total, [mut dx, mut dy]) = if n <= p {
        pca_by_gram(snapshots, final_theta)
    } else {
        pca_by_covariance(snapshots, final_theta)
    };
    if l1 <= 0.0 || total <= 0.0 {
        return Err(Error::Invalid(
            "PCA directions: the optimisation path does not move (all snapshots are equal), \
             so it spans no plane"
                .into(),
        ));
    }
    if l2 <= RANK_TOL * l1 {
        return Err(Error::Invalid(format!(
            "PCA directions: the optimisation path is (numerically) one-dimensional: the second \
             principal variance is {:.3e} of the first, so there is no second direction; \
             use a random or model direction for y",
            (l2 / l1).max(0.0)
        )));
    }

    // Unit norm, sklearn's sign rule, and exact orthogonality.
    normalize_unit(&mut dx);
    flip_sign(&mut dx);
    orthogonalize(&mut dy, &dx);
    normalize_unit(&mut dy);
    flip_sign(&mut dy);

    let mut coords = Vec::with_capacity(n);
    let (mut res2, mut tot2) = (0.0, 0.0);
    let mut m = vec![0.0; p];
    for s in snapshots {
        m.iter_mut()
            .zip(s.iter().zip(final_theta))
            .for_each(|(mk, (&sk, &fk))| *mk = sk - fk);
        let (x, y) = (dot(&m, &dx), dot(&m, &dy));
        coords.push((x, y));
        tot2 += dot(&m, &m);
        res2 += m
            .iter()
            .zip(dx.iter().zip(&dy))
            .map(|(&mk, (&a, &b))| {
                let r = mk - x * a - y * b;
                r * r
            })
            .sum::<f64>();
    }
    let projection_error = if tot2 > 0.0 {
        (res2 / tot2).sqrt()
    } else {
        0.0
    };
    Ok(Pca {
        dir_x: dx,
        dir_y: dy,
        explained_variance_ratio: [l1 / total, l2 / total],
        coords,
        projection_error,
    })
}

/// ([λ_1, λ_2], Σλ, [two directions, not yet normalised]) through G = M_c M_cᵀ (n × n).
fn pca_by_gram(snapshots: &[&[f64]], f: &[f64]) -> ([f64; 2], f64, [Vec<f64>; 2]) {
    let (n, p) = (snapshots.len(), f.len());
    let width = (BLOCK / n).max(64).min(p);
    let mut c = vec![0.0; n * width];
    let mut g = vec![0.0; n * n];
    let mut k0 = 0;
    while k0 < p {
        let b = width.min(p - k0);
        centred_block(snapshots, f, k0, b, &mut c);
        matmul::mm_nt(
            n,
            n,
            b,
            &c[..n * b],
            &c[..n * b],
            &mut g,
            true,
            matmul::Split::Whole,
        );
        k0 += b;
    }
    let (lambda, total, v) = top_two(DMatrix::from_row_slice(n, n, &g));
    // direction_k = M_cᵀ v_k, block by block (the centred rows are rebuilt, not stored).
    let mut dirs = [vec![0.0; p], vec![0.0; p]];
    let mut k0 = 0;
    while k0 < p {
        let b = width.min(p - k0);
        centred_block(snapshots, f, k0, b, &mut c);
        for (dir, vk) in dirs.iter_mut().zip(&v) {
            let out = &mut dir[k0..k0 + b];
            for (i, &w) in vk.iter().enumerate() {
                out.iter_mut()
                    .zip(&c[i * b..(i + 1) * b])
                    .for_each(|(o, &x)| *o += w * x);
            }
        }
        k0 += b;
    }
    (lambda, total, dirs)
}

/// Columns k0..k0+b of M_c into `c` as an n × b row-major block: (θ_i − θ_f) − mean_i.
fn centred_block(snapshots: &[&[f64]], f: &[f64], k0: usize, b: usize, c: &mut [f64]) {
    let n = snapshots.len();
    let fk = &f[k0..k0 + b];
    for (i, s) in snapshots.iter().enumerate() {
        c[i * b..(i + 1) * b]
            .iter_mut()
            .zip(s[k0..k0 + b].iter().zip(fk))
            .for_each(|(o, (&x, &y))| *o = x - y);
    }
    let mut mean = vec![0.0; b];
    for i in 0..n {
        mean.iter_mut()
            .zip(&c[i * b..(i + 1) * b])
            .for_each(|(m, &x)| *m += x);
    }
    let inv = 1.0 / n as f64;
    mean.iter_mut().for_each(|m| *m *= inv);
    for i in 0..n {
        c[i * b..(i + 1) * b]
            .iter_mut()
            .zip(&mean)
            .for_each(|(x, &m)| *x -= m);
    }
}

/// The same through the covariance M_cᵀ M_c (P × P), for paths with more snapshots than
/// parameters.
fn pca_by_covariance(snapshots: &[&[f64]], f: &[f64]) -> ([f64; 2], f64, [Vec<f64>; 2]) {
    let (n, p) = (snapshots.len(), f.len());
    let mut mean = vec![0.0; p];
    for s in snapshots {
        mean.iter_mut()
            .zip(s.iter().zip(f))
            .for_each(|(m, (&x, &y))| *m += x - y);
    }
    let inv = 1.0 / n as f64;
    mean.iter_mut().for_each(|m| *m *= inv);
    let rows = (BLOCK / p).max(64).min(n);
    let mut c = vec![0.0; rows * p];
    let mut cov = vec![0.0; p * p];
    for group in snapshots.chunks(rows) {
        for (i, s) in group.iter().enumerate() {
            c[i * p..(i + 1) * p]
                .iter_mut()
                .zip(s.iter().zip(f).zip(&mean))
                .for_each(|(o, ((&x, &y), &m))| *o = (x - y) - m);
        }
        let b = group.len();
        matmul::mm_tn(
            p,
            p,
            b,
            &c[..b * p],
            &c[..b * p],
            &mut cov,
            true,
            matmul::Split::Whole,
        );
    }
    let (lambda, total, [v1, v2]) = top_two(DMatrix::from_row_slice(p, p, &cov));
    (lambda, total, [v1, v2])
}

/// The two largest eigenvalues (clamped at 0), the trace, and their eigenvectors.
fn top_two(mut a: DMatrix<f64>) -> ([f64; 2], f64, [Vec<f64>; 2]) {
    // The product is symmetric up to rounding in the kernel; make it exactly so.
    let at = a.transpose();
    a += at;
    a *= 0.5;
    let total = a.trace();
    let eig = SymmetricEigen::new(a);
    let mut order: Vec<usize> = (0..eig.eigenvalues.len()).collect();
    order.sort_by(|&i, &j| eig.eigenvalues[j].total_cmp(&eig.eigenvalues[i]));
    let lambda = |r: usize| order.get(r).map_or(0.0, |&i| eig.eigenvalues[i].max(0.0));
    let vector = |r: usize| {
        order.get(r).map_or_else(Vec::new, |&i| {
            eig.eigenvectors.column(i).iter().copied().collect()
        })
    };
    ([lambda(0), lambda(1)], total, [vector(0), vector(1)])
}

fn normalize_unit(v: &mut [f64]) {
    let n = norm(v);
    if n > 0.0 {
        v.iter_mut().for_each(|x| *x /= n);
    }
}

/// sklearn's `svd_flip(..., u_based_decision=False)`: the largest-magnitude entry (the
/// first one on ties) becomes positive.
fn flip_sign(v: &mut [f64]) {
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if x.abs() > v[best].abs() {
            best = i;
        }
    }
    if v.get(best).is_some_and(|&x| x < 0.0) {
        v.iter_mut().for_each(|x| *x = -*x);
    }
}

#[cfg(test)]
mod tests {
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

    fn path_in_plane(
        p: usize,
        n: usize,
        noise: f64,
    ) -> (Vec<Vec<f64>>, Vec<f64>, Vec<f64>, Vec<f64>) {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let f = gaussian(p, &mut rng);
        let mut u = gaussian(p, &mut rng);
        let mut v = gaussian(p, &mut rng);
        normalize_unit(&mut u);
        orthogonalize(&mut v, &u);
        normalize_unit(&mut v);
        let snaps = (0..n)
            .map(|i| {
                let t = i as f64 / (n - 1) as f64;
                let (a, b) = (
                    3.0 * (1.0 - t) * (1.0 + t),
                    0.8 * (6.0 * t).sin() * (1.0 - t),
                );
                let e = gaussian(p, &mut rng);
                (0..p)
                    .map(|k| f[k] + a * u[k] + b * v[k] + noise * e[k])
                    .collect()
            })
            .collect();
        (snaps, f, u, v)
    }

    /// |component of `d` inside span(u, v)| for a unit `d` (1 when d lies in the plane).
    fn in_plane(d: &[f64], u: &[f64], v: &[f64]) -> f64 {
        (dot(d, u).powi(2) + dot(d, v).powi(2)).sqrt()
    }

    #[test]
    fn pca_recovers_a_planar_path() {
        // n ≤ P (Gram route) and n > P (covariance route).
        for (p, n) in [(3000, 25), (7, 40)] {
            let (snaps, f, u, v) = path_in_plane(p, n, 0.0);
            let refs: Vec<&[f64]> = snaps.iter().map(|s| s.as_slice()).collect();
            let pca = pca_directions(&refs, &f).unwrap();
            assert!((norm(&pca.dir_x) - 1.0).abs() < 1e-14);
            assert!((norm(&pca.dir_y) - 1.0).abs() < 1e-14);
            assert!(dot(&pca.dir_x, &pca.dir_y).abs() < 1e-14);
            assert!((in_plane(&pca.dir_x, &u, &v) - 1.0).abs() < 1e-10, "p={p}");
            assert!((in_plane(&pca.dir_y, &u, &v) - 1.0).abs() < 1e-10, "p={p}");
            let [r1, r2] = pca.explained_variance_ratio;
            assert!(r1 >= r2 && r2 > 0.0);
            assert!((r1 + r2 - 1.0).abs() < 1e-10, "{r1} {r2}");
            assert!(pca.projection_error < 1e-10, "{}", pca.projection_error);
            assert_eq!(pca.coords.len(), n);
            // The last snapshot is the final model here (t = 1: a = b = 0).
            let (x, y) = pca.coords[n - 1];
            assert!(x.abs() < 1e-12 && y.abs() < 1e-12);
            // Coordinates reconstruct the path.
            for (s, &(x, y)) in snaps.iter().zip(&pca.coords) {
                for k in 0..p {
                    let back = f[k] + x * pca.dir_x[k] + y * pca.dir_y[k];
                    assert!((back - s[k]).abs() < 1e-10);
                }
            }
        }
    }

    #[test]
    fn pca_with_noise_has_a_projection_error_and_both_routes_agree() {
        let (snaps, f, u, v) = path_in_plane(9, 12, 0.05);
        let refs: Vec<&[f64]> = snaps.iter().map(|s| s.as_slice()).collect();
        let pca = pca_directions(&refs, &f).unwrap();
        assert!(
            pca.projection_error > 1e-3 && pca.projection_error < 0.2,
            "{}",
            pca.projection_error
        );
        assert!(pca.explained_variance_ratio.iter().sum::<f64>() < 1.0);
        assert!(in_plane(&pca.dir_x, &u, &v) > 0.95);
        // 12 snapshots > 9 parameters takes the covariance route; 8 of them, the Gram route.
        // Compare each route with an SVD of the centred matrix.
        for m in [12, 8] {
            let refs = &refs[..m];
            let pca = pca_directions(refs, &f).unwrap();
            let mut mc = DMatrix::from_fn(m, 9, |i, k| refs[i][k] - f[k]);
            let mean = mc.row_mean();
            for mut row in mc.row_iter_mut() {
                row -= &mean;
            }
            let svd = mc.svd(false, true);
            let mut sv: Vec<(f64, Vec<f64>)> = (0..svd.singular_values.len())
                .map(|j| {
                    (
                        svd.singular_values[j],
                        svd.v_t.as_ref().unwrap().row(j).iter().copied().collect(),
                    )
                })
                .collect();
            sv.sort_by(|a, b| b.0.total_cmp(&a.0));
            let total: f64 = sv.iter().map(|s| s.0 * s.0).sum();
            for (k, dir) in [&pca.dir_x, &pca.dir_y].into_iter().enumerate() {
                assert!(
                    (dot(dir, &sv[k].1).abs() - 1.0).abs() < 1e-10,
                    "m={m} k={k}"
                );
                assert!(rel(pca.explained_variance_ratio[k], sv[k].0.powi(2) / total) < 1e-10);
            }
        }
    }

    #[test]
    fn pca_matches_sklearn() {
        // numpy emulation of sklearn (>= 1.5) PCA(n_components=2).fit(M):
        //   M = snaps - final; Mc = M - M.mean(axis=0)
        //   U, S, Vt = np.linalg.svd(Mc, full_matrices=False)
        //   Vt *= np.sign(Vt[range(2), np.argmax(np.abs(Vt), axis=1)])[:, None]   # svd_flip
        //   ratio = S**2 / (S**2).sum();  coords = M @ Vt[0], M @ Vt[1]
        let f = [0.5, -1.0, 2.0, 0.25, -0.75];
        let snaps: [&[f64]; 5] = [
            &[0.0, 0.0, 0.0, 0.0, 0.0],
            &[0.3, -0.4, 1.1, 0.2, -0.1],
            &[0.45, -0.9, 1.7, 0.3, -0.5],
            &[0.52, -0.95, 2.05, 0.22, -0.7],
            &f,
        ];
        let pca = pca_directions(&snaps, &f).unwrap();
        let pc1 = [
            0.2069153143061966,
            -0.4170153456195479,
            0.821996643044631,
            0.09843483952070543,
            -0.31291589191868696,
        ];
        let pc2 = [
            0.172204844830682,
            0.21674456185139435,
            0.35313732785841334,
            0.2921500157196431,
            0.8445766290353525,
        ];
        for k in 0..5 {
            assert!((pca.dir_x[k] - pc1[k]).abs() < 1e-12, "{:?}", pca.dir_x);
            assert!((pca.dir_y[k] - pc2[k]).abs() < 1e-12, "{:?}", pca.dir_y);
        }
        assert!((pca.explained_variance_ratio[0] - 0.9802343407305394).abs() < 1e-12);
        assert!((pca.explained_variance_ratio[1] - 0.0160764530863096).abs() < 1e-12);
        let xs = [
            -2.4237619176811,
            -1.2397063206963177,
            -0.37195352419429045,
            0.005788531375822404,
            0.0,
        ];
        let ys = [
            -0.015237548434169745,
            0.3121494811591252,
            0.13287467363090158,
            0.06540252236228235,
            0.0,
        ];
        for i in 0..5 {
            assert!(
                (pca.coords[i].0 - xs[i]).abs() < 1e-12 && (pca.coords[i].1 - ys[i]).abs() < 1e-12
            );
        }
        assert!(pca.projection_error > 0.0);
    }

    #[test]
    fn pca_rejects_short_and_degenerate_paths() {
        let f = vec![1.0, 2.0, 3.0, 4.0];
        let a = vec![0.0, 0.0, 0.0, 0.0];
        let msg = |r: Result<Pca>| match r {
            Err(e @ Error::Invalid(_)) => e.to_string(),
            other => panic!("{other:?}"),
        };
        let m = msg(pca_directions(&[&a, &f], &f));
        assert!(
            m.contains("at least 3 snapshots") && m.contains("got 2"),
            "{m}"
        );
        // Points on one line through θ_f: rank 1.
        let line: Vec<Vec<f64>> = (0..5)
            .map(|i| f.iter().map(|x| x * (1.0 + i as f64 * 0.1)).collect())
            .collect();
        let refs: Vec<&[f64]> = line.iter().map(|s| s.as_slice()).collect();
        let m = msg(pca_directions(&refs, &f));
        assert!(m.contains("one-dimensional"), "{m}");
        let m = msg(pca_directions(&[&f, &f, &f], &f));
        assert!(m.contains("does not move"), "{m}");
        let m = msg(pca_directions(&[&f, &a, &f[..3]], &f));
        assert!(m.contains("snapshot 2 has 3 values"), "{m}");
        let nan = vec![0.0, f64::NAN, 0.0, 0.0];
        let m = msg(pca_directions(&[&f, &a, &nan], &f));
        assert!(m.contains("snapshot 2 has entry 1 = NaN"), "{m}");
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
