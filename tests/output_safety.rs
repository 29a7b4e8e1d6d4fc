//! A run writes only inside its own folder, owns it alone, never takes over another
//! run's folder or the user's files, and leaves nothing behind when it fails: each test
//! is one class of hostile or careless use, run on the binary.

use crate::common::{losscape, run, run_ok, write};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const TRAIN: &str = crate::common::TINY_TRAIN;

/// Every file below `dir` with its bytes (symlinks as their target's name).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let m = std::fs::symlink_metadata(&p).unwrap();
            if m.file_type().is_symlink() {
                let t = std::fs::read_link(&p).unwrap();
                out.insert(p, t.to_string_lossy().as_bytes().to_vec());
            } else if m.is_dir() {
                out.insert(p.clone(), b"<dir>".to_vec());
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// `losscape run CONFIG [args]` with `cwd` as the working folder.
fn run_in(cwd: &Path, config: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_losscape"))
        .current_dir(cwd)
        .args(["run", config, "--quiet"])
        .args(args)
        .output()
        .unwrap()
}

fn assert_refused(o: &Output, parts: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(
        o.status.code(),
        Some(2),
        "expected exit 2; stderr: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    for p in parts {
        assert!(stderr.contains(p), "error should mention {p:?}: {stderr}");
    }
    stderr
}

#[test]
fn a_run_name_is_one_path_component() {
    let long = "n".repeat(129);
    let bad = [
        "..",
        ".",
        "",
        "../../escape",
        "/tmp/losscape-absolute-name",
        "a/b",
        "a\\\\b",
        "red\\u001b[31m",
        long.as_str(),
    ];
    let root = tempfile::tempdir().unwrap();
    let cwd = root.path().join("work/here");
    std::fs::create_dir_all(&cwd).unwrap();
    for name in bad {
        let text = TRAIN.replace("name = \"t\"", &format!("name = \"{name}\""));
        write(&cwd, "exp.toml", &text);
        let before = snapshot(root.path());
        let o = run_in(&cwd, "exp.toml", &[]);
        let e = assert_refused(&o, &["exp.toml", "field `name`"]);
        assert!(!e.contains('\u{1b}'), "escape sequence echoed: {e:?}");
        assert_eq!(snapshot(root.path()), before, "{name:?} wrote files");
    }
    assert!(!Path::new("/tmp/losscape-absolute-name").exists());
    // A name taken from the config file's name is checked the same way.
    write(&cwd, "..toml", &TRAIN.replace("name = \"t\"\n", ""));
    assert_refused(&run_in(&cwd, "..toml", &[]), &["field `name`"]);
    // A good name writes plots/<name> below the working folder.
    write(&cwd, "exp.toml", TRAIN);
    assert!(run_in(&cwd, "exp.toml", &[]).status.success());
    assert!(cwd.join("plots/t/summary.json").is_file());
}

#[test]
fn planted_symlinks_are_replaced_or_refused_never_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = write(tmp.path(), "exp.toml", TRAIN);
    let victim = write(tmp.path(), "victim.txt", "precious");
    let out = tmp.path().join("out");
    run_ok(&cfg, &out, &[]);
    // Every file of a finished run replaced by a link to the victim, then a rerun.
    let mut linked = 0;
    for e in std::fs::read_dir(&out).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() && p.file_name().unwrap() != "config.toml" {
            std::fs::remove_file(&p).unwrap();
            std::os::unix::fs::symlink(&victim, &p).unwrap();
            linked += 1;
        }
    }
    assert!(linked >= 3, "{linked}");
    run_ok(&cfg, &out, &[]);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    // The run folder itself as a link: refused, the target untouched.
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
    assert_refused(&run(&cfg, &link, &[]), &["symbolic link"]);
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
}

#[test]
fn a_second_run_into_a_busy_folder_is_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let long = TRAIN.replace("epochs = 2", "epochs = 10000000");
    let cfg = write(tmp.path(), "long.toml", &long);
    let out = tmp.path().join("out");
    let mut first = Command::new(env!("CARGO_BIN_EXE_losscape"))
        .args(["run", cfg.to_str().unwrap(), "--quiet", "--out"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !out.join("config.toml").exists() {
        assert!(Instant::now() < deadline, "the first run never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let short = write(tmp.path(), "short.toml", TRAIN);
    let o = run(&short, &out, &[]);
    let pid = first.id().to_string();
    assert_refused(&o, &["in use by another losscape run", &pid]);
    first.kill().unwrap();
    first.wait().unwrap();
    // Once the holder is gone the folder is free again.
    run_ok(&short, &out, &[]);
}

#[test]
fn a_folder_of_another_kind_or_of_other_files_is_not_taken_over() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = write(tmp.path(), "exp.toml", TRAIN);
    let out = tmp.path().join("out");
    run_ok(&cfg, &out, &[]);
    let before = snapshot(&out);
    let evaluate = TRAIN
        .replace("kind = \"train\"", "kind = \"evaluate\"")
        .replace(
            "[train]\noptimizer = \"sgd\"\nlr = 0.1\nbatch_size = 2\nepochs = 2\n",
            "",
        );
    let other = write(tmp.path(), "eval.toml", &evaluate);
    assert_refused(&run(&other, &out, &[]), &["kind \"train\"", "`evaluate`"]);
    assert_eq!(snapshot(&out), before);

    let docs = tmp.path().join("docs");
    std::fs::create_dir(&docs).unwrap();
    write(&docs, "thesis.tex", "my work");
    assert_refused(&run(&cfg, &docs, &[]), &["no config.toml"]);
    assert_eq!(std::fs::read_dir(&docs).unwrap().count(), 1);
}

/// A slice whose file direction is zero after filter normalisation (all weights zero):
/// found only after the folder is claimed.
fn zero_direction_slice(dir: &Path) -> PathBuf {
    let p = 2 * 3 + 3 + 3 + 1;
    let zeros = vec![0.0f64; p];
    losscape::io::npy::write(&dir.join("dx.npy"), &zeros, &[p]).unwrap();
    let text = TRAIN
        .replace("kind = \"train\"", "kind = \"slice\"\ncenter = \"init\"\nx = { range = [-1.0, 1.0], points = 5 }\ndirections = \"files\"\ndir_x = \"dx.npy\"");
    write(dir, "slice.toml", &text)
}

#[test]
fn a_run_that_fails_late_leaves_no_folder_and_a_prior_folder_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = zero_direction_slice(tmp.path());
    let out = tmp.path().join("out");
    assert_refused(&run(&cfg, &out, &[]), &["zero after normalisation"]);
    assert!(!out.exists(), "a failed run left its folder");

    // A finished slice in the folder, then the failing config: the folder is unchanged.
    let good = write(
        tmp.path(),
        "good.toml",
        &std::fs::read_to_string(&cfg)
            .unwrap()
            .replace("directions = \"files\"\ndir_x = \"dx.npy\"", ""),
    );
    run_ok(&good, &out, &[]);
    std::fs::remove_file(out.join("sweep.log")).unwrap();
    let before = snapshot(&out);
    assert_refused(&run(&cfg, &out, &[]), &["zero after normalisation"]);
    let after = snapshot(&out);
    let added: Vec<_> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    assert!(added.is_empty(), "left behind: {added:?}");
}

#[test]
fn bce_that_explodes_is_divergence() {
    let tmp = tempfile::tempdir().unwrap();
    let text = TRAIN
        .replace("lr = 0.1", "lr = 1e30")
        .replace("epochs = 2", "epochs = 50");
    let cfg = write(tmp.path(), "exp.toml", &text);
    let s = run_ok(&cfg, &tmp.path().join("out"), &[]);
    assert_eq!(s["diverged"], true, "{s}");
    let why = s["divergence"].as_str().unwrap();
    assert!(
        why.contains("exploded") || why.contains("not finite"),
        "{why}"
    );
}

#[test]
fn absurd_thread_counts_are_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = write(tmp.path(), "exp.toml", TRAIN);
    let out = tmp.path().join("out");
    for t in ["0", "100000"] {
        assert_refused(&run(&cfg, &out, &["--threads", t]), &["--threads"]);
        assert!(!out.exists());
    }
}

#[test]
fn an_unknown_key_in_a_tagged_table_is_reported_at_its_own_line() {
    let tmp = tempfile::tempdir().unwrap();
    let text = format!("{}\nbogus_key = 3\n", TRAIN.trim_end());
    let line = text
        .lines()
        .position(|l| l.starts_with("bogus_key"))
        .unwrap()
        + 1;
    let cfg = write(tmp.path(), "exp.toml", &text);
    let o = losscape(&["run", cfg.to_str().unwrap(), "--out", "/nonexistent/x"]);
    assert_refused(&o, &[&format!("line {line}"), "bogus_key"]);
}

#[test]
fn a_full_disk_leaves_no_half_folder() {
    // RLIMIT_FSIZE makes every write past 20 kB fail with EFBIG, as a full disk would
    // (SIGXFSZ ignored, so the write returns the error instead of killing the run).
    use std::os::unix::process::CommandExt;
    let tmp = tempfile::tempdir().unwrap();
    let cfg = write(tmp.path(), "exp.toml", TRAIN);
    let out = tmp.path().join("out");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_losscape"));
    cmd.args(["run", cfg.to_str().unwrap(), "--quiet", "--out"])
        .arg(&out);
    // SAFETY: signal and setrlimit are async-signal-safe; nothing else runs here.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let lim = libc::rlimit {
                rlim_cur: 20_000,
                rlim_max: 20_000,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let o = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "an output failure: {stderr}");
    assert!(stderr.contains("writing"), "{stderr}");
    assert!(
        !out.exists(),
        "a failed run left {:?}",
        snapshot(tmp.path()).keys()
    );
}

#[test]
fn a_syntax_error_quotes_the_config_line_cut_and_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let text = format!("name = \"{}\u{1b}[31m\" 5\n", "x".repeat(200_000));
    let cfg = write(tmp.path(), "exp.toml", &text);
    let o = losscape(&["run", cfg.to_str().unwrap()]);
    let e = assert_refused(&o, &["exp.toml", "line 1"]);
    assert!(e.len() < 2000, "{} bytes", e.len());
    assert!(!e.chars().any(|c| c.is_control() && c != '\n'), "{e:?}");
}
