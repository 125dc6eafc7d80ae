//! Rhai bindings of the spiking engine: networks, drives (signals), runs, sweeps and the
//! predicted-vs-simulated comparison.

use super::api::Api;
use super::convert::{
    Opts, RResult, count, describe, err, fnum, map_of, num, num_vec, rt_err, to_array, to_map,
    to_matrix,
};
use crate::numerics::stats::{acf_timescale, movmean};
use crate::options::{Documented, from_map};
use crate::rate::Ssn;
use crate::rate::lifnet::LifNetwork;
use crate::spiking::Signal;
use crate::spiking::build::{ConnectionOpts, CustomNetOpts, ExtraOpts, PopulationOpts};
use crate::spiking::engine::{Network, RunOptions, RunResult};
use crate::spiking::model::{NetSpec, Source, build_csr};
use crate::spiking::options::{RunOpts, SweepOpts};
use crate::spiking::protocol::{Comparison, SweepOptions, SweepResult, compare, sweep, to_ssn};
use rhai::{Array, Dynamic, Map};
use std::sync::{Arc, Mutex};

/// A spiking network as seen from scripts (cheap to clone).
#[derive(Debug, Clone)]
pub struct SpikingNet {
    net: Arc<Network>,
    origin: Option<LifNetwork>,
}

/// The result of one run (cheap to clone) and the metadata of the run (seed, options).
#[derive(Debug, Clone)]
pub struct SimResult {
    res: Arc<RunResult>,
    meta: serde_json::Value,
}

impl SimResult {
    /// The recorded data.
    pub fn inner(&self) -> &RunResult {
        &self.res
    }
    /// Network name, seed and run options, for file metadata.
    pub fn meta(&self) -> serde_json::Value {
        self.meta.clone()
    }
}

static LAST: Mutex<Option<SimResult>> = Mutex::new(None);

fn display_net(s: &SpikingNet) -> String {
    s.net.spec.to_string()
}

fn display_result(r: &SimResult) -> String {
    r.res.to_string()
}

fn display_signal(s: &Signal) -> String {
    s.to_string()
}

/// Reads a drive value: number, Signal, or #{t: [...], v: [...]}.
pub(crate) fn signal_of(v: &Dynamic, func: &str, param: &str) -> RResult<Signal> {
    if let Some(s) = v.clone().try_cast::<Signal>() {
        return Ok(s);
    }
    if v.is_map() {
        let m = v.clone().cast::<Map>();
        let o = Opts::new(&m, func, &["t", "v"])?;
        let t = o.opt_vec("t")?;
        let vv = o.opt_vec("v")?;
        return match (t, vv) {
            (Some(t), Some(vv)) => Signal::linear(t, vv).map_err(|e| rt_err(func, e)),
            _ => Err(rt_err(
                func,
                format!("`{param}` as a map needs both `t` (ms) and `v` arrays"),
            )),
        };
    }
    Ok(Signal::Const(num(v, func, param)?))
}

fn name_index(spec: &NetSpec, name: &str, func: &str) -> RResult<Source> {
    if let Some(i) = spec.pop_index(name) {
        return Ok(Source::Pop(i));
    }
    if let Some(i) = spec.poisson_index(name) {
        return Ok(Source::Poisson(i));
    }
    let mut names: Vec<String> = spec.pops.iter().map(|p| p.name.clone()).collect();
    names.extend(spec.poisson.iter().map(|p| p.name.clone()));
    Err(rt_err(
        func,
        format!(
            "unknown population {name:?}; the network has: {}",
            names.join(", ")
        ),
    ))
}

/// Per-population drives from `mu` (+ `r` / `ratio`).
fn drives(spec: &NetSpec, o: &Opts, func: &str, default_r: f64) -> RResult<Vec<Signal>> {
    let p = spec.pops.len();
    let Some(v) = o.raw("mu") else {
        return Ok(vec![Signal::Const(0.0); p]);
    };
    if v.is_map()
        && v.clone()
            .cast::<Map>()
            .keys()
            .any(|k| spec.pop_index(k).is_some())
    {
        let m = v.clone().cast::<Map>();
        let mut out = vec![Signal::Const(0.0); p];
        for (k, x) in m.iter() {
            match name_index(spec, k, func)? {
                Source::Pop(i) => out[i] = signal_of(x, func, &format!("mu.{k}"))?,
                Source::Poisson(_) => {
                    return Err(rt_err(
                        func,
                        format!("mu.{k}: {k} is a Poisson input; set its rate with `rates`"),
                    ));
                }
            }
        }
        return Ok(out);
    }
    if v.is_array() {
        let a = v.clone().cast::<Array>();
        if a.len() != p {
            return Err(rt_err(
                func,
                format!(
                    "`mu` as an array needs one entry per population ({p}), got {}; for a time course use signal(t, v) or #{{t: [...], v: [...]}}",
                    a.len()
                ),
            ));
        }
        return a
            .iter()
            .enumerate()
            .map(|(i, x)| signal_of(x, func, &format!("mu[{i}]")))
            .collect();
    }
    let base = signal_of(v, func, "mu")?;
    spec.scaled_drives(
        &base,
        o.opt_vec("ratio")?.as_deref(),
        o.opt_f64("r")?,
        default_r,
    )
    .map_err(|e| rt_err(func, e))
}

/// The drive keys of `run`, read by the binding (polymorphic); every other key is a field of
/// [`RunOpts`].
const DRIVE_KEYS: &[&str] = &["mu", "r", "ratio", "rates"];

/// Every key `run` accepts: the drive keys and the fields of [`RunOpts`].
fn run_keys() -> Vec<&'static str> {
    let mut k: Vec<&'static str> = DRIVE_KEYS.to_vec();
    k.extend(RunOpts::fields().iter().map(|f| f.key));
    k
}

fn run_options(s: &SpikingNet, o: &Opts, func: &str) -> RResult<RunOptions> {
    let spec = &s.net.spec;
    let mut ro = RunOptions::new(spec);
    let default_r = s.origin.as_ref().map_or(1.0, |n| n.r);
    ro.mu = drives(spec, o, func, default_r)?;
    if let Some(v) = o.raw("rates") {
        if !v.is_map() {
            return Err(rt_err(
                func,
                format!(
                    "`rates` must be a map from Poisson input name to rate (Hz), got {}",
                    describe(v)
                ),
            ));
        }
        for (k, x) in v.clone().cast::<Map>().iter() {
            match name_index(spec, k, func)? {
                Source::Poisson(i) => {
                    ro.poisson_rates[i] = signal_of(x, func, &format!("rates.{k}"))?
                }
                Source::Pop(_) => {
                    return Err(rt_err(
                        func,
                        format!("rates.{k}: {k} is a LIF population; drive it with `mu`"),
                    ));
                }
            }
        }
    }
    let scalars: RunOpts = from_map(o.map(), DRIVE_KEYS).map_err(|e| rt_err(func, e))?;
    scalars.apply(&mut ro).map_err(|e| rt_err(func, e))?;
    Ok(ro)
}

fn pop_arrays(v: &[Vec<f64>]) -> Array {
    v.iter().map(|x| Dynamic::from_array(to_array(x))).collect()
}

fn sweep_options(s: &SpikingNet, o: &Opts, func: &str) -> RResult<(RunOptions, SweepOptions)> {
    let opts: SweepOpts = from_map(o.map(), &[]).map_err(|e| rt_err(func, e))?;
    opts.build(&s.net.spec, s.origin.as_ref().map_or(1.0, |n| n.r))
        .map_err(|e| rt_err(func, e))
}

/// Every key `sweep` and `compare` accept (the fields of [`SweepOpts`]).
fn sweep_keys() -> Vec<&'static str> {
    SweepOpts::fields().iter().map(|f| f.key).collect()
}

fn sweep_map(sw: &SweepResult) -> Map {
    map_of(vec![
        ("mu", to_array(&sw.mu).into()),
        (
            "branch",
            sw.branch
                .iter()
                .map(|b| Dynamic::from(b.to_string()))
                .collect::<Array>()
                .into(),
        ),
        ("rates", pop_arrays(&sw.rates).into()),
        ("sd", pop_arrays(&sw.sd).into()),
        ("diverged", sw.diverged.into()),
        ("interrupted", sw.interrupted.into()),
        ("wall_s", sw.wall_s.into()),
    ])
}

fn compare_map(c: &Comparison) -> Map {
    let mut m = sweep_map(&c.sweep);
    m.insert("sim".into(), pop_arrays(&c.sweep.rates).into());
    m.insert("ssn".into(), pop_arrays(&c.ssn).into());
    m.insert("phisc".into(), pop_arrays(&c.phisc).into());
    m.insert("err_ssn".into(), pop_arrays(&c.err_ssn).into());
    m.insert("err_phisc".into(), pop_arrays(&c.err_phisc).into());
    m.insert(
        "ssn_n_stable".into(),
        c.ssn_n_stable
            .iter()
            .map(|&k| Dynamic::from_int(k as i64))
            .collect::<Array>()
            .into(),
    );
    let opt = |v: Vec<Option<f64>>| -> Array {
        v.into_iter()
            .map(|x| x.map_or(Dynamic::UNIT, Dynamic::from))
            .collect()
    };
    m.insert("rms_ssn".into(), opt(c.rms_ssn()).into());
    m.insert("rms_phisc".into(), opt(c.rms_phisc()).into());
    m
}

fn net_from_params(p: &LifNetwork, extra: Option<&Map>) -> RResult<SpikingNet> {
    const F: &str = "lif_network";
    let extra: ExtraOpts = match extra {
        Some(m) => from_map(m, &[]).map_err(|e| rt_err(F, e))?,
        None => ExtraOpts::default(),
    };
    let spec = extra.spec(p).map_err(err(F))?;
    Ok(SpikingNet {
        net: Arc::new(Network::new(spec).map_err(err(F))?),
        origin: Some(p.clone()),
    })
}

fn net_from_map(m: &Map) -> RResult<SpikingNet> {
    const F: &str = "lif_network";
    let o: CustomNetOpts = from_map(m, &[]).map_err(|e| rt_err(F, e))?;
    let spec = o.spec().map_err(err(F))?;
    Ok(SpikingNet {
        net: Arc::new(Network::new(spec).map_err(err(F))?),
        origin: None,
    })
}

fn store_last(r: &SimResult) {
    if let Ok(mut g) = LAST.lock() {
        *g = Some(r.clone());
    }
}

/// Registers the spiking API.
pub fn register(api: &mut Api) {
    register_part1(api);
    register_part2(api);
    register_part3(api);
    register_part4(api);
    register_part5(api);
    register_part6(api);
}

/// Registration, part 1 of 6.
fn register_part1(api: &mut Api) {
    api.topic(
        "spiking",
        "Spiking LIF networks (paper conventions: V in mV, dV/dt = -V/tau + I, drive mu in mV/s, noise sigma in mV/sqrt(s), efficacies j in mV per spike, times in ms, rates in Hz).\n\nScheme per step dt (default 0.05 ms): arriving spikes (delta: +j; exponential: current with integral j) plus the exact Ornstein-Uhlenbeck step V <- V exp(-dt/tau) + mu tau (1 - exp(-dt/tau)) + sigma sqrt(tau (1 - exp(-2 dt/tau))/2) xi (option scheme: \"paper\" gives the paper simulator's V exp(-dt/tau) + mu dt + sigma sqrt(dt) xi); V > theta gives a spike and reset. Delays d >= 1 step (D = 0 means next step). Connectivity is fixed in-degree K = round(p N) without autapses unless set otherwise. The same seed gives the same spikes for any number of threads.\n\n```rhai\nlet sim = lif_network(paper_network(\"fig2\"));\nlet res = sim.run(#{ mu: 19, r: 1, duration: 300, seed: 1 });\nprint(res.rates);\n```",
    );
    // ------------------------------------------------------------------ Signal
    api.ty::<Signal>(
        "Signal",
        "A drive as a function of time (ms): constant or piecewise linear (steps, ramps, designed inputs). Holds its first value before the first point and its last value after the last one.\n\n```rhai\nlet s = ramp(0, 50, 0, 1000).then(ramp(50, 0, 0, 1000));\nprint(s.at(1500));\n```",
        display_signal,
    );
    api.func(
        "signal",
        &["t: array", "v: array"],
        "Signal",
        "A piecewise-linear signal through the points (t[k] ms, v[k]); t non-decreasing (repeat a time for a jump).\n\n```rhai\nlet s = signal([0, 100, 100, 200], [0, 0, 20, 20]);\nprint(s.at(150));\n```",
        |t: Dynamic, v: Dynamic| -> RResult<Signal> {
            let t = num_vec(&t, "signal", "t")?;
            let v = num_vec(&v, "signal", "v")?;
            Signal::linear(t, v).map_err(err("signal"))
        },
    );
    api.func(
        "ramp",
        &["from: number", "to: number", "t0: number", "t1: number"],
        "Signal",
        "A linear ramp from `from` at t0 to `to` at t1 (ms), constant outside.\n\n```rhai\nprint(ramp(0, 50, 0, 50000).at(25000));\n```",
        |a: Dynamic, b: Dynamic, t0: Dynamic, t1: Dynamic| -> RResult<Signal> {
            const F: &str = "ramp";
            Signal::ramp(num(&a, F, "from")?, num(&b, F, "to")?, num(&t0, F, "t0")?, num(&t1, F, "t1")?)
                .map_err(err(F))
        },
    );
    api.func(
        "steps",
        &["values: array", "step: number"],
        "Signal",
        "A staircase: values[k] held for `step` ms each, starting at t = 0.\n\n```rhai\nlet s = steps([0, 5, 10], 1000);\nprint(s.at(1500));\n```",
        |v: Dynamic, step: Dynamic| -> RResult<Signal> {
            let v = num_vec(&v, "steps", "values")?;
            Signal::steps(&v, num(&step, "steps", "step")?, 0.0).map_err(err("steps"))
        },
    );
    api.method(
        "Signal",
        "at",
        &["t: number"],
        "float",
        "Value at time t (ms).\n\n```rhai\nprint(ramp(0, 10, 0, 100).at(50));\n```",
        |s: &mut Signal, t: Dynamic| -> RResult<f64> { Ok(s.at(fnum(&t, "Signal.at", "t")?)) },
    );
    api.method(
        "Signal",
        "scale",
        &["k: number"],
        "Signal",
        "The signal times k (e.g. mu_I = r mu_E).\n\n```rhai\nprint(steps([1, 2], 10).scale(3).at(15));\n```",
        |s: &mut Signal, k: Dynamic| -> RResult<Signal> { Ok(s.scaled(num(&k, "Signal.scale", "k")?)) },
    );
    api.method(
        "Signal",
        "shift",
        &["d: number"],
        "Signal",
        "The signal plus a constant.\n\n```rhai\nprint(steps([1, 2], 10).shift(1).at(0));\n```",
        |s: &mut Signal, d: Dynamic| -> RResult<Signal> {
            Ok(s.shifted(num(&d, "Signal.shift", "d")?))
        },
    );
    api.method(
        "Signal",
        "then",
        &["next: Signal"],
        "Signal",
        "This signal, then `next` shifted in time to start at this one's last point.\n\n```rhai\nlet s = ramp(0, 10, 0, 500).then(ramp(10, 0, 0, 500));\nprint(s.end);\n```",
        |s: &mut Signal, n: Signal| -> Signal { s.then(&n) },
    );
    api.get(
        "Signal",
        "end",
        "float",
        "Time of the last point (ms; 0 for a constant).",
        |s: &mut Signal| s.end(),
    );
    api.method(
        "Signal",
        "sample",
        &["t: array"],
        "array",
        "Values at the given times (ms).\n\n```rhai\nprint(ramp(0, 1, 0, 1).sample([0, 0.5, 1]));\n```",
        |s: &mut Signal, t: Dynamic| -> RResult<Array> {
            let t = num_vec(&t, "Signal.sample", "t")?;
            if let Some((i, x)) = t.iter().enumerate().find(|(_, x)| !x.is_finite()) {
                return Err(rt_err("Signal.sample", format!("parameter `t[{i}]` = {x} is invalid: times must be finite (ms)")));
            }
            Ok(to_array(&t.iter().map(|&x| s.at(x)).collect::<Vec<_>>()))
        },
    );

    // ------------------------------------------------------------------ networks
    api.ty::<SpikingNet>(
        "SpikingNetwork",
        "A spiking network of LIF populations with its projections; run it with .run(#{...}).\n\n```rhai\nprint(lif_network(paper_network(\"bistable\")));\n```",
        display_net,
    );
}

/// Registration, part 2 of 6.
fn register_part2(api: &mut Api) {
    api.func(
        "lif_network",
        &["params: LifNetwork"],
        "SpikingNetwork",
        "The spiking E-I network of paper-style parameters: fixed in-degree K_XY = round(p_XY N_Y), no autapses, delta synapses (exponential where tau_syn > 0, with delays uniform in [0, D_max]).\n\n```rhai\nlet sim = lif_network(paper_network(\"fig2\"));\nprint(sim.K);\n```",
        |p: LifNetwork| net_from_params(&p, None),
    );
    api.func(
        "lif_network",
        &["params: LifNetwork", "extra: map"],
        "SpikingNetwork",
        &format!("As lif_network(params), with extras. `motifs` turn a paper projection from -> to into a binary second-order network (SONETs) with the same connection probability (reciprocal and chain motifs need from = to); `connections` add projections, e.g. from Poisson inputs (entries as in lif_network(spec)).\n\n{}\n```rhai\nlet sim = lif_network(paper_network(\"fig2\"), #{{\n    poisson: [#{{ name: \"X1\", N: 2000 }}],\n    connections: [#{{ from: \"X1\", to: \"E\", p: 0.5, j: 0.0025 }}, #{{ from: \"X1\", to: \"I\", p: 0.5, j: 0.0025 }}],\n}});\nprint(sim.J);\n```", ExtraOpts::table()),
        |p: LifNetwork, m: Map| net_from_params(&p, Some(&m)),
    );
    api.func(
        "lif_network",
        &["spec: map"],
        "SpikingNetwork",
        &format!("A network of any number of LIF populations. The default rule is fixed in-degree (K = round(p N_pre) when only p is given); \"pairwise_bernoulli\" draws each synapse with probability p, a random in-degree that raises rates by a few percent. Printing the network shows the rule of every projection.\n\n{}\nEach entry of `populations`:\n{}\nEach entry of `connections`:\n{}\n```rhai\nlet sim = lif_network(#{{\n    populations: [#{{ name: \"E\", N: 400 }}, #{{ name: \"I\", N: 100, tau: 10, type: \"I\" }}],\n    connections: [#{{ from: \"E\", to: \"E\", K: 40, j: 0.02 }}, #{{ from: \"I\", to: \"E\", K: 20, j: 0.1 }},\n                  #{{ from: \"E\", to: \"I\", K: 40, j: 0.03 }}, #{{ from: \"I\", to: \"I\", K: 20, j: 0.05 }}],\n}});\nprint(sim.run(#{{ mu: [40, 40], duration: 200 }}).rates);\n```", CustomNetOpts::table(), PopulationOpts::table().replacen("Options:\n", "", 1), ConnectionOpts::table().replacen("Options:\n", "", 1)),
        |m: Map| net_from_map(&m),
    );
    api.func(
        "last_run",
        &[],
        "SimResult",
        "The result of the most recent run, also when Ctrl-C stopped it (what was recorded so far), or () if none.\n\n```rhai\nlet r = last_run();\n```",
        || -> Dynamic {
            LAST.lock()
                .ok()
                .and_then(|g| g.clone())
                .map_or(Dynamic::UNIT, Dynamic::from)
        },
    );
    api.method(
        "SpikingNetwork",
        "run",
        &["opts: map"],
        "SimResult",
        &format!(
            "Simulates the network. Drive: mu (mV/s: a number with r (mu_I/mu_E; default the network's r) or ratio; an array with one number or Signal per population; a map by population name; a Signal; or #{{t, v}}), rates (map Poisson input -> Hz or Signal). Returns a SimResult (status \"finished\", \"diverged\" or \"interrupted\").\n\n{}\n```rhai\nlet sim = lif_network(paper_network(\"fig2\"));\nlet res = sim.run(#{{ mu: 19, r: 1, duration: 400, seed: 2, record: 50 }});\nprint(`${{res.rates}} CV ${{res.mean_cv}}`);\n```",
            RunOpts::table()
        ),
        |s: &mut SpikingNet, m: Map| -> RResult<SimResult> {
            const F: &str = "SpikingNetwork.run";
            let o = Opts::new(&m, F, &run_keys())?;
            let ro = run_options(s, &o, F)?;
            let meta = serde_json::json!({
                "network": s.net.spec.name,
                "seed": ro.seed,
                "conn_seed": ro.conn_seed,
                "dt_ms": ro.dt,
                "duration_ms": ro.duration,
                "transient_ms": ro.transient,
                "bin_ms": ro.bin,
                "mu": ro.mu.iter().map(|m| m.to_string()).collect::<Vec<_>>(),
                "populations": s.net.spec.pops.iter().map(|p| serde_json::json!({"name": p.name, "N": p.n, "tau_ms": p.tau, "theta_mV": p.theta, "v_reset_mV": p.v_reset, "t_ref_ms": p.t_ref, "sigma_mV_per_sqrt_s": p.sigma})).collect::<Vec<_>>(),
                "J_mV": s.net.spec.coupling(),
            });
            let r = SimResult {
                res: Arc::new(s.net.run(&ro).map_err(err(F))?),
                meta,
            };
            store_last(&r);
            Ok(r)
        },
    );
    api.method(
        "SpikingNetwork",
        "sweep",
        &["opts: map"],
        "map",
        &format!("Step sweep of the drive (Fig 2A, 3, 4): one continuous run per seed through a staircase; each step's rate is averaged after its transient. Returns #{{ mu, branch, rates [pop][point], sd (over seeds), diverged, interrupted, wall_s }}.\n\n{}\n```rhai\nlet sim = lif_network(paper_network(\"fig2\"));\nlet sw = sim.sweep(#{{ mu: [10, 20], r: 1, step: 300, transient: 100 }});\nprint(sw.rates[0]);\n```", SweepOpts::table()),
        |s: &mut SpikingNet, m: Map| -> RResult<Map> {
            const F: &str = "SpikingNetwork.sweep";
            let o = Opts::new(&m, F, &sweep_keys())?;
            let (base, so) = sweep_options(s, &o, F)?;
            Ok(sweep_map(&sweep(&s.net, &base, &so).map_err(err(F))?))
        },
    );
    api.method(
        "SpikingNetwork",
        "compare",
        &["opts: map"],
        "map",
        "The paper's central check: a step sweep of the spiking network beside the SSN mapped from it (stable state nearest to the simulation) and, for paper-style E-I parameters, the self-consistent Ricciardi solution Phi_sc. Same options as sweep (`ssnlab doc SpikingNetwork.sweep`). Returns the sweep map plus sim, ssn, phisc, err_ssn, err_phisc ([pop][point], Hz), rms_ssn, rms_phisc (per population; () where no point has both rates), ssn_n_stable.\n\n```rhai\nlet c = lif_network(paper_network(\"fig2\")).compare(#{ mu: [15, 25], step: 300, transient: 100 });\nprint(`sim ${c.sim[0]} ssn ${c.ssn[0]}`);\n```",
        |s: &mut SpikingNet, m: Map| -> RResult<Map> {
            const F: &str = "SpikingNetwork.compare";
            let o = Opts::new(&m, F, &sweep_keys())?;
            let (base, so) = sweep_options(s, &o, F)?;
            Ok(compare_map(&compare(&s.net, s.origin.as_ref(), &base, &so).map_err(err(F))?))
        },
    );
    api.method(
        "SpikingNetwork",
        "to_ssn",
        &[],
        "Ssn",
        "The SSN of this network: a power law fitted to each population's Ricciardi rate at its sigma (paper procedure), J_XY = K_XY j_XY (no tau factor, Eq 13).\n\n```rhai\nprint(lif_network(paper_network(\"fig2\")).to_ssn().J);\n```",
        |s: &mut SpikingNet| -> RResult<Ssn> { Ok(to_ssn(&s.net).map_err(err("SpikingNetwork.to_ssn"))?.0) },
    );
}

/// Registration, part 3 of 6.
fn register_part3(api: &mut Api) {
    api.method(
        "SpikingNetwork",
        "connectivity",
        &["seed: int"],
        "array",
        "Generates the connectivity for a seed and reports per projection #{ name, synapses, k_min, k_max, k_mean (in-degree), out_mean }.\n\n```rhai\nfor c in lif_network(paper_network(\"fig2\")).connectivity(1) { print(c); }\n```",
        |s: &mut SpikingNet, seed: Dynamic| -> RResult<Array> {
            const F: &str = "SpikingNetwork.connectivity";
            let seed = count(&seed, F, "seed")? as u64;
            let sp = &s.net.spec;
            let mut out = Array::new();
            for (k, pr) in sp.projections.iter().enumerate() {
                let c = build_csr(sp, k, seed, 0.05).map_err(err(F))?;
                let n_post = sp.pops[pr.post].n;
                let deg = c.in_degrees(n_post);
                let n_pre = sp.source_size(pr.pre).map_err(err(F))?;
                out.push(
                    map_of(vec![
                        ("name", sp.projection_name(pr).into()),
                        ("synapses", (c.len() as i64).into()),
                        ("k_min", (deg.iter().copied().min().unwrap_or(0) as i64).into()),
                        ("k_max", (deg.iter().copied().max().unwrap_or(0) as i64).into()),
                        ("k_mean", (c.len() as f64 / n_post as f64).into()),
                        ("out_mean", (c.len() as f64 / n_pre as f64).into()),
                    ])
                    .into(),
                );
            }
            Ok(out)
        },
    );
    api.get(
        "SpikingNetwork",
        "J",
        "array",
        "Population couplings J_XY = K_XY j_XY (mV, magnitudes), post x pre.",
        |s: &mut SpikingNet| to_matrix(&s.net.spec.coupling()),
    );
    api.get(
        "SpikingNetwork",
        "K",
        "array",
        "Mean in-degrees K_XY between LIF populations, post x pre.",
        |s: &mut SpikingNet| {
            let sp = &s.net.spec;
            let p = sp.pops.len();
            let mut k = vec![vec![0.0; p]; p];
            for pr in &sp.projections {
                if let Source::Pop(y) = pr.pre {
                    k[pr.post][y] += sp.mean_indegree(pr);
                }
            }
            to_matrix(&k)
        },
    );
    api.get(
        "SpikingNetwork",
        "names",
        "array",
        "Population names.",
        |s: &mut SpikingNet| {
            s.net
                .spec
                .pops
                .iter()
                .map(|p| Dynamic::from(p.name.clone()))
                .collect::<Array>()
        },
    );
    api.get(
        "SpikingNetwork",
        "N",
        "array",
        "Population sizes.",
        |s: &mut SpikingNet| {
            s.net
                .spec
                .pops
                .iter()
                .map(|p| Dynamic::from_int(p.n as i64))
                .collect::<Array>()
        },
    );
    api.get(
        "SpikingNetwork",
        "synapses",
        "float",
        "Expected number of synapses.",
        |s: &mut SpikingNet| s.net.spec.expected_synapses(),
    );

    // ------------------------------------------------------------------ results
    api.ty::<SimResult>(
        "SimResult",
        "What a run recorded: population rates (binned and over the analysis window), per-neuron rates, CV_ISI, balance factors, recurrent input statistics, raster.\n\n```rhai\nlet res = lif_network(paper_network(\"fig2\")).run(#{ mu: 19, duration: 300 });\nprint(res);\n```",
        display_result,
    );
    api.get(
        "SimResult",
        "rates",
        "array",
        "Mean rate per population over [transient, end) (Hz).",
        |r: &mut SimResult| to_array(&r.res.rates()),
    );
}

/// Registration, part 4 of 6.
fn register_part4(api: &mut Api) {
    api.get(
        "SimResult",
        "names",
        "array",
        "Population names.",
        |r: &mut SimResult| {
            r.res
                .names
                .iter()
                .map(|n| Dynamic::from(n.clone()))
                .collect::<Array>()
        },
    );
    api.get(
        "SimResult",
        "t",
        "array",
        "Bin centres (ms).",
        |r: &mut SimResult| to_array(&r.res.bin_times()),
    );
    api.get(
        "SimResult",
        "pop_rates",
        "array",
        "Population rate per bin (Hz), one array per population.",
        |r: &mut SimResult| pop_arrays(&r.res.pop_rates()),
    );
    api.get(
        "SimResult",
        "neuron_rates",
        "array",
        "Rate of every neuron over the analysis window (Hz), one array per population.",
        |r: &mut SimResult| pop_arrays(&r.res.neuron_rates()),
    );
    api.get("SimResult", "cv", "array", "CV of the inter-spike intervals per neuron (NaN with fewer than 3 spikes in the window), one array per population.", |r: &mut SimResult| {
        pop_arrays(&r.res.stats.iter().map(|s| s.cv.clone()).collect::<Vec<_>>())
    });
    api.get(
        "SimResult",
        "mean_cv",
        "array",
        "Mean CV_ISI per population over neurons with at least 3 spikes.",
        |r: &mut SimResult| to_array(&r.res.mean_cv()),
    );
    api.get("SimResult", "bf", "array", "Balance factor per neuron: recurrent inhibition / (recurrent excitation + external), measured; one array per population.", |r: &mut SimResult| pop_arrays(&r.res.balance()));
    api.get(
        "SimResult",
        "mean_bf",
        "array",
        "Mean balance factor per population.",
        |r: &mut SimResult| to_array(&r.res.mean_balance()),
    );
    api.get("SimResult", "inputs", "array", "Per population #{ exc, inh, ext (mean inputs, mV/s), rec_mean (mean net recurrent input, mV/s), rec_sd_quenched (its SD across neurons), rec_var (mean temporal variance rate of the recurrent input, mV^2/s, cf. sum K j^2 nu) }.", |r: &mut SimResult| {
        r.res.input_summary()
            .iter()
            .map(|s| Dynamic::from_map(to_map(s)))
            .collect::<Array>()
    });
    api.get("SimResult", "raster", "map", "Recorded spikes #{ t (ms), pop (index), id (index in the population) } of the neurons chosen with `record` (equally spaced ids), from the transient on.", |r: &mut SimResult| {
        let ras = &r.res.raster;
        map_of(vec![
            ("t", to_array(&ras.iter().map(|x| x.0).collect::<Vec<_>>()).into()),
            ("pop", ras.iter().map(|x| Dynamic::from_int(x.1 as i64)).collect::<Array>().into()),
            ("id", ras.iter().map(|x| Dynamic::from_int(x.2 as i64)).collect::<Array>().into()),
        ])
    });
    api.get("SimResult", "acf_tau", "array", "Autocorrelation timescale of each population rate over the analysis window: first 1/e crossing of the normalised autocorrelation of the binned rate (ms; NaN if undefined).", |r: &mut SimResult| to_array(&r.res.acf_tau()));
    api.method(
        "SimResult",
        "smoothed",
        &["k: int"],
        "array",
        "Population rates smoothed by a centred moving average over k bins (the paper's movmean).\n\n```rhai\nlet res = lif_network(paper_network(\"fig2\")).run(#{ mu: 19, duration: 300 });\nprint(res.smoothed(5)[0].len());\n```",
        |r: &mut SimResult, k: Dynamic| -> RResult<Array> {
            let k = count(&k, "SimResult.smoothed", "k")?;
            Ok(pop_arrays(&r.res.pop_rates().iter().map(|x| movmean(x, k)).collect::<Vec<_>>()))
        },
    );
    api.method(
        "SimResult",
        "acf",
        &["pop: int", "max_lag_ms: number"],
        "map",
        "Normalised autocorrelation of one population rate over the analysis window: #{ lag (ms), acf, tau_e (1/e time, ms), tau_int (integral to the first zero, ms) }.\n\n```rhai\nlet res = lif_network(paper_network(\"fig2\")).run(#{ mu: 19, duration: 600, bin: 5 });\nprint(res.acf(0, 100).tau_e);\n```",
        |r: &mut SimResult, pop: Dynamic, lag: Dynamic| -> RResult<Map> {
            const F: &str = "SimResult.acf";
            let p = count(&pop, F, "pop")?;
            let rr = &r.res;
            let lag = num(&lag, F, "max_lag_ms")?;
            let x = rr.analysed_rates(p).map_err(err(F))?;
            let ac = crate::numerics::stats::autocorrelation(&x, (lag / rr.bin).max(0.0) as usize);
            let (te, ti) = acf_timescale(&x, rr.bin);
            Ok(map_of(vec![
                ("lag", to_array(&(0..ac.len()).map(|k| k as f64 * rr.bin).collect::<Vec<_>>()).into()),
                ("acf", to_array(&ac).into()),
                ("tau_e", te.into()),
                ("tau_int", ti.into()),
            ]))
        },
    );
    api.get(
        "SimResult",
        "t_end",
        "float",
        "Simulated time reached (ms).",
        |r: &mut SimResult| r.res.t_end,
    );
}

/// Registration, part 5 of 6.
fn register_part5(api: &mut Api) {
    api.get(
        "SimResult",
        "interrupted",
        "bool",
        "True if Ctrl-C stopped the run.",
        |r: &mut SimResult| r.res.interrupted,
    );
    api.get(
        "SimResult",
        "diverged",
        "bool",
        "True if a population rate exceeded max_rate (no steady state).",
        |r: &mut SimResult| r.res.diverged,
    );
    api.get(
        "SimResult",
        "status",
        "string",
        "\"finished\", \"diverged\" (a population exceeded max_rate) or \"interrupted\" (Ctrl-C), as for every time course.",
        |r: &mut SimResult| r.res.termination().status().to_string(),
    );
    api.get(
        "SimResult",
        "window_start",
        "float",
        "Start of the measurement window of `rates`, CV and balance (ms; the run's transient).",
        |r: &mut SimResult| r.res.transient,
    );
    api.get(
        "SimResult",
        "unit",
        "string",
        "Unit of the rates: \"Hz\".",
        |_: &mut SimResult| "Hz".to_string(),
    );
    api.method(
        "SimResult",
        "time_course",
        &[],
        "TimeCourse",
        "The run as a TimeCourse (the result shape of every time course): binned pop_rates at bin centres, status, window, and extras mean_cv, mean_bf, cv and balance per neuron, spikes, synapses, wall_s, threads, scheme.\n\n```rhai\nlet res = lif_network(paper_network(\"fig2\")).run(#{ mu: 19, duration: 200, progress: false });\nlet tc = res.time_course();\nassert(tc.status == \"finished\" && tc.names == res.names);\n```",
        |r: &mut SimResult| r.res.time_course(),
    );
    api.method(
        "SimResult",
        "to_json",
        &["path: string"],
        "",
        "Writes the run as JSON (as TimeCourse.to_json: times, binned rates, status, spike statistics) with a metadata sidecar (network, seed, options). Refuses to overwrite.\n\n```rhai\nlet res = lif_network(paper_network(\"fig2\")).run(#{ mu: 19, duration: 100, progress: false });\nres.to_json(`${tmp_dir()}/run.json`);\n```",
        |r: &mut SimResult, path: &str| -> RResult<()> {
            crate::io::write_json(std::path::Path::new(path), &r.res.time_course().to_json(), false, r.meta())
                .map_err(|e| rt_err("SimResult.to_json", e))
        },
    );
    api.method(
        "SimResult",
        "plot",
        &[],
        "Plot",
        "The binned population rates against time (as TimeCourse.plot).\n\n```rhai\nlet res = lif_network(paper_network(\"fig2\")).run(#{ mu: 19, duration: 100, progress: false });\nres.plot().save(`${tmp_dir()}/run_rates.png`);\n```",
        |r: &mut SimResult| crate::plot::Plot::time_course(&r.res.time_course()),
    );
    api.method(
        "SimResult",
        "plot",
        &["path: string"],
        "",
        "Saves the population-rate figure to `path` (.png or .svg).",
        |r: &mut SimResult, path: &str| -> RResult<()> {
            super::timecourse::save_rate_plot(&r.res.time_course(), path, "SimResult.plot")
        },
    );
    api.get(
        "SimResult",
        "threads",
        "int",
        "Worker threads the run used (the default follows --threads, SSNLAB_THREADS, SLURM_CPUS_PER_TASK, the usable CPUs and the current load; results do not depend on it).",
        |r: &mut SimResult| r.res.threads as i64,
    );
    api.get(
        "SimResult",
        "scheme",
        "String",
        "Membrane scheme of the run: \"exact\" or \"paper\".",
        |r: &mut SimResult| r.res.scheme.name().to_string(),
    );
    api.get(
        "SimResult",
        "wall_s",
        "float",
        "Wall-clock seconds of the time loop.",
        |r: &mut SimResult| r.res.wall_s,
    );
    api.get(
        "SimResult",
        "spikes",
        "int",
        "Total number of spikes.",
        |r: &mut SimResult| r.res.n_spikes as i64,
    );
    api.get(
        "SimResult",
        "synapses",
        "int",
        "Number of synapses.",
        |r: &mut SimResult| r.res.n_synapses as i64,
    );
}

/// Registration, part 6 of 6.
fn register_part6(api: &mut Api) {
    api.get(
        "SimResult",
        "memory_mb",
        "float",
        "Connectivity and ring-buffer memory (MB).",
        |r: &mut SimResult| r.res.memory_bytes as f64 / 1e6,
    );
}
