//! The 2P-variable mean field of rate networks with motif-structured Gaussian connectivity
//! (reference B.3; **our reconstruction**, Zhang et al. 2026 being available only as an
//! abstract).
//!
//! Network: τ dx_i/dt = −x_i + Σ_j W_ij φ_α(j)(x_j) + I_α(i), W from [`GaussianMotifs`].
//! Ansatz x_i = m_α + s_α a_i + η_i (a_i the neuron's input factor, η Gaussian with variance
//! Δ_α), so x ~ N(m_α, s_α² + Δ_α) within population α, and
//!
//! ```text
//! τ dm_α/dt = −m_α + I_α + Σ_β f_β [ J̄_αβ ν_β + κᵈ_αβ ρ_β s_β ⟨φ'⟩_β ]
//! τ ds_α/dt = −s_α + Σ_β f_β κᶜ_αβ ν_β
//! Δ_α       = Σ_β f_β σ²_αβ ⟨φ²⟩_β       (static closure, solved at every evaluation)
//! ```
//!
//! with ⟨·⟩_β the average over N(m_β, s_β² + Δ_β). The chain term (κᵈρ s⟨φ'⟩, Stein's lemma
//! on E[b φ(x)]) is how chain motifs feed the within-population variability into the means.
//! Reciprocal motifs are not in this closure (their reaction term needs dynamic mean-field
//! theory); [`MotifMeanField::warnings`] says so when ρʳ ≠ 0.
//!
//! Gaussian averages are closed-form for rectified power laws with integer exponent (the
//! moments E[x₊ᵏ] by the recursion I_k = m I_{k−1} + (k−1) v I_{k−2}, I_0 = Φ(t),
//! I_1 = mΦ(t) + σφ(t), t = m/σ), 128-point Gauss–Legendre for non-integer exponents, and
//! 64-point Gauss–Hermite for smooth nonlinearities.

use crate::connectivity::GaussianMotifs;
use crate::error::{Error, Result};
use crate::numerics::linalg::{sorted_eigenvalues, spectral_radius};
use crate::numerics::newton::{self, fd_jacobian};
use crate::numerics::ode;
use crate::numerics::special::{gl128, norm_cdf, norm_pdf};
use crate::numerics::timecourse::{Extra, TimeCourse};
use nalgebra::DMatrix;

/// A non-negative single-neuron nonlinearity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Phi {
    /// Rectified power law k·[x − b]₊ⁿ (ReLU: k = 1, b = 0, n = 1; the SSN power law with
    /// k = a, b its threshold, n its exponent).
    Power {
        /// Gain k.
        k: f64,
        /// Threshold b.
        b: f64,
        /// Exponent n (1 to 10).
        n: f64,
    },
    /// Sigmoid r_max / (1 + e^{−g(x − x₀)}).
    Sigmoid {
        /// Maximum r_max.
        max: f64,
        /// Gain g.
        gain: f64,
        /// Midpoint x₀.
        x0: f64,
    },
}

crate::options! {
    /// A nonlinearity given as a map (`phi: #{ type: "sigmoid", max: 1, gain: 4 }`).
    pub struct PhiOpts {
        /// "power" (k [x - b]_+^n) or "sigmoid" (max / (1 + e^(-gain (x - x0))))
        r#type: String = "power".to_string(), "";
        /// power: gain
        k: crate::options::Num = crate::options::Num(1.0), "";
        /// power: threshold
        b: crate::options::Num = crate::options::Num(0.0), "";
        /// power: exponent (1 to 10)
        n: crate::options::Num = crate::options::Num(1.0), "";
        /// sigmoid: maximum
        max: crate::options::Num = crate::options::Num(1.0), "";
        /// sigmoid: gain
        gain: crate::options::Num = crate::options::Num(1.0), "";
        /// sigmoid: midpoint
        x0: crate::options::Num = crate::options::Num(0.0), "";
    }
}

impl PhiOpts {
    /// The nonlinearity (validated).
    pub fn phi(&self) -> Result<Phi> {
        let phi = match self.r#type.as_str() {
            "power" => Phi::Power {
                k: self.k.0,
                b: self.b.0,
                n: self.n.0,
            },
            "sigmoid" => Phi::Sigmoid {
                max: self.max.0,
                gain: self.gain.0,
                x0: self.x0.0,
            },
            other => {
                return Err(Error::param(
                    "phi.type",
                    format!("{other:?}"),
                    "must be \"power\" or \"sigmoid\"",
                ));
            }
        };
        phi.validate()?;
        Ok(phi)
    }
}

impl Phi {
    /// A named nonlinearity: "relu" or "square" (x_+²).
    pub fn named(name: &str) -> Result<Phi> {
        match name {
            "relu" => Ok(Phi::RELU),
            "square" => Ok(Phi::Power {
                k: 1.0,
                b: 0.0,
                n: 2.0,
            }),
            other => Err(Error::param(
                "phi",
                format!("{other:?}"),
                "use \"relu\", \"square\", a PowerLaw or a map #{ type: \"power\"|\"sigmoid\", ... }",
            )),
        }
    }
}

/// Gaussian averages of φ under x ~ N(m, v).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    /// ⟨φ⟩ (the population rate).
    pub mean: f64,
    /// ⟨φ'⟩.
    pub dmean: f64,
    /// ⟨φ²⟩.
    pub sq: f64,
    /// ⟨φ'²⟩.
    pub dsq: f64,
}

impl Phi {
    /// The ReLU.
    pub const RELU: Phi = Phi::Power {
        k: 1.0,
        b: 0.0,
        n: 1.0,
    };

    /// Checks the parameters.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Phi::Power { k, b, n } => {
                if !(k > 0.0 && k.is_finite()) {
                    return Err(Error::param("k", k, "the gain must be > 0"));
                }
                if !b.is_finite() {
                    return Err(Error::param("b", b, "must be finite"));
                }
                if !(1.0..=10.0).contains(&n) {
                    return Err(Error::param("n", n, "the exponent must be in [1, 10]"));
                }
            }
            Phi::Sigmoid { max, gain, x0 } => {
                if !(max > 0.0 && max.is_finite()) {
                    return Err(Error::param("max", max, "must be > 0"));
                }
                if !(gain > 0.0 && gain.is_finite()) {
                    return Err(Error::param("gain", gain, "must be > 0"));
                }
                if !x0.is_finite() {
                    return Err(Error::param("x0", x0, "must be finite"));
                }
            }
        }
        Ok(())
    }

    /// φ(x).
    pub fn eval(&self, x: f64) -> f64 {
        match *self {
            Phi::Power { k, b, n } => {
                let y = (x - b).max(0.0);
                if n == 1.0 {
                    k * y
                } else if n == 2.0 {
                    k * y * y
                } else {
                    k * y.powf(n)
                }
            }
            Phi::Sigmoid { max, gain, x0 } => max / (1.0 + (-gain * (x - x0)).exp()),
        }
    }

    /// φ'(x).
    pub fn deriv(&self, x: f64) -> f64 {
        match *self {
            Phi::Power { k, b, n } => {
                let y = x - b;
                if y <= 0.0 {
                    0.0
                } else {
                    k * n * y.powf(n - 1.0)
                }
            }
            Phi::Sigmoid { max, gain, x0 } => {
                let e = (-gain * (x - x0)).exp();
                max * gain * e / (1.0 + e).powi(2)
            }
        }
    }

    /// Gaussian averages under x ~ N(m, v).
    pub fn moments(&self, m: f64, v: f64) -> Moments {
        let v = v.max(0.0);
        if v < 1e-300 {
            let (f, d) = (self.eval(m), self.deriv(m));
            return Moments {
                mean: f,
                dmean: d,
                sq: f * f,
                dsq: d * d,
            };
        }
        match *self {
            Phi::Power { k, b, n } => {
                let mm = m - b;
                if n.fract() == 0.0 {
                    let ni = n as usize;
                    let i = rect_moments(mm, v, 2 * ni);
                    Moments {
                        mean: k * i[ni],
                        dmean: k * n * i[ni - 1],
                        sq: k * k * i[2 * ni],
                        dsq: k * k * n * n * i[2 * ni - 2],
                    }
                } else {
                    let s = v.sqrt();
                    let lo = (mm - 12.0 * s).max(0.0);
                    let hi = mm + 12.0 * s;
                    if hi <= 0.0 {
                        return Moments {
                            mean: 0.0,
                            dmean: 0.0,
                            sq: 0.0,
                            dsq: 0.0,
                        };
                    }
                    let (c, w) = (0.5 * (hi - lo), 0.5 * (hi + lo));
                    let mut out = [0.0; 4];
                    for &(x, wt) in gl128() {
                        let y = c * x + w;
                        let dens = wt * norm_pdf((y - mm) / s) / s;
                        let p = y.powf(n - 1.0);
                        out[0] += dens * p * y;
                        out[1] += dens * p;
                        out[2] += dens * p * p * y * y;
                        out[3] += dens * p * p;
                    }
                    Moments {
                        mean: k * c * out[0],
                        dmean: k * n * c * out[1],
                        sq: k * k * c * out[2],
                        dsq: k * k * n * n * c * out[3],
                    }
                }
            }
            Phi::Sigmoid { .. } => {
                let s = (2.0 * v).sqrt();
                let mut out = [0.0; 4];
                for &(x, w) in gh64() {
                    let y = m + s * x;
                    let (f, d) = (self.eval(y), self.deriv(y));
                    out[0] += w * f;
                    out[1] += w * d;
                    out[2] += w * f * f;
                    out[3] += w * d * d;
                }
                let c = 1.0 / std::f64::consts::PI.sqrt();
                Moments {
                    mean: c * out[0],
                    dmean: c * out[1],
                    sq: c * out[2],
                    dsq: c * out[3],
                }
            }
        }
    }
}

/// E[x^k 1{x > 0}] for x ~ N(m, v), k = 0..=kmax, in closed form (Stein recursion).
pub fn rect_moments(m: f64, v: f64, kmax: usize) -> Vec<f64> {
    let s = v.sqrt();
    let t = m / s;
    let (cdf, pdf) = (norm_cdf(t), norm_pdf(t));
    let mut i = vec![0.0; kmax + 1];
    i[0] = cdf;
    if kmax >= 1 {
        i[1] = m * cdf + s * pdf;
    }
    for k in 2..=kmax {
        i[k] = m * i[k - 1] + (k - 1) as f64 * v * i[k - 2];
    }
    i
}

fn gh64() -> &'static [(f64, f64)] {
    static T: std::sync::OnceLock<Vec<(f64, f64)>> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        gauss_quad::hermite::GaussHermite::new(std::num::NonZeroUsize::new(64).expect("64 > 0"))
            .as_node_weight_pairs()
            .to_vec()
    })
}

/// The 2P mean field of a [`GaussianMotifs`] network.
#[derive(Debug, Clone)]
pub struct MotifMeanField {
    /// The connectivity statistics.
    pub net: GaussianMotifs,
    /// Nonlinearity per population.
    pub phi: Vec<Phi>,
    /// Constant input per population.
    pub input: Vec<f64>,
    /// Time constant τ (one for all populations; time is in units of τ when τ = 1).
    pub tau: f64,
}

/// The mean-field state and its read-outs at one point.
#[derive(Debug, Clone, PartialEq)]
pub struct MfState {
    /// Means m_α.
    pub m: Vec<f64>,
    /// Variability loadings s_α.
    pub s: Vec<f64>,
    /// Residual variances Δ_α (static closure).
    pub delta: Vec<f64>,
    /// Population rates ν_α = ⟨φ⟩.
    pub rate: Vec<f64>,
    /// Variance of the rates across neurons, ⟨φ²⟩ − ν².
    pub rate_var: Vec<f64>,
    /// ⟨φ'⟩ per population.
    pub gain: Vec<f64>,
}

/// The stability report of a mean-field state: its read-outs, the 2P Jacobian spectrum, the
/// bulk radius of W diag(φ′) and the low-rank outliers outside the bulk.
#[derive(Debug, Clone, PartialEq)]
pub struct StateReport {
    /// The read-outs.
    pub state: MfState,
    /// Eigenvalues of the 2P Jacobian (1/τ), (re, im), largest real part first.
    pub eig: Vec<(f64, f64)>,
    /// Spectral radius of the random bulk of W diag(φ′); > 1: unstable through the bulk.
    pub bulk_radius: f64,
    /// Low-rank eigenvalues times the gains, only those outside the bulk.
    pub effective_outliers: Vec<(f64, f64)>,
    /// All eigenvalues have negative real part and the bulk radius is < 1.
    pub stable: bool,
    /// Warnings about the model's validity.
    pub warnings: Vec<String>,
}

impl MotifMeanField {
    /// The stability report at the state `x` = (m, s).
    pub fn report(&self, x: &[f64]) -> StateReport {
        let p = self.net.sizes.len();
        let eig = self.eigenvalues(x);
        let bulk_radius = self.bulk_radius(x);
        let stable = eig.iter().all(|e| e.0 < 0.0) && bulk_radius < 1.0;
        StateReport {
            state: self.state(&x[..p], &x[p..]),
            effective_outliers: self.effective_outliers(x),
            eig,
            bulk_radius,
            stable,
            warnings: self.warnings(),
        }
    }

    /// A mean field for `net` with one nonlinearity per population (or one for all), inputs
    /// per population and time constant τ.
    pub fn new(net: GaussianMotifs, phi: Vec<Phi>, input: Vec<f64>, tau: f64) -> Result<Self> {
        net.validate()?;
        let p = net.sizes.len();
        let phi = if phi.len() == 1 { vec![phi[0]; p] } else { phi };
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
        if input.len() != p || input.iter().any(|x| !x.is_finite()) {
            return Err(Error::param(
                "I",
                format!("{input:?}"),
                format!("needs one finite input per population ({p})"),
            ));
        }
        if !(tau > 0.0 && tau.is_finite()) {
            return Err(Error::param("tau", tau, "must be > 0"));
        }
        Ok(MotifMeanField {
            net,
            phi,
            input,
            tau,
        })
    }

    /// Caveats of the closure for this network.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.net.rho_recip.iter().flatten().any(|&r| r != 0.0) {
            w.push("reciprocal motifs (rho_recip != 0) are not part of the static 2P closure; expect deviations of order rho_recip * sigma^2 * <phi'>".into());
        }
        w
    }

    fn p(&self) -> usize {
        self.net.sizes.len()
    }

    /// The residual variances Δ from the static closure at (m, s), by fixed-point iteration
    /// from `guess` (at most 500 iterations); NaN when it diverges (bulk instability).
    pub fn closure(&self, m: &[f64], s: &[f64], guess: Option<&[f64]>) -> Vec<f64> {
        let p = self.p();
        let f = self.net.fractions();
        let mut d: Vec<f64> = guess.map(|g| g.to_vec()).unwrap_or_else(|| vec![0.0; p]);
        for _ in 0..500 {
            let sq: Vec<f64> = (0..p)
                .map(|b| self.phi[b].moments(m[b], s[b] * s[b] + d[b]).sq)
                .collect();
            let nd: Vec<f64> = (0..p)
                .map(|a| {
                    (0..p)
                        .map(|b| f[b] * self.net.sigma[a][b].powi(2) * sq[b])
                        .sum()
                })
                .collect();
            let change = nd
                .iter()
                .zip(&d)
                .map(|(x, y)| (x - y).abs() / (1e-300 + x.abs().max(y.abs())))
                .fold(0.0, f64::max);
            d = nd;
            if !d.iter().all(|x| x.is_finite() && *x < 1e100) {
                return vec![f64::NAN; p];
            }
            if change < 1e-13 {
                break;
            }
        }
        d
    }

    /// Read-outs at (m, s).
    pub fn state(&self, m: &[f64], s: &[f64]) -> MfState {
        let p = self.p();
        let delta = self.closure(m, s, None);
        let mo: Vec<Moments> = (0..p)
            .map(|b| self.phi[b].moments(m[b], s[b] * s[b] + delta[b]))
            .collect();
        MfState {
            m: m.to_vec(),
            s: s.to_vec(),
            rate: mo.iter().map(|x| x.mean).collect(),
            rate_var: mo
                .iter()
                .map(|x| (x.sq - x.mean * x.mean).max(0.0))
                .collect(),
            gain: mo.iter().map(|x| x.dmean).collect(),
            delta,
        }
    }

    /// τ·d(m, s)/dt at state x = (m, s) (length 2P) with inputs `input`.
    pub fn rhs(&self, x: &[f64], input: &[f64]) -> Vec<f64> {
        let p = self.p();
        let (m, s) = x.split_at(p);
        let f = self.net.fractions();
        let delta = self.closure(m, s, None);
        let mo: Vec<Moments> = (0..p)
            .map(|b| self.phi[b].moments(m[b], s[b] * s[b] + delta[b]))
            .collect();
        let g = &self.net;
        let mut out = vec![0.0; 2 * p];
        for a in 0..p {
            let mut rm = input[a] - m[a];
            let mut rs = -s[a];
            for b in 0..p {
                rm += f[b]
                    * (g.jbar[a][b] * mo[b].mean
                        + g.kappa_d[a][b] * g.rho_chain[b] * s[b] * mo[b].dmean);
                rs += f[b] * g.kappa_c[a][b] * mo[b].mean;
            }
            out[a] = rm;
            out[p + a] = rs;
        }
        out
    }

    /// Jacobian of τ·d(m, s)/dt (central differences), 2P × 2P.
    pub fn jacobian(&self, x: &[f64]) -> DMatrix<f64> {
        fd_jacobian(
            |y, out| out.copy_from_slice(&self.rhs(y, &self.input)),
            x,
            1e-6,
            0.0,
            true,
        )
    }

    /// Eigenvalues (re, im) of the Jacobian in units of 1/τ, sorted by decreasing real part.
    pub fn eigenvalues(&self, x: &[f64]) -> Vec<(f64, f64)> {
        sorted_eigenvalues(&(self.jacobian(x) / self.tau))
    }

    /// Radius of the random bulk of the linearised network's connectivity W·diag(φ'(x)):
    /// √ of the spectral radius of [f_β σ²_αβ ⟨φ'²⟩_β]. Above 1 the fixed point is unstable
    /// through the bulk (transition to chaos), whatever the 2P mean field says.
    pub fn bulk_radius(&self, x: &[f64]) -> f64 {
        let p = self.p();
        let (m, s) = x.split_at(p);
        let f = self.net.fractions();
        let delta = self.closure(m, s, None);
        let dsq: Vec<f64> = (0..p)
            .map(|b| self.phi[b].moments(m[b], s[b] * s[b] + delta[b]).dsq)
            .collect();
        let dm = DMatrix::from_fn(p, p, |a, b| f[b] * self.net.sigma[a][b].powi(2) * dsq[b]);
        spectral_radius(&dm).sqrt()
    }

    /// The low-rank outliers scaled by the population gains: eigenvalues of
    /// M·diag(⟨φ'⟩, ⟨φ'⟩) with M from [`GaussianMotifs::low_rank_matrix`], keeping only those
    /// outside the bulk (modulus above [`Self::bulk_radius`]; inside it they are not outliers).
    ///
    /// Reference B.4 (iv) reads a crossing of 1 by the largest real part as the loss of
    /// stability. That is a linear criterion on the rate equation alone: it ignores the
    /// variance (s) dynamics and the change of the gain with the state. With J̄ = −1, κᶜ = 1,
    /// ρ = 0.8 and ReLU units the fixed point escapes to infinite rate (the leading eigenvalue
    /// of the 2P Jacobian [`Self::eigenvalues`] tends to 0) at κᵈ ≈ 2.9594, where this
    /// criterion is still 0.88; it reaches 1 only at κᵈ ≈ 3.58. Use the Jacobian, not this,
    /// to decide stability.
    pub fn effective_outliers(&self, x: &[f64]) -> Vec<(f64, f64)> {
        let p = self.p();
        let st = self.state(&x[..p], &x[p..]);
        let m = self.net.low_rank_matrix();
        let r = self.bulk_radius(x);
        sorted_eigenvalues(&DMatrix::from_fn(2 * p, 2 * p, |r, c| {
            m[r][c] * st.gain[c % p]
        }))
        .into_iter()
        .filter(|&(re, im)| re.hypot(im) > r)
        .collect()
    }

    /// Integrates the mean field with classic RK4 from `x0` for `duration` (units of τ's time)
    /// with step `dt`, inputs `input(t)`; records every `every` steps and the last one. A state
    /// beyond 1e12 in magnitude (runaway activity) ends the run as diverged, Ctrl-C as
    /// interrupted, each keeping what was recorded.
    pub fn integrate(
        &self,
        x0: &[f64],
        duration: f64,
        dt: f64,
        every: usize,
        input: &dyn Fn(f64) -> Vec<f64>,
    ) -> Result<ode::Trajectory> {
        let p = self.p();
        if x0.len() != 2 * p {
            return Err(Error::param(
                "x0",
                format!("{x0:?}"),
                format!("needs 2P = {} values (m then s)", 2 * p),
            ));
        }
        if !(dt > 0.0 && dt.is_finite() && duration >= 0.0 && duration.is_finite()) {
            return Err(Error::param(
                "dt/duration",
                format!("{dt}/{duration}"),
                "dt must be > 0 and duration finite and >= 0",
            ));
        }
        let steps = (duration / dt).round() as usize;
        let k = 1.0 / self.tau;
        let spec = ode::Spec {
            steps,
            dt,
            every,
            record_end: true,
        };
        ode::integrate(
            x0,
            spec,
            ode::Method::Rk4,
            |t, y, dy| {
                for (o, v) in dy.iter_mut().zip(self.rhs(y, &input(t))) {
                    *o = v * k;
                }
            },
            |_| {},
            |y| y.iter().any(|v| v.abs() >= 1e12),
        )
    }

    /// A trajectory of [`MotifMeanField::integrate`] as a [`TimeCourse`]: population rates ⟨φ⟩
    /// (the nonlinearity's unit), extras `m` and `s` ([population][time]).
    pub fn time_course(&self, tr: &ode::Trajectory) -> TimeCourse {
        let p = self.p();
        let col = |k: usize| -> Vec<Vec<f64>> {
            (0..p)
                .map(|a| tr.x.iter().map(|x| x[k * p + a]).collect())
                .collect()
        };
        let rate: Vec<Vec<f64>> = (0..p)
            .map(|a| {
                tr.x.iter()
                    .map(|x| self.state(&x[..p], &x[p..]).rate[a])
                    .collect()
            })
            .collect();
        TimeCourse::new(
            "2P motif mean field",
            tr.t.clone(),
            (0..p).map(|a| format!("P{a}")).collect(),
            rate,
            "a.u.",
            tr.termination,
        )
        .with("m", Extra::Mat(col(0)))
        .with("s", Extra::Mat(col(1)))
    }

    /// A fixed point by Newton's method (central-difference Jacobian, backtracking) from `x0`;
    /// falls back to integrating 200 τ first when Newton does not converge from there. Returns
    /// the state (m then s) or an error when none is found (e.g. runaway activity).
    pub fn fixed_point(&self, x0: &[f64]) -> Result<Vec<f64>> {
        if let Some(x) = self.newton(x0) {
            return Ok(x);
        }
        let inp = self.input.clone();
        let tr = self.integrate(x0, 200.0 * self.tau, 0.05 * self.tau, 1000, &|_| {
            inp.clone()
        })?;
        match tr.termination {
            ode::Termination::Finished => {}
            ode::Termination::Interrupted { .. } => return Err(Error::Interrupted),
            ode::Termination::Diverged { t } => {
                return Err(Error::numerical(format!(
                    "the mean field diverged at t = {t:.4} (runaway activity: no steady state)"
                )));
            }
        }
        self.newton(tr.last()).ok_or_else(|| {
            Error::numerical(
                "no fixed point of the 2P mean field found (Newton failed after 200 tau of integration: the network may oscillate or run away)",
            )
        })
    }

    /// The fixed point from the default start (m = I, s = 0).
    pub fn steady_state(&self) -> Result<Vec<f64>> {
        let p = self.p();
        let mut x0 = self.input.clone();
        x0.extend(std::iter::repeat_n(0.0, p));
        self.fixed_point(&x0)
    }

    fn newton(&self, x0: &[f64]) -> Option<Vec<f64>> {
        let l2 = |v: &[f64]| v.iter().map(|a| a * a).sum::<f64>().sqrt();
        newton::solve(
            x0,
            newton::NewtonOptions {
                max_iter: 100,
                backtrack: true,
            },
            |x, out| out.copy_from_slice(&self.rhs(x, &self.input)),
            |x| self.jacobian(x),
            |r, _| l2(r),
            |n, x| n < 1e-12 * (1.0 + l2(x)),
            |_| false,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};

    /// Closed-form moments against Monte Carlo (2e6 draws: standard error ~1e-3 relative;
    /// tolerance 5e-3) and quadrature paths against the closed forms (1e-9).
    #[test]
    fn gaussian_moments_three_ways() {
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(5);
        let (m, v) = (0.3f64, 0.8f64);
        let xs: Vec<f64> = (0..2_000_000)
            .map(|_| {
                let z: f64 = StandardNormal.sample(&mut rng);
                m + v.sqrt() * z
            })
            .collect();
        for phi in [
            Phi::RELU,
            Phi::Power {
                k: 0.5,
                b: 0.1,
                n: 2.0,
            },
            Phi::Power {
                k: 0.5,
                b: 0.1,
                n: 2.5,
            },
            Phi::Sigmoid {
                max: 2.0,
                gain: 3.0,
                x0: 0.5,
            },
        ] {
            let mo = phi.moments(m, v);
            let mc =
                |g: &dyn Fn(f64) -> f64| xs.iter().map(|&x| g(x)).sum::<f64>() / xs.len() as f64;
            let e = [
                mc(&|x| phi.eval(x)),
                mc(&|x| phi.deriv(x)),
                mc(&|x| phi.eval(x).powi(2)),
                mc(&|x| phi.deriv(x).powi(2)),
            ];
            let got = [mo.mean, mo.dmean, mo.sq, mo.dsq];
            for (g, e) in got.iter().zip(e) {
                assert!(
                    (g - e).abs() < 5e-3 * e.abs().max(0.05),
                    "{phi:?}: {got:?} vs {e}"
                );
            }
        }
        // the reference's n = 2 closed forms (B.3) and the quadrature path for integer n
        let (s, t) = (v.sqrt(), m / v.sqrt());
        let (c, d) = (norm_cdf(t), norm_pdf(t));
        let mo = Phi::Power {
            k: 1.0,
            b: 0.0,
            n: 2.0,
        }
        .moments(m, v);
        assert!((mo.mean - ((m * m + v) * c + m * s * d)).abs() < 1e-12);
        assert!((mo.dmean - 2.0 * (m * c + s * d)).abs() < 1e-12);
        let e4 =
            (m.powi(4) + 6.0 * m * m * v + 3.0 * v * v) * c + (m.powi(3) + 5.0 * m * v) * s * d;
        assert!((mo.sq - e4).abs() < 1e-12);
        let q = Phi::Power {
            k: 1.0,
            b: 0.0,
            n: 2.0 + 1e-13,
        }
        .moments(m, v);
        assert!(
            (q.mean - mo.mean).abs() < 1e-9 && (q.sq - mo.sq).abs() < 1e-9,
            "{q:?} {mo:?}"
        );
    }

    /// The reference's B.3 table (ReLU, P = 1, I = 1, J̄ = −1, κᶜ = 1, κᵈ = 1.5, σ = 0.3):
    /// mean-field m / s / Δ / ν to the printed 3 decimals.
    #[test]
    fn reference_table_mean_field() {
        let rows = [
            (0.0, [0.466, 0.534, 0.046, 0.534]),
            (0.5, [0.682, 0.782, 0.099, 0.782]),
            (0.9, [1.084, 1.242, 0.249, 1.242]),
            (-0.9, [0.297, 0.340, 0.019, 0.340]),
        ];
        for (rho, want) in rows {
            let g = GaussianMotifs::new(
                vec![3000],
                vec![vec![-1.0]],
                vec![vec![0.3]],
                vec![vec![1.0]],
                vec![vec![1.5]],
                vec![rho],
                vec![vec![0.0]],
            )
            .unwrap();
            let mf = MotifMeanField::new(g, vec![Phi::RELU], vec![1.0], 1.0).unwrap();
            let x = mf.steady_state().unwrap();
            let st = mf.state(&x[..1], &x[1..]);
            let got = [st.m[0], st.s[0], st.delta[0], st.rate[0]];
            for (g, w) in got.iter().zip(want) {
                assert!((g - w).abs() < 6e-4, "rho {rho}: {got:?} vs {want:?}");
            }
            assert!(mf.eigenvalues(&x)[0].0 < 0.0);
        }
    }
}

crate::options! {
    /// Options of `MotifMeanField.simulate` (the inputs `I` are read by the binding: numbers
    /// or Signals per population).
    pub struct SimulateOpts {
        /// simulated time (none: 200 tau)
        duration: Option<crate::options::Num> = None, "model time";
        /// RK4 step (none: 0.05 tau)
        dt: Option<crate::options::Num> = None, "model time";
        /// record every k-th step
        every: crate::options::Count = crate::options::Count(10), "";
        /// initial state [m..., s...] (none: m = 0, s = 0)
        x0: Option<Vec<crate::options::Num>> = None, "";
    }
}
