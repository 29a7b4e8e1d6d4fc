//! The [`Transport`] of a cluster build (cargo feature `mpi`): MPI's world
//! communicator through rsmpi, over the system's MPI (Open MPI, MPICH).
//!
//! MPI is initialised at `MPI_THREAD_SERIALIZED`: rank 0 serves messages from one
//! thread while it computes on others, and a run's code may reach the transport from
//! whichever thread rayon gives it, so every call is made under one lock. Messages are
//! byte strings on one tag; MPI keeps the order of the messages between two ranks.

use super::share::Transport;
use crate::error::{Error, Result};
use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use mpi::Threading;
use std::sync::Mutex;

/// The world of an initialised MPI; finalised when dropped.
pub struct Mpi {
    world: Mutex<SimpleCommunicator>,
    rank: usize,
    ranks: usize,
    // Dropped last: finalises MPI.
    _universe: Universe,
}

// SAFETY: MPI runs at MPI_THREAD_SERIALIZED (checked in `init`), which allows calls from
// any thread one at a time; every call goes through the `world` lock.
unsafe impl Send for Mpi {}
unsafe impl Sync for Mpi {}

impl Mpi {
    /// Initialises MPI; an error when it is already initialised or cannot give
    /// serialised threading.
    pub fn init() -> Result<Self> {
        let (universe, level) = mpi::initialize_with_threading(Threading::Serialized)
            .ok_or_else(|| Error::Invalid("MPI was already initialised".into()))?;
        if level < Threading::Serialized {
            return Err(Error::Invalid(format!(
                "this MPI gives threading level {level:?}; losscape needs \
                 MPI_THREAD_SERIALIZED (rank 0 serves the others while it computes)"
            )));
        }
        let world = universe.world();
        let (rank, ranks) = (world.rank() as usize, world.size() as usize);
        Ok(Mpi {
            world: Mutex::new(world),
            rank,
            ranks,
            _universe: universe,
        })
    }
}

impl Transport for Mpi {
    fn rank(&self) -> usize {
        self.rank
    }

    fn ranks(&self) -> usize {
        self.ranks
    }

    fn send(&self, to: usize, bytes: &[u8]) -> Result<()> {
        let world = self.world.lock().unwrap();
        world.process_at_rank(to as i32).send(bytes);
        Ok(())
    }

    fn poll(&self) -> Result<Option<(usize, Vec<u8>)>> {
        let world = self.world.lock().unwrap();
        Ok(world
            .any_process()
            .immediate_matched_probe()
            .map(|matched| {
                let (bytes, status) = matched.matched_receive_vec::<u8>();
                (status.source_rank() as usize, bytes)
            }))
    }

    fn receive_from_root(&self) -> Result<Vec<u8>> {
        // Waits without holding the lock: probe, then receive the matched message.
        loop {
            {
                let world = self.world.lock().unwrap();
                if let Some(matched) = world.process_at_rank(0).immediate_matched_probe() {
                    return Ok(matched.matched_receive_vec::<u8>().0);
                }
            }
            std::thread::sleep(super::share::POLL);
        }
    }

    fn abort(&self, code: i32) -> ! {
        let world = self.world.lock().unwrap_or_else(|p| p.into_inner());
        world.abort(code)
    }
}
