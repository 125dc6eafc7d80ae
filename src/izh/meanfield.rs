//! The exact mean field of Izhikevich populations with Lorentzian threshold heterogeneity
//! (Gast, Solla & Kennedy 2022; reference A.1.3, the PyRates `ik_theta_op` form), for any
//! number of coupled populations, with time integration, steady states, pseudo-arclength
//! continuation in an input current, and fold / Hopf detection.
//!
//! Per population p (rates r in 1/ms):
//!
//! ```text
//! C ṙ = Δ k² (v − v_r)/(π C) + r [k (2v − v_r − v̄_θ) − g_a s_a − g_g s_g]
//! C v̇ = k v (v − v_r − v̄_θ) + k v_r v̄_θ − π C r (Δ + π C r / k) + I − u
//!       + g_a s_a (E_a − v) + g_g s_g (E_g − v)
//! u̇   = a (b (v − v_r) − u) + d r
//! ṡ_a = Σ_{E pre} J_{p,pre} r_pre − s_a/τ_a,   ṡ_g = Σ_{I pre} J_{p,pre} r_pre − s_g/τ_g
//! ```
//!
//! Assumptions (exact only in their limit): all-to-all coupling, N → ∞, a recovery variable
//! shared by the population, v_peak = −v_reset = ∞, an untruncated Lorentzian.

use super::IzhPop;
use crate::error::{Error, Result};
use crate::numerics::linalg::sorted_eigenvalues;
use crate::numerics::newton::{self, fd_jacobian};
use crate::numerics::ode;
use crate::numerics::timecourse::{Extra, TimeCourse};
use nalgebra::{DMatrix, DVector};
use std::f64::consts::PI;

/// Number of state variables per population: r, v, u, s_ampa, s_gaba.
pub const NVAR: usize = 5;

/// A network of Izhikevich populations in the mean-field description.
#[derive(Debug, Clone)]
pub struct IzhMeanField {
    /// The populations.
    pub pops: Vec<IzhPop>,
    /// Coupling weights J[post][pre] (the rate of `pre` drives the gate of `post`).
    pub j: Vec<Vec<f64>>,
    /// Constant input current per population (pA).
    pub i_ext: Vec<f64>,
}

/// What kind of special point a branch passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Special {
    /// Saddle-node (limit point in the parameter).
    Fold,
    /// A complex pair of eigenvalues crosses the imaginary axis.
    Hopf,
}

/// One point of a continuation branch.
#[derive(Debug, Clone)]
pub struct BranchPoint {
    /// The continuation parameter (input current, pA).
    pub param: f64,
    /// The state (5 variables per population: r in 1/ms, v, u, s_a, s_g).
    pub x: Vec<f64>,
    /// Eigenvalues of the Jacobian (1/ms), as (re, im), sorted by real part, largest first.
    pub eig: Vec<(f64, f64)>,
    /// All eigenvalues have negative real part.
    pub stable: bool,
}

/// A special point found on a branch, located by interpolation between branch points.
#[derive(Debug, Clone)]
pub struct SpecialPoint {
    /// Fold or Hopf.
    pub kind: Special,
    /// Parameter value (pA).
    pub param: f64,
    /// State at the point (interpolated).
    pub x: Vec<f64>,
    /// Oscillation frequency at a Hopf point (Hz); 0 for folds.
    pub freq_hz: f64,
}

/// A branch of steady states traced in one parameter.
#[derive(Debug, Clone)]
pub struct Branch {
    /// The points in arclength order.
    pub points: Vec<BranchPoint>,
    /// Folds and Hopf points in arclength order.
    pub special: Vec<SpecialPoint>,
    /// Why each direction (forward, backward) stopped before leaving the range; empty when
    /// both left it (the branch is complete over the range).
    pub truncated: Vec<String>,
}

impl Branch {
    /// Rates in Hz along the branch, [population][point] (the state holds 1/ms).
    pub fn rates_hz(&self) -> Vec<Vec<f64>> {
        let p = self.points.first().map_or(0, |b| b.x.len() / NVAR);
        (0..p)
            .map(|q| self.points.iter().map(|b| b.x[NVAR * q] * 1000.0).collect())
            .collect()
    }
}

impl SpecialPoint {
    /// Rates in Hz per population at this point.
    pub fn rates_hz(&self) -> Vec<f64> {
        self.x.chunks(NVAR).map(|c| c[0] * 1000.0).collect()
    }
}

/// Options of the continuation.
#[derive(Debug, Clone)]
pub struct Continuation {
    /// Population whose input current is the parameter.
    pub pop: usize,
    /// Parameter range [lo, hi] (pA); the branch stops when it leaves it.
    pub range: (f64, f64),
    /// Initial and maximal arclength step (scaled units).
    pub step: f64,
    /// Largest number of branch points.
    pub max_points: usize,
}

/// Names of the per-population state variables at the script boundary, in state-vector order:
/// rates (Hz), v (mV), u (pA), s_ampa, s_gaba.
pub const STATE_KEYS: [&str; 5] = ["rates", "v", "u", "s_ampa", "s_gaba"];

crate::options! {
    /// A state map (`x0`): per-population arrays; missing ones keep the resting state.
    pub struct StateOpts {
        /// rates
        rates: Option<Vec<crate::options::Num>> = None, "Hz";
        /// mean membrane potentials
        v: Option<Vec<crate::options::Num>> = None, "mV";
        /// recovery variables
        u: Option<Vec<crate::options::Num>> = None, "pA";
        /// AMPA gates
        s_ampa: Option<Vec<crate::options::Num>> = None, "";
        /// GABA gates
        s_gaba: Option<Vec<crate::options::Num>> = None, "";
        /// eigenvalues of a steady_state() map (ignored, so that map works as x0)
        eig: Option<serde_json::Value> = None, "";
        /// stability of a steady_state() map (ignored)
        stable: Option<bool> = None, "";
    }
}

impl StateOpts {
    /// The state vector of `m` (rates converted from Hz).
    pub fn state(&self, m: &IzhMeanField) -> Result<Vec<f64>> {
        let f = |v: &Option<Vec<crate::options::Num>>| {
            v.as_ref()
                .map(|x| x.iter().map(|n| n.0).collect::<Vec<f64>>())
        };
        let vals: Vec<(&str, Vec<f64>)> = [
            ("rates", f(&self.rates)),
            ("v", f(&self.v)),
            ("u", f(&self.u)),
            ("s_ampa", f(&self.s_ampa)),
            ("s_gaba", f(&self.s_gaba)),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
        m.state_from_values(&vals)
    }
}

impl IzhMeanField {
    /// A validated mean-field network.
    pub fn new(pops: Vec<IzhPop>, j: Vec<Vec<f64>>, i_ext: Vec<f64>) -> Result<Self> {
        let p = pops.len();
        if p == 0 {
            return Err(Error::param(
                "populations",
                0,
                "at least one population is needed",
            ));
        }
        for q in &pops {
            q.validate()?;
        }
        if j.len() != p || j.iter().any(|r| r.len() != p) {
            return Err(Error::Shape(format!(
                "J must be {p}x{p} (post x pre), got {} rows",
                j.len()
            )));
        }
        if j.iter().flatten().any(|x| !x.is_finite() || *x < 0.0) {
            return Err(Error::param(
                "J",
                "a negative or non-finite entry",
                "weights are magnitudes >= 0; the sign comes from the synapse type",
            ));
        }
        if i_ext.len() != p || i_ext.iter().any(|x| !x.is_finite()) {
            return Err(Error::param(
                "I",
                format!("{i_ext:?}"),
                format!("must be {p} finite currents (pA)"),
            ));
        }
        Ok(IzhMeanField { pops, j, i_ext })
    }

    /// Dimension of the state (5 per population).
    pub fn dim(&self) -> usize {
        NVAR * self.pops.len()
    }

    /// The right-hand side dx/dt at state `x` with input currents `i_ext`.
    pub fn rhs_with(&self, x: &[f64], i_ext: &[f64], dx: &mut [f64]) {
        for (p, q) in self.pops.iter().enumerate() {
            let o = NVAR * p;
            let (r, v, u, sa, sg) = (x[o], x[o + 1], x[o + 2], x[o + 3], x[o + 4]);
            let (c, k) = (q.c, q.k);
            let gs = q.g_ampa * sa + q.g_gaba * sg;
            dx[o] = (q.delta * k * k * (v - q.v_r) / (PI * c)
                + r * (k * (2.0 * v - q.v_r - q.v_theta) - gs))
                / c;
            dx[o + 1] = (k * v * (v - q.v_r - q.v_theta) + k * q.v_r * q.v_theta
                - PI * c * r * (q.delta + PI * c * r / k)
                + i_ext[p]
                - u
                + q.g_ampa * sa * (q.e_ampa - v)
                + q.g_gaba * sg * (q.e_gaba - v))
                / c;
            dx[o + 2] = q.a * (q.b * (v - q.v_r) - u) + q.d * r;
            let (mut ia, mut ig) = (0.0, 0.0);
            for (pre, w) in self.j[p].iter().enumerate() {
                if *w != 0.0 {
                    let rp = x[NVAR * pre];
                    if self.pops[pre].excitatory {
                        ia += w * rp;
                    } else {
                        ig += w * rp;
                    }
                }
            }
            dx[o + 3] = ia - sa / q.tau_ampa;
            dx[o + 4] = ig - sg / q.tau_gaba;
        }
    }

    /// The right-hand side at the network's own input currents.
    pub fn rhs(&self, x: &[f64], dx: &mut [f64]) {
        self.rhs_with(x, &self.i_ext, dx)
    }

    /// A resting initial state: r = 0.01/ms, v = v_r, u = s = 0 per population.
    pub fn initial_state(&self) -> Vec<f64> {
        let mut x = vec![0.0; self.dim()];
        for (p, q) in self.pops.iter().enumerate() {
            x[NVAR * p] = 0.01;
            x[NVAR * p + 1] = q.v_r;
        }
        x
    }

    /// Integrates with the classical RK4 scheme from `x0` over `duration` ms with step `dt`,
    /// input currents `input(t)`, recording every `every` steps. A non-finite state ends the
    /// run as [`ode::Termination::Diverged`] and Ctrl-C as [`ode::Termination::Interrupted`],
    /// each keeping what was recorded.
    pub fn integrate(
        &self,
        x0: &[f64],
        duration: f64,
        dt: f64,
        every: usize,
        input: &dyn Fn(f64) -> Vec<f64>,
    ) -> Result<ode::Trajectory> {
        if x0.len() != self.dim() {
            return Err(Error::Shape(format!(
                "initial state has {} values, the model {}",
                x0.len(),
                self.dim()
            )));
        }
        if !(dt > 0.0 && dt.is_finite() && duration >= 0.0 && duration.is_finite()) {
            return Err(Error::param(
                "dt",
                dt,
                "dt must be > 0 and duration finite and >= 0 (ms)",
            ));
        }
        let steps = (duration / dt).round() as usize;
        let spec = ode::Spec {
            steps,
            dt,
            every,
            record_end: false,
        };
        ode::integrate(
            x0,
            spec,
            ode::Method::Rk4,
            |t, x, dx| self.rhs_with(x, &input(t), dx),
            |_| {},
            |_| false,
        )
    }

    /// The state vector from named per-population values (any of [`STATE_KEYS`]; rates in Hz,
    /// converted to 1/ms), the others at the resting state.
    pub fn state_from_values(&self, values: &[(&str, Vec<f64>)]) -> Result<Vec<f64>> {
        let p = self.pops.len();
        let mut x = self.initial_state();
        for (key, vals) in values {
            let Some(k) = STATE_KEYS.iter().position(|s| s == key) else {
                return Err(Error::param(
                    key,
                    "(a state variable)",
                    format!("state variables are {}", STATE_KEYS.join(", ")),
                ));
            };
            if vals.len() != p {
                return Err(Error::param(
                    key,
                    format!("{} values", vals.len()),
                    format!("needs one value per population ({p})"),
                ));
            }
            let f = if k == 0 { 1e-3 } else { 1.0 };
            for q in 0..p {
                x[NVAR * q + k] = vals[q] * f;
            }
        }
        Ok(x)
    }

    /// A state vector as named per-population values at the script boundary: rates (Hz, converted
    /// from 1/ms), v (mV), u (pA), s_ampa, s_gaba.
    pub fn state_record(&self, x: &[f64]) -> Vec<(String, Extra)> {
        let p = self.pops.len();
        let pick = |k: usize, f: f64| Extra::Vec((0..p).map(|q| x[NVAR * q + k] * f).collect());
        vec![
            ("rates".into(), pick(0, 1000.0)),
            ("v".into(), pick(1, 1.0)),
            ("u".into(), pick(2, 1.0)),
            ("s_ampa".into(), pick(3, 1.0)),
            ("s_gaba".into(), pick(4, 1.0)),
        ]
    }

    /// A trajectory of [`IzhMeanField::integrate`] as a [`TimeCourse`] (rates converted from
    /// 1/ms to Hz; extras `v`, `u` (per population and time) and `last`, the final state).
    pub fn time_course(&self, tr: &ode::Trajectory) -> TimeCourse {
        let p = self.pops.len();
        let col = |k: usize, f: f64| -> Vec<Vec<f64>> {
            (0..p)
                .map(|q| tr.x.iter().map(|x| x[NVAR * q + k] * f).collect())
                .collect()
        };
        TimeCourse::new(
            "Izhikevich mean field",
            tr.t.clone(),
            self.pops.iter().map(|q| q.name.clone()).collect(),
            col(0, 1000.0),
            "Hz",
            tr.termination,
        )
        .with("v", Extra::Mat(col(1, 1.0)))
        .with("u", Extra::Mat(col(2, 1.0)))
    }

    /// Jacobian of the right-hand side (central differences, relative step 1e-6).
    pub fn jacobian(&self, x: &[f64], i_ext: &[f64]) -> DMatrix<f64> {
        fd_jacobian(|y, out| self.rhs_with(y, i_ext, out), x, 1e-6, 1e-3, false)
    }

    /// Eigenvalues of the Jacobian at `x`, sorted by real part (largest first).
    pub fn eigenvalues(&self, x: &[f64], i_ext: &[f64]) -> Vec<(f64, f64)> {
        sorted_eigenvalues(&self.jacobian(x, i_ext))
    }

    /// Newton's method (full steps, at most 50) for a steady state near `x0` at input currents
    /// `i_ext`: converged when the scaled max-norm of the right-hand side is below 1e-11
    /// (1e-8 accepted after the last iteration).
    pub fn newton(&self, x0: &[f64], i_ext: &[f64]) -> Option<Vec<f64>> {
        let scales = self.scales();
        newton::solve(
            x0,
            newton::NewtonOptions {
                max_iter: 50,
                backtrack: false,
            },
            |x, out| self.rhs_with(x, i_ext, out),
            |x| self.jacobian(x, i_ext),
            |f, _| {
                f.iter()
                    .zip(&scales)
                    .map(|(a, s)| (a / s).abs())
                    .fold(0.0, f64::max)
            },
            |n, _| n < 1e-11,
            |n| n < 1e-8,
        )
    }

    /// Typical magnitudes of the state variables (scaling of norms and arclength).
    fn scales(&self) -> Vec<f64> {
        let mut s = Vec::with_capacity(self.dim());
        for _ in &self.pops {
            s.extend_from_slice(&[0.01, 10.0, 50.0, 0.1, 0.1]);
        }
        s
    }

    /// A steady state at the network's inputs, reached by integrating from `x0` for 2 s and
    /// polishing with Newton. `None` if the trajectory does not settle: it diverges, is
    /// interrupted, or ends on a limit cycle (Newton then finds the unstable focus inside it,
    /// which is rejected).
    pub fn settle(&self, x0: &[f64]) -> Option<Vec<f64>> {
        let i = self.i_ext.clone();
        let tr = self
            .integrate(x0, 2000.0, 0.01, 200_000, &|_| i.clone())
            .ok()?;
        if tr.termination != ode::Termination::Finished {
            return None;
        }
        // A trajectory that settled sits at a stable state; Newton from a point on a limit
        // cycle converges to the unstable focus inside it, which is no settled state.
        let x = self.newton(tr.last(), &self.i_ext)?;
        let stable = self.eigenvalues(&x, &self.i_ext).iter().all(|e| e.0 < 0.0);
        stable.then_some(x)
    }

    /// Traces the steady-state branch through `x0` (a steady state at the network's inputs)
    /// in the input current of population `c.pop` by pseudo-arclength continuation, in both
    /// directions, until the parameter leaves `c.range`. Folds are located where the
    /// parameter turns (parabola through three points); Hopf points where a complex pair of
    /// eigenvalues crosses the imaginary axis (linear interpolation of its real part).
    pub fn continuation(&self, x0: &[f64], c: &Continuation) -> Result<Branch> {
        // Each point keeps its state, rates and eigenvalues (5 P values each, P rates, 5 P
        // complex eigenvalues) plus bookkeeping.
        let dim = 5 * self.pops.len();
        crate::numerics::memory::reserve(
            &format!("a continuation of up to {} points", c.max_points),
            c.max_points as f64 * (8.0 * (dim + self.pops.len() + 2 * dim) as f64 + 64.0),
        )?;
        let p = c.pop;
        if p >= self.pops.len() {
            return Err(Error::param(
                "pop",
                p,
                format!("must be below {}", self.pops.len()),
            ));
        }
        if c.range.0.partial_cmp(&c.range.1) != Some(std::cmp::Ordering::Less) {
            return Err(Error::param(
                "range",
                format!("[{}, {}]", c.range.0, c.range.1),
                "must satisfy lo < hi",
            ));
        }
        let lam0 = self.i_ext[p];
        let x0 = self
            .newton(x0, &self.i_ext)
            .ok_or_else(|| Error::numerical("continuation: no steady state near the start"))?;
        let arc = Arclength {
            m: self,
            pop: p,
            scale: self.scales(),
            d: self.dim(),
        };
        let mut halves: Vec<Vec<BranchPoint>> = Vec::new();
        let mut truncated: Vec<String> = Vec::new();
        for dir in [1.0, -1.0] {
            let (pts, stop) = arc.trace(&x0, lam0, dir, c)?;
            truncated.extend(stop);
            halves.push(pts);
        }
        // Join: reversed backward half, the start, the forward half.
        let mut points: Vec<BranchPoint> = halves[1].iter().rev().cloned().collect();
        let i0 = arc.inputs(lam0);
        let eig0 = self.eigenvalues(&x0, &i0);
        points.push(BranchPoint {
            param: lam0,
            stable: eig0.iter().all(|e| e.0 < 0.0),
            x: x0.clone(),
            eig: eig0,
        });
        points.extend(halves[0].iter().cloned());
        let special = find_special(&points);
        Ok(Branch {
            points,
            special,
            truncated,
        })
    }
}

/// Pseudo-arclength continuation in the input current of one population, in scaled unknowns
/// z = (x / scale, λ).
struct Arclength<'a> {
    m: &'a IzhMeanField,
    pop: usize,
    scale: Vec<f64>,
    d: usize,
}

impl Arclength<'_> {
    fn scaled(&self, x: &[f64], lam: f64) -> DVector<f64> {
        let mut z = DVector::zeros(self.d + 1);
        for m in 0..self.d {
            z[m] = x[m] / self.scale[m];
        }
        z[self.d] = lam;
        z
    }

    fn unscale(&self, z: &DVector<f64>) -> (Vec<f64>, f64) {
        (
            (0..self.d).map(|m| z[m] * self.scale[m]).collect(),
            z[self.d],
        )
    }

    fn inputs(&self, lam: f64) -> Vec<f64> {
        let mut i = self.m.i_ext.clone();
        i[self.pop] = lam;
        i
    }

    /// F(z) and its d × (d + 1) Jacobian in scaled variables (the λ column by central
    /// differences).
    fn f_and_jac(&self, z: &DVector<f64>) -> (DVector<f64>, DMatrix<f64>) {
        let d = self.d;
        let (x, lam) = self.unscale(z);
        let i = self.inputs(lam);
        let mut f = vec![0.0; d];
        self.m.rhs_with(&x, &i, &mut f);
        let jx = self.m.jacobian(&x, &i);
        let mut jac = DMatrix::zeros(d, d + 1);
        for r in 0..d {
            for m in 0..d {
                jac[(r, m)] = jx[(r, m)] * self.scale[m];
            }
        }
        let h = 1e-4;
        let (mut fp, mut fm) = (vec![0.0; d], vec![0.0; d]);
        self.m.rhs_with(&x, &self.inputs(lam + h), &mut fp);
        self.m.rhs_with(&x, &self.inputs(lam - h), &mut fm);
        for r in 0..d {
            jac[(r, d)] = (fp[r] - fm[r]) / (2.0 * h);
        }
        (DVector::from_vec(f), jac)
    }

    /// The unit tangent of the branch, oriented by the previous tangent.
    fn tangent(&self, jac: &DMatrix<f64>, prev: &DVector<f64>) -> Option<DVector<f64>> {
        let d = self.d;
        let mut a = DMatrix::zeros(d + 1, d + 1);
        a.view_mut((0, 0), (d, d + 1)).copy_from(jac);
        for m in 0..=d {
            a[(d, m)] = prev[m];
        }
        let mut rhs = DVector::zeros(d + 1);
        rhs[d] = 1.0;
        let t = a.lu().solve(&rhs)?;
        let n = t.norm();
        (n > 0.0 && n.is_finite()).then(|| t / n)
    }

    /// Newton corrector on the hyperplane through the predictor `zp` normal to `t`.
    fn correct(&self, zp: &DVector<f64>, t: &DVector<f64>) -> (DVector<f64>, bool) {
        let d = self.d;
        let mut zn = zp.clone();
        for _ in 0..12 {
            let (f, jac) = self.f_and_jac(&zn);
            let mut a = DMatrix::zeros(d + 1, d + 1);
            a.view_mut((0, 0), (d, d + 1)).copy_from(&jac);
            for m in 0..=d {
                a[(d, m)] = t[m];
            }
            let mut rhs = DVector::zeros(d + 1);
            rhs.rows_mut(0, d).copy_from(&f);
            rhs[d] = t.dot(&(&zn - zp));
            let Some(dz) = a.lu().solve(&rhs) else { break };
            zn -= &dz;
            if dz.norm() < 1e-10 {
                return (zn, true);
            }
        }
        (zn, false)
    }

    /// One half-branch from (x0, λ0) in direction `dir`; the reason it stopped early (none
    /// when it left the range or reached zero rate).
    fn trace(
        &self,
        x0: &[f64],
        lam0: f64,
        dir: f64,
        c: &Continuation,
    ) -> Result<(Vec<BranchPoint>, Option<String>)> {
        let ctx = crate::numerics::context::RunContext::current();
        let d = self.d;
        let mut z = self.scaled(x0, lam0);
        let mut t = DVector::zeros(d + 1);
        t[d] = dir;
        let (_, jac) = self.f_and_jac(&z);
        t = self
            .tangent(&jac, &t)
            .ok_or_else(|| Error::numerical("continuation: singular start"))?;
        if t[d] * dir < 0.0 {
            t = -t;
        }
        let mut h = c.step;
        let mut pts = Vec::new();
        let side = if dir > 0.0 { "forward" } else { "backward" };
        let mut stop = Some(format!(
            "{side}: max_points = {} reached before the branch left the range",
            c.max_points
        ));
        while pts.len() < c.max_points / 2 {
            if ctx.interrupted() {
                stop = Some(format!("{side}: interrupted (Ctrl-C)"));
                break;
            }
            let zp = &z + &t * h;
            let (zn, ok) = self.correct(&zp, &t);
            if !ok || zn.iter().any(|v| !v.is_finite()) || zn[0] < 0.0 {
                h *= 0.5;
                if h < 1e-8 && ok && zn[0] < 0.0 {
                    // The branch reaches zero rate: its physical end, not a truncation.
                    stop = None;
                    break;
                }
                if h < 1e-8 {
                    stop = Some(format!(
                        "{side}: the corrector failed down to the step floor 1e-8 at I = {:.6} pA",
                        self.unscale(&z).1
                    ));
                    break;
                }
                continue;
            }
            let (_, jac) = self.f_and_jac(&zn);
            let Some(mut tn) = self.tangent(&jac, &t) else {
                stop = Some(format!(
                    "{side}: singular tangent at I = {:.6} pA",
                    self.unscale(&zn).1
                ));
                break;
            };
            if tn.dot(&t) < 0.0 {
                tn = -tn;
            }
            z = zn;
            t = tn;
            let (x, lam) = self.unscale(&z);
            let eig = self.m.eigenvalues(&x, &self.inputs(lam));
            let stable = eig.iter().all(|e| e.0 < 0.0);
            pts.push(BranchPoint {
                param: lam,
                x,
                eig,
                stable,
            });
            if lam < c.range.0 || lam > c.range.1 {
                stop = None;
                break;
            }
            h = (h * 1.3).min(c.step);
        }
        Ok((pts, stop))
    }
}

crate::options! {
    /// Options of `IzhMeanField.resonance`.
    pub struct ResonanceOpts {
        /// drive frequencies (required)
        freqs: Vec<crate::options::Num> = Vec::new(), "Hz";
        /// population that receives the drive
        pop: crate::options::Count = crate::options::Count(0), "";
        /// drive amplitude A
        amplitude: crate::options::Num = crate::options::Num(1.0), "pA";
        /// time before the measurement, from the steady state
        transient: crate::options::Num = crate::options::Num(500.0), "ms";
        /// measurement window (rounded up to whole periods)
        window: crate::options::Num = crate::options::Num(1000.0), "ms";
    }
}

impl ResonanceOpts {
    /// The frequencies (Hz), checked non-empty.
    pub fn freqs(&self) -> Result<Vec<f64>> {
        if self.freqs.is_empty() {
            return Err(Error::param(
                "freqs",
                "[]",
                "is required: the drive frequencies (Hz)",
            ));
        }
        Ok(self.freqs.iter().map(|f| f.0).collect())
    }
}

impl IzhMeanField {
    /// Response to periodic drive: for each frequency f (Hz) the input of population `pop`
    /// is I + A sin(2π f t); after `transient` ms (from the steady state `x0`) the amplitude
    /// of the first Fourier component of every population's rate over a whole number of
    /// periods (at least `window` ms) is returned, in Hz, as [frequency][population].
    /// Frequencies are run in parallel (rayon). RK4 with dt = 0.01 ms.
    pub fn resonance(
        &self,
        x0: &[f64],
        pop: usize,
        freqs: &[f64],
        amplitude: f64,
        transient: f64,
        window: f64,
    ) -> Result<Vec<Vec<f64>>> {
        use rayon::prelude::*;
        if pop >= self.pops.len() {
            return Err(Error::param(
                "pop",
                pop,
                format!("must be below {}", self.pops.len()),
            ));
        }
        if freqs.iter().any(|f| !(*f > 0.0 && f.is_finite())) {
            return Err(Error::param(
                "freqs",
                format!("{freqs:?}"),
                "must be positive (Hz)",
            ));
        }
        let dt = 0.01;
        freqs
            .par_iter()
            .map(|&f| {
                let w = 2.0 * PI * f / 1000.0; // rad/ms
                let period = 1000.0 / f;
                let cycles = (window / period).ceil().max(1.0);
                let span = cycles * period;
                let base = self.i_ext.clone();
                let input = |t: f64| {
                    let mut i = base.clone();
                    i[pop] += amplitude * (w * t).sin();
                    i
                };
                let tr = self.integrate(x0, transient + span, dt, 1, &input)?;
                match tr.termination {
                    ode::Termination::Finished => {}
                    ode::Termination::Interrupted { .. } => return Err(Error::Interrupted),
                    ode::Termination::Diverged { t } => {
                        return Err(Error::numerical(format!(
                            "the mean field diverged at t = {t:.3} ms at {f} Hz (try a smaller dt)"
                        )));
                    }
                }
                let (ts, xs) = (tr.t, tr.x);
                let p = self.pops.len();
                let mut amp = vec![0.0; p];
                for (q, a) in amp.iter_mut().enumerate() {
                    let (mut re, mut im, mut n) = (0.0f64, 0.0f64, 0.0f64);
                    for (t, x) in ts.iter().zip(&xs) {
                        if *t > transient {
                            re += x[NVAR * q] * (w * t).cos();
                            im += x[NVAR * q] * (w * t).sin();
                            n += 1.0;
                        }
                    }
                    *a = 2.0 * (re * re + im * im).sqrt() / n.max(1.0) * 1000.0;
                }
                Ok(amp)
            })
            .collect()
    }
}

/// Largest real part among eigenvalues with non-zero imaginary part (a complex pair).
fn complex_lead(eig: &[(f64, f64)]) -> Option<(f64, f64)> {
    eig.iter()
        .filter(|e| e.1.abs() > 1e-9)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .copied()
}

fn lerp(a: &[f64], b: &[f64], w: f64) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x + w * (y - x)).collect()
}

fn find_special(points: &[BranchPoint]) -> Vec<SpecialPoint> {
    let mut out = Vec::new();
    for k in 1..points.len() {
        let (a, b) = (&points[k - 1], &points[k]);
        // fold: the parameter turns at b (compare the steps before and after it)
        if k + 1 < points.len() {
            let c = &points[k + 1];
            let (d1, d2) = (b.param - a.param, c.param - b.param);
            if d1 * d2 < 0.0 {
                // parabola through the three points in the r of population 0
                let (y0, y1, y2) = (a.x[0], b.x[0], c.x[0]);
                let (l0, l1, l2) = (a.param, b.param, c.param);
                // λ as a quadratic in s = r (monotone in r near a fold)
                let den = (y0 - y1) * (y0 - y2) * (y1 - y2);
                let (param, x) = if den.abs() > 0.0 {
                    let aa = (y2 * (l1 - l0) + y1 * (l0 - l2) + y0 * (l2 - l1)) / den;
                    let bb =
                        (y2 * y2 * (l0 - l1) + y1 * y1 * (l2 - l0) + y0 * y0 * (l1 - l2)) / den;
                    let cc = l1 - aa * y1 * y1 - bb * y1;
                    if aa != 0.0 {
                        let ys = -bb / (2.0 * aa);
                        let w = ((ys - y1) / (y2 - y1)).clamp(-1.0, 1.0);
                        let x = if w >= 0.0 {
                            lerp(&b.x, &c.x, w)
                        } else {
                            lerp(&b.x, &a.x, -w)
                        };
                        (cc - bb * bb / (4.0 * aa), x)
                    } else {
                        (l1, b.x.clone())
                    }
                } else {
                    (l1, b.x.clone())
                };
                out.push(SpecialPoint {
                    kind: Special::Fold,
                    param,
                    x,
                    freq_hz: 0.0,
                });
            }
        }
        // Hopf: a complex pair changes the sign of its real part
        if let (Some(ca), Some(cb)) = (complex_lead(&a.eig), complex_lead(&b.eig))
            && (ca.0 < 0.0) != (cb.0 < 0.0)
        {
            let w = ca.0 / (ca.0 - cb.0);
            let im = ca.1.abs() + w * (cb.1.abs() - ca.1.abs());
            out.push(SpecialPoint {
                kind: Special::Hopf,
                param: a.param + w * (b.param - a.param),
                x: lerp(&a.x, &b.x, w),
                freq_hz: im / (2.0 * PI) * 1000.0,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rs(delta: f64, d: f64) -> IzhMeanField {
        let mut p = IzhPop::cell_type("RS").unwrap();
        p.delta = delta;
        p.d = d;
        p.g_ampa = 15.0;
        p.tau_ampa = 6.0;
        IzhMeanField::new(vec![p], vec![vec![1.0]], vec![60.0]).unwrap()
    }

    #[test]
    fn steady_state_satisfies_equations_and_jacobian_matches() {
        let m = rs(1.0, 10.0);
        let x = m.settle(&m.initial_state()).unwrap();
        let mut f = vec![0.0; 5];
        m.rhs(&x, &mut f);
        assert!(f.iter().all(|v| v.abs() < 1e-9), "{f:?}");
        // s = J r tau at rest; u = b (v - v_r) + d r / a
        assert!((x[3] - 6.0 * x[0]).abs() < 1e-12);
    }
}

crate::options! {
    /// Options of `IzhMeanField.simulate` (the inputs `I` and the initial state `x0` are read
    /// by the binding: Signals and state maps).
    pub struct SimulateOpts {
        /// simulated time
        duration: crate::options::Num = crate::options::Num(1000.0), "ms";
        /// RK4 step
        dt: crate::options::Num = crate::options::Num(0.01), "ms";
        /// record every k-th step
        every: crate::options::Count = crate::options::Count(10), "";
    }
}

crate::options! {
    /// Options of `IzhMeanField.continuation` (the start state `x0` is read by the binding).
    pub struct ContinuationOpts {
        /// index of the population whose input current is the parameter
        pop: crate::options::Count = crate::options::Count(0), "";
        /// [lo, hi]: the branch stops when it leaves this interval (required)
        range: Option<Vec<crate::options::Num>> = None, "pA";
        /// initial and largest arclength step (scaled units), in (0, 10]
        step: crate::options::Num = crate::options::Num(0.05), "";
        /// most branch points, in [2, 1e7] (each keeps its state and eigenvalues)
        max_points: crate::options::Count = crate::options::Count(20000), "";
    }
}

impl ContinuationOpts {
    /// The validated continuation settings.
    pub fn build(&self) -> Result<Continuation> {
        let range = match self.range.as_deref() {
            Some([lo, hi]) => (lo.0, hi.0),
            Some(other) => {
                return Err(Error::param(
                    "range",
                    format!("{} values", other.len()),
                    "must be [lo, hi] (pA)",
                ));
            }
            None => return Err(Error::param("range", "none", "[lo, hi] (pA) is required")),
        };
        let step = self.step.0;
        if !(step > 0.0 && step <= 10.0) {
            return Err(Error::param("step", step, "must be in (0, 10]"));
        }
        let max_points = self.max_points.0;
        if !(2..=10_000_000).contains(&max_points) {
            return Err(Error::param(
                "max_points",
                max_points,
                "must be in [2, 1e7] (each point keeps its state and eigenvalues)",
            ));
        }
        Ok(Continuation {
            pop: self.pop.0 as usize,
            range,
            step,
            max_points: max_points as usize,
        })
    }
}
