//! Gradients and Hessian-vector products of the MLP against central differences, for
//! every activation and loss (f64, random nets, points and directions), plus HVP
//! symmetry, f32-vs-f64 agreement and thread-count independence.

use crate::common::*;
use losscape::check::min_abs_preactivation;
use losscape::finite_diff::{self, GRADIENT_STEP, HVP_STEP};
use losscape::linalg::dot;
use losscape::nn::{Activation, Loss};
use losscape::objective::{MlpObjective, Objective};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

fn check_point(
    widths: Vec<usize>,
    act: Activation,
    loss: Loss,
    n: usize,
    seed: u64,
) -> Result<(), TestCaseError> {
    let (mlp, data, theta) = setup::<f64>(&widths, act, loss, n, seed);
    if act == Activation::Relu {
        prop_assume!(min_abs_preactivation(&mlp, &theta, &data.x, n) > 1e-4);
    }
    let obj = MlpObjective::new(&mlp, &data);
    let p = obj.dim();
    let mut g = vec![0.0; p];
    obj.loss_grad(&theta, &mut g);
    let v = random_vec(p, seed + 7);
    let mut hv = vec![0.0; p];
    obj.hvp(&theta, &v, &mut hv);

    // Gradient: per-coordinate central differences, h = 1e-6.
    let g_fd = finite_diff::gradient(|t| obj.loss(t), &theta, GRADIENT_STEP);
    let eg = rel_err(&g, &g_fd);
    prop_assert!(
        eg <= 1e-6,
        "{act:?}/{loss:?} {widths:?}: gradient rel. error {eg:e}"
    );

    // HVP: central difference of the gradient along v, h = 1e-5.
    let grad = |t: &[f64], out: &mut [f64]| {
        obj.loss_grad(t, out);
    };
    let hv_fd = finite_diff::hvp(grad, &theta, &v, HVP_STEP);
    let eh = rel_err(&hv, &hv_fd);
    prop_assert!(
        eh <= 1e-6,
        "{act:?}/{loss:?} {widths:?}: HVP rel. error {eh:e}"
    );
    Ok(())
}

fn widths_strategy() -> impl Strategy<Value = Vec<usize>> {
    (1usize..5, prop::collection::vec(1usize..7, 0..3), 1usize..4).prop_map(|(i, h, o)| {
        let mut w = vec![i];
        w.extend(h);
        w.push(o);
        w
    })
}

proptest! {
    #![proptest_config(Config { cases: 48, rng_seed: RngSeed::Fixed(20261129), failure_persistence: None, ..Config::default() })]

    #[test]
    fn gradient_and_hvp_match_central_differences(
        widths in widths_strategy(),
        act in prop::sample::select(ACTIVATIONS.to_vec()),
        loss in prop::sample::select(LOSSES.to_vec()),
        n in 1usize..12,
        seed in 0u64..1_000_000,
    ) {
        check_point(widths, act, loss, n, seed)?;
    }
}

#[test]
fn every_activation_and_loss_pair_is_checked_on_a_deep_net() {
    // Deterministic sweep so no pair depends on the property sampler's luck; n = 300
    // spans two chunks, so the chunked reduction is covered too.
    for act in ACTIVATIONS {
        for loss in LOSSES {
            let mut ok = false;
            for seed in 0..20 {
                if check_point(vec![3, 5, 4, 3], act, loss, 300, seed).is_ok() {
                    ok = true;
                    break;
                }
                // A Reject (ReLU too close to a kink) tries the next seed; a Fail panics.
                if let Err(TestCaseError::Fail(m)) =
                    check_point(vec![3, 5, 4, 3], act, loss, 300, seed)
                {
                    panic!("{m}");
                }
            }
            assert!(ok, "{act:?}/{loss:?}: no seed away from ReLU kinks");
        }
    }
}

#[test]
fn hvp_is_symmetric() {
    for act in ACTIVATIONS {
        for loss in LOSSES {
            let (mlp, data, theta) = setup::<f64>(&[4, 6, 5, 3], act, loss, 40, 11);
            let obj = MlpObjective::new(&mlp, &data);
            let p = obj.dim();
            let (u, v) = (random_vec(p, 1), random_vec(p, 2));
            let (mut hu, mut hv) = (vec![0.0; p], vec![0.0; p]);
            obj.hvp(&theta, &u, &mut hu);
            obj.hvp(&theta, &v, &mut hv);
            let (uhv, vhu) = (dot(&u, &hv), dot(&v, &hu));
            assert!(
                (uhv - vhu).abs() <= 1e-12 * uhv.abs().max(1.0),
                "{act:?}/{loss:?}: {uhv} vs {vhu}"
            );
        }
    }
}

#[test]
fn f32_agrees_with_f64_within_f32_precision() {
    for act in ACTIVATIONS {
        for loss in LOSSES {
            let (mlp, d64, t64) = setup::<f64>(&[5, 16, 8, 3], act, loss, 500, 5);
            let (_, d32, t32) = setup::<f32>(&[5, 16, 8, 3], act, loss, 500, 5);
            let (o64, o32) = (MlpObjective::new(&mlp, &d64), MlpObjective::new(&mlp, &d32));
            let p = o64.dim();
            let (mut g64, mut g32) = (vec![0.0f64; p], vec![0.0f32; p]);
            let l64 = o64.loss_grad(&t64, &mut g64);
            let l32 = o32.loss_grad(&t32, &mut g32);
            let v64 = random_vec(p, 3);
            let v32: Vec<f32> = v64.iter().map(|&x| x as f32).collect();
            let (mut h64, mut h32) = (vec![0.0f64; p], vec![0.0f32; p]);
            o64.hvp(&t64, &v64, &mut h64);
            o32.hvp(&t32, &v32, &mut h32);
            let up = |v: &[f32]| v.iter().map(|&x| x as f64).collect::<Vec<_>>();
            assert!(
                ((l32 as f64) - l64).abs() <= 1e-5 * l64.abs().max(1.0),
                "{act:?}/{loss:?} loss"
            );
            assert!(rel_err(&up(&g32), &g64) <= 1e-4, "{act:?}/{loss:?} grad");
            assert!(rel_err(&up(&h32), &h64) <= 1e-4, "{act:?}/{loss:?} hvp");
        }
    }
}

#[test]
fn results_are_identical_with_one_and_two_threads() {
    let (mlp, data, theta) = setup::<f32>(
        &[6, 32, 32, 4],
        Activation::Tanh,
        Loss::CrossEntropy,
        3000,
        9,
    );
    let v: Vec<f32> = random_vec(mlp.n_params(), 4)
        .iter()
        .map(|&x| x as f32)
        .collect();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let obj = MlpObjective::new(&mlp, &data);
            let mut g = vec![0.0f32; mlp.n_params()];
            let mut hv = vec![0.0f32; mlp.n_params()];
            let e = obj.eval_grad(&theta, &mut g);
            obj.hvp(&theta, &v, &mut hv);
            (
                e.loss.to_bits(),
                g.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                hv.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            )
        })
    };
    assert_eq!(run(1), run(2));
}

#[test]
fn losses_match_their_definitions_on_a_hand_computed_case() {
    // One identity layer [1 -> 2] with W = [[1], [-1]], b = [0, 0.5]; x = 2.
    // z = (2, -1.5). Values computed by hand (and with torch.nn.functional):
    //   cross_entropy, label 0: logsumexp(2, -1.5) - 2 = ln(1 + e^-3.5) = 0.029750...
    //   mse vs t = (1, 0): ((1)^2 + (1.5)^2) / 2 = 1.625;  sse_half: 0.5 * 3.25 = 1.625
    use losscape::data::{Dataset, Labels};
    use losscape::nn::Mlp;
    use losscape::nn::Samples;
    let theta = [1.0, -1.0, 0.0, 0.5];
    let x = ndarray::arr2(&[[2.0]]);
    let classes = Dataset {
        x: x.clone(),
        y: Labels::Classes {
            labels: vec![0],
            n_classes: 2,
        },
    };
    let values = Dataset {
        x,
        y: Labels::Values(ndarray::arr2(&[[1.0, 0.0]])),
    };
    let ce = Mlp::new(&[1, 2], Activation::Identity, Loss::CrossEntropy);
    let s = Samples::<f64>::new(&classes, Loss::CrossEntropy, 2, "t").unwrap();
    assert!((MlpObjective::new(&ce, &s).loss(&theta) - (1.0 + (-3.5f64).exp()).ln()).abs() < 1e-15);
    for (loss, want) in [(Loss::Mse, 1.625), (Loss::SseHalf, 1.625)] {
        let m = Mlp::new(&[1, 2], Activation::Identity, loss);
        let s = Samples::<f64>::new(&values, loss, 2, "t").unwrap();
        assert!((MlpObjective::new(&m, &s).loss(&theta) - want).abs() < 1e-15);
    }
    // bce, one output z = 2 with label 1: softplus(2) - 2 = ln(1 + e^-2) = 0.126928...
    let b = Mlp::new(&[1, 1], Activation::Identity, Loss::Bce);
    let d = Dataset {
        x: ndarray::arr2(&[[2.0]]),
        y: Labels::Classes {
            labels: vec![1],
            n_classes: 2,
        },
    };
    let s = Samples::<f64>::new(&d, Loss::Bce, 1, "t").unwrap();
    assert!(
        (MlpObjective::new(&b, &s).loss(&[1.0, 0.0]) - (1.0 + (-2.0f64).exp()).ln()).abs() < 1e-15
    );
}
