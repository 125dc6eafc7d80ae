//! Memory estimates before large allocations, checked against one process-wide limit.
//!
//! Every allocation that grows with user input (connectivity, dense matrices, grids,
//! recordings, continuations) first calls [`reserve`] with its estimated size; an estimate
//! above the limit is refused with an [`Error::Memory`] that gives the estimate, the limit and
//! how to raise it, instead of the process aborting (or the machine swapping) mid-run.
//!
//! The default limit is what the process may really use: the cgroup memory limit (v2
//! `memory.max`, v1 `memory.limit_in_bytes`) or the available RAM (`MemAvailable`), whichever
//! is lower, read once. `--max-memory` on the command line, `SSNLAB_MAX_MEMORY` and
//! `set_max_memory(gb)` in a script override it.

use crate::error::{Error, Result};
use std::sync::atomic::{AtomicU64, Ordering};

/// The limit in bytes (0: not yet determined).
static LIMIT: AtomicU64 = AtomicU64::new(0);

/// Fallback when nothing can be read (no /proc, no cgroup): 8 GiB.
const FALLBACK: u64 = 8 << 30;

/// Formats a byte count (1.5 GB, 320 MB, ...).
pub fn human(bytes: f64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    let mut v = bytes.max(0.0);
    let mut u = 0;
    while v >= 1000.0 && u + 1 < units.len() {
        v /= 1000.0;
        u += 1;
    }
    if v.is_finite() {
        let n = format!("{v:.2}");
        format!(
            "{} {}",
            n.trim_end_matches('0').trim_end_matches('.'),
            units[u]
        )
    } else {
        "an unbounded amount".to_string()
    }
}

fn read_u64(path: &str) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// The memory this process may use: min(cgroup limit, MemAvailable), or 8 GiB if unknown.
pub fn detect() -> u64 {
    let cgroup = read_u64("/sys/fs/cgroup/memory.max")
        .or_else(|| read_u64("/sys/fs/cgroup/memory/memory.limit_in_bytes"))
        .filter(|&b| b < (1u64 << 60));
    let avail = std::fs::read_to_string("/proc/meminfo").ok().and_then(|s| {
        s.lines()
            .find(|l| l.starts_with("MemAvailable:"))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            .map(|kb| kb * 1024)
    });
    match (cgroup, avail) {
        (Some(c), Some(a)) => c.min(a),
        (Some(c), None) => c,
        (None, Some(a)) => a,
        (None, None) => FALLBACK,
    }
}

/// The current limit in bytes (determined on first use).
pub fn limit() -> u64 {
    let l = LIMIT.load(Ordering::Relaxed);
    if l != 0 {
        return l;
    }
    let from_env = std::env::var("SSNLAB_MAX_MEMORY")
        .ok()
        .and_then(|s| parse_size(&s).ok());
    let l = from_env.unwrap_or_else(detect).max(1);
    LIMIT.store(l, Ordering::Relaxed);
    l
}

/// Sets the limit in bytes (at least 1 MB = 1e6 bytes).
pub fn set_limit(bytes: u64) {
    LIMIT.store(bytes.max(1_000_000), Ordering::Relaxed);
}

/// Parses "16G", "512M", "2.5GB", "1e9" (bytes) into bytes.
pub fn parse_size(s: &str) -> Result<u64> {
    let t = s.trim().to_ascii_uppercase();
    let t = t.trim_end_matches('B').trim_end_matches('I');
    let (num, mult) = match t.chars().last() {
        Some('K') => (&t[..t.len() - 1], 1e3),
        Some('M') => (&t[..t.len() - 1], 1e6),
        Some('G') => (&t[..t.len() - 1], 1e9),
        Some('T') => (&t[..t.len() - 1], 1e12),
        _ => (t, 1.0),
    };
    match num.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v * mult < 1.8e19 => Ok((v * mult) as u64),
        _ => Err(Error::param(
            "max_memory",
            format!("{s:?}"),
            "must be a positive size such as 16G, 512M or 2e9 (bytes)",
        )),
    }
}

/// Refuses `what` when its estimated size `bytes` exceeds the limit (a NaN or infinite
/// estimate is refused too).
pub fn reserve(what: &str, bytes: f64) -> Result<()> {
    let lim = limit() as f64;
    if bytes.is_finite() && bytes <= lim {
        return Ok(());
    }
    Err(Error::Memory {
        what: what.to_string(),
        need: if bytes.is_nan() { f64::INFINITY } else { bytes },
        limit: lim,
        how: "raise it with --max-memory SIZE, SSNLAB_MAX_MEMORY or set_max_memory(GB) if the machine has the memory".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_format() {
        assert_eq!(parse_size("16G").unwrap(), 16_000_000_000);
        assert_eq!(parse_size("512MB").unwrap(), 512_000_000);
        assert_eq!(parse_size("2e9").unwrap(), 2_000_000_000);
        assert!(parse_size("-1G").is_err() && parse_size("lots").is_err());
        assert_eq!(human(10.4e9), "10.4 GB");
        assert_eq!(human(3e6), "3 MB");
        assert!(detect() > 0);
    }

    #[test]
    fn reserve_refuses_beyond_the_limit_and_non_finite_estimates() {
        assert!(reserve("a small thing", 1e3).is_ok());
        let e = reserve("a dense 1e6 x 1e6 matrix", 8e12)
            .unwrap_err()
            .to_string();
        assert!(e.contains("8 TB") && e.contains("--max-memory"), "{e}");
        assert!(reserve("x", f64::NAN).is_err());
        assert!(reserve("x", f64::INFINITY).is_err());
    }
}
