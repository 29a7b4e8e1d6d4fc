//! The floating-point element type of a run: `f32` (speed, PyTorch's default) or `f64`
//! (Hessian analysis and derivative checks). One trait bound keeps signatures readable.

use std::fmt::{Debug, Display};

/// The scalar an `Mlp` computes in. Implemented for `f32` and `f64` only.
pub trait Scalar:
    num_traits::Float
    + num_traits::FromPrimitive
    + std::iter::Sum
    + std::ops::AddAssign
    + std::ops::SubAssign
    + std::ops::MulAssign
    + std::ops::DivAssign
    + Default
    + Debug
    + Display
    + Send
    + Sync
    + 'static
{
    /// Name used in configs and safetensors (`"f32"` / `"f64"`).
    const NAME: &'static str;
    /// Number of bytes of one element.
    const BYTES: usize;

    fn of(x: f64) -> Self;
    fn f64(self) -> f64;
    /// tanh for activations: f64 uses libm's correctly-rounded-ish `tanh`; f32 uses a
    /// branch-free rational approximation that vectorises (see [`tanh_f32`]).
    fn tanh_act(self) -> Self;
    /// The logistic function 1 / (1 + e^(−x)) for activations, by the same rule.
    fn sigmoid_act(self) -> Self;
    fn to_le_bytes_vec(xs: &[Self]) -> Vec<u8>;
}

impl Scalar for f32 {
    const NAME: &'static str = "f32";
    const BYTES: usize = 4;
    #[inline(always)]
    fn tanh_act(self) -> Self {
        tanh_f32(self)
    }
    #[inline(always)]
    fn sigmoid_act(self) -> Self {
        // σ(x) = ½ (1 + tanh(x/2))
        0.5 + 0.5 * tanh_f32(0.5 * self)
    }
    #[inline]
    fn of(x: f64) -> Self {
        x as f32
    }
    #[inline]
    fn f64(self) -> f64 {
        self as f64
    }
    fn to_le_bytes_vec(xs: &[Self]) -> Vec<u8> {
        xs.iter().flat_map(|x| x.to_le_bytes()).collect()
    }
}

impl Scalar for f64 {
    const NAME: &'static str = "f64";
    const BYTES: usize = 8;
    #[inline]
    fn tanh_act(self) -> Self {
        self.tanh()
    }
    #[inline]
    fn sigmoid_act(self) -> Self {
        if self >= 0.0 {
            1.0 / (1.0 + (-self).exp())
        } else {
            let e = self.exp();
            e / (1.0 + e)
        }
    }
    #[inline]
    fn of(x: f64) -> Self {
        x
    }
    #[inline]
    fn f64(self) -> f64 {
        self
    }
    fn to_le_bytes_vec(xs: &[Self]) -> Vec<u8> {
        xs.iter().flat_map(|x| x.to_le_bytes()).collect()
    }
}

/// tanh(x) in f32 as a 13/6-degree odd/even rational interpolant on [−9, 9] (±1 outside,
/// where f32 tanh rounds to ±1). The coefficients are the published ones of Eigen's
/// `generic_fast_tanh_float`; accuracy is a few ulp (tested below against f64 tanh).
/// Branch-free, so loops over slices compile to SIMD.
#[inline(always)]
pub fn tanh_f32(x: f32) -> f32 {
    const A: [f32; 7] = [
        4.893_524_6e-3,
        6.372_619_3e-4,
        1.485_722_4e-5,
        5.122_297e-8,
        -8.604_672e-11,
        2.000_188e-13,
        -2.760_768_5e-16,
    ];
    const B: [f32; 4] = [4.893_525e-3, 2.268_434_6e-3, 1.185_347_1e-4, 1.198_258_4e-6];
    let x = x.clamp(-9.0, 9.0);
    let x2 = x * x;
    let mut p = A[6];
    for &a in A[..6].iter().rev() {
        p = p * x2 + a;
    }
    let q = ((B[3] * x2 + B[2]) * x2 + B[1]) * x2 + B[0];
    (x * p / q).clamp(-1.0, 1.0)
}

/// Whether every element is finite, without branching per element: x·0 is 0 for finite
/// x and NaN for ±∞ and NaN, and sums of lanes of such products vectorise.
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))]
pub fn all_finite<S: Scalar>(xs: &[S]) -> bool {
    const LANES: usize = 16;
    let mut acc = [S::zero(); LANES];
    let mut it = xs.chunks_exact(LANES);
    for c in &mut it {
        for (a, &x) in acc.iter_mut().zip(c) {
            *a += x * S::zero();
        }
    }
    it.remainder().iter().all(|x| x.is_finite()) && acc.iter().all(|a| *a == S::zero())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_f32_tanh_and_sigmoid_are_accurate_to_a_few_ulp() {
        let mut worst_t = 0.0f64;
        let mut worst_s = 0.0f64;
        for i in -200_000..=200_000 {
            let x = i as f32 * 1e-4; // [-20, 20]
            let t = (x as f64).tanh();
            worst_t =
                worst_t.max((tanh_f32(x) as f64 - t).abs() / t.abs().max(f32::EPSILON as f64));
            let s = 1.0 / (1.0 + (-(x as f64)).exp());
            worst_s = worst_s.max((x.sigmoid_act() as f64 - s).abs());
        }
        assert!(
            worst_t < 8.0 * f32::EPSILON as f64,
            "tanh rel. error {worst_t:e}"
        );
        assert!(
            worst_s < 4.0 * f32::EPSILON as f64,
            "sigmoid abs. error {worst_s:e}"
        );
        assert_eq!(tanh_f32(f32::INFINITY), 1.0);
        assert_eq!(tanh_f32(-1e30), -1.0);
        assert!(tanh_f32(f32::NAN).is_nan());
    }

    #[test]
    fn all_finite_finds_any_infinity_or_nan() {
        let mut xs: Vec<f32> = (0..100).map(|i| i as f32 * 1e30).collect();
        assert!(all_finite(&xs));
        for at in [0, 37, 95, 99] {
            for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
                let keep = xs[at];
                xs[at] = bad;
                assert!(!all_finite(&xs), "{bad} at {at}");
                xs[at] = keep;
            }
        }
        assert!(all_finite::<f64>(&[]));
    }
}
