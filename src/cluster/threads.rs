//! A [`Transport`] between ranks that are threads of one process, joined by channels:
//! the whole of a job's protocol without MPI, for the tests (and for trying a job's
//! logic on a machine without MPI).

use super::share::Transport;
use crate::error::{Error, Result};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Mutex;

/// One rank of a job of threads.
pub struct ThreadRank {
    rank: usize,
    ranks: usize,
    to: Vec<Sender<(usize, Vec<u8>)>>,
    inbox: Mutex<Receiver<(usize, Vec<u8>)>>,
}

/// The `ranks` ranks of a job, each to be moved to its own thread.
pub fn thread_ranks(ranks: usize) -> Vec<ThreadRank> {
    let (txs, rxs): (Vec<_>, Vec<_>) = (0..ranks).map(|_| mpsc::channel()).unzip();
    rxs.into_iter()
        .enumerate()
        .map(|(rank, rx)| ThreadRank {
            rank,
            ranks,
            to: txs.clone(),
            inbox: Mutex::new(rx),
        })
        .collect()
}

impl Transport for ThreadRank {
    fn rank(&self) -> usize {
        self.rank
    }

    fn ranks(&self) -> usize {
        self.ranks
    }

    fn send(&self, to: usize, bytes: &[u8]) -> Result<()> {
        self.to[to]
            .send((self.rank, bytes.to_vec()))
            .map_err(|_| Error::Invalid(format!("rank {to} is gone")))
    }

    fn poll(&self) -> Result<Option<(usize, Vec<u8>)>> {
        Ok(self.inbox.lock().unwrap().try_recv().ok())
    }

    fn receive_from_root(&self) -> Result<Vec<u8>> {
        let (_, bytes) = self
            .inbox
            .lock()
            .unwrap()
            .recv()
            .map_err(|_| Error::Invalid("rank 0 is gone".into()))?;
        Ok(bytes)
    }

    fn abort(&self, code: i32) -> ! {
        panic!("rank {} aborted the job with status {code}", self.rank)
    }
}
