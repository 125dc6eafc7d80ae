//! Time-dependent drive: constants and piecewise-linear protocols (steps, ramps, designed
//! input arrays), evaluated once per time step by the engines.
//!
//! A [`Signal`] is a function of time in ms. Piecewise-linear signals hold their first value
//! before the first breakpoint and their last value after the last one, as in the paper's
//! simulator (μ_ext(t) linear between (t0, tf) breakpoints). A jump is written as two
//! breakpoints at the same time.

use crate::error::{Error, Result};

/// A scalar function of time (ms).
#[derive(Debug, Clone, PartialEq)]
pub enum Signal {
    /// The same value at all times.
    Const(f64),
    /// Linear interpolation between breakpoints `(t[k], v[k])`, `t` non-decreasing.
    Linear {
        /// Breakpoint times (ms), non-decreasing.
        t: Vec<f64>,
        /// Values at the breakpoints.
        v: Vec<f64>,
    },
}

impl Signal {
    /// A piecewise-linear signal through the given breakpoints (times in ms, non-decreasing).
    pub fn linear(t: Vec<f64>, v: Vec<f64>) -> Result<Signal> {
        if t.len() != v.len() {
            return Err(Error::Shape(format!(
                "signal: {} times but {} values",
                t.len(),
                v.len()
            )));
        }
        if t.is_empty() {
            return Err(Error::param("times", "[]", "must have at least one point"));
        }
        for (k, (&tk, &vk)) in t.iter().zip(&v).enumerate() {
            if !tk.is_finite() {
                return Err(Error::param(
                    &format!("times[{k}]"),
                    tk,
                    "must be finite (ms)",
                ));
            }
            if !vk.is_finite() {
                return Err(Error::param(&format!("values[{k}]"), vk, "must be finite"));
            }
            if k > 0 && tk < t[k - 1] {
                return Err(Error::param(
                    &format!("times[{k}]"),
                    tk,
                    format!("must be >= the previous time {} (non-decreasing)", t[k - 1]),
                ));
            }
        }
        Ok(Signal::Linear { t, v })
    }

    /// A linear ramp from `from` at `t0` to `to` at `t1` (ms), constant outside.
    pub fn ramp(from: f64, to: f64, t0: f64, t1: f64) -> Result<Signal> {
        if t1 < t0 {
            return Err(Error::param("t1", t1, format!("must be >= t0 = {t0} (ms)")));
        }
        Signal::linear(vec![t0, t1], vec![from, to])
    }

    /// A staircase: `values[k]` held on `[t0 + k·step, t0 + (k+1)·step)`.
    pub fn steps(values: &[f64], step: f64, t0: f64) -> Result<Signal> {
        if !(step.is_finite() && step > 0.0) {
            return Err(Error::param("step", step, "must be > 0 (ms)"));
        }
        if values.is_empty() {
            return Err(Error::param("values", "[]", "must not be empty"));
        }
        let mut t = Vec::with_capacity(2 * values.len());
        let mut v = Vec::with_capacity(2 * values.len());
        for (k, &x) in values.iter().enumerate() {
            t.push(t0 + k as f64 * step);
            v.push(x);
            t.push(t0 + (k + 1) as f64 * step);
            v.push(x);
        }
        Signal::linear(t, v)
    }

    /// The value at time `t` (ms).
    #[inline]
    pub fn at(&self, t: f64) -> f64 {
        match self {
            Signal::Const(c) => *c,
            Signal::Linear { t: ts, v } => {
                let n = ts.len();
                if t.is_nan() {
                    return f64::NAN;
                }
                if t <= ts[0] {
                    return v[0];
                }
                if t >= ts[n - 1] {
                    return v[n - 1];
                }
                // First index with ts[k] > t; then ts[k-1] <= t < ts[k].
                let k = ts.partition_point(|&x| x <= t);
                let (t0, t1) = (ts[k - 1], ts[k]);
                if t1 <= t0 {
                    return v[k];
                }
                v[k - 1] + (v[k] - v[k - 1]) * (t - t0) / (t1 - t0)
            }
        }
    }

    /// The signal multiplied by `k` (used for μ_I = r·μ_E).
    pub fn scaled(&self, k: f64) -> Signal {
        match self {
            Signal::Const(c) => Signal::Const(c * k),
            Signal::Linear { t, v } => Signal::Linear {
                t: t.clone(),
                v: v.iter().map(|x| x * k).collect(),
            },
        }
    }

    /// The signal plus a constant.
    pub fn shifted(&self, d: f64) -> Signal {
        match self {
            Signal::Const(c) => Signal::Const(c + d),
            Signal::Linear { t, v } => Signal::Linear {
                t: t.clone(),
                v: v.iter().map(|x| x + d).collect(),
            },
        }
    }

    /// The signal delayed by `dt` ms.
    pub fn delayed(&self, dt: f64) -> Signal {
        match self {
            Signal::Const(c) => Signal::Const(*c),
            Signal::Linear { t, v } => Signal::Linear {
                t: t.iter().map(|x| x + dt).collect(),
                v: v.clone(),
            },
        }
    }

    /// `self` until its last breakpoint, then `next` delayed to start there.
    pub fn then(&self, next: &Signal) -> Signal {
        let (mut t, mut v, end) = match self {
            Signal::Const(c) => (vec![0.0], vec![*c], 0.0),
            Signal::Linear { t, v } => (t.clone(), v.clone(), *t.last().unwrap_or(&0.0)),
        };
        match next {
            Signal::Const(c) => {
                t.push(end);
                v.push(*c);
            }
            Signal::Linear { t: t2, v: v2 } => {
                let off = end - t2[0];
                t.extend(t2.iter().map(|x| x + off));
                v.extend_from_slice(v2);
            }
        }
        Signal::Linear { t, v }
    }

    /// The time of the last breakpoint (0 for a constant).
    pub fn end(&self) -> f64 {
        match self {
            Signal::Const(_) => 0.0,
            Signal::Linear { t, .. } => *t.last().unwrap_or(&0.0),
        }
    }

    /// Smallest and largest value taken.
    pub fn range(&self) -> (f64, f64) {
        match self {
            Signal::Const(c) => (*c, *c),
            Signal::Linear { v, .. } => v
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                    (a.min(x), b.max(x))
                }),
        }
    }
}

impl From<f64> for Signal {
    fn from(c: f64) -> Self {
        Signal::Const(c)
    }
}

impl std::fmt::Display for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Signal::Const(c) => write!(f, "Signal(constant {c})"),
            Signal::Linear { t, .. } => {
                let (lo, hi) = self.range();
                write!(
                    f,
                    "Signal({} breakpoints, t = {} .. {} ms, values {} .. {})",
                    t.len(),
                    t[0],
                    t[t.len() - 1],
                    lo,
                    hi
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolation_and_jumps() {
        let s = Signal::steps(&[1.0, 5.0], 100.0, 0.0).unwrap();
        assert_eq!(s.at(-1.0), 1.0);
        assert_eq!(s.at(50.0), 1.0);
        assert_eq!(s.at(100.0), 5.0);
        assert_eq!(s.at(150.0), 5.0);
        assert_eq!(s.at(1e9), 5.0);
        let r = Signal::ramp(0.0, 50.0, 0.0, 1000.0).unwrap();
        assert!((r.at(250.0) - 12.5).abs() < 1e-12);
        let ud = r.then(&Signal::ramp(50.0, 0.0, 0.0, 1000.0).unwrap());
        assert!((ud.at(1500.0) - 25.0).abs() < 1e-12);
        assert_eq!(ud.end(), 2000.0);
        assert!(Signal::linear(vec![0.0, -1.0], vec![0.0, 1.0]).is_err());
        assert!(Signal::linear(vec![0.0], vec![f64::NAN]).is_err());
    }
}
