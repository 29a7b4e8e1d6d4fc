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
mod tests;
