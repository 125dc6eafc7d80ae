//! Protocols on top of single runs: step sweeps of the drive (up, down, up-and-down for
//! hysteresis) over repeated seeds, the SSN mapped from a spiking network, and the paper's
//! central check — predicted vs simulated rates.

use super::drive::Signal;
use super::engine::{Network, RunOptions, RunResult};
use crate::error::{Error, Result};
use crate::neuron::Lif;
use crate::neuron::powerlaw::{PowerLawFit, default_fit_grid, fit_lif};
use crate::numerics::stats::{nanmean, nanstd};
use crate::rate::lifnet::LifNetwork;
use crate::rate::{PopKind, Ssn};
use rayon::prelude::*;

/// Direction of a step sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Increasing input.
    Up,
    /// Decreasing input.
    Down,
    /// Up, then back down in the same run (hysteresis).
    UpDown,
}

impl Direction {
    /// Parses "up", "down" or "updown".
    pub fn parse(s: &str) -> Result<Direction> {
        match s {
            "up" => Ok(Direction::Up),
            "down" => Ok(Direction::Down),
            "updown" | "up-down" | "both" => Ok(Direction::UpDown),
            _ => Err(Error::param(
                "direction",
                format!("{s:?}"),
                "must be \"up\", \"down\" or \"updown\"",
            )),
        }
    }
}

/// Options of a step sweep.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// Input values of population 0 (mV/s), in increasing order for "up".
    pub values: Vec<f64>,
    /// Input of population X = ratio[X] × value (ratio[0] is normally 1).
    pub ratio: Vec<f64>,
    /// Duration of each step (ms).
    pub step: f64,
    /// Part of each step discarded before averaging (ms).
    pub transient: f64,
    /// Direction.
    pub direction: Direction,
    /// Seeds of the repetitions (run in parallel).
    pub seeds: Vec<u64>,
}

/// Result of a step sweep.
#[derive(Debug, Clone)]
pub struct SweepResult {
    /// Input of population 0 at each point, in the order applied (mV/s).
    pub mu: Vec<f64>,
    /// "up" or "down" per point.
    pub branch: Vec<&'static str>,
    /// Mean rate over seeds, [pop][point] (Hz).
    pub rates: Vec<Vec<f64>>,
    /// Standard deviation over seeds, [pop][point] (NaN with one seed).
    pub sd: Vec<Vec<f64>>,
    /// Rates of each seed, [seed][pop][point].
    pub per_seed: Vec<Vec<Vec<f64>>>,
    /// True if any run diverged (its later points are NaN).
    pub diverged: bool,
    /// True if Ctrl-C stopped a run.
    pub interrupted: bool,
    /// Wall seconds (sum over runs).
    pub wall_s: f64,
}

/// Runs a step sweep: one continuous run per seed through a staircase of inputs; the rate of
/// each step is the mean over [start + transient, end of step).
pub fn sweep(net: &Network, base: &RunOptions, s: &SweepOptions) -> Result<SweepResult> {
    let p = net.spec.pops.len();
    if s.ratio.len() != p {
        return Err(Error::Shape(format!(
            "ratio: {} values for {} populations",
            s.ratio.len(),
            p
        )));
    }
    if s.values.is_empty() {
        return Err(Error::param("mu", "[]", "needs at least one input value"));
    }
    if !(s.step.is_finite() && s.step > 0.0) {
        return Err(Error::param("step", s.step, "must be > 0 (ms)"));
    }
    if !(s.transient >= 0.0 && s.transient < s.step) {
        return Err(Error::param(
            "transient",
            s.transient,
            format!("must be in [0, step = {} ms)", s.step),
        ));
    }
    if s.seeds.is_empty() {
        return Err(Error::param("seeds", "[]", "needs at least one seed"));
    }
    let (mu, branch): (Vec<f64>, Vec<&'static str>) = match s.direction {
        Direction::Up => (s.values.clone(), vec!["up"; s.values.len()]),
        Direction::Down => (
            s.values.iter().rev().copied().collect(),
            vec!["down"; s.values.len()],
        ),
        Direction::UpDown => {
            let mut m = s.values.clone();
            m.extend(s.values.iter().rev().skip(1));
            let mut b = vec!["up"; s.values.len()];
            b.extend(vec!["down"; s.values.len() - 1]);
            (m, b)
        }
    };
    let stair = Signal::steps(&mu, s.step, 0.0)?;
    let mut o = base.clone();
    o.mu = s.ratio.iter().map(|&k| stair.scaled(k)).collect();
    o.duration = s.step * mu.len() as f64;
    o.windows = (0..mu.len())
        .map(|k| (k as f64 * s.step + s.transient, (k + 1) as f64 * s.step))
        .collect();
    // Build the connectivity once, before the parallel runs share it.
    net.connectivity(o.conn_seed, o.dt)?;
    let runs: Vec<Result<RunResult>> = s
        .seeds
        .par_iter()
        .map(|&seed| {
            let mut oo = o.clone();
            oo.seed = seed;
            if oo.threads == 0 {
                // Each parallel seed gets its share of the pool (no oversubscription).
                let pool = rayon::current_num_threads();
                oo.threads = (pool / s.seeds.len().clamp(1, pool)).max(1);
            }
            oo.progress = base.progress && s.seeds.len() == 1;
            net.run(&oo)
        })
        .collect();
    let mut per_seed = Vec::new();
    let (mut diverged, mut interrupted, mut wall) = (false, false, 0.0);
    for r in runs {
        let r = r?;
        diverged |= r.diverged;
        interrupted |= r.interrupted;
        wall += r.wall_s;
        let wr = r.window_rates(&o.windows);
        // [point][pop] -> [pop][point]; points not reached are NaN.
        let per: Vec<Vec<f64>> = (0..p)
            .map(|x| {
                wr.iter()
                    .enumerate()
                    .map(|(k, w)| {
                        if o.windows[k].1 <= r.t_end + 1e-9 {
                            w[x]
                        } else {
                            f64::NAN
                        }
                    })
                    .collect()
            })
            .collect();
        per_seed.push(per);
    }
    let n = mu.len();
    let agg = |f: fn(&[f64]) -> f64| -> Vec<Vec<f64>> {
        (0..p)
            .map(|x| {
                (0..n)
                    .map(|k| f(&per_seed.iter().map(|s| s[x][k]).collect::<Vec<_>>()))
                    .collect()
            })
            .collect()
    };
    Ok(SweepResult {
        mu,
        branch,
        rates: agg(nanmean),
        sd: agg(nanstd),
        per_seed,
        diverged,
        interrupted,
        wall_s: wall,
    })
}

/// The SSN of a spiking network (Eq 1, 13): for each population a power law fitted to its
/// Ricciardi rate at its σ_ext (paper procedure, ν < 10 Hz), J_XY = K_XY j_XY. Poisson inputs
/// are not part of the SSN (they are external drive).
pub fn to_ssn(net: &Network) -> Result<(Ssn, Vec<PowerLawFit>)> {
    let spec = &net.spec;
    let mut fits = Vec::new();
    for p in &spec.pops {
        let lif = Lif::new(p.tau, p.theta, p.v_reset, p.t_ref)?;
        fits.push(fit_lif(&lif, p.sigma, default_fit_grid(&lif), 10.0)?);
    }
    let kinds = spec
        .pops
        .iter()
        .map(|p| if p.excitatory { PopKind::E } else { PopKind::I })
        .collect();
    let ssn = Ssn::new(
        fits.iter().map(|f| f.law).collect(),
        spec.coupling(),
        kinds,
        Some(spec.pops.iter().map(|p| p.tau).collect()),
    )?;
    Ok((ssn, fits))
}

/// Predicted vs simulated rates along a sweep.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The sweep (simulation).
    pub sweep: SweepResult,
    /// SSN prediction per [pop][point]: the stable steady state nearest to the simulated
    /// rates (NaN where the SSN has no stable steady state).
    pub ssn: Vec<Vec<f64>>,
    /// Number of stable SSN steady states per point.
    pub ssn_n_stable: Vec<usize>,
    /// Φsc (self-consistent Ricciardi) prediction per [pop][point], nearest solution (two-
    /// population E–I networks with a known parameter set only; otherwise empty).
    pub phisc: Vec<Vec<f64>>,
    /// Simulated − SSN, [pop][point] (Hz).
    pub err_ssn: Vec<Vec<f64>>,
    /// Simulated − Φsc, [pop][point] (Hz).
    pub err_phisc: Vec<Vec<f64>>,
}

impl Comparison {
    /// Root-mean-square of simulated − SSN per population over the points where both exist;
    /// `None` for a population with no such point.
    pub fn rms_ssn(&self) -> Vec<Option<f64>> {
        rms(&self.err_ssn)
    }
    /// Root-mean-square of simulated − Φsc per population (as [`Comparison::rms_ssn`]).
    pub fn rms_phisc(&self) -> Vec<Option<f64>> {
        rms(&self.err_phisc)
    }
}

fn rms(e: &[Vec<f64>]) -> Vec<Option<f64>> {
    e.iter()
        .map(|v| {
            let f: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
            (!f.is_empty()).then(|| (f.iter().map(|x| x * x).sum::<f64>() / f.len() as f64).sqrt())
        })
        .collect()
}

fn nearest(cands: &[Vec<f64>], sim: &[f64]) -> Option<Vec<f64>> {
    cands
        .iter()
        .min_by(|a, b| {
            let d = |v: &Vec<f64>| {
                v.iter()
                    .zip(sim)
                    .map(|(x, y)| if y.is_finite() { (x - y).powi(2) } else { 0.0 })
                    .sum::<f64>()
            };
            d(a).total_cmp(&d(b))
        })
        .cloned()
}

/// Runs a sweep and sets the SSN (and, for E–I networks given by paper-style parameters, Φsc)
/// prediction beside each simulated point.
pub fn compare(
    net: &Network,
    lifnet: Option<&LifNetwork>,
    base: &RunOptions,
    s: &SweepOptions,
) -> Result<Comparison> {
    let (ssn, _) = to_ssn(net)?;
    let sw = sweep(net, base, s)?;
    let p = net.spec.pops.len();
    let n = sw.mu.len();
    let mut pred = vec![vec![f64::NAN; n]; p];
    let mut n_stable = vec![0; n];
    let mut phisc = if lifnet.is_some() {
        vec![vec![f64::NAN; n]; p]
    } else {
        vec![]
    };
    for k in 0..n {
        let mu_ext: Vec<f64> = s.ratio.iter().map(|r| r * sw.mu[k]).collect();
        let sim: Vec<f64> = (0..p).map(|x| sw.rates[x][k]).collect();
        let st = ssn.steady_states(&mu_ext, None)?;
        let stable: Vec<Vec<f64>> = st
            .states
            .iter()
            .filter(|x| x.stable)
            .map(|x| x.nu.clone())
            .collect();
        n_stable[k] = stable.len();
        if let Some(best) = nearest(&stable, &sim) {
            for x in 0..p {
                pred[x][k] = best[x];
            }
        }
        if let Some(ln) = lifnet
            && p == 2
        {
            let sols = ln.phisc(mu_ext[0], mu_ext[1], 500.0, 240)?;
            let sols: Vec<Vec<f64>> = sols.iter().map(|v| v.to_vec()).collect();
            if let Some(best) = nearest(&sols, &sim) {
                for x in 0..p {
                    phisc[x][k] = best[x];
                }
            }
        }
    }
    let diff = |a: &Vec<Vec<f64>>| -> Vec<Vec<f64>> {
        a.iter()
            .zip(&sw.rates)
            .map(|(pr, sm)| sm.iter().zip(pr).map(|(s, p)| s - p).collect())
            .collect()
    };
    Ok(Comparison {
        err_ssn: diff(&pred),
        err_phisc: diff(&phisc),
        ssn: pred,
        ssn_n_stable: n_stable,
        phisc,
        sweep: sw,
    })
}
