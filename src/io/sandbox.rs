//! The file policy, and the sandbox mode of `ssnlab run --sandbox` (and of the notebook kernel).
//!
//! **Default policy.** A script reads and writes wherever its user can, like any program the
//! user runs. Only the overwrite guard ([`super::check_writable`]) stands in the way: a file
//! that exists and was not written by ssnlab is replaced only with `overwrite: true`.
//!
//! **Sandbox.** A script then reads only below its read roots (the script's folder, the
//! folders given with `--allow-read`, and its write root) and writes only below its write root
//! (`--write-root`, else the script's own `--out` argument, else ./out). Stdlib modules are
//! built in and always importable. Every path is resolved
//! before the check: relative paths against the working directory, `..` and symbolic links
//! by the file system (the longest existing ancestor is canonicalised), so neither can escape
//! a root. A path outside is an error that names the path and the rule.

use crate::error::{Error, Result};
use std::path::{Component, Path, PathBuf};
use std::sync::RwLock;

/// The roots of an active sandbox.
#[derive(Debug, Clone, Default)]
pub struct Sandbox {
    /// Folders below which files may be read (canonical).
    pub read: Vec<PathBuf>,
    /// Folders below which files may be written (canonical).
    pub write: Vec<PathBuf>,
}

static SANDBOX: RwLock<Option<Sandbox>> = RwLock::new(None);

/// Resolves `path` to an absolute path without `..` or symbolic links in the part that exists.
/// A `..` in the part that does not exist yet is refused (it could climb out of a root once
/// the folders are created).
pub fn resolve(path: &Path) -> Result<PathBuf> {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| Error::Io(format!("cannot resolve {}: {e}", path.display())))?
            .join(path)
    };
    let mut existing = abs.clone();
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    loop {
        if let Ok(c) = std::fs::canonicalize(&existing) {
            let mut out = c;
            for part in rest.iter().rev() {
                let p = Path::new(part);
                if matches!(p.components().next(), Some(Component::ParentDir)) {
                    return Err(Error::Io(format!(
                        "{}: `..` below a folder that does not exist is not allowed in the sandbox",
                        path.display()
                    )));
                }
                if !matches!(p.components().next(), Some(Component::CurDir)) {
                    out.push(p);
                }
            }
            return Ok(out);
        }
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name.to_os_string());
                existing = parent.to_path_buf();
            }
            _ => {
                // A trailing `..` or `.` (no file name): keep climbing lexically.
                match existing.parent() {
                    Some(parent) => {
                        rest.push(
                            existing
                                .components()
                                .next_back()
                                .map(|c| c.as_os_str().to_os_string())
                                .unwrap_or_default(),
                        );
                        existing = parent.to_path_buf();
                    }
                    None => return Ok(abs),
                }
            }
        }
    }
}

/// Turns the sandbox on with these roots (created if missing, then canonicalised), or off
/// with `None`.
pub fn set(sandbox: Option<(Vec<PathBuf>, Vec<PathBuf>)>) -> Result<()> {
    let value = match sandbox {
        None => None,
        Some((read, write)) => {
            for w in &write {
                std::fs::create_dir_all(w).map_err(|e| {
                    Error::Io(format!(
                        "cannot create the output folder {}: {e}",
                        w.display()
                    ))
                })?;
            }
            let canon = |v: Vec<PathBuf>| -> Result<Vec<PathBuf>> {
                v.iter()
                    .filter(|p| p.exists())
                    .map(|p| resolve(p))
                    .collect()
            };
            let write = canon(write)?;
            let mut read = canon(read)?;
            read.extend(write.iter().cloned());
            Some(Sandbox { read, write })
        }
    };
    if let Ok(mut s) = SANDBOX.write() {
        *s = value;
    }
    Ok(())
}

/// The active sandbox, if any.
pub fn active() -> Option<Sandbox> {
    SANDBOX.read().ok().and_then(|s| s.clone())
}

fn check(path: &Path, write: bool) -> Result<()> {
    let Some(sb) = active() else {
        return Ok(());
    };
    let p = resolve(path)?;
    let roots = if write { &sb.write } else { &sb.read };
    if roots.iter().any(|r| p.starts_with(r)) {
        return Ok(());
    }
    let list = roots
        .iter()
        .map(|r| r.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    Err(Error::Io(format!(
        "sandbox: cannot {} {} (resolved to {}): in sandbox mode scripts {} only below {}",
        if write { "write" } else { "read" },
        path.display(),
        p.display(),
        if write { "write" } else { "read" },
        if list.is_empty() {
            "(no folder)".to_string()
        } else {
            list
        }
    )))
}

/// Refuses reading `path` outside the sandbox's read roots (no-op without a sandbox).
pub fn check_read(path: &Path) -> Result<()> {
    check(path, false)
}

/// Refuses writing `path` (or creating it as a folder) outside the sandbox's write root.
pub fn check_write(path: &Path) -> Result<()> {
    check(path, true)
}

/// The scratch folder for throw-away output: `<write root>/tmp` in a sandbox, else `ssnlab`
/// inside the system's temporary directory.
pub fn tmp_dir() -> PathBuf {
    match active().and_then(|s| s.write.first().cloned()) {
        Some(w) => w.join("tmp"),
        None => std::env::temp_dir().join("ssnlab"),
    }
}
