//! The LIF spiking engine: fixed time step, exact membrane steps (or the paper's scheme),
//! parallel and deterministic.
//!
//! # Scheme (reference §3.1), per time step of length dt
//! 1. **Synapses.** Each population keeps, per input channel (delta, or exponential with one
//!    τ_s; recurrent or external), a ring of future steps holding the summed weights of the
//!    spikes that arrive then. A delta channel adds its slot to ΔV. An exponential channel
//!    keeps a current x ← x·h + s·(1 − h), h = e^{−dt/τ_s}, s the slot, and adds x to ΔV; a
//!    single spike thus delivers j·(1 − h)·hᵏ in step k, exactly j in total (the paper's code
//!    adds j·dt/τ_s, which is j·(1 + dt/2τ_s + …) in total; we normalise the area exactly).
//! 2. **Membrane.** Between events V follows the Ornstein-Uhlenbeck process
//!    dV = (−V/τ + μ_ext) dt + σ_ext dW (μ in mV/s, σ in mV/√s). By default ([`Scheme::Exact`])
//!    V ← V·e^{−dt/τ} + μτ(1 − e^{−dt/τ}) + σ√(τ(1 − e^{−2dt/τ})/2)·ξ, the exact step, with
//!    ξ ~ N(0, 1) independent per neuron and step; the paper's simulator ([`Scheme::Paper`],
//!    `scheme: "paper"`) used V ← V·e^{−dt/τ} + μ·dt + σ√dt·ξ. Synaptic increments of the step
//!    are added to V.
//! 3. **Threshold.** If V > Θ (strict) a spike is recorded and V ← V_R; the neuron then stays
//!    at V_R for round(t_ref/dt) steps, discarding inputs.
//! 4. **Delivery.** A spike emitted in step t reaches its targets in step t + d with
//!    d = max(1, round(D/dt)) ≥ 1 (so D = 0 means "next step", as in the paper's simulator).
//!
//! Initial membrane potentials are uniform in [V_R, Θ] (the paper's choice).
//!
//! # Determinism and parallelism
//! Neurons are cut into fixed chunks of [`CHUNK`] neurons, each with its own random streams
//! derived from the seed. Each thread owns a contiguous range of chunks and is the only one to
//! write them: it delivers every spike of the previous step to its own neurons (rows of the
//! connectivity are sorted by target, so its part of a row is found by bisection), always in
//! the same order (projection, then source neuron), so each inbox receives the same
//! floating-point additions in the same order whatever the number of threads. Results are
//! therefore bit-identical for any thread count. Synaptic events cost one addition each, and a
//! neuron's update reads one inbox slot, not one slot per projection. A persistent team of
//! scoped threads meets at a barrier (spin briefly, then sleep) once per step (spike lists alternate between
//! even and odd steps), which costs far less than a task pool per step.

use super::drive::Signal;
use super::model::{Csr, NetSpec, Source, Synapse, build_csr};
use crate::error::{Error, Result, check_positive};
use crate::numerics::context::RunContext;
use crate::numerics::ode::Termination;
use crate::numerics::random::NormalStream;
use crate::numerics::random::mix_seed;
use crate::numerics::stats::nanmean;
use crate::numerics::timecourse::{Extra, TimeCourse};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::{Binomial, Distribution};
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock};

/// Neurons per chunk (unit of random streams and of work distribution).
pub const CHUNK: usize = 256;

/// Options of one simulation run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Simulated time (ms).
    pub duration: f64,
    /// Time step (ms).
    pub dt: f64,
    /// Seed of the noise, initial state and Poisson inputs.
    pub seed: u64,
    /// Seed of the connectivity.
    pub conn_seed: u64,
    /// Width of the population-rate bins (ms).
    pub bin: f64,
    /// Mean external drive per LIF population (mV/s).
    pub mu: Vec<Signal>,
    /// Rate of each Poisson input population (Hz per source).
    pub poisson_rates: Vec<Signal>,
    /// Start of the analysis window for per-neuron statistics and `rates` (ms).
    pub transient: f64,
    /// Number of neurons per population recorded in the raster (equally spaced ids).
    pub record: usize,
    /// Extra windows [t0, t1) (ms) in which per-population spike counts are kept (protocols).
    pub windows: Vec<(f64, f64)>,
    /// Worker threads (0 = the process's thread budget, or 1 inside a parallel sweep).
    pub threads: usize,
    /// Show a progress bar (on a terminal).
    pub progress: bool,
    /// Initial membrane potential per population (mV); `None`: uniform in [V_R, Θ] (the paper).
    pub v0: Option<Vec<f64>>,
    /// Stop early when a population's rate over the last 10 ms exceeds this (Hz); 0 = never.
    pub max_rate: f64,
    /// Brownian-bridge threshold detection: after a step that ends below threshold, spike with
    /// the probability exp(-2 (Θ - V_n)(Θ - V_{n+1}) / (σ² dt)) that the white-noise path
    /// crossed Θ within the step. Removes the O(√dt) rate deficit of checking the threshold
    /// only at grid times (about 10% at dt = 0.05 ms near threshold); off by default, which is
    /// the paper's (and Brian2's and NEST's) scheme.
    pub bridge: bool,
    /// Membrane update between spikes (see [`Scheme`]); [`Scheme::Exact`] by default.
    pub scheme: Scheme,
}

/// How the membrane potential advances over one step between synaptic events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scheme {
    /// The exact Ornstein-Uhlenbeck step,
    /// V <- V e^{-h/τ} + μτ(1 - e^{-h/τ}) + σ √(τ(1 - e^{-2h/τ})/2) ξ. The sampled process has exactly the stationary mean μτ and
    /// variance σ²τ/2 of the continuous model for any h, so only the grid-time threshold check
    /// remains as a discretisation error (NEST's `iaf_psc_delta` integrates the same way).
    #[default]
    Exact,
    /// The paper's simulator (reference §3.1): V <- V e^{-h/τ} + μh + σ√h ξ. Its stationary
    /// mean is μτ(1 + h/2τ + ...) and its variance is inflated by about h/τ, so neurons fire a
    /// little faster (+0.6% at τ = 20 ms, +3% at τ = 10 ms for dt = 0.1 ms, near threshold).
    Paper,
}

impl Scheme {
    /// Parses "exact" or "paper".
    pub fn parse(s: &str) -> Option<Scheme> {
        match s {
            "exact" => Some(Scheme::Exact),
            "paper" => Some(Scheme::Paper),
            _ => None,
        }
    }

    /// The name accepted by [`Scheme::parse`].
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Exact => "exact",
            Scheme::Paper => "paper",
        }
    }

    /// (decay, drive factor, noise factor) of one step of length `dt` (ms) for a membrane time
    /// constant `tau` (ms): V <- decay V + factor μ + noise σ ξ, μ in mV/s and σ in mV/√s.
    pub fn coefficients(self, dt: f64, tau: f64) -> (f64, f64, f64) {
        let decay = (-dt / tau).exp();
        match self {
            Scheme::Exact => {
                // τ(1 - e^{-h/τ}) and τ(1 - e^{-2h/τ})/2 without cancellation, in seconds.
                let tau_s = tau / 1000.0;
                let m = -tau_s * (-dt / tau).exp_m1();
                let v = -0.5 * tau_s * (-2.0 * dt / tau).exp_m1();
                (decay, m, v.sqrt())
            }
            Scheme::Paper => (decay, dt / 1000.0, (dt / 1000.0).sqrt()),
        }
    }
}

impl RunOptions {
    /// The one default for the start of the measurement window: min(duration / 4, 500) ms.
    pub fn default_transient(duration: f64) -> f64 {
        (duration / 4.0).min(500.0)
    }

    /// Sets the duration (ms) and the default transient that goes with it.
    pub fn with_duration(mut self, duration: f64) -> Self {
        self.duration = duration;
        self.transient = Self::default_transient(duration);
        self
    }

    /// Defaults for a network: 1 s, dt = 0.05 ms, seed 1, bins of 10 ms, no drive, transient
    /// [`RunOptions::default_transient`], a run stopped as diverged above 5000 Hz.
    pub fn new(spec: &NetSpec) -> Self {
        RunOptions {
            duration: 1000.0,
            dt: 0.05,
            seed: 1,
            conn_seed: 1,
            bin: 10.0,
            mu: vec![Signal::Const(0.0); spec.pops.len()],
            poisson_rates: vec![Signal::Const(0.0); spec.poisson.len()],
            transient: Self::default_transient(1000.0),
            record: 0,
            windows: Vec::new(),
            threads: 0,
            progress: true,
            max_rate: 5000.0,
            v0: None,
            bridge: false,
            scheme: Scheme::Exact,
        }
    }
}

/// Per-neuron statistics of one population over the analysis window.
#[derive(Debug, Clone, Default)]
pub struct PopStats {
    /// Spike count per neuron in the window.
    pub counts: Vec<u32>,
    /// CV of the inter-spike intervals per neuron (NaN with fewer than 3 spikes).
    pub cv: Vec<f64>,
    /// Mean recurrent excitatory input per neuron (mV/s): spikes received in the window times
    /// j, over the window (exact for delta synapses; for exponential ones the part of the
    /// last spikes' current still in flight at the end is included).
    pub exc: Vec<f64>,
    /// Mean recurrent inhibitory input per neuron (mV/s, a magnitude).
    pub inh: Vec<f64>,
    /// Mean external input per neuron: μ_ext plus Poisson inputs (mV/s).
    pub ext: Vec<f64>,
    /// Variance rate of the net recurrent input per neuron, Var(per-step input)/dt (mV²/s),
    /// comparable to Σ_Y K j² ν of the diffusion approximation.
    pub rec_var: Vec<f64>,
}

/// Measured inputs of one population, means over its neurons.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct InputSummary {
    /// Recurrent excitation (mV/s).
    pub exc: f64,
    /// Recurrent inhibition (mV/s).
    pub inh: f64,
    /// External input (mV/s).
    pub ext: f64,
    /// Net recurrent input (mV/s).
    pub rec_mean: f64,
    /// SD across neurons of the net recurrent input (quenched variability, mV/s).
    pub rec_sd_quenched: f64,
    /// Mean temporal variance rate of the recurrent input (mV²/s).
    pub rec_var: f64,
}

/// Everything recorded by a run.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// Population names.
    pub names: Vec<String>,
    /// Time step (ms).
    pub dt: f64,
    /// Simulated time actually reached (ms); less than requested if interrupted or diverged.
    pub t_end: f64,
    /// Requested duration (ms).
    pub duration: f64,
    /// Start of the analysis window (ms).
    pub transient: f64,
    /// Bin width (ms).
    pub bin: f64,
    /// Population spike counts per bin, [pop][bin].
    pub bin_counts: Vec<Vec<u64>>,
    /// Population sizes.
    pub sizes: Vec<usize>,
    /// Per-population statistics over the window.
    pub stats: Vec<PopStats>,
    /// Spike counts per population per requested window, [window][pop].
    pub window_counts: Vec<Vec<u64>>,
    /// Raster: (time ms, population, neuron index within the population).
    pub raster: Vec<(f64, u32, u32)>,
    /// Total number of spikes.
    pub n_spikes: u64,
    /// Number of synapses.
    pub n_synapses: usize,
    /// True if Ctrl-C stopped the run.
    pub interrupted: bool,
    /// True if a population exceeded `max_rate` (no steady state: activity diverged).
    pub diverged: bool,
    /// Wall-clock seconds spent in the time loop.
    pub wall_s: f64,
    /// Wall-clock seconds spent building the connectivity (0 when cached).
    pub build_s: f64,
    /// Bytes of connectivity and input inboxes (rings of future steps).
    pub memory_bytes: usize,
    /// Worker threads the run used.
    pub threads: usize,
    /// Membrane scheme used.
    pub scheme: Scheme,
}

impl std::fmt::Display for RunResult {
    /// The REPL preview: duration, status, rates per population, spikes and wall time.
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let rates = self.rates();
        write!(
            f,
            "SimResult({:.0} ms{}{}, rates: {}, {} spikes, wall {:.2} s)",
            self.t_end,
            if self.interrupted {
                ", INTERRUPTED"
            } else {
                ""
            },
            if self.diverged { ", DIVERGED" } else { "" },
            self.names
                .iter()
                .zip(&rates)
                .map(|(n, v)| format!("{n} {v:.3} Hz"))
                .collect::<Vec<_>>()
                .join(", "),
            self.n_spikes,
            self.wall_s
        )?;
        if self.t_end <= self.transient {
            f.write_str(" [analysis window empty: transient >= duration]")?;
        }
        Ok(())
    }
}

impl RunResult {
    /// How the run ended, in the shared vocabulary of every time course.
    pub fn termination(&self) -> Termination {
        if self.interrupted {
            Termination::Interrupted { t: self.t_end }
        } else if self.diverged {
            Termination::Diverged { t: self.t_end }
        } else {
            Termination::Finished
        }
    }

    /// The run as the shared [`TimeCourse`]: binned population rates at bin centres (Hz),
    /// the measurement window from `transient`, and the spike statistics as extras (`cv`,
    /// `balance` per neuron, `mean_cv`, `mean_bf`, `spikes`, `synapses`, `wall_s`, `threads`,
    /// `scheme`). Its `rates` are the bin means over the window; [`RunResult::rates`] counts
    /// the spikes in [transient, t_end) exactly (the two agree when the window starts on a
    /// bin edge).
    pub fn time_course(&self) -> TimeCourse {
        let mean_of = crate::numerics::stats::nanmean;
        let cv: Vec<Vec<f64>> = self.stats.iter().map(|s| s.cv.clone()).collect();
        let bf = self.balance();
        let mut tc = TimeCourse::new(
            "LIF spiking network",
            self.bin_times(),
            self.names.clone(),
            self.pop_rates(),
            "Hz",
            self.termination(),
        )
        .window_from(self.transient)
        .with(
            "mean_cv",
            Extra::Vec(cv.iter().map(|c| mean_of(c)).collect()),
        )
        .with(
            "mean_bf",
            Extra::Vec(bf.iter().map(|b| mean_of(b)).collect()),
        )
        .with("cv", Extra::Mat(cv))
        .with("balance", Extra::Mat(bf))
        .with("spikes", Extra::Num(self.n_spikes as f64))
        .with("synapses", Extra::Num(self.n_synapses as f64))
        .with("wall_s", Extra::Num(self.wall_s))
        .with("threads", Extra::Num(self.threads as f64))
        .with("scheme", Extra::Text(self.scheme.name().to_string()));
        tc.t_end = self.t_end;
        tc
    }

    /// Mean rate per population over [transient, t_end) (Hz).
    pub fn rates(&self) -> Vec<f64> {
        let win = (self.t_end - self.transient).max(0.0) / 1000.0;
        self.stats
            .iter()
            .zip(&self.sizes)
            .map(|(s, &n)| {
                let c: u64 = s.counts.iter().map(|&c| c as u64).sum();
                if win > 0.0 {
                    c as f64 / (n as f64 * win)
                } else {
                    f64::NAN
                }
            })
            .collect()
    }

    /// Mean CV_ISI per population over neurons with at least 3 spikes in the window.
    pub fn mean_cv(&self) -> Vec<f64> {
        self.stats.iter().map(|s| nanmean(&s.cv)).collect()
    }

    /// Mean balance factor per population.
    pub fn mean_balance(&self) -> Vec<f64> {
        self.balance().iter().map(|b| nanmean(b)).collect()
    }

    /// Summary of the measured inputs per population.
    pub fn input_summary(&self) -> Vec<InputSummary> {
        self.stats
            .iter()
            .map(|s| {
                let rec: Vec<f64> = s.exc.iter().zip(&s.inh).map(|(e, i)| e - i).collect();
                InputSummary {
                    exc: nanmean(&s.exc),
                    inh: nanmean(&s.inh),
                    ext: nanmean(&s.ext),
                    rec_mean: nanmean(&rec),
                    rec_sd_quenched: crate::numerics::stats::nanstd(&rec),
                    rec_var: nanmean(&s.rec_var),
                }
            })
            .collect()
    }

    /// The binned rate of population `p` over the analysis window (from the transient on).
    pub fn analysed_rates(&self, p: usize) -> Result<Vec<f64>> {
        if p >= self.names.len() {
            return Err(Error::param(
                "pop",
                p,
                format!("the run has {} populations", self.names.len()),
            ));
        }
        let first = (self.transient / self.bin).ceil() as usize;
        let x = self.pop_rates().swap_remove(p);
        Ok(x[first.min(x.len())..].to_vec())
    }

    /// Autocorrelation time per population rate over the analysis window: the first 1/e
    /// crossing of the normalised autocorrelation (ms; NaN where undefined).
    pub fn acf_tau(&self) -> Vec<f64> {
        (0..self.names.len())
            .map(|p| {
                let x = self.analysed_rates(p).unwrap_or_default();
                crate::numerics::stats::acf_timescale(&x, self.bin).0
            })
            .collect()
    }

    /// Population rate per bin (Hz), [pop][bin]; the last bin is scaled to its covered time.
    pub fn pop_rates(&self) -> Vec<Vec<f64>> {
        self.bin_counts
            .iter()
            .zip(&self.sizes)
            .map(|(b, &n)| {
                b.iter()
                    .enumerate()
                    .map(|(k, &c)| {
                        let t0 = k as f64 * self.bin;
                        let w = (self.t_end - t0).min(self.bin).max(1e-12) / 1000.0;
                        c as f64 / (n as f64 * w)
                    })
                    .collect()
            })
            .collect()
    }

    /// Bin centres (ms).
    pub fn bin_times(&self) -> Vec<f64> {
        let nb = self.bin_counts.first().map_or(0, |b| b.len());
        (0..nb).map(|k| (k as f64 + 0.5) * self.bin).collect()
    }

    /// Per-neuron rates over the window (Hz), [pop][neuron].
    pub fn neuron_rates(&self) -> Vec<Vec<f64>> {
        let win = (self.t_end - self.transient).max(1e-12) / 1000.0;
        self.stats
            .iter()
            .map(|s| s.counts.iter().map(|&c| c as f64 / win).collect())
            .collect()
    }

    /// Balance factor per neuron: recurrent inhibition / (recurrent excitation + external).
    pub fn balance(&self) -> Vec<Vec<f64>> {
        self.stats
            .iter()
            .map(|s| {
                s.inh
                    .iter()
                    .zip(&s.exc)
                    .zip(&s.ext)
                    .map(|((i, e), x)| i / (e + x))
                    .collect()
            })
            .collect()
    }

    /// Mean rate per population in each requested window (Hz), [window][pop].
    pub fn window_rates(&self, windows: &[(f64, f64)]) -> Vec<Vec<f64>> {
        self.window_counts
            .iter()
            .zip(windows)
            .map(|(c, &(a, b))| {
                let w = (b.min(self.t_end) - a).max(0.0) / 1000.0;
                c.iter()
                    .zip(&self.sizes)
                    .map(|(&k, &n)| {
                        if w > 0.0 {
                            k as f64 / (n as f64 * w)
                        } else {
                            f64::NAN
                        }
                    })
                    .collect()
            })
            .collect()
    }
}

/// Cached connectivity: (seed, dt bits, CSR per projection).
type ConnCache = (u64, u64, Arc<Vec<Csr>>);

/// A spiking network with its connectivity cache.
#[derive(Debug)]
pub struct Network {
    /// The description.
    pub spec: NetSpec,
    cache: RwLock<Option<ConnCache>>,
}

impl Clone for Network {
    fn clone(&self) -> Self {
        Network {
            spec: self.spec.clone(),
            cache: RwLock::new(self.cache.read().ok().and_then(|c| c.clone())),
        }
    }
}

impl Network {
    /// Wraps a validated description.
    pub fn new(spec: NetSpec) -> Result<Network> {
        spec.validate()?;
        Ok(Network {
            spec,
            cache: RwLock::new(None),
        })
    }

    /// The connectivity for a seed and time step (built once, then cached).
    pub fn connectivity(&self, seed: u64, dt: f64) -> Result<(Arc<Vec<Csr>>, f64)> {
        let ctx = crate::numerics::context::RunContext::current();
        if let Ok(c) = self.cache.read()
            && let Some((s, d, csr)) = c.as_ref()
            && *s == seed
            && *d == dt.to_bits()
        {
            return Ok((csr.clone(), 0.0));
        }
        crate::numerics::memory::reserve(
            &format!(
                "the connectivity of network \"{}\" ({:.3e} synapses)",
                self.spec.name,
                self.spec.expected_synapses()
            ),
            self.spec.connectivity_bytes(dt),
        )?;
        let t0 = std::time::Instant::now();
        let mut all = Vec::with_capacity(self.spec.projections.len());
        for k in 0..self.spec.projections.len() {
            all.push(build_csr(&self.spec, k, seed, dt)?);
            ctx.check()?;
        }
        let all = Arc::new(all);
        if let Ok(mut c) = self.cache.write() {
            *c = Some((seed, dt.to_bits(), all.clone()));
        }
        Ok((all, t0.elapsed().as_secs_f64()))
    }

    /// Runs the network.
    pub fn run(&self, o: &RunOptions) -> Result<RunResult> {
        run(self, o)
    }
}

struct Chunk {
    pop: usize,
    start: usize,
    v: Vec<f64>,
    refr: Vec<u32>,
    /// Synaptic input arriving in each future step: summed weights (mV), laid out
    /// [channel][ring slot][neuron]. Written by delivery, read and cleared by the update.
    inbox: Vec<f64>,
    /// Exponential-synapse currents per channel, [channel][neuron] (empty for delta channels).
    xexp: Vec<Vec<f64>>,
    /// Recurrent input of this step per neuron (mV; general path only, else empty).
    rec: Vec<f64>,
    /// Poisson input of this step per neuron (mV; only with Poisson inputs, else empty).
    pin: Vec<f64>,
    /// Spikes received in the analysis window, [incoming projection][neuron].
    recv: Vec<Vec<u64>>,
    /// Membrane potential before this step's update (only with the bridge correction).
    vold: Vec<f64>,
    /// Uniforms (initial state, rejection steps of the normals, bridge crossings).
    rng: Xoshiro256PlusPlus,
    /// The membrane noise.
    noise: NormalStream,
    counts: Vec<u32>,
    last: Vec<u32>,
    isi_n: Vec<u32>,
    isi_s: Vec<f64>,
    isi_ss: Vec<f64>,
    sq: Vec<f64>,
    sum_rec: Vec<f64>,
    rec_every: usize,
    record: usize,
    raster: Vec<(u32, u32)>,
}

/// An input channel of a population: the projections that share a synapse model (delta, or
/// exponential with one τ_s) and a kind (recurrent or external) sum into one inbox.
#[derive(Clone, Copy, PartialEq)]
struct Channel {
    /// e^{−dt/τ_s} for an exponential synapse, None for delta.
    h: Option<f64>,
    external: bool,
}

struct InProj {
    j: f64,
    external: bool,
}

struct PopRt {
    /// Factor turning the drive μ (mV/s) into its increment over one step (mV).
    drive: f64,
    decay: f64,
    sig: f64,
    theta: f64,
    v_reset: f64,
    ref_steps: u32,
    incoming: Vec<InProj>,
    chans: Vec<Channel>,
    /// Slots of the inbox ring (largest incoming delay + 1).
    ring_len: usize,
    has_poisson: bool,
    /// 2 / (σ² dt) when the Brownian-bridge correction is on, else 0.
    bridge: f64,
    /// One recurrent delta channel, no refractory period, no bridge: the fused update.
    fused: bool,
}

struct ProjRt {
    csr_idx: usize,
    src: Source,
    post: usize,
    /// Channel of the target population.
    chan: usize,
    /// Index among the target population's incoming projections.
    q: usize,
    /// Signed weight (mV).
    j: f64,
}

/// The spike lists of one chunk for even and odd steps: the owner writes the list of step t
/// while it updates; every thread reads it while delivering (in step t + 1), when nobody
/// writes it (the next write to the same list is in step t + 2, after a barrier).
struct SpikeLists([UnsafeCell<Vec<u32>>; 2]);

// SAFETY: access follows the protocol above.
unsafe impl Sync for SpikeLists {}

impl SpikeLists {
    /// SAFETY: caller must be the owner, updating step t with `t % 2 == par`.
    #[allow(clippy::mut_from_ref)]
    unsafe fn get_mut(&self, par: usize) -> &mut Vec<u32> {
        unsafe { &mut *self.0[par].get() }
    }
    /// SAFETY: no thread may be writing list `par` (see the protocol).
    unsafe fn get(&self, par: usize) -> &Vec<u32> {
        unsafe { &*self.0[par].get() }
    }
}

/// A chunk's state, touched only by the thread that owns the chunk (its update and the
/// delivery of spikes into its inbox), and by the main thread before and after the run.
struct ChunkCell(UnsafeCell<Chunk>);

// SAFETY: access follows the ownership protocol above (one thread per chunk).
unsafe impl Sync for ChunkCell {}

impl ChunkCell {
    /// SAFETY: caller must be the owner thread (or hold exclusive access).
    #[allow(clippy::mut_from_ref)]
    unsafe fn get_mut(&self) -> &mut Chunk {
        unsafe { &mut *self.0.get() }
    }
    /// SAFETY: caller must be the owner thread (or hold exclusive access).
    unsafe fn get(&self) -> &Chunk {
        unsafe { &*self.0.get() }
    }
}

/// A barrier on which threads spin briefly, then sleep on a condition variable (a futex on
/// Linux). Spinning keeps the per-step cost at a few hundred nanoseconds on a quiet machine;
/// sleeping means that when a partner thread is descheduled (a busy workstation, a packed
/// cluster node) a waiter costs one wake-up instead of burning or yielding whole scheduler
/// slices, which made multi-threaded runs 10x slower than single-threaded ones under load.
struct SpinBarrier {
    n: usize,
    count: AtomicUsize,
    generation: AtomicUsize,
    /// Threads asleep (or about to sleep) on `cv`.
    sleepers: AtomicUsize,
    lock: Mutex<()>,
    cv: Condvar,
}

/// Spin iterations before a waiter goes to sleep (a few hundred µs of `spin_loop`: far longer
/// than the imbalance of one step on a quiet machine, far shorter than a scheduler slice).
/// Measured on 2 cores (bench/busy_machine.sh): 2000 made quiet runs ~8% slower, 100 000
/// behaved like pure spinning under load.
const SPIN_LIMIT: u32 = 10_000;

impl SpinBarrier {
    fn new(n: usize) -> Self {
        SpinBarrier {
            n,
            count: AtomicUsize::new(0),
            generation: AtomicUsize::new(0),
            sleepers: AtomicUsize::new(0),
            lock: Mutex::new(()),
            cv: Condvar::new(),
        }
    }
    fn wait(&self) {
        if self.n == 1 {
            return;
        }
        let g = self.generation.load(Ordering::Acquire);
        if self.count.fetch_add(1, Ordering::AcqRel) + 1 == self.n {
            self.count.store(0, Ordering::Relaxed);
            // SeqCst pairs with the sleeper's SeqCst increment and re-check below: either the
            // sleeper sees the new generation, or this load sees the sleeper.
            self.generation.fetch_add(1, Ordering::SeqCst);
            if self.sleepers.load(Ordering::SeqCst) > 0 {
                let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
                self.cv.notify_all();
            }
            return;
        }
        for _ in 0..SPIN_LIMIT {
            if self.generation.load(Ordering::Acquire) != g {
                return;
            }
            std::hint::spin_loop();
        }
        let mut guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        self.sleepers.fetch_add(1, Ordering::SeqCst);
        while self.generation.load(Ordering::SeqCst) == g {
            guard = self.cv.wait(guard).unwrap_or_else(|e| e.into_inner());
        }
        self.sleepers.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Estimated bytes of a run: connectivity, per-neuron state (membrane, refractory counter,
/// statistics, one inbox ring of up to the longest delay per input channel), population bins,
/// windows and the raster of the recorded neurons (at 100 Hz each).
fn run_bytes(spec: &NetSpec, o: &RunOptions) -> f64 {
    let n: f64 = spec.pops.iter().map(|p| p.n as f64).sum();
    let max_delay = spec
        .projections
        .iter()
        .map(|pr| (pr.delay.1 / o.dt).round().max(1.0) + 1.0)
        .fold(1.0, f64::max);
    let chans = spec.projections.len().clamp(1, 4) as f64;
    let state = n * (96.0 + 8.0 * max_delay * chans);
    let bins = (o.duration / o.bin.max(o.dt)).ceil() * (spec.pops.len() as f64) * 8.0;
    let windows = o.windows.len() as f64 * spec.pops.len() as f64 * 8.0;
    let recorded = (o.record as f64).min(n) * spec.pops.len() as f64;
    let raster = recorded * (o.duration / 1000.0) * 100.0 * 16.0;
    spec.connectivity_bytes(o.dt) + state + bins + windows + raster.min(1e12)
}

fn validate(spec: &NetSpec, o: &RunOptions) -> Result<()> {
    check_positive("dt", o.dt, "ms")?;
    if o.dt > 10.0 {
        return Err(Error::param("dt", o.dt, "must be <= 10 ms"));
    }
    check_positive("duration", o.duration, "ms")?;
    check_positive("bin", o.bin, "ms")?;
    if !(o.transient.is_finite() && o.transient >= 0.0 && o.transient < o.duration) {
        return Err(Error::param(
            "transient",
            o.transient,
            format!(
                "must be in [0, duration = {} ms): the measurement window [transient, duration) would be empty",
                o.duration
            ),
        ));
    }
    if !(o.max_rate.is_finite() && o.max_rate >= 0.0) {
        return Err(Error::param(
            "max_rate",
            o.max_rate,
            "must be a finite rate >= 0 Hz (0: never stop a runaway run)",
        ));
    }
    let steps = o.duration / o.dt;
    if steps > 4.0e9 {
        return Err(Error::param(
            "duration",
            o.duration,
            "gives more than 4e9 time steps",
        ));
    }
    if o.duration / o.bin > 1.0e8 {
        return Err(Error::param("bin", o.bin, "gives more than 1e8 bins"));
    }
    if o.mu.len() != spec.pops.len() {
        return Err(Error::Shape(format!(
            "mu: {} signals for {} populations",
            o.mu.len(),
            spec.pops.len()
        )));
    }
    if o.poisson_rates.len() != spec.poisson.len() {
        return Err(Error::Shape(format!(
            "rates: {} signals for {} Poisson inputs",
            o.poisson_rates.len(),
            spec.poisson.len()
        )));
    }
    for (k, s) in o.poisson_rates.iter().enumerate() {
        let (lo, hi) = s.range();
        if lo < 0.0 || hi * o.dt / 1000.0 > 1.0 {
            return Err(Error::param(
                &format!("rate of {}", spec.poisson[k].name),
                format!("range [{lo}, {hi}]"),
                format!("must be in [0, {}] Hz (one spike per step)", 1000.0 / o.dt),
            ));
        }
    }
    if let Some(v0) = &o.v0 {
        if v0.len() != spec.pops.len() {
            return Err(Error::Shape(format!(
                "v0: {} values for {} populations",
                v0.len(),
                spec.pops.len()
            )));
        }
        for (k, &v) in v0.iter().enumerate() {
            if !v.is_finite() {
                return Err(Error::param(&format!("v0[{k}]"), v, "must be finite (mV)"));
            }
        }
    }
    for &(a, b) in &o.windows {
        if !(a.is_finite() && b.is_finite() && b >= a) {
            return Err(Error::param(
                "window",
                format!("[{a}, {b}]"),
                "needs t0 <= t1",
            ));
        }
    }
    Ok(())
}

/// Runs a network (see the module doc for the scheme).
pub fn run(net: &Network, o: &RunOptions) -> Result<RunResult> {
    let ctx = crate::numerics::context::RunContext::current();
    let spec = &net.spec;
    validate(spec, o)?;
    crate::numerics::memory::reserve(
        &format!("a run of network \"{}\"", spec.name),
        run_bytes(spec, o),
    )?;
    let (csr, build_s) = net.connectivity(o.conn_seed, o.dt)?;
    let dt = o.dt;
    let nsteps = (o.duration / dt).round().max(1.0) as usize;
    let win_step = (o.transient / dt).round() as usize;
    let bin_steps = ((o.bin / dt).round() as usize).max(1);

    let (pops, projs, csr_bytes) = runtime_view(spec, o, &csr);
    let n_synapses: usize = csr.iter().map(|c| c.len()).sum();
    let (chunks, first_chunk, chunk_bytes) = make_chunks(spec, o, &pops);
    let lay = layout(spec, &chunks, o.threads);
    let n_threads = lay.n_threads;
    let spikes: Vec<SpikeLists> = chunks
        .iter()
        .map(|_| SpikeLists([UnsafeCell::new(Vec::new()), UnsafeCell::new(Vec::new())]))
        .collect();
    // Poisson spikes of even and odd steps (same protocol as the chunks' spike lists).
    let poisson_spikes: [RwLock<Vec<Vec<u32>>>; 2] =
        std::array::from_fn(|_| RwLock::new(vec![Vec::new(); spec.poisson.len()]));
    let barrier = SpinBarrier::new(n_threads);
    let stop_at = AtomicUsize::new(usize::MAX);
    let pb = if o.progress {
        ctx.progress(nsteps as u64, "simulate")
    } else {
        indicatif::ProgressBar::hidden()
    };
    let t_wall = std::time::Instant::now();

    let sh = Shared {
        chunks: &chunks,
        spikes: &spikes,
        chunk_start: &lay.chunk_start,
        first_chunk: &first_chunk,
        projs: &projs,
        pops: &pops,
        csr: &csr,
        owner: &lay.owner,
        ranges: &lay.ranges,
        chunk_of_pop: &lay.chunk_of_pop,
        poisson_spikes: &poisson_spikes,
        mu: &o.mu,
        barrier: &barrier,
        stop_at: &stop_at,
        nsteps,
        scheme: o.scheme,
        dt,
        win_step,
    };
    // Thread 0 draws the Poisson spikes of each step (before the first barrier) and keeps the
    // books of step t after the barrier (its spike lists are read-only then).
    let mut draw = PoissonDraw {
        spec,
        o,
        rng: Xoshiro256PlusPlus::seed_from_u64(mix_seed(o.seed, 0xB0B, 0)),
    };
    let mut books = Books::new(spec, o, nsteps, bin_steps, &lay.chunk_pop);
    let mut pre = |t: usize| draw.step(t, &poisson_spikes);
    let mut post = |t: usize| -> bool {
        let halt = books.after_step(t, &spikes);
        if t.is_multiple_of(256) {
            pb.set_position(t as u64);
        }
        halt
    };
    std::thread::scope(|scope| {
        let sh = &sh;
        let handles: Vec<_> = (1..n_threads)
            .map(|tid| scope.spawn(move || worker(sh, tid, None)))
            .collect();
        worker(sh, 0, Some((&mut pre, &mut post)));
        for h in handles {
            let _ = h.join();
        }
    });
    pb.finish_and_clear();
    let wall_s = t_wall.elapsed().as_secs_f64();
    let done = books.steps_done;
    let t_end = done as f64 * dt;
    let used_bins = done.div_ceil(bin_steps);
    for b in books.bin_counts.iter_mut() {
        b.truncate(used_bins);
    }
    let (stats, raster) = gather(spec, o, &pops, chunks, done, win_step);
    Ok(RunResult {
        names: spec.pops.iter().map(|p| p.name.clone()).collect(),
        dt,
        t_end,
        duration: nsteps as f64 * dt,
        transient: o.transient.min(t_end),
        bin: bin_steps as f64 * dt,
        bin_counts: books.bin_counts,
        sizes: spec.pops.iter().map(|p| p.n).collect(),
        stats,
        window_counts: books.window_counts,
        raster,
        n_spikes: books.n_spikes,
        n_synapses,
        interrupted: books.interrupted,
        diverged: books.diverged,
        wall_s,
        build_s,
        memory_bytes: csr_bytes + chunk_bytes,
        threads: n_threads,
        scheme: o.scheme,
    })
}

/// Runtime view of the populations (update coefficients, input channels) and projections;
/// also the bytes of the connectivity.
fn runtime_view(spec: &NetSpec, o: &RunOptions, csr: &[Csr]) -> (Vec<PopRt>, Vec<ProjRt>, usize) {
    let dt = o.dt;
    let mut pops: Vec<PopRt> = spec
        .pops
        .iter()
        .map(|p| {
            let (decay, drive, noise) = o.scheme.coefficients(dt, p.tau);
            PopRt {
                decay,
                drive,
                sig: p.sigma * noise,
                theta: p.theta,
                v_reset: p.v_reset,
                ref_steps: (p.t_ref / dt).round() as u32,
                incoming: Vec::new(),
                chans: Vec::new(),
                ring_len: 1,
                has_poisson: false,
                bridge: if o.bridge && p.sigma > 0.0 {
                    2.0 / (p.sigma * p.sigma * dt / 1000.0)
                } else {
                    0.0
                },
                fused: false,
            }
        })
        .collect();
    let mut projs = Vec::new();
    let mut memory = 0usize;
    for (k, pr) in spec.projections.iter().enumerate() {
        let c = &csr[k];
        memory += c.bytes();
        let p = &mut pops[pr.post];
        let external = matches!(pr.pre, Source::Poisson(_));
        let ch = Channel {
            h: match pr.synapse {
                Synapse::Delta => None,
                Synapse::Exp { tau_s } => Some((-dt / tau_s).exp()),
            },
            external,
        };
        let chan = match p.chans.iter().position(|&x| x == ch) {
            Some(i) => i,
            None => {
                p.chans.push(ch);
                p.chans.len() - 1
            }
        };
        p.ring_len = p.ring_len.max(c.max_delay as usize + 1);
        p.has_poisson |= external;
        let j = spec.signed_j(pr);
        p.incoming.push(InProj { j, external });
        projs.push(ProjRt {
            csr_idx: k,
            src: pr.pre,
            post: pr.post,
            chan,
            q: p.incoming.len() - 1,
            j,
        });
    }
    for p in pops.iter_mut() {
        p.fused = p.chans.len() == 1
            && p.chans[0].h.is_none()
            && !p.chans[0].external
            && p.ref_steps == 0
            && p.bridge == 0.0;
    }
    (pops, projs, memory)
}

/// The chunks of every population with their random streams and initial states, the index
/// of each population's first chunk, and the bytes of the input buffers.
fn make_chunks(
    spec: &NetSpec,
    o: &RunOptions,
    pops: &[PopRt],
) -> (Vec<ChunkCell>, Vec<usize>, usize) {
    let mut chunks: Vec<ChunkCell> = Vec::new();
    let mut first_chunk = Vec::with_capacity(spec.pops.len());
    let mut memory = 0usize;
    for (pi, p) in spec.pops.iter().enumerate() {
        first_chunk.push(chunks.len());
        let every = if o.record == 0 {
            usize::MAX
        } else {
            (p.n / o.record.min(p.n)).max(1)
        };
        let pr = &pops[pi];
        for (ci, start) in (0..p.n).step_by(CHUNK).enumerate() {
            let len = CHUNK.min(p.n - start);
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(mix_seed(
                o.seed,
                0xC0FFEE + pi as u64,
                ci as u64,
            ));
            let v = match &o.v0 {
                Some(v0) => vec![v0[pi]; len],
                None => (0..len)
                    .map(|_| p.v_reset + (p.theta - p.v_reset) * rng.random::<f64>())
                    .collect(),
            };
            let noise = NormalStream::new(&mut rng);
            let inbox = vec![0.0; pr.chans.len() * pr.ring_len * len];
            memory += inbox.len() * 8;
            let per_neuron = |on: bool| if on { vec![0.0; len] } else { Vec::new() };
            chunks.push(ChunkCell(UnsafeCell::new(Chunk {
                pop: pi,
                start,
                v,
                refr: vec![0; len],
                inbox,
                xexp: pr.chans.iter().map(|c| per_neuron(c.h.is_some())).collect(),
                rec: per_neuron(!pr.fused),
                pin: per_neuron(pr.has_poisson),
                recv: vec![vec![0; len]; pr.incoming.len()],
                vold: per_neuron(o.bridge),
                rng,
                noise,
                counts: vec![0; len],
                last: vec![u32::MAX; len],
                isi_n: vec![0; len],
                isi_s: vec![0.0; len],
                isi_ss: vec![0.0; len],
                sq: vec![0.0; len],
                sum_rec: vec![0.0; len],
                rec_every: every,
                record: o.record,
                raster: Vec::new(),
            })));
        }
    }
    (chunks, first_chunk, memory)
}

/// How the chunks are shared among the threads.
struct Layout {
    n_threads: usize,
    /// First neuron of each chunk in its population.
    chunk_start: Vec<usize>,
    /// Population of each chunk.
    chunk_pop: Vec<usize>,
    /// Chunks of each population.
    chunk_of_pop: Vec<Vec<usize>>,
    /// Thread owning each chunk.
    owner: Vec<usize>,
    /// Each thread's neurons of each population: a contiguous range.
    ranges: Vec<Vec<(u32, u32)>>,
}

/// Balances neurons over threads with contiguous chunk ranges (`threads` = 0: the default).
fn layout(spec: &NetSpec, chunks: &[ChunkCell], threads: usize) -> Layout {
    // SAFETY (here): no other thread exists yet.
    let chunk_start: Vec<usize> = chunks.iter().map(|c| unsafe { c.get() }.start).collect();
    let chunk_pop: Vec<usize> = chunks.iter().map(|c| unsafe { c.get() }.pop).collect();
    let chunk_len: Vec<usize> = chunks.iter().map(|c| unsafe { c.get() }.v.len()).collect();
    let chunk_of_pop: Vec<Vec<usize>> = (0..spec.pops.len())
        .map(|pi| (0..chunks.len()).filter(|&c| chunk_pop[c] == pi).collect())
        .collect();
    let want = if threads == 0 {
        crate::numerics::context::default_engine_threads()
    } else {
        threads
    };
    let total_n: usize = spec.pops.iter().map(|p| p.n).sum();
    let n_threads = want.clamp(1, chunks.len()).min((total_n / 1000).max(1));
    let mut owner = vec![0usize; chunks.len()];
    let mut acc = 0usize;
    for (c, len) in chunk_len.iter().enumerate() {
        owner[c] = (acc * n_threads / total_n.max(1)).min(n_threads - 1);
        acc += len;
    }
    let ranges: Vec<Vec<(u32, u32)>> = (0..n_threads)
        .map(|tid| {
            chunk_of_pop
                .iter()
                .map(|of_pop| {
                    let mine: Vec<usize> = of_pop
                        .iter()
                        .copied()
                        .filter(|&c| owner[c] == tid)
                        .collect();
                    match (mine.first(), mine.last()) {
                        (Some(&f), Some(&l)) => (
                            chunk_start[f] as u32,
                            (chunk_start[l] + chunk_len[l]) as u32,
                        ),
                        _ => (0, 0),
                    }
                })
                .collect()
        })
        .collect();
    Layout {
        n_threads,
        chunk_start,
        chunk_pop,
        chunk_of_pop,
        owner,
        ranges,
    }
}

/// The Poisson sources' spikes of each step, drawn by thread 0.
struct PoissonDraw<'a> {
    spec: &'a NetSpec,
    o: &'a RunOptions,
    rng: Xoshiro256PlusPlus,
}

impl PoissonDraw<'_> {
    fn step(&mut self, t: usize, out: &[RwLock<Vec<Vec<u32>>>; 2]) {
        if self.spec.poisson.is_empty() {
            return;
        }
        let time = t as f64 * self.o.dt;
        if let Ok(mut ps) = out[t & 1].write() {
            for (x, src) in self.spec.poisson.iter().enumerate() {
                ps[x].clear();
                let pr = (self.o.poisson_rates[x].at(time) * self.o.dt / 1000.0).clamp(0.0, 1.0);
                if pr > 0.0 {
                    let k = Binomial::new(src.n as u64, pr)
                        .map(|b| b.sample(&mut self.rng))
                        .unwrap_or(0) as usize;
                    if k > 0 {
                        let idx = rand::seq::index::sample(&mut self.rng, src.n, k.min(src.n));
                        ps[x].extend(idx.iter().map(|i| i as u32));
                    }
                }
            }
        }
    }
}

/// Thread 0's bookkeeping after each step: spike counts per bin and window, the divergence
/// check on consecutive 10-ms blocks and the interrupt check.
struct Books<'a> {
    ctx: RunContext,
    spec: &'a NetSpec,
    o: &'a RunOptions,
    chunk_pop: &'a [usize],
    bin_steps: usize,
    win_steps: Vec<(usize, usize)>,
    recent_steps: usize,
    step_counts: Vec<u64>,
    recent: Vec<u64>,
    bin_counts: Vec<Vec<u64>>,
    window_counts: Vec<Vec<u64>>,
    n_spikes: u64,
    steps_done: usize,
    interrupted: bool,
    diverged: bool,
}

impl<'a> Books<'a> {
    fn new(
        spec: &'a NetSpec,
        o: &'a RunOptions,
        nsteps: usize,
        bin_steps: usize,
        chunk_pop: &'a [usize],
    ) -> Self {
        let p = spec.pops.len();
        Books {
            ctx: RunContext::current(),
            spec,
            o,
            chunk_pop,
            bin_steps,
            win_steps: o
                .windows
                .iter()
                .map(|&(a, b)| ((a / o.dt).round() as usize, (b / o.dt).round() as usize))
                .collect(),
            recent_steps: ((10.0 / o.dt).round() as usize).max(1),
            step_counts: vec![0; p],
            recent: vec![0; p],
            bin_counts: vec![vec![0; nsteps.div_ceil(bin_steps)]; p],
            window_counts: vec![vec![0; p]; o.windows.len()],
            n_spikes: 0,
            steps_done: 0,
            interrupted: false,
            diverged: false,
        }
    }

    /// Books step t; true when the run must stop (diverged or interrupted).
    fn after_step(&mut self, t: usize, spikes: &[SpikeLists]) -> bool {
        self.step_counts.iter_mut().for_each(|c| *c = 0);
        for (c, sp) in spikes.iter().enumerate() {
            // SAFETY: called by thread 0 after the barrier of step t.
            self.step_counts[self.chunk_pop[c]] += unsafe { sp.get(t & 1) }.len() as u64;
        }
        let b = t / self.bin_steps;
        for (p, &c) in self.step_counts.iter().enumerate() {
            self.bin_counts[p][b] += c;
            self.n_spikes += c;
            self.recent[p] += c;
        }
        for (w, &(a, e)) in self.win_steps.iter().enumerate() {
            if t >= a && t < e {
                for (p, &c) in self.step_counts.iter().enumerate() {
                    self.window_counts[w][p] += c;
                }
            }
        }
        let mut halt = false;
        if (t + 1).is_multiple_of(self.recent_steps) {
            let span = self.recent_steps as f64 * self.o.dt / 1000.0;
            for (p, r) in self.recent.iter_mut().enumerate() {
                let rate = *r as f64 / (self.spec.pops[p].n as f64 * span);
                if self.o.max_rate > 0.0 && rate > self.o.max_rate {
                    self.diverged = true;
                    halt = true;
                }
                *r = 0;
            }
        }
        if t.is_multiple_of(256) && self.ctx.interrupted() {
            self.interrupted = true;
            halt = true;
        }
        self.steps_done = t + 1;
        halt
    }
}

/// Per-neuron statistics by population (in chunk order) and the sorted raster.
fn gather(
    spec: &NetSpec,
    o: &RunOptions,
    pops: &[PopRt],
    chunks: Vec<ChunkCell>,
    done: usize,
    win_step: usize,
) -> (Vec<PopStats>, Vec<(f64, u32, u32)>) {
    let dt = o.dt;
    let mut stats: Vec<PopStats> = vec![PopStats::default(); spec.pops.len()];
    let mut raster = Vec::new();
    let nwin = done.saturating_sub(win_step) as f64;
    let tw = nwin * dt / 1000.0;
    // Mean external drive over the window, per population (mV/s).
    let mu_mean: Vec<f64> =
        o.mu.iter()
            .map(|sig| {
                if done > win_step {
                    (win_step..done).map(|k| sig.at(k as f64 * dt)).sum::<f64>() / nwin
                } else {
                    f64::NAN
                }
            })
            .collect();
    for ch in chunks {
        let ch = ch.0.into_inner();
        let s = &mut stats[ch.pop];
        for i in 0..ch.v.len() {
            s.counts.push(ch.counts[i]);
            let n = ch.isi_n[i] as f64;
            s.cv.push(if ch.isi_n[i] >= 2 {
                let m = ch.isi_s[i] / n;
                let var = (ch.isi_ss[i] / n - m * m).max(0.0) * n / (n - 1.0);
                var.sqrt() / m
            } else {
                f64::NAN
            });
            let f = if tw > 0.0 { 1.0 / tw } else { f64::NAN };
            let (mut e, mut h, mut x) = (0.0, 0.0, mu_mean[ch.pop]);
            for (q, ip) in pops[ch.pop].incoming.iter().enumerate() {
                let m = ch.recv[q][i] as f64 * ip.j * f;
                if ip.external {
                    x += m;
                } else if ip.j >= 0.0 {
                    e += m;
                } else {
                    h -= m;
                }
            }
            s.exc.push(e);
            s.inh.push(h);
            s.ext.push(x);
            let var = if nwin > 1.0 {
                let m = ch.sum_rec[i] / nwin;
                (ch.sq[i] / nwin - m * m).max(0.0) / (dt / 1000.0)
            } else {
                f64::NAN
            };
            s.rec_var.push(var);
        }
        for &(st, i) in &ch.raster {
            raster.push((st as f64 * dt, ch.pop as u32, i));
        }
    }
    raster.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    (stats, raster)
}

/// Read-only (or internally synchronised) state shared by the worker threads.
struct Shared<'a> {
    chunks: &'a [ChunkCell],
    spikes: &'a [SpikeLists],
    chunk_start: &'a [usize],
    first_chunk: &'a [usize],
    projs: &'a [ProjRt],
    pops: &'a [PopRt],
    csr: &'a [Csr],
    owner: &'a [usize],
    /// [thread][population]: the thread's neurons of that population, [a, b).
    ranges: &'a [Vec<(u32, u32)>],
    chunk_of_pop: &'a [Vec<usize>],
    poisson_spikes: &'a [RwLock<Vec<Vec<u32>>>; 2],
    mu: &'a [Signal],
    barrier: &'a SpinBarrier,
    /// The step after whose barrier every thread stops (usize::MAX: run to the end).
    stop_at: &'a AtomicUsize,
    nsteps: usize,
    /// Membrane scheme (how μ becomes a per-step increment).
    scheme: Scheme,
    dt: f64,
    win_step: usize,
}

type PreHook<'h> = &'h mut dyn FnMut(usize);
type PostHook<'h> = &'h mut dyn FnMut(usize) -> bool;

/// The time loop of one thread. Step t: deliver the spikes of step t − 1 into the inboxes of
/// the thread's own chunks, update those chunks, barrier. One barrier per step suffices
/// because a thread writes only its own chunks, and spike lists alternate between even and
/// odd steps. Thread 0 carries the hooks: Poisson draws of step t before the barrier, the
/// bookkeeping of step t and the stop decision after it. A stop decided after the barrier of
/// step t takes effect, for every thread alike, after the barrier of step t + 1.
fn worker(sh: &Shared, tid: usize, mut hooks: Option<(PreHook, PostHook)>) {
    let my_chunks: Vec<usize> = (0..sh.chunks.len())
        .filter(|&c| sh.owner[c] == tid)
        .collect();
    let mut mu_now = vec![0.0; sh.mu.len()];
    let mut z = vec![0.0; CHUNK];
    for t in 0..sh.nsteps {
        if t > 0 {
            deliver_step(sh, tid, t - 1);
        }
        let time = t as f64 * sh.dt;
        for (m, s) in mu_now.iter_mut().zip(sh.mu) {
            *m = s.at(time);
        }
        let in_win = t >= sh.win_step;
        for &c in &my_chunks {
            // SAFETY: this thread owns chunk c, and list t % 2 is not read by anyone now.
            let ch = unsafe { sh.chunks[c].get_mut() };
            let spk = unsafe { sh.spikes[c].get_mut(t & 1) };
            let m = match sh.scheme {
                // The paper's (μ dt) / 1000, kept bit-identical to earlier releases.
                Scheme::Paper => mu_now[ch.pop] * sh.dt / 1000.0,
                Scheme::Exact => mu_now[ch.pop] * sh.pops[ch.pop].drive,
            };
            update_chunk(ch, spk, &mut z, t, in_win, sh.pops, m);
        }
        if let Some((pre, _)) = hooks.as_mut() {
            pre(t);
        }
        sh.barrier.wait();
        if sh.stop_at.load(Ordering::Acquire) == t {
            if let Some((_, post)) = hooks.as_mut() {
                post(t);
            }
            break;
        }
        if let Some((_, post)) = hooks.as_mut()
            && post(t)
        {
            sh.stop_at.store(t + 1, Ordering::Release);
        }
    }
}

/// Delivers the spikes emitted in step `te` (recurrent and Poisson) to the neurons of thread
/// `tid`, in a fixed order (projection, then source neuron), so every inbox receives the same
/// floating-point additions in the same order whatever the number of threads.
fn deliver_step(sh: &Shared, tid: usize, te: usize) {
    let par = te & 1;
    let full = sh.ranges.len() == 1;
    for pr in sh.projs {
        let range = sh.ranges[tid][pr.post];
        if range.0 >= range.1 {
            continue;
        }
        let c = &sh.csr[pr.csr_idx];
        let d = Dest {
            pr,
            c,
            pop: &sh.pops[pr.post],
            first: sh.first_chunk[pr.post],
            te,
            range,
            full,
            win: (sh.win_step, sh.nsteps),
        };
        match pr.src {
            Source::Pop(y) => {
                for &cc in &sh.chunk_of_pop[y] {
                    // SAFETY: list te % 2 is read-only in this phase.
                    let sp = unsafe { sh.spikes[cc].get(par) };
                    let start = sh.chunk_start[cc];
                    for &i in sp {
                        d.row(sh, start + i as usize);
                    }
                }
            }
            Source::Poisson(x) => {
                if let Ok(ps) = sh.poisson_spikes[par].read() {
                    for &i in &ps[x] {
                        d.row(sh, i as usize);
                    }
                }
            }
        }
    }
}

/// Where one projection's spikes of one step go, for one thread.
struct Dest<'a> {
    pr: &'a ProjRt,
    c: &'a Csr,
    pop: &'a PopRt,
    first: usize,
    te: usize,
    range: (u32, u32),
    full: bool,
    /// Arrivals in [win.0, win.1) count as received in the analysis window.
    win: (usize, usize),
}

impl Dest<'_> {
    /// Adds the weight of each synapse of presynaptic neuron `i` that ends on this thread's
    /// neurons to the inbox slot of its arrival step (rows are sorted, so those synapses are
    /// one contiguous run per chunk).
    #[inline]
    fn row(&self, sh: &Shared, i: usize) {
        let c = self.c;
        let off = c.offsets[i];
        let row = &c.targets[off..c.offsets[i + 1]];
        let (lo, hi) = if self.full {
            (0, row.len())
        } else {
            (
                row.partition_point(|&x| x < self.range.0),
                row.partition_point(|&x| x < self.range.1),
            )
        };
        let l = self.pop.ring_len;
        let base_slot = self.te % l;
        let (w0, w1) = self.win;
        let j = self.pr.j;
        let mut k = lo;
        while k < hi {
            let cid = row[k] as usize / CHUNK;
            // SAFETY: the target is in this thread's range, so the chunk is this thread's.
            let ch = unsafe { sh.chunks[self.first + cid].get_mut() };
            let len = ch.v.len();
            let lo_n = cid * CHUNK;
            let end = (lo_n + len) as u32;
            let seg_end = k + row[k..hi].partition_point(|&x| x < end);
            let chan = &mut ch.inbox[self.pr.chan * l * len..(self.pr.chan + 1) * l * len];
            let recv = &mut ch.recv[self.pr.q];
            if c.delays.is_empty() {
                let d = c.delay_steps as usize;
                let slot = (base_slot + d) % l;
                let inb = &mut chan[slot * len..(slot + 1) * len];
                let ta = self.te + d;
                let count = ta >= w0 && ta < w1;
                for &tg in &row[k..seg_end] {
                    let n = tg as usize - lo_n;
                    inb[n] += j;
                    if count {
                        recv[n] += 1;
                    }
                }
            } else {
                for (&tg, &d) in row[k..seg_end]
                    .iter()
                    .zip(&c.delays[off + k..off + seg_end])
                {
                    let n = tg as usize - lo_n;
                    let mut slot = base_slot + d as usize;
                    if slot >= l {
                        slot -= l;
                    }
                    chan[slot * len + n] += j;
                    let ta = self.te + d as usize;
                    if ta >= w0 && ta < w1 {
                        recv[n] += 1;
                    }
                }
            }
            k = seg_end;
        }
    }
}

/// Advances one chunk by one step: the synaptic input of this step from the inbox (summed
/// per channel, exponential channels filtered), the stimulus, the membrane update and the
/// threshold. Populations with a single recurrent delta channel and no refractory period take
/// one fused pass. Compiled also for AVX2 (chosen at run time): the same IEEE operations in
/// the same order (Rust never fuses a multiply and an add on its own), on 4 lanes instead of 2,
/// so results are identical on any x86-64.
#[multiversion::multiversion(targets("x86_64+avx2"))]
fn update_chunk(
    ch: &mut Chunk,
    spikes: &mut Vec<u32>,
    z: &mut [f64],
    t: usize,
    in_win: bool,
    pops: &[PopRt],
    mu_dt: f64,
) {
    let p = &pops[ch.pop];
    spikes.clear();
    let n = ch.v.len();
    let start = ch.start;
    let z = &mut z[..n];
    let l = p.ring_len;
    let slot = t % l;
    let (decay, sig, theta, v_reset) = (p.decay, p.sig, p.theta, p.v_reset);
    ch.noise.fill(&mut ch.rng, z);
    if p.fused {
        let inb = &mut ch.inbox[slot * n..(slot + 1) * n];
        if in_win {
            for ((((v, x), &z), s), q) in
                ch.v.iter_mut()
                    .zip(inb.iter_mut())
                    .zip(z.iter())
                    .zip(ch.sum_rec.iter_mut())
                    .zip(ch.sq.iter_mut())
            {
                let r = *x;
                *x = 0.0;
                *s += r;
                *q += r * r;
                *v = *v * decay + (r + mu_dt) + sig * z;
            }
        } else {
            for ((v, x), &z) in ch.v.iter_mut().zip(inb.iter_mut()).zip(z.iter()) {
                let r = *x;
                *x = 0.0;
                *v = *v * decay + (r + mu_dt) + sig * z;
            }
        }
    } else {
        let Chunk {
            rec,
            pin,
            xexp,
            inbox,
            ..
        } = ch;
        rec.iter_mut().for_each(|x| *x = 0.0);
        if p.has_poisson {
            pin.iter_mut().for_each(|x| *x = 0.0);
        }
        for (c, chan) in p.chans.iter().enumerate() {
            let inb = &mut inbox[(c * l + slot) * n..(c * l + slot + 1) * n];
            let buf = if chan.external { &mut *pin } else { &mut *rec };
            match chan.h {
                None => {
                    for (b, x) in buf.iter_mut().zip(inb.iter_mut()) {
                        *b += *x;
                        *x = 0.0;
                    }
                }
                Some(h) => {
                    let g = 1.0 - h;
                    for ((b, x), e) in buf.iter_mut().zip(inb.iter_mut()).zip(xexp[c].iter_mut()) {
                        *e = *e * h + *x * g;
                        *b += *e;
                        *x = 0.0;
                    }
                }
            }
        }
        if in_win {
            for ((s, q), &r) in ch.sum_rec.iter_mut().zip(ch.sq.iter_mut()).zip(&ch.rec) {
                *s += r;
                *q += r * r;
            }
        }
        if p.has_poisson {
            for (r, &x) in ch.rec.iter_mut().zip(&ch.pin) {
                *r += x;
            }
        }
        if p.bridge > 0.0 {
            ch.vold.copy_from_slice(&ch.v);
        }
        if p.ref_steps == 0 {
            for ((v, &x), &z) in ch.v.iter_mut().zip(&ch.rec).zip(z.iter()) {
                *v = *v * decay + (x + mu_dt) + sig * z;
            }
        } else {
            for (((v, r), &x), &z) in
                ch.v.iter_mut()
                    .zip(ch.refr.iter_mut())
                    .zip(&ch.rec)
                    .zip(z.iter())
            {
                if *r > 0 {
                    *r -= 1;
                    *v = v_reset;
                } else {
                    *v = *v * decay + (x + mu_dt) + sig * z;
                }
            }
        }
    }
    // Threshold crossings: a branch-light scan for candidates, then the rare spikes one by one.
    {
        const B: usize = 8;
        let mut blocks = ch.v.chunks_exact(B);
        for (b, blk) in (&mut blocks).enumerate() {
            // Branch-free test of a block (compiles to packed compares), rarely true.
            if blk.iter().fold(false, |a, &x| a | (x > theta)) {
                for (j, &x) in blk.iter().enumerate() {
                    if x > theta {
                        spikes.push((b * B + j) as u32);
                    }
                }
            }
        }
        let base = n - blocks.remainder().len();
        for (j, &x) in blocks.remainder().iter().enumerate() {
            if x > theta {
                spikes.push((base + j) as u32);
            }
        }
    }
    if p.bridge > 0.0 {
        // Probability that the Brownian path crossed θ between the two grid points, for
        // neurons that end the step below θ (and are not refractory).
        let before = spikes.len();
        for i in 0..n {
            if ch.v[i] <= theta && ch.refr[i] == 0 {
                let x = p.bridge * (theta - ch.vold[i]) * (theta - ch.v[i]);
                if x < 30.0 && ch.rng.random::<f64>() < (-x).exp() {
                    spikes.push(i as u32);
                }
            }
        }
        if spikes.len() > before {
            spikes.sort_unstable();
        }
    }
    for &i in spikes.iter() {
        let i = i as usize;
        ch.v[i] = v_reset;
        ch.refr[i] = p.ref_steps;
        if in_win {
            ch.counts[i] += 1;
            let tt = t as u32;
            if ch.last[i] != u32::MAX {
                let isi = (tt - ch.last[i]) as f64;
                ch.isi_n[i] += 1;
                ch.isi_s[i] += isi;
                ch.isi_ss[i] += isi * isi;
            }
            ch.last[i] = tt;
            let gi = start + i;
            if ch.record > 0 && gi.is_multiple_of(ch.rec_every) && gi / ch.rec_every < ch.record {
                ch.raster.push((tt, gi as u32));
            }
        }
    }
}
