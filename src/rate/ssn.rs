//! The stabilised supralinear network (SSN) with P populations (Eq 2, 3 of the reference):
//!
//! τ_X dν_X/dt = −ν_X + f_X(μ_X),  μ_X = Σ_Y s_Y J_XY ν_Y + μ_ext,X,
//!
//! with f_X a threshold power law, J_XY ≥ 0 magnitudes and s_Y = +1 for excitatory,
//! −1 for inhibitory presynaptic populations (the paper's sign convention).
//!
//! For P = 2 (one E, one I population) [`Ssn::steady_states`] finds *all* steady states by
//! an exact one-dimensional reduction (see [`super::roots`]): with det J ≥ 0 the unknown is
//! the E input above threshold z (ν_E = a_E z^{n_E}, ν_I from the E equation), with det J < 0
//! the I input above threshold w; both make the remaining scalar equation a difference of
//! convex functions whose roots are isolated with certified bounds, and the far tail is
//! excluded by a concavity argument. The ν = 0 branches are solved separately and exactly.
//! For P > 2 every active set (subset of populations above threshold, the others silent) is
//! searched by multi-start damped Newton in the inputs above threshold; completeness is not
//! certified, and the answer says so (`complete: false`).

use super::roots::{DcEval, concave_roots, dc_roots};
use crate::error::{Error, Result, check_finite, check_positive};
use crate::neuron::PowerLaw;
use crate::numerics::ode;
use crate::numerics::roots::brent;
use crate::numerics::timecourse::TimeCourse;
use nalgebra::{DMatrix, DVector};

/// Population type: sets the sign of its outgoing weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PopKind {
    /// Excitatory (+).
    E,
    /// Inhibitory (−).
    I,
}

/// A P-population SSN.
#[derive(Debug, Clone)]
pub struct Ssn {
    /// Transfer function of each population.
    pub f: Vec<PowerLaw>,
    /// Coupling magnitudes J[X][Y] ≥ 0 (mV), postsynaptic X, presynaptic Y.
    pub j: Vec<Vec<f64>>,
    /// Type of each population.
    pub kinds: Vec<PopKind>,
    /// Time constants (ms); default 20 for E and 10 for I.
    pub tau: Vec<f64>,
}

/// One steady state and its classification.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SteadyState {
    /// Rates (Hz).
    pub nu: Vec<f64>,
    /// Total input of each population (mV/s).
    pub mu: Vec<f64>,
    /// Eigenvalues (re, im) of the Jacobian of the rate dynamics (1/ms).
    pub eig: Vec<(f64, f64)>,
    /// All eigenvalues have negative real part.
    pub stable: bool,
    /// Inhibition-stabilised: the E subnetwork alone is unstable, J_EE f_E'(μ_E) > 1 (Eq 7).
    pub isn: bool,
    /// dν_E/dμ_ext along the input direction (Hz per mV/s); negative = supersaturating.
    pub dnu_e_dmu: f64,
    /// Largest fixed-point residual |ν − f(μ)| (Hz).
    pub residual: f64,
    /// Found at a fold (two states merging); its stability is marginal.
    pub at_fold: bool,
}

impl SteadyState {
    /// E rate decreases with increasing input along the input direction.
    pub fn supersaturating(&self) -> bool {
        self.dnu_e_dmu < 0.0
    }
}

/// All steady states at one input and what the solver certifies about them.
#[derive(Debug, Clone)]
pub struct SteadyStates {
    /// The states, sorted by ν_E.
    pub states: Vec<SteadyState>,
    /// det J = J_EI J_IE − J_EE J_II (P = 2), NaN otherwise.
    pub det: f64,
    /// The count obeys the parity rule (odd for det J > 0, even for det J < 0).
    pub parity_ok: bool,
    /// True when the search is certified complete (P = 2 with n ≥ 1 and a certified tail).
    pub complete: bool,
    /// External input used (mV/s).
    pub mu_ext: Vec<f64>,
}

impl SteadyStates {
    /// Number of stable states.
    pub fn n_stable(&self) -> usize {
        self.states.iter().filter(|s| s.stable).count()
    }
}

impl std::fmt::Display for Ssn {
    /// Populations, τ, J (and det J for an E–I pair) and one power law per line.
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let kinds: Vec<&str> = self
            .kinds
            .iter()
            .map(|k| if *k == PopKind::E { "E" } else { "I" })
            .collect();
        write!(
            f,
            "Ssn({} populations [{}], tau = {:?} ms",
            self.size(),
            kinds.join(", "),
            self.tau
        )?;
        if self.is_ei() {
            let j = &self.j;
            write!(
                f,
                ", J = [[{}, {}], [{}, {}]] mV, det J = {:.4}",
                j[0][0],
                j[0][1],
                j[1][0],
                j[1][1],
                self.det()
            )?;
        }
        for (k, law) in self.f.iter().enumerate() {
            write!(
                f,
                "\n  f[{}] ({}): nu = {:.5e} (mu - {:.4})_+^{:.4}",
                k, kinds[k], law.a, law.b, law.n
            )?;
        }
        f.write_str(")")
    }
}

impl std::str::FromStr for PopKind {
    type Err = Error;
    /// "E" or "I" (either case).
    fn from_str(s: &str) -> Result<PopKind> {
        match s {
            "E" | "e" => Ok(PopKind::E),
            "I" | "i" => Ok(PopKind::I),
            other => Err(Error::param(
                "types",
                format!("{other:?}"),
                "a population type must be \"E\" or \"I\"",
            )),
        }
    }
}

crate::options! {
    /// Options of `ssn(#{ f, J, tau, types })` other than `f` (the PowerLaw values, read by the
    /// binding).
    pub struct SsnOpts {
        /// coupling magnitudes J[post][pre], one row and column per population (required)
        J: Vec<Vec<crate::options::Num>> = Vec::new(), "mV";
        /// time constants per population (none: 20 for E, 10 for I)
        tau: Option<Vec<crate::options::Num>> = None, "ms";
        /// "E" or "I" per population (none: [E, I] for two populations)
        types: Option<Vec<String>> = None, "";
    }
}

impl SsnOpts {
    /// The SSN with these transfer functions (checked: J is P × P, types given for P ≠ 2).
    pub fn ssn(&self, f: Vec<PowerLaw>) -> Result<Ssn> {
        let p = f.len();
        if self.J.is_empty() {
            return Err(Error::param(
                "J",
                "none",
                "is required: the matrix of coupling magnitudes (mV)",
            ));
        }
        if self.J.len() != p || self.J.iter().any(|r| r.len() != p) {
            return Err(Error::param(
                "J",
                format!("{}x{}", self.J.len(), self.J.first().map_or(0, |r| r.len())),
                format!(
                    "`f` has {p} transfer function(s): J must be {p}x{p}, one row and column per transfer function"
                ),
            ));
        }
        let kinds = match &self.types {
            None if p == 2 => vec![PopKind::E, PopKind::I],
            None => {
                return Err(Error::param(
                    "types",
                    "none",
                    "is required (e.g. [\"E\", \"I\", \"I\"]) unless there are exactly 2 populations (then E, I)",
                ));
            }
            Some(t) => t
                .iter()
                .map(|s| s.parse::<PopKind>())
                .collect::<Result<_>>()?,
        };
        let j = self
            .J
            .iter()
            .map(|r| r.iter().map(|x| x.0).collect())
            .collect();
        let tau = self.tau.as_ref().map(|t| t.iter().map(|x| x.0).collect());
        Ssn::new(f, j, kinds, tau)
    }
}

/// The (post, pre) indices of an E–I coupling named "J_EE", "J_EI", "J_IE" or "J_II".
pub fn coupling_index(name: &str) -> Result<(usize, usize)> {
    match name {
        "J_EE" => Ok((0, 0)),
        "J_EI" => Ok((0, 1)),
        "J_IE" => Ok((1, 0)),
        "J_II" => Ok((1, 1)),
        other => Err(Error::param(
            "which",
            format!("{other:?}"),
            "must be J_EE, J_EI, J_IE or J_II",
        )),
    }
}

impl Ssn {
    /// A copy with the E–I coupling `name` ("J_EE", ...) set to `value` (validated).
    pub fn with_coupling(&self, name: &str, value: f64) -> Result<Ssn> {
        let (x, y) = coupling_index(name)?;
        let mut j = self.j.clone();
        j[x][y] = value;
        Ssn::new(
            self.f.clone(),
            j,
            self.kinds.clone(),
            Some(self.tau.clone()),
        )
    }

    /// A validated SSN. `tau` defaults to 20 ms (E) and 10 ms (I).
    pub fn new(
        f: Vec<PowerLaw>,
        j: Vec<Vec<f64>>,
        kinds: Vec<PopKind>,
        tau: Option<Vec<f64>>,
    ) -> Result<Self> {
        let p = f.len();
        if p == 0 {
            return Err(Error::param("f", "[]", "at least one population is needed"));
        }
        if j.len() != p || j.iter().any(|r| r.len() != p) {
            return Err(Error::Shape(format!(
                "J must be {p}×{p} for {p} transfer functions"
            )));
        }
        for (x, row) in j.iter().enumerate() {
            for (y, &v) in row.iter().enumerate() {
                if !(v.is_finite() && v >= 0.0) {
                    return Err(Error::param(
                        &format!("J[{x}][{y}]"),
                        v,
                        "must be a finite magnitude >= 0 (mV); signs come from the population types",
                    ));
                }
            }
        }
        if kinds.len() != p {
            return Err(Error::Shape(format!(
                "{} population types for {p} populations",
                kinds.len()
            )));
        }
        let tau = match tau {
            Some(t) => {
                if t.len() != p {
                    return Err(Error::Shape(format!(
                        "{} time constants for {p} populations",
                        t.len()
                    )));
                }
                for (i, &x) in t.iter().enumerate() {
                    check_positive(&format!("tau[{i}]"), x, "ms")?;
                }
                t
            }
            None => kinds
                .iter()
                .map(|k| if *k == PopKind::E { 20.0 } else { 10.0 })
                .collect(),
        };
        Ok(Ssn { f, j, kinds, tau })
    }

    /// The usual E–I pair: f = [f_E, f_I], J = [[J_EE, J_EI], [J_IE, J_II]] magnitudes.
    pub fn ei(fe: PowerLaw, fi: PowerLaw, j: [[f64; 2]; 2], tau: Option<[f64; 2]>) -> Result<Self> {
        Ssn::new(
            vec![fe, fi],
            j.iter().map(|r| r.to_vec()).collect(),
            vec![PopKind::E, PopKind::I],
            tau.map(|t| t.to_vec()),
        )
    }

    /// Fig 2B peak control of an E–I pair: J_EI → f J_EI and J_IE → J_IE / f (drive it with
    /// r / f). This keeps r J_EI, hence ν_I at the peak, and raises the E peak for f > 1.
    pub fn peak_control(&self, f: f64) -> Result<Ssn> {
        if !(f.is_finite() && f > 0.0) {
            return Err(Error::param("f", f, "must be a finite factor > 0"));
        }
        if !self.is_ei() {
            return Err(Error::param(
                "network",
                format!("{} populations", self.size()),
                "peak control needs an E-I pair",
            ));
        }
        let mut m = self.clone();
        m.j[0][1] *= f;
        m.j[1][0] /= f;
        Ok(m)
    }

    /// Number of populations.
    pub fn size(&self) -> usize {
        self.f.len()
    }

    /// True for the standard 2-population E–I network.
    pub fn is_ei(&self) -> bool {
        self.size() == 2 && self.kinds == [PopKind::E, PopKind::I]
    }

    /// Signed weight s_Y J_XY.
    pub fn w(&self, x: usize, y: usize) -> f64 {
        let s = if self.kinds[y] == PopKind::E {
            1.0
        } else {
            -1.0
        };
        s * self.j[x][y]
    }

    /// det J = J_EI J_IE − J_EE J_II (magnitudes) for an E–I pair; NaN otherwise.
    pub fn det(&self) -> f64 {
        if self.is_ei() {
            self.j[0][1] * self.j[1][0] - self.j[0][0] * self.j[1][1]
        } else {
            f64::NAN
        }
    }

    /// Total input μ_X = Σ_Y w_XY ν_Y + μ_ext,X.
    pub fn total_input(&self, nu: &[f64], mu_ext: &[f64]) -> Vec<f64> {
        (0..self.size())
            .map(|x| mu_ext[x] + (0..self.size()).map(|y| self.w(x, y) * nu[y]).sum::<f64>())
            .collect()
    }

    /// Right-hand side of the rate dynamics dν/dt (Hz/ms).
    pub fn rhs(&self, nu: &[f64], mu_ext: &[f64]) -> Vec<f64> {
        let mu = self.total_input(nu, mu_ext);
        (0..self.size())
            .map(|x| (-nu[x] + self.f[x].rate(mu[x])) / self.tau[x])
            .collect()
    }

    fn check_input(&self, mu_ext: &[f64]) -> Result<()> {
        if mu_ext.len() != self.size() {
            return Err(Error::Shape(format!(
                "{} inputs for {} populations",
                mu_ext.len(),
                self.size()
            )));
        }
        for (i, &m) in mu_ext.iter().enumerate() {
            if !m.is_finite() {
                check_finite(&format!("mu_ext[{i}]"), m, "mV/s")?;
            }
        }
        Ok(())
    }

    /// Fixed-point residual ν − f(Wν + μ_ext).
    fn residual_vec(&self, nu: &[f64], mu_ext: &[f64]) -> Vec<f64> {
        let mu = self.total_input(nu, mu_ext);
        (0..self.size())
            .map(|x| nu[x] - self.f[x].rate(mu[x]))
            .collect()
    }

    /// I − G W, with G = diag(f'(μ)): the Jacobian of ν − f(Wν + μ_ext).
    fn one_minus_gw(&self, g: &[f64]) -> DMatrix<f64> {
        let p = self.size();
        DMatrix::from_fn(p, p, |x, y| {
            (if x == y { 1.0 } else { 0.0 }) - g[x] * self.w(x, y)
        })
    }

    /// (I − G W) x = r for P = 2 by Cramer's rule; None when singular.
    fn solve2(&self, g: &[f64], r: &[f64]) -> Option<[f64; 2]> {
        let k = |x: usize, y: usize| (if x == y { 1.0 } else { 0.0 }) - g[x] * self.w(x, y);
        let (k00, k01, k10, k11) = (k(0, 0), k(0, 1), k(1, 0), k(1, 1));
        let det = k00 * k11 - k01 * k10;
        if det == 0.0 || !det.is_finite() {
            return None;
        }
        Some([
            (r[0] * k11 - k01 * r[1]) / det,
            (k00 * r[1] - k10 * r[0]) / det,
        ])
    }

    /// Solves (I − G W) x = r; closed form for P = 2, LU otherwise. None when singular.
    fn solve_one_minus_gw(&self, g: &[f64], r: &[f64]) -> Option<Vec<f64>> {
        if self.size() == 2 {
            return self.solve2(g, r).map(|x| x.to_vec());
        }
        self.one_minus_gw(g)
            .lu()
            .solve(&DVector::from_column_slice(r))
            .map(|d| d.iter().copied().collect())
    }

    /// Classifies a fixed point: Jacobian, eigenvalues, ISN, linear response along `dir`.
    pub fn classify(&self, nu: &[f64], mu_ext: &[f64], dir: &[f64]) -> SteadyState {
        let p = self.size();
        let mu = self.total_input(nu, mu_ext);
        let (rates, g): (Vec<f64>, Vec<f64>) = (0..p).map(|x| self.f[x].rate_deriv(mu[x])).unzip();
        let e_idx = self.kinds.iter().position(|k| *k == PopKind::E);
        // Eigenvalues of T^{-1}(−I + G W) and the linear response dν = (I − G W)^{-1} G dir;
        // closed form for P = 2.
        let (eig, dnu): (Vec<(f64, f64)>, Option<Vec<f64>>) = if p == 2 {
            let k = |x: usize, y: usize| (if x == y { 1.0 } else { 0.0 }) - g[x] * self.w(x, y);
            let (k00, k01, k10, k11) = (k(0, 0), k(0, 1), k(1, 0), k(1, 1));
            let (a, b, c, d) = (
                -k00 / self.tau[0],
                -k01 / self.tau[0],
                -k10 / self.tau[1],
                -k11 / self.tau[1],
            );
            let tr = a + d;
            let disc = 0.25 * tr * tr - (a * d - b * c);
            let eig = if disc >= 0.0 {
                let s = disc.sqrt();
                vec![(0.5 * tr + s, 0.0), (0.5 * tr - s, 0.0)]
            } else {
                let s = (-disc).sqrt();
                vec![(0.5 * tr, s), (0.5 * tr, -s)]
            };
            let kd = k00 * k11 - k01 * k10;
            let (r0, r1) = (g[0] * dir[0], g[1] * dir[1]);
            let dnu =
                (kd != 0.0).then(|| vec![(r0 * k11 - k01 * r1) / kd, (k00 * r1 - k10 * r0) / kd]);
            (eig, dnu)
        } else {
            let a = self.one_minus_gw(&g);
            let jac = DMatrix::from_fn(p, p, |x, y| -a[(x, y)] / self.tau[x]);
            let eig = jac
                .complex_eigenvalues()
                .iter()
                .map(|c| (c.re, c.im))
                .collect();
            let rhs = DVector::from_fn(p, |x, _| g[x] * dir[x]);
            (eig, a.lu().solve(&rhs).map(|d| d.iter().copied().collect()))
        };
        let stable = eig.iter().all(|e| e.0 < 0.0);
        let isn = e_idx.is_some_and(|e| self.j[e][e] * g[e] > 1.0);
        let dnu_e = match (dnu, e_idx) {
            (Some(d), Some(e)) => d[e],
            _ => f64::NAN,
        };
        let residual = nu
            .iter()
            .zip(&rates)
            .fold(0.0f64, |m, (v, r)| m.max((v - r).abs()));
        SteadyState {
            nu: nu.to_vec(),
            mu,
            eig,
            stable,
            isn,
            dnu_e_dmu: dnu_e,
            residual,
            at_fold: false,
        }
    }

    /// All steady states for external input μ_ext (mV/s per population). `dir` is the input
    /// direction used for the supersaturation test (default: μ_ext itself, i.e. the ray
    /// through the origin — for an E–I pair with μ_I = r μ_E that is (1, r)).
    pub fn steady_states(&self, mu_ext: &[f64], dir: Option<&[f64]>) -> Result<SteadyStates> {
        self.check_input(mu_ext)?;
        let default_dir: Vec<f64> = if mu_ext.iter().all(|m| *m == 0.0) {
            let mut d = vec![0.0; self.size()];
            d[0] = 1.0;
            d
        } else {
            mu_ext.to_vec()
        };
        let dir = dir.unwrap_or(&default_dir);
        let (nus, complete, folds): (Vec<Vec<f64>>, bool, Vec<bool>) =
            if self.is_ei() && self.f.iter().all(|f| f.n >= 1.0) {
                let (v, c) = self.ei_fixed_points(mu_ext[0], mu_ext[1]);
                let folds = v.iter().map(|s| s.2).collect();
                (v.into_iter().map(|s| vec![s.0, s.1]).collect(), c, folds)
            } else {
                let v = self.multistart(mu_ext)?;
                let n = v.len();
                (v, false, vec![false; n])
            };
        let mut states: Vec<SteadyState> = nus
            .iter()
            .zip(folds)
            .map(|(nu, fold)| {
                let mut s = self.classify(nu, mu_ext, dir);
                s.at_fold = fold;
                s
            })
            .collect();
        states.sort_by(|a, b| a.nu[0].total_cmp(&b.nu[0]));
        let det = self.det();
        let n = states.len() + states.iter().filter(|s| s.at_fold).count();
        let parity_ok = if det.is_nan() || det == 0.0 {
            true
        } else if det > 0.0 {
            n % 2 == 1
        } else {
            n.is_multiple_of(2)
        };
        Ok(SteadyStates {
            states,
            det,
            parity_ok,
            complete,
            mu_ext: mu_ext.to_vec(),
        })
    }

    /// The unique ν_I solving the I equation for a given ν_E (E–I pair).
    fn solve_i(&self, nu_e: f64, mi: f64) -> f64 {
        let fi = self.f[1];
        let (jie, jii) = (self.j[1][0], self.j[1][1]);
        let top = fi.rate(jie * nu_e + mi);
        if top <= 0.0 {
            return 0.0;
        }
        if jii == 0.0 {
            return top;
        }
        brent(|v| v - fi.rate(jie * nu_e - jii * v + mi), 0.0, top)
    }

    /// Roots ν ≥ 0 of ν = a (J ν + k − b)_+^n (one population with self-coupling J ≥ 0).
    fn self_roots(law: &PowerLaw, jself: f64, k: f64) -> Vec<f64> {
        let kk = k - law.b;
        if jself == 0.0 {
            return vec![law.rate(k)];
        }
        let mut out = Vec::new();
        if kk <= 0.0 {
            out.push(0.0);
        }
        // ν > 0 with x = J ν + kk > 0: h(x) = (x − kk)/J − a x^n, concave in x.
        let x0 = kk.max(0.0);
        let h = |x: f64| (x - kk) / jself - law.a * x.powf(law.n);
        let xmax = if law.n > 1.0 {
            Some((1.0 / (jself * law.a * law.n)).powf(1.0 / (law.n - 1.0)))
        } else {
            None
        };
        if law.n == 1.0 && 1.0 / jself - law.a >= 0.0 {
            // Linear, non-decreasing: a root only if h(x0) ≤ 0 < slope … h(x0) ≥ 0 here when kk < 0.
            if kk > 0.0 && 1.0 / jself - law.a > 0.0 {
                let x = kk / (1.0 - jself * law.a);
                out.push((x - kk) / jself);
            }
        } else {
            for x in concave_roots(&h, x0, xmax) {
                let nu = (x - kk) / jself;
                if nu > 0.0 {
                    out.push(nu);
                }
            }
        }
        out.sort_by(f64::total_cmp);
        out.dedup();
        out
    }

    /// All fixed points (ν_E, ν_I, at_fold) of an E–I pair and whether the search is certified.
    fn ei_fixed_points(&self, me: f64, mi: f64) -> (Vec<(f64, f64, bool)>, bool) {
        let (fe, fi) = (self.f[0], self.f[1]);
        let [jee, jei] = [self.j[0][0], self.j[0][1]];
        let [jie, jii] = [self.j[1][0], self.j[1][1]];
        let mut out: Vec<(f64, f64, bool)> = Vec::new();
        let mut complete = true;
        if jei == 0.0 {
            for ne in Self::self_roots(&fe, jee, me) {
                out.push((ne, self.solve_i(ne, mi), false));
            }
        } else if jie == 0.0 {
            let ni = self.solve_i(0.0, mi);
            for ne in Self::self_roots(&fe, jee, me - jei * ni) {
                out.push((ne, ni, false));
            }
        } else {
            let det = jei * jie - jee * jii;
            let c = me - fe.b;
            let d = mi - fi.b;
            if det >= 0.0 {
                // ν_E = 0 branch.
                let ni0 = self.solve_i(0.0, mi);
                if c - jei * ni0 <= 0.0 {
                    out.push((0.0, ni0, false));
                }
                // z > 0: H(z) = P(z) − Q(z), P(z) = ν_I from the E equation.
                let (ae, ne_) = (fe.a, fe.n);
                let pv = |z: f64| (jee * ae * z.powf(ne_) - z + c) / jei;
                let pq = |z: f64| {
                    let zn1 = z.powf(ne_ - 1.0);
                    let pv = (jee * ae * zn1 * z - z + c) / jei;
                    let dp = (jee * ae * ne_ * zn1 - 1.0) / jei;
                    let w = jie * ae * zn1 * z - jii * pv + d;
                    let (q, dq) = if w <= 0.0 {
                        (0.0, 0.0)
                    } else {
                        let dw = jie * ae * ne_ * zn1 - jii * dp;
                        let wn1 = w.powf(fi.n - 1.0);
                        (fi.a * wn1 * w, fi.a * fi.n * wn1 * dw)
                    };
                    DcEval { p: pv, dp, q, dq }
                };
                // Tail: H ≤ B(s) = (J_EE a_E s + c)/J_EI − a_I (k s + w0)_+^{n_I}, s = z^{n_E}.
                let tail = TailBound {
                    alpha: jee * ae / jei,
                    beta: c / jei,
                    a: fi.a,
                    k: det * ae / jei,
                    w0: d - jii * c / jei,
                    n: fi.n,
                };
                let (hi, certified) = tail.cutoff(1.0 / ne_);
                complete &= certified;
                let (roots, searched) = dc_roots(&pq, 0.0, hi);
                complete &= searched;
                for r in roots {
                    if r.x <= 0.0 {
                        continue;
                    }
                    let nu_e = fe.a * r.x.powf(ne_);
                    let nu_i = pv(r.x).max(0.0);
                    out.push((nu_e, nu_i, r.double));
                }
            } else {
                // ν_I = 0 branch: E alone.
                for ne in Self::self_roots(&fe, jee, me) {
                    if jie * ne + d <= 0.0 {
                        out.push((ne, 0.0, false));
                    }
                }
                // w > 0: G(w) = P(w) − Q(w), P(w) = ν_E from the I equation.
                let (ai, ni_) = (fi.a, fi.n);
                let pv = |w: f64| (w + jii * ai * w.powf(ni_) - d) / jie;
                let pq = |w: f64| {
                    let wn1 = w.powf(ni_ - 1.0);
                    let pv = (w + jii * ai * wn1 * w - d) / jie;
                    let dp = (1.0 + jii * ai * ni_ * wn1) / jie;
                    let z = jee * pv - jei * ai * wn1 * w + c;
                    let (q, dq) = if z <= 0.0 {
                        (0.0, 0.0)
                    } else {
                        let dz = jee * dp - jei * ai * ni_ * wn1;
                        let zn1 = z.powf(fe.n - 1.0);
                        (fe.a * zn1 * z, fe.a * fe.n * zn1 * dz)
                    };
                    DcEval { p: pv, dp, q, dq }
                };
                // Tail (w ≥ 1, t = w^{n_I} ≥ w): G ≤ ((1 + J_II a_I) t + |d|)/J_IE − a_E (k' t + z0)_+^{n_E}.
                let tail = TailBound {
                    alpha: (1.0 + jii * ai) / jie,
                    beta: d.abs() / jie,
                    a: fe.a,
                    k: -det * ai / jie,
                    w0: c - jee * d / jie,
                    n: fe.n,
                };
                let (hi, certified) = tail.cutoff(1.0 / ni_);
                complete &= certified;
                let (roots, searched) = dc_roots(&pq, 0.0, hi.max(1.0));
                complete &= searched;
                for r in roots {
                    if r.x <= 0.0 {
                        continue;
                    }
                    let nu_i = ai * r.x.powf(ni_);
                    let nu_e = pv(r.x).max(0.0);
                    out.push((nu_e, nu_i, r.double));
                }
            }
        }
        out.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        out.dedup_by(|a, b| {
            (a.0 - b.0).abs() <= 1e-10 * (1.0 + a.0.abs())
                && (a.1 - b.1).abs() <= 1e-10 * (1.0 + a.1.abs())
        });
        // Polish with Newton on the full 2-D system (removes reduction round-off).
        // Candidates whose residual is not small even after polishing are round-off artefacts
        // of the reduction at astronomically large rates; drop them.
        let n_cand = out.len();
        let out: Vec<(f64, f64, bool)> = out
            .into_iter()
            .filter_map(|(e, i, f)| {
                let v = self.polish(&[e, i], &[me, mi]);
                self.is_fixed_point(&v, &[me, mi], 1e-7)
                    .then_some((v[0], v[1], f))
            })
            .collect();
        complete &= out.len() == n_cand;
        (out, complete)
    }

    /// True when ν solves the fixed-point equations to `rtol` relative, allowing for the
    /// floating-point error of forming μ from large cancelling terms.
    pub fn is_fixed_point(&self, nu: &[f64], mu_ext: &[f64], rtol: f64) -> bool {
        let mu = self.total_input(nu, mu_ext);
        (0..self.size()).all(|x| {
            let terms: f64 =
                mu_ext[x].abs() + (0..self.size()).map(|y| self.j[x][y] * nu[y]).sum::<f64>();
            let (rate, gain) = self.f[x].rate_deriv(mu[x]);
            let tol = rtol * (1.0 + nu[x]) + 64.0 * f64::EPSILON * terms * gain;
            (nu[x] - rate).abs() <= tol
        })
    }

    /// A few Newton steps on ν − f(Wν + μ) = 0, kept only if they reduce the residual.
    fn polish(&self, nu: &[f64], mu_ext: &[f64]) -> Vec<f64> {
        let p = self.size();
        if p == 2 {
            return self
                .polish2([nu[0], nu[1]], [mu_ext[0], mu_ext[1]])
                .to_vec();
        }
        let res = |v: &[f64]| self.residual_vec(v, mu_ext);
        let norm = |r: &[f64]| r.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        let mut v = nu.to_vec();
        let mut r = res(&v);
        for _ in 0..5 {
            if norm(&r) == 0.0 {
                break;
            }
            let mu = self.total_input(&v, mu_ext);
            let g: Vec<f64> = (0..p).map(|x| self.f[x].deriv(mu[x])).collect();
            let Some(step) = self.solve_one_minus_gw(&g, &r) else {
                break;
            };
            let cand: Vec<f64> = (0..p).map(|x| (v[x] - step[x]).max(0.0)).collect();
            let rc = res(&cand);
            if norm(&rc) < norm(&r) {
                v = cand;
                r = rc;
            } else {
                break;
            }
        }
        v
    }

    /// [`Self::polish`] for P = 2 on the stack (the hot path of the E–I solver).
    fn polish2(&self, nu: [f64; 2], mu_ext: [f64; 2]) -> [f64; 2] {
        let w = [[self.w(0, 0), self.w(0, 1)], [self.w(1, 0), self.w(1, 1)]];
        let mu = |v: [f64; 2]| {
            [
                mu_ext[0] + w[0][0] * v[0] + w[0][1] * v[1],
                mu_ext[1] + w[1][0] * v[0] + w[1][1] * v[1],
            ]
        };
        // Residual and gains at v, one powf per population.
        let res = |v: [f64; 2]| {
            let m = mu(v);
            let (r0, g0) = self.f[0].rate_deriv(m[0]);
            let (r1, g1) = self.f[1].rate_deriv(m[1]);
            ([v[0] - r0, v[1] - r1], [g0, g1])
        };
        let norm = |r: [f64; 2]| r[0].abs().max(r[1].abs());
        let mut v = nu;
        let (mut r, mut g) = res(v);
        for _ in 0..5 {
            if norm(r) == 0.0 {
                break;
            }
            let Some(step) = self.solve2(&g, &r) else {
                break;
            };
            let cand = [(v[0] - step[0]).max(0.0), (v[1] - step[1]).max(0.0)];
            let (rc, gc) = res(cand);
            if norm(rc) < norm(r) {
                v = cand;
                r = rc;
                g = gc;
            } else {
                break;
            }
        }
        v
    }

    /// Steady states for general P, searched on every *active set*: for each subset S of
    /// populations assumed above threshold (the others silent), the reduced system in the
    /// inputs above threshold z_S = μ_S − b_S > 0,
    /// z_x = μ_ext,x − b_x + Σ_{y∈S} w_xy a_y z_y^{n_y},
    /// is solved by damped Newton from a lattice of starts (rates 0.01 Hz to 2 kHz), and a root
    /// is kept when every silent population really is at or below threshold. Searching each
    /// face separately finds the states with some populations silent, which a search over all
    /// P rates at once tends to miss (its Newton steps are clamped at ν = 0). Completeness is
    /// not certified (the caller reports `complete: false`).
    fn multistart(&self, mu_ext: &[f64]) -> Result<Vec<Vec<f64>>> {
        let ctx = crate::numerics::context::RunContext::current();
        let p = self.size();
        if p > 16 {
            return Err(Error::param(
                "f",
                p,
                "at most 16 populations (the steady-state search visits every subset of active populations)",
            ));
        }
        let mut found: Vec<Vec<f64>> = Vec::new();
        let keep = |v: Vec<f64>, found: &mut Vec<Vec<f64>>| {
            if !found.iter().any(|f| {
                f.iter()
                    .zip(&v)
                    .all(|(a, b)| (a - b).abs() <= 1e-7 * (1.0 + a.abs()))
            }) {
                found.push(v);
            }
        };
        // All silent: a fixed point when no population is driven above threshold.
        if (0..p).all(|x| self.f[x].rate(mu_ext[x]) == 0.0) {
            keep(vec![0.0; p], &mut found);
        }
        let levels = [0.01, 0.1, 1.0, 5.0, 20.0, 100.0, 500.0, 2000.0];
        for mask in 1u32..(1u32 << p) {
            ctx.check()?;
            let act: Vec<usize> = (0..p).filter(|&x| mask & (1 << x) != 0).collect();
            let k = act.len();
            // A full lattice up to 4 active populations, a cyclic sample of it beyond.
            let full = levels.len().pow(k.min(4) as u32);
            for idx in 0..full {
                let mut start = vec![0.0; k];
                let mut q = idx;
                for (i, item) in start.iter_mut().enumerate() {
                    if i < 4 {
                        *item = levels[q % levels.len()];
                        q /= levels.len();
                    } else {
                        *item = levels[(idx + i) % levels.len()];
                    }
                }
                let z0: Vec<f64> = act
                    .iter()
                    .zip(&start)
                    .map(|(&x, &nu)| (nu / self.f[x].a).powf(1.0 / self.f[x].n))
                    .collect();
                if let Some(nu) = self.newton_active(&act, &z0, mu_ext)
                    && self.is_fixed_point(&nu, mu_ext, 1e-9)
                {
                    keep(self.polish(&nu, mu_ext), &mut found);
                }
            }
        }
        Ok(found)
    }

    /// Damped Newton on the active set `act` in the inputs above threshold z (see
    /// [`Self::multistart`]); the full rate vector when it converges to z > 0 with every
    /// other population at or below threshold.
    fn newton_active(&self, act: &[usize], z0: &[f64], mu_ext: &[f64]) -> Option<Vec<f64>> {
        let k = act.len();
        let g = |z: &[f64]| -> Vec<f64> {
            act.iter()
                .enumerate()
                .map(|(i, &x)| {
                    let drive: f64 = act
                        .iter()
                        .zip(z)
                        .map(|(&y, &zy)| self.w(x, y) * self.f[y].a * zy.powf(self.f[y].n))
                        .sum();
                    z[i] - (mu_ext[x] - self.f[x].b) - drive
                })
                .collect()
        };
        let norm = |r: &[f64]| r.iter().map(|x| x * x).sum::<f64>().sqrt();
        // Residuals are judged against the size of the terms: 1 + |z| + Σ |μ_ext − b|.
        let drive: f64 = act.iter().map(|&x| (mu_ext[x] - self.f[x].b).abs()).sum();
        let scale = |z: &[f64]| 1.0 + norm(z) + drive;
        let mut z = z0.to_vec();
        let mut r = g(&z);
        for _ in 0..200 {
            let nr = norm(&r);
            if nr < 1e-13 * scale(&z) {
                break;
            }
            let jac = DMatrix::from_fn(k, k, |i, j| {
                let (x, y) = (act[i], act[j]);
                let d = self.w(x, y) * self.f[y].a * self.f[y].n * z[j].powf(self.f[y].n - 1.0);
                (if i == j { 1.0 } else { 0.0 }) - d
            });
            let step = jac.lu().solve(&DVector::from_column_slice(&r))?;
            let mut t = 1.0;
            let mut ok = false;
            for _ in 0..40 {
                // Stay strictly inside z > 0: at most a fraction 0.9 of the way to 0.
                let cand: Vec<f64> = z
                    .iter()
                    .zip(step.iter())
                    .map(|(&zi, &si)| {
                        let next = zi - t * si;
                        if next > 0.0 { next } else { 0.1 * zi }
                    })
                    .collect();
                let rc = g(&cand);
                if norm(&rc) < nr {
                    z = cand;
                    r = rc;
                    ok = true;
                    break;
                }
                t *= 0.5;
            }
            if !ok || z.iter().any(|x| !x.is_finite() || *x > 1e12) {
                return None;
            }
        }
        let converged = norm(&r) < 1e-9 * scale(&z);
        if !converged || z.iter().any(|&x| x <= 0.0) {
            return None;
        }
        let mut nu = vec![0.0; self.size()];
        for (&x, &zx) in act.iter().zip(&z) {
            nu[x] = self.f[x].a * zx.powf(self.f[x].n);
        }
        let mu = self.total_input(&nu, mu_ext);
        let silent_ok = (0..self.size())
            .filter(|x| !act.contains(x))
            .all(|x| mu[x] <= self.f[x].b);
        silent_ok.then_some(nu)
    }

    /// Integrates the rate dynamics with classical RK4 from `nu0` for `t_end` ms with step `dt`
    /// (ms), rates clamped at 0 after each step; `mu_ext(t)` gives the input at time t. Every
    /// step is recorded. The run ends [`Termination::Diverged`] when a rate exceeds `cap` Hz
    /// (runaway activity) and [`Termination::Interrupted`] on Ctrl-C, keeping what it recorded.
    ///
    /// [`Termination::Diverged`]: crate::numerics::ode::Termination::Diverged
    /// [`Termination::Interrupted`]: crate::numerics::ode::Termination::Interrupted
    pub fn simulate(
        &self,
        nu0: &[f64],
        mu_ext: &dyn Fn(f64) -> Vec<f64>,
        t_end: f64,
        dt: f64,
        cap: f64,
    ) -> Result<ode::Trajectory> {
        let p = self.size();
        if nu0.len() != p {
            return Err(Error::Shape(format!(
                "{} initial rates for {p} populations",
                nu0.len()
            )));
        }
        if let Some((x, v)) = nu0
            .iter()
            .enumerate()
            .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
        {
            return Err(Error::param(
                &format!("nu0[{x}]"),
                v,
                "initial rates must be finite and >= 0 (Hz)",
            ));
        }
        check_positive("dt", dt, "ms")?;
        check_positive("t_end", t_end, "ms")?;
        check_positive("cap", cap, "Hz")?;
        let steps = (t_end / dt).ceil() as usize;
        if steps > 50_000_000 {
            return Err(Error::param(
                "dt",
                dt,
                "gives more than 5e7 steps; use a larger dt",
            ));
        }
        let spec = ode::Spec {
            steps,
            dt,
            every: 1,
            record_end: true,
        };
        ode::integrate(
            nu0,
            spec,
            ode::Method::Rk4,
            |t, v, dv| dv.copy_from_slice(&self.rhs(v, &mu_ext(t))),
            |v| v.iter_mut().for_each(|x| *x = x.max(0.0)),
            |v| v.iter().any(|x| *x > cap),
        )
    }
}

impl Ssn {
    /// A trajectory of [`Ssn::simulate`] as a [`TimeCourse`]: rates in Hz per population
    /// (named after the population kinds: E, I, then E2, I2, ... for repeated kinds).
    pub fn time_course(&self, tr: ode::Trajectory) -> TimeCourse {
        let p = self.size();
        let pop_rates: Vec<Vec<f64>> = (0..p)
            .map(|x| tr.x.iter().map(|v| v[x]).collect())
            .collect();
        TimeCourse::new(
            "SSN rate dynamics",
            tr.t,
            self.population_names(),
            pop_rates,
            "Hz",
            tr.termination,
        )
    }

    /// Population names from their kinds: "E", "I", and "E2", "I2", ... for repeats.
    pub fn population_names(&self) -> Vec<String> {
        let mut seen: std::collections::HashMap<&str, usize> = Default::default();
        self.kinds
            .iter()
            .map(|k| {
                let base = match k {
                    PopKind::E => "E",
                    PopKind::I => "I",
                };
                let c = seen.entry(base).or_insert(0);
                *c += 1;
                if *c == 1 {
                    base.to_string()
                } else {
                    format!("{base}{c}")
                }
            })
            .collect()
    }
}

/// The concave tail bound B(s) = α s + β − a (k s + w0)_+^n (n ≥ 1) of the one-dimensional
/// reductions: H ≤ B(s) for s = z^{n_E} (det J ≥ 0) or s = w^{n_I} (det J < 0).
#[derive(Debug, Clone, Copy)]
struct TailBound {
    alpha: f64,
    beta: f64,
    a: f64,
    k: f64,
    w0: f64,
    n: f64,
}

impl TailBound {
    /// (B(s), B′(s)).
    fn eval(&self, s: f64) -> (f64, f64) {
        let u = self.k * s + self.w0;
        if u <= 0.0 {
            return (self.alpha * s + self.beta, self.alpha);
        }
        let un1 = u.powf(self.n - 1.0);
        (
            self.alpha * s + self.beta - self.a * un1 * u,
            self.alpha - self.a * self.n * self.k * un1,
        )
    }

    /// A point s0 > 0 with B(s0) < 0 and B′(s0) < 0. B is concave, so it is then negative
    /// and decreasing for every s ≥ s0, and H has no root beyond s0. Returns
    /// (s0^{exp}, certified); (1e6, false) when no such point exists (k ≤ 0, or a linear
    /// bound that never turns down).
    fn cutoff(&self, exp: f64) -> (f64, bool) {
        let bad = (1e6, false);
        let finite = [self.alpha, self.beta, self.w0]
            .iter()
            .all(|v| v.is_finite());
        if !(self.k > 0.0 && self.a > 0.0 && finite) {
            return bad;
        }
        // Where B′ turns negative: u* = (α / (a n k))^{1/(n−1)} (n > 1); for n = 1 B′ is
        // constant beyond u = 0.
        let s_turn = if self.n > 1.0 {
            let ustar =
                (self.alpha.max(0.0) / (self.a * self.n * self.k)).powf(1.0 / (self.n - 1.0));
            (ustar - self.w0) / self.k
        } else {
            if self.alpha - self.a * self.k >= 0.0 {
                return bad;
            }
            -self.w0 / self.k
        };
        if s_turn.is_finite() {
            let mut s = (s_turn.max(0.0) * 1.0001).max(1e-6);
            for _ in 0..1000 {
                let (v, dv) = self.eval(s);
                if v < 0.0 && dv < 0.0 {
                    let x = s.powf(exp);
                    if x.is_finite() {
                        return (x, true);
                    }
                    break;
                }
                s *= 2.0;
                if !s.is_finite() || s > 1e250 {
                    break;
                }
            }
        }
        // Near-degenerate cases (exponent close to 1, k tiny, overflow of the closed form):
        // the plain geometric scan from 1e-6, which certifies the same condition.
        let mut s = 1e-6;
        while s <= 1e250 {
            let (v, dv) = self.eval(s);
            if v < 0.0 && dv < 0.0 {
                let x = s.powf(exp);
                return if x.is_finite() { (x, true) } else { bad };
            }
            s *= 1.5;
        }
        bad
    }
}

crate::options! {
    /// Options of `Ssn.simulate` (the input `mu` is read by the binding: a number with `r`, an
    /// array per population, or a function of time).
    pub struct SimulateOpts {
        /// initial rates per population (none: all 0)
        nu0: Option<Vec<crate::options::Num>> = None, "Hz";
        /// mu_I / mu_E when mu is a number
        r: crate::options::Num = crate::options::Num(1.0), "";
        /// simulated time
        duration: crate::options::Num = crate::options::Num(1000.0), "ms";
        /// RK4 step (every step is recorded)
        dt: crate::options::Num = crate::options::Num(0.05), "ms";
        /// a rate above this ends the run with status "diverged"
        cap: crate::options::Num = crate::options::Num(1e6), "Hz";
    }
}

impl SimulateOpts {
    /// Number of steps, checked (at most 5e7 steps; duration and dt finite and > 0) before any
    /// input table is sampled or memory reserved.
    pub fn steps(&self) -> Result<usize> {
        let (dur, dt) = (self.duration.0, self.dt.0);
        check_positive("dt", dt, "ms")?;
        check_positive("duration", dur, "ms")?;
        let steps = (dur / dt).ceil();
        if steps > 5e7 {
            return Err(Error::param(
                "dt",
                dt,
                "gives more than 5e7 steps; use a larger dt",
            ));
        }
        Ok(steps as usize)
    }
}
