//! Running one experiment as several processes started by an MPI launcher (`mpirun`,
//! `mpiexec`, `srun`).
//!
//! [`launcher`] reads the launchers' environment: how many ranks this process is one
//! of, whatever the build.

pub mod launcher;
