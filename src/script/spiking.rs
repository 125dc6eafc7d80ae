//! Rhai bindings of the spiking engine: networks, drives (signals), runs, sweeps and the
//! predicted-vs-simulated comparison.

use super::api::Api;
use super::convert::{
    Opts, RResult, count, describe, err, fnum, map_of, num, num_vec, rt_err, to_array, to_matrix,
};
use crate::numerics::stats::{acf_timescale, movmean, nanmean};
use crate::options::{Documented, from_map};
use crate::rate::Ssn;
use crate::rate::lifnet::LifNetwork;
use crate::spiking::Signal;
use crate::spiking::engine::{Network, RunOptions, RunResult};
use crate::spiking::model::{
    NetSpec, PoissonInput, Population, Projection, Rule, Source, Synapse, build_csr,
};
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
    let sp = &s.net.spec;
    let mut out = format!(
        "SpikingNetwork \"{}\": {} ({:.3e} synapses)",
        sp.name,
        sp.pops
            .iter()
            .map(|p| format!("{} = {}", p.name, p.n))
            .collect::<Vec<_>>()
            .join(", "),
        sp.expected_synapses()
    );
    for pr in &sp.projections {
        let rule = match pr.rule {
            Rule::FixedIndegree { k } => format!("fixed_indegree K = {k}"),
            Rule::Bernoulli { p } => format!("pairwise_bernoulli p = {p}"),
            Rule::Sonet {
                p,
                recip,
                conv,
                div,
                chain,
            } => {
                format!("sonet p = {p}, alpha recip/conv/div/chain = {recip}/{conv}/{div}/{chain}")
            }
        };
        let syn = match pr.synapse {
            Synapse::Delta => "delta".to_string(),
            Synapse::Exp { tau_s } => format!("exp tau_s = {tau_s} ms"),
        };
        out.push_str(&format!(
            "\n  {}: {rule}, j = {} mV, {syn}, delay [{}, {}] ms",
            sp.projection_name(pr),
            sp.signed_j(pr),
            pr.delay.0,
            pr.delay.1
        ));
    }
    out
}

fn display_result(r: &SimResult) -> String {
    let r = &r.res;
    let rates = r.rates();
    let mut s = format!(
        "SimResult({:.0} ms{}{}, rates: {}, {} spikes, wall {:.2} s)",
        r.t_end,
        if r.interrupted { ", INTERRUPTED" } else { "" },
        if r.diverged { ", DIVERGED" } else { "" },
        r.names
            .iter()
            .zip(&rates)
            .map(|(n, v)| format!("{n} {v:.3} Hz"))
            .collect::<Vec<_>>()
            .join(", "),
        r.n_spikes,
        r.wall_s
    );
    if r.t_end <= r.transient {
        s.push_str(" [analysis window empty: transient >= duration]");
    }
    s
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
    let ratio = match o.opt_vec("ratio")? {
        Some(r) if r.len() == p => r,
        Some(r) => {
            return Err(rt_err(
                func,
                format!(
                    "`ratio` needs {p} values (one per population), got {}",
                    r.len()
                ),
            ));
        }
        None => {
            let r = o.f64("r", default_r)?;
            if p == 2 {
                vec![1.0, r]
            } else {
                if o.has("r") {
                    return Err(rt_err(
                        func,
                        "`r` applies to E-I pairs; with more populations give `ratio` (one factor per population)",
                    ));
                }
                vec![1.0; p]
            }
        }
    };
    Ok(ratio.iter().map(|&k| base.scaled(k)).collect())
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
    let rms = |e: &Vec<Vec<f64>>| -> Array {
        e.iter()
            .map(|v| {
                let f: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
                Dynamic::from((f.iter().map(|x| x * x).sum::<f64>() / f.len().max(1) as f64).sqrt())
            })
            .collect()
    };
    m.insert("rms_ssn".into(), rms(&c.err_ssn).into());
    m.insert("rms_phisc".into(), rms(&c.err_phisc).into());
    m
}

fn pops_from_maps(arr: &Array, func: &str) -> RResult<Vec<Population>> {
    arr.iter()
        .enumerate()
        .map(|(i, v)| {
            if !v.is_map() {
                return Err(rt_err(func, format!("populations[{i}] must be a map")));
            }
            let m = v.clone().cast::<Map>();
            let o = Opts::new(
                &m,
                func,
                &[
                    "name", "N", "tau", "theta", "v_reset", "t_ref", "sigma", "type",
                ],
            )?;
            let ty = o.string("type", if i == 0 { "E" } else { "I" })?;
            if ty != "E" && ty != "I" {
                return Err(rt_err(
                    func,
                    format!("populations[{i}].type = {ty:?}: must be \"E\" or \"I\""),
                ));
            }
            Ok(Population {
                name: o.string("name", &format!("P{i}"))?,
                n: o.usize("N", 1000)?,
                tau: o.f64("tau", 20.0)?,
                theta: o.f64("theta", 1.0)?,
                v_reset: o.f64("v_reset", 0.0)?,
                t_ref: o.f64("t_ref", 0.0)?,
                sigma: o.f64("sigma", 3.0)?,
                excitatory: ty == "E",
            })
        })
        .collect()
}

fn add_connections(spec: &mut NetSpec, arr: &Array, func: &str) -> RResult<()> {
    for (i, v) in arr.iter().enumerate() {
        if !v.is_map() {
            return Err(rt_err(func, format!("connections[{i}] must be a map")));
        }
        let m = v.clone().cast::<Map>();
        let o = Opts::new(
            &m,
            func,
            &[
                "from",
                "to",
                "rule",
                "K",
                "p",
                "j",
                "synapse",
                "tau_s",
                "delay",
                "allow_autapses",
                "alpha_recip",
                "alpha_conv",
                "alpha_div",
                "alpha_chain",
            ],
        )?;
        let from = o
            .opt_string("from")?
            .ok_or_else(|| rt_err(func, format!("connections[{i}] needs `from`")))?;
        let to = o
            .opt_string("to")?
            .ok_or_else(|| rt_err(func, format!("connections[{i}] needs `to`")))?;
        let pre = name_index(spec, &from, func)?;
        let post = match name_index(spec, &to, func)? {
            Source::Pop(x) => x,
            Source::Poisson(_) => {
                return Err(rt_err(
                    func,
                    format!(
                        "connections[{i}].to = {to:?} is a Poisson input; targets must be LIF populations"
                    ),
                ));
            }
        };
        // The documented default: fixed in-degree K (or K = round(p N) from `p`), as in the
        // paper; pairwise Bernoulli only when asked for (its random in-degree raises rates).
        let rule_name = o.string("rule", "fixed_indegree")?;
        let n_pre = spec.source_size(pre).map_err(err("lif_network"))? as f64;
        let rule = match rule_name.as_str() {
            "fixed_indegree" => {
                let k = match (o.opt_usize("K")?, o.opt_f64("p")?) {
                    (Some(k), _) => k,
                    (None, Some(p)) => (p * n_pre).round() as usize,
                    (None, None) => {
                        return Err(rt_err(func, format!("connections[{i}] needs `K` or `p`")));
                    }
                };
                Rule::FixedIndegree { k }
            }
            "pairwise_bernoulli" => Rule::Bernoulli {
                p: o.opt_f64("p")?
                    .ok_or_else(|| rt_err(func, format!("connections[{i}] needs `p`")))?,
            },
            "sonet" => Rule::Sonet {
                p: o.opt_f64("p")?
                    .ok_or_else(|| rt_err(func, format!("connections[{i}] needs `p`")))?,
                recip: o.f64("alpha_recip", 0.0)?,
                conv: o.f64("alpha_conv", 0.0)?,
                div: o.f64("alpha_div", 0.0)?,
                chain: o.f64("alpha_chain", 0.0)?,
            },
            other => {
                return Err(rt_err(
                    func,
                    format!(
                        "connections[{i}].rule = {other:?}: must be \"fixed_indegree\", \"pairwise_bernoulli\" or \"sonet\""
                    ),
                ));
            }
        };
        let synapse = match o.string("synapse", "delta")?.as_str() {
            "delta" => Synapse::Delta,
            "exp" | "exponential" => Synapse::Exp {
                tau_s: o.f64("tau_s", 10.0)?,
            },
            other => {
                return Err(rt_err(
                    func,
                    format!("connections[{i}].synapse = {other:?}: must be \"delta\" or \"exp\""),
                ));
            }
        };
        let delay = match o.raw("delay") {
            None => (0.0, 0.0),
            Some(d) if d.is_array() => {
                let v = num_vec(d, func, "delay")?;
                if v.len() != 2 {
                    return Err(rt_err(
                        func,
                        format!("connections[{i}].delay must be a number or [min, max] (ms)"),
                    ));
                }
                (v[0], v[1])
            }
            Some(d) => {
                let x = num(d, func, "delay")?;
                (x, x)
            }
        };
        spec.projections.push(Projection {
            pre,
            post,
            rule,
            j: o.opt_f64("j")?
                .ok_or_else(|| rt_err(func, format!("connections[{i}] needs `j` (mV)")))?,
            synapse,
            delay,
            allow_autapses: o.bool("allow_autapses", false)?,
        });
    }
    Ok(())
}

fn poisson_from_maps(arr: &Array, func: &str) -> RResult<Vec<PoissonInput>> {
    arr.iter()
        .enumerate()
        .map(|(i, v)| {
            if !v.is_map() {
                return Err(rt_err(func, format!("poisson[{i}] must be a map")));
            }
            let m = v.clone().cast::<Map>();
            let o = Opts::new(&m, func, &["name", "N"])?;
            Ok(PoissonInput {
                name: o.string("name", &format!("X{}", i + 1))?,
                n: o.usize("N", 1000)?,
            })
        })
        .collect()
}

fn net_from_params(p: &LifNetwork, extra: Option<&Map>) -> RResult<SpikingNet> {
    const F: &str = "lif_network";
    let mut spec = NetSpec::from_lif_network(p).map_err(err(F))?;
    if let Some(m) = extra {
        let o = Opts::new(
            m,
            F,
            &[
                "poisson",
                "connections",
                "rule",
                "allow_autapses",
                "name",
                "motifs",
            ],
        )?;
        if let Some(name) = o.opt_string("name")? {
            spec.name = name;
        }
        let rule = o.string("rule", "fixed_indegree")?;
        let aut = o.bool("allow_autapses", false)?;
        for pr in spec.projections.iter_mut() {
            pr.allow_autapses = aut;
            match rule.as_str() {
                "fixed_indegree" => {}
                "pairwise_bernoulli" => {
                    if let (Source::Pop(y), Rule::FixedIndegree { .. }) = (pr.pre, pr.rule) {
                        pr.rule = Rule::Bernoulli { p: p.p[pr.post][y] };
                    }
                }
                other => {
                    return Err(rt_err(
                        F,
                        format!(
                            "rule = {other:?}: must be \"fixed_indegree\" or \"pairwise_bernoulli\""
                        ),
                    ));
                }
            }
        }
        if let Some(v) = o.raw("motifs") {
            let a = v
                .clone()
                .try_cast::<Array>()
                .ok_or_else(|| rt_err(F, "`motifs` must be an array of #{from, to, alpha_recip, alpha_conv, alpha_div, alpha_chain}"))?;
            for (i, d) in a.iter().enumerate() {
                let mm = d
                    .clone()
                    .try_cast::<Map>()
                    .ok_or_else(|| rt_err(F, format!("motifs[{i}] must be a map")))?;
                let mo = Opts::new(
                    &mm,
                    F,
                    &[
                        "from",
                        "to",
                        "alpha_recip",
                        "alpha_conv",
                        "alpha_div",
                        "alpha_chain",
                    ],
                )?;
                let (from, to) = (mo.string("from", "E")?, mo.string("to", "E")?);
                let (Some(x), Some(y)) = (spec.pop_index(&to), spec.pop_index(&from)) else {
                    return Err(rt_err(
                        F,
                        format!(
                            "motifs[{i}]: from = {from:?}, to = {to:?} must name populations (\"E\", \"I\")"
                        ),
                    ));
                };
                let pr = spec
                    .projections
                    .iter_mut()
                    .find(|pr| pr.post == x && pr.pre == Source::Pop(y))
                    .ok_or_else(|| {
                        rt_err(
                            F,
                            format!("motifs[{i}]: there is no projection {from} -> {to}"),
                        )
                    })?;
                pr.rule = Rule::Sonet {
                    p: p.p[x][y],
                    recip: mo.f64("alpha_recip", 0.0)?,
                    conv: mo.f64("alpha_conv", 0.0)?,
                    div: mo.f64("alpha_div", 0.0)?,
                    chain: mo.f64("alpha_chain", 0.0)?,
                };
            }
        }
        if let Some(v) = o.raw("poisson") {
            let a = v
                .clone()
                .try_cast::<Array>()
                .ok_or_else(|| rt_err(F, "`poisson` must be an array of #{name, N}"))?;
            spec.poisson = poisson_from_maps(&a, F)?;
        }
        if let Some(v) = o.raw("connections") {
            let a = v
                .clone()
                .try_cast::<Array>()
                .ok_or_else(|| rt_err(F, "`connections` must be an array of maps"))?;
            add_connections(&mut spec, &a, F)?;
        }
    }
    Ok(SpikingNet {
        net: Arc::new(Network::new(spec).map_err(err(F))?),
        origin: Some(p.clone()),
    })
}

fn net_from_map(m: &Map) -> RResult<SpikingNet> {
    const F: &str = "lif_network";
    let o = Opts::new(m, F, &["name", "populations", "connections", "poisson"])?;
    let pops = match o.raw("populations") {
        Some(v) if v.is_array() => pops_from_maps(&v.clone().cast::<Array>(), F)?,
        _ => {
            return Err(rt_err(
                F,
                "needs `populations`: an array of #{name, N, tau, theta, v_reset, t_ref, sigma, type}",
            ));
        }
    };
    let mut spec = NetSpec {
        name: o.string("name", "custom")?,
        pops,
        poisson: Vec::new(),
        projections: Vec::new(),
    };
    if let Some(v) = o.raw("poisson") {
        let a = v
            .clone()
            .try_cast::<Array>()
            .ok_or_else(|| rt_err(F, "`poisson` must be an array"))?;
        spec.poisson = poisson_from_maps(&a, F)?;
    }
    if let Some(v) = o.raw("connections") {
        let a = v
            .clone()
            .try_cast::<Array>()
            .ok_or_else(|| rt_err(F, "`connections` must be an array"))?;
        add_connections(&mut spec, &a, F)?;
    }
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
        "As lif_network(params), with extras: poisson ([#{name, N}] input populations), connections (extra projections, e.g. from Poisson inputs: #{from, to, K or p, j, rule, synapse: \"delta\"/\"exp\", tau_s, delay: D or [min, max], allow_autapses}), rule (\"fixed_indegree\" or \"pairwise_bernoulli\" for the E-I projections; \"sonet\" in a connection with alpha_recip/alpha_conv/alpha_div/alpha_chain), motifs ([#{from, to, alpha_recip, alpha_conv, alpha_div, alpha_chain}]: the E-I projection from -> to becomes a binary second-order network (SONETs) with the same connection probability; reciprocal and chain motifs need from = to), allow_autapses, name.\n\n```rhai\nlet sim = lif_network(paper_network(\"fig2\"), #{\n    poisson: [#{ name: \"X1\", N: 2000 }],\n    connections: [#{ from: \"X1\", to: \"E\", p: 0.5, j: 0.0025 }, #{ from: \"X1\", to: \"I\", p: 0.5, j: 0.0025 }],\n});\nprint(sim.J);\n```",
        |p: LifNetwork, m: Map| net_from_params(&p, Some(&m)),
    );
    api.func(
        "lif_network",
        &["spec: map"],
        "SpikingNetwork",
        "A network of any number of LIF populations: #{ name, populations: [#{name, N, tau, theta, v_reset, t_ref, sigma, type: \"E\"/\"I\"}], connections: [#{from, to, K or p, j, rule, synapse, tau_s, delay, allow_autapses}], poisson: [#{name, N}] }. Defaults: tau 20 ms, theta 1 mV, v_reset 0, t_ref 0, sigma 3 mV/sqrt(s); rule \"fixed_indegree\" (K = round(p N) when only p is given; \"pairwise_bernoulli\" draws each synapse with probability p, a random in-degree that raises rates by a few percent). Printing the network shows the rule of every projection.\n\n```rhai\nlet sim = lif_network(#{\n    populations: [#{ name: \"E\", N: 400 }, #{ name: \"I\", N: 100, tau: 10, type: \"I\" }],\n    connections: [#{ from: \"E\", to: \"E\", K: 40, j: 0.02 }, #{ from: \"I\", to: \"E\", K: 20, j: 0.1 },\n                  #{ from: \"E\", to: \"I\", K: 40, j: 0.03 }, #{ from: \"I\", to: \"I\", K: 20, j: 0.05 }],\n});\nprint(sim.run(#{ mu: [40, 40], duration: 200 }).rates);\n```",
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
        "The paper's central check: a step sweep of the spiking network beside the SSN mapped from it (stable state nearest to the simulation) and, for paper-style E-I parameters, the self-consistent Ricciardi solution Phi_sc. Same options as sweep (`ssnlab doc SpikingNetwork.sweep`). Returns the sweep map plus sim, ssn, phisc, err_ssn, err_phisc ([pop][point], Hz), rms_ssn, rms_phisc (per population), ssn_n_stable.\n\n```rhai\nlet c = lif_network(paper_network(\"fig2\")).compare(#{ mu: [15, 25], step: 300, transient: 100 });\nprint(`sim ${c.sim[0]} ssn ${c.ssn[0]}`);\n```",
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
        |r: &mut SimResult| {
            to_array(
                &r.res
                    .stats
                    .iter()
                    .map(|s| nanmean(&s.cv))
                    .collect::<Vec<_>>(),
            )
        },
    );
    api.get("SimResult", "bf", "array", "Balance factor per neuron: recurrent inhibition / (recurrent excitation + external), measured; one array per population.", |r: &mut SimResult| pop_arrays(&r.res.balance()));
    api.get(
        "SimResult",
        "mean_bf",
        "array",
        "Mean balance factor per population.",
        |r: &mut SimResult| {
            to_array(
                &r.res
                    .balance()
                    .iter()
                    .map(|b| nanmean(b))
                    .collect::<Vec<_>>(),
            )
        },
    );
    api.get("SimResult", "inputs", "array", "Per population #{ exc, inh, ext (mean inputs, mV/s), rec_mean (mean net recurrent input, mV/s), rec_sd_quenched (its SD across neurons), rec_var (mean temporal variance rate of the recurrent input, mV^2/s, cf. sum K j^2 nu) }.", |r: &mut SimResult| {
        r.res.stats
            .iter()
            .map(|s| {
                let rec: Vec<f64> = s.exc.iter().zip(&s.inh).map(|(e, i)| e - i).collect();
                let m = nanmean(&rec);
                Dynamic::from_map(map_of(vec![
                    ("exc", nanmean(&s.exc).into()),
                    ("inh", nanmean(&s.inh).into()),
                    ("ext", nanmean(&s.ext).into()),
                    ("rec_mean", m.into()),
                    ("rec_sd_quenched", crate::numerics::stats::nanstd(&rec).into()),
                    ("rec_var", nanmean(&s.rec_var).into()),
                ]))
            })
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
    api.get("SimResult", "acf_tau", "array", "Autocorrelation timescale of each population rate over the analysis window: first 1/e crossing of the normalised autocorrelation of the binned rate (ms; NaN if undefined).", |r: &mut SimResult| {
        let rr = &r.res;
        let first = (rr.transient / rr.bin).ceil() as usize;
        to_array(&rr.pop_rates().iter().map(|x| acf_timescale(&x[first.min(x.len())..], rr.bin).0).collect::<Vec<_>>())
    });
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
            if p >= rr.names.len() {
                return Err(rt_err(F, format!("pop = {p}: the run has {} populations", rr.names.len())));
            }
            let lag = num(&lag, F, "max_lag_ms")?;
            let first = (rr.transient / rr.bin).ceil() as usize;
            let x = rr.pop_rates().swap_remove(p);
            let x = &x[first.min(x.len())..];
            let ac = crate::numerics::stats::autocorrelation(x, (lag / rr.bin).max(0.0) as usize);
            let (te, ti) = acf_timescale(x, rr.bin);
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
        |r: &mut SimResult| super::timecourse::rate_plot(&r.res.time_course()),
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
    api.get(
        "SimResult",
        "memory_mb",
        "float",
        "Connectivity and ring-buffer memory (MB).",
        |r: &mut SimResult| r.res.memory_bytes as f64 / 1e6,
    );
}
