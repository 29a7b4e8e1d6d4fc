//! Which SIMD instruction set this machine gives the hot loops, chosen at run time.
//!
//! The crate is built for baseline x86-64, so one binary runs on any x86-64 machine
//! (cluster nodes differ). Speed comes from two run-time choices instead of
//! `target-cpu=native`:
//! - matrix products: the `gemm` crate, built with its `x86-v4` feature, picks AVX-512
//!   kernels where the CPU has them and AVX2+FMA kernels otherwise;
//! - elementwise loops (activations and their derivatives, bias sums, optimiser
//!   updates, plane points) are marked
//!   `#[multiversion(targets("x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma", "x86_64+avx2+fma"))]`: the
//!   `multiversion` crate compiles one clone per x86-64 level (v4: AVX-512; v3:
//!   AVX2+FMA; the baseline) and calls the best one this CPU supports.
//!
//! Rust never fuses a·b + c into an FMA on its own, so every clone computes the same
//! bits: the level changes the speed of an elementwise loop, never its result.

/// The instruction-set level of the CPU, as the dispatched loops see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// x86-64-v4: AVX-512 (F, BW, CD, DQ, VL).
    Avx512,
    /// x86-64-v3: AVX2 with FMA.
    Avx2,
    /// Anything else: the baseline build (SSE2 on x86-64).
    Baseline,
}

impl Level {
    /// The level of this CPU.
    pub fn detect() -> Level {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            if has!("avx512f")
                && has!("avx512bw")
                && has!("avx512cd")
                && has!("avx512dq")
                && has!("avx512vl")
                && has!("avx2")
                && has!("fma")
            {
                return Level::Avx512;
            }
            if has!("avx2") && has!("fma") && has!("bmi1") && has!("bmi2") && has!("lzcnt") {
                return Level::Avx2;
            }
        }
        Level::Baseline
    }

    /// A short name: `AVX-512 (x86-64-v4)` ...
    pub fn name(self) -> &'static str {
        match self {
            Level::Avx512 => "AVX-512 (x86-64-v4)",
            Level::Avx2 => "AVX2+FMA (x86-64-v3)",
            Level::Baseline => "baseline (no AVX2)",
        }
    }

    /// The kernels each kind of loop runs at this level, as (loops, kernels) lines for
    /// `losscape check`.
    pub fn kernels(self) -> [(&'static str, &'static str); 2] {
        let gemm = match self {
            Level::Avx512 => "gemm 0.19, AVX-512 kernels (x86-v4)",
            Level::Avx2 => "gemm 0.19, AVX2+FMA kernels (x86-v3)",
            Level::Baseline => "gemm 0.19, scalar/SSE kernels",
        };
        let elementwise = match self {
            Level::Avx512 => "x86-64-v4 clones (16 f32 lanes)",
            Level::Avx2 => "x86-64-v3 clones (8 f32 lanes)",
            Level::Baseline => "baseline clones (SSE2, 4 f32 lanes)",
        };
        [
            ("matrix products", gemm),
            ("elementwise loops", elementwise),
        ]
    }
}
