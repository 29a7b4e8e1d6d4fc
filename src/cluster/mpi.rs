//! The [`Transport`] of a cluster build (cargo feature `mpi`): MPI's world
//! communicator through rsmpi, over the system's MPI (Open MPI, MPICH).
//!
//! MPI is initialised at `MPI_THREAD_SERIALIZED`: rank 0 serves messages from one
//! thread while it computes on others, and a run's code may reach the transport from
//! whichever thread rayon gives it, so every call is made under one lock. Messages are
//! byte strings on one tag; MPI keeps the order of the messages between two ranks.
//!
//! Sends do not wait for the receiver. Over shared memory Open MPI completes a blocking
//! send of even a few hundred bytes only when the receiver next looks for messages, so
//! a rank sending a block's results would wait on rank 0's polling, and rank 0
//! answering a request would wait until a computing rank next calls MPI. Each send is
//! therefore started (`MPI_Isend`) on a copy of the message that is kept until MPI is
//! done with it; every later call to the transport frees the finished ones, and the
//! last are waited for before MPI is finalised.

use super::share::Transport;
use crate::error::{Error, Result};
use mpi::environment::Universe;
use mpi::request::{Request, StaticScope};
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use mpi::Threading;
use std::ptr::NonNull;
use std::sync::{Mutex, MutexGuard};

/// The world of an initialised MPI; finalised when dropped.
pub struct Mpi {
    world: Mutex<World>,
    rank: usize,
    ranks: usize,
    // Dropped last: finalises MPI.
    _universe: Universe,
}

/// The communicator and the sends it has not finished.
struct World {
    comm: SimpleCommunicator,
    sending: Vec<Sending>,
}

/// A started send and the message it reads, which is freed once MPI is done with it.
struct Sending {
    request: Request<'static, [u8], StaticScope>,
    bytes: NonNull<[u8]>,
}

impl World {
    /// Starts sending a copy of `bytes` to rank `to`.
    fn send(&mut self, to: usize, bytes: &[u8]) {
        self.reap();
        let bytes: &'static [u8] = Box::leak(bytes.to_vec().into_boxed_slice());
        let request = self
            .comm
            .process_at_rank(to as i32)
            .immediate_send(StaticScope, bytes);
        self.sending.push(Sending {
            request,
            bytes: NonNull::from(bytes),
        });
    }

    /// Frees the messages whose sends are done.
    fn reap(&mut self) {
        for s in std::mem::take(&mut self.sending) {
            match s.request.test() {
                // SAFETY: the box was leaked in `send` for this request alone, which
                // is complete: nothing reads the message any more.
                Ok(_) => drop(unsafe { Box::from_raw(s.bytes.as_ptr()) }),
                Err(request) => self.sending.push(Sending { request, ..s }),
            }
        }
    }
}

impl Drop for World {
    /// Waits for the sends still under way (every message of a finished job is
    /// received), so that MPI is finalised with none pending.
    fn drop(&mut self) {
        for s in self.sending.drain(..) {
            s.request.wait_without_status();
            // SAFETY: as in `reap`: the request is complete.
            drop(unsafe { Box::from_raw(s.bytes.as_ptr()) });
        }
    }
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
            world: Mutex::new(World {
                comm: world,
                sending: Vec::new(),
            }),
            rank,
            ranks,
            _universe: universe,
        })
    }
}

impl Mpi {
    fn lock(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap()
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
        self.lock().send(to, bytes);
        Ok(())
    }

    fn poll(&self) -> Result<Option<(usize, Vec<u8>)>> {
        let mut world = self.lock();
        world.reap();
        Ok(world
            .comm
            .any_process()
            .immediate_matched_probe()
            .map(|matched| {
                let (bytes, status) = matched.matched_receive_vec::<u8>();
                (status.source_rank() as usize, bytes)
            }))
    }

    fn receive_from_root(&self) -> Result<Vec<u8>> {
        // Waits without holding the lock: probe, then receive the matched message.
        let mut idle = super::share::waiting();
        loop {
            {
                let mut world = self.lock();
                world.reap();
                if let Some(matched) = world.comm.process_at_rank(0).immediate_matched_probe() {
                    return Ok(matched.matched_receive_vec::<u8>().0);
                }
            }
            idle.sleep();
        }
    }

    fn abort(&self, code: i32) -> ! {
        let world = self.world.lock().unwrap_or_else(|p| p.into_inner());
        world.comm.abort(code)
    }
}
