//! Heterogeneous Izhikevich populations (Gast, Solla & Kennedy 2022): cell types, the exact
//! Lorentzian mean field and its bifurcation analysis.
//!
//! Units (the authors' code): time in ms, v in mV, C in pF, k in nS/mV, currents I and u in pA,
//! a in 1/ms, b in nS, d in pA per unit rate (rate in 1/ms), conductances g in nS,
//! rates r in 1/ms inside the model (reported in Hz by the script API).

pub mod meanfield;
pub mod network;

use crate::error::{Error, Result};

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
