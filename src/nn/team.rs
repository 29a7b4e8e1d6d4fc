//! A team of the calling thread and one spinning helper, for calls made of many short
//! parallel regions (the matrix products of one minibatch step).
//!
//! Each rayon fork wakes a sleeping worker, and on these virtual machines a wake costs
//! 0.1–0.2 ms (measured by the `rayon_wake` example) against 0.1–0.5 ms for a product
//! of one 32-row minibatch. [`with_team`] forks once: the helper, if a rayon worker
//! picks it up, spins between regions and claims panels from an atomic counter, so
//! a region starts in well under a microsecond. Which thread runs a panel never
//! changes what the panel computes, so results do not depend on the thread count; with
//! one thread (or when no worker is free) the caller runs every panel itself.
//!
//! Inside a team no code may wait on rayon: a waiting caller could pick up its own
//! helper, which spins until the caller is done. [`for_each`] is the only parallel
//! primitive used there.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};

type Task<'a> = &'a (dyn Fn(usize) + Sync);

/// Shared state of one team.
struct Team {
    /// The current region: epoch (high 32 bits), panel count (16), next panel (16).
    claim: AtomicU64,
    /// Points at the current region's `Task` (on the caller's stack).
    task: AtomicPtr<()>,
    /// Panels of the current region finished.
    done: AtomicUsize,
    /// The caller's closure has returned: the helper leaves.
    finished: AtomicBool,
    /// A panel panicked on the helper.
    panicked: AtomicBool,
}

thread_local! {
    /// The team whose caller is this thread, while `with_team` runs.
    static CURRENT: Cell<*const Team> = const { Cell::new(std::ptr::null()) };
}

const COUNT_BITS: u32 = 16;
const MAX_PANELS: usize = (1 << COUNT_BITS) - 1;

fn unpack(c: u64) -> (usize, usize) {
    let n = ((c >> COUNT_BITS) & MAX_PANELS as u64) as usize;
    (n, (c & MAX_PANELS as u64) as usize)
}

impl Team {
    /// Claim and run panels of the current region until none are left.
    fn work(&self) {
        let mut c = self.claim.load(Ordering::Acquire);
        loop {
            let (n, next) = unpack(c);
            if next >= n {
                return;
            }
            match self
                .claim
                .compare_exchange_weak(c, c + 1, Ordering::Acquire, Ordering::Acquire)
            {
                Ok(_) => {
                    // SAFETY: the region's task outlives it: its caller waits until
                    // every claimed panel is done before it returns or publishes anew.
                    let task = unsafe { *(self.task.load(Ordering::Acquire) as *const Task) };
                    task(next);
                    self.done.fetch_add(1, Ordering::Release);
                    c = self.claim.load(Ordering::Acquire);
                }
                Err(now) => c = now,
            }
        }
    }

    /// The helper: run panels as they are published until the caller finishes.
    fn help(&self) {
        while !self.finished.load(Ordering::Acquire) {
            if catch_unwind(AssertUnwindSafe(|| self.work())).is_err() {
                // Count the panel as done so the caller stops waiting, and tell it.
                self.panicked.store(true, Ordering::Release);
                self.done.fetch_add(1, Ordering::Release);
            }
            std::hint::spin_loop();
        }
    }

    /// Run task(0..n) on the team; returns when all n are done.
    fn run(&self, n: usize, task: Task) {
        assert!(n <= MAX_PANELS);
        let epoch = (self.claim.load(Ordering::Relaxed) >> 32) + 1;
        self.done.store(0, Ordering::Relaxed);
        self.task
            .store(&task as *const Task as *mut (), Ordering::Relaxed);
        self.claim
            .store(epoch << 32 | (n as u64) << COUNT_BITS, Ordering::Release);
        self.work();
        while self.done.load(Ordering::Acquire) < n {
            std::hint::spin_loop();
        }
        if self.panicked.load(Ordering::Acquire) {
            panic!("a panel panicked on the team's helper thread");
        }
    }
}

/// Run `f` with a team: [`for_each`] calls made by `f` on this thread share their
/// work with one helper. Nested calls reuse the outer team.
pub fn with_team<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    if !CURRENT.with(|c| c.get()).is_null() || rayon::current_num_threads() < 2 {
        return f();
    }
    let team = Team {
        claim: AtomicU64::new(0),
        task: AtomicPtr::new(std::ptr::null_mut()),
        done: AtomicUsize::new(0),
        finished: AtomicBool::new(false),
        panicked: AtomicBool::new(false),
    };
    /// Marks the team finished and forgets it, also when `f` panics.
    struct Leave<'t>(&'t Team);
    impl Drop for Leave<'_> {
        fn drop(&mut self) {
            CURRENT.with(|c| c.set(std::ptr::null()));
            self.0.finished.store(true, Ordering::Release);
        }
    }
    let (r, ()) = rayon::join(
        || {
            CURRENT.with(|c| c.set(&team));
            let _leave = Leave(&team);
            f()
        },
        || team.help(),
    );
    r
}

/// task(i) for i in 0..n: on this thread's team when it has one, else as rayon tasks.
/// Each i runs exactly once; the calls may run on any thread, in any order.
pub fn for_each(n: usize, task: &(dyn Fn(usize) + Sync)) {
    let team = CURRENT.with(|c| c.get());
    if n <= 1 {
        (0..n).for_each(task);
    } else if team.is_null() {
        use rayon::prelude::*;
        (0..n).into_par_iter().for_each(task);
    } else {
        // SAFETY: CURRENT is set only while `with_team` holds the team on this thread.
        unsafe { &*team }.run(n, task);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn every_index_runs_once_per_region_on_any_thread_count() {
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let counts: Vec<AtomicUsize> = (0..37).map(|_| AtomicUsize::new(0)).collect();
            pool.install(|| {
                with_team(|| {
                    for region in 0..2000 {
                        let n = 1 + region % 37;
                        for_each(n, &|i| {
                            counts[i].fetch_add(1, Ordering::Relaxed);
                        });
                    }
                })
            });
            for (i, c) in counts.iter().enumerate() {
                let want = (0..2000).filter(|r| i < 1 + r % 37).count();
                assert_eq!(
                    c.load(Ordering::Relaxed),
                    want,
                    "index {i}, {threads} threads"
                );
            }
        }
    }

    #[test]
    fn teams_inside_parallel_tasks_finish() {
        use rayon::prelude::*;
        let total: usize = (0..64)
            .into_par_iter()
            .map(|t| {
                with_team(|| {
                    let sum = AtomicUsize::new(0);
                    for_each(8, &|i| {
                        sum.fetch_add(i * t, Ordering::Relaxed);
                    });
                    sum.into_inner()
                })
            })
            .sum();
        assert_eq!(total, (0..64).map(|t| 28 * t).sum::<usize>());
    }
}
