//! Error type shared by every numerical domain of ssnlab.
//!
//! Domain code never panics on user input: it returns [`Error`], and the script layer turns
//! it into a Rhai runtime error that carries the script position.

use std::fmt;

/// Every way a computation in ssnlab can fail.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A parameter is outside its allowed range: names the parameter, its value and the rule.
    #[error("parameter `{name}` = {value} is invalid: {allowed}")]
    Param {
        /// Parameter name as the user wrote it.
        name: String,
        /// The offending value, formatted.
        value: String,
        /// What is allowed, in words (for example "must be > 0 (ms)").
        allowed: String,
    },
    /// Arrays that must agree in length do not.
    #[error("length mismatch: {0}")]
    Shape(String),
    /// A numerical method did not converge or the problem has no solution.
    #[error("{0}")]
    Numerical(String),
    /// The user pressed Ctrl-C.
    #[error("interrupted by the user (Ctrl-C)")]
    Interrupted,
    /// Reading or writing a file failed.
    #[error("{0}")]
    Io(String),
    /// A computation would need more memory than the limit allows.
    #[error(
        "{what} would need about {}, more than the memory limit of {} ({how})",
        crate::numerics::memory::human(*need),
        crate::numerics::memory::human(*limit)
    )]
    Memory {
        /// What was about to be allocated.
        what: String,
        /// Estimated bytes.
        need: f64,
        /// The limit in bytes.
        limit: f64,
        /// How to raise the limit.
        how: String,
    },
}

/// Result alias for domain code.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Builds an [`Error::Param`] from anything printable.
    pub fn param(name: &str, value: impl fmt::Display, allowed: impl Into<String>) -> Self {
        Error::Param {
            name: name.to_string(),
            value: value.to_string(),
            allowed: allowed.into(),
        }
    }
    /// Builds an [`Error::Numerical`].
    pub fn numerical(msg: impl Into<String>) -> Self {
        Error::Numerical(msg.into())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e.to_string())
    }
}

/// Checks that `x` is finite and strictly positive.
pub fn check_positive(name: &str, x: f64, unit: &str) -> Result<f64> {
    if x.is_finite() && x > 0.0 {
        Ok(x)
    } else {
        Err(Error::param(
            name,
            x,
            format!("must be a finite number > 0{}", unit_suffix(unit)),
        ))
    }
}

/// Checks that `x` is finite and non-negative.
pub fn check_nonneg(name: &str, x: f64, unit: &str) -> Result<f64> {
    if x.is_finite() && x >= 0.0 {
        Ok(x)
    } else {
        Err(Error::param(
            name,
            x,
            format!("must be a finite number >= 0{}", unit_suffix(unit)),
        ))
    }
}

/// Checks that `x` is finite.
pub fn check_finite(name: &str, x: f64, unit: &str) -> Result<f64> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(Error::param(
            name,
            x,
            format!("must be a finite number{}", unit_suffix(unit)),
        ))
    }
}

fn unit_suffix(unit: &str) -> String {
    if unit.is_empty() {
        String::new()
    } else {
        format!(" ({unit})")
    }
}
