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
//! Code inside a team should split work with [`for_each`] (or
//! [`for_each_block_mut`]), which use the team. Rayon calls there are safe but slow:
//! the helper spins instead of stealing, and a caller that waits on rayon and picks up
//! its own helper job sends it away at once (the caller then runs every panel itself),
//! so the team can never wait on itself. A [`for_each`] inside a panel on the caller's
//! thread runs its indices there in sequence: a region cannot start inside another.

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
    /// This thread is running panels of its team's current region: a [`for_each`] made
    /// by one of them runs in sequence (a region cannot start inside another).
    static IN_REGION: Cell<bool> = const { Cell::new(false) };
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

    /// Claim and run panels of the current region until none are left, counting a
    /// panel that panics as done (so nobody waits for it); returns the first panic.
    fn work_through_panics(&self) -> Option<Box<dyn std::any::Any + Send>> {
        let mut first = None;
        while let Err(p) = catch_unwind(AssertUnwindSafe(|| self.work())) {
            self.done.fetch_add(1, Ordering::Release);
            first.get_or_insert(p);
        }
        first
    }

    /// The helper: run panels as they are published until the caller finishes.
    fn help(&self) {
        if std::ptr::eq(CURRENT.with(|c| c.get()), self) {
            // Our own caller, waiting on rayon, picked this job up: leave, or it
            // would spin until its own return.
            return;
        }
        while !self.finished.load(Ordering::Acquire) {
            if self.work_through_panics().is_some() {
                self.panicked.store(true, Ordering::Release);
            }
            std::hint::spin_loop();
        }
    }

    /// Run task(0..n) on the team; returns when all n are done. A panic in a panel is
    /// raised here, after every panel has finished (they may borrow the caller's
    /// stack).
    fn run(&self, n: usize, task: Task) {
        assert!(n <= MAX_PANELS);
        let epoch = (self.claim.load(Ordering::Relaxed) >> 32) + 1;
        self.done.store(0, Ordering::Relaxed);
        self.task
            .store(&task as *const Task as *mut (), Ordering::Relaxed);
        self.claim
            .store(epoch << 32 | (n as u64) << COUNT_BITS, Ordering::Release);
        IN_REGION.with(|r| r.set(true));
        let panic = self.work_through_panics();
        IN_REGION.with(|r| r.set(false));
        while self.done.load(Ordering::Acquire) < n {
            std::hint::spin_loop();
        }
        if let Some(p) = panic {
            std::panic::resume_unwind(p);
        }
        if self.panicked.swap(false, Ordering::AcqRel) {
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

/// Whether this thread is running inside [`with_team`] (its calls of [`for_each`] share
/// work with a spinning helper).
pub fn active() -> bool {
    !CURRENT.with(|c| c.get()).is_null()
}

/// Elements per block of elementwise work (zeroing, checks, optimiser updates) shared
/// by a team: 128 KiB of f32.
pub const ELEMENT_BLOCK: usize = 1 << 15;

/// Whether elementwise work over `len` elements should be cut into [`ELEMENT_BLOCK`]s
/// for this thread's team: it has one, and there are at least two blocks of work.
pub fn shares_elementwise(len: usize) -> bool {
    active() && len >= 2 * ELEMENT_BLOCK
}

/// task(i) for i in 0..n: on this thread's team when it has one, else as rayon tasks.
/// Each i runs exactly once; the calls may run on any thread, in any order.
pub fn for_each(n: usize, task: &(dyn Fn(usize) + Sync)) {
    let team = CURRENT.with(|c| c.get());
    if n <= 1 || IN_REGION.with(|r| r.get()) {
        (0..n).for_each(task);
    } else if team.is_null() {
        use rayon::prelude::*;
        (0..n).into_par_iter().for_each(task);
    } else {
        // SAFETY: CURRENT is set only while `with_team` holds the team on this thread.
        unsafe { &*team }.run(n, task);
    }
}

/// task(i, blocks) for each consecutive block of `block` elements of the equally long
/// slices `outs` (block i of each; the last may be shorter), split as [`for_each`]
/// splits indices.
pub fn for_each_block_mut<T: Send, const N: usize>(
    outs: [&mut [T]; N],
    block: usize,
    task: &(dyn Fn(usize, [&mut [T]; N]) + Sync),
) {
    assert!(block > 0);
    let len = outs.first().map_or(0, |o| o.len());
    assert!(
        outs.iter().all(|o| o.len() == len),
        "slices of different lengths"
    );
    /// The slices' starts, shared by the tasks; each derives only its own blocks.
    struct Starts<T, const N: usize>([*mut T; N]);
    // SAFETY: see `Starts`' doc; for_each runs every index exactly once.
    unsafe impl<T: Send, const N: usize> Sync for Starts<T, N> {}
    let starts = Starts(outs.map(|o| o.as_mut_ptr()));
    for_each(len.div_ceil(block), &|i| {
        let at = i * block;
        let starts = &starts;
        // SAFETY: block i is in bounds of every slice and no other task touches it.
        let parts = starts
            .0
            .map(|p| unsafe { std::slice::from_raw_parts_mut(p.add(at), block.min(len - at)) });
        task(i, parts)
    });
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

    #[test]
    fn rayon_inside_a_team_and_blocks_cover_the_slice() {
        use rayon::prelude::*;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let (sum, out) = pool.install(|| {
            with_team(|| {
                // A rayon wait inside the team finishes (the caller may run its own
                // helper job, which must leave at once).
                let sum: usize = (0..1000usize).into_par_iter().map(|i| i * i).sum();
                let mut out = vec![0usize; 1000];
                for_each_block_mut([&mut out], 64, &|b, [part]| {
                    part.iter_mut()
                        .enumerate()
                        .for_each(|(j, o)| *o = b * 64 + j)
                });
                (sum, out)
            })
        });
        assert_eq!(sum, (0..1000).map(|i| i * i).sum::<usize>());
        assert!(out.iter().enumerate().all(|(i, &o)| o == i));
    }

    #[test]
    fn a_region_inside_a_panel_runs_every_index_once() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let runs: Vec<AtomicUsize> = (0..12).map(|_| AtomicUsize::new(0)).collect();
        pool.install(|| {
            with_team(|| {
                for_each(4, &|i| {
                    for_each(3, &|j| {
                        runs[i * 3 + j].fetch_add(1, Ordering::Relaxed);
                    })
                })
            })
        });
        let counts: Vec<usize> = runs.iter().map(|r| r.load(Ordering::Relaxed)).collect();
        assert_eq!(counts, vec![1; 12]);
    }

    #[test]
    fn a_panicking_panel_is_raised_after_the_region_finishes() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let ran = AtomicUsize::new(0);
        let result = pool.install(|| {
            std::panic::catch_unwind(AssertUnwindSafe(|| {
                with_team(|| {
                    for_each(8, &|i| {
                        ran.fetch_add(1, Ordering::Relaxed);
                        assert!(i != 3, "panel 3");
                    })
                })
            }))
        });
        assert!(result.is_err());
        assert_eq!(ran.load(Ordering::Relaxed), 8);
        // The pool is still usable afterwards.
        assert_eq!(pool.install(|| with_team(|| 7)), 7);
    }
}
