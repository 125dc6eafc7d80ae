//! LIF network parameters (N, p, j, τ, σ), their mapping to an SSN, the self-consistent
//! Ricciardi mean field Φsc (Eq 12–14) and the balanced-state size scaling.

use super::ssn::{PopKind, Ssn};
use crate::error::{Error, Result, check_nonneg, check_positive};
use crate::neuron::powerlaw::{PowerLawFit, default_fit_grid, fit_lif};
use crate::neuron::{Lif, PowerLaw};
use crate::options::{Count, Num};
use rayon::prelude::*;

/// Parameters of a two-population (E, I) LIF network in the paper's units.
#[derive(Debug, Clone, PartialEq)]
pub struct LifNetwork {
    /// Name (for display).
    pub name: String,
    /// Population sizes [N_E, N_I].
    pub n: [usize; 2],
    /// Connection probabilities p[X][Y] (post X, pre Y).
    pub p: [[f64; 2]; 2],
    /// Synaptic efficacies j[X][Y] ≥ 0 (mV jump per spike; signs from the presynaptic type).
    pub j: [[f64; 2]; 2],
    /// Membrane time constants [τ_E, τ_I] (ms).
    pub tau: [f64; 2],
    /// External noise [σ_E, σ_I] (mV/√s).
    pub sigma: [f64; 2],
    /// Threshold (mV).
    pub theta: f64,
    /// Reset (mV).
    pub v_reset: f64,
    /// Refractory period (ms).
    pub t_ref: f64,
    /// Exponential synaptic time constants τ_s[X][Y] (ms); 0 = delta synapse.
    pub tau_syn: [[f64; 2]; 2],
    /// Maximal synaptic delays D_max[X][Y] (ms); delays are uniform on [0, D_max].
    pub delay_max: [[f64; 2]; 2],
    /// Input ratio r = μ_I/μ_E used by the paper for this network.
    pub r: f64,
}

crate::options! {
    /// Options of `network_params`: a paper network (`base`) with parameters overridden.
    pub struct NetworkOpts {
        /// paper network to start from (fig2, ...)
        base: Option<String> = None, "";
        /// name shown when printed (none: the base's name, or "custom" without a base)
        name: Option<String> = None, "";
        /// population sizes [N_E, N_I]
        N: Option<[Count; 2]> = None, "";
        /// connection probabilities [[EE, EI], [IE, II]]
        p: Option<[[Num; 2]; 2]> = None, "";
        /// efficacies per synapse [[EE, EI], [IE, II]] (magnitudes)
        j: Option<[[Num; 2]; 2]> = None, "mV";
        /// population couplings J = N p j (instead of j)
        J: Option<[[Num; 2]; 2]> = None, "mV";
        /// membrane time constants [E, I]
        tau: Option<[Num; 2]> = None, "ms";
        /// external noise [E, I]
        sigma: Option<[Num; 2]> = None, "mV/sqrt(s)";
        /// threshold
        theta: Option<Num> = None, "mV";
        /// reset
        v_reset: Option<Num> = None, "mV";
        /// refractory period
        t_ref: Option<Num> = None, "ms";
        /// synaptic time constants (0: delta synapse)
        tau_syn: Option<[[Num; 2]; 2]> = None, "ms";
        /// maximal delays (uniform in [0, D_max])
        delay_max: Option<[[Num; 2]; 2]> = None, "ms";
        /// input ratio mu_I / mu_E the paper uses with this network
        r: Option<Num> = None, "";
    }
}

fn m2(m: &[[Num; 2]; 2]) -> [[f64; 2]; 2] {
    [[m[0][0].0, m[0][1].0], [m[1][0].0, m[1][1].0]]
}

impl NetworkOpts {
    /// The network: the base (default fig2) with every given parameter replaced (validated).
    pub fn network(&self) -> Result<LifNetwork> {
        let mut net = paper_network(self.base.as_deref().unwrap_or("fig2"))?;
        net.name = match (&self.name, &self.base) {
            (Some(n), _) => n.clone(),
            (None, Some(_)) => net.name,
            (None, None) => "custom".into(),
        };
        if let Some([e, i]) = self.N {
            net.n = [e.0 as usize, i.0 as usize];
        }
        let set2 = |dst: &mut [[f64; 2]; 2], v: &Option<[[Num; 2]; 2]>| {
            if let Some(v) = v {
                *dst = m2(v);
            }
        };
        set2(&mut net.p, &self.p);
        set2(&mut net.j, &self.j);
        set2(&mut net.tau_syn, &self.tau_syn);
        set2(&mut net.delay_max, &self.delay_max);
        if let Some(jj) = &self.J {
            if self.j.is_some() {
                return Err(Error::param(
                    "J",
                    "given with j",
                    "give either `j` (per synapse) or `J` (population coupling), not both",
                ));
            }
            net.set_coupling(m2(jj));
        }
        if let Some([e, i]) = self.tau {
            net.tau = [e.0, i.0];
        }
        if let Some([e, i]) = self.sigma {
            net.sigma = [e.0, i.0];
        }
        net.theta = self.theta.map_or(net.theta, |x| x.0);
        net.v_reset = self.v_reset.map_or(net.v_reset, |x| x.0);
        net.t_ref = self.t_ref.map_or(net.t_ref, |x| x.0);
        net.r = self.r.map_or(net.r, |x| x.0);
        net.validate()?;
        Ok(net)
    }
}

impl std::fmt::Display for LifNetwork {
    /// Sizes, p, j and J = N p j, τ, σ and r on one line.
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let (j, jj) = (self.j, self.coupling());
        write!(
            f,
            "LifNetwork \"{}\": N_E = {}, N_I = {}, p = {:?}, j = [[{:.6}, {:.6}], [{:.6}, {:.6}]] mV, J = N p j = [[{:.4}, {:.4}], [{:.4}, {:.4}]] mV, tau = {:?} ms, sigma = {:?} mV/sqrt(s), r = {}",
            self.name,
            self.n[0],
            self.n[1],
            self.p,
            j[0][0],
            j[0][1],
            j[1][0],
            j[1][1],
            jj[0][0],
            jj[0][1],
            jj[1][0],
            jj[1][1],
            self.tau,
            self.sigma,
            self.r
        )
    }
}

impl LifNetwork {
    /// Validates every parameter.
    pub fn validate(&self) -> Result<()> {
        for (i, &n) in self.n.iter().enumerate() {
            if n == 0 {
                return Err(Error::param(&format!("N[{i}]"), n, "must be >= 1"));
            }
        }
        for x in 0..2 {
            for y in 0..2 {
                let p = self.p[x][y];
                if !(p.is_finite() && (0.0..=1.0).contains(&p)) {
                    return Err(Error::param(
                        &format!("p[{x}][{y}]"),
                        p,
                        "must be in [0, 1]",
                    ));
                }
                check_nonneg(&format!("j[{x}][{y}]"), self.j[x][y], "mV, a magnitude")?;
                check_nonneg(&format!("tau_syn[{x}][{y}]"), self.tau_syn[x][y], "ms")?;
                check_nonneg(&format!("delay_max[{x}][{y}]"), self.delay_max[x][y], "ms")?;
            }
            check_positive(&format!("tau[{x}]"), self.tau[x], "ms")?;
            check_nonneg(&format!("sigma[{x}]"), self.sigma[x], "mV/sqrt(s)")?;
        }
        Lif::new(self.tau[0], self.theta, self.v_reset, self.t_ref)?;
        Ok(())
    }

    /// In-degree C_XY = N_Y p_XY (fixed in-degree; the simulator uses floor of it).
    pub fn in_degree(&self, x: usize, y: usize) -> f64 {
        self.n[y] as f64 * self.p[x][y]
    }

    /// Population coupling J_XY = N_Y p_XY j_XY (Eq 13), in mV.
    pub fn coupling(&self) -> [[f64; 2]; 2] {
        let mut out = [[0.0; 2]; 2];
        for (x, row) in out.iter_mut().enumerate() {
            for (y, v) in row.iter_mut().enumerate() {
                *v = self.in_degree(x, y) * self.j[x][y];
            }
        }
        out
    }

    /// Sets the efficacies j from population couplings J (j = J / (N p); 0 where N p = 0).
    pub fn set_coupling(&mut self, jj: [[f64; 2]; 2]) {
        for (x, row) in jj.iter().enumerate() {
            for (y, &target) in row.iter().enumerate() {
                let c = self.in_degree(x, y);
                self.j[x][y] = if c > 0.0 { target / c } else { 0.0 };
            }
        }
    }

    /// The LIF neuron of population x.
    pub fn neuron(&self, x: usize) -> Result<Lif> {
        Lif::new(self.tau[x], self.theta, self.v_reset, self.t_ref)
    }

    /// Power-law fits of both populations by the paper's procedure (reference §3.2).
    pub fn fit_power_laws(&self) -> Result<[PowerLawFit; 2]> {
        let (le, li) = (self.neuron(0)?, self.neuron(1)?);
        let fe = fit_lif(&le, self.sigma[0], default_fit_grid(&le), 10.0)?;
        let fi = fit_lif(&li, self.sigma[1], default_fit_grid(&li), 10.0)?;
        Ok([fe, fi])
    }

    /// The SSN of this network: fitted power laws and J = N p j; τ as in the network.
    pub fn to_ssn(&self) -> Result<Ssn> {
        let [fe, fi] = self.fit_power_laws()?;
        let j = self.coupling();
        Ssn::new(
            vec![fe.law, fi.law],
            j.iter().map(|r| r.to_vec()).collect(),
            vec![PopKind::E, PopKind::I],
            Some(self.tau.to_vec()),
        )
    }

    /// The network scaled to N neurons in total (same E:I ratio and p), with the balanced
    /// convention j ∝ 1/√N (so J ∝ √N); the effective input is then μ_eff = √N μ̃.
    pub fn scaled_to(&self, n_total: usize) -> Result<LifNetwork> {
        let n0 = (self.n[0] + self.n[1]) as f64;
        if n_total < 2 {
            return Err(Error::param("N", n_total, "must be >= 2"));
        }
        let f = n_total as f64 / n0;
        let ne = ((self.n[0] as f64) * f).round().max(1.0) as usize;
        let ni = n_total.saturating_sub(ne).max(1);
        let s = (n0 / n_total as f64).sqrt();
        let mut out = self.clone();
        out.n = [ne, ni];
        for row in out.j.iter_mut() {
            for v in row.iter_mut() {
                *v *= s;
            }
        }
        out.name = format!("{} (N = {n_total})", self.name);
        Ok(out)
    }

    /// The network at N neurons in total (same E:I ratio and p) with the same couplings
    /// J = N p j (so j ∝ 1/N): the mean-field (SSN) description is unchanged and only
    /// finite-size effects differ. Used for quick, small versions of paper-scale runs.
    pub fn resized(&self, n_total: usize) -> Result<LifNetwork> {
        let n0 = (self.n[0] + self.n[1]) as f64;
        if n_total < 2 {
            return Err(Error::param("N", n_total, "must be >= 2"));
        }
        let ne = ((self.n[0] as f64) * n_total as f64 / n0).round().max(1.0) as usize;
        let ni = n_total.saturating_sub(ne).max(1);
        let mut out = self.clone();
        let old = self.n;
        out.n = [ne, ni];
        let new_n = out.n;
        for row in out.j.iter_mut() {
            for ((j, &o), &n) in row.iter_mut().zip(&old).zip(&new_n) {
                *j *= o as f64 / n as f64;
            }
        }
        out.name = format!("{} (N = {n_total}, same J)", self.name);
        Ok(out)
    }

    /// Mean and SD of the total input to population x for rates ν (Eq 12, 14).
    pub fn input_stats(&self, x: usize, nu: [f64; 2], mu_ext: f64) -> (f64, f64) {
        let jj = self.coupling();
        let mu = mu_ext + jj[x][0] * nu[0] - jj[x][1] * nu[1];
        let var = self.sigma[x].powi(2)
            + self.j[x][0] * jj[x][0] * nu[0]
            + self.j[x][1] * jj[x][1] * nu[1];
        (mu, var.max(0.0).sqrt())
    }

    /// Every solution of the self-consistent equations ν_X = Φ_X(μ_X(ν), σ_X(ν)) (Eq 14) at
    /// external inputs (μ_E, μ_I). Method: for each ν_E the I equation is solved for ν_I
    /// (bracketing); the remaining scalar equation in ν_E is scanned on a grid of `grid`
    /// log-spaced rates up to `nu_max` Hz, and each sign change is refined with Brent's method.
    /// Roots closer than the grid spacing can be missed (the scan is not a certificate).
    pub fn phisc(&self, mu_e: f64, mu_i: f64, nu_max: f64, grid: usize) -> Result<Vec<[f64; 2]>> {
        let ctx = crate::numerics::context::RunContext::current();
        self.validate()?;
        let le = self.neuron(0)?;
        let li = self.neuron(1)?;
        let solve_i = |nu_e: f64| -> f64 {
            let k = |ni: f64| {
                let (m, s) = self.input_stats(1, [nu_e, ni], mu_i);
                ni - li.rate_unchecked(m, s)
            };
            if k(0.0) >= 0.0 {
                return 0.0;
            }
            let mut hi = 1.0;
            while k(hi) < 0.0 && hi < 1e7 {
                hi *= 2.0;
            }
            crate::numerics::roots::brent(k, 0.0, hi)
        };
        let ke = |nu_e: f64| -> f64 {
            let ni = solve_i(nu_e);
            let (m, s) = self.input_stats(0, [nu_e, ni], mu_e);
            nu_e - le.rate_unchecked(m, s)
        };
        let mut xs = vec![0.0];
        for k in 0..grid {
            xs.push(1e-4 * (nu_max / 1e-4).powf(k as f64 / (grid - 1).max(1) as f64));
        }
        let vals: Vec<f64> = xs.par_iter().map(|&x| ke(x)).collect();
        let mut out = Vec::new();
        if vals[0] == 0.0 {
            out.push([0.0, solve_i(0.0)]);
        }
        for k in 1..xs.len() {
            ctx.check()?;
            if vals[k] == 0.0 || (vals[k - 1] != 0.0 && (vals[k - 1] > 0.0) != (vals[k] > 0.0)) {
                let x = if vals[k] == 0.0 {
                    xs[k]
                } else {
                    crate::numerics::roots::brent(ke, xs[k - 1], xs[k])
                };
                out.push([x, solve_i(x)]);
            }
        }
        Ok(out)
    }
}

/// Names of the paper's networks available through [`paper_network`].
pub const PAPER_NETWORKS: &[&str] = &[
    "fig2",
    "fig2b_1.25",
    "fig2b_1.5",
    "allen",
    "allen_isn",
    "bistable",
    "negative_det",
];

/// The paper's networks (reference §4.3, Table B) as LIF network parameters.
///
/// Choices where the authors' files disagree (reference §7): Allen J_II uses the spreadsheet
/// j_II = 0.11235 mV (J_II = 11.846, as in the SSN analysis) and the Allen p values of the
/// spreadsheet; the Fig 3B ISN network uses J_EE = 4.75 (the SSN value; p_EE = 0.0625 with
/// j_EE = 0.025333); delta synapses everywhere except the bistable and negative-det networks
/// (EE and II exponential, τ_s = 10 ms, delays U[0, 100] ms), as in the simulations.
pub fn paper_network(name: &str) -> Result<LifNetwork> {
    let base = LifNetwork {
        name: name.to_string(),
        n: [3000, 1000],
        p: [[0.065, 0.2], [0.275, 0.1]],
        j: [[0.0; 2]; 2],
        tau: [20.0, 10.0],
        sigma: [3.0, 3.0],
        theta: 1.0,
        v_reset: 0.0,
        t_ref: 0.0,
        tau_syn: [[0.0; 2]; 2],
        delay_max: [[0.0; 2]; 2],
        r: 1.0,
    };
    // j chosen so that J = N p j reproduces Table B exactly.
    let from_j = |jj: [[f64; 2]; 2], p: [[f64; 2]; 2], r: f64| {
        let mut n = base.clone();
        n.p = p;
        n.r = r;
        for x in 0..2 {
            for y in 0..2 {
                n.j[x][y] = jj[x][y] / (n.n[y] as f64 * p[x][y]);
            }
        }
        n
    };
    let p0 = [[0.065, 0.2], [0.275, 0.1]];
    let p_allen = [[0.0625, 29.0 / 150.0], [0.275, 64.0 / 607.0]];
    let mut net = match name {
        "fig2" => from_j([[2.0, 12.0], [6.0, 1.0]], p0, 1.0),
        "fig2b_1.25" => from_j([[2.0, 15.0], [4.8, 1.0]], p0, 0.8),
        "fig2b_1.5" => from_j([[2.0, 18.0], [4.0, 1.0]], p0, 2.0 / 3.0),
        "allen" => from_j([[0.672, 13.173], [23.675, 11.846]], p_allen, 1.0),
        "allen_isn" => from_j([[4.75, 13.173], [23.675, 11.846]], p_allen, 0.5),
        "bistable" | "negative_det" => {
            let jj = if name == "bistable" {
                [[5.0, 10.0], [7.0, 11.0]]
            } else {
                [[1.25, 1.0], [1.0, 1.25]]
            };
            let mut n = from_j(jj, p0, if name == "bistable" { 1.0 } else { 3.0 });
            n.tau_syn = [[10.0, 0.0], [0.0, 10.0]];
            n.delay_max = [[100.0, 0.0], [0.0, 100.0]];
            n
        }
        _ => {
            return Err(Error::param(
                "name",
                format!("{name:?}"),
                format!("must be one of: {}", PAPER_NETWORKS.join(", ")),
            ));
        }
    };
    net.name = name.to_string();
    Ok(net)
}

/// The E and I power laws the paper's scripts use (Table D, full precision).
pub fn paper_power_laws() -> [PowerLaw; 2] {
    [
        PowerLaw {
            a: 1.0792e-4,
            b: -11.1425,
            n: 3.0814,
        },
        PowerLaw {
            a: 2.2099e-6,
            b: 4.7670,
            n: 3.8150,
        },
    ]
}
