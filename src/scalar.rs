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
    fn to_le_bytes_vec(xs: &[Self]) -> Vec<u8>;
}

impl Scalar for f32 {
    const NAME: &'static str = "f32";
    const BYTES: usize = 4;
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
