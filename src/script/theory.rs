//! Rhai bindings of the theory core: LIF transfer function, power laws, SSN steady states,
//! regimes, regime maps, input design, Φsc and the paper's networks.

use super::api::Api;
use super::convert::{
    NumOrVec, Opts, RResult, count, err, fnum, map_of, num, num_vec, rt_err, to_array, to_map,
    to_matrix,
};
use crate::neuron::lif::LifOpts;
use crate::neuron::lif::{FiSimOptions, FiSimOpts};
use crate::neuron::powerlaw::{FitLifOpts, FitOptions, GridOpts, fit_lif, fit_power_law};
use crate::neuron::{Lif, PowerLaw};
use crate::numerics::timecourse::TimeCourse;
use crate::options::{Documented, from_map};
use crate::rate::lifnet::{LifNetwork, NetworkOpts, PAPER_NETWORKS, paper_network};
use crate::rate::regime::{
    MAP_PARAMS, RegimeMap, ResponseOpts, conditions, peak, response, ssn_regime_map,
};
use crate::rate::ssn::SimulateOpts;
use crate::rate::ssn::{SsnOpts, coupling_index};
use crate::rate::{Ssn, SteadyState, design};
use rhai::{Array, Dynamic, FnPtr, Map, NativeCallContext};

/// A power law together with its fit diagnostics (when it came from a fit).
#[derive(Debug, Clone)]
pub struct PowerLawObj {
    law: PowerLaw,
    rmse: f64,
    max_err: f64,
    condition: f64,
    ill: bool,
}

impl PowerLawObj {
    /// The law itself.
    pub(crate) fn law(&self) -> PowerLaw {
        self.law
    }
}

impl From<PowerLaw> for PowerLawObj {
    fn from(law: PowerLaw) -> Self {
        PowerLawObj {
            law,
            rmse: f64::NAN,
            max_err: f64::NAN,
            condition: f64::NAN,
            ill: false,
        }
    }
}

fn grid3(
    o: &Opts,
    key: &str,
    func: &'static str,
    default: Option<(f64, f64, usize)>,
) -> RResult<Option<Vec<f64>>> {
    let Some(v) = o.raw(key) else {
        return Ok(default.map(|(a, b, n)| crate::numerics::stats::linspace(a, b, n)));
    };
    let spec = num_vec(v, func, key)?;
    crate::numerics::stats::grid_axis(key, &spec, super::LIMIT_ARRAY)
        .map(Some)
        .map_err(err(func))
}

/// A power-law value at a finite input, or an error that says why there is none (a
/// non-finite input, or a value beyond the largest double).
fn finite_law(func: &str, mu: f64, value: f64) -> RResult<f64> {
    if !mu.is_finite() {
        return Err(rt_err(
            func,
            format!("parameter `mu` = {mu} is invalid: must be a finite input (mV/s)"),
        ));
    }
    if !value.is_finite() {
        return Err(rt_err(
            func,
            format!("the value at mu = {mu} mV/s overflows a double (> 1.8e308)"),
        ));
    }
    Ok(value)
}

fn state_map(s: &SteadyState) -> Map {
    let mut m = to_map(s);
    m.insert("supersaturating".into(), s.supersaturating().into());
    m
}

fn display_ssn(n: &Ssn) -> String {
    n.to_string()
}

fn display_net(n: &LifNetwork) -> String {
    n.to_string()
}

fn network_from_map(m: &Map) -> RResult<LifNetwork> {
    const F: &str = "network_params";
    let o: NetworkOpts = from_map(m, &[]).map_err(|e| rt_err(F, e))?;
    o.network().map_err(err(F))
}

fn ssn_from_map(m: &Map) -> RResult<Ssn> {
    const F: &str = "ssn";
    let o: SsnOpts = from_map(m, &["f"]).map_err(|e| rt_err(F, e))?;
    let arr = m
        .get("f")
        .ok_or_else(|| {
            rt_err(
                F,
                "option `f` (array of PowerLaw, one per population) is required",
            )
        })?
        .clone()
        .into_array()
        .map_err(|_| rt_err(F, "option `f` must be an array of PowerLaw values"))?;
    let f: Vec<PowerLaw> = arr
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.clone().try_cast::<PowerLawObj>().map(|p| p.law).ok_or_else(|| {
                rt_err(F, format!("f[{i}] is a {}, expected a PowerLaw (from power_law(a, b, n) or fit_power_law)", v.type_name()))
            })
        })
        .collect::<RResult<_>>()?;
    o.ssn(f).map_err(err(F))
}

fn mu_r(net: &Ssn, mu: &Dynamic, r: &Dynamic, func: &str) -> RResult<Vec<f64>> {
    let m = num(mu, func, "mu")?;
    let r = num(r, func, "r")?;
    if !net.is_ei() {
        return Err(rt_err(
            func,
            "(mu, r) inputs need an E-I pair; pass an array of inputs instead",
        ));
    }
    Ok(vec![m, r * m])
}

/// Registers the theory API.
pub fn register(api: &mut Api) {
    register_part1(api);
    register_part2(api);
    register_part3(api);
    register_part4(api);
    register_part5(api);
    register_part6(api);
    register_part7(api);
    register_part8(api);
}

/// Registration, part 1 of 8.
fn register_part1(api: &mut Api) {
    // ---------------------------------------------------------------- Lif
    api.ty::<Lif>(
        "Lif",
        "A leaky integrate-and-fire neuron in the paper's units: dV/dt = -V/tau + I, input mean mu in mV/s, noise sigma in mV/sqrt(s).\n\n```rhai\nlet e = lif(#{ tau: 20 });\nprint(e);\n```",
        |l| format!("Lif(tau = {} ms, theta = {} mV, v_reset = {} mV, t_ref = {} ms)", l.tau, l.theta, l.v_reset, l.t_ref),
    );
    api.func(
        "lif",
        &["params: map"],
        "Lif",
        &format!("A LIF neuron.\n\n{}\n```rhai\nlet e = lif(#{{ tau: 20, theta: 1, v_reset: 0, t_ref: 0 }});\nlet i = lif(#{{ tau: 10 }});\nlet cortical = lif(#{{ tau: 20, theta: 20, v_reset: 10, t_ref: 2 }});\n```", LifOpts::table()),
        |m: Map| -> RResult<Lif> {
            let o: LifOpts = from_map(&m, &[]).map_err(|e| rt_err("lif", e))?;
            o.neuron().map_err(err("lif"))
        },
    );
    api.func("lif", &[], "Lif", "A LIF neuron with the paper's defaults (tau 20 ms, theta 1 mV, v_reset 0, t_ref 0).\n\n```rhai\nprint(lif().rate(50, 3));\n```", Lif::default);
    api.method(
        "Lif",
        "rate",
        &["mu: number|array", "sigma: number"],
        "float|array",
        "Ricciardi/Siegert stationary rate (Hz) for input mean mu (mV/s) and noise sigma (mV/sqrt(s)); sigma = 0 gives the deterministic rate. Accurate to ~1e-11 relative, down to rates of 1e-300 Hz.\n\n```rhai\nlet e = lif(#{ tau: 20 });\nprint(e.rate(50, 3));            // 26.605 Hz\nprint(e.rate([0, 10, 20], 3));\n```",
        |l: &mut Lif, mu: Dynamic, sigma: Dynamic| -> RResult<Dynamic> {
            let s = num(&sigma, "Lif.rate", "sigma")?;
            let l = l.clone();
            NumOrVec::read(&mu, "Lif.rate", "mu")?.map(|m| l.rate(m, s).map_err(err("Lif.rate")))
        },
    );
    api.method(
        "Lif",
        "log_rate",
        &["mu: number|array", "sigma: number"],
        "float|array",
        "Natural log of the rate (useful far below threshold, where the rate underflows).\n\n```rhai\nprint(lif().log_rate(-1e4, 3));\n```",
        |l: &mut Lif, mu: Dynamic, sigma: Dynamic| -> RResult<Dynamic> {
            let s = num(&sigma, "Lif.log_rate", "sigma")?;
            let l = l.clone();
            NumOrVec::read(&mu, "Lif.log_rate", "mu")?.map(|m| l.log_rate(m, s).map_err(err("Lif.log_rate")))
        },
    );
    api.method(
        "Lif",
        "rate_deriv",
        &["mu: number|array", "sigma: number"],
        "float|array",
        "dPhi/dmu in Hz per mV/s (closed form).\n\n```rhai\nprint(lif().rate_deriv(20, 3));\n```",
        |l: &mut Lif, mu: Dynamic, sigma: Dynamic| -> RResult<Dynamic> {
            let s = num(&sigma, "Lif.rate_deriv", "sigma")?;
            let l = l.clone();
            NumOrVec::read(&mu, "Lif.rate_deriv", "mu")?
                .map(|m| l.rate_deriv(m, s).map_err(err("Lif.rate_deriv")))
        },
    );
    api.method(
        "Lif",
        "fit_power_law",
        &["sigma: number"],
        "PowerLaw",
        "Fits nu = a (mu - b)_+^n to the rate by the paper's procedure: mu from -50 to 150 mV/s in steps of 0.5, points with rate < 10 Hz, bounded least squares from a dense grid (no initial guess).\n\n```rhai\nlet pe = lif(#{ tau: 20 }).fit_power_law(3);\nprint(`a = ${pe.a}, b = ${pe.b}, n = ${pe.n}, rmse = ${pe.rmse} Hz`);\n```",
        |l: &mut Lif, sigma: Dynamic| -> RResult<PowerLawObj> {
            let s = num(&sigma, "Lif.fit_power_law", "sigma")?;
            let f = fit_lif(l, s, (-50.0, 150.0, 0.5), 10.0).map_err(err("Lif.fit_power_law"))?;
            Ok(PowerLawObj { law: f.law, rmse: f.rmse, max_err: f.max_err, condition: f.condition, ill: f.ill_conditioned })
        },
    );
    api.method(
        "Lif",
        "fit_power_law",
        &["sigma: number", "opts: map"],
        "PowerLaw",
        &format!("Power-law fit to the transfer function Phi at noise sigma (reference section 3.2): least squares over the mu grid points with rates up to max_rate.\n\n{}\n```rhai\nlet p = lif(#{{ tau: 10 }}).fit_power_law(3, #{{ max_rate: 20 }});\nprint(p);\n```", FitLifOpts::table()),
        |l: &mut Lif, sigma: Dynamic, m: Map| -> RResult<PowerLawObj> {
            const F: &str = "Lif.fit_power_law";
            let o: FitLifOpts = from_map(&m, &[]).map_err(|e| rt_err(F, e))?;
            let s = num(&sigma, F, "sigma")?;
            let f = fit_lif(l, s, (o.mu[0].0, o.mu[1].0, o.mu[2].0), o.max_rate.0).map_err(err(F))?;
            Ok(PowerLawObj { law: f.law, rmse: f.rmse, max_err: f.max_err, condition: f.condition, ill: f.ill_conditioned })
        },
    );
    api.method(
        "Lif",
        "simulate_rate",
        &["mu: number|array", "sigma: number", "opts: map"],
        "map",
        &format!("F-I curve by direct simulation of independent neurons with white-noise input (exact OU update). Returns #{{ mu, rate, sem }}.\n\n{}\n```rhai\nlet r = lif().simulate_rate([30, 50], 3, #{{ n: 20, duration: 1000, dt: 0.05 }});\nprint(r.rate);\n```", FiSimOpts::table()),
        |l: &mut Lif, mu: Dynamic, sigma: Dynamic, m: Map| -> RResult<Map> {
            const F: &str = "Lif.simulate_rate";
            let opts = FiSimOptions::from(&from_map::<FiSimOpts>(&m, &[]).map_err(|e| rt_err(F, e))?);
            let s = num(&sigma, F, "sigma")?;
            let mus = match NumOrVec::read(&mu, F, "mu")? {
                NumOrVec::One(x) => vec![x],
                NumOrVec::Many(v) => v,
            };
            let (mut rate, mut sem) = (Vec::new(), Vec::new());
            for &x in &mus {
                let (r, e) = l.simulate_rate(x, s, &opts).map_err(err(F))?;
                rate.push(r);
                sem.push(e);
            }
            Ok(map_of(vec![("mu", to_array(&mus).into()), ("rate", to_array(&rate).into()), ("sem", to_array(&sem).into())]))
        },
    );
}

/// Registration, part 2 of 8.
fn register_part2(api: &mut Api) {
    api.get(
        "Lif",
        "tau",
        "float",
        "Membrane time constant (ms).",
        |l: &mut Lif| l.tau,
    );
    api.get("Lif", "theta", "float", "Threshold (mV).", |l: &mut Lif| {
        l.theta
    });
    api.get(
        "Lif",
        "v_reset",
        "float",
        "Reset potential (mV).",
        |l: &mut Lif| l.v_reset,
    );
    api.get(
        "Lif",
        "t_ref",
        "float",
        "Refractory period (ms).",
        |l: &mut Lif| l.t_ref,
    );

    // ---------------------------------------------------------------- PowerLaw
    api.ty::<PowerLawObj>(
        "PowerLaw",
        "A threshold power law nu = a (mu - b)_+^n (Eq 1): a in Hz (mV/s)^-n, b in mV/s.\n\n```rhai\nprint(power_law(1.0792e-4, -11.1425, 3.0814));\n```",
        |p| {
            let mut s = format!("PowerLaw(a = {:.6e}, b = {:.5} mV/s, n = {:.5})", p.law.a, p.law.b, p.law.n);
            if p.rmse.is_finite() {
                s.push_str(&format!(" fit: rmse = {:.4} Hz, max error = {:.4} Hz, condition = {:.2e}{}", p.rmse, p.max_err, p.condition, if p.ill { " (ILL-CONDITIONED)" } else { "" }));
            }
            s
        },
    );
    api.func(
        "power_law",
        &["a: number", "b: number", "n: number"],
        "PowerLaw",
        "A power law nu = a (mu - b)_+^n.\n\n```rhai\nlet pe = power_law(1.0792e-4, -11.1425, 3.0814);\nprint(pe.rate(20));\n```",
        |a: Dynamic, b: Dynamic, n: Dynamic| -> RResult<PowerLawObj> {
            let f = "power_law";
            Ok(PowerLaw::new(num(&a, f, "a")?, num(&b, f, "b")?, num(&n, f, "n")?).map_err(err("power_law"))?.into())
        },
    );
    api.func(
        "fit_power_law",
        &["mu: array", "nu: array"],
        "PowerLaw",
        "Least-squares fit of nu = a (mu - b)_+^n to data points (bounds n in [1, 10], b in [-2|min mu|, max mu]).\n\n```rhai\nlet mu = linspace(0, 40, 41);\nlet nu = power_law(1e-3, 5, 2.5).rate(mu);\nprint(fit_power_law(mu, nu));\n```",
        |mu: Dynamic, nu: Dynamic| -> RResult<PowerLawObj> {
            let f = "fit_power_law";
            let r = fit_power_law(&num_vec(&mu, f, "mu")?, &num_vec(&nu, f, "nu")?, &FitOptions::default()).map_err(err(f))?;
            Ok(PowerLawObj { law: r.law, rmse: r.rmse, max_err: r.max_err, condition: r.condition, ill: r.ill_conditioned })
        },
    );
    api.func(
        "power_law_grid",
        &["opts: map"],
        "map",
        &format!("Fig 1C: power-law fits over a grid of tau (ms) and sigma (mV/sqrt(s)), computed in parallel. Returns #{{ tau, sigma, a, b, n, rmse, ill_conditioned }} with a, b, n, ... as rows over tau of columns over sigma.\n\n{}\n```rhai\nlet g = power_law_grid(#{{ tau: [10, 20, 3], sigma: [2, 4, 3] }});\nprint(g.n[2][1]);   // tau = 20, sigma = 3: about 3.08\n```", GridOpts::table()),
        |m: Map| -> RResult<Map> {
            const F: &str = "power_law_grid";
            let o: GridOpts = from_map(&m, &[]).map_err(|e| rt_err(F, e))?;
            let (taus, sigmas) = o.axes().map_err(err(F))?;
            let g = crate::neuron::powerlaw::fit_grid(&taus, &sigmas, o.theta.0, o.v_reset.0, o.t_ref.0)
                .map_err(err(F))?;
            let field = |f: &dyn Fn(&crate::neuron::PowerLawFit) -> Dynamic| -> Array {
                g.iter().map(|row| Dynamic::from_array(row.iter().map(f).collect())).collect()
            };
            Ok(map_of(vec![
                ("tau", to_array(&taus).into()),
                ("sigma", to_array(&sigmas).into()),
                ("a", field(&|p| p.law.a.into()).into()),
                ("b", field(&|p| p.law.b.into()).into()),
                ("n", field(&|p| p.law.n.into()).into()),
                ("rmse", field(&|p| p.rmse.into()).into()),
                ("ill_conditioned", field(&|p| p.ill_conditioned.into()).into()),
            ]))
        },
    );
    api.method(
        "PowerLaw",
        "rate",
        &["mu: number|array"],
        "float|array",
        "nu(mu) in Hz.\n\n```rhai\nprint(power_law(1e-4, -11, 3).rate([0, 10]));\n```",
        |p: &mut PowerLawObj, mu: Dynamic| -> RResult<Dynamic> {
            let l = p.law;
            NumOrVec::read(&mu, "PowerLaw.rate", "mu")?
                .map(|m| finite_law("PowerLaw.rate", m, l.rate(m)))
        },
    );
    api.method(
        "PowerLaw",
        "deriv",
        &["mu: number|array"],
        "float|array",
        "d nu / d mu (Hz per mV/s).\n\n```rhai\nprint(power_law(1e-4, -11, 3).deriv(10));\n```",
        |p: &mut PowerLawObj, mu: Dynamic| -> RResult<Dynamic> {
            let l = p.law;
            NumOrVec::read(&mu, "PowerLaw.deriv", "mu")?
                .map(|m| finite_law("PowerLaw.deriv", m, l.deriv(m)))
        },
    );
}

/// Registration, part 3 of 8.
fn register_part3(api: &mut Api) {
    api.method(
        "PowerLaw",
        "inverse",
        &["nu: number|array"],
        "float|array",
        "The input mu giving rate nu >= 0: b + (nu/a)^(1/n).\n\n```rhai\nlet p = power_law(1e-4, -11, 3);\nprint(p.inverse(p.rate(25)));   // 25\n```",
        |p: &mut PowerLawObj, nu: Dynamic| -> RResult<Dynamic> {
            let l = p.law;
            NumOrVec::read(&nu, "PowerLaw.inverse", "nu")?.map(|v| l.inverse(v).map_err(err("PowerLaw.inverse")))
        },
    );
    api.get(
        "PowerLaw",
        "a",
        "float",
        "Gain a (Hz (mV/s)^-n).",
        |p: &mut PowerLawObj| p.law.a,
    );
    api.get(
        "PowerLaw",
        "b",
        "float",
        "Threshold b (mV/s).",
        |p: &mut PowerLawObj| p.law.b,
    );
    api.get(
        "PowerLaw",
        "n",
        "float",
        "Exponent n.",
        |p: &mut PowerLawObj| p.law.n,
    );
    api.get(
        "PowerLaw",
        "rmse",
        "float",
        "RMS residual of the fit (Hz; NaN if not fitted).",
        |p: &mut PowerLawObj| p.rmse,
    );
    api.get(
        "PowerLaw",
        "max_err",
        "float",
        "Largest absolute residual of the fit (Hz).",
        |p: &mut PowerLawObj| p.max_err,
    );
    api.get(
        "PowerLaw",
        "condition",
        "float",
        "Condition number of the fit's Gauss-Newton Hessian (scaled).",
        |p: &mut PowerLawObj| p.condition,
    );
    api.get(
        "PowerLaw",
        "ill_conditioned",
        "bool",
        "True when the fit optimum is ill-conditioned or on a bound.",
        |p: &mut PowerLawObj| p.ill,
    );

    // ---------------------------------------------------------------- Ssn
    api.ty::<Ssn>(
        "Ssn",
        "A stabilised supralinear network: power-law populations coupled by J (magnitudes, signs from the population types).\n\n```rhai\nlet net = paper_network(\"fig2\").to_ssn();\nprint(net);\n```",
        display_ssn,
    );
    api.func(
        "ssn",
        &["params: map"],
        "Ssn",
        &format!("An SSN: f (array of PowerLaw, one per population; required) and the options below.\n\n{}\n```rhai\nlet pe = power_law(1.079e-4, -11.14, 3.081);\nlet pi = power_law(2.210e-6, 4.77, 3.815);\nlet net = ssn(#{{ f: [pe, pi], J: [[2, 12], [6, 1]] }});\nprint(net.det);\n```", SsnOpts::table()),
        |m: Map| ssn_from_map(&m),
    );
    api.method(
        "Ssn",
        "steady_states",
        &["mu: number", "r: number"],
        "array",
        "All steady states at mu_E = mu, mu_I = r mu (E-I pair), sorted by nu_E. Each is #{ nu, mu, stable, isn, supersaturating, dnu_e_dmu, eig, residual, at_fold }. An empty array means no steady state (certified for the E-I pair: activity diverges); `analyze` says whether the search is certified.\n\n```rhai\nlet net = paper_network(\"bistable\").to_ssn();\nfor s in net.steady_states(3, 1) { print(`${s.nu} stable=${s.stable} isn=${s.isn}`); }\n```",
        |n: &mut Ssn, mu: Dynamic, r: Dynamic| -> RResult<Array> {
            let input = mu_r(n, &mu, &r, "Ssn.steady_states")?;
            let s = n.steady_states(&input, None).map_err(err("Ssn.steady_states"))?;
            Ok(s.states.iter().map(|x| Dynamic::from_map(state_map(x))).collect())
        },
    );
    api.method(
        "Ssn",
        "steady_states",
        &["mu_ext: array"],
        "array",
        "All steady states for an input per population (any P; for P > 2 every active set of populations is searched by multi-start Newton, completeness not certified; `analyze` reports it).\n\n```rhai\nlet net = paper_network(\"fig2\").to_ssn();\nprint(net.steady_states([20, 20]).len());\n```",
        |n: &mut Ssn, mu: Array| -> RResult<Array> {
            let input = num_vec(&Dynamic::from_array(mu), "Ssn.steady_states", "mu_ext")?;
            let s = n.steady_states(&input, None).map_err(err("Ssn.steady_states"))?;
            Ok(s.states.iter().map(|x| Dynamic::from_map(state_map(x))).collect())
        },
    );
}

/// Registration, part 4 of 8.
fn register_part4(api: &mut Api) {
    api.method(
        "Ssn",
        "analyze",
        &["mu: number", "r: number"],
        "map",
        "Steady states plus what the solver certifies: #{ states, n_states, n_stable, det, parity_ok, complete, no_steady_state, regime }.\n\n```rhai\nlet a = paper_network(\"negative_det\").to_ssn().analyze(30, 1);\nprint(a.regime);\n```",
        |n: &mut Ssn, mu: Dynamic, r: Dynamic| -> RResult<Map> {
            let input = mu_r(n, &mu, &r, "Ssn.analyze")?;
            let s = n.steady_states(&input, None).map_err(err("Ssn.analyze"))?;
            let regime = crate::rate::regime::Regime::of(&s).to_string();
            Ok(map_of(vec![
                ("states", s.states.iter().map(|x| Dynamic::from_map(state_map(x))).collect::<Array>().into()),
                ("n_states", (s.states.len() as i64).into()),
                ("n_stable", (s.n_stable() as i64).into()),
                ("det", s.det.into()),
                ("parity_ok", s.parity_ok.into()),
                ("complete", s.complete.into()),
                ("no_steady_state", s.states.is_empty().into()),
                ("regime", regime.into()),
            ]))
        },
    );
    api.method(
        "Ssn",
        "conditions",
        &["r: number"],
        "map",
        "Closed-form regime conditions at input ratio r: det, supersaturation_possible (r > J_II/J_EI, Eq 4), r_supersaturation, nu_i_peak (Eq S6), nu_isn (Eq 7), balanced_slope [nu_E/mu, nu_I/mu] (Eq S1), balanced_exists (S2), balanced_stable (S4).\n\n```rhai\nlet c = paper_network(\"allen\").to_ssn().conditions(1);\nprint(`ISN needs nu_E > ${c.nu_isn} Hz`);\n```",
        |n: &mut Ssn, r: Dynamic| -> RResult<Map> {
            let r = fnum(&r, "Ssn.conditions", "r")?;
            let c = conditions(n, r).map_err(err("Ssn.conditions"))?;
            Ok(map_of(vec![
                ("det", c.det.into()),
                ("supersaturation_possible", c.supersaturation_possible.into()),
                ("r_supersaturation", c.r_supersaturation.into()),
                ("nu_i_peak", c.nu_i_peak.map_or(Dynamic::UNIT, Dynamic::from_float)),
                ("nu_isn", c.nu_isn.into()),
                ("balanced_slope", to_array(&[c.balanced_slope.0, c.balanced_slope.1]).into()),
                ("balanced_exists", c.balanced_exists.into()),
                ("balanced_stable", c.balanced_stable.into()),
            ]))
        },
    );
    api.method(
        "Ssn",
        "response",
        &["opts: map"],
        "map",
        &format!("Response curves along mu_I = r mu_E. Returns #{{ mu, up, down (nu_E followed on a slow ramp up and down), all (every steady state: #{{mu, nu_e, nu_i, stable}}), peak #{{mu, nu_e, nu_i}} or (), bistable, no_state (arrays of [lo, hi] ranges) }}.\n\n{}\n```rhai\nlet c = paper_network(\"bistable\").to_ssn().response(#{{ mu: [0, 6, 61], r: 1 }});\nprint(c.bistable);\n```", ResponseOpts::table()),
        |n: &mut Ssn, m: Map| -> RResult<Map> {
            const F: &str = "Ssn.response";
            let o: ResponseOpts = from_map(&m, &[]).map_err(|e| rt_err(F, e))?;
            let mu = o.mu_axis().map_err(err(F))?;
            let r = o.r.0;
            let res = response(n, r, &mu).map_err(err(F))?;
            let all: Array = res
                .all
                .iter()
                .map(|p| {
                    Dynamic::from_map(map_of(vec![
                        ("mu", p.mu.into()),
                        ("nu_e", p.nu[0].into()),
                        ("nu_i", p.nu[1].into()),
                        ("stable", p.stable.into()),
                    ]))
                })
                .collect();
            let rng = |v: &[(f64, f64)]| -> Array { v.iter().map(|(a, b)| Dynamic::from_array(to_array(&[*a, *b]))).collect() };
            Ok(map_of(vec![
                ("mu", to_array(&res.mu).into()),
                ("up", to_array(&res.up).into()),
                ("down", to_array(&res.down).into()),
                ("all", all.into()),
                (
                    "peak",
                    res.peak.map_or(Dynamic::UNIT, |(m, e, i)| {
                        Dynamic::from_map(map_of(vec![("mu", m.into()), ("nu_e", e.into()), ("nu_i", i.into())]))
                    }),
                ),
                ("bistable", rng(&res.bistable).into()),
                ("no_state", rng(&res.no_state).into()),
            ]))
        },
    );
    api.method(
        "Ssn",
        "peak",
        &["r: number", "mu_lo: number", "mu_hi: number"],
        "map",
        "The supersaturation peak of the stable E rate on [mu_lo, mu_hi] refined to dnu_E/dmu = 0: #{ mu, nu_e, nu_i }, or () when the rate has no interior maximum.\n\n```rhai\nlet p = paper_network(\"fig2\").to_ssn().peak(1, 0, 50);\nprint(p);\n```",
        |n: &mut Ssn, r: Dynamic, lo: Dynamic, hi: Dynamic| -> RResult<Dynamic> {
            const F: &str = "Ssn.peak";
            let p = peak(n, num(&r, F, "r")?, num(&lo, F, "mu_lo")?, num(&hi, F, "mu_hi")?).map_err(err(F))?;
            Ok(p.map_or(Dynamic::UNIT, |(m, e, i)| {
                Dynamic::from_map(map_of(vec![("mu", m.into()), ("nu_e", e.into()), ("nu_i", i.into())]))
            }))
        },
    );
    api.method(
        "Ssn",
        "peak_control",
        &["f: number"],
        "Ssn",
        "Fig 2B peak control: J_EI -> f J_EI and J_IE -> J_IE / f (use with r / f). Keeps r J_EI, hence nu_I at the peak, and raises the E peak for f > 1.\n\n```rhai\nlet net = paper_network(\"fig2\").to_ssn();\nprint(net.peak_control(1.25).peak(0.8, 0, 50).nu_e);   // ~3.35 Hz\n```",
        |n: &mut Ssn, f: Dynamic| -> RResult<Ssn> {
            let f = num(&f, "Ssn.peak_control", "f")?;
            n.peak_control(f).map_err(err("Ssn.peak_control"))
        },
    );
}

/// Registration, part 5 of 8.
fn register_part5(api: &mut Api) {
    api.method(
        "Ssn",
        "design_inputs",
        &["nu_e: number|array", "nu_i: number|array"],
        "map",
        "Inverts the steady-state equations (Eq 5-6): the inputs mu_E, mu_I that make the target rates a steady state. Returns #{ mu_e, mu_i } (arrays if the targets are arrays). Targets must be > 0 Hz; the error names the first infeasible index.\n\n```rhai\nlet net = paper_network(\"fig2\").to_ssn();\nlet d = net.design_inputs([2, 4], [1, 3]);\nprint(d.mu_e);\n```",
        |n: &mut Ssn, ne: Dynamic, ni: Dynamic| -> RResult<Map> {
            const F: &str = "Ssn.design_inputs";
            let scalar = !ne.is_array() && !ni.is_array();
            let ev = match NumOrVec::read(&ne, F, "nu_e")? { NumOrVec::One(x) => vec![x], NumOrVec::Many(v) => v };
            let iv = match NumOrVec::read(&ni, F, "nu_i")? { NumOrVec::One(x) => vec![x], NumOrVec::Many(v) => v };
            if ev.len() != iv.len() {
                return Err(rt_err(F, format!("nu_e has {} values but nu_i has {}", ev.len(), iv.len())));
            }
            let targets: Vec<Vec<f64>> = ev.iter().zip(&iv).map(|(a, b)| vec![*a, *b]).collect();
            let mu = design::design_inputs(n, &targets, None).map_err(err(F))?;
            let me: Vec<f64> = mu.iter().map(|v| v[0]).collect();
            let mi: Vec<f64> = mu.iter().map(|v| v[1]).collect();
            Ok(if scalar {
                map_of(vec![("mu_e", me[0].into()), ("mu_i", mi[0].into())])
            } else {
                map_of(vec![("mu_e", to_array(&me).into()), ("mu_i", to_array(&mi).into())])
            })
        },
    );
    api.method(
        "Ssn",
        "design_inputs",
        &["target: fn(t) -> [nu_e, nu_i]", "times: array"],
        "map",
        "Input design for a target given as a function of time t (ms): returns #{ t, nu_e, nu_i, mu_e, mu_i }; the error names the first time with an infeasible target.\n\n```rhai\nlet net = paper_network(\"fig2\").to_ssn();\nlet d = net.design_inputs(|t| [3 + sin(t / 100.0), 2.0], linspace(0, 1000, 11));\nprint(d.mu_i);\n```",
        |ctx: NativeCallContext, n: &mut Ssn, f: FnPtr, times: Array| -> RResult<Map> {
            const F: &str = "Ssn.design_inputs";
            let ts = num_vec(&Dynamic::from_array(times), F, "times")?;
            let mut targets = Vec::with_capacity(ts.len());
            for &t in &ts {
                let v: Dynamic = f.call_within_context(&ctx, (t,))?;
                let nu = num_vec(&v, F, "target(t)")?;
                if nu.len() != n.size() {
                    return Err(rt_err(F, format!("target(t) must return {} rates, got {}", n.size(), nu.len())));
                }
                targets.push(nu);
            }
            let mu = design::design_inputs(n, &targets, Some(&ts)).map_err(err(F))?;
            let col = |v: &[Vec<f64>], k: usize| -> Array { to_array(&v.iter().map(|r| r[k]).collect::<Vec<_>>()) };
            Ok(map_of(vec![
                ("t", to_array(&ts).into()),
                ("nu_e", col(&targets, 0).into()),
                ("nu_i", col(&targets, 1).into()),
                ("mu_e", col(&mu, 0).into()),
                ("mu_i", col(&mu, 1).into()),
            ]))
        },
    );
    api.method(
        "Ssn",
        "design_weight",
        &["which: string", "nu: array", "mu_ext: array"],
        "float",
        "Solves for one coupling magnitude (\"J_EE\", \"J_EI\", \"J_IE\" or \"J_II\") that makes the rates nu a steady state under input mu_ext.\n\n```rhai\nlet net = paper_network(\"fig2\").to_ssn();\nprint(net.design_weight(\"J_EI\", [2.0, 1.0], [20, 20]));\n```",
        |n: &mut Ssn, which: &str, nu: Array, mu: Array| -> RResult<f64> {
            const F: &str = "Ssn.design_weight";
            let (x, y) = coupling_index(which).map_err(err(F))?;
            let nu = num_vec(&Dynamic::from_array(nu), F, "nu")?;
            let mu = num_vec(&Dynamic::from_array(mu), F, "mu_ext")?;
            design::design_weight(n, x, y, &nu, &mu).map_err(err(F))
        },
    );
    api.method(
        "Ssn",
        "regime_map",
        &["opts: map"],
        "RegimeMap",
        "Regime map over a 2-D grid, computed in parallel. Give two axes as [lo, hi, n] among mu, r, J_EE, J_EI, J_IE, J_II (default mu: [0, 50, 101], r: [0, 5, 101]); fixed values of the others as numbers (e.g. r: 1).\n\n```rhai\nlet m = paper_network(\"bistable\").to_ssn().regime_map(#{ mu: [0, 15, 31], r: [0, 5, 21] });\nprint(m.count(\"bistable\"));\n```",
        |n: &mut Ssn, m: Map| -> RResult<RegimeMap> {
            const F: &str = "Ssn.regime_map";
            let o = Opts::new(&m, F, &MAP_PARAMS)?;
            let (mut axes, mut fixed) = (Vec::new(), Vec::new());
            for k in MAP_PARAMS {
                match o.raw(k) {
                    Some(v) if v.is_array() => axes.push((k.to_string(), grid3(&o, k, F, None)?.unwrap_or_default())),
                    Some(v) => fixed.push((k.to_string(), num(v, F, k)?)),
                    None => {}
                }
            }
            ssn_regime_map(n, &axes, &fixed).map_err(err(F))
        },
    );
}

/// Registration, part 6 of 8.
fn register_part6(api: &mut Api) {
    api.method(
        "Ssn",
        "simulate",
        &["opts: map"],
        "TimeCourse",
        &format!("Integrates the rate dynamics (RK4, every step recorded). Input mu (mV/s): a number (mu_E; mu_I = r mu), an array per population, or fn(t) -> array (default 0). Returns a TimeCourse (pop_rates in Hz; rates = mean over the whole run).\n\n{}\n```rhai\nlet net = paper_network(\"fig2\").to_ssn();\nlet tr = net.simulate(#{{ mu: 20, r: 1, duration: 500 }});\nprint(tr.pop_rates[0][-1]);\nassert(tr.status == \"finished\");\n```", SimulateOpts::table()),
        |ctx: NativeCallContext, n: &mut Ssn, m: Map| -> RResult<TimeCourse> {
            const F: &str = "Ssn.simulate";
            let so: SimulateOpts = from_map(&m, &["mu"]).map_err(|e| rt_err(F, e))?;
            let steps = so.steps().map_err(err(F))?;
            let p = n.size();
            let nu0 = so.nu0.as_ref().map_or(vec![0.0; p], |v| v.iter().map(|x| x.0).collect());
            let (dur, dt, cap, r) = (so.duration.0, so.dt.0, so.cap.0, so.r.0);
            let res = match m.get("mu") {
                Some(v) if v.is_fnptr() => {
                    let f = v.clone().cast::<FnPtr>();
                    // Sample the input on the step grid first (script callbacks are not Sync).
                    let mut table = Vec::with_capacity(2 * steps + 2);
                    for k in 0..=2 * steps {
                        let t = 0.5 * dt * k as f64;
                        let v: Dynamic = f.call_within_context(&ctx, (t,))?;
                        table.push(num_vec(&v, F, "mu(t)")?);
                    }
                    let look = move |t: f64| -> Vec<f64> {
                        let k = ((t / (0.5 * dt)).round() as usize).min(table.len() - 1);
                        table[k].clone()
                    };
                    n.simulate(&nu0, &look, dur, dt, cap)
                }
                Some(v) if v.is_array() => {
                    let mu = num_vec(v, F, "mu")?;
                    n.simulate(&nu0, &move |_| mu.clone(), dur, dt, cap)
                }
                other => {
                    let mu = other.map(|v| num(v, F, "mu")).transpose()?.unwrap_or(0.0);
                    n.simulate(&nu0, &move |_| vec![mu, r * mu], dur, dt, cap)
                }
            }
            .map_err(err(F))?;
            Ok(n.time_course(res))
        },
    );
    api.get(
        "Ssn",
        "det",
        "float",
        "det J = J_EI J_IE - J_EE J_II (E-I pair).",
        |n: &mut Ssn| n.det(),
    );
    api.get(
        "Ssn",
        "J",
        "array",
        "Coupling magnitudes J[X][Y] (mV).",
        |n: &mut Ssn| to_matrix(&n.j),
    );
    api.get(
        "Ssn",
        "tau",
        "array",
        "Population time constants (ms).",
        |n: &mut Ssn| to_array(&n.tau),
    );
    api.get(
        "Ssn",
        "f",
        "array",
        "Transfer functions (PowerLaw per population).",
        |n: &mut Ssn| {
            n.f.iter()
                .map(|f| Dynamic::from(PowerLawObj::from(*f)))
                .collect::<Array>()
        },
    );

    // ---------------------------------------------------------------- RegimeMap
    api.ty::<RegimeMap>(
        "RegimeMap",
        "A regime map: per grid cell the number of steady states and stable ones, ISN, supersaturation, balanced limit, no steady state.\n\n```rhai\nlet m = paper_network(\"fig2\").to_ssn().regime_map(#{ mu: [0, 50, 11], r: [0, 2, 5] });\nprint(m);\n```",
        |m| m.to_string(),
    );
    api.method(
        "RegimeMap",
        "to_csv",
        &["path: string"],
        "",
        "Writes one CSV row per cell (x, y, n_states, n_stable, isn, supersaturating, balanced_exists, balanced_stable, no_steady_state, complete, nu_e_hz, nu_i_hz, regime).\n\n```rhai\nlet m = paper_network(\"fig2\").to_ssn().regime_map(#{ mu: [0, 50, 5], r: [0, 2, 3] });\nlet f = `${tmp_dir()}/map.csv`;\nm.to_csv(f);\n```",
        |m: &mut RegimeMap, path: &str| -> RResult<()> {
            let p = std::path::Path::new(path);
            crate::io::check_writable(p, false).map_err(err("RegimeMap.to_csv"))?;
            m.to_csv(p).map_err(err("RegimeMap.to_csv"))?;
            crate::io::write_meta(p, "csv", serde_json::json!({"x": m.x_name, "y": m.y_name, "nx": m.xs.len(), "ny": m.ys.len()}))
                .map_err(err("RegimeMap.to_csv"))
        },
    );
    api.method(
        "RegimeMap",
        "at",
        &["x: number", "y: number"],
        "map",
        "The cell nearest to (x, y) as a map.\n\n```rhai\nlet m = paper_network(\"bistable\").to_ssn().regime_map(#{ mu: [0, 15, 31], r: [0, 5, 11] });\nprint(m.at(3, 1).regime);\n```",
        |m: &mut RegimeMap, x: Dynamic, y: Dynamic| -> RResult<Map> {
            let c = m
                .at(num(&x, "RegimeMap.at", "x")?, num(&y, "RegimeMap.at", "y")?)
                .ok_or_else(|| rt_err("RegimeMap.at", "the map is empty"))?;
            let mut cell = to_map(c);
            cell.insert("regime".into(), c.label().into());
            Ok(cell)
        },
    );
}

/// Registration, part 7 of 8.
fn register_part7(api: &mut Api) {
    api.method(
        "RegimeMap",
        "count",
        &["regime: string"],
        "int",
        "Number of cells with a regime label (\"non-ISN\", \"ISN\", \"supersaturating\", \"supersaturating ISN\", \"bistable\", \"no stable steady state\", \"no steady state\", \"none found (search not certified)\").\n\n```rhai\nlet m = paper_network(\"negative_det\").to_ssn().regime_map(#{ mu: [0, 50, 11], r: [0.5, 1, 2] });\nprint(m.count(\"no steady state\"));\n```",
        |m: &mut RegimeMap, label: &str| m.cells.iter().filter(|c| c.label() == label).count() as i64,
    );
    api.get(
        "RegimeMap",
        "xs",
        "array",
        "The x grid.",
        |m: &mut RegimeMap| to_array(&m.xs),
    );
    api.get(
        "RegimeMap",
        "ys",
        "array",
        "The y grid.",
        |m: &mut RegimeMap| to_array(&m.ys),
    );
    api.get(
        "RegimeMap",
        "labels",
        "array",
        "Regime label per cell, as rows over y of columns over x.",
        |m: &mut RegimeMap| {
            m.cells
                .chunks(m.xs.len().max(1))
                .map(|row| {
                    Dynamic::from_array(row.iter().map(|c| Dynamic::from(c.label())).collect())
                })
                .collect::<Array>()
        },
    );

    // ---------------------------------------------------------------- LifNetwork
    api.ty::<LifNetwork>(
        "LifNetwork",
        "Parameters of an E-I network of LIF neurons: N, p, j (mV per spike), tau, sigma, synapses. to_ssn() maps it to an SSN.\n\n```rhai\nprint(paper_network(\"fig2\"));\n```",
        display_net,
    );
    api.func(
        "paper_network",
        &["name: string"],
        "LifNetwork",
        "The networks of Ekelmans et al. 2023 (Table B): \"fig2\", \"fig2b_1.25\", \"fig2b_1.5\", \"allen\", \"allen_isn\", \"bistable\", \"negative_det\".\n\n```rhai\nlet p = paper_network(\"allen\");\nlet net = p.to_ssn();\nprint(net.conditions(1).nu_isn);\n```",
        |name: &str| paper_network(name).map_err(err("paper_network")),
    );
    api.func(
        "paper_networks",
        &[],
        "array",
        "Names accepted by paper_network.\n\n```rhai\nprint(paper_networks());\n```",
        || {
            PAPER_NETWORKS
                .iter()
                .map(|s| Dynamic::from(s.to_string()))
                .collect::<Array>()
        },
    );
    api.func(
        "network_params",
        &["params: map"],
        "LifNetwork",
        &format!("A custom LIF network: a paper network with parameters replaced. 2x2 matrices are [[EE, EI], [IE, II]] (post, pre).\n\n{}\n```rhai\nlet p = network_params(#{{ J: [[5, 10], [7, 11]], tau: [22, 10] }});\nprint(p.J);\n```", NetworkOpts::table()),
        |m: Map| network_from_map(&m),
    );
    api.method(
        "LifNetwork",
        "to_ssn",
        &[],
        "Ssn",
        "Maps the LIF network to an SSN: power laws fitted to each population's Ricciardi rate (paper procedure), J = N p j.\n\n```rhai\nlet net = paper_network(\"fig2\").to_ssn();\nprint(net.f[0]);\n```",
        |n: &mut LifNetwork| n.to_ssn().map_err(err("LifNetwork.to_ssn")),
    );
    api.method(
        "LifNetwork",
        "phisc",
        &["mu: number", "r: number"],
        "array",
        "All solutions [nu_E, nu_I] of the self-consistent LIF mean field nu_X = Phi_X(mu_X, sigma_X) (Eq 12-14) at mu_E = mu, mu_I = r mu (grid scan of 240 rates up to 500 Hz plus Brent refinement).\n\n```rhai\nprint(paper_network(\"fig2\").phisc(18.8, 1));\n```",
        |n: &mut LifNetwork, mu: Dynamic, r: Dynamic| -> RResult<Array> {
            let m = num(&mu, "LifNetwork.phisc", "mu")?;
            let r = num(&r, "LifNetwork.phisc", "r")?;
            let s = n.phisc(m, r * m, 500.0, 240).map_err(err("LifNetwork.phisc"))?;
            Ok(s.iter().map(|v| Dynamic::from_array(to_array(v))).collect())
        },
    );
    api.method(
        "LifNetwork",
        "scaled",
        &["n_total: int"],
        "LifNetwork",
        "The network at N neurons (same E:I ratio and p) with j proportional to 1/sqrt(N), so J grows as sqrt(N); drive it with mu_eff = sqrt(N) mu_tilde (Fig 6).\n\n```rhai\nlet big = paper_network(\"fig2\").scaled(40000);\nprint(big.J);\n```",
        |n: &mut LifNetwork, total: Dynamic| -> RResult<LifNetwork> {
            let t = count(&total, "LifNetwork.scaled", "n_total")?;
            n.scaled_to(t).map_err(err("LifNetwork.scaled"))
        },
    );
}

/// Registration, part 8 of 8.
fn register_part8(api: &mut Api) {
    api.method(
        "LifNetwork",
        "resized",
        &["n_total: int"],
        "LifNetwork",
        "The network at N neurons (same E:I ratio and p) with the same couplings J = N p j (j proportional to 1/N): same SSN, different finite-size effects. For quick versions of paper-scale runs.\n\n```rhai\nlet small = paper_network(\"fig2\").resized(1000);\nprint(small.J);\n```",
        |n: &mut LifNetwork, total: Dynamic| -> RResult<LifNetwork> {
            let t = count(&total, "LifNetwork.resized", "n_total")?;
            n.resized(t).map_err(err("LifNetwork.resized"))
        },
    );
    api.get(
        "LifNetwork",
        "name",
        "string",
        "Name.",
        |n: &mut LifNetwork| n.name.clone(),
    );
    api.get(
        "LifNetwork",
        "N",
        "array",
        "Population sizes [N_E, N_I].",
        |n: &mut LifNetwork| {
            vec![
                Dynamic::from_int(n.n[0] as i64),
                Dynamic::from_int(n.n[1] as i64),
            ]
        },
    );
    api.get(
        "LifNetwork",
        "p",
        "array",
        "Connection probabilities (2x2).",
        |n: &mut LifNetwork| to_matrix(&n.p.map(|r| r.to_vec())),
    );
    api.get(
        "LifNetwork",
        "j",
        "array",
        "Synaptic efficacies (2x2, mV per spike).",
        |n: &mut LifNetwork| to_matrix(&n.j.map(|r| r.to_vec())),
    );
    api.get(
        "LifNetwork",
        "J",
        "array",
        "Population couplings J = N p j (2x2, mV).",
        |n: &mut LifNetwork| to_matrix(&n.coupling().map(|r| r.to_vec())),
    );
    api.get(
        "LifNetwork",
        "tau",
        "array",
        "Membrane time constants [tau_E, tau_I] (ms).",
        |n: &mut LifNetwork| to_array(&n.tau),
    );
    api.get(
        "LifNetwork",
        "sigma",
        "array",
        "External noise [sigma_E, sigma_I] (mV/sqrt(s)).",
        |n: &mut LifNetwork| to_array(&n.sigma),
    );
    api.get(
        "LifNetwork",
        "r",
        "float",
        "The input ratio mu_I/mu_E used with this network in the paper.",
        |n: &mut LifNetwork| n.r,
    );
}
