//! The leaky integrate-and-fire neuron in the conventions of Ekelmans et al. (2023) and its
//! Ricciardi/Siegert transfer function.
//!
//! dV/dt = −V/τ + I(t), with I = μ + σ·ξ(t): μ in mV/s, σ in mV/√s, τ in ms (converted to
//! seconds internally), spike when V crosses θ, reset to v_reset, refractory for t_ref.
//!
//! The stationary rate (Siegert 1951, Ricciardi 1977, Eq 9 of the reference) is
//!
//! Φ(μ, σ) = 1 / ( τ_ref + τ √π ∫_{y_R}^{y_θ} erfcx(−u) du ),
//! y_θ = (θ − μτ)/(σ√τ),  y_R = (V_R − μτ)/(σ√τ).
//!
//! The integral is evaluated without overflow or cancellation and kept in scaled form
//! (mantissa · e^scale), so that rates far below threshold come out as correct tiny numbers:
//! - on u < 0 the integrand is erfcx(|u|) (bounded by 1), integrated with Gauss–Legendre on
//!   geometric panels and an asymptotic series beyond |u| = 1000;
//! - on u > 0 it is 2e^{u²} − erfcx(u); the exponential part is written with the Dawson
//!   function, ∫_p^b e^{u²} du = e^{b²} D(b) − e^{p²} D(p), scaled by e^{−b²}, and short
//!   intervals (where that difference would cancel) use quadrature of e^{u² − b²}.
//!
//! Rates below the smallest positive double (about 5e-324 Hz) are returned as exactly 0.

use crate::error::{Error, Result, check_finite, check_nonneg, check_positive};
use crate::numerics::quad;
use errorfunctions::RealErrorFunctions;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

const SQRT_PI: f64 = 1.772_453_850_905_516;
const ASYMPTOTIC_FROM: f64 = 1000.0;

/// ∫_c^d erfcx(v) dv for 0 ≤ c ≤ d.
///
/// Wide intervals (d − c ≥ 0.05·max(d, 1)) use the Chebyshev table, where a difference of
/// two values within one piece loses at most a factor ~20 of relative accuracy; narrow ones
/// use Gauss–Legendre panels directly (one or two panels).
fn int_erfcx(c: f64, d: f64) -> f64 {
    if d <= c {
        return 0.0;
    }
    let top = d.min(ASYMPTOTIC_FROM);
    let mut s = 0.0;
    if top > c {
        s = if top - c >= 0.05 * top.max(1.0) {
            erfcx_integral_table().integral(c, top)
        } else {
            int_erfcx_quad(c, top)
        };
    }
    if d > ASYMPTOTIC_FROM {
        s += int_erfcx_tail(c.max(ASYMPTOTIC_FROM), d);
    }
    s
}

/// ∫_c^d erfcx(v) dv for 0 ≤ c ≤ d ≤ `ASYMPTOTIC_FROM` by quadrature: panels of width up to
/// 1 near 0, growing geometrically (×4) further out; 20-point Gauss–Legendre is exact to
/// rounding on each (erfcx is entire and slowly varying). The reference for the table.
fn int_erfcx_quad(c: f64, d: f64) -> f64 {
    let mut s = 0.0;
    let mut lo = c;
    while lo < d {
        let hi = if lo < 1.0 { 1.0 } else { 4.0 * lo }.min(d);
        s += quad::panel(lo, hi, |v| v.erfcx());
        lo = hi;
    }
    s
}

/// ∫_c^d erfcx(v) dv for `ASYMPTOTIC_FROM` ≤ c ≤ d: erfcx(v) = (1 − 1/(2v²) + 3/(4v⁴) −
/// 15/(8v⁶) + …)/(√π v), integrated term by term.
fn int_erfcx_tail(c: f64, d: f64) -> f64 {
    let v2 = |v: f64| 1.0 / (v * v);
    let (a2, b2) = (v2(c), v2(d));
    let tail = ((d - c) / c).ln_1p() + 0.25 * (b2 - a2) - 3.0 / 16.0 * (b2 * b2 - a2 * a2)
        + 5.0 / 16.0 * (b2 * b2 * b2 - a2 * a2 * a2);
    tail / SQRT_PI
}

/// Degree of the Chebyshev series on each piece of the table.
const CHEB_DEGREE: usize = 26;

/// ∫ erfcx on [0, 1024] as Chebyshev series of F_k(x) = ∫_{lo_k}^x erfcx(v) dv on the pieces
/// [0, ½], [½, 1] and the octaves [2^j, 2^{j+1}], j = 0..9, built once from Gauss–Legendre
/// quadrature at the Chebyshev nodes. Integrals are assembled from per-piece values, each
/// accurate to a few ulp of its piece's total (≈ 0.4), so no large running sum cancels.
struct ErfcxIntegralTable {
    /// (lo, hi, coefficients of F_k, F_k(hi)) per piece, in increasing x.
    pieces: Vec<(f64, f64, [f64; CHEB_DEGREE], f64)>,
}

impl ErfcxIntegralTable {
    fn build() -> Self {
        let mut edges = vec![0.0, 0.5, 1.0];
        while *edges.last().expect("non-empty") < 1024.0 {
            let e = 2.0 * edges.last().expect("non-empty");
            edges.push(e);
        }
        let n = CHEB_DEGREE;
        let pi = std::f64::consts::PI;
        let mut pieces = Vec::with_capacity(edges.len() - 1);
        for w in edges.windows(2) {
            let (lo, hi) = (w[0], w[1]);
            let (c, h) = (0.5 * (lo + hi), 0.5 * (hi - lo));
            // F_k at the Chebyshev points x_j = c + h cos(π (j + ½)/n).
            let vals: Vec<f64> = (0..n)
                .map(|j| int_erfcx_quad(lo, c + h * (pi * (j as f64 + 0.5) / n as f64).cos()))
                .collect();
            let mut coef = [0.0; CHEB_DEGREE];
            for (k, ck) in coef.iter_mut().enumerate() {
                let sum: f64 = vals
                    .iter()
                    .enumerate()
                    .map(|(j, v)| v * (pi * k as f64 * (j as f64 + 0.5) / n as f64).cos())
                    .sum();
                *ck = 2.0 * sum / n as f64;
            }
            coef[0] *= 0.5;
            pieces.push((lo, hi, coef, int_erfcx_quad(lo, hi)));
        }
        ErfcxIntegralTable { pieces }
    }

    /// Index of the piece holding 0 ≤ x ≤ 1024.
    #[inline]
    fn piece(&self, x: f64) -> usize {
        if x < 0.5 {
            0
        } else if x < 1.0 {
            1
        } else {
            // floor(log2 x) from the exponent bits (x ≥ 1 is normal).
            let k = ((x.to_bits() >> 52) & 0x7ff) as usize - 1023;
            (k + 2).min(self.pieces.len() - 1)
        }
    }

    /// F_k(x) on piece k (Clenshaw recurrence).
    #[inline]
    fn partial(&self, k: usize, x: f64) -> f64 {
        let (lo, hi, ref coef, _) = self.pieces[k];
        let t = (2.0 * x - lo - hi) / (hi - lo);
        let (mut b1, mut b2) = (0.0, 0.0);
        for &ck in coef.iter().skip(1).rev() {
            let b0 = 2.0 * t * b1 - b2 + ck;
            b2 = b1;
            b1 = b0;
        }
        t * b1 - b2 + coef[0]
    }

    /// ∫_c^d erfcx(v) dv for 0 ≤ c ≤ d ≤ 1024.
    fn integral(&self, c: f64, d: f64) -> f64 {
        let (kc, kd) = (self.piece(c), self.piece(d));
        if kc == kd {
            return self.partial(kd, d) - self.partial(kc, c);
        }
        let mut s = self.pieces[kc].3 - self.partial(kc, c);
        for k in kc + 1..kd {
            s += self.pieces[k].3;
        }
        s + self.partial(kd, d)
    }
}

fn erfcx_integral_table() -> &'static ErfcxIntegralTable {
    static TABLE: std::sync::OnceLock<ErfcxIntegralTable> = std::sync::OnceLock::new();
    TABLE.get_or_init(ErfcxIntegralTable::build)
}

/// e^{−b²} ∫_p^b e^{u²} du for 0 ≤ p ≤ b.
fn int_exp_scaled(p: f64, b: f64) -> f64 {
    if b <= p {
        return 0.0;
    }
    if 2.0 * b * (b - p) > 1.0 {
        // (p − b)(p + b), not p² − b²: no cancellation for large p and b.
        b.dawson() - ((p - b) * (p + b)).exp() * p.dawson()
    } else {
        quad::panel(p, b, |u| ((u - b) * (u + b)).exp())
    }
}

/// ∫_a^b erfcx(−u) du = mantissa · e^scale, for a < b. Returns (scale, mantissa).
pub fn siegert_integral(a: f64, b: f64) -> (f64, f64) {
    if b <= a {
        return (0.0, 0.0);
    }
    if b <= 0.0 {
        (0.0, int_erfcx(-b, -a))
    } else {
        let p = a.max(0.0);
        let x = int_exp_scaled(p, b);
        let e_pos = int_erfcx(p, b);
        let e_neg = if a < 0.0 { int_erfcx(0.0, -a) } else { 0.0 };
        let bb = b * b;
        let m = 2.0 * x + (-bb).exp() * (e_neg - e_pos);
        (bb, m)
    }
}

/// erfcx(−u) in scaled form (scale, mantissa).
fn erfcx_neg_scaled(u: f64) -> (f64, f64) {
    if u <= 0.0 {
        (0.0, (-u).erfcx())
    } else {
        (u * u, 2.0 - (-u * u).exp() * u.erfcx())
    }
}

/// A LIF neuron (population) in the paper's units.
#[derive(Debug, Clone, PartialEq)]
pub struct Lif {
    /// Membrane time constant τ (ms).
    pub tau: f64,
    /// Threshold θ (mV).
    pub theta: f64,
    /// Reset potential V_R (mV).
    pub v_reset: f64,
    /// Absolute refractory period (ms).
    pub t_ref: f64,
}

impl Default for Lif {
    fn default() -> Self {
        Lif {
            tau: 20.0,
            theta: 1.0,
            v_reset: 0.0,
            t_ref: 0.0,
        }
    }
}

crate::options! {
    /// Options of `lif(params)`.
    pub struct LifOpts {
        /// membrane time constant
        tau: crate::options::Num = crate::options::Num(20.0), "ms";
        /// threshold
        theta: crate::options::Num = crate::options::Num(1.0), "mV";
        /// reset
        v_reset: crate::options::Num = crate::options::Num(0.0), "mV";
        /// absolute refractory period
        t_ref: crate::options::Num = crate::options::Num(0.0), "ms";
    }
}

impl LifOpts {
    /// The neuron (validated).
    pub fn neuron(&self) -> Result<Lif> {
        Lif::new(self.tau.0, self.theta.0, self.v_reset.0, self.t_ref.0)
    }
}

impl Lif {
    /// A validated LIF neuron.
    pub fn new(tau: f64, theta: f64, v_reset: f64, t_ref: f64) -> Result<Self> {
        check_positive("tau", tau, "ms")?;
        check_finite("theta", theta, "mV")?;
        check_finite("v_reset", v_reset, "mV")?;
        check_nonneg("t_ref", t_ref, "ms")?;
        if v_reset >= theta {
            return Err(Error::param(
                "v_reset",
                v_reset,
                format!("must be below theta = {theta} mV"),
            ));
        }
        Ok(Lif {
            tau,
            theta,
            v_reset,
            t_ref,
        })
    }

    fn ys(&self, mu: f64, sigma: f64) -> (f64, f64, f64) {
        let tau_s = self.tau * 1e-3;
        let sd = sigma * tau_s.sqrt();
        (
            (self.v_reset - mu * tau_s) / sd,
            (self.theta - mu * tau_s) / sd,
            tau_s,
        )
    }

    /// The rate where the Siegert formula is replaced by its limit: far above threshold
    /// (b < −1e6, i.e. σ → 0 or μ → ∞) the noise is negligible and Φ is the deterministic rate;
    /// where a, b are not finite (σ underflows next to |μτ − θ|) Φ is the deterministic rate
    /// above threshold and 0 below it. Far below threshold (b > 1e6) [`Lif::log_t_int`] uses
    /// the asymptotic interval.
    fn extreme_rate(&self, mu: f64, a: f64, b: f64) -> Option<f64> {
        if !(a.is_finite() && b.is_finite()) {
            return Some(if mu * self.tau * 1e-3 > self.theta {
                self.rate_deterministic(mu)
            } else {
                0.0
            });
        }
        (b < -1e6).then(|| self.rate_deterministic(mu))
    }

    fn check(mu: f64, sigma: f64) -> Result<()> {
        check_finite("mu", mu, "mV/s")?;
        check_nonneg("sigma", sigma, "mV/sqrt(s)")?;
        Ok(())
    }

    /// Deterministic (σ = 0) rate: 1/(t_ref + τ ln((μτ − V_R)/(μτ − θ))) above threshold.
    fn rate_deterministic(&self, mu: f64) -> f64 {
        let tau_s = self.tau * 1e-3;
        let v_inf = mu * tau_s;
        if v_inf <= self.theta {
            return 0.0;
        }
        // ln((v − V_R)/(v − θ)) = ln(1 + (θ − V_R)/(v − θ)), exact for v ≫ θ.
        let t = tau_s * ((self.theta - self.v_reset) / (v_inf - self.theta)).ln_1p();
        1.0 / (self.t_ref * 1e-3 + t)
    }

    /// Natural log of the mean interspike interval without refractoriness, ln(τ√π I) (s), from
    /// the scaled reset and threshold a, b of [`Lif::ys`].
    fn log_t_int(&self, a: f64, b: f64, tau_s: f64, sigma: f64) -> f64 {
        // The width b − a = (θ − V_R)/(σ√τ), taken exactly: a and b alone lose it when they
        // are huge, or when it is tiny next to them.
        let w = (self.theta - self.v_reset) / (sigma * tau_s.sqrt());
        if b > 1e6 {
            // ∫_a^b erfcx(−u) du = (e^{b²}/b)(1 − (b/a) e^{−(b−a)(b+a)})(1 + O(b⁻²)).
            let tail = if a > 0.0 {
                (-(-w * (a + b)).exp_m1()).ln()
            } else {
                0.0
            };
            return (tau_s * SQRT_PI).ln() - b.ln() + b * b + tail;
        }
        if w < 1e-6 {
            // Huge noise: the interval [a, b] is narrower than a and b can resolve. Midpoint
            // rule on the exact width w (relative error ~w²/24 < 1e-13).
            let (sc, m) = erfcx_neg_scaled(0.5 * (a + b));
            return (tau_s * SQRT_PI * w * m).ln() + sc;
        }
        let (s, m) = siegert_integral(a, b);
        (tau_s * SQRT_PI * m).ln() + s
    }

    /// Ricciardi/Siegert stationary firing rate Φ(μ, σ) in Hz (μ in mV/s, σ in mV/√s).
    /// σ = 0 gives the deterministic LIF rate.
    pub fn rate(&self, mu: f64, sigma: f64) -> Result<f64> {
        Self::check(mu, sigma)?;
        Ok(self.rate_unchecked(mu, sigma))
    }

    /// [`Lif::rate`] without argument checks (for hot loops with validated inputs).
    pub fn rate_unchecked(&self, mu: f64, sigma: f64) -> f64 {
        if sigma == 0.0 {
            return self.rate_deterministic(mu);
        }
        let (a, b, tau_s) = self.ys(mu, sigma);
        if let Some(r) = self.extreme_rate(mu, a, b) {
            return r;
        }
        let lt = self.log_t_int(a, b, tau_s, sigma);
        let t_ref = self.t_ref * 1e-3;
        if lt > 700.0 {
            // τ_ref is negligible next to an interval of e^700 s.
            (-lt).exp()
        } else {
            1.0 / (t_ref + lt.exp())
        }
    }

    /// Natural log of Φ (useful far below threshold where Φ underflows).
    pub fn log_rate(&self, mu: f64, sigma: f64) -> Result<f64> {
        Self::check(mu, sigma)?;
        check_positive("sigma", sigma, "mV/sqrt(s) (log_rate needs noise)")?;
        // Below the double range the log is still a finite large negative number.
        let (a, b, tau_s) = self.ys(mu, sigma);
        if let Some(r) = self.extreme_rate(mu, a, b) {
            return Ok(if r > 0.0 { r.ln() } else { -f64::MAX });
        }
        let lt = self.log_t_int(a, b, tau_s, sigma);
        let t_ref = self.t_ref * 1e-3;
        let l = if lt > 700.0 {
            -lt
        } else {
            -(t_ref + lt.exp()).ln()
        };
        Ok(l.max(-f64::MAX))
    }

    /// dΦ/dμ in Hz per mV/s (closed form).
    pub fn rate_deriv(&self, mu: f64, sigma: f64) -> Result<f64> {
        Self::check(mu, sigma)?;
        let (a, b, tau_s) = self.ys(mu, sigma);
        if sigma == 0.0 || self.extreme_rate(mu, a, b).is_some() {
            let h = 1e-6 * mu.abs().max(1.0);
            return Ok(
                (self.rate_deterministic(mu + h) - self.rate_deterministic(mu - h)) / (2.0 * h),
            );
        }
        if b > 1e6 {
            // Φ < e^{−1e12}: its derivative is below the double range too.
            return Ok(0.0);
        }
        let (sb, mb) = erfcx_neg_scaled(b);
        let (sa, ma) = erfcx_neg_scaled(a);
        let diff_m = mb - (sa - sb).exp() * ma;
        if diff_m <= 0.0 {
            return Ok(0.0);
        }
        let log_phi = self.log_rate(mu, sigma)?;
        let log_d =
            2.0 * log_phi + (tau_s * SQRT_PI * tau_s.sqrt() / sigma).ln() + sb + diff_m.ln();
        Ok(log_d.exp())
    }

    /// Φ over many inputs (parallel for large arrays).
    pub fn rates(&self, mu: &[f64], sigma: f64) -> Result<Vec<f64>> {
        check_nonneg("sigma", sigma, "mV/sqrt(s)")?;
        if let Some(bad) = mu.iter().find(|m| !m.is_finite()) {
            return Err(Error::param("mu", bad, "must be finite (mV/s)"));
        }
        Ok(if mu.len() > 4096 {
            mu.par_iter()
                .map(|&m| self.rate_unchecked(m, sigma))
                .collect()
        } else {
            mu.iter().map(|&m| self.rate_unchecked(m, sigma)).collect()
        })
    }

    /// Mean rate of `n` independent neurons driven by white noise (μ, σ), by direct
    /// simulation with the exact Ornstein–Uhlenbeck update of V (dt, duration in ms).
    /// Returns (rate in Hz, standard error of the mean over neurons).
    pub fn simulate_rate(&self, mu: f64, sigma: f64, opts: &FiSimOptions) -> Result<(f64, f64)> {
        let ctx = crate::numerics::context::RunContext::current();
        Self::check(mu, sigma)?;
        opts.validate()?;
        let dt = opts.dt * 1e-3;
        let tau_s = self.tau * 1e-3;
        let decay = (-dt / tau_s).exp();
        let drift = mu * tau_s * (1.0 - decay);
        let sd = sigma * (0.5 * tau_s * (1.0 - decay * decay)).sqrt();
        let steps = (opts.duration / opts.dt).round() as u64;
        let warm = (opts.warmup / opts.dt).round() as u64;
        let ref_steps = (self.t_ref / opts.dt).round() as u64;
        let counts: Vec<Result<u64>> = (0..opts.n)
            .into_par_iter()
            .map(|i| {
                let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(
                    opts.seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                );
                let mut v =
                    self.v_reset + (self.theta - self.v_reset) * (i as f64 + 0.5) / opts.n as f64;
                let mut hold = 0u64;
                let mut count = 0u64;
                for step in 0..warm + steps {
                    if step % 65536 == 0 {
                        ctx.check()?;
                    }
                    if hold > 0 {
                        hold -= 1;
                        continue;
                    }
                    let xi: f64 = StandardNormal.sample(&mut rng);
                    v = v * decay + drift + sd * xi;
                    if v >= self.theta {
                        v = self.v_reset;
                        hold = ref_steps;
                        if step >= warm {
                            count += 1;
                        }
                    }
                }
                Ok(count)
            })
            .collect();
        let t = opts.duration * 1e-3;
        let rates: Vec<f64> = counts
            .into_iter()
            .map(|c| c.map(|c| c as f64 / t))
            .collect::<Result<_>>()?;
        let n = rates.len() as f64;
        let mean = rates.iter().sum::<f64>() / n;
        let var = rates.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
        Ok((mean, (var / n).sqrt()))
    }
}

/// Options of the F-I simulation ([`Lif::simulate_rate`]).
#[derive(Debug, Clone)]
pub struct FiSimOptions {
    /// Number of independent neurons.
    pub n: usize,
    /// Time step (ms).
    pub dt: f64,
    /// Recorded duration (ms).
    pub duration: f64,
    /// Discarded initial transient (ms).
    pub warmup: f64,
    /// RNG seed.
    pub seed: u64,
}

impl Default for FiSimOptions {
    fn default() -> Self {
        FiSimOptions {
            n: 100,
            dt: 0.01,
            duration: 10_000.0,
            warmup: 200.0,
            seed: 1,
        }
    }
}

impl FiSimOptions {
    fn validate(&self) -> Result<()> {
        if self.n == 0 {
            return Err(Error::param("n", 0, "must be >= 1"));
        }
        check_positive("dt", self.dt, "ms")?;
        check_positive("duration", self.duration, "ms")?;
        check_nonneg("warmup", self.warmup, "ms")?;
        let steps = (self.duration + self.warmup) / self.dt;
        if steps > 1e10 {
            return Err(Error::param(
                "duration",
                self.duration,
                "too many time steps (duration/dt > 1e10)",
            ));
        }
        // About 1e9 neuron-steps per second on one core: refuse work of hours.
        if steps * self.n as f64 > 1e12 {
            return Err(Error::param(
                "n",
                self.n,
                format!(
                    "n x (duration + warmup) / dt = {:.2e} neuron-steps is more than 1e12 (hours of work): use fewer neurons or a shorter duration",
                    steps * self.n as f64
                ),
            ));
        }
        crate::numerics::memory::reserve(
            &format!("simulating {} independent neurons", self.n),
            self.n as f64 * 32.0,
        )
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn erfcx_integral_table_matches_quadrature() {
        // The table against direct Gauss–Legendre quadrature (itself exact to rounding on
        // each panel), for every interval width the table is used for (≥ 5% of max(d, 1)),
        // within one piece and across pieces: 1e-13 relative (the cancellation of two values
        // within one piece costs up to ~20× their few-ulp accuracy).
        let t = super::erfcx_integral_table();
        let mut worst = 0.0f64;
        for i in 0..20_000 {
            let u = (i as f64 * 0.618_034) % 1.0;
            let v = (i as f64 * 0.414_213) % 1.0;
            let c = 1000.0 * u.powi(4);
            let d = (c + 0.05 * c.max(1.0) * (1.0 + 200.0 * v.powi(3))).min(1000.0);
            if d - c < 0.05 * d.max(1.0) {
                continue;
            }
            let exact = super::int_erfcx_quad(c, d);
            worst = worst.max((t.integral(c, d) - exact).abs() / exact);
            assert_eq!(super::int_erfcx(c, d), t.integral(c, d));
        }
        eprintln!("erfcx table: worst relative error {worst:e}");
        assert!(worst < 1e-13, "worst relative error: {worst:e}");
    }

    use super::*;

    #[test]
    fn paper_table_values() {
        // Reference §5 Fig 1 table (scipy quad), 4-5 significant digits.
        let cases = [
            (20.0, 3.0, 50.0, 26.605),
            (20.0, 3.0, 0.0, 0.2282),
            (20.0, 3.0, 10.0, 1.2666),
            (10.0, 3.0, 0.0, 0.002669),
            (10.0, 3.0, 50.0, 4.597),
            (15.0, 3.0, 30.0, 4.717),
            (10.0, 5.0, 10.0, 3.325),
            (20.0, 1.0, 40.0, 3.802),
        ];
        for (tau, sigma, mu, want) in cases {
            let l = Lif::new(tau, 1.0, 0.0, 0.0).unwrap();
            let got = l.rate(mu, sigma).unwrap();
            assert!(
                ((got - want) / want).abs() < 5e-4,
                "tau={tau} sigma={sigma} mu={mu}: {got} vs {want}"
            );
        }
        let l = Lif::new(20.0, 1.0, 0.0, 2.0).unwrap();
        assert!((l.rate(50.0, 3.0).unwrap() - 25.26).abs() < 0.005);
    }
}

crate::options! {
    /// Options of `Lif.simulate_rate` (the script form of [`FiSimOptions`]).
    pub struct FiSimOpts {
        /// independent neurons per input
        n: crate::options::Count = crate::options::Count(100), "";
        /// time step (exact Ornstein-Uhlenbeck update)
        dt: crate::options::Num = crate::options::Num(0.01), "ms";
        /// recorded time
        duration: crate::options::Num = crate::options::Num(10_000.0), "ms";
        /// discarded initial transient
        warmup: crate::options::Num = crate::options::Num(200.0), "ms";
        /// seed of the noise
        seed: crate::options::Count = crate::options::Count(1), "";
    }
}

impl From<&FiSimOpts> for FiSimOptions {
    fn from(o: &FiSimOpts) -> FiSimOptions {
        FiSimOptions {
            n: o.n.0 as usize,
            dt: o.dt.0,
            duration: o.duration.0,
            warmup: o.warmup.0,
            seed: o.seed.0,
        }
    }
}
