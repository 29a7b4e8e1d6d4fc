//! One process's part in a job of several ranks: agreeing on the plan before any work,
//! data rank 0 sends every other rank, shared phases of work ([`super::share`]), and
//! stopping the job when a rank fails.
//!
//! A run goes through the same steps on every rank. Each plans the config on its own;
//! the plans' fingerprints must agree ([`Job::agree`]) before rank 0 claims the output
//! folder, so that a rank reading another file is refused before anything is written.
//! Rank 0 then runs the kind as a single process would, except that its independent
//! work items go through [`Job::share`]; the other ranks load the same data, receive
//! what only rank 0 computes (a trained center, a search's starts) with
//! [`Job::receive`], and join each shared phase in the same order.

use super::share::{self, decode, encode, Tally, ToRank, ToRoot, Transport};
use crate::error::{Error, Result};
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// This process's view of the job: its rank among all, and the messages between them.
pub struct Job {
    transport: Box<dyn Transport>,
    /// A rank other than 0 that has told rank 0 it failed, or heard rank 0 stop the
    /// job: it has nothing more to say.
    ended: AtomicBool,
    /// Rank 0: who did what so far.
    tally: Mutex<Tally>,
}

impl Job {
    pub fn new(transport: Box<dyn Transport>) -> Self {
        Job {
            transport,
            ended: AtomicBool::new(false),
            tally: Mutex::new(Tally::default()),
        }
    }

    /// This process's rank, 0..ranks().
    pub fn rank(&self) -> usize {
        self.transport.rank()
    }

    /// Ranks in the job.
    pub fn ranks(&self) -> usize {
        self.transport.ranks()
    }

    /// Rank 0: the one that plans the output, hands out work and writes.
    pub fn is_root(&self) -> bool {
        self.rank() == 0
    }

    /// Every rank's plan fingerprint (or its planning error) against rank 0's. On rank
    /// 0, the first rank that failed to plan or planned another run fails the job;
    /// elsewhere, Ok once rank 0 says go.
    pub fn agree(&self, own: &Result<u64>) -> Result<()> {
        if !self.is_root() {
            let hello = match own {
                Ok(fp) => ToRoot::<()>::Hello(*fp),
                Err(e) => ToRoot::Failed(format!("{e:#}")),
            };
            self.transport.send(0, &encode(&hello))?;
            let reply = self.transport.receive_from_root();
            return self.said(match decode::<ToRank>(&reply?) {
                Some(ToRank::Go) => Ok(()),
                Some(ToRank::Stop) => Err(share::stopped()),
                _ => Err(Error::Invalid("a malformed message from rank 0".into())),
            });
        }
        let verdict = match own {
            Ok(fp) => self.gather_hellos(*fp),
            Err(e) => Err(Error::Invalid(format!("{e:#}"))),
        };
        let word = match verdict {
            Ok(()) => ToRank::Go,
            Err(_) => ToRank::Stop,
        };
        self.tell_all(&word);
        verdict
    }

    /// Rank 0: one Hello from every other rank, each with fingerprint `fp`.
    fn gather_hellos(&self, fp: u64) -> Result<()> {
        let mut heard = vec![false; self.ranks()];
        heard[0] = true;
        let mut verdict = Ok(());
        let mut idle = share::waiting();
        while heard.iter().any(|h| !h) {
            let Some((from, bytes)) = self.transport.poll()? else {
                idle.sleep();
                continue;
            };
            idle.reset();
            if std::mem::replace(&mut heard[from], true) {
                return Err(Error::Invalid(format!(
                    "rank {from} spoke twice while the ranks compared their plans"
                )));
            }
            let this = match decode::<ToRoot<()>>(&bytes) {
                Some(ToRoot::Hello(theirs)) if theirs == fp => Ok(()),
                Some(ToRoot::Hello(theirs)) => Err(Error::Invalid(format!(
                    "rank {from} planned another run than rank 0 (plan fingerprint \
                     {theirs:016x}, rank 0's {fp:016x}): every rank must read the same \
                     config, data and weights files and get the same options; is a file \
                     different on that rank's node?"
                ))),
                Some(ToRoot::Failed(msg)) => Err(Error::Invalid(format!("rank {from}: {msg}"))),
                _ => Err(Error::Invalid(format!(
                    "a malformed message from rank {from}"
                ))),
            };
            verdict = verdict.and(this);
        }
        verdict
    }

    /// Rank 0: `value` to every other rank (data only rank 0 computes).
    pub fn send_all<T: Serialize>(&self, value: &T) -> Result<()> {
        let bytes = encode(&ToRank::Data(value));
        (1..self.ranks()).try_for_each(|r| self.transport.send(r, &bytes))
    }

    /// Any other rank: the next value rank 0 sends with [`Job::send_all`].
    pub fn receive<T: DeserializeOwned>(&self) -> Result<T> {
        match decode(&self.transport.receive_from_root()?) {
            Some(ToRank::Data(value)) => Ok(value),
            Some(ToRank::Stop) => self.said(Err(share::stopped())),
            _ => Err(Error::Invalid("a malformed message from rank 0".into())),
        }
    }

    /// `r`, an outcome after which this rank, when it failed, has nothing more to say.
    fn said<T>(&self, r: Result<T>) -> Result<T> {
        if r.is_err() {
            self.ended.store(true, Ordering::Relaxed);
        }
        r
    }

    /// One shared phase: see [`share::share`]; this rank's thread count is rayon's.
    pub fn share<T, C, D>(&self, pending: &[usize], run_block: C, deliver: D) -> Result<()>
    where
        T: Serialize + DeserializeOwned + Send,
        C: Fn(&[usize]) -> Result<Vec<T>> + Sync,
        D: FnMut(usize, T) -> Result<()>,
    {
        let threads = rayon::current_num_threads();
        let r = share::share(&*self.transport, pending, threads, run_block, deliver);
        if let Ok(t) = &r {
            self.tally.lock().unwrap().add(t);
        }
        // A rank other than 0 that fails in a phase has told rank 0, or heard it stop.
        let r = r.map(|_| ());
        match self.is_root() {
            true => r,
            false => self.said(r),
        }
    }

    /// Rank 0: the items each rank computed in the shared phases so far, and the CPU
    /// time rank 0 spent serving the others.
    pub fn tally(&self) -> Tally {
        self.tally.lock().unwrap().clone()
    }

    /// Any other rank that cannot go on: tells rank 0 why, waits for its word to stop,
    /// and returns `e`.
    pub fn fail(&self, e: Error) -> Error {
        if self.ended.swap(true, Ordering::Relaxed) {
            return e;
        }
        share::report_failure::<()>(&*self.transport, e)
    }

    /// Rank 0 after a failure of its own: tells every other rank to stop (best effort;
    /// a rank that already left does not hear it).
    pub fn stop(&self) {
        self.tell_all(&ToRank::Stop);
    }

    /// Ends every rank of the job at once with exit status `code` (after rank 0 has
    /// said why).
    pub fn abort(&self, code: i32) -> ! {
        self.transport.abort(code)
    }

    fn tell_all(&self, word: &ToRank<()>) {
        let bytes = encode(word);
        for r in 1..self.ranks() {
            let _ = self.transport.send(r, &bytes);
        }
    }
}

/// `compute(i)` for every i of `pending`, in parallel, each result passed to `deliver`
/// as it completes (in no fixed order; under a lock, so one at a time). In a `job`, the
/// items are shared among its ranks ([`Job::share`]), a block's items in parallel on the
/// rank that takes it; only rank 0 delivers, and the other ranks ignore `pending`.
pub fn each<T, C, D>(job: Option<&Job>, pending: &[usize], compute: C, deliver: D) -> Result<()>
where
    T: Serialize + DeserializeOwned + Send,
    C: Fn(usize) -> Result<T> + Sync,
    D: FnMut(usize, T) -> Result<()> + Send,
{
    match job {
        Some(job) => job.share(
            pending,
            |ids| ids.par_iter().map(|&i| compute(i)).collect(),
            deliver,
        ),
        None => {
            let deliver = Mutex::new(deliver);
            pending.par_iter().try_for_each(|&i| {
                let v = compute(i)?;
                (deliver.lock().unwrap())(i, v)
            })
        }
    }
}
