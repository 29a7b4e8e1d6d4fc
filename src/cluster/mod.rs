//! Running one experiment as several processes started by an MPI launcher (`mpirun`,
//! `mpiexec`, `srun`).
//!
//! [`launcher`] reads the launchers' environment: how many ranks this process is one
//! of, whatever the build. [`share`] hands a run's independent work items out to the
//! ranks in blocks and brings every result to rank 0, over any [`share::Transport`];
//! [`job`] is one rank's part in a run (agreeing on the plan, data from rank 0, shared
//! phases, stopping). `mpi` (cargo feature `mpi`) is the transport over MPI;
//! [`threads`], ranks as threads of one process.

pub mod job;
pub mod launcher;
#[cfg(feature = "mpi")]
pub mod mpi;
pub mod share;
pub mod threads;

pub use job::Job;
