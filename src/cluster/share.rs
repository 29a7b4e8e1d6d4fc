//! Sharing the independent work items of a run (grid points, study runs, search
//! starts) among the ranks of a job, with rank 0 as the one that keeps the results.
//!
//! Every rank computes; rank 0 also hands out work. A rank other than 0 asks rank 0 for
//! a block ([`ToRoot::Want`], with its thread count) and gets back the next block of
//! indices; it asks for the next before computing one, and sends each block's results
//! when done ([`ToRoot::Results`]), so a faster rank asks more often and takes more.
//! When no work is left and every block's results are in, rank 0 tells every rank
//! [`ToRank::Done`]. Rank 0 computes blocks of its own on the
//! calling thread (in the caller's thread pool) and passes every result, its own and
//! the others', to the caller's `deliver` (which writes the sweep log or the run's
//! files, as a one-process run does); a second thread of rank 0 only serves messages. Blocks shrink as the work runs out
//! (guided scheduling): a quarter of what is left per rank, at least one item per
//! thread of the asking rank.
//!
//! A result depends only on its index, never on the rank that computed it or when, so
//! what `deliver` receives is the same for any number of ranks; only the order differs.
//!
//! The messages go through a [`Transport`]: MPI in a cluster build, channels between
//! threads in the tests. A failure on any rank (a compute error, a lost rank) ends the
//! whole job with an error naming the rank; rank 0 hands out no more work, and what
//! was delivered stays delivered.

use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::Duration;

/// How rank 0 reaches the others and they reach it. Rank 0 is the only one that
/// receives from several ranks; every other rank talks to rank 0 alone.
pub trait Transport: Send + Sync {
    /// This process's rank, 0..ranks().
    fn rank(&self) -> usize;
    /// Ranks in the job.
    fn ranks(&self) -> usize;
    /// Send `bytes` to rank `to`.
    fn send(&self, to: usize, bytes: &[u8]) -> Result<()>;
    /// Rank 0: a message from any rank when one is waiting, else None at once.
    fn poll(&self) -> Result<Option<(usize, Vec<u8>)>>;
    /// Any other rank: wait for rank 0's next message.
    fn receive_from_root(&self) -> Result<Vec<u8>>;
    /// Ends every rank of the job at once with exit status `code`.
    fn abort(&self, code: i32) -> !;
}

/// A message to rank 0.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub(super) enum ToRoot<T> {
    /// The fingerprint of this rank's plan, before any work.
    Hello(u64),
    /// A request for a block, from a rank with this many threads.
    Want(usize),
    /// The results of a block.
    Results(Vec<(usize, T)>),
    /// This rank cannot go on.
    Failed(String),
}

/// A message from rank 0; `D`, the type of its data.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub(super) enum ToRank<D = ()> {
    /// The plans agree: start.
    Go,
    /// Data every rank needs (the center and directions of a slice, a search's starts).
    Data(D),
    /// The next block of work items.
    Block(Vec<usize>),
    /// Every item of this phase is done.
    Done,
    /// The job failed (rank 0 says why): stop.
    Stop,
}

/// A message as bytes, in CBOR: an f64 goes in the shortest float that holds it
/// exactly, so NaN, −0 and every rounding arrive as sent.
pub(super) fn encode<M: Serialize>(m: &M) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(m, &mut out).expect("CBOR encodes any in-memory value");
    out
}

/// A message from bytes; None when malformed.
pub(super) fn decode<M: DeserializeOwned>(bytes: &[u8]) -> Option<M> {
    ciborium::from_reader(bytes).ok()
}

/// The items not yet handed out, cut into guided blocks.
struct Queue {
    items: Vec<usize>,
    next: usize,
    ranks: usize,
}

/// The largest block, in items per thread of the asking rank: a block's results reach
/// rank 0 (and its log) only when the block is done, so a killed job loses at most
/// this much of each rank's work.
const MAX_BLOCK_PER_THREAD: usize = 16;

impl Queue {
    /// The next block for a rank with `threads` threads; empty when none are left.
    fn take(&mut self, threads: usize) -> Vec<usize> {
        let threads = threads.max(1);
        let left = self.items.len() - self.next;
        let size = (left / (4 * self.ranks))
            .clamp(threads, MAX_BLOCK_PER_THREAD * threads)
            .min(left);
        let block = self.items[self.next..self.next + size].to_vec();
        self.next += size;
        block
    }

    /// Hand out nothing more.
    fn close(&mut self) {
        self.next = self.items.len();
    }
}

/// The sleeps of a rank waiting for messages, between polls that found none: `first`,
/// then twice as long each time up to `longest`, and `first` again after a message.
/// An MPI probe costs tens of microseconds of CPU here, so polling every 200 µs through
/// a long wait (a rank waiting while rank 0 trains a center) would take a tenth of a
/// core from the ranks computing on the same node; a rank that waits long can afford to
/// hear late.
pub(super) struct Backoff {
    first: Duration,
    longest: Duration,
    next: Duration,
}

impl Backoff {
    pub(super) const fn new(first: Duration, longest: Duration) -> Self {
        Backoff {
            first,
            longest,
            next: first,
        }
    }

    /// A poll found nothing: sleep.
    pub(super) fn sleep(&mut self) {
        std::thread::sleep(self.next);
        self.next = (2 * self.next).min(self.longest);
    }

    /// A poll found a message.
    pub(super) fn reset(&mut self) {
        self.next = self.first;
    }
}

/// How a rank waits for a reply: soon at first (the reply to a request usually comes
/// at once), at most 8 ms late after a long wait.
pub(super) fn waiting() -> Backoff {
    Backoff::new(Duration::from_micros(200), Duration::from_millis(8))
}

/// Computes `run_block` over every item of `pending` on all ranks of `transport`; on
/// rank 0 passes every result to `deliver` as it arrives, in no fixed order. `threads`
/// is this rank's thread count; `run_block` computes one block (in parallel as it
/// likes) and returns the results in block order. Ranks other than 0 ignore `pending`,
/// deliver nothing, and return once rank 0 says the work is done, which it says to all
/// ranks at once, when every result is in: no rank can start the next phase of a run
/// while rank 0 still serves this one.
pub fn share<T, C, D>(
    transport: &dyn Transport,
    pending: &[usize],
    threads: usize,
    run_block: C,
    deliver: D,
) -> Result<Tally>
where
    T: Serialize + DeserializeOwned + Send,
    C: Fn(&[usize]) -> Result<Vec<T>> + Sync,
    D: FnMut(usize, T) -> Result<()>,
{
    if transport.rank() == 0 {
        serve(transport, pending, threads, &run_block, deliver)
    } else {
        work(transport, threads, &run_block).map(|()| Tally::default())
    }
}

/// Who did what in shared work, as rank 0 counts it (empty elsewhere).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    /// Items computed, by rank.
    pub items: Vec<usize>,
    /// CPU time of rank 0's serving: answering the other ranks and decoding their
    /// results (the work a single process does not do).
    pub serving: Duration,
}

impl Tally {
    /// The sum of two tallies (of two phases).
    pub fn add(&mut self, other: &Tally) {
        if self.items.len() < other.items.len() {
            self.items.resize(other.items.len(), 0);
        }
        self.items
            .iter_mut()
            .zip(&other.items)
            .for_each(|(a, b)| *a += b);
        self.serving += other.serving;
    }
}

/// CPU time of the calling thread so far.
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// A rank other than 0: ask for blocks, compute them, send the results. The request
/// for the next block goes out before a block is computed, so its answer is waiting
/// when the block is done: a rank never idles on rank 0's reply but for its first.
fn work<T: Serialize>(
    transport: &dyn Transport,
    threads: usize,
    run_block: &(dyn Fn(&[usize]) -> Result<Vec<T>> + Sync),
) -> Result<()> {
    let want = encode(&ToRoot::<T>::Want(threads));
    transport.send(0, &want)?;
    loop {
        let items = match decode::<ToRank>(&transport.receive_from_root()?) {
            Some(ToRank::Block(items)) => items,
            Some(ToRank::Done) => return Ok(()),
            Some(ToRank::Stop) => return Err(stopped()),
            _ => return Err(Error::Invalid("a malformed message from rank 0".into())),
        };
        transport.send(0, &want)?;
        match run_block(&items) {
            Ok(values) => {
                let results = items.into_iter().zip(values).collect();
                transport.send(0, &encode(&ToRoot::Results(results)))?;
            }
            Err(e) => return Err(report_failure::<T>(transport, e)),
        }
    }
}

/// A rank other than 0 that cannot go on: tells rank 0 why and waits for its word to
/// stop, so that rank 0 prints the message and ends the job; returns `e`.
pub(super) fn report_failure<T: Serialize>(transport: &dyn Transport, e: Error) -> Error {
    if transport
        .send(0, &encode(&ToRoot::<T>::Failed(format!("{e:#}"))))
        .is_ok()
    {
        // Whatever else rank 0 sends first (data for the next phase) is passed over.
        while let Ok(bytes) = transport.receive_from_root() {
            if matches!(decode::<ToRank>(&bytes), Some(ToRank::Stop)) {
                break;
            }
        }
    }
    e
}

/// The error of a rank that rank 0 told to stop.
pub(super) fn stopped() -> Error {
    Error::Invalid("rank 0 stopped the job (its message says why)".into())
}

/// Rank 0's bookkeeping: results go to `deliver` until the first failure, which stops
/// the handing out and is kept.
struct Keeper<'q, D> {
    queue: &'q Mutex<Queue>,
    deliver: D,
    failure: Option<Error>,
}

impl<D> Keeper<'_, D> {
    /// Delivers the results of a block, or keeps its failure.
    fn keep<T>(&mut self, out: Result<Vec<(usize, T)>>)
    where
        D: FnMut(usize, T) -> Result<()>,
    {
        let results = match out {
            Ok(results) => results,
            Err(e) => return self.fail(e),
        };
        for (i, v) in results {
            if self.failure.is_some() {
                return;
            }
            if let Err(e) = (self.deliver)(i, v) {
                self.fail(e);
            }
        }
    }

    fn fail(&mut self, e: Error) {
        self.queue.lock().unwrap().close();
        self.failure.get_or_insert(e);
    }
}

/// Rank 0: computes blocks on this thread (so in the caller's thread pool) and delivers
/// every result; a second thread serves the other ranks and passes their results here.
/// Then every rank hears that the phase is over, or that the job failed.
fn serve<T: DeserializeOwned + Send>(
    transport: &dyn Transport,
    pending: &[usize],
    threads: usize,
    run_block: &(dyn Fn(&[usize]) -> Result<Vec<T>> + Sync),
    deliver: impl FnMut(usize, T) -> Result<()>,
) -> Result<Tally> {
    let queue = Mutex::new(Queue {
        items: pending.to_vec(),
        next: 0,
        ranks: transport.ranks(),
    });
    let mut keeper = Keeper {
        queue: &queue,
        deliver,
        failure: None,
    };
    let mut own = 0;
    let (finished, mut tally) = std::thread::scope(|s| {
        let (tx, rx) = mpsc::channel();
        let queue = &queue;
        // The server owns `tx`: when it ends, `rx` says so.
        let server = s.spawn(move || serve_ranks::<T>(transport, queue, tx));
        loop {
            rx.try_iter().for_each(|out| keeper.keep(out));
            let block = queue.lock().unwrap().take(threads);
            if block.is_empty() {
                break;
            }
            own += block.len();
            keeper.keep(run_block(&block).map(|values| block.into_iter().zip(values).collect()));
        }
        rx.iter().for_each(|out| keeper.keep(out));
        server
            .join()
            .expect("rank 0's server thread does not panic")
    });
    let word = match keeper.failure {
        None => ToRank::<()>::Done,
        Some(_) => ToRank::Stop,
    };
    for rank in finished {
        if let Err(e) = transport.send(rank, &encode(&word)) {
            keeper.fail(e);
        }
    }
    tally.items[0] = own;
    keeper.failure.map_or(Ok(tally), Err)
}

/// How rank 0's server waits for messages: 1 ms after a message, at most 8 ms (the most
/// it adds to the end of a phase, waiting for the last results). The other ranks ask
/// for their next block a whole block ahead, so a late answer costs them nothing; polling
/// every millisecond through long blocks cost rank 0 2.5 % of a study's time here.
fn serving() -> Backoff {
    Backoff::new(Duration::from_millis(1), Duration::from_millis(8))
}

/// Rank 0's server: answers every other rank's request with its next block and passes
/// their results (or failures) to `tx`, until each has asked when no work was left and
/// sent the results of every block it got (or failed); returns those ranks and the
/// tally of the others' items. A failure closes the queue.
fn serve_ranks<T: DeserializeOwned>(
    transport: &dyn Transport,
    queue: &Mutex<Queue>,
    tx: mpsc::Sender<Result<Vec<(usize, T)>>>,
) -> (Vec<usize>, Tally) {
    let ranks = transport.ranks();
    let fail = |e: Error| {
        queue.lock().unwrap().close();
        let _ = tx.send(Err(e));
    };
    let mut items = vec![0; ranks];
    // Blocks handed out whose results have not come back; ranks told there is no more.
    let mut out = vec![0usize; ranks];
    let mut dry = vec![false; ranks];
    let mut finished = Vec::new();
    let mut idle = serving();
    while finished.len() < ranks - 1 {
        let (from, bytes) = match transport.poll() {
            Ok(Some(message)) => {
                idle.reset();
                message
            }
            Ok(None) => {
                idle.sleep();
                continue;
            }
            Err(e) => {
                // The transport itself broke: nobody else can be served.
                fail(e);
                break;
            }
        };
        match decode::<ToRoot<T>>(&bytes) {
            Some(ToRoot::Want(threads)) if from > 0 && !dry[from] => {
                let block = queue.lock().unwrap().take(threads);
                if block.is_empty() {
                    dry[from] = true;
                } else {
                    items[from] += block.len();
                    out[from] += 1;
                    if let Err(e) = transport.send(from, &encode(&ToRank::<()>::Block(block))) {
                        fail(e);
                    }
                }
            }
            Some(ToRoot::Results(results)) if from > 0 && out[from] > 0 => {
                out[from] -= 1;
                let _ = tx.send(Ok(results));
            }
            Some(ToRoot::Failed(msg)) if from > 0 => {
                fail(Error::Invalid(format!("rank {from}: {msg}")));
                (dry[from], out[from]) = (true, 0);
            }
            _ => {
                fail(Error::Invalid(format!(
                    "a malformed message from rank {from}"
                )));
                (dry[from], out[from]) = (true, 0);
            }
        }
        if dry[from] && out[from] == 0 && !finished.contains(&from) {
            finished.push(from);
        }
    }
    let serving = thread_cpu_time();
    (finished, Tally { items, serving })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::threads::thread_ranks;

    /// A result that depends on the index alone, with NaN and −0 among them.
    fn value(i: usize) -> Vec<f64> {
        match i % 5 {
            0 => vec![f64::NAN, -0.0],
            1 => vec![],
            _ => vec![(i as f64).sqrt(), 1.0 / i as f64],
        }
    }

    /// Items with their results, as rank 0 received them.
    type Delivered = Vec<(usize, Vec<f64>)>;

    /// Runs `share` on `ranks` thread-ranks, rank `fail_on` failing on every item of its
    /// first block; rank 0's deliveries, and every rank's outcome.
    fn job(
        ranks: usize,
        pending: &[usize],
        fail_on: Option<usize>,
    ) -> (Delivered, Vec<Result<Tally>>) {
        let got = Mutex::new(Vec::new());
        let outcomes = std::thread::scope(|s| {
            let handles: Vec<_> = thread_ranks(ranks)
                .into_iter()
                .map(|t| {
                    let got = &got;
                    s.spawn(move || {
                        let rank = t.rank();
                        let run_block = |items: &[usize]| -> Result<Vec<Vec<f64>>> {
                            // A block takes a while, as real ones do, so that every rank
                            // asks for work before it runs out.
                            std::thread::sleep(Duration::from_millis(1));
                            items
                                .iter()
                                .map(|&i| match fail_on {
                                    Some(r) if r == rank => {
                                        Err(Error::Invalid(format!("no data at {i}")))
                                    }
                                    _ => Ok(value(i)),
                                })
                                .collect()
                        };
                        share(&t, pending, 2, run_block, |i, v| {
                            assert_eq!(rank, 0, "only rank 0 delivers");
                            got.lock().unwrap().push((i, v));
                            Ok(())
                        })
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        (got.into_inner().unwrap(), outcomes)
    }

    fn bits(v: &[(usize, Vec<f64>)]) -> Vec<(usize, Vec<u64>)> {
        let mut b: Vec<_> = v
            .iter()
            .map(|(i, x)| (*i, x.iter().map(|f| f.to_bits()).collect()))
            .collect();
        b.sort();
        b
    }

    #[test]
    fn every_item_is_delivered_once_with_its_own_bits_on_any_number_of_ranks() {
        let pending: Vec<usize> = (0..500).filter(|i| i % 7 != 3).collect();
        let want: Vec<(usize, Vec<f64>)> = pending.iter().map(|&i| (i, value(i))).collect();
        for ranks in [1, 2, 3, 5] {
            let (got, outcomes) = job(ranks, &pending, None);
            assert_eq!(got.len(), pending.len(), "{ranks} ranks");
            assert_eq!(bits(&got), bits(&want), "{ranks} ranks");
            assert!(outcomes.iter().all(|o| o.is_ok()), "{ranks} ranks");
            let tally = outcomes[0].as_ref().unwrap();
            assert_eq!(tally.items.len(), ranks);
            assert_eq!(tally.items.iter().sum::<usize>(), pending.len());
        }
        let (got, _) = job(3, &[], None);
        assert!(got.is_empty());
    }

    #[test]
    fn a_failing_rank_ends_the_job_with_its_message_and_keeps_what_was_delivered() {
        let pending: Vec<usize> = (0..400).collect();
        for failing in [0, 2] {
            let (got, outcomes) = job(3, &pending, Some(failing));
            let e = outcomes[0].as_ref().unwrap_err().to_string();
            assert!(e.contains("no data at"), "{e}");
            if failing > 0 {
                assert!(e.contains(&format!("rank {failing}")), "{e}");
                assert!(outcomes[failing].is_err());
            }
            // What came through is right, each item once.
            let mut seen: Vec<usize> = got.iter().map(|(i, _)| *i).collect();
            seen.sort();
            seen.dedup();
            assert_eq!(seen.len(), got.len());
            assert!(got
                .iter()
                .all(|(i, v)| bits(&[(*i, v.clone())]) == bits(&[(*i, value(*i))])));
        }
    }

    #[test]
    fn messages_survive_the_wire_and_malformed_ones_are_refused() {
        let ready = ToRoot::Results(vec![(7, vec![f64::NAN, -0.0, 1e300]), (9, vec![])]);
        let bytes = encode(&ready);
        let Some(ToRoot::Results(results)) = decode::<ToRoot<Vec<f64>>>(&bytes) else {
            panic!("not decoded")
        };
        assert_eq!(
            decode::<ToRoot<Vec<f64>>>(&encode(&ToRoot::<Vec<f64>>::Want(3))),
            Some(ToRoot::Want(3))
        );
        assert_eq!(
            bits(&results),
            bits(&[(7, vec![f64::NAN, -0.0, 1e300]), (9, vec![])])
        );
        for m in [
            ToRank::Go,
            ToRank::Data(vec![1, 2]),
            ToRank::Block(vec![1, 5, 1 << 40]),
            ToRank::Done,
            ToRank::Stop,
        ] {
            assert_eq!(decode::<ToRank<Vec<u8>>>(&encode(&m)), Some(m));
        }
        for cut in [0, 1, 9, bytes.len() - 1] {
            assert!(
                decode::<ToRoot<Vec<f64>>>(&bytes[..cut]).is_none(),
                "cut at {cut}"
            );
        }
        // A claimed length far beyond the message is refused without allocating it.
        let huge = [
            0x9b, 0x0f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf9, 0x7e, 0,
        ];
        assert!(decode::<Vec<f64>>(&huge).is_none());
        assert!(decode::<ToRank>(&encode(&"Nonsense")).is_none());
        assert!(decode::<ToRank>(&[0xff]).is_none());
    }
}
