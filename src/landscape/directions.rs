//! Directions in parameter space for loss-landscape slices (Li et al. 2018, "Visualizing
//! the Loss Landscape of Neural Nets", and their code, tomgoldstein/loss-landscape).
//!
//! A direction is a `Vec<f64>` of length P in the flat order of [`Layout`] (for each
//! layer: W_l (out × in, row-major), then b_l), whatever the run's dtype. Sources:
//! - random: d_i ~ N(0, 1) from a seeded stream ([`crate::linalg::gaussian`]);
//! - [`load_npy_direction`]: a `.npy` array (e.g. saved from PyTorch's
//!   `parameters_to_vector`);
//! - [`model_direction`]: θ_other − θ_center from a second weights file;
//! - [`crate::landscape::pca`]: the top two principal directions of an optimisation path.
//!
//! [`normalize`] rescales a direction to the scale of θ (filter, layer or weight-wise);
//! [`orthogonalize`] makes the second direction of a 2-D slice orthogonal to the first.

use crate::error::{quote, Error, Result};
use crate::io::npy;
use crate::linalg::{axpy, dot, norm, scale};
use crate::nn::layout::Layout;
use crate::nn::weights;
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

#[cfg(test)]
mod tests;
