//! Description of a spiking LIF network (populations, projections, Poisson inputs) and the
//! generation of its connectivity.
//!
//! Conventions are the paper's (reference §1, §3.1): V in mV with dV/dt = −V/τ + I, I in mV/s;
//! a spike of a presynaptic neuron of population Y makes V of its targets jump by j_XY mV
//! (delta synapse) or injects a current whose integral is j_XY mV (exponential synapse).
//! Efficacies are magnitudes; the sign comes from the presynaptic population (E: +, I: −).
//!
//! Connectivity is stored per projection in CSR form by presynaptic neuron with `u32` target
//! indices; homogeneous efficacies are one number per projection. Generation is seeded per
//! postsynaptic neuron, so the graph does not depend on the number of threads.

use crate::error::{Error, Result, check_nonneg, check_positive};
use crate::numerics::random::mix_seed;
use crate::rate::lifnet::LifNetwork;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;

/// One population of LIF neurons.
#[derive(Debug, Clone, PartialEq)]
pub struct Population {
    /// Name ("E", "I", ...).
    pub name: String,
    /// Number of neurons.
    pub n: usize,
    /// Membrane time constant τ (ms).
    pub tau: f64,
    /// Threshold Θ (mV); a spike is emitted when V > Θ.
    pub theta: f64,
    /// Reset V_R (mV).
    pub v_reset: f64,
    /// Absolute refractory period (ms); V is held at V_R and inputs are discarded.
    pub t_ref: f64,
    /// Intensity of the external white noise σ_ext (mV/√s).
    pub sigma: f64,
    /// True for an excitatory population (positive efficacies onto its targets).
    pub excitatory: bool,
}

/// A population of independent Poisson spike sources (for example the XOR inputs X1, X2).
#[derive(Debug, Clone, PartialEq)]
pub struct PoissonInput {
    /// Name ("X1", ...).
    pub name: String,
    /// Number of sources.
    pub n: usize,
}

/// Where the spikes of a projection come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A LIF population (index into [`NetSpec::pops`]).
    Pop(usize),
    /// A Poisson input population (index into [`NetSpec::poisson`]).
    Poisson(usize),
}

/// How presynaptic partners are drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule {
    /// Each target receives exactly `k` inputs from distinct, uniformly chosen sources
    /// (NEST `fixed_indegree`).
    FixedIndegree {
        /// In-degree K.
        k: usize,
    },
    /// Each (source, target) pair is connected independently with probability `p`
    /// (NEST `pairwise_bernoulli`).
    Bernoulli {
        /// Connection probability.
        p: f64,
    },
    /// A binary second-order network (SONETs, [`crate::connectivity::sonet`]): connection probability
    /// `p` with motif frequencies P(both edges) = p²(1 + α). Reciprocal and chain motifs need
    /// the projection to be recurrent (pre = post); convergent and divergent ones work for any
    /// projection. Autapses are never made. Motifs across different projections are not
    /// correlated.
    Sonet {
        /// Connection probability.
        p: f64,
        /// α_recip (recurrent projections only).
        recip: f64,
        /// α_conv (≥ 0).
        conv: f64,
        /// α_div (≥ 0).
        div: f64,
        /// α_chain (recurrent projections only).
        chain: f64,
    },
}

impl Rule {
    /// The SONET specification of a `Rule::Sonet` projection with `n_post` targets and `n_pre`
    /// sources (recurrent: one population; otherwise post and pre as two populations with
    /// only the post ← pre block connected).
    pub fn sonet(
        &self,
        n_post: usize,
        n_pre: usize,
        recurrent: bool,
    ) -> Result<crate::connectivity::Sonet> {
        let Rule::Sonet {
            p,
            recip,
            conv,
            div,
            chain,
        } = *self
        else {
            return Err(Error::param(
                "rule",
                format!("{self:?}"),
                "not a sonet rule",
            ));
        };
        if recurrent {
            return crate::connectivity::Sonet::one_population(n_post, p, recip, conv, div, chain);
        }
        if recip != 0.0 || chain != 0.0 {
            return Err(Error::param(
                "alpha_recip/alpha_chain",
                format!("{recip}/{chain}"),
                "reciprocal and chain motifs need a recurrent projection (from = to); use 0 here",
            ));
        }
        // two populations [post, pre]; only block [0][1] matters (the others are drawn but
        // discarded)
        let q = 0.5;
        crate::connectivity::Sonet::new(
            vec![n_post, n_pre],
            vec![vec![q, p], vec![q, q]],
            vec![vec![0.0; 2]; 2],
            vec![vec![0.0, conv], vec![0.0, 0.0]],
            vec![vec![0.0, div], vec![0.0, 0.0]],
            vec![0.0, 0.0],
        )
    }
}

/// The synapse model of a projection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Synapse {
    /// V jumps by ±j at arrival.
    Delta,
    /// A current (j/τ_s)·e^{−t/τ_s} with total integral j (mV), integrated exactly per step.
    Exp {
        /// Decay time constant τ_s (ms).
        tau_s: f64,
    },
}

/// A projection from one source population onto one LIF population.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    /// Presynaptic population.
    pub pre: Source,
    /// Postsynaptic LIF population.
    pub post: usize,
    /// Connection rule.
    pub rule: Rule,
    /// Efficacy magnitude j ≥ 0 (mV); the sign comes from the source type.
    pub j: f64,
    /// Synapse model.
    pub synapse: Synapse,
    /// Delays drawn uniformly in [min, max] ms per connection (min = max: one delay).
    /// Every delay is at least one time step.
    pub delay: (f64, f64),
    /// Whether a neuron may connect to itself (only when pre and post are the same population).
    pub allow_autapses: bool,
}

/// A whole network: populations, Poisson inputs and projections.
#[derive(Debug, Clone, PartialEq)]
pub struct NetSpec {
    /// Name (for display).
    pub name: String,
    /// LIF populations.
    pub pops: Vec<Population>,
    /// Poisson input populations.
    pub poisson: Vec<PoissonInput>,
    /// Projections.
    pub projections: Vec<Projection>,
}

impl NetSpec {
    /// The spiking network of the paper's two-population parameters: fixed in-degree
    /// K_XY = round(p_XY N_Y), no autapses, delta synapses where τ_s = 0, exponential ones
    /// otherwise, delays uniform in [0, D_max] (Table C).
    pub fn from_lif_network(p: &LifNetwork) -> Result<NetSpec> {
        p.validate()?;
        let names = ["E", "I"];
        let pops = (0..2)
            .map(|x| Population {
                name: names[x].into(),
                n: p.n[x],
                tau: p.tau[x],
                theta: p.theta,
                v_reset: p.v_reset,
                t_ref: p.t_ref,
                sigma: p.sigma[x],
                excitatory: x == 0,
            })
            .collect();
        let mut projections = Vec::new();
        for x in 0..2 {
            for y in 0..2 {
                let k = (p.p[x][y] * p.n[y] as f64).round() as usize;
                if k == 0 || p.j[x][y] == 0.0 {
                    continue;
                }
                projections.push(Projection {
                    pre: Source::Pop(y),
                    post: x,
                    rule: Rule::FixedIndegree { k },
                    j: p.j[x][y],
                    synapse: if p.tau_syn[x][y] > 0.0 {
                        Synapse::Exp {
                            tau_s: p.tau_syn[x][y],
                        }
                    } else {
                        Synapse::Delta
                    },
                    delay: (0.0, p.delay_max[x][y]),
                    allow_autapses: false,
                });
            }
        }
        let spec = NetSpec {
            name: p.name.clone(),
            pops,
            poisson: Vec::new(),
            projections,
        };
        spec.validate()?;
        Ok(spec)
    }

    /// Checks every parameter and reference.
    pub fn validate(&self) -> Result<()> {
        if self.pops.is_empty() {
            return Err(Error::param("populations", "[]", "need at least one"));
        }
        for (i, p) in self.pops.iter().enumerate() {
            let nm = |k: &str| format!("{}.{k}", p.name);
            if p.n == 0 || p.n > u32::MAX as usize / 2 {
                return Err(Error::param(&nm("N"), p.n, "must be in 1 ..= 2^31"));
            }
            check_positive(&nm("tau"), p.tau, "ms")?;
            check_nonneg(&nm("t_ref"), p.t_ref, "ms")?;
            check_nonneg(&nm("sigma"), p.sigma, "mV/sqrt(s)")?;
            if !(p.theta.is_finite() && p.v_reset.is_finite() && p.v_reset < p.theta) {
                return Err(Error::param(
                    &nm("v_reset"),
                    p.v_reset,
                    format!("must be finite and < theta = {} mV", p.theta),
                ));
            }
            if self.pops[..i].iter().any(|q| q.name == p.name) {
                return Err(Error::param(
                    "name",
                    &p.name,
                    "population names must be unique",
                ));
            }
        }
        for p in &self.poisson {
            if p.n == 0 || p.n > u32::MAX as usize / 2 {
                return Err(Error::param(&format!("{}.N", p.name), p.n, "must be >= 1"));
            }
        }
        for pr in &self.projections {
            let what = self.projection_name(pr);
            if pr.post >= self.pops.len() {
                return Err(Error::param("to", pr.post, "no such population"));
            }
            let n_pre = self.source_size(pr.pre)?;
            let self_loop = pr.pre == Source::Pop(pr.post) && !pr.allow_autapses;
            let avail = if self_loop { n_pre - 1 } else { n_pre };
            match pr.rule {
                Rule::FixedIndegree { k } => {
                    if k > avail {
                        return Err(Error::param(
                            &format!("{what}.K"),
                            k,
                            format!(
                                "must be <= {avail} (distinct sources available{})",
                                if self_loop { ", no autapses" } else { "" }
                            ),
                        ));
                    }
                }
                Rule::Bernoulli { p } => {
                    if !(p.is_finite() && (0.0..=1.0).contains(&p)) {
                        return Err(Error::param(&format!("{what}.p"), p, "must be in [0, 1]"));
                    }
                }
                Rule::Sonet { .. } => {
                    let n_post = self.pops[pr.post].n;
                    let recurrent = pr.pre == Source::Pop(pr.post);
                    pr.rule
                        .sonet(n_post, n_pre, recurrent)
                        .map_err(|e| Error::param(&what, "sonet rule", e.to_string()))?;
                }
            }
            check_nonneg(&format!("{what}.j"), pr.j, "mV, a magnitude")?;
            if let Synapse::Exp { tau_s } = pr.synapse {
                check_positive(&format!("{what}.tau_s"), tau_s, "ms")?;
            }
            check_nonneg(&format!("{what}.delay min"), pr.delay.0, "ms")?;
            if !(pr.delay.1.is_finite() && pr.delay.1 >= pr.delay.0) {
                return Err(Error::param(
                    &format!("{what}.delay max"),
                    pr.delay.1,
                    format!("must be >= the minimum delay {} ms", pr.delay.0),
                ));
            }
        }
        Ok(())
    }

    /// Number of neurons of a source.
    pub fn source_size(&self, s: Source) -> Result<usize> {
        match s {
            Source::Pop(i) => self
                .pops
                .get(i)
                .map(|p| p.n)
                .ok_or_else(|| Error::param("from", i, "no such population")),
            Source::Poisson(i) => self
                .poisson
                .get(i)
                .map(|p| p.n)
                .ok_or_else(|| Error::param("from", i, "no such Poisson input")),
        }
    }

    /// Name of a source.
    pub fn source_name(&self, s: Source) -> String {
        match s {
            Source::Pop(i) => self.pops.get(i).map(|p| p.name.clone()),
            Source::Poisson(i) => self.poisson.get(i).map(|p| p.name.clone()),
        }
        .unwrap_or_else(|| "?".into())
    }

    /// "E<-I" style name of a projection.
    pub fn projection_name(&self, pr: &Projection) -> String {
        let post = self
            .pops
            .get(pr.post)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| "?".into());
        format!("{post}<-{}", self.source_name(pr.pre))
    }

    /// Signed efficacy of a projection (mV).
    pub fn signed_j(&self, pr: &Projection) -> f64 {
        match pr.pre {
            Source::Pop(y) if !self.pops[y].excitatory => -pr.j,
            _ => pr.j,
        }
    }

    /// Expected in-degree of a projection (K, or p·N_pre).
    pub fn mean_indegree(&self, pr: &Projection) -> f64 {
        match pr.rule {
            Rule::FixedIndegree { k } => k as f64,
            Rule::Bernoulli { p } => {
                let n = self.source_size(pr.pre).unwrap_or(0);
                let self_loop = pr.pre == Source::Pop(pr.post) && !pr.allow_autapses;
                p * (n - usize::from(self_loop)) as f64
            }
            Rule::Sonet { p, .. } => {
                let n = self.source_size(pr.pre).unwrap_or(0);
                let self_loop = pr.pre == Source::Pop(pr.post);
                p * (n - usize::from(self_loop)) as f64
            }
        }
    }

    /// Population couplings J_XY = K_XY · j_XY (mV, magnitudes, Eq 13 with no τ factor) between
    /// LIF populations, post × pre.
    pub fn coupling(&self) -> Vec<Vec<f64>> {
        let p = self.pops.len();
        let mut out = vec![vec![0.0; p]; p];
        for pr in &self.projections {
            if let Source::Pop(y) = pr.pre {
                out[pr.post][y] += self.mean_indegree(pr) * pr.j;
            }
        }
        out
    }

    /// Total number of synapses expected (exact for fixed in-degree).
    pub fn expected_synapses(&self) -> f64 {
        self.projections
            .iter()
            .map(|pr| self.mean_indegree(pr) * self.pops[pr.post].n as f64)
            .sum()
    }

    /// Estimated bytes of the connectivity at time step `dt` (ms): 4 bytes per synapse
    /// (+2 with varied delays), the row offsets, the build's per-chunk counters, and for a
    /// SONET projection its dense N_pre x N_post adjacency while sampling.
    pub fn connectivity_bytes(&self, dt: f64) -> f64 {
        self.projections
            .iter()
            .map(|pr| {
                let n_pre = self.source_size(pr.pre).unwrap_or(0) as f64;
                let n_post = self.pops[pr.post].n as f64;
                let syn = self.mean_indegree(pr) * n_post;
                let varied = (pr.delay.1 / dt).round() > (pr.delay.0 / dt).round();
                let per_syn = if varied { 6.0 } else { 4.0 };
                let dense = if matches!(pr.rule, Rule::Sonet { .. }) {
                    let n = n_pre
                        + if pr.pre == Source::Pop(pr.post) {
                            0.0
                        } else {
                            n_post
                        };
                    n * n
                } else {
                    (n_post / 1024.0).ceil() * n_pre * 4.0
                };
                syn * per_syn + (n_pre + 1.0) * 8.0 + dense
            })
            .sum()
    }

    /// Index of a population by name.
    pub fn pop_index(&self, name: &str) -> Option<usize> {
        self.pops.iter().position(|p| p.name == name)
    }

    /// Index of a Poisson input by name.
    pub fn poisson_index(&self, name: &str) -> Option<usize> {
        self.poisson.iter().position(|p| p.name == name)
    }
}

/// Generated connectivity of one projection: CSR by presynaptic neuron.
#[derive(Debug, Clone)]
pub struct Csr {
    /// Row offsets, length n_pre + 1.
    pub offsets: Vec<usize>,
    /// Postsynaptic (population-local) indices, sorted within each row.
    pub targets: Vec<u32>,
    /// Per-connection delays in steps (≥ 1), or empty when all delays equal `delay_steps`.
    pub delays: Vec<u16>,
    /// The common delay in steps when `delays` is empty.
    pub delay_steps: u16,
    /// Largest delay in steps.
    pub max_delay: u16,
}

impl Csr {
    /// Number of synapses.
    pub fn len(&self) -> usize {
        self.targets.len()
    }
    /// True when there are no synapses.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }
    /// Targets of presynaptic neuron `i`.
    pub fn row(&self, i: usize) -> &[u32] {
        &self.targets[self.offsets[i]..self.offsets[i + 1]]
    }
    /// In-degree of every postsynaptic neuron.
    pub fn in_degrees(&self, n_post: usize) -> Vec<u32> {
        let mut d = vec![0u32; n_post];
        for &t in &self.targets {
            d[t as usize] += 1;
        }
        d
    }
    /// Bytes used.
    pub fn bytes(&self) -> usize {
        self.offsets.len() * 8 + self.targets.len() * 4 + self.delays.len() * 2
    }
}

/// Delay in steps for a delay in ms: max(1, round(d/dt)).
pub fn delay_steps(d_ms: f64, dt: f64) -> Result<u16> {
    let s = (d_ms / dt).round().max(1.0);
    if s > u16::MAX as f64 {
        return Err(Error::param(
            "delay",
            d_ms,
            format!(
                "must be at most {} ms at dt = {dt} ms",
                u16::MAX as f64 * dt
            ),
        ));
    }
    Ok(s as u16)
}

/// Draws the sources (and delays) of one postsynaptic neuron into `src` / `del`.
#[allow(clippy::too_many_arguments)]
fn sources_of(
    rule: Rule,
    n_pre: usize,
    excl: Option<usize>,
    dsteps: Option<(f64, f64, f64)>,
    rng: &mut Xoshiro256PlusPlus,
    src: &mut Vec<u32>,
    del: &mut Vec<u16>,
    with_delays: bool,
) {
    src.clear();
    del.clear();
    let avail = n_pre - usize::from(excl.is_some());
    let fix = |i: usize| -> u32 {
        match excl {
            Some(e) if i >= e => (i + 1) as u32,
            _ => i as u32,
        }
    };
    match rule {
        Rule::FixedIndegree { k } => {
            let idx = rand::seq::index::sample(rng, avail, k);
            src.extend(idx.iter().map(fix));
            src.sort_unstable();
        }
        Rule::Bernoulli { p } => {
            if p >= 1.0 {
                src.extend((0..avail).map(fix));
            } else if p > 0.0 {
                // Geometric skipping: gaps between successes are Geometric(p).
                let lq = (1.0 - p).ln();
                let mut i: f64 = -1.0;
                loop {
                    let u: f64 = rng.random::<f64>();
                    i += 1.0 + ((1.0 - u).ln() / lq).floor();
                    if i >= avail as f64 {
                        break;
                    }
                    src.push(fix(i as usize));
                }
            }
        }
        // generated whole-projection in `build_sonet_csr`
        Rule::Sonet { .. } => {}
    }
    if with_delays && let Some((lo, hi, dt)) = dsteps {
        for _ in 0..src.len() {
            let d = if hi > lo {
                rng.random_range(lo..=hi)
            } else {
                lo
            };
            del.push((d / dt).round().max(1.0) as u16);
        }
    }
}

/// Generates the CSR of one projection. `proj_id` and `seed` select the random streams; `dt`
/// converts delays to steps.
pub fn build_csr(spec: &NetSpec, proj_id: usize, seed: u64, dt: f64) -> Result<Csr> {
    let ctx = crate::numerics::context::RunContext::current();
    spec.validate()?;
    let pr = spec
        .projections
        .get(proj_id)
        .ok_or_else(|| Error::param("projection", proj_id, "no such projection"))?;
    let n_pre = spec.source_size(pr.pre)?;
    let n_post = spec.pops[pr.post].n;
    // Every caller (runs, `connectivity(seed)`, benchmarks) gets the same memory check.
    let one = NetSpec {
        projections: vec![pr.clone()],
        ..spec.clone()
    };
    crate::numerics::memory::reserve(
        &format!(
            "the projection {} ({:.3e} synapses)",
            spec.projection_name(pr),
            one.expected_synapses()
        ),
        one.connectivity_bytes(dt),
    )?;
    if let Rule::Sonet { .. } = pr.rule {
        return build_sonet_csr(pr, proj_id, n_post, n_pre, seed, dt);
    }
    let self_loop = pr.pre == Source::Pop(pr.post) && !pr.allow_autapses;
    let d_lo = delay_steps(pr.delay.0, dt)?;
    let d_hi = delay_steps(pr.delay.1, dt)?;
    let varied = d_hi > d_lo;
    let dsteps = varied.then_some((pr.delay.0, pr.delay.1, dt));
    const CH: usize = 1024;
    let n_ch = n_post.div_ceil(CH);
    let rng_for = |i: usize| {
        Xoshiro256PlusPlus::seed_from_u64(mix_seed(seed, 0x5EED_0000 + proj_id as u64, i as u64))
    };
    // Pass 1: per chunk of postsynaptic neurons, count the synapses of every source.
    let counts: Vec<Vec<u32>> = (0..n_ch)
        .into_par_iter()
        .map(|c| {
            let mut cnt = vec![0u32; n_pre];
            let (mut s, mut d) = (Vec::new(), Vec::new());
            for i in c * CH..((c + 1) * CH).min(n_post) {
                let mut rng = rng_for(i);
                let excl = self_loop.then_some(i);
                sources_of(
                    pr.rule, n_pre, excl, dsteps, &mut rng, &mut s, &mut d, false,
                );
                for &x in &s {
                    cnt[x as usize] += 1;
                }
            }
            cnt
        })
        .collect();
    ctx.check()?;
    // Offsets: row start of each source, then the start of each chunk within each row.
    let mut offsets = vec![0usize; n_pre + 1];
    for i in 0..n_pre {
        let row: usize = counts.iter().map(|c| c[i] as usize).sum();
        offsets[i + 1] = offsets[i] + row;
    }
    let total = offsets[n_pre];
    let mut cursors: Vec<Vec<usize>> = Vec::with_capacity(n_ch);
    let mut run = offsets[..n_pre].to_vec();
    for c in &counts {
        cursors.push(run.clone());
        for (r, &k) in run.iter_mut().zip(c) {
            *r += k as usize;
        }
    }
    drop(counts);
    let mut targets = vec![0u32; total];
    let mut delays = if varied {
        vec![0u16; total]
    } else {
        Vec::new()
    };
    // Pass 2: regenerate the same draws and write them; chunk c writes only into its own
    // disjoint ranges [cursors[c][x], cursors[c+1][x]) of every row x.
    struct Ptr<T>(*mut T);
    // SAFETY: the pointers are only used for writes at disjoint indices (see above).
    unsafe impl<T> Sync for Ptr<T> {}
    unsafe impl<T> Send for Ptr<T> {}
    let tp = Ptr(targets.as_mut_ptr());
    let dp = Ptr(delays.as_mut_ptr());
    cursors
        .into_par_iter()
        .enumerate()
        .for_each(|(c, mut cur)| {
            let (tp, dp) = (&tp, &dp);
            let (mut s, mut d) = (Vec::new(), Vec::new());
            for i in c * CH..((c + 1) * CH).min(n_post) {
                let mut rng = rng_for(i);
                let excl = self_loop.then_some(i);
                sources_of(pr.rule, n_pre, excl, dsteps, &mut rng, &mut s, &mut d, true);
                for (k, &x) in s.iter().enumerate() {
                    let pos = cur[x as usize];
                    cur[x as usize] += 1;
                    // SAFETY: pos lies in this chunk's private range of row x (counted in pass 1
                    // from identical draws), and is < total.
                    unsafe {
                        *tp.0.add(pos) = i as u32;
                        if varied {
                            *dp.0.add(pos) = d[k];
                        }
                    }
                }
            }
        });
    Ok(Csr {
        offsets,
        targets,
        delays,
        delay_steps: d_lo,
        max_delay: d_hi,
    })
}

/// CSR of a `Rule::Sonet` projection: the whole graph is sampled (seeded by the network seed
/// and the projection index), then delays are drawn per connection.
fn build_sonet_csr(
    pr: &Projection,
    proj_id: usize,
    n_post: usize,
    n_pre: usize,
    seed: u64,
    dt: f64,
) -> Result<Csr> {
    let recurrent = pr.pre == Source::Pop(pr.post);
    let s = pr.rule.sonet(n_post, n_pre, recurrent)?;
    let g = s.sample(mix_seed(seed, 0x50E7 + proj_id as u64, 0))?;
    let (offsets, targets) = if recurrent {
        g.block_csr(0, 0)
    } else {
        g.block_csr(0, 1)
    };
    let d_lo = delay_steps(pr.delay.0, dt)?;
    let d_hi = delay_steps(pr.delay.1, dt)?;
    let delays = if d_hi > d_lo {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(mix_seed(seed, 0xDE1A + proj_id as u64, 1));
        (0..targets.len())
            .map(|_| {
                (rng.random_range(pr.delay.0..=pr.delay.1) / dt)
                    .round()
                    .max(1.0) as u16
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Csr {
        offsets,
        targets,
        delays,
        delay_steps: d_lo,
        max_delay: d_hi,
    })
}

impl NetSpec {
    /// Per-population drives from one signal: scaled by `ratio` (one factor per population),
    /// else for an E–I pair by [1, r] (r = μ_I/μ_E, default `default_r`), else unscaled. `r`
    /// with more than two populations is an error (give `ratio`).
    pub fn scaled_drives(
        &self,
        base: &super::Signal,
        ratio: Option<&[f64]>,
        r: Option<f64>,
        default_r: f64,
    ) -> Result<Vec<super::Signal>> {
        let p = self.pops.len();
        let ratio: Vec<f64> = match (ratio, r) {
            (Some(k), _) if k.len() == p => k.to_vec(),
            (Some(k), _) => {
                return Err(Error::param(
                    "ratio",
                    format!("{} values", k.len()),
                    format!("needs {p} values (one per population)"),
                ));
            }
            (None, r) if p == 2 => vec![1.0, r.unwrap_or(default_r)],
            (None, Some(_)) => {
                return Err(Error::param(
                    "r",
                    format!("{p} populations"),
                    "applies to E-I pairs; with more populations give `ratio` (one factor per population)",
                ));
            }
            (None, None) => vec![1.0; p],
        };
        Ok(ratio.iter().map(|&k| base.scaled(k)).collect())
    }
}

impl std::fmt::Display for NetSpec {
    /// One line per projection: its rule, efficacy, synapse and delays.
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "SpikingNetwork \"{}\": {} ({:.3e} synapses)",
            self.name,
            self.pops
                .iter()
                .map(|p| format!("{} = {}", p.name, p.n))
                .collect::<Vec<_>>()
                .join(", "),
            self.expected_synapses()
        )?;
        for pr in &self.projections {
            let rule = match pr.rule {
                Rule::FixedIndegree { k } => format!("fixed_indegree K = {k}"),
                Rule::Bernoulli { p } => format!("pairwise_bernoulli p = {p}"),
                Rule::Sonet {
                    p,
                    recip,
                    conv,
                    div,
                    chain,
                } => format!(
                    "sonet p = {p}, alpha recip/conv/div/chain = {recip}/{conv}/{div}/{chain}"
                ),
            };
            let syn = match pr.synapse {
                Synapse::Delta => "delta".to_string(),
                Synapse::Exp { tau_s } => format!("exp tau_s = {tau_s} ms"),
            };
            write!(
                f,
                "\n  {}: {rule}, j = {} mV, {syn}, delay [{}, {}] ms",
                self.projection_name(pr),
                self.signed_j(pr),
                pr.delay.0,
                pr.delay.1
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(rule: Rule, autapses: bool) -> NetSpec {
        NetSpec {
            name: "t".into(),
            pops: vec![Population {
                name: "E".into(),
                n: 500,
                tau: 20.0,
                theta: 1.0,
                v_reset: 0.0,
                t_ref: 0.0,
                sigma: 3.0,
                excitatory: true,
            }],
            poisson: vec![],
            projections: vec![Projection {
                pre: Source::Pop(0),
                post: 0,
                rule,
                j: 0.1,
                synapse: Synapse::Delta,
                delay: (0.0, 5.0),
                allow_autapses: autapses,
            }],
        }
    }

    #[test]
    fn fixed_indegree_is_exact_distinct_and_autapse_free() {
        let s = spec(Rule::FixedIndegree { k: 499 }, false);
        let c = build_csr(&s, 0, 7, 0.1).unwrap();
        assert!(c.in_degrees(500).iter().all(|&d| d == 499));
        for i in 0..500 {
            assert!(!c.row(i).contains(&(i as u32)), "autapse at {i}");
            assert!(c.row(i).windows(2).all(|w| w[0] < w[1]), "row not sorted");
        }
        assert!(c.delays.iter().all(|&d| (1..=50).contains(&d)));
        let s = spec(Rule::FixedIndegree { k: 37 }, false);
        let a = build_csr(&s, 0, 7, 0.1).unwrap();
        let b = build_csr(&s, 0, 7, 0.1).unwrap();
        assert_eq!(a.targets, b.targets);
        assert_eq!(a.delays, b.delays);
        assert!(a.in_degrees(500).iter().all(|&d| d == 37));
        assert!(
            build_csr(&spec(Rule::FixedIndegree { k: 500 }, false), 0, 1, 0.1).is_err()
                || spec(Rule::FixedIndegree { k: 500 }, false)
                    .validate()
                    .is_err()
        );
    }

    #[test]
    fn bernoulli_mean_in_degree() {
        let s = spec(Rule::Bernoulli { p: 0.1 }, true);
        let c = build_csr(&s, 0, 3, 0.1).unwrap();
        let m = c.len() as f64 / 500.0;
        // Binomial(500, 0.1) per neuron: mean 50, SD of the mean over 500 neurons 0.3.
        assert!((m - 50.0).abs() < 1.5, "mean in-degree {m}");
    }
}
