//! Exact first-layer reuse on a plane of parameters.
//!
//! The first layer is linear in θ, so on the plane θ(a, b) = θ₀ + a·d_x + b·d_y its
//! pre-activations for the data X (n × d) are
//!
//!   Z(a, b) = Z₀ + a·Z_x + b·Z_y,   Z₀ = X W₁(θ₀)ᵀ + b₁(θ₀),   Z_x = X W₁(d_x)ᵀ + b₁(d_x)
//!
//! (Z_y likewise; a line has no Z_y), where W₁(v), b₁(v) are the first-layer blocks of a
//! flat vector v. [`PlaneProducts`] computes Z₀, Z_x, Z_y once per plane and data set;
//! every grid point then forms its Z with two axpys instead of its largest matrix
//! product (on a [784, 512, 512, 10] net that is 60 % of a point's multiply-adds). The
//! result differs from the direct path θ(a, b) → X W₁ᵀ only by rounding.
//!
//! The products take 3 × rows × width₁ scalars (2 × for a line); [`FirstLayer::choose`]
//! falls back to the direct path above [`CACHE_LIMIT`]. The choice depends only on the
//! config (net, data size, dtype), so a run's numbers do not depend on the machine's
//! memory or its thread count.

use crate::landscape::grid::Plane;
use crate::nn::matmul::{mm_nt, Split};
use crate::nn::{Mlp, Samples};
use crate::scalar::Scalar;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Most bytes the cached products of one plane (training and test sets) may take.
pub const CACHE_LIMIT: u64 = 1 << 30;

/// Rows per task when the products are computed: fixed, so the products (and every
/// number after them) are the same on any number of threads.
const ROWS_PER_TASK: usize = 256;

/// How a plane's points get their first-layer pre-activations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FirstLayer {
    /// Z₀ + a·Z_x + b·Z_y from products computed once per plane.
    Reuse,
    /// X W₁(θ(a, b))ᵀ + b₁ at every point (and in summaries written before the choice
    /// existed).
    #[default]
    Direct,
}

impl FirstLayer {
    /// The bytes the products of one plane take: `directions` (1 or 2) plus one
    /// matrices of `rows` × width₁ scalars.
    pub fn cache_bytes(
        layers: &[usize],
        rows: usize,
        directions: usize,
        scalar_bytes: usize,
    ) -> u64 {
        let width = layers.get(1).copied().unwrap_or(0) as u64;
        (directions as u64 + 1)
            .saturating_mul(rows as u64)
            .saturating_mul(width)
            .saturating_mul(scalar_bytes as u64)
    }

    /// Reuse when the products of a plane fit in [`CACHE_LIMIT`], else direct.
    pub fn choose(layers: &[usize], rows: usize, directions: usize, scalar_bytes: usize) -> Self {
        match Self::cache_bytes(layers, rows, directions, scalar_bytes) <= CACHE_LIMIT {
            true => FirstLayer::Reuse,
            false => FirstLayer::Direct,
        }
    }

    /// Its name in `summary.json` and in a sweep log's fingerprint.
    pub fn name(self) -> &'static str {
        match self {
            FirstLayer::Reuse => "reuse",
            FirstLayer::Direct => "direct",
        }
    }
}

/// Z₀, Z_x and (for a plane) Z_y of one data set, each rows × width₁, row-major.
pub struct PlaneProducts<S> {
    width: usize,
    z0: Vec<S>,
    zx: Vec<S>,
    zy: Option<Vec<S>>,
}

impl<S: Scalar> PlaneProducts<S> {
    /// The products of `data` with the first-layer blocks of the plane's center and
    /// directions, rounded to S as the direct path rounds θ(a, b).
    pub fn new(mlp: &Mlp, data: &Samples<S>, plane: &Plane) -> Self {
        let span = mlp.layout.layer(0);
        let width = span.fan_out;
        let product = |v: &[f64]| -> Vec<S> {
            let w: Vec<S> = v[span.weight()].iter().map(|&x| S::of(x)).collect();
            let bias: Vec<S> = v[span.bias()].iter().map(|&x| S::of(x)).collect();
            let mut z = vec![S::zero(); data.n * width];
            z.par_chunks_mut(ROWS_PER_TASK * width)
                .enumerate()
                .for_each(|(t, out)| {
                    let rows = out.len() / width;
                    let x = &data.x[t * ROWS_PER_TASK * span.fan_in..][..rows * span.fan_in];
                    out.chunks_exact_mut(width)
                        .for_each(|row| row.copy_from_slice(&bias));
                    mm_nt(rows, width, span.fan_in, x, &w, out, true, Split::Whole);
                });
            z
        };
        PlaneProducts {
            width,
            z0: product(plane.center),
            zx: product(plane.dx),
            zy: plane.dy.map(product),
        }
    }

    /// Z(a, b) of rows start..end, written to `out` ((end − start) × width₁).
    pub fn fill(&self, a: S, b: S, start: usize, end: usize, out: &mut [S]) {
        let rows = start * self.width..end * self.width;
        let zy = self.zy.as_ref().map(|zy| &zy[rows.clone()]);
        combine(&self.z0[rows.clone()], &self.zx[rows], zy, a, b, out);
    }
}

/// out = z0 + a·zx [+ b·zy], compiled per x86-64 level (see `crate::simd`).
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))]
fn combine<S: Scalar>(z0: &[S], zx: &[S], zy: Option<&[S]>, a: S, b: S, out: &mut [S]) {
    match zy {
        Some(zy) => {
            for (((o, &z), &x), &y) in out.iter_mut().zip(z0).zip(zx).zip(zy) {
                *o = z + a * x + b * y;
            }
        }
        None => {
            for ((o, &z), &x) in out.iter_mut().zip(z0).zip(zx) {
                *o = z + a * x;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::config::{DataConfig, Source};
    use crate::landscape::grid::{slice_values, Evaluator, PointValues};
    use crate::linalg::gaussian;
    use crate::nn::{Activation, Init, Loss};
    use crate::progress::Progress;
    use rand::SeedableRng;

    /// A bundled net with its bundled data (training and test sets) in dtype S.
    fn bundled<S: Scalar>(
        source: Source,
        layers: &[usize],
        act: Activation,
        loss: Loss,
    ) -> (Mlp, Samples<S>, Samples<S>) {
        let mut cfg = DataConfig::new(source);
        cfg.n = (source == Source::Spirals).then_some(400);
        cfg.standardize = source == Source::Digits;
        cfg.test_fraction = 0.25;
        let split = crate::data::load::load(&cfg, std::path::Path::new("t.toml"), 3, true).unwrap();
        let k = *layers.last().unwrap();
        let samples = |d| Samples::<S>::new(d, loss, k, "t").unwrap();
        let test = samples(split.test.as_ref().unwrap());
        (Mlp::new(layers, act, loss), samples(&split.train), test)
    }

    fn nets() -> [(Source, Vec<usize>, Activation, Loss); 2] {
        [
            (
                Source::Spirals,
                vec![2, 16, 16, 1],
                Activation::Tanh,
                Loss::Bce,
            ),
            (
                Source::Digits,
                vec![64, 128, 128, 10],
                Activation::Relu,
                Loss::CrossEntropy,
            ),
        ]
    }

    /// Center, dx and dy of a plane through a random net: directions of the center's
    /// scale, so points at |a|, |b| ≤ 1 move every weight by up to its own size.
    fn plane_vectors(mlp: &Mlp, seed: u64) -> [Vec<f64>; 3] {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let center = Init::Pytorch.theta(&mlp.layout, &mut rng);
        let scale = crate::linalg::norm(&center) / (center.len() as f64).sqrt();
        let mut dir = || {
            let mut d = gaussian(center.len(), &mut rng);
            d.iter_mut().for_each(|x| *x *= scale);
            d
        };
        [center.clone(), dir(), dir()]
    }

    fn sweep<S: Scalar>(
        mlp: &Mlp,
        train: &Samples<S>,
        test: &Samples<S>,
        plane: &Plane,
        path: FirstLayer,
        threads: usize,
    ) -> Vec<PointValues> {
        let axis = [-1.0, -0.3, 0.0, 0.45, 1.0];
        let y = plane.dy.map(|_| &axis[..]);
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                let eval = Evaluator::new(mlp, train, Some(test)).with_first_layer(path);
                let planes = std::slice::from_ref(plane);
                slice_values(&eval, planes, &axis, y, None, &Progress::hidden(), None).unwrap()
            })
    }

    /// The two paths agree to rounding: losses within `tol` relative, accuracies
    /// within one sample (a logit tie may round either way).
    fn assert_paths_agree<S: Scalar>(tol: f64) {
        for (source, layers, act, loss) in nets() {
            let (mlp, train, test) = bundled::<S>(source, &layers, act, loss);
            let [center, dx, dy] = plane_vectors(&mlp, 5);
            for dy in [Some(&dy[..]), None] {
                let plane = Plane {
                    center: &center,
                    dx: &dx,
                    dy,
                };
                let reuse = sweep(&mlp, &train, &test, &plane, FirstLayer::Reuse, 2);
                let direct = sweep(&mlp, &train, &test, &plane, FirstLayer::Direct, 2);
                for (r, d) in reuse.iter().zip(&direct) {
                    for (x, y) in [(r.train_loss, d.train_loss), (r.test_loss, d.test_loss)] {
                        assert!(
                            (x - y).abs() <= tol * y.abs(),
                            "{layers:?} {S}: {x} vs {y}",
                            S = S::NAME
                        );
                    }
                    assert!((r.train_accuracy - d.train_accuracy).abs() <= 1.0 / train.n as f64);
                    assert!((r.test_accuracy - d.test_accuracy).abs() <= 1.0 / test.n as f64);
                }
            }
        }
    }

    #[test]
    fn reuse_agrees_with_the_direct_path_to_rounding_in_f32_and_f64() {
        assert_paths_agree::<f32>(1e-5);
        assert_paths_agree::<f64>(1e-12);
    }

    #[test]
    fn reuse_gives_the_same_bits_on_any_thread_count() {
        let (source, layers, act, loss) = nets()[1].clone();
        let (mlp, train, test) = bundled::<f32>(source, &layers, act, loss);
        let [center, dx, dy] = plane_vectors(&mlp, 8);
        let plane = Plane {
            center: &center,
            dx: &dx,
            dy: Some(&dy),
        };
        let bits = |v: Vec<PointValues>| -> Vec<[u64; 4]> {
            v.iter().map(|p| p.to_array().map(f64::to_bits)).collect()
        };
        let one = bits(sweep(&mlp, &train, &test, &plane, FirstLayer::Reuse, 1));
        assert_eq!(
            bits(sweep(&mlp, &train, &test, &plane, FirstLayer::Reuse, 2)),
            one
        );
        assert_eq!(
            bits(sweep(&mlp, &train, &test, &plane, FirstLayer::Reuse, 3)),
            one
        );
    }

    #[test]
    fn products_above_the_limit_fall_back_to_the_direct_path() {
        // MNIST's 70,000 rows through a 512-wide first layer in f32: 3 × 70,000 × 512 ×
        // 4 B = 430 MB, reused; 2,048 units wide it is 1.7 GB, direct.
        let mnist = [784, 512, 512, 10];
        assert_eq!(FirstLayer::cache_bytes(&mnist, 70_000, 2, 4), 430_080_000);
        assert_eq!(FirstLayer::choose(&mnist, 70_000, 2, 4), FirstLayer::Reuse);
        assert_eq!(
            FirstLayer::choose(&[784, 2048, 10], 70_000, 2, 4),
            FirstLayer::Direct
        );
        // A new evaluator chooses by the same rule.
        let (source, layers, act, loss) = nets()[0].clone();
        let (mlp, train, test) = bundled::<f64>(source, &layers, act, loss);
        assert_eq!(
            Evaluator::new(&mlp, &train, Some(&test)).first_layer(),
            FirstLayer::Reuse
        );
    }
}
