//! Facts about the machine a run is on, read once when a plan needs them.
//!
//! CPU: [`RunMachine::this`] is the CPU model (`/proc/cpuinfo`) and the SIMD level the
//! run's kernels used, recorded in `summary.json`: results are bit-for-bit the same on
//! the same kind of CPU for any thread count, and may differ in their last bits on a CPU
//! of another SIMD level.
//!
//! Memory: [`memory_limit`] is the most a run may use, the smallest of physical memory
//! (`MemTotal` in `/proc/meminfo`), the cgroup limit of this process (v2 `memory.max`,
//! "max" meaning none; v1 `memory.limit_in_bytes`, where the kernel's "unlimited" is a
//! number near 2^63) and the soft `RLIMIT_AS` address-space limit (`ulimit -v`,
//! `prlimit --as`). [`default_memory_budget`] is 75 % of that: the rest is left for the
//! allocator's slack, thread stacks and the code itself, which the plan's estimate does
//! not count.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The CPU a run used and the SIMD level of its kernels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunMachine {
    /// The model name, family and model number (`/proc/cpuinfo`), or the architecture.
    pub cpu: String,
    /// The kernels' level: `AVX-512 (x86-64-v4)`, `AVX2+FMA (x86-64-v3)`, ...
    pub simd: String,
}

impl RunMachine {
    /// This machine.
    pub fn this() -> RunMachine {
        RunMachine {
            cpu: cpu_model(),
            simd: crate::simd::Level::detect().name().to_string(),
        }
    }
}

/// "Intel(R) Xeon(R) Processor (family 6, model 167)" from `/proc/cpuinfo`, or the
/// architecture where it cannot be read.
pub fn cpu_model() -> String {
    let text = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    cpu_model_of(&text).unwrap_or_else(|| std::env::consts::ARCH.to_string())
}

fn cpu_model_of(cpuinfo: &str) -> Option<String> {
    let field = |name: &str| {
        cpuinfo.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == name).then(|| v.trim().to_string())
        })
    };
    let name = field("model name")?;
    Some(match (field("cpu family"), field("model")) {
        (Some(f), Some(m)) => format!("{name} (family {f}, model {m})"),
        _ => name,
    })
}

/// Budget used when nothing about the machine's memory can be read (4 GiB).
pub const FALLBACK_MEMORY_BUDGET: u64 = 4 << 30;

/// Share of [`memory_limit`] a run may plan to use, in percent.
pub const BUDGET_PERCENT: u64 = 75;

/// A limit at or above this many bytes (1 EiB) means "no limit": cgroup v1 writes
/// `PAGE_COUNTER_MAX` pages (about 2^63 bytes) for an unlimited group.
const NO_LIMIT: u64 = 1 << 60;

/// The most memory this process can use, in bytes: the smallest of physical memory,
/// its cgroup limit and its soft address-space limit; None when none of them is known.
pub fn memory_limit() -> Option<u64> {
    [physical_memory(), cgroup_limit(), address_space_limit()]
        .into_iter()
        .flatten()
        .min()
}

/// 75 % of [`memory_limit`], or [`FALLBACK_MEMORY_BUDGET`] when it is unknown.
pub fn default_memory_budget() -> u64 {
    memory_limit().map_or(FALLBACK_MEMORY_BUDGET, |m| {
        (m as u128 * BUDGET_PERCENT as u128 / 100) as u64
    })
}

/// `MemTotal` of `/proc/meminfo`, in bytes.
pub fn physical_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    parse_meminfo_total(&text)
}

/// The `MemTotal:  N kB` line of a meminfo text, in bytes.
fn parse_meminfo_total(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let mut words = line["MemTotal:".len()..].split_whitespace();
    let value: u64 = words.next()?.parse().ok()?;
    let unit = match words.next() {
        Some("kB") => 1024,
        None => 1,
        Some(_) => return None,
    };
    Some(value.saturating_mul(unit))
}

/// The smallest memory limit of this process's cgroup (v2 or v1), in bytes.
pub fn cgroup_limit() -> Option<u64> {
    let own = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    cgroup_limit_files(Path::new("/sys/fs/cgroup"), &own)
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .filter_map(|text| parse_cgroup_limit(&text))
        .min()
}

/// The limit files to read under `root` for a `/proc/self/cgroup` text: the
/// namespace root's and this process's own group's, for v2 and for v1.
fn cgroup_limit_files(root: &Path, proc_self_cgroup: &str) -> Vec<PathBuf> {
    let mut files = vec![
        root.join("memory.max"),
        root.join("memory/memory.limit_in_bytes"),
    ];
    for line in proc_self_cgroup.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_id), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let rel = path.trim_start_matches('/');
        if rel.is_empty() {
            continue;
        }
        if controllers.is_empty() {
            files.push(root.join(rel).join("memory.max"));
        } else if controllers.split(',').any(|c| c == "memory") {
            files.push(root.join("memory").join(rel).join("memory.limit_in_bytes"));
        }
    }
    files
}

/// A cgroup limit file's value in bytes: None for "max" or an "unlimited" huge number.
fn parse_cgroup_limit(text: &str) -> Option<u64> {
    let bytes: u64 = text.trim().parse().ok()?;
    (bytes < NO_LIMIT).then_some(bytes)
}

/// The soft `RLIMIT_AS` of this process in bytes; None when unlimited.
pub fn address_space_limit() -> Option<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one `rlimit` through a valid pointer and reads nothing else.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut lim) };
    if rc != 0 || lim.rlim_cur == libc::RLIM_INFINITY {
        return None;
    }
    let bytes: u64 = lim.rlim_cur;
    (bytes < NO_LIMIT).then_some(bytes)
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_cpu_model_names_its_family_and_model() {
        let info = "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 167\n\
                    model name\t: Intel(R) Xeon(R) Processor\nstepping\t: 1\n";
        assert_eq!(
            cpu_model_of(info).unwrap(),
            "Intel(R) Xeon(R) Processor (family 6, model 167)"
        );
        assert_eq!(cpu_model_of("processor: 0\n"), None);
    }

    use super::*;

    #[test]
    fn meminfo_total_in_bytes() {
        let text = "MemTotal:       24684092 kB\nMemFree:  1 kB\n";
        assert_eq!(parse_meminfo_total(text), Some(24684092 * 1024));
        assert_eq!(parse_meminfo_total("MemFree: 1 kB\n"), None);
        assert_eq!(parse_meminfo_total("MemTotal: x kB\n"), None);
    }

    #[test]
    fn cgroup_values_and_files() {
        assert_eq!(parse_cgroup_limit("max\n"), None);
        assert_eq!(parse_cgroup_limit("9223372036854771712\n"), None);
        assert_eq!(parse_cgroup_limit("1610612736\n"), Some(1610612736));
        let root = Path::new("/sys/fs/cgroup");
        let v1 = cgroup_limit_files(root, "4:memory:/jobs/a1\n0::/\n");
        assert!(v1.contains(&root.join("memory/jobs/a1/memory.limit_in_bytes")));
        let v2 = cgroup_limit_files(root, "0::/user.slice/run-1.scope\n");
        assert!(v2.contains(&root.join("user.slice/run-1.scope/memory.max")));
        assert!(v2.contains(&root.join("memory.max")));
    }

    #[test]
    fn limit_is_at_most_physical_memory_and_budget_is_three_quarters() {
        let total = physical_memory().expect("Linux has /proc/meminfo");
        let limit = memory_limit().expect("physical memory is known");
        assert!(limit <= total, "{limit} > {total}");
        assert_eq!(default_memory_budget(), (limit as u128 * 3 / 4) as u64);
    }

    /// Run by `memory_limit_respects_a_lowered_address_space_limit` in a child process
    /// under `prlimit --as`; prints what the child sees.
    #[test]
    fn print_memory_limit_for_parent() {
        println!(
            "MEMORY_LIMIT={:?} AS_LIMIT={:?}",
            memory_limit(),
            address_space_limit()
        );
    }

    #[test]
    fn memory_limit_respects_a_lowered_address_space_limit() {
        let me = std::env::current_exe().unwrap();
        let out = std::process::Command::new("prlimit")
            .arg("--as=1000000000")
            .arg(&me)
            .args([
                "--exact",
                "machine::tests::print_memory_limit_for_parent",
                "--nocapture",
                "--test-threads=1",
            ])
            .output()
            .expect("prlimit (util-linux) runs the test binary");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            text.contains("MEMORY_LIMIT=Some(1000000000) AS_LIMIT=Some(1000000000)"),
            "{text}"
        );
        // This process keeps its own (unlowered) limit.
        assert_ne!(address_space_limit(), Some(1_000_000_000));
    }
}
