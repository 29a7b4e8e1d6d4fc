//! The `losscape` command line: run an experiment config, print a template, list
//! kinds and bundled configs, or self-test the derivatives. Bad input exits with 2.

use clap::{Parser, Subcommand};
use losscape::config::{ExperimentConfig, LoadedConfig};
use losscape::experiment::{self, RunOptions};
use losscape::{check, templates, Error};
use std::path::PathBuf;
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
    /// Run an experiment config (TOML; `-` reads it from standard input, relative paths
    /// then from the working folder); writes into plots/<name> or --out.
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
    /// Print a commented template config for an experiment kind.
    New { kind: String },
    /// List the experiment kinds and the bundled configs.
    List,
    /// Check gradients and Hessian-vector products against central differences.
    Check {
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
}

fn main() -> ExitCode {
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
            let read = if config.as_os_str() == "-" {
                LoadedConfig::read_stdin()
            } else {
                LoadedConfig::read(&config)
            };
            let cfg = match read {
                Ok(cfg) => cfg,
                Err(e) => return fail(&e),
            };
            if dry_run {
                return match experiment::plan::plan(cfg, &opts) {
                    Ok(plan) => print_json(&plan.describe()),
                    Err(e) => fail(&e),
                };
            }
            match experiment::run(cfg, &opts).and_then(|o| Ok((o.summary.to_json()?, o.dir))) {
                Ok((json, dir)) => {
                    if !quiet {
                        eprintln!("wrote {}", dir.display());
                    }
                    println!("{json}");
                    ExitCode::SUCCESS
                }
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
        Command::List => {
            println!("experiment kinds: {}", ExperimentConfig::KINDS.join(", "));
            println!("bundled configs (experiments/):");
            let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("experiments");
            let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
                .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
                .unwrap_or_default();
            files.retain(|p| p.extension().is_some_and(|e| e == "toml"));
            files.sort();
            for f in files {
                let text =
                    losscape::io::read::read_input_text(&f, losscape::io::read::CONFIG_LIMIT)
                        .unwrap_or_default();
                let about = text
                    .lines()
                    .find_map(|l| l.strip_prefix("# "))
                    .unwrap_or("")
                    .to_string();
                let kind = LoadedConfig::parse(&f, &text)
                    .map(|c| c.config.experiment.kind().to_string())
                    .unwrap_or_else(|_| "?".into());
                println!(
                    "  {:<32} {:<10} {about}",
                    f.file_name().unwrap().to_string_lossy(),
                    kind
                );
            }
            ExitCode::SUCCESS
        }
        Command::Check { seed } => {
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
