//! The LIF spiking engine: fixed time step, the paper's update scheme, parallel and
//! deterministic.
//!
//! # Scheme (reference §3.1), per time step of length dt
//! 1. **Synapses.** Every incoming projection's ring buffer slot for this step holds the number
//!    of spikes arriving now. A delta synapse adds c·j to ΔV. An exponential synapse keeps a
//!    current x ← x·h + c·j·(1 − h), h = e^{−dt/τ_s}, and adds x to ΔV; a single spike thus
//!    delivers j·(1 − h)·hᵏ in step k, exactly j in total (the paper's code adds j·dt/τ_s, which
//!    is j·(1 + dt/2τ_s + …) in total; we normalise the area exactly).
//! 2. **Stimulus.** ΔV += μ_ext(t)·dt + σ_ext·√dt·ξ with ξ ~ N(0, 1) independent per neuron and
//!    step (μ in mV/s, σ in mV/√s, dt converted to s).
//! 3. **Neurons.** V ← V·e^{−dt/τ} + ΔV (exact leak plus additive increments). If V > Θ
//!    (strict) a spike is recorded and V ← V_R; the neuron then stays at V_R for
//!    round(t_ref/dt) steps, discarding inputs.
//! 4. **Delivery.** A spike emitted in step t reaches its targets in step t + d with
//!    d = max(1, round(D/dt)) ≥ 1 (so D = 0 means "next step", as in the paper's simulator).
//!
//! Initial membrane potentials are uniform in [V_R, Θ] (the paper's choice).
//!
//! # Determinism and parallelism
//! Neurons are cut into fixed chunks of [`CHUNK`] neurons, each with its own random stream
//! derived from the seed; spike counts in the ring buffers are integers; each projection's
//! ring is written by one thread. Results are therefore bit-identical for any thread count.
//! A persistent team of scoped threads runs the chunks and meets at a spinning barrier twice
//! per step (update, then delivery), which costs far less than a task pool per step.

use super::drive::Signal;
use super::model::{Csr, NetSpec, Source, Synapse, build_csr, mix_seed};
use crate::error::{Error, Result, check_positive};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::{Binomial, Distribution};
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

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
    /// Worker threads (0 = as many as rayon's pool).
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
}

impl RunOptions {
    /// Defaults for a network: 1 s, dt = 0.05 ms, seed 1, bins of 10 ms, no drive.
    pub fn new(spec: &NetSpec) -> Self {
        RunOptions {
            duration: 1000.0,
            dt: 0.05,
            seed: 1,
            conn_seed: 1,
            bin: 10.0,
            mu: vec![Signal::Const(0.0); spec.pops.len()],
            poisson_rates: vec![Signal::Const(0.0); spec.poisson.len()],
            transient: 0.0,
            record: 0,
            windows: Vec::new(),
            threads: 0,
            progress: true,
            max_rate: 0.0,
            v0: None,
            bridge: false,
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
    /// Bytes of connectivity and ring buffers.
    pub memory_bytes: usize,
}

impl RunResult {
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
        if let Ok(c) = self.cache.read()
            && let Some((s, d, csr)) = c.as_ref()
            && *s == seed
            && *d == dt.to_bits()
        {
            return Ok((csr.clone(), 0.0));
        }
        let t0 = std::time::Instant::now();
        let mut all = Vec::with_capacity(self.spec.projections.len());
        for k in 0..self.spec.projections.len() {
            all.push(build_csr(&self.spec, k, seed, dt)?);
            crate::cancel::check()?;
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
    /// Exponential-synapse currents, [k][neuron] for the population's k-th exp projection.
    xexp: Vec<Vec<f64>>,
    /// Recurrent input of this step per neuron (mV).
    rec: Vec<f64>,
    /// Poisson input of this step per neuron (mV).
    pin: Vec<f64>,
    /// Spikes received in the analysis window, [incoming projection][neuron].
    recv: Vec<Vec<u64>>,
    z: Vec<f64>,
    /// Membrane potential before this step's update (only with the bridge correction).
    vold: Vec<f64>,
    rng: Xoshiro256PlusPlus,
    spikes: Vec<u32>,
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

struct InProj {
    proj: usize,
    ring_len: usize,
    j: f64,
    exp: Option<(f64, usize)>,
    external: bool,
}

struct PopRt {
    decay: f64,
    sig: f64,
    theta: f64,
    v_reset: f64,
    ref_steps: u32,
    incoming: Vec<InProj>,
    n_exp: usize,
    has_poisson: bool,
    /// 2 / (σ² dt) when the Brownian-bridge correction is on, else 0.
    bridge: f64,
}

struct ProjRt {
    ring: Vec<AtomicU32>,
    ring_len: usize,
    n_post: usize,
    csr_idx: usize,
    src: Source,
}

/// A chunk shared between the worker threads under the step protocol: in the update phase
/// only the owning thread touches it (mutably); in the delivery phase every thread may read
/// its spike list and nobody writes it. The two phases are separated by [`SpinBarrier`]
/// waits, whose acquire/release ordering makes the writes of one phase visible in the next.
struct ChunkCell(UnsafeCell<Chunk>);

// SAFETY: access follows the phase protocol above (exclusive writer, or shared readers).
unsafe impl Sync for ChunkCell {}

impl ChunkCell {
    /// SAFETY: caller must be the owner thread, in the update phase.
    #[allow(clippy::mut_from_ref)]
    unsafe fn get_mut(&self) -> &mut Chunk {
        unsafe { &mut *self.0.get() }
    }
    /// SAFETY: caller must be in the delivery phase (or hold exclusive access).
    unsafe fn get(&self) -> &Chunk {
        unsafe { &*self.0.get() }
    }
}

/// A barrier on which threads spin briefly, then yield.
struct SpinBarrier {
    n: usize,
    count: AtomicUsize,
    generation: AtomicUsize,
}

impl SpinBarrier {
    fn new(n: usize) -> Self {
        SpinBarrier {
            n,
            count: AtomicUsize::new(0),
            generation: AtomicUsize::new(0),
        }
    }
    fn wait(&self) {
        if self.n == 1 {
            return;
        }
        let g = self.generation.load(Ordering::Acquire);
        if self.count.fetch_add(1, Ordering::AcqRel) + 1 == self.n {
            self.count.store(0, Ordering::Relaxed);
            self.generation.fetch_add(1, Ordering::Release);
        } else {
            let mut spins = 0u32;
            while self.generation.load(Ordering::Acquire) == g {
                spins += 1;
                if spins < 4000 {
                    std::hint::spin_loop();
                } else {
                    std::thread::yield_now();
                }
            }
        }
    }
}

fn validate(spec: &NetSpec, o: &RunOptions) -> Result<()> {
    check_positive("dt", o.dt, "ms")?;
    if o.dt > 10.0 {
        return Err(Error::param("dt", o.dt, "must be <= 10 ms"));
    }
    check_positive("duration", o.duration, "ms")?;
    check_positive("bin", o.bin, "ms")?;
    if !(o.transient.is_finite() && o.transient >= 0.0) {
        return Err(Error::param("transient", o.transient, "must be >= 0 (ms)"));
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
    let spec = &net.spec;
    validate(spec, o)?;
    let (csr, build_s) = net.connectivity(o.conn_seed, o.dt)?;
    let dt = o.dt;
    let nsteps = (o.duration / dt).round().max(1.0) as usize;
    let win_step = (o.transient / dt).round() as usize;
    let bin_steps = ((o.bin / dt).round() as usize).max(1);
    let n_bins = nsteps.div_ceil(bin_steps);
    let bin = bin_steps as f64 * dt;

    // Runtime view of projections and populations.
    let mut projs = Vec::new();
    let mut pops: Vec<PopRt> = spec
        .pops
        .iter()
        .map(|p| PopRt {
            decay: (-dt / p.tau).exp(),
            sig: p.sigma * (dt / 1000.0).sqrt(),
            theta: p.theta,
            v_reset: p.v_reset,
            ref_steps: (p.t_ref / dt).round() as u32,
            incoming: Vec::new(),
            n_exp: 0,
            has_poisson: false,
            bridge: if o.bridge && p.sigma > 0.0 {
                2.0 / (p.sigma * p.sigma * dt / 1000.0)
            } else {
                0.0
            },
        })
        .collect();
    let mut memory = 0usize;
    for (k, pr) in spec.projections.iter().enumerate() {
        let c = &csr[k];
        let ring_len = c.max_delay as usize + 1;
        let n_post = spec.pops[pr.post].n;
        memory += c.bytes() + ring_len * n_post * 4;
        projs.push(ProjRt {
            ring: (0..ring_len * n_post).map(|_| AtomicU32::new(0)).collect(),
            ring_len,
            n_post,
            csr_idx: k,
            src: pr.pre,
        });
        let p = &mut pops[pr.post];
        let exp = match pr.synapse {
            Synapse::Delta => None,
            Synapse::Exp { tau_s } => {
                let h = (-dt / tau_s).exp();
                p.n_exp += 1;
                Some((h, p.n_exp - 1))
            }
        };
        p.has_poisson |= matches!(pr.pre, Source::Poisson(_));
        p.incoming.push(InProj {
            proj: k,
            ring_len,
            j: spec.signed_j(pr),
            exp,
            external: matches!(pr.pre, Source::Poisson(_)),
        });
    }
    let n_synapses: usize = csr.iter().map(|c| c.len()).sum();

    // Chunks with their random streams and initial states.
    let mut chunks: Vec<ChunkCell> = Vec::new();
    for (pi, p) in spec.pops.iter().enumerate() {
        let every = if o.record == 0 {
            usize::MAX
        } else {
            (p.n / o.record.min(p.n)).max(1)
        };
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
            let ne = pops[pi].n_exp;
            chunks.push(ChunkCell(UnsafeCell::new(Chunk {
                pop: pi,
                start,
                v,
                refr: vec![0; len],
                xexp: vec![vec![0.0; len]; ne],
                rec: vec![0.0; len],
                pin: vec![0.0; len],
                recv: vec![vec![0; len]; pops[pi].incoming.len()],
                z: vec![0.0; len],
                vold: if o.bridge { vec![0.0; len] } else { Vec::new() },
                rng,
                spikes: Vec::new(),
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
    // Which chunks hold the neurons of each source population.
    let chunk_of_pop: Vec<Vec<usize>> = (0..spec.pops.len())
        .map(|pi| {
            (0..chunks.len())
                // SAFETY: no other thread exists yet.
                .filter(|&c| unsafe { chunks[c].get() }.pop == pi)
                .collect()
        })
        .collect();

    // Threads: balance neurons over threads with contiguous chunk ranges.
    let want = if o.threads == 0 {
        rayon::current_num_threads()
    } else {
        o.threads
    };
    let total_n: usize = spec.pops.iter().map(|p| p.n).sum();
    let n_threads = want.clamp(1, chunks.len()).min((total_n / 1000).max(1));
    let mut owner = vec![0usize; chunks.len()];
    {
        let mut acc = 0usize;
        for (c, ch) in chunks.iter().enumerate() {
            // SAFETY: no other thread exists yet.
            let len = unsafe { ch.get() }.v.len();
            owner[c] = (acc * n_threads / total_n.max(1)).min(n_threads - 1);
            acc += len;
        }
    }
    // Projections to threads, heaviest first (expected events) to balance delivery work.
    let mut order: Vec<usize> = (0..projs.len()).collect();
    order.sort_by(|&a, &b| csr[b].len().cmp(&csr[a].len()).then(a.cmp(&b)));
    let mut proj_owner = vec![0usize; projs.len()];
    let mut load = vec![0usize; n_threads];
    for &k in &order {
        let t = (0..n_threads).min_by_key(|&t| load[t]).unwrap_or(0);
        proj_owner[k] = t;
        load[t] += csr[k].len();
    }

    let poisson_spikes: RwLock<Vec<Vec<u32>>> = RwLock::new(vec![Vec::new(); spec.poisson.len()]);
    let mut prng = Xoshiro256PlusPlus::seed_from_u64(mix_seed(o.seed, 0xB0B, 0));
    let win_steps: Vec<(usize, usize)> = o
        .windows
        .iter()
        .map(|&(a, b)| ((a / dt).round() as usize, (b / dt).round() as usize))
        .collect();
    let mut bin_counts = vec![vec![0u64; n_bins]; spec.pops.len()];
    let mut window_counts = vec![vec![0u64; spec.pops.len()]; o.windows.len()];
    let mut recent = vec![0u64; spec.pops.len()];
    let recent_steps = ((10.0 / dt).round() as usize).max(1);
    let mut n_spikes = 0u64;
    let barrier = SpinBarrier::new(n_threads);
    let stop = AtomicBool::new(false);
    let steps_done = AtomicUsize::new(0);
    let mut interrupted = false;
    let mut diverged = false;
    let pb = if o.progress {
        crate::cancel::progress(nsteps as u64, "simulate")
    } else {
        indicatif::ProgressBar::hidden()
    };
    let t_wall = std::time::Instant::now();

    let sh = Shared {
        chunks: &chunks,
        projs: &projs,
        pops: &pops,
        csr: &csr,
        owner: &owner,
        proj_owner: &proj_owner,
        chunk_of_pop: &chunk_of_pop,
        poisson_spikes: &poisson_spikes,
        mu: &o.mu,
        barrier: &barrier,
        stop: &stop,
        nsteps,
        dt,
        win_step,
    };
    let mut step_counts = vec![0u64; spec.pops.len()];
    // Thread 0 draws the Poisson spikes of each step (before the first barrier).
    let mut pre = |t: usize| {
        if spec.poisson.is_empty() {
            return;
        }
        let time = t as f64 * dt;
        if let Ok(mut ps) = poisson_spikes.write() {
            for (x, src) in spec.poisson.iter().enumerate() {
                ps[x].clear();
                let pr = (o.poisson_rates[x].at(time) * dt / 1000.0).clamp(0.0, 1.0);
                if pr > 0.0 {
                    let k = Binomial::new(src.n as u64, pr)
                        .map(|b| b.sample(&mut prng))
                        .unwrap_or(0) as usize;
                    if k > 0 {
                        let idx = rand::seq::index::sample(&mut prng, src.n, k.min(src.n));
                        ps[x].extend(idx.iter().map(|i| i as u32));
                    }
                }
            }
        }
    };
    // ... and the bookkeeping after delivery (spike lists are read-only in that phase).
    let mut post = |t: usize| -> bool {
        step_counts.iter_mut().for_each(|c| *c = 0);
        for ch in chunks.iter() {
            // SAFETY: called by thread 0 in the delivery phase (read-only).
            let ch = unsafe { ch.get() };
            step_counts[ch.pop] += ch.spikes.len() as u64;
        }
        let b = t / bin_steps;
        for (p, &c) in step_counts.iter().enumerate() {
            bin_counts[p][b] += c;
            n_spikes += c;
            recent[p] += c;
        }
        for (w, &(a, e)) in win_steps.iter().enumerate() {
            if t >= a && t < e {
                for (p, &c) in step_counts.iter().enumerate() {
                    window_counts[w][p] += c;
                }
            }
        }
        // Divergence check on consecutive 10-ms blocks.
        let mut halt = false;
        if (t + 1).is_multiple_of(recent_steps) {
            let span = recent_steps as f64 * dt / 1000.0;
            for (p, r) in recent.iter_mut().enumerate() {
                if o.max_rate > 0.0 && *r as f64 / (spec.pops[p].n as f64 * span) > o.max_rate {
                    diverged = true;
                    halt = true;
                }
                *r = 0;
            }
        }
        if t.is_multiple_of(256) {
            if crate::cancel::interrupted() {
                interrupted = true;
                halt = true;
            }
            pb.set_position(t as u64);
        }
        steps_done.store(t + 1, Ordering::Relaxed);
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
    let done = steps_done.load(Ordering::Relaxed);
    let t_end = done as f64 * dt;
    let used_bins = done.div_ceil(bin_steps);
    for b in bin_counts.iter_mut() {
        b.truncate(used_bins);
    }

    // Gather per-neuron statistics by population, in chunk order.
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
    Ok(RunResult {
        names: spec.pops.iter().map(|p| p.name.clone()).collect(),
        dt,
        t_end,
        duration: nsteps as f64 * dt,
        transient: o.transient.min(t_end),
        bin,
        bin_counts,
        sizes: spec.pops.iter().map(|p| p.n).collect(),
        stats,
        window_counts,
        raster,
        n_spikes,
        n_synapses,
        interrupted,
        diverged,
        wall_s,
        build_s,
        memory_bytes: memory,
    })
}

/// Read-only (or internally synchronised) state shared by the worker threads.
struct Shared<'a> {
    chunks: &'a [ChunkCell],
    projs: &'a [ProjRt],
    pops: &'a [PopRt],
    csr: &'a [Csr],
    owner: &'a [usize],
    proj_owner: &'a [usize],
    chunk_of_pop: &'a [Vec<usize>],
    poisson_spikes: &'a RwLock<Vec<Vec<u32>>>,
    mu: &'a [Signal],
    barrier: &'a SpinBarrier,
    stop: &'a AtomicBool,
    nsteps: usize,
    dt: f64,
    win_step: usize,
}

type PreHook<'h> = &'h mut dyn FnMut(usize);
type PostHook<'h> = &'h mut dyn FnMut(usize) -> bool;

/// The time loop of one thread: update its chunks, barrier, deliver its projections'
/// spikes, barrier. Thread 0 carries the hooks (Poisson draws, bookkeeping, stop decision).
fn worker(sh: &Shared, tid: usize, mut hooks: Option<(PreHook, PostHook)>) {
    let my_chunks: Vec<usize> = (0..sh.chunks.len())
        .filter(|&c| sh.owner[c] == tid)
        .collect();
    let my_projs: Vec<usize> = (0..sh.projs.len())
        .filter(|&k| sh.proj_owner[k] == tid)
        .collect();
    let mut mu_dt = vec![0.0; sh.mu.len()];
    for t in 0..sh.nsteps {
        let time = t as f64 * sh.dt;
        for (m, s) in mu_dt.iter_mut().zip(sh.mu) {
            *m = s.at(time) * sh.dt / 1000.0;
        }
        let in_win = t >= sh.win_step;
        for &c in &my_chunks {
            // SAFETY: this thread owns chunk c and we are in the update phase.
            let ch = unsafe { sh.chunks[c].get_mut() };
            let m = mu_dt[ch.pop];
            update_chunk(ch, t, in_win, sh.pops, sh.projs, m);
        }
        if let Some((pre, _)) = hooks.as_mut() {
            pre(t);
        }
        sh.barrier.wait();
        for &k in &my_projs {
            let p = &sh.projs[k];
            let c = &sh.csr[p.csr_idx];
            match p.src {
                Source::Pop(y) => {
                    for &cc in &sh.chunk_of_pop[y] {
                        // SAFETY: delivery phase, read-only.
                        let ch = unsafe { sh.chunks[cc].get() };
                        for &i in &ch.spikes {
                            deliver(p, c, t, ch.start + i as usize);
                        }
                    }
                }
                Source::Poisson(x) => {
                    if let Ok(ps) = sh.poisson_spikes.read() {
                        for &i in &ps[x] {
                            deliver(p, c, t, i as usize);
                        }
                    }
                }
            }
        }
        let halt = match hooks.as_mut() {
            Some((_, post)) => post(t),
            None => false,
        };
        if halt {
            sh.stop.store(true, Ordering::Release);
        }
        sh.barrier.wait();
        if sh.stop.load(Ordering::Acquire) {
            break;
        }
    }
}

/// Adds the spike of presynaptic neuron `i`, emitted in step `t`, to the ring of projection
/// `p` (only the projection's owner thread writes its ring, so plain load/store suffice).
#[inline]
fn deliver(p: &ProjRt, c: &Csr, t: usize, i: usize) {
    let (lo, hi) = (c.offsets[i], c.offsets[i + 1]);
    if c.delays.is_empty() {
        let base = ((t + c.delay_steps as usize) % p.ring_len) * p.n_post;
        for &tg in &c.targets[lo..hi] {
            let a = &p.ring[base + tg as usize];
            a.store(a.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
        }
    } else {
        for (&tg, &d) in c.targets[lo..hi].iter().zip(&c.delays[lo..hi]) {
            let a = &p.ring[((t + d as usize) % p.ring_len) * p.n_post + tg as usize];
            a.store(a.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
        }
    }
}

/// Advances one chunk by one step: first the synaptic inputs of every incoming projection
/// (one pass per projection over the chunk's ring slot), then the membrane update.
#[inline]
fn update_chunk(
    ch: &mut Chunk,
    t: usize,
    in_win: bool,
    pops: &[PopRt],
    projs: &[ProjRt],
    mu_dt: f64,
) {
    let p = &pops[ch.pop];
    ch.spikes.clear();
    let n = ch.v.len();
    let start = ch.start;
    let Chunk {
        rec,
        pin,
        xexp,
        recv,
        ..
    } = ch;
    rec.iter_mut().for_each(|x| *x = 0.0);
    if p.has_poisson {
        pin.iter_mut().for_each(|x| *x = 0.0);
    }
    for (q, ip) in p.incoming.iter().enumerate() {
        let pr = &projs[ip.proj];
        let base = (t % ip.ring_len) * pr.n_post + start;
        let atomics = &pr.ring[base..base + n];
        // SAFETY: in the update phase only this chunk's owner touches these ring entries
        // (the delivery phase that writes them is separated from this one by the barrier),
        // and AtomicU32 has the size, alignment and interior mutability of a u32 cell, so a
        // plain (vectorisable) view of the slot is race-free here.
        let slot: &mut [u32] =
            unsafe { std::slice::from_raw_parts_mut(atomics.as_ptr() as *mut u32, n) };
        let buf = if ip.external { &mut *pin } else { &mut *rec };
        let w = ip.j;
        // One pass per projection; the received-spike counts ride along in the window.
        match (ip.exp, in_win) {
            (None, false) => {
                for (b, &c) in buf.iter_mut().zip(slot.iter()) {
                    *b += c as f64 * w;
                }
            }
            (None, true) => {
                for ((b, k), &c) in buf.iter_mut().zip(recv[q].iter_mut()).zip(slot.iter()) {
                    *b += c as f64 * w;
                    *k += c as u64;
                }
            }
            (Some((h, e)), _) => {
                let wk = w * (1.0 - h);
                for ((b, x), &c) in buf.iter_mut().zip(xexp[e].iter_mut()).zip(slot.iter()) {
                    *x = *x * h + c as f64 * wk;
                    *b += *x;
                }
                if in_win {
                    for (k, &c) in recv[q].iter_mut().zip(slot.iter()) {
                        *k += c as u64;
                    }
                }
            }
        }
        slot.fill(0);
    }
    let (decay, sig, theta, v_reset) = (p.decay, p.sig, p.theta, p.v_reset);
    // Window statistics of the recurrent input: fused into the membrane pass in the common
    // case (no refractory period, no Poisson input added to rec), a separate pass otherwise.
    let fused_stats = in_win && p.ref_steps == 0 && !p.has_poisson;
    if in_win && !fused_stats {
        for ((s, q), &r) in ch.sum_rec.iter_mut().zip(ch.sq.iter_mut()).zip(&ch.rec) {
            *s += r;
            *q += r * r;
        }
    }
    super::gauss::fill_normal(&mut ch.rng, &mut ch.z);
    if p.has_poisson {
        for (r, &x) in ch.rec.iter_mut().zip(&ch.pin) {
            *r += x;
        }
    }
    if p.bridge > 0.0 {
        ch.vold.copy_from_slice(&ch.v);
    }
    // Membrane update (vectorisable when there is no refractory period).
    if p.ref_steps == 0 {
        if fused_stats {
            for ((((v, &x), &z), s), q) in
                ch.v.iter_mut()
                    .zip(&ch.rec)
                    .zip(&ch.z)
                    .zip(ch.sum_rec.iter_mut())
                    .zip(ch.sq.iter_mut())
            {
                *s += x;
                *q += x * x;
                *v = *v * decay + (x + mu_dt) + sig * z;
            }
        } else {
            for ((v, &x), &z) in ch.v.iter_mut().zip(&ch.rec).zip(&ch.z) {
                *v = *v * decay + (x + mu_dt) + sig * z;
            }
        }
    } else {
        for i in 0..n {
            if ch.refr[i] > 0 {
                ch.refr[i] -= 1;
                ch.v[i] = v_reset;
            } else {
                ch.v[i] = ch.v[i] * decay + (ch.rec[i] + mu_dt) + sig * ch.z[i];
            }
        }
    }
    // Threshold crossings: a branch-light scan for candidates (split borrows, so v stays in
    // registers), then the rare spikes one by one.
    {
        let Chunk { v, spikes, .. } = &mut *ch;
        const B: usize = 8;
        let mut blocks = v.chunks_exact(B);
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
        let before = ch.spikes.len();
        for i in 0..n {
            if ch.v[i] <= theta && ch.refr[i] == 0 {
                let x = p.bridge * (theta - ch.vold[i]) * (theta - ch.v[i]);
                if x < 30.0 && ch.rng.random::<f64>() < (-x).exp() {
                    ch.spikes.push(i as u32);
                }
            }
        }
        if ch.spikes.len() > before {
            ch.spikes.sort_unstable();
        }
    }
    for k in 0..ch.spikes.len() {
        let i = ch.spikes[k] as usize;
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
