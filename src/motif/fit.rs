//! Reverse engineering: block statistics of a motif network whose 2P mean field reproduces
//! target per-population means and variances of the rates (the fitting step of Zhang et al.
//! 2026, whose procedure is not public; this is our least-squares formulation).
//!
//! The free parameters are chosen by kind, P values each: inputs I_α, convergent loadings
//! (κᶜ_αβ = x_α for every β: a neuron's input-factor loading), divergent loadings (κᵈ_αβ =
//! x_β for every α: a neuron's output-factor loading), chain correlations ρ_α (through tanh,
//! so they stay in (−1, 1)) and spreads (σ_αβ = |x_α|). Levenberg–Marquardt on relative
//! residuals with forward-difference Jacobians; each evaluation solves the mean-field fixed
//! point warm-started from the previous one.

use super::meanfield::MotifMeanField;
use crate::error::{Error, Result};
use nalgebra::{DMatrix, DVector};

/// A kind of free parameter (P values each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Free {
    /// External inputs I_α.
    Input,
    /// Convergent loadings κᶜ_α· (one per postsynaptic population).
    KappaC,
    /// Divergent loadings κᵈ_·β (one per presynaptic population).
    KappaD,
    /// Chain correlations ρ_α.
    RhoChain,
    /// Spreads σ_α· (one per postsynaptic population).
    Sigma,
}

impl Free {
    /// Parses a name: "I", "kappa_c", "kappa_d", "rho_chain", "sigma".
    pub fn parse(s: &str) -> Result<Free> {
        Ok(match s {
            "I" | "input" => Free::Input,
            "kappa_c" => Free::KappaC,
            "kappa_d" => Free::KappaD,
            "rho_chain" => Free::RhoChain,
            "sigma" => Free::Sigma,
            other => {
                return Err(Error::param(
                    "free",
                    format!("{other:?}"),
                    "must be one of \"I\", \"kappa_c\", \"kappa_d\", \"rho_chain\", \"sigma\"",
                ));
            }
        })
    }
}

/// Targets per population (NaN entries are ignored).
#[derive(Debug, Clone)]
pub struct Targets {
    /// Mean rate per population.
    pub rate: Vec<f64>,
    /// Variance of the rates across neurons per population.
    pub rate_var: Vec<f64>,
}

/// Outcome of a fit.
#[derive(Debug, Clone)]
pub struct FitResult {
    /// The fitted mean field (its network carries the fitted block statistics).
    pub model: MotifMeanField,
    /// Its fixed point (m then s).
    pub state: Vec<f64>,
    /// Achieved mean rates.
    pub rate: Vec<f64>,
    /// Achieved rate variances.
    pub rate_var: Vec<f64>,
    /// Largest relative residual.
    pub max_rel_error: f64,
    /// LM iterations.
    pub iterations: usize,
    /// Whether the residual reached the tolerance (1e-8 relative).
    pub converged: bool,
}

fn apply(base: &MotifMeanField, free: &[Free], th: &[f64]) -> MotifMeanField {
    let mut m = base.clone();
    let p = m.net.sizes.len();
    for (k, f) in free.iter().enumerate() {
        let x = &th[k * p..(k + 1) * p];
        for a in 0..p {
            match f {
                Free::Input => m.input[a] = x[a],
                Free::KappaC => m.net.kappa_c[a].iter_mut().for_each(|v| *v = x[a]),
                Free::KappaD => {
                    for row in m.net.kappa_d.iter_mut() {
                        row[a] = x[a];
                    }
                }
                Free::RhoChain => m.net.rho_chain[a] = x[a].tanh(),
                Free::Sigma => m.net.sigma[a].iter_mut().for_each(|v| *v = x[a].abs()),
            }
        }
    }
    m
}

fn initial(base: &MotifMeanField, free: &[Free]) -> Vec<f64> {
    let p = base.net.sizes.len();
    let mut th = Vec::new();
    for f in free {
        for a in 0..p {
            let mean = |row: &[f64]| row.iter().sum::<f64>() / row.len() as f64;
            th.push(match f {
                Free::Input => base.input[a],
                Free::KappaC => mean(&base.net.kappa_c[a]),
                Free::KappaD => base.net.kappa_d.iter().map(|r| r[a]).sum::<f64>() / p as f64,
                Free::RhoChain => base.net.rho_chain[a].clamp(-0.99, 0.99).atanh(),
                Free::Sigma => mean(&base.net.sigma[a]).max(1e-3),
            });
        }
    }
    th
}

/// Fits the free parameters of `base` so that its mean-field fixed point has the target
/// rates and rate variances.
pub fn fit(base: &MotifMeanField, free: &[Free], t: &Targets) -> Result<FitResult> {
    let ctx = crate::numerics::context::RunContext::current();
    let p = base.net.sizes.len();
    if free.is_empty() {
        return Err(Error::param(
            "free",
            "[]",
            "name at least one parameter kind to fit",
        ));
    }
    if t.rate.len() != p || t.rate_var.len() != p {
        return Err(Error::param(
            "targets",
            format!("{} rates, {} variances", t.rate.len(), t.rate_var.len()),
            format!("need one rate and one variance per population ({p}; NaN to skip)"),
        ));
    }
    let tv: Vec<(usize, f64)> = t
        .rate
        .iter()
        .chain(&t.rate_var)
        .copied()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .collect();
    if tv.is_empty() {
        return Err(Error::param(
            "targets",
            "all NaN",
            "give at least one target",
        ));
    }
    if let Some((_, v)) = tv.iter().find(|(_, v)| *v < 0.0) {
        return Err(Error::param(
            "targets",
            v,
            "rates and variances must be >= 0",
        ));
    }
    let eval = |th: &[f64], warm_in: &Option<Vec<f64>>| -> Option<(Vec<f64>, Vec<f64>)> {
        let m = apply(base, free, th);
        let x = match warm_in {
            Some(w) => m.fixed_point(w).or_else(|_| m.steady_state()),
            None => m.steady_state(),
        }
        .ok()?;
        let st = m.state(&x[..p], &x[p..]);
        let got: Vec<f64> = st.rate.iter().chain(&st.rate_var).copied().collect();
        let r = tv
            .iter()
            .map(|&(k, v)| (got[k] - v) / v.abs().max(1e-6))
            .collect();
        Some((r, x))
    };
    let mut th = initial(base, free);
    let (mut r, x0) = eval(&th, &None).ok_or_else(|| {
        Error::numerical("the mean field has no fixed point at the starting parameters; start closer to a stable regime")
    })?;
    let mut warm = Some(x0);
    let cost = |r: &[f64]| r.iter().map(|v| v * v).sum::<f64>();
    let mut c = cost(&r);
    let mut lam = 1e-3;
    let mut it = 0;
    let k = th.len();
    while it < 200 && c > 1e-18 {
        it += 1;
        ctx.check()?;
        let mut jac = DMatrix::zeros(r.len(), k);
        for col in 0..k {
            let h = 1e-6 * (1.0 + th[col].abs());
            let mut tp = th.clone();
            tp[col] += h;
            let Some((rp, _)) = eval(&tp, &warm) else {
                return Err(Error::numerical(
                    "the mean field lost its fixed point while fitting (a target may need an unstable regime)",
                ));
            };
            for row in 0..r.len() {
                jac[(row, col)] = (rp[row] - r[row]) / h;
            }
        }
        let rv = DVector::from_vec(r.clone());
        let jtj = jac.transpose() * &jac;
        let g = jac.transpose() * rv;
        let mut improved = false;
        for _ in 0..20 {
            let mut a = jtj.clone();
            for d in 0..k {
                a[(d, d)] += lam * jtj[(d, d)].max(1e-12);
            }
            let Some(step) = a.lu().solve(&(-&g)) else {
                lam *= 10.0;
                continue;
            };
            let tn: Vec<f64> = th.iter().zip(step.iter()).map(|(a, b)| a + b).collect();
            if let Some((rn, xn)) = eval(&tn, &warm) {
                let cn = cost(&rn);
                if cn < c {
                    th = tn;
                    r = rn;
                    c = cn;
                    warm = Some(xn);
                    lam = (lam / 3.0).max(1e-12);
                    improved = true;
                    break;
                }
            }
            lam *= 4.0;
        }
        if !improved {
            break;
        }
    }
    let model = apply(base, free, &th);
    let state = warm.unwrap_or_default();
    let st = model.state(&state[..p], &state[p..]);
    let max_rel = r.iter().map(|v| v.abs()).fold(0.0, f64::max);
    Ok(FitResult {
        model,
        rate: st.rate,
        rate_var: st.rate_var,
        state,
        max_rel_error: max_rel,
        iterations: it,
        converged: max_rel < 1e-8,
    })
}
