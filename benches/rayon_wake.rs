//! What a rayon fork costs when its worker has gone to sleep: 0.1 ms of work on two
//! threads, separated by a sequential gap. On these virtual machines a gap over ~30 µs
//! lets the worker sleep and the next fork pays 0.1–0.2 ms to wake it, the reason
//! minibatch products run on a spinning `nn::team` instead.
//!
//! `cargo bench --bench rayon_wake`

use rayon::prelude::*;
use std::time::{Duration, Instant};

fn spin(d: Duration) {
    let t = Instant::now();
    while t.elapsed() < d {
        std::hint::spin_loop();
    }
}

fn main() {
    let work = Duration::from_micros(100);
    println!("{} rayon threads", rayon::current_num_threads());
    for gap_us in [0u64, 20, 50, 200, 1000] {
        let gap = Duration::from_micros(gap_us);
        let reps = 2000;
        let t = Instant::now();
        for _ in 0..reps {
            (0..2).into_par_iter().for_each(|_| spin(work));
            spin(gap);
        }
        let per = t.elapsed().as_secs_f64() / reps as f64 * 1e6;
        println!(
            "gap {gap_us:5} us: fork overhead {:6.1} us",
            per - 100.0 - gap_us as f64
        );
    }
}
