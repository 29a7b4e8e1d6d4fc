//! Timing shared by the bench programs.

use std::time::{Duration, Instant};

/// Median wall time of `f` over enough repetitions to fill ~`budget` (5 to 2,000), after
/// one warm-up call.
pub fn median_time(budget: Duration, mut f: impl FnMut()) -> Duration {
    f();
    let t0 = Instant::now();
    f();
    let one = t0.elapsed().max(Duration::from_nanos(50));
    let reps = ((budget.as_secs_f64() / one.as_secs_f64()) as usize).clamp(5, 2000);
    let mut times: Vec<Duration> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[reps / 2]
}
