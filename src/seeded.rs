//! Seeded random streams: one ChaCha8 generator per (seed, stream), so every purpose
//! (initialisation, shuffling, splits, estimators) draws independent numbers that are the
//! same on every machine and for every thread count.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The ChaCha8 generator of `seed` on stream `stream`.
pub fn rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(stream);
    r
}
