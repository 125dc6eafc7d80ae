//! One explicit ODE stepper for every deterministic time course of ssnlab (SSN rate dynamics,
//! the Izhikevich mean field, the 2P motif mean field, the motif rate network), with a
//! recorder and a termination reason in the manner of argmin's executor: a run ends
//! [`Termination::Finished`], [`Termination::Diverged`] at a time (a non-finite state, or one the
//! model's own bound calls runaway), or [`Termination::Interrupted`] at a time (Ctrl-C). A
//! diverged or interrupted run keeps everything it recorded, its last state included.

/// The integration scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Classical fourth-order Runge–Kutta.
    Rk4,
    /// Forward Euler (for models whose reference simulator used it).
    Euler,
}

/// Why a run stopped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Termination {
    /// The whole requested time was integrated.
    Finished,
    /// The state left the model's domain (non-finite, or beyond its bound) at time `t`.
    Diverged {
        /// Time of the first diverged state (in the model's time unit).
        t: f64,
    },
    /// Ctrl-C (or [`context::request`]) stopped the run at time `t`.
    Interrupted {
        /// Time of the last completed step.
        t: f64,
    },
}

impl Termination {
    /// The status word of the script API: `"finished"`, `"diverged"` or `"interrupted"`.
    pub fn status(&self) -> &'static str {
        match self {
            Termination::Finished => "finished",
            Termination::Diverged { .. } => "diverged",
            Termination::Interrupted { .. } => "interrupted",
        }
    }

    /// The time a diverged or interrupted run stopped; None for a finished run.
    pub fn stop_time(&self) -> Option<f64> {
        match self {
            Termination::Finished => None,
            Termination::Diverged { t } | Termination::Interrupted { t } => Some(*t),
        }
    }
}

/// What to integrate and how.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// Number of steps of size `dt`.
    pub steps: usize,
    /// Step size.
    pub dt: f64,
    /// Record every `every`-th step (the initial state is always recorded).
    pub every: usize,
    /// Also record the last step when `steps` is not a multiple of `every`.
    pub record_end: bool,
}

/// A recorded trajectory and why it ended.
#[derive(Debug, Clone)]
pub struct Trajectory {
    /// Recording times (time unit of `dt`), starting at 0.
    pub t: Vec<f64>,
    /// States at `t`.
    pub x: Vec<Vec<f64>>,
    /// Why the run stopped.
    pub termination: Termination,
}

impl Trajectory {
    /// The last recorded state.
    pub fn last(&self) -> &[f64] {
        self.x.last().map_or(&[], |v| v.as_slice())
    }
    /// The time of the last recorded state.
    pub fn t_end(&self) -> f64 {
        self.t.last().copied().unwrap_or(0.0)
    }
}

/// The most steps one integration may take (a run that long is a mistake in `dt` or
/// `duration` far more often than an intent).
pub const MAX_STEPS: usize = 1_000_000_000;

impl Spec {
    /// Refuses more than [`MAX_STEPS`] steps, and a recording of states of dimension `d`
    /// that would not fit the memory limit.
    pub fn check(&self, d: usize) -> crate::error::Result<()> {
        if self.steps > MAX_STEPS || !(self.dt > 0.0 && self.dt.is_finite()) {
            return Err(crate::error::Error::param(
                "duration/dt",
                format!("{} steps of {}", self.steps, self.dt),
                format!(
                    "at most {MAX_STEPS:.0e} steps of a finite dt > 0: use a larger dt or a shorter duration"
                ),
            ));
        }
        let records = (self.steps / self.every.max(1) + 2) as f64;
        super::memory::reserve(
            &format!("recording {records:.0} states of {d} values"),
            records * (d as f64 * 8.0 + 32.0),
        )
    }
}

/// Integrates dx/dt = `rhs(t, x, dx)` from `x0`. After each step `project` may modify the
/// state (e.g. clamp rates at 0) and `diverged` decides whether it left the model's domain
/// (non-finite states always count as diverged). A diverged state is recorded, then the run
/// stops. Ctrl-C is polled every step (one relaxed atomic load). Errors only as
/// [`Spec::check`] does, before any work.
pub fn integrate(
    x0: &[f64],
    spec: Spec,
    method: Method,
    mut rhs: impl FnMut(f64, &[f64], &mut [f64]),
    mut project: impl FnMut(&mut [f64]),
    mut diverged: impl FnMut(&[f64]) -> bool,
) -> crate::error::Result<Trajectory> {
    let ctx = crate::numerics::context::RunContext::current();
    spec.check(x0.len())?;
    let d = x0.len();
    let dt = spec.dt;
    let every = spec.every.max(1);
    let mut x = x0.to_vec();
    let mut k = [vec![0.0; d], vec![0.0; d], vec![0.0; d], vec![0.0; d]];
    let mut tmp = vec![0.0; d];
    let cap = (spec.steps / every + 2).min(1 << 20);
    let mut ts = Vec::with_capacity(cap);
    let mut xs = Vec::with_capacity(cap);
    ts.push(0.0);
    xs.push(x.clone());
    for step in 0..spec.steps {
        let t = step as f64 * dt;
        if ctx.interrupted() {
            return Ok(Trajectory {
                t: ts,
                x: xs,
                termination: Termination::Interrupted { t },
            });
        }
        match method {
            Method::Rk4 => {
                let [k1, k2, k3, k4] = &mut k;
                rhs(t, &x, k1);
                for m in 0..d {
                    tmp[m] = x[m] + 0.5 * dt * k1[m];
                }
                rhs(t + 0.5 * dt, &tmp, k2);
                for m in 0..d {
                    tmp[m] = x[m] + 0.5 * dt * k2[m];
                }
                rhs(t + 0.5 * dt, &tmp, k3);
                for m in 0..d {
                    tmp[m] = x[m] + dt * k3[m];
                }
                rhs(t + dt, &tmp, k4);
                for m in 0..d {
                    x[m] += dt / 6.0 * (k1[m] + 2.0 * k2[m] + 2.0 * k3[m] + k4[m]);
                }
            }
            Method::Euler => {
                rhs(t, &x, &mut k[0]);
                for m in 0..d {
                    x[m] += dt * k[0][m];
                }
            }
        }
        project(&mut x);
        let t1 = (step + 1) as f64 * dt;
        let bad = x.iter().any(|v| !v.is_finite()) || diverged(&x);
        if bad || (step + 1) % every == 0 || (spec.record_end && step + 1 == spec.steps) {
            ts.push(t1);
            xs.push(x.clone());
        }
        if bad {
            return Ok(Trajectory {
                t: ts,
                x: xs,
                termination: Termination::Diverged { t: t1 },
            });
        }
    }
    Ok(Trajectory {
        t: ts,
        x: xs,
        termination: Termination::Finished,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// dx/dt = −x: RK4's global error is O(dt⁴) (≈ 1e-9 at dt = 0.01 over t = 1), Euler's O(dt).
    #[test]
    fn exponential_decay_orders() {
        let spec = Spec {
            steps: 100,
            dt: 0.01,
            every: 10,
            record_end: true,
        };
        let rk = integrate(
            &[1.0],
            spec,
            Method::Rk4,
            |_, x, d| d[0] = -x[0],
            |_| {},
            |_| false,
        )
        .unwrap();
        assert_eq!(rk.termination, Termination::Finished);
        assert_eq!(rk.t.len(), 11);
        let exact = (-1.0f64).exp();
        assert!((rk.last()[0] - exact).abs() < 1e-10, "{}", rk.last()[0]);
        let eu = integrate(
            &[1.0],
            spec,
            Method::Euler,
            |_, x, d| d[0] = -x[0],
            |_| {},
            |_| false,
        )
        .unwrap();
        let e = (eu.last()[0] - exact).abs();
        // Euler: error ≈ dt/2 · t e^{−t} = 1.8e-3.
        assert!(e > 1e-3 && e < 3e-3, "{e}");
    }

    /// dx/dt = x² from 1 blows up at t = 1: the run reports divergence just after, with the
    /// diverged state recorded.
    #[test]
    fn blow_up_is_diverged_not_error() {
        let spec = Spec {
            steps: 2000,
            dt: 0.001,
            every: 100,
            record_end: false,
        };
        let tr = integrate(
            &[1.0],
            spec,
            Method::Rk4,
            |_, x, d| d[0] = x[0] * x[0],
            |_| {},
            |x| x[0] > 1e6,
        )
        .unwrap();
        match tr.termination {
            Termination::Diverged { t } => assert!(t > 0.99 && t < 1.01, "{t}"),
            other => panic!("{other:?}"),
        }
        assert!(tr.last()[0] > 1e6);
        assert_eq!(tr.termination.status(), "diverged");
    }

    /// More than MAX_STEPS steps, or a recording beyond the memory limit, is an error before
    /// any work.
    #[test]
    fn absurd_runs_are_refused_up_front() {
        let spec = Spec {
            steps: MAX_STEPS + 1,
            dt: 0.1,
            every: 1,
            record_end: false,
        };
        assert!(integrate(&[1.0], spec, Method::Euler, |_, _, _| {}, |_| {}, |_| false).is_err());
        let spec = Spec {
            steps: 100_000_000,
            dt: 0.1,
            every: 1,
            record_end: false,
        };
        let e = spec.check(10_000_000).unwrap_err().to_string();
        assert!(e.contains("memory limit"), "{e}");
    }
}
