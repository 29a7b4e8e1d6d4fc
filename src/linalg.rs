//! Dense vector arithmetic on flat parameter-length slices: inner product, Euclidean
//! norm, y += s·x, x *= s, the cosine of the angle between two vectors, and standard
//! normal vectors drawn from a seeded generator.
//!
//! Sums run left to right in one f64 accumulator, so a result depends only on the
//! values, never on the machine or the thread count (and stays bit-identical with the
//! loops these functions replaced). Vectors of unequal length are a caller's bug and
//! panic.

use crate::scalar::Scalar;
use ndarray::Array1;
use ndarray_rand::RandomExt;
use rand::Rng;
use rand_distr::StandardNormal;

/// aᵀb = Σᵢ aᵢbᵢ, summed in f64 from the first entry to the last.
pub fn dot<S: Scalar>(a: &[S], b: &[S]) -> f64 {
    assert_eq!(a.len(), b.len(), "dot: lengths differ");
    a.iter().zip(b).map(|(x, y)| x.f64() * y.f64()).sum()
}

/// The Euclidean norm ‖a‖ = √(aᵀa), in f64.
pub fn norm<S: Scalar>(a: &[S]) -> f64 {
    dot(a, a).sqrt()
}

/// y ← y + s·x.
pub fn axpy(s: f64, x: &[f64], y: &mut [f64]) {
    assert_eq!(x.len(), y.len(), "axpy: lengths differ");
    y.iter_mut().zip(x).for_each(|(yi, xi)| *yi += s * xi);
}

/// x ← s·x.
pub fn scale(s: f64, x: &mut [f64]) {
    x.iter_mut().for_each(|xi| *xi *= s);
}

/// cos∠(a, b) = aᵀb / (‖a‖‖b‖); NaN if either vector is zero.
pub fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let (na, nb) = (norm(a), norm(b));
    if na == 0.0 || nb == 0.0 {
        return f64::NAN;
    }
    dot(a, b) / (na * nb)
}

/// n independent N(0, 1) draws from `rng`, in order (entry i is the i-th draw of
/// `rand_distr::StandardNormal`).
pub fn gaussian<R: Rng + ?Sized>(n: usize, rng: &mut R) -> Vec<f64> {
    let (values, _) = Array1::<f64>::random_using(n, StandardNormal, rng).into_raw_vec_and_offset();
    values
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::Distribution;

    #[test]
    fn products_and_norms_match_hand_values() {
        let (a, b) = ([1.0, 2.0, 3.0], [4.0, -5.0, 6.0]);
        assert_eq!(dot(&a, &b), 12.0);
        assert_eq!(norm(&[3.0, 4.0]), 5.0);
        assert_eq!(norm::<f64>(&[]), 0.0);
        // f32 entries are widened before multiplying: 0.1f32² in f64, not in f32.
        let x = [0.1f32];
        assert_eq!(dot(&x, &x), (0.1f32 as f64) * (0.1f32 as f64));
        let mut y = [1.0, 1.0, 1.0];
        axpy(2.0, &a, &mut y);
        assert_eq!(y, [3.0, 5.0, 7.0]);
        scale(-0.5, &mut y);
        assert_eq!(y, [-1.5, -2.5, -3.5]);
    }

    #[test]
    fn dot_sums_left_to_right() {
        // 1 + 1e16 − 1e16 is 0 left to right; any pairing of the last two first gives 1.
        assert_eq!(dot(&[1.0, 1e16, -1e16], &[1.0, 1.0, 1.0]), 0.0);
    }

    #[test]
    fn cosine_of_known_angles_and_of_a_zero_vector() {
        assert!((cosine(&[1.0, 0.0], &[1.0, 1.0]) - 0.5f64.sqrt()).abs() < 1e-15);
        assert_eq!(cosine(&[2.0, 0.0], &[-3.0, 0.0]), -1.0);
        assert_eq!(cosine(&[1.0, 0.0], &[0.0, 5.0]), 0.0);
        assert!(cosine(&[0.0, 0.0], &[1.0, 1.0]).is_nan());
    }

    #[test]
    #[should_panic(expected = "lengths differ")]
    fn dot_of_unequal_lengths_panics() {
        dot(&[1.0, 2.0], &[1.0]);
    }

    #[test]
    fn gaussian_is_the_standard_normal_draws_in_order() {
        // The same numbers as sampling StandardNormal one draw at a time.
        let got = gaussian(1000, &mut ChaCha8Rng::seed_from_u64(5));
        let mut r = ChaCha8Rng::seed_from_u64(5);
        let want: Vec<f64> = (0..1000).map(|_| StandardNormal.sample(&mut r)).collect();
        assert_eq!(got, want);
        assert!(gaussian(0, &mut r).is_empty());
        // And they are standard normal: mean 0, variance 1 (to 4 standard errors).
        let z = gaussian(20_000, &mut ChaCha8Rng::seed_from_u64(1));
        let mean = z.iter().sum::<f64>() / z.len() as f64;
        let var = z.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / z.len() as f64;
        assert!(
            mean.abs() < 0.03 && (var - 1.0).abs() < 0.05,
            "{mean} {var}"
        );
    }
}
