//! Cooperative cancellation and progress reporting for long native work, through a
//! [`RunContext`] handed to each long computation.
//!
//! A `RunContext` is a cheap handle to a cancellation token. The process context
//! ([`RunContext::process`]) is the one the Ctrl-C handler sets; a host that runs several
//! sessions (a notebook kernel interrupted by a control message, a sweep worker) makes its
//! own with [`RunContext::new`] and installs it for the calls it makes with
//! [`RunContext::scoped`]. Domain functions take the context once, when they start
//! ([`RunContext::current`], or a field of their options), and poll that handle in their hot
//! loops, also from pool threads, so cancellation never depends on which thread runs a loop.

use crate::error::{Error, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::cell::RefCell;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

static QUIET: AtomicBool = AtomicBool::new(false);

/// A cancellation token and progress policy for long computations (cheap to clone).
#[derive(Debug, Clone)]
pub struct RunContext {
    cancel: Arc<AtomicBool>,
}

thread_local! {
    static CURRENT: RefCell<Option<RunContext>> = const { RefCell::new(None) };
}

impl Default for RunContext {
    /// The context installed on this thread ([`RunContext::current`]).
    fn default() -> Self {
        RunContext::current()
    }
}

impl RunContext {
    /// A fresh context, not connected to Ctrl-C.
    pub fn new() -> Self {
        RunContext {
            cancel: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The process context, which the Ctrl-C handler cancels.
    pub fn process() -> Self {
        static PROCESS: OnceLock<RunContext> = OnceLock::new();
        PROCESS.get_or_init(RunContext::new).clone()
    }

    /// The context installed on this thread by [`RunContext::scoped`], else the process one.
    pub fn current() -> Self {
        CURRENT
            .with(|c| c.borrow().clone())
            .unwrap_or_else(RunContext::process)
    }

    /// Runs `f` with this context installed on the current thread.
    pub fn scoped<R>(&self, f: impl FnOnce() -> R) -> R {
        let prev = CURRENT.with(|c| c.replace(Some(self.clone())));
        struct Restore(Option<RunContext>);
        impl Drop for Restore {
            fn drop(&mut self) {
                let prev = self.0.take();
                CURRENT.with(|c| *c.borrow_mut() = prev);
            }
        }
        let _restore = Restore(prev);
        f()
    }

    /// True once cancellation was requested and not yet [`RunContext::reset`].
    #[inline]
    pub fn interrupted(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// `Err(Error::Interrupted)` once cancellation was requested.
    #[inline]
    pub fn check(&self) -> Result<()> {
        if self.interrupted() {
            Err(Error::Interrupted)
        } else {
            Ok(())
        }
    }

    /// Requests cancellation (what Ctrl-C does to the process context).
    pub fn request(&self) {
        self.cancel.store(true, Ordering::SeqCst);
    }

    /// Clears a cancellation request (a REPL or kernel does this before each statement).
    pub fn reset(&self) {
        self.cancel.store(false, Ordering::SeqCst);
    }

    /// A progress bar on stderr, hidden when stderr is not a terminal or with `--quiet`.
    pub fn progress(&self, len: u64, what: &str) -> ProgressBar {
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
}

/// Installs the Ctrl-C handler, which cancels the process context (idempotent; failures are
/// ignored, for example in tests).
pub fn install_handler() {
    let ctx = RunContext::process();
    let _ = ctrlc::set_handler(move || ctx.request());
}

/// True once the current context was cancelled (see [`RunContext::current`]).
pub fn interrupted() -> bool {
    RunContext::current().interrupted()
}

/// Clears the current context's cancellation request.
pub fn reset() {
    RunContext::current().reset();
}

/// Cancels the current context, as Ctrl-C would (used by tests).
pub fn request() {
    RunContext::current().request();
}

/// Suppresses progress bars even on a terminal (`--quiet`).
pub fn set_quiet(q: bool) {
    QUIET.store(q, Ordering::SeqCst);
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
