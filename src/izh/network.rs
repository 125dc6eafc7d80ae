//! Spiking networks of Izhikevich populations with Lorentzian thresholds: all-to-all coupling
//! through population gating variables (the scheme of Gast et al. 2022's spiking networks),
//! with a recovery variable shared by the population (what the mean field assumes) or one per
//! neuron. Inputs are [`Signal`]s of time, as in the LIF engine.
//!
//! Per neuron i of population p (forward Euler, step dt):
//!
//! ```text
//! C dv_i/dt = k (v_i − v_r)(v_i − v_θ,i) − u + I(t) + g_a s_a (E_a − v_i) + g_g s_g (E_g − v_i)
//! v_i ≥ v_peak  →  spike, v_i ← v_reset
//! ds_a/dt = Σ_{E pre} J r_pre(t) − s_a/τ_a,   r_pre(t) = spikes in the step / (N_pre dt)
//! global u:     du/dt = a (b (⟨v⟩ − v_r) − u) + d r_p(t)
//! per-neuron u: du_i/dt = a (b (v_i − v_r) − u_i),  u_i ← u_i + d at each spike of i
//! ```

use super::IzhPop;
use crate::error::{Error, Result};
use crate::numerics::ode::Termination;
use crate::numerics::timecourse::{Extra, TimeCourse};
use crate::spiking::Signal;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Cauchy, Distribution};
use std::f64::consts::PI;

/// How the thresholds v_θ,i are drawn from the Lorentzian.
#[derive(Debug, Clone, PartialEq)]
pub enum Thresholds {
    /// Deterministic quantiles (no sampling noise) of the Lorentzian truncated to [lo, hi]
    /// (infinite bounds: untruncated, v̄ + Δ tan(π (i − 1/2)/N − π/2)).
    Quantiles {
        /// Lower bound (mV; may be −∞).
        lo: f64,
        /// Upper bound (mV; may be +∞).
        hi: f64,
    },
    /// Random draws rejected outside [lo, hi] (the authors' scripts: lo = v_r, hi = 2 v̄ − v_r).
    Truncated {
        /// Lower bound (mV).
        lo: f64,
        /// Upper bound (mV).
        hi: f64,
    },
}

/// Options of a spiking run.
#[derive(Debug, Clone)]
pub struct IzhRunOptions {
    /// Neurons per population.
    pub n: Vec<usize>,
    /// Input current per population (pA) as a function of time (ms).
    pub input: Vec<Signal>,
    /// Simulated time (ms).
    pub duration: f64,
    /// Euler step (ms).
    pub dt: f64,
    /// Width of the rate bins (ms).
    pub bin: f64,
    /// Shared (true, the mean-field assumption) or per-neuron recovery variable.
    pub global_u: bool,
    /// Threshold sampling per population.
    pub thresholds: Vec<Thresholds>,
    /// Seed of the threshold draws and initial voltages.
    pub seed: u64,
    /// Sparse random coupling instead of all-to-all population gating (None).
    pub sparse: Option<Sparse>,
}

/// Sparse random coupling (as in the later RectiPy networks): every neuron of population k
/// receives K = max(1, round(p N_m)) inputs from distinct random neurons of population m
/// (for each J[k][m] > 0), each of weight J[k][m]/K (rows normalised, so the mean input equals
/// the all-to-all one), through its own AMPA/GABA gates.
#[derive(Debug, Clone, PartialEq)]
pub struct Sparse {
    /// Connection probability.
    pub p: f64,
    /// Seed of the graph.
    pub seed: u64,
}

/// Targets of each presynaptic neuron of `m` in population `k`, CSR by presynaptic neuron.
struct Csr {
    offsets: Vec<u32>,
    idx: Vec<u32>,
    w: f64,
}

fn build_sparse(n: &[usize], j: &[Vec<f64>], sp: &Sparse) -> Result<Vec<Vec<Option<Csr>>>> {
    if !(sp.p > 0.0 && sp.p <= 1.0) {
        return Err(Error::param(
            "sparse",
            sp.p,
            "the connection probability must be in (0, 1]",
        ));
    }
    let p = n.len();
    let mut out: Vec<Vec<Option<Csr>>> = (0..p).map(|_| (0..p).map(|_| None).collect()).collect();
    for k in 0..p {
        for m in 0..p {
            if j[k][m] == 0.0 {
                continue;
            }
            let kin = ((sp.p * n[m] as f64).round() as usize).clamp(1, n[m]);
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(
                sp.seed ^ (0x9E37_79B9_7F4A_7C15u64.wrapping_mul((k * p + m + 1) as u64)),
            );
            let mut count = vec![0u32; n[m] + 1];
            let mut pre_of = Vec::with_capacity(n[k] * kin);
            for _ in 0..n[k] {
                let chosen = rand::seq::index::sample(&mut rng, n[m], kin);
                for pre in chosen.iter() {
                    count[pre + 1] += 1;
                    pre_of.push(pre as u32);
                }
            }
            for a in 1..=n[m] {
                count[a] += count[a - 1];
            }
            let mut fill = count.clone();
            let mut idx = vec![0u32; pre_of.len()];
            for (e, &pre) in pre_of.iter().enumerate() {
                let post = (e / kin) as u32;
                let slot = &mut fill[pre as usize];
                idx[*slot as usize] = post;
                *slot += 1;
            }
            out[m][k] = Some(Csr {
                offsets: count,
                idx,
                w: j[k][m] / kin as f64,
            });
        }
    }
    Ok(out)
}

/// What a run recorded.
#[derive(Debug, Clone)]
pub struct IzhRunResult {
    /// Bin centres (ms).
    pub t: Vec<f64>,
    /// Population rate per bin (Hz), one vector per population.
    pub rates: Vec<Vec<f64>>,
    /// Mean membrane potential per bin (mV), one vector per population.
    pub v_mean: Vec<Vec<f64>>,
    /// Simulated time reached (ms; shorter when interrupted).
    pub t_end: f64,
    /// Wall-clock seconds of the time loop.
    pub wall_s: f64,
    /// Finished, or interrupted (Ctrl-C) at `t_end`.
    pub termination: Termination,
}

impl IzhRunResult {
    /// The run as a [`TimeCourse`] named after the populations: binned rates (Hz), mean over
    /// t >= `transient` (ms), extras `v_mean` ([population][bin], mV) and `wall_s`.
    pub fn time_course(&self, names: Vec<String>, transient: f64) -> TimeCourse {
        let mut tc = TimeCourse::new(
            "Izhikevich spiking network",
            self.t.clone(),
            names,
            self.rates.clone(),
            "Hz",
            self.termination,
        )
        .window_from(transient)
        .with("v_mean", Extra::Mat(self.v_mean.clone()))
        .with("wall_s", Extra::Num(self.wall_s));
        tc.t_end = self.t_end;
        tc
    }
}

/// The thresholds of a population of `n` neurons.
pub fn thresholds(pop: &IzhPop, n: usize, how: &Thresholds, seed: u64) -> Result<Vec<f64>> {
    let (c, dl) = (pop.v_theta, pop.delta);
    match how {
        Thresholds::Quantiles { lo, hi } => {
            if !(*lo < c && c < *hi) {
                return Err(Error::param(
                    "threshold bounds",
                    format!("[{lo}, {hi}]"),
                    format!("must satisfy lo < v_theta = {c} < hi"),
                ));
            }
            if dl == 0.0 {
                return Ok(vec![c; n]);
            }
            // CDF of the Lorentzian, F(x) = 1/2 + atan((x - c)/Δ)/π, and its inverse
            let cdf = |x: f64| 0.5 + ((x - c) / dl).atan() / PI;
            let (f0, f1) = (cdf(*lo), cdf(*hi));
            Ok((0..n)
                .map(|i| {
                    let u = f0 + (f1 - f0) * (i as f64 + 0.5) / n as f64;
                    c + dl * (PI * (u - 0.5)).tan()
                })
                .collect())
        }
        Thresholds::Truncated { lo, hi } => {
            if !(*lo < c && c < *hi) {
                return Err(Error::param(
                    "threshold bounds",
                    format!("[{lo}, {hi}]"),
                    format!("must satisfy lo < v_theta = {c} < hi"),
                ));
            }
            if dl == 0.0 {
                return Ok(vec![c; n]);
            }
            let dist = Cauchy::new(c, dl).map_err(|e| Error::numerical(e.to_string()))?;
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let mut out = Vec::with_capacity(n);
            while out.len() < n {
                let x: f64 = dist.sample(&mut rng);
                if x > *lo && x < *hi {
                    out.push(x);
                }
            }
            Ok(out)
        }
    }
}

/// Simulates the all-to-all network of `pops` with weights `j[post][pre]`.
pub fn run(pops: &[IzhPop], j: &[Vec<f64>], o: &IzhRunOptions) -> Result<IzhRunResult> {
    let ctx = crate::numerics::context::RunContext::current();
    let nsteps = check_run(pops, j, o)?;
    let p = pops.len();
    let dt = o.dt;
    let bin_steps = ((o.bin / dt).round() as usize).max(1);
    let nbins = nsteps.div_ceil(bin_steps);
    let mut st = State::new(pops, j, o)?;
    let mut rates = vec![vec![0.0; nbins]; p];
    let mut vmean = vec![vec![0.0; nbins]; p];
    let mut r_now = vec![0.0; p];
    let start = std::time::Instant::now();
    let mut t_end = 0.0;
    let mut termination = Termination::Finished;
    for step in 0..nsteps {
        if step % 1000 == 0 && ctx.interrupted() {
            termination = Termination::Interrupted { t: t_end };
            break;
        }
        let t = step as f64 * dt;
        let b = step / bin_steps;
        for (k, q) in pops.iter().enumerate() {
            let (nsp, vsum) = st.update(k, q, o.input[k].at(t), o);
            let n = o.n[k] as f64;
            r_now[k] = nsp as f64 / (n * dt); // 1/ms
            let vm = vsum / n;
            if o.global_u {
                st.u_glob[k] +=
                    dt * (q.a * (q.b * (vm - q.v_r) - st.u_glob[k])) + q.d * nsp as f64 / n;
            }
            rates[k][b] += nsp as f64;
            vmean[k][b] += vm;
        }
        st.sparse_gates(pops, dt);
        st.gates(pops, j, &r_now, dt);
        t_end = t + dt;
    }
    let t = normalise_bins(&mut rates, &mut vmean, &o.n, t_end, dt, bin_steps);
    Ok(IzhRunResult {
        t,
        rates,
        v_mean: vmean,
        t_end,
        wall_s: start.elapsed().as_secs_f64(),
        termination,
    })
}

/// Checks the options of a run (and its memory); returns the number of steps.
fn check_run(pops: &[IzhPop], j: &[Vec<f64>], o: &IzhRunOptions) -> Result<usize> {
    let p = pops.len();
    if o.n.len() != p || o.input.len() != p || o.thresholds.len() != p {
        return Err(Error::Shape(format!(
            "N, input and thresholds need one entry per population ({p})"
        )));
    }
    if o.n.iter().any(|&n| n == 0 || n > 10_000_000) {
        return Err(Error::param(
            "N",
            format!("{:?}", o.n),
            "each must be 1 to 1e7",
        ));
    }
    if !(o.dt > 0.0 && o.dt <= 0.1) {
        return Err(Error::param(
            "dt",
            o.dt,
            "must be in (0, 0.1] ms (Euler on a quadratic neuron)",
        ));
    }
    if !(o.duration > 0.0 && o.duration.is_finite()) {
        return Err(Error::param("duration", o.duration, "must be > 0 ms"));
    }
    if o.bin.is_nan() || o.bin < o.dt {
        return Err(Error::param("bin", o.bin, "must be at least dt"));
    }
    for q in pops {
        q.validate()?;
        if q.v_reset.is_nan() || q.v_peak.is_nan() || q.v_reset >= q.v_peak {
            return Err(Error::param("v_reset", q.v_reset, "must be below v_peak"));
        }
    }
    let nsteps_f = (o.duration / o.dt).round();
    if nsteps_f > crate::numerics::ode::MAX_STEPS as f64 {
        return Err(Error::param(
            "duration",
            o.duration,
            format!(
                "gives {nsteps_f:.3e} steps of dt = {} ms; at most {:.0e}",
                o.dt,
                crate::numerics::ode::MAX_STEPS as f64
            ),
        ));
    }
    let nsteps = nsteps_f as usize;
    let nbins = nsteps.div_ceil(((o.bin / o.dt).round() as usize).max(1));
    let n_total: f64 = o.n.iter().map(|&n| n as f64).sum();
    let synapses: f64 = match &o.sparse {
        Some(sp) => (0..p)
            .map(|k| {
                (0..p)
                    .filter(|&m| j[k][m] != 0.0)
                    .map(|m| o.n[k] as f64 * (sp.p * o.n[m] as f64).round().max(1.0))
                    .sum::<f64>()
            })
            .sum(),
        None => 0.0,
    };
    crate::numerics::memory::reserve(
        &format!("an Izhikevich network run ({n_total:.0} neurons, {synapses:.3e} synapses)"),
        n_total * 48.0 + synapses * 8.0 + nbins as f64 * p as f64 * 16.0,
    )?;
    Ok(nsteps)
}

/// Binned spike counts and V sums to rates (Hz) and mean V over the bins reached; returns the
/// bin centres (ms).
fn normalise_bins(
    rates: &mut [Vec<f64>],
    vmean: &mut [Vec<f64>],
    n: &[usize],
    t_end: f64,
    dt: f64,
    bin_steps: usize,
) -> Vec<f64> {
    let done = (t_end / dt).round() as usize;
    let used_bins = done.div_ceil(bin_steps);
    let mut t = Vec::with_capacity(used_bins);
    for b in 0..used_bins {
        let s0 = b * bin_steps;
        let s1 = ((b + 1) * bin_steps).min(done);
        let len = (s1 - s0) as f64;
        t.push((s0 as f64 + 0.5 * len) * dt);
        for k in 0..rates.len() {
            rates[k][b] *= 1000.0 / (n[k] as f64 * len * dt);
            vmean[k][b] /= len;
        }
    }
    for (r, v) in rates.iter_mut().zip(vmean.iter_mut()) {
        r.truncate(used_bins);
        v.truncate(used_bins);
    }
    t
}

/// The state of a network run: thresholds, membrane potentials, recovery variables, gates.
struct State {
    theta: Vec<Vec<f64>>,
    v: Vec<Vec<f64>>,
    u_glob: Vec<f64>,
    u_n: Vec<Vec<f64>>,
    sa: Vec<f64>,
    sg: Vec<f64>,
    sparse: Option<Vec<Vec<Option<Csr>>>>,
    /// Per-neuron gates (sparse coupling only).
    psa: Vec<Vec<f64>>,
    psg: Vec<Vec<f64>>,
    /// This step's spiking neurons (sparse coupling only).
    fired: Vec<Vec<u32>>,
}

impl State {
    fn new(pops: &[IzhPop], j: &[Vec<f64>], o: &IzhRunOptions) -> Result<State> {
        let p = pops.len();
        let mut theta = Vec::with_capacity(p);
        let mut v = Vec::with_capacity(p);
        for (k, q) in pops.iter().enumerate() {
            theta.push(thresholds(
                q,
                o.n[k],
                &o.thresholds[k],
                o.seed.wrapping_add(k as u64),
            )?);
            v.push(vec![q.v_r; o.n[k]]);
        }
        let sparse = match &o.sparse {
            Some(sp) => Some(build_sparse(&o.n, j, sp)?),
            None => None,
        };
        let psa: Vec<Vec<f64>> =
            o.n.iter()
                .map(|&n| {
                    if sparse.is_some() {
                        vec![0.0; n]
                    } else {
                        Vec::new()
                    }
                })
                .collect();
        Ok(State {
            theta,
            v,
            u_glob: vec![0.0; p],
            u_n: if o.global_u {
                Vec::new()
            } else {
                o.n.iter().map(|&n| vec![0.0; n]).collect()
            },
            sa: vec![0.0; p],
            sg: vec![0.0; p],
            sparse,
            psg: psa.clone(),
            psa,
            fired: vec![Vec::new(); p],
        })
    }

    /// One Euler step of population k's neurons under input `i_ext`; returns (spikes, ΣV).
    fn update(&mut self, k: usize, q: &IzhPop, i_ext: f64, o: &IzhRunOptions) -> (usize, f64) {
        let dt = o.dt;
        let (gsa, gsg) = (q.g_ampa * self.sa[k], q.g_gaba * self.sg[k]);
        let (kk, vr, inv_c) = (q.k, q.v_r, dt / q.c);
        let mut nsp = 0usize;
        let mut vsum = 0.0;
        let vk = &mut self.v[k];
        let th = &self.theta[k];
        if self.sparse.is_some() {
            let fk = &mut self.fired[k];
            fk.clear();
            let (sak, sgk) = (&self.psa[k], &self.psg[k]);
            for i in 0..vk.len() {
                let x = vk[i];
                let (ga, gg) = (q.g_ampa * sak[i], q.g_gaba * sgk[i]);
                let u = if o.global_u {
                    self.u_glob[k]
                } else {
                    self.u_n[k][i]
                };
                let mut y = x + inv_c
                    * (kk * (x - vr) * (x - th[i]) - u
                        + i_ext
                        + ga * (q.e_ampa - x)
                        + gg * (q.e_gaba - x));
                if !o.global_u {
                    self.u_n[k][i] += dt * q.a * (q.b * (x - vr) - u);
                }
                if y >= q.v_peak {
                    y = q.v_reset;
                    if !o.global_u {
                        self.u_n[k][i] += q.d;
                    }
                    nsp += 1;
                    fk.push(i as u32);
                }
                vsum += y;
                vk[i] = y;
            }
        } else if o.global_u {
            let base = i_ext - self.u_glob[k] + gsa * q.e_ampa + gsg * q.e_gaba;
            let gtot = gsa + gsg;
            let (vp, vres) = (q.v_peak, q.v_reset);
            // branch-free so that the loop vectorises
            for (vi, &ti) in vk.iter_mut().zip(th) {
                let x = *vi;
                let y = x + inv_c * (kk * (x - vr) * (x - ti) + base - gtot * x);
                let fire = y >= vp;
                nsp += fire as usize;
                let y = if fire { vres } else { y };
                vsum += y;
                *vi = y;
            }
        } else {
            let uk = &mut self.u_n[k];
            for ((vi, &ti), ui) in vk.iter_mut().zip(th).zip(uk.iter_mut()) {
                let x = *vi;
                let mut y = x + inv_c
                    * (kk * (x - vr) * (x - ti) - *ui
                        + i_ext
                        + gsa * (q.e_ampa - x)
                        + gsg * (q.e_gaba - x));
                *ui += dt * q.a * (q.b * (x - vr) - *ui);
                if y >= q.v_peak {
                    y = q.v_reset;
                    *ui += q.d;
                    nsp += 1;
                }
                vsum += y;
                *vi = y;
            }
        }
        (nsp, vsum)
    }

    /// Sparse coupling: per-neuron gates decay, then every spike adds J/K to its targets' gate.
    fn sparse_gates(&mut self, pops: &[IzhPop], dt: f64) {
        let Some(csr) = &self.sparse else { return };
        for (k, q) in pops.iter().enumerate() {
            let (da, dg) = ((-dt / q.tau_ampa).exp(), (-dt / q.tau_gaba).exp());
            self.psa[k].iter_mut().for_each(|x| *x *= da);
            self.psg[k].iter_mut().for_each(|x| *x *= dg);
        }
        for (m, row) in csr.iter().enumerate() {
            for (k, c) in row.iter().enumerate() {
                let Some(c) = c else { continue };
                let gate = if pops[m].excitatory {
                    &mut self.psa[k]
                } else {
                    &mut self.psg[k]
                };
                for &pre in &self.fired[m] {
                    let (a, b) = (
                        c.offsets[pre as usize] as usize,
                        c.offsets[pre as usize + 1] as usize,
                    );
                    for &post in &c.idx[a..b] {
                        gate[post as usize] += c.w;
                    }
                }
            }
        }
    }

    /// Population gates: exact decay plus the spikes of this step (rates in 1/ms).
    fn gates(&mut self, pops: &[IzhPop], j: &[Vec<f64>], r_now: &[f64], dt: f64) {
        for (k, q) in pops.iter().enumerate() {
            let (mut ia, mut ig) = (0.0, 0.0);
            for (pre, w) in j[k].iter().enumerate() {
                if *w != 0.0 {
                    if pops[pre].excitatory {
                        ia += w * r_now[pre];
                    } else {
                        ig += w * r_now[pre];
                    }
                }
            }
            self.sa[k] = self.sa[k] * (-dt / q.tau_ampa).exp() + dt * ia;
            self.sg[k] = self.sg[k] * (-dt / q.tau_gaba).exp() + dt * ig;
        }
    }
}

/// Response of the spiking network to periodic drive: for each frequency f (Hz) the input of
/// population `pop` becomes its constant base value plus A sin(2π f t) (sampled at 64 points
/// per period and interpolated linearly); after `transient` ms the amplitude of the first
/// Fourier component of every population's binned rate is returned (Hz), as
/// [frequency][population]. `base.duration` is the total run length; frequencies run in
/// parallel (one network per thread).
pub fn resonance(
    pops: &[IzhPop],
    j: &[Vec<f64>],
    base: &IzhRunOptions,
    pop: usize,
    freqs: &[f64],
    amplitude: f64,
    transient: f64,
) -> Result<Vec<Vec<f64>>> {
    use rayon::prelude::*;
    if pop >= pops.len() {
        return Err(Error::param(
            "pop",
            pop,
            format!("must be below {}", pops.len()),
        ));
    }
    if freqs.iter().any(|f| !(*f > 0.0 && f.is_finite())) {
        return Err(Error::param(
            "freqs",
            format!("{freqs:?}"),
            "must be positive (Hz)",
        ));
    }
    if !(transient >= 0.0 && transient < base.duration) {
        return Err(Error::param(
            "transient",
            transient,
            "must be in [0, duration) ms",
        ));
    }
    let i0 = base.input[pop].at(0.0);
    freqs
        .par_iter()
        .map(|&f| {
            let w = 2.0 * PI * f / 1000.0;
            let period = 1000.0 / f;
            let npts = ((base.duration / period) * 64.0).ceil() as usize + 2;
            let ts: Vec<f64> = (0..npts).map(|i| i as f64 * period / 64.0).collect();
            let vs: Vec<f64> = ts.iter().map(|&t| i0 + amplitude * (w * t).sin()).collect();
            let mut o = base.clone();
            o.input[pop] = Signal::linear(ts, vs)?;
            let r = run(pops, j, &o)?;
            // a whole number of periods after the transient
            let span = ((r.t_end - transient) / period).floor() * period;
            Ok(r.rates
                .iter()
                .map(|rate| {
                    let (mut re, mut im, mut n) = (0.0f64, 0.0f64, 0.0f64);
                    for (t, x) in r.t.iter().zip(rate) {
                        if *t > transient && *t <= transient + span {
                            re += x * (w * t).cos();
                            im += x * (w * t).sin();
                            n += 1.0;
                        }
                    }
                    2.0 * (re * re + im * im).sqrt() / n.max(1.0)
                })
                .collect())
        })
        .collect()
}

/// Population sizes: one for every population, or one each.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum Sizes {
    /// The same size for every population.
    One(crate::options::Count),
    /// One size per population.
    Each(Vec<crate::options::Count>),
}

impl<'de> serde::Deserialize<'de> for Sizes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Sizes, D::Error> {
        use crate::options::Count;
        use serde::Deserialize;
        use serde::de::{self, IntoDeserializer, SeqAccess, Visitor};
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Sizes;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a whole number >= 0 or an array of them (one per population)")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Sizes, E> {
                Count::deserialize(v.into_deserializer()).map(Sizes::One)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Sizes, E> {
                Ok(Sizes::One(Count(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Sizes, E> {
                Count::deserialize(v.into_deserializer()).map(Sizes::One)
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> std::result::Result<Sizes, A::Error> {
                let mut out = Vec::new();
                while let Some(c) = a.next_element::<Count>()? {
                    out.push(c);
                }
                Ok(Sizes::Each(out))
            }
        }
        d.deserialize_any(V)
    }
}

crate::options! {
    /// Options of `IzhMeanField.run` (the inputs `I` are read by the binding: currents or
    /// Signals per population).
    #[allow(non_snake_case)]
    pub struct IzhRunOpts {
        /// neurons per population (a number, or one per population)
        N: Sizes = Sizes::One(crate::options::Count(1000)), "";
        /// simulated time
        duration: crate::options::Num = crate::options::Num(1000.0), "ms";
        /// Euler step
        dt: crate::options::Num = crate::options::Num(0.002), "ms";
        /// width of the population-rate bins
        bin: crate::options::Num = crate::options::Num(1.0), "ms";
        /// start of the window of `rates` (none: 0; in spiking_resonance the transient before the amplitude is measured, none: 300)
        transient: Option<crate::options::Num> = None, "ms";
        /// one recovery variable per population, as the mean field (false: per neuron)
        global_u: bool = true, "";
        /// "sampled" (Cauchy draws) or "quantiles" (deterministic quantiles)
        thresholds: String = "sampled".to_string(), "";
        /// thresholds limited to [v_r, 2 v_theta - v_r] as in the authors' scripts (the untruncated tails put neurons at extreme thresholds that fire tonically and move the lower fold of the RS-FS window by ~5 pA)
        truncate: bool = true, "";
        /// seed of the thresholds and initial states
        seed: crate::options::Count = crate::options::Count(1), "";
        /// connection probability p: sparse random coupling (K = round(p N) inputs per coupled population, weight J/K, own gates) instead of all-to-all gating (none)
        sparse: Option<crate::options::Num> = None, "";
        /// seed of the sparse graph
        conn_seed: crate::options::Count = crate::options::Count(1), "";
    }
}

impl IzhRunOpts {
    /// The run options for populations `pops` driven by `input`.
    pub fn build(&self, pops: &[IzhPop], input: Vec<Signal>) -> Result<IzhRunOptions> {
        let p = pops.len();
        let n = match &self.N {
            Sizes::One(c) => vec![c.0 as usize; p],
            Sizes::Each(v) if v.len() == p => v.iter().map(|c| c.0 as usize).collect(),
            Sizes::Each(v) => {
                return Err(Error::param(
                    "N",
                    format!("{} sizes", v.len()),
                    format!("needs one size per population ({p}) or one number"),
                ));
            }
        };
        let bounds = |q: &IzhPop| {
            if self.truncate {
                (q.v_r, 2.0 * q.v_theta - q.v_r)
            } else {
                (f64::NEG_INFINITY, f64::INFINITY)
            }
        };
        let thresholds = match self.thresholds.as_str() {
            "quantiles" => pops
                .iter()
                .map(|q| {
                    let (lo, hi) = bounds(q);
                    Thresholds::Quantiles { lo, hi }
                })
                .collect(),
            "sampled" => {
                if !self.truncate {
                    return Err(Error::param(
                        "thresholds",
                        "\"sampled\"",
                        "needs truncate: true (untruncated Cauchy draws have no mean); use \"quantiles\" for the untruncated distribution",
                    ));
                }
                pops.iter()
                    .map(|q| {
                        let (lo, hi) = bounds(q);
                        Thresholds::Truncated { lo, hi }
                    })
                    .collect()
            }
            other => {
                return Err(Error::param(
                    "thresholds",
                    format!("{other:?}"),
                    "must be \"quantiles\" or \"sampled\"",
                ));
            }
        };
        Ok(IzhRunOptions {
            n,
            input,
            duration: self.duration.0,
            dt: self.dt.0,
            bin: self.bin.0,
            global_u: self.global_u,
            thresholds,
            seed: self.seed.0,
            sparse: self.sparse.map(|pc| Sparse {
                p: pc.0,
                seed: self.conn_seed.0,
            }),
        })
    }
}
