//! Hostile and careless input: special files (FIFO, `/dev/zero`, a folder), files over a
//! cap, gzip bombs, headers that claim more than the file holds, CSV cells built to
//! flood or hijack the terminal, a 200k-column header, a 2-D array as a direction.
//! Each gets a clean error naming the file (exit status 2 from the binary, no output
//! folder), never a panic, an abort or a hang. Binary runs have a deadline, so a
//! regression fails the test instead of hanging it.

use losscape::data::{csv, idx};
use losscape::error::Error;
use losscape::io::read::{self, CONFIG_LIMIT};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const GOOD: &str = crate::common::TINY_TRAIN;

/// A 3 × 3 slice along the directions dx.npy and dy.npy, after training TINY_TRAIN.
fn slice_config() -> String {
    GOOD.replace(
        "kind = \"train\"\n",
        "kind = \"slice\"\ndirections = \"files\"\ndir_x = \"dx.npy\"\ndir_y = \"dy.npy\"\n\
         x = { range = [-1.0, 1.0], points = 3 }\ny = { range = [-1.0, 1.0], points = 3 }\n",
    )
}

fn with(base: &str, replace: &str, by: &str) -> String {
    assert!(base.contains(replace), "{replace}");
    base.replace(replace, by)
}

/// A named pipe at `path` (reading it would block until a writer came).
pub fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(ok.success(), "mkfifo {}", path.display());
}

/// `losscape run config --out dir/out --quiet`, killed after 60 s; returns stderr after
/// asserting it finished in time, exit status 2, no panic and no output folder.
fn run_refused(dir: &Path, config: &Path) -> String {
    let out = dir.join("out");
    let mut child = Command::new(env!("CARGO_BIN_EXE_losscape"))
        .args([
            "run",
            config.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("losscape still running after 60 s on {}", config.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(2), "expected exit 2; stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out.exists(), "output folder created: {stderr}");
    stderr
}

/// A config `text` in a fresh folder (plus `files`), run with [`run_refused`].
fn refused_config(text: &str, files: &[(&str, &[u8])]) -> String {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let cfg = dir.path().join("exp.toml");
    std::fs::write(&cfg, text).unwrap();
    run_refused(dir.path(), &cfg)
}

fn assert_mentions(text: &str, parts: &[&str]) {
    for p in parts {
        assert!(text.contains(p), "should mention {p:?}: {text}");
    }
}

/// A message that is short and holds no control character but the final newline.
fn assert_clean(msg: &str) {
    let body = msg.trim_end_matches('\n');
    assert!(
        !body.chars().any(|c| c.is_control()),
        "control character in {body:?}"
    );
    assert!(body.len() < 1000, "{} bytes: {}", body.len(), &body[..300]);
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn idx_header(magic: u32, dims: &[u32]) -> Vec<u8> {
    std::iter::once(magic)
        .chain(dims.iter().copied())
        .flat_map(u32::to_be_bytes)
        .collect()
}

fn data_msg(e: Error) -> String {
    match &e {
        Error::Data { .. } | Error::Weights { .. } => e.to_string(),
        _ => panic!("expected a data error, got {e}"),
    }
}

fn csv_config(path: &str) -> String {
    with(
        GOOD,
        "source = \"xor\"",
        &format!("source = \"csv\"\npath = \"{path}\""),
    )
}

// ---- special files -------------------------------------------------------------

#[test]
fn fifo_as_data_weights_and_direction_is_refused_without_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    mkfifo(&d.join("d.csv"));
    std::fs::write(d.join("exp.toml"), csv_config("d.csv")).unwrap();
    let e = run_refused(d, &d.join("exp.toml"));
    assert_mentions(&e, &["d.csv", "named pipe (FIFO), not a regular file"]);

    mkfifo(&d.join("w.safetensors"));
    let cfg = with(
        GOOD,
        "loss = \"bce\"",
        "loss = \"bce\"\nweights = \"w.safetensors\"",
    );
    std::fs::write(d.join("w.toml"), cfg).unwrap();
    let e = run_refused(d, &d.join("w.toml"));
    assert_mentions(&e, &["w.safetensors", "named pipe (FIFO)"]);

    mkfifo(&d.join("dx.npy"));
    mkfifo(&d.join("dy.npy"));
    std::fs::write(d.join("s.toml"), slice_config()).unwrap();
    let e = run_refused(d, &d.join("s.toml"));
    assert_mentions(&e, &["dx.npy", "named pipe (FIFO)"]);
}

#[test]
fn fifo_dev_zero_and_folder_as_config_are_refused_by_the_config_reader() {
    // What `LoadedConfig::read` is to call: the binary-level twin is
    // `special_files_as_config_exit_2` below.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("exp.toml");
    mkfifo(&fifo);
    for (path, what) in [
        (fifo.as_path(), "named pipe (FIFO)"),
        (Path::new("/dev/zero"), "a device"),
        (dir.path(), "a folder"),
    ] {
        let e = read::read_input_text(path, CONFIG_LIMIT).unwrap_err();
        assert!(matches!(e, Error::Io { .. }), "{e}");
        assert_mentions(&e.to_string(), &[&path.display().to_string(), what]);
    }
}

#[test]
fn special_files_as_config_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("exp.toml");
    mkfifo(&fifo);
    assert_mentions(&run_refused(dir.path(), &fifo), &["named pipe (FIFO)"]);
    assert_mentions(
        &run_refused(dir.path(), Path::new("/dev/zero")),
        &["/dev/zero"],
    );
    let big = dir.path().join("big.toml");
    std::fs::write(&big, format!("{GOOD}{}", "#\n".repeat(600_000))).unwrap();
    assert_mentions(&run_refused(dir.path(), &big), &["big.toml", "1 MiB"]);
}

#[test]
fn dev_zero_and_folder_as_data_weights_and_direction() {
    let e = refused_config(&csv_config("/dev/zero"), &[]);
    assert_mentions(&e, &["/dev/zero", "a device, not a regular file"]);
    let e = refused_config(&csv_config("."), &[]);
    assert_mentions(&e, &["a folder, not a regular file"]);
    let e = refused_config(
        &with(
            GOOD,
            "loss = \"bce\"",
            "loss = \"bce\"\nweights = \"/dev/zero\"",
        ),
        &[],
    );
    assert_mentions(&e, &["/dev/zero", "a device"]);
    let e = refused_config(
        &with(
            &slice_config(),
            "dir_x = \"dx.npy\"",
            "dir_x = \"/dev/zero\"",
        ),
        &[],
    );
    assert_mentions(&e, &["/dev/zero", "a device"]);
    for path in ["/dev/zero", "/dev/null", "/tmp"] {
        let p = Path::new(path);
        assert!(matches!(
            losscape::io::npy::read(p).unwrap_err(),
            Error::Io { .. }
        ));
        let layout = losscape::nn::Layout::new(&[2, 3, 1]);
        assert!(matches!(
            losscape::nn::weights::load::<f64>(p, &layout).unwrap_err(),
            Error::Io { .. }
        ));
        assert!(matches!(
            losscape::nn::weights::widths(p).unwrap_err(),
            Error::Io { .. }
        ));
        assert!(matches!(idx::read_images(p).unwrap_err(), Error::Io { .. }));
    }
}

// ---- caps ------------------------------------------------------------------------

#[test]
fn config_over_the_cap_is_refused_with_size_and_limit() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.toml");
    std::fs::write(&p, vec![b'#'; CONFIG_LIMIT as usize + 1]).unwrap();
    let m = data_msg(read::read_input_text(&p, CONFIG_LIMIT).unwrap_err());
    assert_mentions(&m, &["big.toml", "1048577 bytes", "1 MiB"]);
}

#[test]
fn idx_gzip_bomb_stops_at_the_declared_size() {
    // 2 images of 2×2 declared, then 64 MiB of zeros: refused after 8 + 1 body bytes.
    let mut body = idx_header(idx::IMAGES_MAGIC, &[2, 2, 2]);
    body.resize(body.len() + (64 << 20), 0);
    let bomb = gz(&body);
    assert!(bomb.len() < 1 << 20, "{} bytes on disk", bomb.len());
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bomb-images-idx3-ubyte.gz");
    std::fs::write(&p, &bomb).unwrap();
    let m = data_msg(idx::read_images(&p).unwrap_err());
    assert_mentions(
        &m,
        &[
            "bomb-images-idx3-ubyte.gz",
            "expected 8 bytes of pixel data, found more (extra bytes at the end)",
        ],
    );
}

#[test]
fn idx_header_claiming_more_than_the_file_holds() {
    let dir = tempfile::tempdir().unwrap();
    // raw: refused from the file's size, before any body is read
    let p = dir.path().join("huge-images-idx3-ubyte");
    let mut bytes = idx_header(idx::IMAGES_MAGIC, &[60_000, 4000, 4000]);
    bytes.extend([1, 2, 3]);
    std::fs::write(&p, &bytes).unwrap();
    let m = data_msg(idx::read_images(&p).unwrap_err());
    assert_mentions(&m, &["huge-images", "more than the 1 GiB"]);
    let mut bytes = idx_header(idx::IMAGES_MAGIC, &[1000, 28, 28]);
    bytes.extend([1, 2, 3]);
    std::fs::write(&p, &bytes).unwrap();
    let m = data_msg(idx::read_images(&p).unwrap_err());
    assert_mentions(
        &m,
        &["truncated: expected 784000 bytes of pixel data, found 3"],
    );
    // gz: the stream ends early
    let q = dir.path().join("huge-labels-idx1-ubyte.gz");
    let mut labels = idx_header(idx::LABELS_MAGIC, &[1_000_000_000]);
    labels.extend([1, 2, 3, 4]);
    std::fs::write(&q, gz(&labels)).unwrap();
    let m = data_msg(idx::read_labels(&q).unwrap_err());
    assert_mentions(
        &m,
        &["truncated: expected 1000000000 bytes of label data, found 4"],
    );
}

#[test]
fn npy_header_claiming_more_than_the_file_holds() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("d.npy");
    let dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (9999999999999,), }";
    let mut header = dict.to_string();
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header.as_bytes());
    bytes.extend([0u8; 32]);
    std::fs::write(&p, &bytes[..bytes.len() - 16]).unwrap();
    let m = data_msg(losscape::io::npy::read(&p).unwrap_err());
    assert_mentions(
        &m,
        &[
            "d.npy",
            "truncated .npy file",
            "needs 79999999999992 data bytes",
        ],
    );
    // A header length past the file's end.
    let mut bytes = b"\x93NUMPY\x02\x00".to_vec();
    bytes.extend(0x00ff_ffffu32.to_le_bytes());
    bytes.extend(b"{'descr': '<f8'");
    std::fs::write(&p, &bytes).unwrap();
    let m = data_msg(losscape::io::npy::read(&p).unwrap_err());
    assert_mentions(&m, &["d.npy", "more than the 1048576 losscape reads"]);
}

#[test]
fn safetensors_header_claiming_more_than_the_file_holds() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.safetensors");
    let layout = losscape::nn::Layout::new(&[2, 3, 1]);
    let header = r#"{"0.weight":{"dtype":"F64","shape":[3,2],"data_offsets":[0,48]},"0.bias":{"dtype":"F64","shape":[3],"data_offsets":[48,72]},"2.weight":{"dtype":"F64","shape":[100000,100000],"data_offsets":[72,80000000072]}}"#;
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend(header.as_bytes());
    bytes.extend([0u8; 100]);
    std::fs::write(&p, &bytes).unwrap();
    let m = data_msg(losscape::nn::weights::load::<f64>(&p, &layout).unwrap_err());
    assert_mentions(
        &m,
        &[
            "w.safetensors",
            "truncated safetensors file: its tensors need 80000000072 data bytes but the file holds 100",
        ],
    );
    // A header length of 99 MB in a 20-byte file.
    let mut bytes = 99_000_000u64.to_le_bytes().to_vec();
    bytes.extend(b"{\"a\": 1}    ");
    std::fs::write(&p, &bytes).unwrap();
    let m = data_msg(losscape::nn::weights::widths(&p).unwrap_err());
    assert_mentions(&m, &["w.safetensors", "truncated safetensors file"]);
    // Data past what the header declares is refused from the size.
    let good = losscape::nn::weights::to_bytes::<f64>(&layout, &[0.5; 13]).unwrap();
    let mut long = good.clone();
    long.extend([0u8; 4096]);
    std::fs::write(&p, &long).unwrap();
    let m = data_msg(losscape::nn::weights::load::<f64>(&p, &layout).unwrap_err());
    assert_mentions(&m, &["damaged safetensors file", "the file holds 4200"]);
    std::fs::write(&p, &good).unwrap();
    assert_eq!(
        losscape::nn::weights::load::<f64>(&p, &layout).unwrap(),
        vec![0.5; 13]
    );
}

// ---- messages --------------------------------------------------------------------

#[test]
fn long_and_escape_laden_csv_cells_give_short_clean_messages() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("d.csv");
    let long = "9".repeat(100_000) + "x" + &"9".repeat(100_000);
    std::fs::write(&p, format!("a,label\n1,0\n{long},1\n")).unwrap();
    let m = data_msg(csv::read_csv(&p, &["label"], None, false).unwrap_err());
    assert_clean(&m);
    assert_mentions(&m, &["d.csv, line 3", "column `a`", "…"]);

    std::fs::write(
        &p,
        "a\u{1b}[2J,label\n1,0\n\u{1b}]0;pwned\u{7}\u{1b}[31m\0,1\n",
    )
    .unwrap();
    let m = data_msg(csv::read_csv(&p, &["label"], None, false).unwrap_err());
    assert_clean(&m);
    assert_mentions(&m, &["column `a\\x1b[2J`", "\\x1b]0;pwned\\x07"]);

    // A header of long names: the "missing target" listing stays short too.
    let header: Vec<String> = (0..50)
        .map(|i| format!("{i}{}", "n".repeat(5000)))
        .collect();
    std::fs::write(&p, format!("{}\n1\n", header.join(","))).unwrap();
    let m = data_msg(csv::read_csv(&p, &["label"], None, false).unwrap_err());
    assert!(m.len() < 3000, "{} bytes", m.len());

    // The same through the binary: stderr is short and clean.
    let e = refused_config(
        &csv_config("d.csv"),
        &[(
            "d.csv",
            format!("a,b,label\n0,0,0\n\u{1b}[31m{long}\0,1,1\n").as_bytes(),
        )],
    );
    assert_clean(&e);
    assert_mentions(&e, &["d.csv", "line 3"]);
}

#[test]
fn corrupt_gzip_csv_gives_a_clean_message() {
    let mut bytes = gz(&"a,b,label\n0,0,0\n".repeat(200).into_bytes());
    let mid = bytes.len() / 2;
    bytes[mid..mid + 8].copy_from_slice(b"\0\x1b[2J\0\0\0");
    let e = refused_config(&csv_config("d.csv.gz"), &[("d.csv.gz", &bytes)]);
    assert_clean(&e);
    assert_mentions(&e, &["d.csv.gz"]);
}

// ---- scale and shape -------------------------------------------------------------

#[test]
fn csv_with_200k_columns_parses() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("wide.csv");
    let n = 200_000;
    let mut text: String = (0..n).map(|i| format!("c{i},")).collect();
    text.push_str("label\n");
    for row in 0..2 {
        text.extend((0..n).map(|i| format!("{},", (i + row) % 3)));
        text.push_str(&format!("{row}\n"));
    }
    std::fs::write(&p, text).unwrap();
    let d = csv::read_csv(&p, &["label"], None, false).unwrap();
    assert_eq!(d.x.dim(), (2, n));
    assert_eq!(
        (d.x[[0, n - 1]], d.x[[1, n - 1]]),
        (((n - 1) % 3) as f64, (n % 3) as f64)
    );
    // Duplicate names among them are still found.
    let mut dup: String = (0..n).map(|i| format!("c{i},")).collect();
    dup.push_str("c7,label\n");
    std::fs::write(&p, dup).unwrap();
    let m = data_msg(csv::read_csv(&p, &["label"], None, false).unwrap_err());
    assert_mentions(&m, &["column name `c7` appears twice"]);
}

#[test]
fn two_d_npy_direction_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p: PathBuf = dir.path().join("d.npy");
    losscape::io::npy::write::<f64>(&p, &[0.5; 33], &[3, 11]).unwrap();
    let e = losscape::landscape::directions::load_npy_direction(&p, 33).unwrap_err();
    let m = data_msg(e);
    assert_mentions(&m, &["d.npy", "shape (3, 11)", "one flat vector"]);
    for shape in [[33, 1], [1, 33]] {
        losscape::io::npy::write::<f64>(&p, &[0.5; 33], &shape).unwrap();
        assert_eq!(
            losscape::landscape::directions::load_npy_direction(&p, 33).unwrap(),
            vec![0.5; 33]
        );
    }
}
