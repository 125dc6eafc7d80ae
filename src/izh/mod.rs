//! Heterogeneous Izhikevich populations (Gast, Solla & Kennedy 2022): cell types, the exact
//! Lorentzian mean field and its bifurcation analysis.
//!
//! Units (the authors' code): time in ms, v in mV, C in pF, k in nS/mV, currents I and u in pA,
//! a in 1/ms, b in nS, d in pA per unit rate (rate in 1/ms), conductances g in nS,
//! rates r in 1/ms inside the model (reported in Hz by the script API).

pub mod meanfield;
pub mod network;

use crate::error::{Error, Result};
use crate::options::Num;

pub use meanfield::{Branch, BranchPoint, Continuation, IzhMeanField, Special};

/// One Izhikevich population in the biophysical form with Lorentzian-distributed thresholds
/// (centre `v_theta`, half-width `delta`) and two conductance synapses (AMPA from excitatory,
/// GABA from inhibitory presynaptic populations).
#[derive(Debug, Clone, PartialEq)]
pub struct IzhPop {
    /// Name (e.g. "RS").
    pub name: String,
    /// Excitatory (feeds the AMPA gate of its targets) or inhibitory (GABA).
    pub excitatory: bool,
    /// Membrane capacitance C (pF).
    pub c: f64,
    /// Gain k (nS/mV).
    pub k: f64,
    /// Resting potential v_r (mV).
    pub v_r: f64,
    /// Centre of the threshold distribution v̄_θ (mV).
    pub v_theta: f64,
    /// Half-width at half-maximum Δ of the Lorentzian threshold distribution (mV).
    pub delta: f64,
    /// Recovery rate a (1/ms).
    pub a: f64,
    /// Recovery sensitivity b (nS).
    pub b: f64,
    /// Spike-triggered recovery increment d (pA; in the mean field d·r).
    pub d: f64,
    /// AMPA conductance scale g_ampa (nS).
    pub g_ampa: f64,
    /// GABA conductance scale g_gaba (nS).
    pub g_gaba: f64,
    /// AMPA decay time constant (ms).
    pub tau_ampa: f64,
    /// GABA decay time constant (ms).
    pub tau_gaba: f64,
    /// AMPA reversal potential (mV).
    pub e_ampa: f64,
    /// GABA reversal potential (mV).
    pub e_gaba: f64,
    /// Spike peak of the spiking model (mV); the mean field assumes +∞.
    pub v_peak: f64,
    /// Reset of the spiking model (mV); the mean field assumes −∞.
    pub v_reset: f64,
}

/// Names of the built-in cell types.
pub const CELL_TYPES: [&str; 4] = ["RS", "FS", "LTS", "IB"];

crate::options! {
    /// Options of `izh_population`: a cell type with parameters replaced.
    pub struct IzhPopOpts {
        /// cell type to start from: "RS", "FS", "LTS", ...
        r#type: String = "RS".to_string(), "";
        /// name (none: the type)
        name: Option<String> = None, "";
        /// membrane capacitance
        C: Option<Num> = None, "pF";
        /// gain of the quadratic current
        k: Option<Num> = None, "nS/mV";
        /// resting potential
        v_r: Option<Num> = None, "mV";
        /// centre of the Lorentzian threshold distribution
        v_theta: Option<Num> = None, "mV";
        /// half-width of the threshold distribution
        delta: Option<Num> = None, "mV";
        /// recovery rate
        a: Option<Num> = None, "1/ms";
        /// recovery sensitivity
        b: Option<Num> = None, "nS";
        /// recovery jump per spike
        d: Option<Num> = None, "pA";
        /// AMPA conductance
        g_ampa: Option<Num> = None, "nS";
        /// GABA conductance
        g_gaba: Option<Num> = None, "nS";
        /// AMPA decay time
        tau_ampa: Option<Num> = None, "ms";
        /// GABA decay time
        tau_gaba: Option<Num> = None, "ms";
        /// AMPA reversal potential
        e_ampa: Option<Num> = None, "mV";
        /// GABA reversal potential
        e_gaba: Option<Num> = None, "mV";
        /// spike peak (spiking network)
        v_peak: Option<Num> = None, "mV";
        /// reset (spiking network)
        v_reset: Option<Num> = None, "mV";
        /// excitatory (AMPA onto targets) or inhibitory (GABA); none: the type's
        excitatory: Option<bool> = None, "";
    }
}

impl IzhPopOpts {
    /// The population (validated).
    pub fn population(&self) -> Result<IzhPop> {
        let mut p = IzhPop::cell_type(&self.r#type)?;
        if let Some(n) = &self.name {
            p.name = n.clone();
        }
        let fields: [(Option<Num>, &mut f64); 16] = [
            (self.C, &mut p.c),
            (self.k, &mut p.k),
            (self.v_r, &mut p.v_r),
            (self.v_theta, &mut p.v_theta),
            (self.delta, &mut p.delta),
            (self.a, &mut p.a),
            (self.b, &mut p.b),
            (self.d, &mut p.d),
            (self.g_ampa, &mut p.g_ampa),
            (self.g_gaba, &mut p.g_gaba),
            (self.tau_ampa, &mut p.tau_ampa),
            (self.tau_gaba, &mut p.tau_gaba),
            (self.e_ampa, &mut p.e_ampa),
            (self.e_gaba, &mut p.e_gaba),
            (self.v_peak, &mut p.v_peak),
            (self.v_reset, &mut p.v_reset),
        ];
        for (v, slot) in fields {
            if let Some(v) = v {
                *slot = v.0;
            }
        }
        p.excitatory = self.excitatory.unwrap_or(p.excitatory);
        p.validate()?;
        Ok(p)
    }
}

impl std::fmt::Display for IzhPop {
    /// The REPL preview of a population.
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "IzhPop({}: C={} pF, k={}, v_r={} mV, v_theta={} mV, delta={} mV, a={}, b={}, d={}, {})",
            self.name,
            self.c,
            self.k,
            self.v_r,
            self.v_theta,
            self.delta,
            self.a,
            self.b,
            self.d,
            if self.excitatory { "E" } else { "I" }
        )
    }
}

impl IzhPop {
    /// A named cell type with the reference parameters (Izhikevich 2007 as used by Gast et al.
    /// 2022): "RS" (regular spiking, E), "FS" (fast spiking, I), "LTS" (low-threshold spiking,
    /// I), "IB" (intrinsically bursting, E). Δ = 1 mV; RS d = 20 pA (the E–I circuit value; the
    /// authors' single-population file uses 10).
    pub fn cell_type(name: &str) -> Result<IzhPop> {
        let base = |name: &str, exc: bool, c, k, v_r, v_t, a, b, d, ga, gg| IzhPop {
            name: name.to_string(),
            excitatory: exc,
            c,
            k,
            v_r,
            v_theta: v_t,
            delta: 1.0,
            a,
            b,
            d,
            g_ampa: ga,
            g_gaba: gg,
            tau_ampa: 6.0,
            tau_gaba: 8.0,
            e_ampa: 0.0,
            e_gaba: -65.0,
            v_peak: 1000.0,
            v_reset: -1000.0,
        };
        Ok(match name.to_ascii_uppercase().as_str() {
            "RS" => base(
                "RS", true, 100.0, 0.7, -60.0, -40.0, 0.03, -2.0, 20.0, 1.0, 1.0,
            ),
            "FS" => base(
                "FS", false, 20.0, 1.0, -55.0, -40.0, 0.2, 0.025, 0.0, 1.0, 1.0,
            ),
            "LTS" => base(
                "LTS", false, 100.0, 1.0, -56.0, -42.0, 0.03, 8.0, 20.0, 1.0, 1.0,
            ),
            "IB" => base(
                "IB", true, 150.0, 1.2, -75.0, -45.0, 0.01, 5.0, 30.0, 1.5, 0.8,
            ),
            _ => {
                return Err(Error::param(
                    "type",
                    format!("{name:?}"),
                    format!("must be one of {}", CELL_TYPES.join(", ")),
                ));
            }
        })
    }

    /// Checks that every parameter is finite and C, k, τ are positive, Δ ≥ 0.
    pub fn validate(&self) -> Result<()> {
        let fin = [
            ("C", self.c),
            ("k", self.k),
            ("v_r", self.v_r),
            ("v_theta", self.v_theta),
            ("delta", self.delta),
            ("a", self.a),
            ("b", self.b),
            ("d", self.d),
            ("g_ampa", self.g_ampa),
            ("g_gaba", self.g_gaba),
            ("tau_ampa", self.tau_ampa),
            ("tau_gaba", self.tau_gaba),
            ("e_ampa", self.e_ampa),
            ("e_gaba", self.e_gaba),
        ];
        for (n, v) in fin {
            if !v.is_finite() {
                return Err(Error::param(n, v, "must be a finite number"));
            }
        }
        for (n, v) in [
            ("C", self.c),
            ("k", self.k),
            ("tau_ampa", self.tau_ampa),
            ("tau_gaba", self.tau_gaba),
        ] {
            if v <= 0.0 {
                return Err(Error::param(n, v, "must be > 0"));
            }
        }
        if self.delta < 0.0 {
            return Err(Error::param("delta", self.delta, "must be >= 0 mV"));
        }
        if self.a < 0.0 {
            return Err(Error::param("a", self.a, "must be >= 0 (1/ms)"));
        }
        Ok(())
    }
}
