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
