//! Runs under `mpirun` (cargo feature `mpi`; Open MPI's launcher on the PATH): a
//! slice, a batch-size study and a saddle search on 2 and 3 ranks give the files of
//! one process byte for byte; a job killed mid-sweep resumes from rank 0's log, under
//! MPI and without, to the same arrays; ranks that planned different runs, or a rank
//! that cannot load the data, end the job with rank 0's message and exit status 2.

use crate::common::{run_ok, write};
use crate::ranks::{comparable, BATCH, SADDLES, SLICE};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_losscape");

/// `mpirun` for `np` ranks on this machine, as root too, more ranks than cores allowed.
fn mpirun(np: usize) -> Command {
    let mut c = Command::new("mpirun");
    c.args(["--allow-run-as-root", "--oversubscribe", "-np"])
        .arg(np.to_string());
    c
}

/// `losscape run CONFIG --out OUT --quiet --threads 1` on `np` ranks.
fn run_mpi(np: usize, config: &Path, out: &Path, extra: &[&str]) -> Output {
    mpirun(np)
        .arg(BIN)
        .args(["run", "--quiet", "--threads", "1", "--out"])
        .args([out, config])
        .args(extra)
        .output()
        .unwrap()
}

fn summary(out: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
}

#[test]
fn slice_study_and_saddles_under_mpirun_are_the_one_process_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (name, text) in [("slice", SLICE), ("batch", BATCH), ("saddles", SADDLES)] {
        let config = write(d, &format!("{name}.toml"), text);
        let one = d.join(format!("{name}_one"));
        run_ok(&config, &one, &["--threads", "2"]);
        let want = comparable(&one);
        for np in [2, 3] {
            let out = d.join(format!("{name}_np{np}"));
            let o = run_mpi(np, &config, &out, &[]);
            assert!(
                o.status.success(),
                "{name}, {np} ranks: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            // Rank 0 alone prints the summary.
            let printed: Value = serde_json::from_slice(&o.stdout).unwrap();
            assert_eq!(printed["name"], summary(&out)["name"]);
            assert!(comparable(&out) == want, "{name}, {np} ranks: files differ");
        }
    }
}

/// A slice that takes a few seconds: 1,681 points of a 2-64-64-1 net on 3,000 samples.
const LONG_SLICE: &str = r#"
name = "long"
seed = 1
[data]
source = "spirals"
n = 3000
noise = 0.1
[model]
layers = [2, 64, 64, 1]
activation = "tanh"
loss = "bce"
init = "xavier"
[experiment]
kind = "slice"
center = "init"
x = { range = [-1.0, 1.0], points = 41 }
y = { range = [-1.0, 1.0], points = 41 }
"#;

/// The rank processes `mpirun` started (its children), by rank.
fn ranks_of(mpirun: &Child) -> Vec<(usize, u32)> {
    let pid = mpirun.id();
    let children =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    let mut ranks: Vec<(usize, u32)> = children
        .split_whitespace()
        .filter_map(|c| {
            let environ = std::fs::read(format!("/proc/{c}/environ")).ok()?;
            let rank = environ
                .split(|&b| b == 0)
                .find_map(|v| v.strip_prefix(b"OMPI_COMM_WORLD_RANK="))?;
            Some((
                std::str::from_utf8(rank).ok()?.parse().ok()?,
                c.parse().ok()?,
            ))
        })
        .collect();
    ranks.sort();
    ranks
}

#[test]
fn a_job_killed_mid_sweep_resumes_from_rank_0s_log_to_the_same_arrays() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = write(d, "long.toml", LONG_SLICE);
    let one = d.join("one");
    run_ok(&config, &one, &["--threads", "2"]);
    let want = comparable(&one);

    for (victim, resume_np) in [(1, 3), (0, 1)] {
        let out = d.join(format!("killed_rank{victim}"));
        let mut job = mpirun(2)
            .arg(BIN)
            .args(["run", "--quiet", "--threads", "1", "--out"])
            .args([&out, &config])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill one rank once rank 0's log holds some points (a record is 48 bytes).
        let log = out.join("sweep.log");
        let t0 = Instant::now();
        while std::fs::metadata(&log).map_or(0, |m| m.len()) < 4096 {
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "the sweep never logged"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        let ranks = ranks_of(&job);
        let (_, pid) = ranks
            .iter()
            .find(|(r, _)| *r == victim)
            .expect("rank found");
        assert_eq!(unsafe { libc::kill(*pid as i32, libc::SIGKILL) }, 0);
        let status = job.wait().unwrap();
        assert!(!status.success());
        assert!(!out.join("summary.json").exists(), "killed before the end");

        // Resumed: under MPI with another number of ranks, or as one process.
        let o = match resume_np {
            1 => Command::new(BIN)
                .args(["run", "--quiet", "--threads", "2", "--out"])
                .args([&out, &config])
                .output()
                .unwrap(),
            np => run_mpi(np, &config, &out, &[]),
        };
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let resumed = summary(&out)["resumed_points"].as_u64().unwrap();
        assert!(resumed > 0 && resumed < 1681, "resumed {resumed} points");
        let got = comparable(&out);
        for (p, bytes) in &want {
            let same = p.ends_with("summary.json") || got[p] == *bytes;
            assert!(same, "killed rank {victim}: {} differs", p.display());
        }
    }
}

/// The job's exit status and rank 0's error lines (mpirun's own notes left out).
fn failed(o: &Output) -> (Option<i32>, String) {
    let err = String::from_utf8_lossy(&o.stderr);
    let ours: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    (o.status.code(), ours.join("\n"))
}

#[test]
fn ranks_that_planned_different_runs_are_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "s.toml", SLICE);
    let out = dir.path().join("out");
    // One job, two programs: rank 1 runs the same config with another seed.
    let rank = |seed: &str| -> Vec<PathBuf> {
        let args = ["-np", "1", BIN, "run", "--quiet", "--seed", seed, "--out"];
        let mut v: Vec<PathBuf> = args.iter().map(PathBuf::from).collect();
        v.extend([out.clone(), config.clone()]);
        v
    };
    let o = Command::new("mpirun")
        .args(["--allow-run-as-root", "--oversubscribe"])
        .args(rank("3"))
        .arg(":")
        .args(rank("4"))
        .output()
        .unwrap();
    let (code, msg) = failed(&o);
    assert_eq!(code, Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(msg.contains("rank 1 planned another run"), "{msg}");
    assert!(!out.exists(), "nothing written");
}

/// An MNIST slice of 100 training images around the seeded initialisation.
const MNIST_SLICE: &str = r#"
name = "m"
seed = 0
[data]
source = "mnist"
limit_train = 100
limit_test = 100
[model]
layers = [784, 16, 10]
activation = "relu"
loss = "cross_entropy"
init = "pytorch"
[experiment]
kind = "slice"
center = "init"
x = { range = [-1.0, 1.0], points = 5 }
"#;

#[test]
fn a_rank_that_cannot_load_the_data_ends_the_job_with_its_message_on_rank_0() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = write(d, "m.toml", MNIST_SLICE);
    // Rank 1's node has a damaged copy of MNIST: the same size and headers, a body
    // that does not decompress.
    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let bad = d.join("bad");
    std::fs::create_dir_all(bad.join("mnist")).unwrap();
    for f in std::fs::read_dir(good.join("mnist")).unwrap() {
        let f = f.unwrap().path();
        let mut bytes = std::fs::read(&f).unwrap();
        let n = bytes.len();
        if n > 100_000 {
            bytes[n / 2..n / 2 + 4096]
                .iter_mut()
                .for_each(|b| *b ^= 0x5a);
        }
        std::fs::write(bad.join("mnist").join(f.file_name().unwrap()), bytes).unwrap();
    }
    let out = d.join("out");
    let rank = |data: &Path| -> Vec<PathBuf> {
        let env = format!("LOSSCAPE_DATA={}", data.display());
        let args = ["-np", "1", "-x", &env, BIN, "run", "--quiet", "--out"];
        let mut v: Vec<PathBuf> = args.iter().map(PathBuf::from).collect();
        v.extend([out.clone(), config.clone()]);
        v
    };
    let o = Command::new("mpirun")
        .args(["--allow-run-as-root", "--oversubscribe"])
        .args(rank(&good))
        .arg(":")
        .args(rank(&bad))
        .output()
        .unwrap();
    let (code, msg) = failed(&o);
    assert_eq!(code, Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(msg.starts_with("error: rank 1: "), "{msg}");
    assert!(msg.contains("train-images"), "names the file: {msg}");
    assert!(!out.join("summary.json").exists());
}
