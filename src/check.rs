//! `losscape check`: a self-test of the derivatives on small random nets (f64).
//!
//! For every differentiable activation and every loss, it compares the backprop
//! gradient with per-coordinate central differences (h = 1e-6) and the R-operator HVP
//! with central differences of the gradient along a random v (h = 1e-5), both from
//! [`crate::finite_diff`], and reports the norm-wise relative errors
//! ‖a − b‖ / max(‖a‖, ‖b‖).

use crate::data::{Dataset, Labels};
use crate::finite_diff::{self, GRADIENT_STEP, HVP_STEP};
use crate::linalg::{dot, norm};
use crate::nn::Samples;
use crate::nn::{Activation, Init, Loss, Mlp};
use crate::objective::{MlpObjective, Objective};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One (activation, loss) case of the self-test.
#[derive(Clone, Debug)]
pub struct CheckRow {
    pub activation: Activation,
    pub loss: Loss,
    pub widths: Vec<usize>,
    pub grad_rel_err: f64,
    pub hvp_rel_err: f64,
}

pub const TOLERANCE: f64 = 1e-6;

fn rel_err(a: &[f64], b: &[f64]) -> f64 {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    norm(&d) / norm(a).max(norm(b)).max(1e-300)
}

/// Smallest |pre-activation| of any hidden unit over the `n` rows of `x`, computed
/// directly from the layer formula z = W a + b (independent of the fast forward pass).
pub fn min_abs_preactivation(mlp: &Mlp, theta: &[f64], x: &[f64], n: usize) -> f64 {
    let mut a = x.to_vec();
    let mut best = f64::INFINITY;
    let last = mlp.layout.n_layers() - 1;
    for (l, s) in mlp.layout.layers().enumerate() {
        let mut z = vec![0.0; n * s.fan_out];
        for r in 0..n {
            for o in 0..s.fan_out {
                let w = &theta[s.row(o)];
                let ar = &a[r * s.fan_in..(r + 1) * s.fan_in];
                z[r * s.fan_out + o] = theta[s.b + o] + dot(w, ar);
            }
        }
        if l < last {
            best = z.iter().fold(best, |m, v| m.min(v.abs()));
            mlp.activation.apply(&mut z);
        }
        a = z;
    }
    best
}

/// Run one case on a random net of `widths` with `n` random samples.
pub fn check_case(act: Activation, loss: Loss, widths: &[usize], n: usize, seed: u64) -> CheckRow {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let k = *widths.last().unwrap();
    let x = Array2::from_shape_fn((n, widths[0]), |_| rng.random_range(-1.0..1.0));
    let y = match loss {
        Loss::CrossEntropy | Loss::Bce => {
            let c = if loss == Loss::Bce { 2 } else { k };
            Labels::Classes {
                labels: (0..n).map(|_| rng.random_range(0..c as u32)).collect(),
                n_classes: c,
            }
        }
        _ => Labels::Values(Array2::from_shape_fn((n, k), |_| {
            rng.random_range(-1.0..1.0)
        })),
    };
    let mlp = Mlp::new(widths, act, loss);
    let data = Samples::<f64>::new(&Dataset { x, y }, loss, k, "check")
        .expect("consistent by construction");
    let obj = MlpObjective::new(&mlp, &data);
    // Central differences are only valid away from ReLU kinks: redraw theta until no
    // pre-activation lies within 1e-4 of 0 (other activations accept the first draw).
    let mut theta: Vec<f64> = Init::Xavier.theta(&mlp.layout, &mut rng);
    for _ in 0..100 {
        if act != Activation::Relu || min_abs_preactivation(&mlp, &theta, &data.x, n) > 1e-4 {
            break;
        }
        theta = Init::Xavier.theta(&mlp.layout, &mut rng);
    }
    let p = theta.len();
    let mut g = vec![0.0; p];
    obj.loss_grad(&theta, &mut g);
    let g_fd = finite_diff::gradient(|t| obj.loss(t), &theta, GRADIENT_STEP);
    let v: Vec<f64> = (0..p).map(|_| rng.random_range(-1.0..1.0)).collect();
    let mut hv = vec![0.0; p];
    obj.hvp(&theta, &v, &mut hv);
    let hv_fd = finite_diff::hvp(
        |t, out| {
            obj.loss_grad(t, out);
        },
        &theta,
        &v,
        HVP_STEP,
    );
    CheckRow {
        activation: act,
        loss,
        widths: widths.to_vec(),
        grad_rel_err: rel_err(&g, &g_fd),
        hvp_rel_err: rel_err(&hv, &hv_fd),
    }
}

/// All cases: every differentiable activation × every loss, on a 2-hidden-layer net.
pub fn check_all(seed: u64) -> Vec<CheckRow> {
    let acts = [
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Relu,
        Activation::Identity,
    ];
    let losses = [Loss::CrossEntropy, Loss::Bce, Loss::Mse, Loss::SseHalf];
    let mut rows = Vec::new();
    for (i, &act) in acts.iter().enumerate() {
        for (j, &loss) in losses.iter().enumerate() {
            let widths = if loss == Loss::Bce {
                vec![4, 7, 5, 1]
            } else {
                vec![4, 7, 5, 3]
            };
            rows.push(check_case(
                act,
                loss,
                &widths,
                20,
                seed + (i * 4 + j) as u64,
            ));
        }
    }
    rows
}
