//! Cooperative cancellation (Ctrl-C) and progress reporting for long native work.
//!
//! A SIGINT handler sets a global flag; hot loops call [`check`] every so often and stop with
//! [`Error::Interrupted`]. The Rhai engine polls the same flag, so a runaway script stops too.

use crate::error::{Error, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static QUIET: AtomicBool = AtomicBool::new(false);

/// Installs the Ctrl-C handler (idempotent; failures are ignored, for example in tests).
pub fn install_handler() {
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
}

/// True once Ctrl-C was pressed and not yet [`reset`].
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::Relaxed)
}

/// Returns `Err(Error::Interrupted)` if Ctrl-C was pressed.
#[inline]
pub fn check() -> Result<()> {
    if interrupted() {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}

/// Clears the interrupt flag (the REPL does this before each statement).
pub fn reset() {
    INTERRUPTED.store(false, Ordering::SeqCst);
}

/// Sets the flag, as Ctrl-C would (used by tests).
pub fn request() {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Suppresses progress bars even on a terminal (`--quiet`).
pub fn set_quiet(q: bool) {
    QUIET.store(q, Ordering::SeqCst);
}

/// A progress bar on stderr that is hidden when stderr is not a terminal.
pub fn progress(len: u64, what: &str) -> ProgressBar {
    if QUIET.load(Ordering::Relaxed) || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:30}] {percent:>3}% eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

/// The number of worker threads this process should use, in order of precedence:
/// `SSNLAB_THREADS` (also set by `--threads`), `SLURM_CPUS_PER_TASK` (a SLURM allocation),
/// then the CPUs the process may really run on (`std::thread::available_parallelism`, which
/// honours the CPU affinity mask and cgroup CPU quotas). Never less than 1.
pub fn thread_budget() -> usize {
    for var in ["SSNLAB_THREADS", "SLURM_CPUS_PER_TASK"] {
        if let Some(n) = std::env::var(var)
            .ok()
            .and_then(|s| s.trim().parse::<usize>().ok())
            .filter(|&n| n > 0)
        {
            return n;
        }
    }
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Sizes rayon's global pool to [`thread_budget`] (call once, before any parallel work; later
/// calls and a pool that already exists are left alone).
pub fn init_threads() {
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(thread_budget())
        .build_global();
}

/// The default thread count of one engine run (whose threads meet at a barrier every step, so
/// a thread that must wait for a CPU stalls all the others):
/// - 1 when already running on a pool worker (points of a sweep or seeds running in
///   parallel), so nested parallelism never oversubscribes the machine;
/// - otherwise the pool size less the CPUs other processes are using right now (Linux: the
///   runnable count of `/proc/loadavg`, the least of three reads 2 ms apart), at least 1.
///
/// Results do not depend on the thread count, so this only changes the wall time.
pub fn default_engine_threads() -> usize {
    if rayon::current_thread_index().is_some() {
        return 1;
    }
    let pool = rayon::current_num_threads();
    match others_running() {
        Some(busy) => pool.saturating_sub(busy).clamp(1, pool),
        None => pool,
    }
}

/// Runnable tasks other than this one, from `/proc/loadavg` (`None` where it does not exist).
/// The sample (three reads 2 ms apart) is reused for 2 s, so many short runs in a row (sweeps,
/// benchmarks) do not pay for it each time.
fn others_running() -> Option<usize> {
    use std::sync::Mutex;
    use std::time::{Duration, Instant};
    static CACHE: Mutex<Option<(Instant, Option<usize>)>> = Mutex::new(None);
    if let Ok(c) = CACHE.lock()
        && let Some((t, v)) = *c
        && t.elapsed() < Duration::from_secs(2)
    {
        return v;
    }
    let v = sample_others_running();
    if let Ok(mut c) = CACHE.lock() {
        *c = Some((Instant::now(), v));
    }
    v
}

fn sample_others_running() -> Option<usize> {
    let mut least: Option<usize> = None;
    for k in 0..3 {
        if k > 0 {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        let s = std::fs::read_to_string("/proc/loadavg").ok()?;
        let running: usize = s
            .split_whitespace()
            .nth(3)?
            .split('/')
            .next()?
            .parse()
            .ok()?;
        let n = running.saturating_sub(1);
        least = Some(least.map_or(n, |l| l.min(n)));
    }
    least
}
