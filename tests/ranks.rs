//! A run shared among the ranks of a job gives the single process's results, byte for
//! byte. The ranks here are threads of this process joined by channels
//! (`cluster::threads`): the same protocol an MPI job runs (plan agreement, rank 0's
//! data, shared phases, stopping), without MPI; `tests/mpi.rs` runs it under `mpirun`.
//!
//! Each kind that shares work (a slice with its curvature map, a batch-size study, a
//! width sweep, a saddle search with starts along a training run) is run once as one
//! process and once as 2 and 3 ranks of 1 thread each; every array, model file and
//! number of the summary but the timings must match. Also: ranks that planned
//! different runs are refused before the folder exists, and a kind that does not share
//! its work runs on rank 0 alone.

use crate::common::write;
use losscape::cluster::threads::thread_ranks;
use losscape::cluster::Job;
use losscape::config::LoadedConfig;
use losscape::experiment::{self, job::run_as_rank, RunOptions, RunOutcome};
use losscape::Error;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const SLICE: &str = r#"
name = "s"
seed = 3
[data]
source = "spirals"
n = 120
noise = 0.1
test_fraction = 0.25
[model]
layers = [2, 6, 1]
activation = "tanh"
loss = "bce"
init = "xavier"
[train]
optimizer = "adam"
lr = 0.02
batch_size = 16
epochs = 5
[experiment]
kind = "slice"
center = "trained"
x = { range = [-1.0, 1.0], points = 9 }
y = { range = [-1.0, 1.0], points = 7 }
directions = "random"
curvature = true
curvature_steps = 6
"#;

pub const BATCH: &str = r#"
name = "b"
seed = 0
[data]
source = "gaussians"
n = 80
noise = 0.4
test_fraction = 0.25
[model]
layers = [2, 5, 2]
activation = "tanh"
loss = "cross_entropy"
init = "xavier"
[train]
optimizer = "sgd"
lr = 0.05
epochs = 3
[experiment]
kind = "batch_size"
batch_sizes = [4, 16, "full"]
seeds = [0, 1]
alpha_points = 3
slice_points = 3
lanczos_steps = 5
trace_hvps = 6
"#;

const WIDTH: &str = r#"
name = "w"
seed = 0
[data]
source = "sine"
n = 40
[model]
layers = [1, 4, 1]
activation = "tanh"
loss = "mse"
init = "xavier"
[train]
optimizer = "adam"
lr = 0.02
epochs = 20
[experiment]
kind = "width_sweep"
widths = [2, 4, 8]
seeds = [0, 1]
"#;

pub const SADDLES: &str = r#"
dtype = "f64"
[data]
source = "spirals"
n = 300
noise = 0.1
[model]
layers = [2, 8, 1]
activation = "tanh"
loss = "bce"
init = "xavier"
[train]
optimizer = "gd"
lr = 0.5
epochs = 60
[experiment]
kind = "saddles"
starts = 6
trajectory_starts = 2
track_every = 20
"#;

fn options(out: &Path, threads: usize, seed: Option<u64>) -> RunOptions {
    RunOptions {
        out: Some(out.to_path_buf()),
        threads: Some(threads),
        seed,
        quiet: true,
        ..RunOptions::default()
    }
}

/// Every rank's outcome of a job, and how many work items ranks other than 0 computed.
struct Ran {
    outcomes: Vec<Result<Option<RunOutcome>, Error>>,
    items_elsewhere: usize,
}

/// Runs `config` as `ranks` thread ranks of 1 thread each, rank r with the seed
/// `seed(r)`.
fn run_ranks(
    config: &Path,
    out: &Path,
    ranks: usize,
    seed: impl Fn(usize) -> Option<u64> + Sync,
) -> Ran {
    let ran: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = thread_ranks(ranks)
            .into_iter()
            .enumerate()
            .map(|(r, transport)| {
                let seed = &seed;
                s.spawn(move || {
                    let job = Job::new(Box::new(transport));
                    let outcome = LoadedConfig::read(config)
                        .and_then(|cfg| run_as_rank(cfg, &options(out, 1, seed(r)), &job));
                    (outcome, job.tally())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let items = &ran[0].1.items;
    Ran {
        items_elsewhere: items.iter().skip(1).sum(),
        outcomes: ran.into_iter().map(|(o, _)| o).collect(),
    }
}

/// Every file under `dir` by relative path, with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_path_buf();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// A JSON value with every timing (a key naming seconds or ms) taken out.
fn untimed(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !k.contains("seconds") && !k.starts_with("ms_"))
                .map(|(k, v)| (k.clone(), untimed(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(untimed).collect()),
        v => v.clone(),
    }
}

/// A sweep log with its records in index order: the header, then each record (index,
/// values, checksum; see `landscape::store`) sorted by index. A shared sweep logs its
/// points in the order they arrive.
fn sorted_log(bytes: &[u8]) -> Vec<u8> {
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap()) as usize;
    let fingerprint = u32_at(12);
    let n_values = u32_at(16 + fingerprint + 8);
    let header = 16 + fingerprint + 8 + 4 + 8;
    let mut records: Vec<&[u8]> = bytes[header..].chunks(8 * (n_values + 2)).collect();
    records.sort_by_key(|r| u64::from_le_bytes(r[..8].try_into().unwrap()));
    let mut out = bytes[..header].to_vec();
    records.iter().for_each(|r| out.extend_from_slice(r));
    out
}

/// The files of a run folder as compared: JSON without timings, the sweep log in index
/// order, the rest as bytes (figures and the report page are drawn from the compared
/// numbers, and the page shows the timings too, so they are left out).
pub fn comparable(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    files(dir)
        .into_iter()
        .filter(|(p, _)| p.extension().is_none_or(|e| e != "png" && e != "html"))
        .map(
            |(p, bytes)| match p.extension().is_some_and(|e| e == "json") {
                true => {
                    let v: Value = serde_json::from_slice(&bytes).unwrap();
                    (p, untimed(&v).to_string().into_bytes())
                }
                false if p.ends_with("sweep.log") => (p, sorted_log(&bytes)),
                false => (p, bytes),
            },
        )
        .collect()
}

/// `text` run as one process (2 threads), then as 2 and 3 ranks: the same files, with
/// some of the work done by ranks other than 0.
pub fn ranks_match_one_process(name: &str, text: &str, must_have: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = write(d, &format!("{name}.toml"), text);
    let one = d.join("one");
    let cfg = LoadedConfig::read(&config).unwrap();
    experiment::run(cfg, &options(&one, 2, None)).unwrap();
    let want = comparable(&one);
    for f in must_have {
        assert!(
            want.contains_key(Path::new(f)),
            "{name}: no {f} in {:?}",
            want.keys()
        );
    }
    let mut shared = 0;
    for ranks in [2, 3] {
        let out = d.join(format!("ranks{ranks}"));
        let Ran {
            outcomes,
            items_elsewhere,
        } = run_ranks(&config, &out, ranks, |_| None);
        shared += items_elsewhere;
        let root = outcomes[0]
            .as_ref()
            .unwrap()
            .as_ref()
            .expect("rank 0's outcome");
        assert_eq!(root.dir, out);
        for (r, o) in outcomes.iter().enumerate().skip(1) {
            assert!(matches!(o, Ok(None)), "{name}: rank {r}: {o:?}");
        }
        let got = comparable(&out);
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>(),
            "{name}, {ranks} ranks"
        );
        for (p, bytes) in &want {
            assert!(
                got[p] == *bytes,
                "{name}, {ranks} ranks: {} differs",
                p.display()
            );
        }
    }
    assert!(shared > 0, "{name}: rank 0 did all the work");
}

#[test]
fn a_slice_and_its_curvature_map_shared_among_ranks_are_the_one_process_arrays() {
    ranks_match_one_process(
        "slice",
        SLICE,
        &[
            "train_loss.npy",
            "test_accuracy.npy",
            "curvature_ratio.npy",
            "sweep.log",
        ],
    );
}

#[test]
fn study_runs_shared_among_ranks_are_the_one_process_runs() {
    ranks_match_one_process("batch", BATCH, &["runs/b4_s1/model.safetensors"]);
    ranks_match_one_process("width", WIDTH, &["runs/w8_s0/result.json"]);
}

#[test]
fn saddle_searches_shared_among_ranks_are_the_one_process_searches() {
    ranks_match_one_process("saddles", SADDLES, &["summary.json"]);
}

#[test]
fn ranks_that_planned_different_runs_are_refused_before_the_folder_exists() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "s.toml", SLICE);
    let out = dir.path().join("out");
    // Rank 2 gets another seed, as if its node had another copy of the config.
    let outcomes = run_ranks(&config, &out, 3, |r| (r == 2).then_some(7)).outcomes;
    let e = outcomes[0].as_ref().unwrap_err();
    assert!(e.is_bad_input());
    let msg = e.to_string();
    assert!(msg.contains("rank 2 planned another run"), "{msg}");
    assert!(outcomes.iter().all(|o| o.is_err()));
    assert!(!out.exists(), "nothing written");
}

#[test]
fn a_kind_that_does_not_share_its_work_runs_on_rank_0() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "t.toml", crate::common::TINY_TRAIN);
    let one = dir.path().join("one");
    experiment::run(
        LoadedConfig::read(&config).unwrap(),
        &options(&one, 1, None),
    )
    .unwrap();
    let out = dir.path().join("out");
    let outcomes = run_ranks(&config, &out, 2, |_| None).outcomes;
    assert!(outcomes[0].as_ref().unwrap().is_some());
    assert!(matches!(outcomes[1], Ok(None)));
    assert_eq!(comparable(&out), comparable(&one));
}
