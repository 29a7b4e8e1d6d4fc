//! Synthetic data sets, after the TensorFlow Playground generators (`src/dataset.ts`).
//!
//! Each takes the sample count `n`, a `noise` level and a u64 `seed`; the RNG is
//! `ChaCha8Rng::seed_from_u64(seed)` on stream [`Stream::Data`], so the same seed gives
//! the same points on every machine. Classification sets are 2-D (`x` is n × 2) with
//! labels 0/1 (Playground's -1 becomes 0); rows come in class blocks (shuffled later by
//! the split). Shapes and noise meaning:
//!
//! - `xor`: corner c = i mod 4 of (0,0)→0, (0,1)→1, (1,0)→1, (1,1)→0, plus noise·N(0,1)
//!   per coordinate. With n = 4 and noise 0 this is exactly the truth table, in order.
//! - `circles`: R = 5; the first ⌈n/2⌉ points uniform in radius on [0, R/2), the rest on
//!   [0.7R, R); label 1 when the point shifted by noise·U(-R, R) per coordinate lies
//!   inside radius R/2 (Playground: noise flips labels near the boundary, not positions).
//! - `spirals`: two spirals of m = ⌈n/2⌉ and ⌊n/2⌋ points, r = 5i/m,
//!   t = 1.75·2π·i/m + δ with δ = 0 (label 1) and π (label 0); x = (r sin t, r cos t) +
//!   noise·U(-1, 1) per coordinate.
//! - `gaussians`: k blobs at radius 2√2, blob j at angle 225° + 360°·j/k (k = 2: label 1
//!   at (2, 2), label 0 at (-2, -2), as in Playground); variance 0.5 + 7·noise
//!   (Playground's map of noise 0..0.5 to variance 0.5..4).
//! - `sine`: 1-D regression, x ~ U(x_range), y = sin(frequency·x) + noise·N(0,1) (n × 1).
//!
//! ```
//! use losscape::data::{synthetic, Labels};
//!
//! // Four noiseless XOR points are the truth table, in order.
//! let xor = synthetic::xor(4, 0.0, 0);
//! assert_eq!(xor.x.as_slice().unwrap(), &[0., 0., 0., 1., 1., 0., 1., 1.]);
//! assert_eq!(xor.y, Labels::Classes { labels: vec![0, 1, 1, 0], n_classes: 2 });
//!
//! // The same seed gives the same points; the spirals come in two class blocks.
//! let spirals = synthetic::spirals(100, 0.1, 7);
//! assert_eq!(spirals, synthetic::spirals(100, 0.1, 7));
//! assert_eq!((spirals.n(), spirals.d()), (100, 2));
//! ```

use std::f64::consts::PI;

use ndarray::Array2;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use crate::data::config::Function1d;
use crate::data::{Dataset, Labels};
use crate::seeded::{self, Stream};

/// The generator of `seed` on the data stream, apart from the streams other parts of a
/// run draw from the same seed.
fn rng(seed: u64) -> ChaCha8Rng {
    seeded::rng(seed, Stream::Data)
}

fn classes(points: Vec<[f64; 2]>, labels: Vec<u32>, n_classes: usize) -> Dataset {
    let n = points.len();
    let x = Array2::from_shape_vec((n, 2), points.into_iter().flatten().collect()).expect("n × 2");
    Dataset {
        x,
        y: Labels::Classes { labels, n_classes },
    }
}

/// XOR: n points at the four corners (cycled in truth-table order) plus Gaussian noise.
pub fn xor(n: usize, noise: f64, seed: u64) -> Dataset {
    const CORNERS: [([f64; 2], u32); 4] =
        [([0., 0.], 0), ([0., 1.], 1), ([1., 0.], 1), ([1., 1.], 0)];
    let mut r = rng(seed);
    let (mut pts, mut labels) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        let ([a, b], label) = CORNERS[i % 4];
        let (ea, eb) = if noise > 0.0 {
            (
                r.sample::<f64, _>(StandardNormal),
                r.sample::<f64, _>(StandardNormal),
            )
        } else {
            (0.0, 0.0)
        };
        pts.push([a + noise * ea, b + noise * eb]);
        labels.push(label);
    }
    classes(pts, labels, 2)
}

/// Inner disc (label 1) and outer ring (label 0), radius 5.
pub fn circles(n: usize, noise: f64, seed: u64) -> Dataset {
    const R: f64 = 5.0;
    let mut r = rng(seed);
    let inner = n.div_ceil(2);
    let (mut pts, mut labels) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        let (lo, hi) = if i < inner {
            (0.0, R * 0.5)
        } else {
            (R * 0.7, R)
        };
        let rad = r.random_range(lo..hi);
        let angle = r.random_range(0.0..2.0 * PI);
        let p = [rad * angle.sin(), rad * angle.cos()];
        let nx = r.random_range(-R..R) * noise;
        let ny = r.random_range(-R..R) * noise;
        labels.push(u32::from((p[0] + nx).hypot(p[1] + ny) < R * 0.5));
        pts.push(p);
    }
    classes(pts, labels, 2)
}

/// Two interleaved spirals (label 1 from angle 0, label 0 from angle π).
pub fn spirals(n: usize, noise: f64, seed: u64) -> Dataset {
    let mut r = rng(seed);
    let (mut pts, mut labels) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for (m, delta, label) in [(n.div_ceil(2), 0.0, 1), (n / 2, PI, 0)] {
        for i in 0..m {
            let frac = i as f64 / m as f64;
            let (rad, t) = (frac * 5.0, 1.75 * frac * 2.0 * PI + delta);
            let x = rad * t.sin() + r.random_range(-1.0..1.0) * noise;
            let y = rad * t.cos() + r.random_range(-1.0..1.0) * noise;
            pts.push([x, y]);
            labels.push(label);
        }
    }
    classes(pts, labels, 2)
}

/// Centre of gaussian blob `j` of `k`: radius 2√2, angle 225° + 360°·j/k.
pub fn gaussian_center(j: usize, k: usize) -> [f64; 2] {
    let angle = 1.25 * PI + 2.0 * PI * j as f64 / k as f64;
    let rad = 2.0 * std::f64::consts::SQRT_2;
    [rad * angle.cos(), rad * angle.sin()]
}

/// `k` Gaussian blobs, n·j/k .. n·(j+1)/k rows each, variance 0.5 + 7·noise.
pub fn gaussians(n: usize, k: usize, noise: f64, seed: u64) -> Dataset {
    let mut r = rng(seed);
    let sd = (0.5 + 7.0 * noise).sqrt();
    let (mut pts, mut labels) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        let j = i * k / n;
        let [cx, cy] = gaussian_center(j, k);
        let ex: f64 = r.sample(StandardNormal);
        let ey: f64 = r.sample(StandardNormal);
        pts.push([cx + sd * ex, cy + sd * ey]);
        labels.push(j as u32);
    }
    classes(pts, labels, k)
}

/// 1-D regression: x ~ U(x_range), y = sin(frequency·x) + noise·N(0,1).
pub fn sine(n: usize, x_range: [f64; 2], frequency: f64, noise: f64, seed: u64) -> Dataset {
    function_1d(n, x_range, Function1d::Sin, frequency, noise, seed)
}

/// 1-D regression: x ~ U(x_range), y = f(frequency·x) + noise·N(0,1).
pub fn function_1d(
    n: usize,
    x_range: [f64; 2],
    f: Function1d,
    frequency: f64,
    noise: f64,
    seed: u64,
) -> Dataset {
    let mut r = rng(seed);
    let (mut x, mut y) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let xi = r.random_range(x_range[0]..x_range[1]);
        let e: f64 = r.sample(StandardNormal);
        x.push(xi);
        y.push(f.eval(frequency * xi) + noise * e);
    }
    Dataset {
        x: Array2::from_shape_vec((n, 1), x).expect("n × 1"),
        y: Labels::Values(Array2::from_shape_vec((n, 1), y).expect("n × 1")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(d: &Dataset) -> &[u32] {
        match &d.y {
            Labels::Classes { labels, .. } => labels,
            Labels::Values(_) => panic!("expected classes"),
        }
    }

    fn count(d: &Dataset, c: u32) -> usize {
        labels(d).iter().filter(|&&l| l == c).count()
    }

    #[test]
    fn xor_truth_table_exact() {
        let d = xor(4, 0.0, 123);
        assert_eq!(d.x, ndarray::array![[0., 0.], [0., 1.], [1., 0.], [1., 1.]]);
        assert_eq!(
            d.y,
            Labels::Classes {
                labels: vec![0, 1, 1, 0],
                n_classes: 2
            }
        );
    }

    #[test]
    fn xor_cloud_around_corners() {
        let d = xor(200, 0.1, 5);
        assert_eq!(d.x.dim(), (200, 2));
        assert_eq!((count(&d, 0), count(&d, 1)), (100, 100));
        for (i, row) in d.x.rows().into_iter().enumerate() {
            let corner = [[0., 0.], [0., 1.], [1., 0.], [1., 1.]][i % 4];
            assert!((row[0] - corner[0]).abs() < 0.6 && (row[1] - corner[1]).abs() < 0.6);
            assert_eq!(labels(&d)[i], [0, 1, 1, 0][i % 4]);
        }
        assert_ne!(d.x[[0, 0]], 0.0);
        assert_eq!(d, xor(200, 0.1, 5));
        assert_ne!(d, xor(200, 0.1, 6));
    }

    #[test]
    fn circles_geometry_and_labels() {
        let d = circles(401, 0.0, 1);
        assert_eq!(d.x.dim(), (401, 2));
        for (i, row) in d.x.rows().into_iter().enumerate() {
            let rad = row[0].hypot(row[1]);
            if i < 201 {
                assert!(rad < 2.5 && labels(&d)[i] == 1);
            } else {
                assert!((3.5..5.0).contains(&rad) && labels(&d)[i] == 0);
            }
        }
        // Playground noise only moves the point used for the label: large noise flips some.
        let noisy = circles(400, 0.5, 1);
        assert!(count(&noisy, 0) != 200);
        assert_eq!(noisy, circles(400, 0.5, 1));
        assert_ne!(noisy, circles(400, 0.5, 2));
    }

    #[test]
    fn spirals_exact_without_noise() {
        let d = spirals(400, 0.0, 9);
        assert_eq!(d.x.dim(), (400, 2));
        assert_eq!((count(&d, 1), count(&d, 0)), (200, 200));
        // point i = 100 of the first spiral: r = 2.5, t = 1.75π.
        let t = 1.75 * PI;
        assert!((d.x[[100, 0]] - 2.5 * t.sin()).abs() < 1e-12);
        assert!((d.x[[100, 1]] - 2.5 * t.cos()).abs() < 1e-12);
        // second spiral is the first rotated by π.
        assert!((d.x[[300, 0]] + d.x[[100, 0]]).abs() < 1e-12);
        assert_eq!(spirals(401, 0.0, 0).n(), 401);
        let noisy = spirals(400, 0.2, 3);
        assert!((noisy.x[[100, 0]] - d.x[[100, 0]]).abs() <= 0.2);
        assert_eq!(noisy, spirals(400, 0.2, 3));
        assert_ne!(noisy, spirals(400, 0.2, 4));
    }

    #[test]
    fn gaussians_centres_and_spread() {
        let c = gaussian_center(1, 2);
        assert!((c[0] - 2.0).abs() < 1e-12 && (c[1] - 2.0).abs() < 1e-12);
        let c = gaussian_center(0, 2);
        assert!((c[0] + 2.0).abs() < 1e-12 && (c[1] + 2.0).abs() < 1e-12);
        let d = gaussians(4000, 2, 0.0, 2);
        assert_eq!((count(&d, 0), count(&d, 1)), (2000, 2000));
        let ones = d.x.slice(ndarray::s![2000.., ..]);
        let mean = ones.mean_axis(ndarray::Axis(0)).unwrap();
        assert!(
            (mean[0] - 2.0).abs() < 0.05 && (mean[1] - 2.0).abs() < 0.05,
            "{mean}"
        );
        let var = ones.column(0).var(0.0);
        assert!((var - 0.5).abs() < 0.05, "{var}");
        let d3 = gaussians(10, 3, 0.1, 2);
        assert_eq!(labels(&d3), &[0, 0, 0, 0, 1, 1, 1, 2, 2, 2]);
        assert!(matches!(d3.y, Labels::Classes { n_classes: 3, .. }));
        assert_eq!(d3, gaussians(10, 3, 0.1, 2));
        assert_ne!(d3, gaussians(10, 3, 0.1, 3));
    }

    #[test]
    fn sine_values() {
        let d = sine(200, [-1.0, 2.0], 3.0, 0.0, 4);
        assert_eq!(d.x.dim(), (200, 1));
        let Labels::Values(y) = &d.y else { panic!() };
        assert_eq!(y.dim(), (200, 1));
        for i in 0..200 {
            assert!((-1.0..2.0).contains(&d.x[[i, 0]]));
            assert_eq!(y[[i, 0]], (3.0 * d.x[[i, 0]]).sin());
        }
        // The step and |x| targets on the same draws of x.
        for (f, want) in [(Function1d::Step, 0.0), (Function1d::Abs, 0.0)] {
            let g = function_1d(200, [-1.0, 2.0], f, 3.0, 0.0, 4);
            assert_eq!(g.x, d.x);
            let Labels::Values(ty) = &g.y else { panic!() };
            for (xi, yi) in g.x.column(0).iter().zip(ty.column(0)) {
                let z = 3.0 * xi;
                let expect = match f {
                    Function1d::Step => f64::from(u8::from(z >= want)),
                    _ => z.abs(),
                };
                assert_eq!(*yi, expect);
            }
        }
        let noisy = sine(200, [-1.0, 2.0], 3.0, 0.1, 4);
        assert_eq!(noisy.x, d.x);
        assert_ne!(noisy.y, d.y);
        assert_ne!(
            sine(5, [0.0, 1.0], 1.0, 0.1, 1),
            sine(5, [0.0, 1.0], 1.0, 0.1, 2)
        );
    }
}
