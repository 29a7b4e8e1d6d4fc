//! The `losscape` command line: run an experiment config (a file, or a bundled config
//! by name), print a template, list kinds and bundled configs, unpack the bundled
//! configs into a folder, or self-test the derivatives. Bad input exits with 2.

use clap::{Parser, Subcommand};
use losscape::config::{ExperimentConfig, LoadedConfig};
use losscape::experiment::{self, RunOptions};
use losscape::{check, templates, Error};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// A failed allocation exits with status 2 and a message instead of aborting.
#[global_allocator]
static ALLOC: losscape::oom::ExitOnOom = losscape::oom::ExitOnOom;

#[derive(Parser)]
#[command(
    name = "losscape",
    version,
    about = "Loss-landscape analysis of multilayer perceptrons"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run an experiment config: a TOML file, the NAME of a bundled config (see `list`;
    /// a file of that name comes first), or `-` to read it from standard input
    /// (relative paths then from the working folder); writes into plots/<name> or --out.
    Run {
        config: PathBuf,
        /// Output folder.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads (results do not depend on it).
        #[arg(long)]
        threads: Option<usize>,
        /// Replace the config's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// No progress bars or status lines on stderr (stdout carries only the summary).
        #[arg(long)]
        quiet: bool,
        /// Start a slice sweep over, discarding an interrupted one in the output folder.
        #[arg(long)]
        fresh: bool,
        /// Check everything and print the plan as JSON; compute and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Refuse runs estimated to need more memory than this: bytes, or with a unit
        /// (K, M, G, T; powers of 1024), e.g. 1500M. Default: 75 % of the memory this
        /// process may use.
        #[arg(long, value_parser = parse_size)]
        max_memory: Option<u64>,
    },
    /// Redraw the figures of a finished run from its summary.json and saved arrays (no
    /// recomputation); the style flags restyle slice figures.
    Plot {
        run_dir: PathBuf,
        /// Log-scale colour map and contour levels (`--log=false`: linear; default: the
        /// run's own).
        #[arg(long, num_args = 0..=1, default_missing_value = "true")]
        log: Option<bool>,
        /// Number of contour levels (default: the run's own).
        #[arg(long)]
        levels: Option<usize>,
        /// Lower end of the colour range.
        #[arg(long, allow_hyphen_values = true)]
        vmin: Option<f64>,
        /// Upper end of the colour range.
        #[arg(long, allow_hyphen_values = true)]
        vmax: Option<f64>,
    },
    /// Rebuild a finished run's interactive page, report.html, from its summary.json,
    /// config and saved arrays (no recomputation).
    Report { run_dir: PathBuf },
    /// Print a commented template config for an experiment kind.
    New { kind: String },
    /// List the experiment kinds and the bundled configs.
    List,
    /// Write the bundled configs with the weights and small data sets they use into a
    /// new folder (DIR/experiments, DIR/data), to edit and run; nothing is overwritten.
    Unpack { dir: PathBuf },
    /// Check gradients and Hessian-vector products against central differences, and
    /// print the SIMD level and matrix kernels this machine runs.
    Check {
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
}

fn main() -> ExitCode {
    // Output piped into `head` and closed early ends the process quietly, as for other
    // Unix tools, instead of a panic in println!.
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    match cli.command {
        Command::Run {
            config,
            out,
            threads,
            seed,
            quiet,
            fresh,
            dry_run,
            max_memory,
        } => {
            let opts = RunOptions {
                out,
                threads,
                seed,
                quiet,
                fresh,
                max_memory,
            };
            let launched = losscape::cluster::launcher::launched();
            // Several ranks of a build without MPI would each run the whole job.
            #[cfg(not(feature = "mpi"))]
            if let Err(e) = losscape::cluster::launcher::refuse_without_mpi(launched) {
                return fail(&e);
            }
            // A bundled config run by name lives in a temporary folder until the end.
            let mut _unpacked = None;
            let read = if config.as_os_str() == "-" {
                LoadedConfig::read_stdin()
            } else if let Some(name) = bundled_name(&config) {
                losscape::bundled::unpack_config(name).map(|u| {
                    let u = u.expect("bundled_name checked the name");
                    _unpacked = Some(u.dir);
                    u.config
                })
            } else {
                LoadedConfig::read(&config)
            };
            let cfg = match read {
                Ok(cfg) => cfg,
                Err(e) => {
                    let code = fail(&e);
                    if let Some(name) = bundled_stem(&config) {
                        eprintln!("note: `{name}` is a bundled config: `losscape run {name}` runs the built-in copy");
                    }
                    return code;
                }
            };
            #[cfg(feature = "mpi")]
            if launched.is_some() {
                return run_as_rank(cfg, &opts, dry_run);
            }
            if dry_run {
                return match experiment::plan::plan(cfg, &opts) {
                    Ok(plan) => print_json(&plan.describe()),
                    Err(e) => fail(&e),
                };
            }
            match experiment::run(cfg, &opts) {
                Ok(outcome) => finished(&outcome, quiet),
                Err(e) => fail(&e),
            }
        }
        Command::Plot {
            run_dir,
            log,
            levels,
            vmin,
            vmax,
        } => {
            let style = losscape::experiment::slice_figures::Restyle {
                log,
                levels,
                vmin,
                vmax,
            };
            match losscape::experiment::plot(&run_dir, &style) {
                Ok(()) => {
                    eprintln!("redrew the figures in {}", run_dir.display());
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e),
            }
        }
        Command::Report { run_dir } => match losscape::report::rebuild(&run_dir) {
            Ok(path) => {
                eprintln!("wrote {}", path.display());
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
        Command::New { kind } => match templates::template(&kind) {
            Some(t) => {
                print!("{t}");
                ExitCode::SUCCESS
            }
            None => {
                eprintln!(
                    "error: no experiment kind `{kind}`; kinds are: {}",
                    ExperimentConfig::KINDS.join(", ")
                );
                ExitCode::from(2)
            }
        },
        Command::List => match list(&mut std::io::stdout().lock()) {
            Ok(()) => ExitCode::SUCCESS,
            // `losscape list | head`: the reader has all it wanted.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: writing the list: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Unpack { dir } => match losscape::bundled::unpack(&dir) {
            Ok(files) => {
                println!(
                    "wrote {} files into {}; run a config with `losscape run {}`",
                    files.len(),
                    dir.display(),
                    dir.join(losscape::bundled::config_path("quickstart"))
                        .display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
        Command::Check { seed } => {
            let level = losscape::simd::Level::detect();
            println!("SIMD level: {}", level.name());
            for (loops, kernels) in level.kernels() {
                println!("  {loops}: {kernels}");
            }
            println!(
                "{:<10} {:<14} {:<14} {:>14} {:>14}",
                "activation", "loss", "layers", "grad rel.err", "hvp rel.err"
            );
            let rows = check::check_all(seed);
            for r in &rows {
                println!(
                    "{:<10} {:<14} {:<14} {:>14.3e} {:>14.3e}",
                    r.activation.name(),
                    r.loss.name(),
                    format!("{:?}", r.widths),
                    r.grad_rel_err,
                    r.hvp_rel_err
                );
            }
            let worst_g = rows.iter().map(|r| r.grad_rel_err).fold(0.0, f64::max);
            let worst_h = rows.iter().map(|r| r.hvp_rel_err).fold(0.0, f64::max);
            println!("largest relative error: gradient {worst_g:.3e}, HVP {worst_h:.3e} (tolerance {:.0e})", check::TOLERANCE);
            if worst_g <= check::TOLERANCE && worst_h <= check::TOLERANCE {
                println!("ok");
                ExitCode::SUCCESS
            } else {
                println!("FAILED");
                ExitCode::FAILURE
            }
        }
    }
}

/// A finished run: where it wrote and its report page (unless `quiet`), and its summary
/// on stdout.
fn finished(outcome: &experiment::RunOutcome, quiet: bool) -> ExitCode {
    match outcome.summary.to_json() {
        Ok(json) => {
            if !quiet {
                let page = outcome.dir.join(losscape::report::REPORT_FILE);
                let page = std::path::absolute(&page).unwrap_or(page);
                eprintln!("wrote {}", outcome.dir.display());
                eprintln!("report: file://{}", page.display());
            }
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

/// `losscape run` as one rank of a job started by an MPI launcher: rank 0 plans, writes
/// and prints; the others take their share of the work and print nothing. A failure
/// ends every rank, with rank 0's message and its exit status.
#[cfg(feature = "mpi")]
fn run_as_rank(cfg: LoadedConfig, opts: &RunOptions, dry_run: bool) -> ExitCode {
    use losscape::cluster::{mpi::Mpi, Job};
    let job = match Mpi::init() {
        Ok(mpi) => Job::new(Box::new(mpi)),
        Err(e) => return fail(&e),
    };
    if dry_run {
        let (plan, root) = (experiment::plan::plan(cfg, opts), job.is_root());
        drop(job);
        return match plan {
            Ok(p) if root => print_json(&p.describe()),
            Ok(_) => ExitCode::SUCCESS,
            Err(e) => fail(&e),
        };
    }
    let code = |e: &Error| if e.is_bad_input() { 2 } else { 1 };
    match experiment::job::run_as_rank(cfg, opts, &job) {
        Ok(outcome) => {
            // MPI is finalised (with every rank) before rank 0 prints the summary.
            drop(job);
            outcome.map_or(ExitCode::SUCCESS, |o| finished(&o, opts.quiet))
        }
        Err(e) if job.is_root() => {
            fail(&e);
            job.abort(code(&e))
        }
        Err(e) => {
            // Rank 0 has this rank's message (or gave the word to stop): it prints it and
            // ends the job, while this rank waits in MPI's finalisation.
            drop(job);
            ExitCode::from(code(&e) as u8)
        }
    }
}

/// `losscape list`: the experiment kinds, then each bundled config's name, kind and
/// description (its first `# ` comment line).
fn list(out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        "experiment kinds: {}",
        ExperimentConfig::KINDS.join(", ")
    )?;
    writeln!(
        out,
        "bundled configs (built in; run one with `losscape run NAME`, copy them with their files with `losscape unpack DIR`):"
    )?;
    for (name, text) in losscape::bundled::configs() {
        let about = text
            .lines()
            .find_map(|l| l.strip_prefix("# "))
            .unwrap_or("");
        let file = losscape::bundled::display_path(
            &losscape::bundled::config_path(name).to_string_lossy(),
        );
        let kind = LoadedConfig::parse(&file, text)
            .map(|c| c.config.experiment.kind())
            .unwrap_or("?");
        writeln!(out, "  {name:<32} {kind:<10} {about}")?;
    }
    Ok(())
}

/// The bundled config `arg` names: a bare name (no folder, no extension) of a bundled
/// config, when no file of that name exists.
fn bundled_name(arg: &Path) -> Option<&str> {
    let name = arg.to_str()?;
    let bare = !name.contains('/') && !name.contains('.');
    (bare && arg.symlink_metadata().is_err() && losscape::bundled::config(name).is_some())
        .then_some(name)
}

/// The bundled config whose name is the stem of `arg`, a path with a folder or an
/// extension that does not exist (`experiments/quickstart.toml` outside the source tree).
fn bundled_stem(arg: &Path) -> Option<&str> {
    let stem = arg.file_stem()?.to_str()?;
    (arg.as_os_str() != stem
        && arg.symlink_metadata().is_err()
        && losscape::bundled::config(stem).is_some())
    .then_some(stem)
}

/// Print `v` as pretty JSON on stdout.
fn print_json(v: &serde_json::Value) -> ExitCode {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
    ExitCode::SUCCESS
}

/// A size in bytes: a whole number, optionally with K, M, G or T (powers of 1024; a
/// trailing B or iB is allowed).
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let t = t
        .strip_suffix("iB")
        .or_else(|| t.strip_suffix('B'))
        .unwrap_or(t);
    let (digits, shift) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let shift = match c.to_ascii_uppercase() {
                'K' => 10,
                'M' => 20,
                'G' => 30,
                'T' => 40,
                _ => return Err(format!("unknown unit {c:?} in {s:?}; use K, M, G or T")),
            };
            (&t[..i], shift)
        }
        _ => (t, 0),
    };
    let n: u64 = digits
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a size such as 2G, 1500M or 1000000"))?;
    n.checked_mul(1u64 << shift)
        .filter(|&b| b > 0)
        .ok_or_else(|| format!("{s:?} is not a size between 1 byte and 16 EiB"))
}

fn fail(e: &Error) -> ExitCode {
    eprintln!("error: {e:#}");
    ExitCode::from(if e.is_bad_input() { 2 } else { 1 })
}
