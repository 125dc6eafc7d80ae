//! Rate-network simulation: τ dx_i/dt = −x_i + Σ_j W_ij φ_α(j)(x_j) + I_α(i)(t), forward Euler
//! (the reference's scheme, dt = 0.1 τ by default), with the matrix–vector product parallel
//! over rows.

use super::meanfield::Phi;
use crate::connectivity::WeightMatrix;
use crate::error::{Error, Result};
use crate::numerics::ode::Termination;
use crate::numerics::timecourse::{Extra, TimeCourse};
use ndarray::parallel::prelude::*;
use ndarray::{Array1, Axis};

/// Options of a rate-network run.
#[derive(Debug, Clone)]
pub struct RateOptions {
    /// Time constant τ.
    pub tau: f64,
    /// Step.
    pub dt: f64,
    /// Duration.
    pub duration: f64,
    /// Record population statistics every this many steps.
    pub every: usize,
    /// Average the final statistics over this last stretch of time (0: the final state only).
    pub average: f64,
    /// Initial state per neuron (default 0).
    pub x0: Option<Vec<f64>>,
}

/// Population statistics at one time (or averaged over a window).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PopState {
    /// Mean of x per population.
    pub m: Vec<f64>,
    /// Loading of x on the input factor a (Cov(x, a) / Var(a)) per population; NaN without
    /// factors.
    pub s: Vec<f64>,
    /// Residual variance Var(x) − s² Var(a) per population.
    pub delta: Vec<f64>,
    /// Variance of x per population.
    pub var: Vec<f64>,
    /// Mean rate ⟨φ(x)⟩ per population.
    pub rate: Vec<f64>,
    /// Variance of the rates per population.
    pub rate_var: Vec<f64>,
}

/// Result of a run.
#[derive(Debug, Clone)]
pub struct RateRun {
    /// Record times.
    pub t: Vec<f64>,
    /// Mean x per population at the record times.
    pub m: Vec<Vec<f64>>,
    /// Mean rate per population at the record times.
    pub rate: Vec<Vec<f64>>,
    /// Final (or window-averaged) population statistics.
    pub last: PopState,
    /// Final state per neuron.
    pub x: Vec<f64>,
    /// Why the run stopped (finished, diverged at t, interrupted at t).
    pub termination: Termination,
    /// Wall-clock seconds.
    pub wall_s: f64,
}

fn pop_state(x: &[f64], r: &[f64], lab: &[usize], p: usize, a: Option<&[f64]>) -> PopState {
    let mut st = PopState {
        m: vec![0.0; p],
        s: vec![f64::NAN; p],
        delta: vec![f64::NAN; p],
        var: vec![0.0; p],
        rate: vec![0.0; p],
        rate_var: vec![0.0; p],
    };
    for q in 0..p {
        let idx: Vec<usize> = (0..x.len()).filter(|&i| lab[i] == q).collect();
        let n = idx.len() as f64;
        let mx = idx.iter().map(|&i| x[i]).sum::<f64>() / n;
        let mr = idx.iter().map(|&i| r[i]).sum::<f64>() / n;
        let vx = idx.iter().map(|&i| (x[i] - mx).powi(2)).sum::<f64>() / n;
        let vr = idx.iter().map(|&i| (r[i] - mr).powi(2)).sum::<f64>() / n;
        st.m[q] = mx;
        st.rate[q] = mr;
        st.var[q] = vx;
        st.rate_var[q] = vr;
        if let Some(a) = a {
            let ma = idx.iter().map(|&i| a[i]).sum::<f64>() / n;
            let va = idx.iter().map(|&i| (a[i] - ma).powi(2)).sum::<f64>() / n;
            let c = idx.iter().map(|&i| (x[i] - mx) * (a[i] - ma)).sum::<f64>() / n;
            let s = c / va;
            st.s[q] = s;
            st.delta[q] = vx - s * s * va;
        }
    }
    st
}

/// Means of x and of the rates over population q (in neuron order, as recorded).
fn pop_means(x: &[f64], r: &[f64], lab: &[usize], q: usize) -> (f64, f64) {
    let (mut sx, mut sr, mut c) = (0.0, 0.0, 0.0);
    for (i, _) in lab.iter().enumerate().filter(|(_, l)| **l == q) {
        sx += x[i];
        sr += r[i];
        c += 1.0;
    }
    (sx / c, sr / c)
}

impl PopState {
    fn fields_mut(&mut self) -> [&mut Vec<f64>; 6] {
        [
            &mut self.m,
            &mut self.s,
            &mut self.delta,
            &mut self.var,
            &mut self.rate,
            &mut self.rate_var,
        ]
    }

    /// Adds `o` field by field (for averages over steps).
    fn add(&mut self, o: &PopState) {
        let src = [&o.m, &o.s, &o.delta, &o.var, &o.rate, &o.rate_var];
        for (u, v) in self.fields_mut().into_iter().zip(src) {
            for (y, z) in u.iter_mut().zip(v) {
                *y += z;
            }
        }
    }

    /// Divides every field by c.
    fn divide(&mut self, c: f64) {
        for u in self.fields_mut() {
            for y in u.iter_mut() {
                *y /= c;
            }
        }
    }
}

/// Checks the options of a simulation: the nonlinearity per population and the initial state.
fn check(w: &WeightMatrix, phi: &[Phi], o: &RateOptions) -> Result<(Vec<Phi>, Vec<f64>)> {
    let p = w.sizes.len();
    let phi: Vec<Phi> = if phi.len() == 1 {
        vec![phi[0]; p]
    } else {
        phi.to_vec()
    };
    if phi.len() != p {
        return Err(Error::param(
            "phi",
            format!("{} nonlinearities", phi.len()),
            format!("give one, or one per population ({p})"),
        ));
    }
    for f in &phi {
        f.validate()?;
    }
    if !(o.tau > 0.0 && o.dt > 0.0 && o.dt <= o.tau) {
        return Err(Error::param(
            "dt",
            o.dt,
            format!("must be in (0, tau] (tau = {})", o.tau),
        ));
    }
    if !(o.duration > 0.0 && o.duration.is_finite()) {
        return Err(Error::param("duration", o.duration, "must be > 0"));
    }
    let n: usize = w.sizes.iter().sum();
    let x = match &o.x0 {
        Some(v) if v.len() == n => v.clone(),
        Some(v) => {
            return Err(Error::param(
                "x0",
                format!("{} values", v.len()),
                format!("needs one value per neuron ({n})"),
            ));
        }
        None => vec![0.0; n],
    };
    Ok((phi, x))
}

/// Simulates the network `w` with nonlinearities per population (one for all allowed) and
/// inputs `input(t)` per population.
pub fn simulate(
    w: &WeightMatrix,
    phi: &[Phi],
    input: &(dyn Fn(f64) -> Vec<f64> + Sync),
    o: &RateOptions,
) -> Result<RateRun> {
    let ctx = crate::numerics::context::RunContext::current();
    let t0 = std::time::Instant::now();
    let p = w.sizes.len();
    let (phi, mut x) = check(w, phi, o)?;
    let lab = crate::connectivity::field::labels(&w.sizes);
    let n = lab.len();
    let a = w.factors.as_ref().map(|f| f.a.as_slice());
    let steps = (o.duration / o.dt).round().max(1.0) as usize;
    let every = o.every.max(1);
    // Same limits as every ODE run: step count and recorded populations statistics.
    crate::numerics::ode::Spec {
        steps,
        dt: o.dt,
        every,
        record_end: true,
    }
    .check(2 * p)?;
    let avg_steps = ((o.average / o.dt).round() as usize).min(steps);
    let k = o.dt / o.tau;
    let mut run = RateRun {
        t: Vec::new(),
        m: vec![Vec::new(); p],
        rate: vec![Vec::new(); p],
        last: PopState::default(),
        x: Vec::new(),
        termination: Termination::Finished,
        wall_s: 0.0,
    };
    let mut r = Array1::from_iter(x.iter().zip(&lab).map(|(&v, &q)| phi[q].eval(v)));
    let mut acc: Option<(PopState, f64)> = None;
    let record = |run: &mut RateRun, t: f64, x: &[f64], r: &Array1<f64>| {
        run.t.push(t);
        for q in 0..p {
            let (mx, mr) = pop_means(x, r.as_slice().unwrap_or(&[]), &lab, q);
            run.m[q].push(mx);
            run.rate[q].push(mr);
        }
    };
    record(&mut run, 0.0, &x, &r);
    for step in 0..steps {
        let t = step as f64 * o.dt;
        let inp = input(t);
        let h: Vec<f64> =
            w.w.axis_iter(Axis(0))
                .into_par_iter()
                .map(|row| row.dot(&r))
                .collect();
        for i in 0..n {
            x[i] += k * (-x[i] + h[i] + inp[lab[i]]);
        }
        if !x.iter().all(|v| v.is_finite() && v.abs() < 1e8) {
            run.termination = Termination::Diverged { t: t + o.dt };
            break;
        }
        for i in 0..n {
            r[i] = phi[lab[i]].eval(x[i]);
        }
        if (step + 1) % every == 0 || step + 1 == steps {
            record(&mut run, t + o.dt, &x, &r);
        }
        if avg_steps > 0 && step + avg_steps >= steps {
            let st = pop_state(&x, r.as_slice().unwrap_or(&[]), &lab, p, a);
            acc = Some(match acc {
                None => (st, 1.0),
                Some((mut s0, c)) => {
                    s0.add(&st);
                    (s0, c + 1.0)
                }
            });
        }
        if step % 64 == 0 && ctx.interrupted() {
            run.termination = Termination::Interrupted { t: t + o.dt };
            break;
        }
    }
    let rv: Vec<f64> = r.to_vec();
    run.last = match acc {
        Some((mut s, c)) if !run.diverged() => {
            s.divide(c);
            s
        }
        _ => pop_state(&x, &rv, &lab, p, a),
    };
    run.x = x;
    run.wall_s = t0.elapsed().as_secs_f64();
    Ok(run)
}

impl RateRun {
    /// True when the activity ran away (|x| > 1e8 or non-finite); the run stopped there.
    pub fn diverged(&self) -> bool {
        matches!(self.termination, Termination::Diverged { .. })
    }

    /// The run as a [`TimeCourse`]: population mean rates ⟨φ(x)⟩ (the nonlinearity's unit) at
    /// the record times, extras `m` (mean x per population and time), `last` (final or
    /// window-averaged statistics: m, s, delta, var, rate, rate_var), `x` (final per-neuron
    /// states) and `wall_s`.
    pub fn time_course(&self) -> TimeCourse {
        let l = &self.last;
        let last = Extra::Record(vec![
            ("m".into(), Extra::Vec(l.m.clone())),
            ("s".into(), Extra::Vec(l.s.clone())),
            ("delta".into(), Extra::Vec(l.delta.clone())),
            ("var".into(), Extra::Vec(l.var.clone())),
            ("rate".into(), Extra::Vec(l.rate.clone())),
            ("rate_var".into(), Extra::Vec(l.rate_var.clone())),
        ]);
        TimeCourse::new(
            "motif rate network",
            self.t.clone(),
            (0..self.rate.len()).map(|a| format!("P{a}")).collect(),
            self.rate.clone(),
            "a.u.",
            self.termination,
        )
        .with("m", Extra::Mat(self.m.clone()))
        .with("last", last)
        .with("x", Extra::Vec(self.x.clone()))
        .with("wall_s", Extra::Num(self.wall_s))
    }
}

crate::options! {
    /// Options of `MotifMatrix.simulate` (the nonlinearity `phi` and the inputs `I` are read by
    /// the binding).
    pub struct RateOpts {
        /// time constant
        tau: crate::options::Num = crate::options::Num(1.0), "model time";
        /// Euler step (none: 0.1 tau)
        dt: Option<crate::options::Num> = None, "model time";
        /// simulated time (none: 200 tau)
        duration: Option<crate::options::Num> = None, "model time";
        /// record population statistics every k-th step
        every: crate::options::Count = crate::options::Count(10), "";
        /// average the final statistics over this last stretch
        average: crate::options::Num = crate::options::Num(0.0), "model time";
        /// per-neuron initial state (none: 0)
        x0: Option<Vec<crate::options::Num>> = None, "";
    }
}

impl RateOpts {
    /// The engine's options (defaults in units of tau filled in).
    pub fn build(&self) -> RateOptions {
        let tau = self.tau.0;
        RateOptions {
            tau,
            dt: self.dt.map_or(0.1 * tau, |d| d.0),
            duration: self.duration.map_or(200.0 * tau, |d| d.0),
            every: self.every.0 as usize,
            average: self.average.0,
            x0: self.x0.as_ref().map(|v| v.iter().map(|x| x.0).collect()),
        }
    }
}
