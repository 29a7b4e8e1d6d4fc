//! Seeded random streams: one ChaCha8 generator per (seed, stream), so every purpose
//! (initialisation, shuffling, splits, estimators) draws independent numbers that are the
//! same on every machine and for every thread count.
//!
//! [`Stream`] is the registry of every stream the library draws from: each purpose has
//! one variant and [`Stream::id`] gives every stream number in one place, so two
//! purposes can never share a stream by accident, even when their seeds coincide (a
//! batch-size run of seed 0 and its config's seed 0, say). The numbers are those the
//! streams had before the registry existed, so bundled results reproduce bit for bit.
//!
//! Indexed streams (one per start, per snapshot, per grid point) keep their historical
//! arithmetic `base + index` for indices below a bound that keeps them clear of every
//! other stream ([`SLICE_DIRECTIONS`], [`SADDLE_STARTS`], [`SADDLE_TRACKS`],
//! [`CURVATURE_POINTS`], [`SMOOTHING_DRAWS`]). An index at or above its bound moves to
//! a block of its own at `tag · 2⁴⁸ + index`, above every historical number, so indices
//! up to 2⁴⁸ never collide (a unit test checks every pair of blocks).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Historical range of [`Stream::SliceDirection`]: ids 100..200 (200 is
/// [`Stream::SpectrumLanczos`]).
pub const SLICE_DIRECTIONS: u64 = 100;
/// Historical range of [`Stream::SaddleStart`]: ids 20 000..21 320 (21 320 = 0x5348 is
/// [`Stream::SharpnessSubspace`]).
pub const SADDLE_STARTS: u64 = 1_320;
/// Historical range of [`Stream::SaddleTrack`]: ids 30 000..55 930 (55 930 = 0xda7a is
/// [`Stream::Data`]).
pub const SADDLE_TRACKS: u64 = 25_930;
/// Historical range of [`Stream::CurvaturePoint`]: ids 2³²..2³³.
pub const CURVATURE_POINTS: u64 = 1 << 32;
/// Range of [`Stream::EscapeDynamics`]: ids 400..500.
pub const ESCAPE_DYNAMICS: u64 = 100;
/// Low range of [`Stream::SmoothingNoise`]: ids 350..400 (draws 0..50; later draws move
/// to their own block, tag 6).
pub const SMOOTHING_DRAWS: u64 = 50;
/// Range of each of [`Stream::RaceSearch`], [`Stream::RacePerturb`] and
/// [`Stream::RaceKrylov`]: ids 500..600, 600..700 and 700..800 (later indices move to
/// blocks of their own, tags 7 to 9).
pub const RACE_INDICES: u64 = 100;
/// Indices of an indexed stream must stay below this (2⁴⁸; each index is a start, a
/// snapshot, a direction or a grid point held in memory, so this is never reached).
pub const MAX_INDEX: u64 = 1 << 48;

/// What a random stream is for. See [`Stream::id`] for the numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stream {
    /// Initial weights of a run (`[model] init`).
    Init,
    /// Minibatch order during training.
    Shuffle,
    /// The train/test split permutation (of the data's shuffle seed).
    Split,
    /// `limit_train` subsampling.
    LimitTrain,
    /// `limit_test` subsampling.
    LimitTest,
    /// Synthetic data sets (xor, circles, spirals, gaussians, sine).
    Data,
    /// The random subspace matrix of Keskar's sharpness.
    SharpnessSubspace,
    /// `batch_size`: the subset of training samples used for the metrics.
    BatchMetricSubset,
    /// `batch_size`: the Lanczos start vector for λmax of one run (of the run's seed).
    BatchLanczos,
    /// `batch_size`: the Hutch++ probes for the trace of one run (of the run's seed).
    BatchTrace,
    /// `batch_size`: the two Gaussian directions of the slices around the minima.
    BatchSlice,
    /// `slice`: random direction `k` (x of repeat r is k = 2r, y is k = 1).
    SliceDirection(u64),
    /// `slice`: the Lanczos start vector for `directions = "hessian"`.
    SliceHessian,
    /// `slice`: the Lanczos start vector at grid point `i` of the curvature map.
    CurvaturePoint(u64),
    /// Spectrum analysis of a critical point: the Lanczos start vector.
    SpectrumLanczos,
    /// Spectrum analysis: the Hutch++ probes for the trace.
    SpectrumTrace,
    /// Spectrum analysis: the stochastic Lanczos quadrature start vectors.
    SpectrumSlq,
    /// `saddles`: the initialisation of random start `i`.
    SaddleStart(u64),
    /// `saddles`: the Lanczos start vector at tracked snapshot `j`.
    SaddleTrack(u64),
    /// Gradient noise: the training rows whose per-sample gradients are taken.
    NoiseRows,
    /// Gradient noise: the Lanczos start vector for the Hessian's top eigenpairs.
    NoiseHessianLanczos,
    /// Gradient noise: the Lanczos start vector for the noise covariance's top eigenpairs.
    NoiseSigmaLanczos,
    /// Gradient noise: the Hutch++ probes for tr(H).
    NoiseTrace,
    /// `escape`: minibatches or Gaussian noise of dynamics `d` (of the repeat's seed).
    EscapeDynamics(u64),
    /// `slice` with `smoothing`: the Monte Carlo noise vector z_k (one per draw k, the
    /// same at every grid point and for every σ).
    SmoothingNoise(u64),
    /// `connect`: the t ~ U(0, 1) of each step of the bend's training.
    ConnectT,
    /// `connect`: the minibatch order of the bend's training.
    ConnectShuffle,
    /// `connect`: the plane's second direction when the bend lies on the line.
    ConnectPlane,
    /// `optimizers`: the initialisation of saddle search `i`.
    RaceSearch(u64),
    /// `optimizers`: the perturbation of start point `k`.
    RacePerturb(u64),
    /// `optimizers`: the Krylov start vectors of the second-order races from start `k`
    /// (the same for Newton and saddle-free Newton).
    RaceKrylov(u64),
    /// `optimizers`: the Lanczos start vector of every extreme eigenpair it measures (of
    /// the plateau's candidates, the searches' ends, the starts and the races' ends).
    RaceSpectrum,
}

/// `base + i` below the historical bound `len`, else `tag · 2⁴⁸ + i`.
fn indexed(base: u64, len: u64, tag: u64, i: u64) -> u64 {
    debug_assert!(i < MAX_INDEX, "stream index {i} ≥ 2⁴⁸");
    if i < len {
        base + i
    } else {
        (tag << 48) + i
    }
}

impl Stream {
    /// The ChaCha8 stream number of this purpose.
    pub fn id(self) -> u64 {
        use Stream::*;
        match self {
            Init => 1,
            Shuffle => 2,
            BatchMetricSubset => 40,
            BatchLanczos => 41,
            BatchTrace => 42,
            // 42 until the registry showed it shared BatchTrace's number: with
            // seeds = [0, …] and seed = 0 the slice directions and run 0's trace
            // probes came from one stream.
            BatchSlice => 43,
            SliceDirection(k) => indexed(100, SLICE_DIRECTIONS, 1, k),
            SpectrumLanczos => 200,
            SpectrumTrace => 201,
            SpectrumSlq => 202,
            SliceHessian => 203,
            SaddleStart(i) => indexed(20_000, SADDLE_STARTS, 2, i),
            SharpnessSubspace => 0x5348,
            Split => 0x5911,
            LimitTrain => 0x5912,
            LimitTest => 0x5913,
            SaddleTrack(j) => indexed(30_000, SADDLE_TRACKS, 3, j),
            Data => 0xda7a,
            CurvaturePoint(i) => indexed(1 << 32, CURVATURE_POINTS, 4, i),
            NoiseRows => 300,
            NoiseHessianLanczos => 301,
            NoiseSigmaLanczos => 302,
            NoiseTrace => 303,
            EscapeDynamics(d) => indexed(400, ESCAPE_DYNAMICS, 5, d),
            SmoothingNoise(k) => indexed(350, SMOOTHING_DRAWS, 6, k),
            ConnectT => 310,
            ConnectShuffle => 311,
            ConnectPlane => 312,
            RaceSearch(i) => indexed(500, RACE_INDICES, 7, i),
            RacePerturb(k) => indexed(600, RACE_INDICES, 8, k),
            RaceKrylov(k) => indexed(700, RACE_INDICES, 9, k),
            RaceSpectrum => 800,
        }
    }
}

/// The ChaCha8 generator of `seed` on `stream`.
pub fn rng(seed: u64, stream: Stream) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(stream.id());
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ops::RangeInclusive;
    use Stream::*;

    /// Every variant once (indexed ones at index 0), at the position [`position`] gives.
    const EVERY: [Stream; 32] = [
        Init,
        Shuffle,
        Split,
        LimitTrain,
        LimitTest,
        Data,
        SharpnessSubspace,
        BatchMetricSubset,
        BatchLanczos,
        BatchTrace,
        BatchSlice,
        SliceDirection(0),
        SliceHessian,
        CurvaturePoint(0),
        SpectrumLanczos,
        SpectrumTrace,
        SpectrumSlq,
        SaddleStart(0),
        SaddleTrack(0),
        NoiseRows,
        NoiseHessianLanczos,
        NoiseSigmaLanczos,
        NoiseTrace,
        EscapeDynamics(0),
        SmoothingNoise(0),
        ConnectT,
        ConnectShuffle,
        ConnectPlane,
        RaceSearch(0),
        RacePerturb(0),
        RaceKrylov(0),
        RaceSpectrum,
    ];

    /// An exhaustive match: a new variant does not compile until it is listed in
    /// [`EVERY`], and so checked below.
    fn position(s: Stream) -> usize {
        match s {
            Init => 0,
            Shuffle => 1,
            Split => 2,
            LimitTrain => 3,
            LimitTest => 4,
            Data => 5,
            SharpnessSubspace => 6,
            BatchMetricSubset => 7,
            BatchLanczos => 8,
            BatchTrace => 9,
            BatchSlice => 10,
            SliceDirection(_) => 11,
            SliceHessian => 12,
            CurvaturePoint(_) => 13,
            SpectrumLanczos => 14,
            SpectrumTrace => 15,
            SpectrumSlq => 16,
            SaddleStart(_) => 17,
            SaddleTrack(_) => 18,
            NoiseRows => 19,
            NoiseHessianLanczos => 20,
            NoiseSigmaLanczos => 21,
            NoiseTrace => 22,
            EscapeDynamics(_) => 23,
            SmoothingNoise(_) => 24,
            ConnectT => 25,
            ConnectShuffle => 26,
            ConnectPlane => 27,
            RaceSearch(_) => 28,
            RacePerturb(_) => 29,
            RaceKrylov(_) => 30,
            RaceSpectrum => 31,
        }
    }

    /// The blocks of ids a stream can take: one id, or for an indexed stream its
    /// historical block (index < bound) and its overflow block (bound ≤ index < 2⁴⁸),
    /// read off `id` at the block ends and checked to be contiguous.
    fn blocks(s: Stream) -> Vec<RangeInclusive<u64>> {
        let indexed = |f: fn(u64) -> Stream, bound: u64| {
            let ends = |lo: u64, hi: u64| {
                let (a, b) = (f(lo).id(), f(hi).id());
                assert_eq!(b - a, hi - lo, "{:?}: ids are not contiguous", f(lo));
                a..=b
            };
            vec![ends(0, bound - 1), ends(bound, MAX_INDEX - 1)]
        };
        match s {
            SliceDirection(_) => indexed(SliceDirection, SLICE_DIRECTIONS),
            SaddleStart(_) => indexed(SaddleStart, SADDLE_STARTS),
            SaddleTrack(_) => indexed(SaddleTrack, SADDLE_TRACKS),
            CurvaturePoint(_) => indexed(CurvaturePoint, CURVATURE_POINTS),
            EscapeDynamics(_) => indexed(EscapeDynamics, ESCAPE_DYNAMICS),
            SmoothingNoise(_) => indexed(SmoothingNoise, SMOOTHING_DRAWS),
            RaceSearch(_) => indexed(RaceSearch, RACE_INDICES),
            RacePerturb(_) => indexed(RacePerturb, RACE_INDICES),
            RaceKrylov(_) => indexed(RaceKrylov, RACE_INDICES),
            fixed => vec![fixed.id()..=fixed.id()],
        }
    }

    #[test]
    fn every_variant_is_listed() {
        for (i, s) in EVERY.iter().enumerate() {
            assert_eq!(position(*s), i, "{s:?}");
        }
    }

    #[test]
    fn no_two_streams_share_an_id() {
        let all: Vec<(Stream, RangeInclusive<u64>)> = EVERY
            .iter()
            .flat_map(|&s| blocks(s).into_iter().map(move |b| (s, b)))
            .collect();
        for (i, (s, a)) in all.iter().enumerate() {
            for (t, b) in &all[i + 1..] {
                let overlap = a.start() <= b.end() && b.start() <= a.end();
                assert!(!overlap, "{s:?} {a:?} and {t:?} {b:?} overlap");
            }
        }
    }

    #[test]
    fn ids_are_the_historical_stream_numbers() {
        // The constants each module used before the registry: changing one changes
        // every result drawn from it.
        let want = [
            (Init, 1),
            (Shuffle, 2),
            (Split, 0x5911),
            (LimitTrain, 0x5912),
            (LimitTest, 0x5913),
            (Data, 0xda7a),
            (SharpnessSubspace, 0x5348),
            (BatchMetricSubset, 40),
            (BatchLanczos, 41),
            (BatchTrace, 41 + 1),
            (SliceDirection(0), 100),
            (SliceDirection(1), 101),
            (SliceDirection(2 * 49), 198),
            (SliceHessian, 203),
            (CurvaturePoint(0), 1 << 32),
            (CurvaturePoint(12_345), (1 << 32) + 12_345),
            (SpectrumLanczos, 200),
            (SpectrumTrace, 201),
            (SpectrumSlq, 202),
            (SaddleStart(0), 20_000),
            (SaddleStart(49), 20_049),
            (SaddleTrack(0), 30_000),
            (SaddleTrack(199), 30_199),
        ];
        for (s, id) in want {
            assert_eq!(s.id(), id, "{s:?}");
        }
        // Past the historical bounds: a block of their own.
        assert_eq!(SaddleStart(SADDLE_STARTS).id(), (2 << 48) + SADDLE_STARTS);
        assert_eq!(SliceDirection(100).id(), (1 << 48) + 100);
        // New streams (no history): a low block, then their own.
        assert_eq!(SmoothingNoise(0).id(), 350);
        assert_eq!(SmoothingNoise(49).id(), 399);
        assert_eq!(SmoothingNoise(50).id(), (6 << 48) + 50);
    }

    #[test]
    fn different_streams_of_one_seed_draw_different_numbers() {
        use rand::Rng;
        let a: u64 = rng(7, Init).random();
        let b: u64 = rng(7, Shuffle).random();
        let again: u64 = rng(7, Init).random();
        assert_ne!(a, b);
        assert_eq!(a, again);
    }
}
