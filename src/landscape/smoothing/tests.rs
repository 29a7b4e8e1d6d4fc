use super::*;
use crate::linalg::norm;
use crate::nn::{Activation, Loss};

/// A linear model ŷ = W x + b ([3, 2], identity, mse) on 20 fixed rows: its loss is
/// quadratic in θ with Hessian blocks (2 / (n·k)) Σ_i x_i x_iᵀ per output for W and 2/k
/// per output bias, so Tr(H) = (2/n) Σ_i ‖x_i‖² + 2 (the last term the biases').
fn linear() -> (Mlp, Samples<f64>, f64) {
    let (n, d, k) = (20, 3, 2);
    let x: Vec<f64> = (0..n * d).map(|i| (i as f64 * 0.77).sin() * 1.5).collect();
    let y: Vec<f64> = (0..n * k).map(|i| (i as f64 * 0.31).cos()).collect();
    let data = Samples {
        x: x.clone(),
        n,
        d,
        labels: None,
        values: Some(y),
        k,
    };
    let trace = 2.0 / n as f64 * x.iter().map(|v| v * v).sum::<f64>() + 2.0;
    (
        Mlp::new(&[d, k], Activation::Identity, Loss::Mse),
        data,
        trace,
    )
}

#[test]
fn a_quadratic_loss_is_raised_by_sigma_squared_times_half_the_hessian_trace() {
    // E L(θ + σz) = L(θ) + σ²/2 · E zᵀHz = L(θ) + σ² Tr(H) / 2 for z ~ N(0, I): the
    // estimate must agree within 5 standard errors at every grid point and σ.
    let (mlp, data, trace) = linear();
    let p = mlp.n_params();
    let center: Vec<f64> = (0..p).map(|i| (i as f64 * 0.5).cos() * 0.3).collect();
    let dx: Vec<f64> = (0..p).map(|i| (i as f64 * 1.1).sin()).collect();
    let plane = Plane {
        center: &center,
        dx: &dx,
        dy: None,
    };
    let noise = Noise::new(
        7,
        4000,
        &center,
        &mlp.layout,
        NoiseNormalization::None,
        Ignore::None,
    );
    let sigmas = [0.1, 0.5, 1.0];
    let smoother = Smoother {
        mlp: &mlp,
        train: &data,
        noise: &noise,
        sigmas: &sigmas,
    };
    let xs = [-1.0, 0.0, 0.7];
    let coords: Vec<(usize, f64, f64)> = xs.iter().map(|&a| (0, a, 0.0)).collect();
    let got = smoother
        .grid(
            std::slice::from_ref(&plane),
            &coords,
            &Progress::hidden(),
            None,
        )
        .unwrap();
    let obj = crate::objective::MlpObjective::new(&mlp, &data);
    for (i, &a) in xs.iter().enumerate() {
        let mut theta = vec![0.0; p];
        plane.point(a, 0.0, &mut theta);
        let raw = crate::objective::Objective::loss(&obj, &theta);
        for (s, &sigma) in sigmas.iter().enumerate() {
            let (m, se) = (got.mean[s * 3 + i], got.stderr[s * 3 + i]);
            let want = raw + sigma * sigma * trace / 2.0;
            assert!(
                (m - want).abs() <= 5.0 * se,
                "a = {a}, σ = {sigma}: {m} vs {want} (± {se})"
            );
            // Not vacuous: the shift is many standard errors.
            let shift = sigma * sigma * trace / 2.0;
            assert!(se < shift / 4.0, "σ = {sigma}: stderr {se}, shift {shift}");
        }
    }
}

#[test]
fn results_do_not_depend_on_the_thread_count_or_on_holding_the_noise() {
    use crate::data::synthetic::spirals;
    let mlp = Mlp::new(&[2, 6, 1], Activation::Tanh, Loss::Bce);
    let train = Samples::<f32>::new(&spirals(80, 0.1, 2), Loss::Bce, 1, "t").unwrap();
    let p = mlp.n_params();
    let center: Vec<f64> = (0..p).map(|i| (i as f64 * 0.37).sin()).collect();
    let dx: Vec<f64> = (0..p).map(|i| (i as f64 * 0.11).cos()).collect();
    let dy: Vec<f64> = (0..p).map(|i| (i as f64 * 0.53).sin()).collect();
    let plane = Plane {
        center: &center,
        dx: &dx,
        dy: Some(&dy),
    };
    let coords = crate::landscape::grid::grid_points(1, &[-0.5, 0.0, 0.5], Some(&[0.0, 1.0]));
    let run = |threads: usize, held: bool| {
        let mut noise = Noise::new(
            3,
            5,
            &center,
            &mlp.layout,
            NoiseNormalization::Filter,
            Ignore::Bias,
        );
        if !held {
            noise.held = None;
        }
        let sigmas = [0.05, 0.3];
        let smoother = Smoother {
            mlp: &mlp,
            train: &train,
            noise: &noise,
            sigmas: &sigmas,
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let s = pool.install(|| {
            smoother
                .grid(
                    std::slice::from_ref(&plane),
                    &coords,
                    &Progress::hidden(),
                    None,
                )
                .unwrap()
        });
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        (bits(&s.mean), bits(&s.stderr))
    };
    let one = run(1, true);
    assert_eq!(one.0.len(), 2 * 6);
    assert_eq!(one, run(2, true));
    assert_eq!(one, run(2, false));
}

#[test]
fn filter_noise_has_the_centers_row_norms_and_no_bias_unless_asked() {
    let layout = Layout::new(&[3, 4, 2]);
    let p = layout.n_params();
    let center: Vec<f64> = (0..p).map(|i| 0.1 + (i as f64 * 0.9).sin()).collect();
    let noise = Noise::new(
        1,
        3,
        &center,
        &layout,
        NoiseNormalization::Filter,
        Ignore::Bias,
    );
    let mut buf = vec![0.0; p];
    let z0 = noise.z(0, &mut buf).to_vec();
    assert_ne!(z0, noise.z(1, &mut buf).to_vec(), "one stream per draw");
    for span in layout.layers() {
        for r in 0..span.fan_out {
            let row = span.row(r);
            assert!((norm(&z0[row.clone()]) - norm(&center[row])).abs() < 1e-12);
        }
        assert!(z0[span.bias()].iter().all(|&v| v == 0.0));
    }
    // "none" with biases kept: plain standard normal draws, the same stream.
    let plain = Noise::new(
        1,
        3,
        &center,
        &layout,
        NoiseNormalization::None,
        Ignore::None,
    );
    let z = plain.z(0, &mut buf).to_vec();
    let mut r = rng(1, Stream::SmoothingNoise(0));
    let want: Vec<f64> = (0..p).map(|_| r.sample(StandardNormal)).collect();
    assert_eq!(z, want);
    assert!(z[layout.layer(0).bias()].iter().all(|&v| v != 0.0));
    assert!(Noise::holds(32, 1000) && !Noise::holds(1000, 10_000_000));
}

#[test]
fn mean_and_standard_error_follow_the_textbook_and_mask_divergence() {
    let (m, se) = mean_stderr(&[1.0, 2.0, 3.0, 4.0]);
    assert_eq!(m, 2.5);
    // s² = 5/3, s/√4.
    assert!((se - (5.0f64 / 3.0).sqrt() / 2.0).abs() < 1e-15);
    assert!(mean_stderr(&[1.0, f64::INFINITY]).0.is_nan());
    let (m, se) = mean_stderr(&[0.25]);
    assert_eq!(m, 0.25);
    assert!(se.is_nan());
}
