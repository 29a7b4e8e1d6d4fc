//! Whether this process is one rank of several started by an MPI launcher, read from
//! the environment variables the common launchers set for every rank they start:
//! Open MPI's `mpirun` (`OMPI_COMM_WORLD_SIZE`), MPICH's and Intel MPI's Hydra
//! (`PMI_SIZE`), MVAPICH (`MV2_COMM_WORLD_SIZE`) and Slurm's `srun`
//! (`SLURM_STEP_NUM_TASKS`, set for the tasks of a job step, not for a batch script).
//!
//! A build without the `mpi` feature started as several ranks would run the whole
//! experiment once per rank into the same folder; [`refuse_without_mpi`] stops it with
//! a message naming the feature instead.

use crate::error::{Error, Result};

/// The variables read, each giving the number of ranks of the job.
pub const SIZE_VARIABLES: [&str; 4] = [
    "OMPI_COMM_WORLD_SIZE",
    "PMI_SIZE",
    "MV2_COMM_WORLD_SIZE",
    "SLURM_STEP_NUM_TASKS",
];

/// A launcher's word that this process is one of several ranks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Launched {
    /// The variable that said so.
    pub variable: &'static str,
    /// The number of ranks it gives.
    pub ranks: usize,
}

/// The first of [`SIZE_VARIABLES`] set to a number above 1, read through `var`.
pub fn launched_with(var: impl Fn(&str) -> Option<String>) -> Option<Launched> {
    SIZE_VARIABLES.iter().find_map(|&variable| {
        let ranks: usize = var(variable)?.trim().parse().ok()?;
        (ranks > 1).then_some(Launched { variable, ranks })
    })
}

/// [`launched_with`] on this process's environment.
pub fn launched() -> Option<Launched> {
    launched_with(|name| std::env::var(name).ok())
}

/// An error when `launched` says the process is one of several ranks, for a build
/// without the `mpi` feature.
pub fn refuse_without_mpi(launched: Option<Launched>) -> Result<()> {
    match launched {
        Some(Launched { variable, ranks }) => Err(Error::Invalid(format!(
            "this losscape was built without the `mpi` feature, but an MPI launcher \
             started it as one of {ranks} ranks ({variable}={ranks}); each rank would run \
             the whole experiment on its own into the same folder. Build it with \
             `cargo build --release --features mpi` to share the work among ranks, or \
             run it as one process, without mpirun/srun (`--threads` sets its worker \
             threads)"
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn each_launcher_is_recognised_and_one_rank_is_not_a_job() {
        for v in SIZE_VARIABLES {
            let set = |ranks: &str| launched_with(|n| (n == v).then(|| ranks.to_string()));
            assert_eq!(
                set("4"),
                Some(Launched {
                    variable: v,
                    ranks: 4
                })
            );
            assert_eq!(set("1"), None, "{v}=1 is a single process");
            assert_eq!(set("many"), None, "{v}: not a number");
        }
        assert_eq!(launched_with(env(&[])), None);
        assert_eq!(
            launched_with(env(&[("SLURM_STEP_NUM_TASKS", "1"), ("PMI_SIZE", "3")])),
            Some(Launched {
                variable: "PMI_SIZE",
                ranks: 3
            })
        );
    }

    #[test]
    fn a_build_without_the_feature_refuses_several_ranks() {
        let two = launched_with(env(&[("OMPI_COMM_WORLD_SIZE", "2")]));
        let e = refuse_without_mpi(two).unwrap_err();
        assert!(e.is_bad_input());
        let msg = e.to_string();
        assert!(msg.contains("`mpi` feature") && msg.contains("OMPI_COMM_WORLD_SIZE=2"));
        assert!(refuse_without_mpi(None).is_ok());
    }
}
