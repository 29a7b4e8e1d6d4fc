//! Tests of the resumable grid store: round trips, torn and corrupt tails, fingerprints.

use super::*;

const FP: &str = "cfg-3f2a9c";

/// Deterministic values of point `i`, with awkward bit patterns mixed in.
fn point(i: usize, k: usize) -> Vec<f64> {
    (0..k)
        .map(|j| match (i + j) % 5 {
            0 => f64::from_bits(0x7ff8_0000_dead_beef), // NaN with a payload
            1 => -0.0,
            2 => f64::from_bits(0x7ff0_0000_0000_0001), // signalling NaN
            3 => f64::NEG_INFINITY,
            _ => (i as f64).sin() * 1e-300 + j as f64,
        })
        .collect()
}

fn bits(v: &[Option<Vec<f64>>]) -> Vec<Option<Vec<u64>>> {
    v.iter()
        .map(|p| p.as_ref().map(|p| p.iter().map(|x| x.to_bits()).collect()))
        .collect()
}

fn expected(n: usize, k: usize, done: impl Fn(usize) -> bool) -> Vec<Option<Vec<u64>>> {
    (0..n)
        .map(|i| done(i).then(|| point(i, k).iter().map(|x| x.to_bits()).collect()))
        .collect()
}

fn header_len() -> u64 {
    encode_header(FP, 0, 0).len() as u64
}

/// A store with points `0..m` of `n` written and flushed.
fn write_prefix(path: &Path, n: usize, k: usize, m: usize) {
    let (mut s, got) = GridStore::open(path, FP, n, k, false).unwrap();
    assert!(got.iter().all(Option::is_none));
    for i in 0..m {
        s.append(i, &point(i, k)).unwrap();
    }
    s.flush().unwrap();
}

#[test]
fn round_trip_keeps_bits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sweep.log");
    let (n, k) = (200, 4);
    let (mut s, got) = GridStore::open(&path, FP, n, k, false).unwrap();
    assert_eq!(got.len(), n);
    assert!(got.iter().all(Option::is_none));
    // Out of order, with a gap at 7 and a duplicate of 3.
    for i in (0..n).rev().filter(|&i| i != 7) {
        s.append(i, &point(i, k)).unwrap();
    }
    s.append(3, &point(3, k)).unwrap();
    s.flush().unwrap();
    drop(s);
    let (s, got) = GridStore::open(&path, FP, n, k, false).unwrap();
    assert_eq!(s.dropped_bytes(), 0);
    assert_eq!(bits(&got), expected(n, k, |i| i != 7));
    let nan = got[0].as_ref().unwrap()[0];
    assert_eq!(nan.to_bits(), 0x7ff8_0000_dead_beef);
    let neg_zero = got[0].as_ref().unwrap()[1];
    assert_eq!(neg_zero.to_bits(), (-0.0f64).to_bits());
}

#[test]
fn buffered_records_reach_disk_on_flush_and_drop() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sweep.log");
    let (n, k) = (10, 2);
    let (mut s, _) = GridStore::open(&path, FP, n, k, false).unwrap();
    s.append(0, &point(0, k)).unwrap();
    // Fewer than 64 records and well under 1 s: still buffered.
    assert_eq!(std::fs::metadata(&path).unwrap().len(), header_len());
    s.flush().unwrap();
    let rec = record_size(k) as u64;
    assert_eq!(std::fs::metadata(&path).unwrap().len(), header_len() + rec);
    s.append(1, &point(1, k)).unwrap();
    drop(s);
    assert_eq!(
        std::fs::metadata(&path).unwrap().len(),
        header_len() + 2 * rec
    );
    let (_, got) = GridStore::open(&path, FP, n, k, false).unwrap();
    assert_eq!(bits(&got), expected(n, k, |i| i < 2));
}

#[test]
fn flushes_every_64_records() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sweep.log");
    let k = 1;
    let (mut s, _) = GridStore::open(&path, FP, 1000, k, false).unwrap();
    for i in 0..64 {
        s.append(i, &point(i, k)).unwrap();
    }
    let rec = record_size(k) as u64;
    assert_eq!(
        std::fs::metadata(&path).unwrap().len(),
        header_len() + 64 * rec
    );
    std::mem::forget(s); // a "crash": the file must already hold the 64
    let (_, got) = GridStore::open(&path, FP, 1000, k, false).unwrap();
    assert_eq!(bits(&got), expected(1000, k, |i| i < 64));
}

#[test]
fn flushes_after_one_second() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sweep.log");
    let k = 2;
    let (mut s, _) = GridStore::open(&path, FP, 10, k, false).unwrap();
    s.append(0, &point(0, k)).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().len(), header_len());
    std::thread::sleep(FLUSH_INTERVAL + Duration::from_millis(20));
    s.append(1, &point(1, k)).unwrap();
    let rec = record_size(k) as u64;
    assert_eq!(
        std::fs::metadata(&path).unwrap().len(),
        header_len() + 2 * rec
    );
    std::mem::forget(s);
}

#[test]
fn torn_tail_at_every_offset_is_cut_and_resumes_bit_identically() {
    let dir = tempfile::tempdir().unwrap();
    let full_path = dir.path().join("full.log");
    let (n, k, m) = (12, 3, 5);
    write_prefix(&full_path, n, k, m);
    let full = std::fs::read(&full_path).unwrap();
    let rec = record_size(k);
    let last = full.len() - rec;
    let uninterrupted = expected(n, k, |_| true);
    for cut in last..full.len() {
        let path = dir.path().join(format!("cut{cut}.log"));
        std::fs::write(&path, &full[..cut]).unwrap();
        let (mut s, got) = GridStore::open(&path, FP, n, k, false).unwrap();
        assert_eq!(bits(&got), expected(n, k, |i| i < m - 1), "cut at {cut}");
        assert_eq!(s.dropped_bytes(), (cut - last) as u64);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), last as u64);
        // Resume: compute only what is missing.
        for i in (0..n).filter(|&i| got[i].is_none()) {
            s.append(i, &point(i, k)).unwrap();
        }
        drop(s);
        let (_, got) = GridStore::open(&path, FP, n, k, false).unwrap();
        assert_eq!(bits(&got), uninterrupted, "cut at {cut}");
    }
}

#[test]
fn corrupt_record_drops_it_and_everything_after() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sweep.log");
    let (n, k, m) = (10, 2, 8);
    write_prefix(&path, n, k, m);
    let mut bytes = std::fs::read(&path).unwrap();
    let rec = record_size(k);
    let h = header_len() as usize;
    // Flip one bit in a value of record 3.
    bytes[h + 3 * rec + 12] ^= 0x10;
    std::fs::write(&path, &bytes).unwrap();
    let (mut s, got) = GridStore::open(&path, FP, n, k, false).unwrap();
    assert_eq!(bits(&got), expected(n, k, |i| i < 3));
    assert_eq!(s.dropped_bytes(), ((m - 3) * rec) as u64);
    for i in 3..n {
        s.append(i, &point(i, k)).unwrap();
    }
    drop(s);
    let (_, got) = GridStore::open(&path, FP, n, k, false).unwrap();
    assert_eq!(bits(&got), expected(n, k, |_| true));
}

#[test]
fn record_index_out_of_range_is_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sweep.log");
    let (n, k) = (10, 2);
    write_prefix(&path, n, k, 2);
    // Append a record with a valid checksum but index n.
    let mut rec = (n as u64).to_le_bytes().to_vec();
    for v in point(0, k) {
        rec.extend_from_slice(&v.to_bits().to_le_bytes());
    }
    let sum = fnv1a64(&rec);
    rec.extend_from_slice(&sum.to_le_bytes());
    let mut f = OpenOptions::new().append(true).open(&path).unwrap();
    f.write_all(&rec).unwrap();
    let good = point(5, k);
    let mut rec5 = 5u64.to_le_bytes().to_vec();
    good.iter()
        .for_each(|v| rec5.extend_from_slice(&v.to_bits().to_le_bytes()));
    let sum = fnv1a64(&rec5);
    rec5.extend_from_slice(&sum.to_le_bytes());
    f.write_all(&rec5).unwrap();
    drop(f);
    let (s, got) = GridStore::open(&path, FP, n, k, false).unwrap();
    assert_eq!(bits(&got), expected(n, k, |i| i < 2));
    assert_eq!(s.dropped_bytes(), 2 * record_size(k) as u64);
}

#[test]
fn zero_records_are_not_valid() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sweep.log");
    let (n, k) = (10, 2);
    write_prefix(&path, n, k, 1);
    let mut f = OpenOptions::new().append(true).open(&path).unwrap();
    f.write_all(&vec![0u8; 3 * record_size(k)]).unwrap();
    drop(f);
    let (_, got) = GridStore::open(&path, FP, n, k, false).unwrap();
    assert_eq!(bits(&got), expected(n, k, |i| i < 1));
}

#[test]
fn different_config_is_refused_unless_fresh() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sweep.log");
    write_prefix(&path, 10, 2, 4);
    let before = std::fs::read(&path).unwrap();
    for (fp, n, k) in [("other-cfg", 10, 2), (FP, 11, 2), (FP, 10, 3)] {
        let err = GridStore::open(&path, fp, n, k, false).unwrap_err();
        assert!(err.is_bad_input());
        let msg = err.to_string();
        assert!(msg.contains("--fresh"), "{msg}");
        assert!(msg.contains("different config"), "{msg}");
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        // The refused open left the file alone.
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }
    let (mut s, got) = GridStore::open(&path, "other-cfg", 10, 3, true).unwrap();
    assert!(got.iter().all(Option::is_none));
    s.append(9, &point(9, 3)).unwrap();
    drop(s);
    let (_, got) = GridStore::open(&path, "other-cfg", 10, 3, false).unwrap();
    assert_eq!(bits(&got), expected(10, 3, |i| i == 9));
    assert!(!dir.path().join("sweep.log.tmp").exists());
}

#[test]
fn fresh_with_same_config_starts_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sweep.log");
    write_prefix(&path, 10, 2, 4);
    let (_, got) = GridStore::open(&path, FP, 10, 2, true).unwrap();
    assert!(got.iter().all(Option::is_none));
    assert_eq!(std::fs::metadata(&path).unwrap().len(), header_len());
}

#[test]
fn corrupt_or_foreign_header_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sweep.log");
    write_prefix(&path, 10, 2, 1);
    let good = std::fs::read(&path).unwrap();
    let h = header_len() as usize;
    let mut cases: Vec<Vec<u8>> = vec![b"hello world, not a log".to_vec()];
    for cut in 1..h {
        cases.push(good[..cut].to_vec());
    }
    for i in 0..h {
        let mut b = good.clone();
        b[i] ^= 0x01;
        cases.push(b);
    }
    for bytes in cases {
        std::fs::write(&path, &bytes).unwrap();
        let err = GridStore::open(&path, FP, 10, 2, false).unwrap_err();
        assert!(matches!(err, Error::Data { .. }), "{err}");
        let msg = err.to_string();
        assert!(
            msg.contains("--fresh") && msg.contains("sweep.log"),
            "{msg}"
        );
        let (_, got) = GridStore::open(&path, FP, 10, 2, true).unwrap();
        assert!(got.iter().all(Option::is_none));
    }
}

#[test]
fn empty_file_counts_as_absent_and_parent_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sweep.log");
    std::fs::write(&path, b"").unwrap();
    let (_, got) = GridStore::open(&path, FP, 3, 1, false).unwrap();
    assert!(got.iter().all(Option::is_none));
    let nested = dir.path().join("a/b/sweep.log");
    GridStore::open(&nested, FP, 3, 1, false).unwrap();
    assert!(nested.exists());
}

#[test]
fn bad_append_is_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sweep.log");
    let (mut s, _) = GridStore::open(&path, FP, 3, 2, false).unwrap();
    assert!(matches!(s.append(3, &[0.0, 0.0]), Err(Error::Invalid(_))));
    assert!(matches!(s.append(0, &[0.0]), Err(Error::Invalid(_))));
}

const CHILD_ENV: &str = "LOSSCAPE_STORE_KILL_CHILD";
const KILL_N: usize = 1_000_000;
const KILL_K: usize = 3;

/// Does nothing in a normal test run. Spawned by `sigkill_mid_sweep_loses_only_the_tail`
/// with `CHILD_ENV` set, it sweeps into that file until it is killed.
#[test]
fn sigkill_child() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let (mut s, got) = GridStore::open(Path::new(&path), FP, KILL_N, KILL_K, false).unwrap();
    for i in (0..KILL_N).filter(|&i| got[i].is_none()) {
        s.append(i, &point(i, KILL_K)).unwrap();
        std::thread::sleep(Duration::from_micros(20));
    }
}

#[test]
fn sigkill_mid_sweep_loses_only_the_tail() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sweep.log");
    let exe = std::env::current_exe().unwrap();
    let mut done = 0;
    for round in 0..3 {
        let mut child = std::process::Command::new(&exe)
            .args([
                "landscape::store::tests::sigkill_child",
                "--exact",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Wait until the child has flushed at least once past where it started, then
        // give it 50 ms more and kill it (SIGKILL on Unix).
        let start_len = header_len() + (done * record_size(KILL_K)) as u64;
        let t0 = Instant::now();
        while std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) <= start_len {
            assert!(t0.elapsed() < Duration::from_secs(30), "child never wrote");
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_millis(50));
        child.kill().unwrap();
        child.wait().unwrap();

        let (s, got) = GridStore::open(&path, FP, KILL_N, KILL_K, false).unwrap();
        let m = got.iter().take_while(|p| p.is_some()).count();
        assert!(m > done, "round {round}: {m} points after {done}");
        assert!(got[m..].iter().all(Option::is_none), "not a prefix");
        assert_eq!(bits(&got[..m]), expected(m, KILL_K, |_| true));
        let len = std::fs::metadata(&path).unwrap().len();
        assert_eq!(len, header_len() + (m * record_size(KILL_K)) as u64);
        drop(s);
        done = m;
    }
}
