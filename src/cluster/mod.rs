//! Running one experiment as several processes started by an MPI launcher (`mpirun`,
//! `mpiexec`, `srun`).
//!
//! [`launcher`] reads the launchers' environment: how many ranks this process is one
//! of, whatever the build. [`share`] hands a run's independent work items out to the
//! ranks in blocks and brings every result to rank 0, over any [`share::Transport`].

pub mod launcher;
pub mod share;
