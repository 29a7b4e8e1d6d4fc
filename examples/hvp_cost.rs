//! What a Hessian-vector product costs against a gradient and a loss on this machine:
//! the ratios behind kind `optimizers`' work axis, which counts an HVP as 1, a gradient
//! as ½ and a loss as ⅙ (HVP-equivalents).
//!
//! Three nets in f64, on the full batch: the lecture's XOR net ([2, 2, 1] sigmoid, 4
//! rows), the noisy-XOR net of `sfn_xor_cloud` ([2, 4, 1] tanh, 200 rows) and a
//! digits-sized net ([64, 128, 128, 10] ReLU, 1,437 random rows). Each evaluation is
//! timed as the median of repeated calls for about a second.
//!
//! `cargo run --release --example hvp_cost`

use losscape::data::{Dataset, Labels};
use losscape::nn::{Activation, Init, Loss, Mlp, Samples};
use losscape::objective::{MlpObjective, Objective};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::{Duration, Instant};

/// Median wall time of `f` over repeated calls for about `budget`.
fn median(budget: Duration, mut f: impl FnMut()) -> f64 {
    let mut times = Vec::new();
    let start = Instant::now();
    while start.elapsed() < budget || times.len() < 5 {
        let t = Instant::now();
        f();
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() -> losscape::Result<()> {
    let nets: [(&str, &[usize], Activation, Loss, usize); 3] = [
        (
            "XOR [2,2,1] sigmoid",
            &[2, 2, 1],
            Activation::Sigmoid,
            Loss::Mse,
            4,
        ),
        (
            "noisy XOR [2,4,1] tanh",
            &[2, 4, 1],
            Activation::Tanh,
            Loss::Mse,
            200,
        ),
        (
            "digits-sized [64,128,128,10] relu",
            &[64, 128, 128, 10],
            Activation::Relu,
            Loss::CrossEntropy,
            1437,
        ),
    ];
    println!(
        "{:<36} {:>12} {:>12} {:>12} {:>10} {:>10}",
        "net, rows", "loss µs", "gradient µs", "HVP µs", "grad/HVP", "loss/HVP"
    );
    for (name, widths, act, loss, n) in nets {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let d = widths[0];
        let k = *widths.last().unwrap_or(&1);
        let x = Array2::from_shape_fn((n, d), |_| rng.random_range(-1.0..1.0));
        let y = match loss {
            Loss::CrossEntropy => Labels::Classes {
                labels: (0..n).map(|_| rng.random_range(0..k as u32)).collect(),
                n_classes: k,
            },
            _ => Labels::Values(Array2::from_shape_fn((n, k), |_| {
                rng.random_range(0.0..1.0)
            })),
        };
        let mlp = Mlp::new(widths, act, loss);
        let samples = Samples::<f64>::new(&Dataset { x, y }, loss, k, name)?;
        let obj = MlpObjective::new(&mlp, &samples);
        let theta: Vec<f64> = Init::Xavier.theta(&mlp.layout, &mut rng);
        let v: Vec<f64> = (0..theta.len())
            .map(|_| rng.random_range(-1.0..1.0))
            .collect();
        let (mut g, mut hv) = (vec![0.0; theta.len()], vec![0.0; theta.len()]);
        let budget = Duration::from_millis(700);
        let l = median(budget, || {
            std::hint::black_box(obj.loss(&theta));
        });
        let gr = median(budget, || {
            std::hint::black_box(obj.loss_grad(&theta, &mut g));
        });
        let h = median(budget, || obj.hvp(&theta, &v, &mut hv));
        println!(
            "{:<36} {:>12.2} {:>12.2} {:>12.2} {:>10.2} {:>10.2}",
            format!("{name}, {n}"),
            l * 1e6,
            gr * 1e6,
            h * 1e6,
            gr / h,
            l / h
        );
    }
    println!("kind optimizers counts a gradient as 0.50 of an HVP and a loss as 0.17");
    Ok(())
}
