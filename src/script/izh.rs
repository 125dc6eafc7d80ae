//! Rhai bindings of the heterogeneous Izhikevich populations: cell types, the Lorentzian mean
//! field (simulation, steady states, continuation with folds and Hopf points, resonance) and
//! the all-to-all spiking network.

use super::api::Api;
use super::convert::{Opts, RResult, err, map_of, num_matrix, rt_err, to_array};
use super::spiking::signal_of;
use super::timecourse::extra_dynamic;
use crate::izh::meanfield::StateOpts;
use crate::izh::meanfield::{ContinuationOpts, ResonanceOpts, SimulateOpts as IzhSimulateOpts};
use crate::izh::network::IzhRunOpts;
use crate::izh::network::{IzhRunOptions, run};
use crate::izh::{CELL_TYPES, IzhMeanField, IzhPop, IzhPopOpts, Special};
use crate::numerics::timecourse::{Extra, TimeCourse};
use crate::options::{Documented, from_map};
use crate::spiking::Signal;
use rhai::{Array, Dynamic, Map};

fn display_pop(p: &IzhPop) -> String {
    p.to_string()
}

fn pop_from_map(m: &Map, func: &str) -> RResult<IzhPop> {
    let o: IzhPopOpts = from_map(m, &[]).map_err(|e| rt_err(func, e))?;
    o.population().map_err(|e| rt_err(func, e))
}

fn mf_from_map(m: &Map, func: &str) -> RResult<IzhMeanField> {
    let o = Opts::new(m, func, &["populations", "J", "I"])?;
    let pops_dyn = o.raw("populations").ok_or_else(|| {
        rt_err(
            func,
            "`populations` is required: an array of IzhPop (izh_population(...))",
        )
    })?;
    let arr = pops_dyn
        .clone()
        .try_cast::<Array>()
        .ok_or_else(|| rt_err(func, "`populations` must be an array of IzhPop"))?;
    let mut pops = Vec::new();
    for (i, d) in arr.iter().enumerate() {
        if let Some(p) = d.clone().try_cast::<IzhPop>() {
            pops.push(p);
        } else if d.is_map() {
            pops.push(pop_from_map(&d.clone().cast::<Map>(), func)?);
        } else if d.is_string() {
            pops.push(IzhPop::cell_type(&d.clone().cast::<String>()).map_err(|e| rt_err(func, e))?);
        } else {
            return Err(rt_err(
                func,
                format!("populations[{i}] must be an IzhPop, a map or a type name"),
            ));
        }
    }
    let p = pops.len();
    let j = match o.raw("J") {
        Some(v) => num_matrix(v, func, "J")?,
        None => vec![vec![0.0; p]; p],
    };
    let i = o.opt_vec("I")?.unwrap_or_else(|| vec![0.0; p]);
    IzhMeanField::new(pops, j, i).map_err(|e| rt_err(func, e))
}

fn state_map(m: &IzhMeanField, x: &[f64]) -> Map {
    extra_dynamic(&Extra::Record(m.state_record(x))).cast::<Map>()
}

fn eig_array(eig: &[(f64, f64)]) -> Array {
    eig.iter()
        .map(|(re, im)| Dynamic::from_array(vec![Dynamic::from(*re), Dynamic::from(*im)]))
        .collect()
}

/// State vector from a state map (rates in Hz, v, u, s_ampa, s_gaba arrays), or the default
/// resting state.
fn state_from(m: &IzhMeanField, v: Option<&Dynamic>, func: &str) -> RResult<Vec<f64>> {
    let Some(v) = v else {
        return Ok(m.initial_state());
    };
    if !v.is_map() {
        return Err(rt_err(
            func,
            "`x0` must be a map with rates (Hz), v, u, s_ampa, s_gaba arrays (as a state map)",
        ));
    }
    let o: StateOpts =
        from_map(&v.clone().cast::<Map>(), &[]).map_err(|e| rt_err(func, format!("x0: {e}")))?;
    o.state(m).map_err(|e| rt_err(func, format!("x0: {e}")))
}

fn inputs(m: &IzhMeanField, v: Option<&Dynamic>, func: &str) -> RResult<Vec<Signal>> {
    let p = m.pops.len();
    match v {
        None => Ok(m.i_ext.iter().map(|&i| Signal::Const(i)).collect()),
        Some(d) => {
            let arr = d.clone().try_cast::<Array>().ok_or_else(|| {
                rt_err(
                    func,
                    format!("`I` must be an array of {p} currents (pA) or Signals"),
                )
            })?;
            if arr.len() != p {
                return Err(rt_err(
                    func,
                    format!(
                        "`I` has {} entries; the model has {p} populations",
                        arr.len()
                    ),
                ));
            }
            arr.iter()
                .enumerate()
                .map(|(k, x)| signal_of(x, func, &format!("I[{k}]")))
                .collect()
        }
    }
}

/// The run options of `run` and `spiking_resonance` from an options map (`extra`: keys the
/// caller reads itself).
fn spiking_options(
    m: &IzhMeanField,
    opts: &Map,
    extra: &[&str],
    func: &str,
) -> RResult<(IzhRunOpts, IzhRunOptions)> {
    let mut skip = vec!["I"];
    skip.extend_from_slice(extra);
    let so: IzhRunOpts = from_map(opts, &skip).map_err(|e| rt_err(func, e))?;
    let input = inputs(m, opts.get("I"), func)?;
    let ro = so.build(&m.pops, input).map_err(|e| rt_err(func, e))?;
    Ok((so, ro))
}

/// #{ freqs, amplitude: [pop][freq] } from amplitudes [freq][pop].
fn resonance_map(freqs: &[f64], a: &[Vec<f64>], p: usize) -> Map {
    let by_pop: Array = (0..p)
        .map(|q| Dynamic::from_array(a.iter().map(|row| Dynamic::from(row[q])).collect()))
        .collect();
    map_of(vec![
        ("freqs", to_array(freqs).into()),
        ("amplitude", by_pop.into()),
    ])
}

/// A spiking run of the network a mean field describes.
fn izh_run(m: &mut IzhMeanField, opts: Map, func: &str) -> RResult<TimeCourse> {
    let (so, ro) = spiking_options(m, &opts, &[], func)?;
    let transient = so.transient.map_or(0.0, |t| t.0);
    if !(transient >= 0.0 && transient < ro.duration) {
        return Err(rt_err(
            func,
            format!(
                "parameter `transient` = {transient} is invalid: must be in [0, duration = {}) ms",
                ro.duration
            ),
        ));
    }
    let r = run(&m.pops, &m.j, &ro).map_err(|e| rt_err(func, e))?;
    Ok(r.time_course(m.pops.iter().map(|q| q.name.clone()).collect(), transient))
}

/// Registers the Izhikevich types and functions.
pub fn register(api: &mut Api) {
    register_part1(api);
    register_part2(api);
    register_part3(api);
}

/// Registration, part 1 of 3.
fn register_part1(api: &mut Api) {
    api.topic(
        "izhikevich",
        "Heterogeneous Izhikevich populations (Gast, Solla & Kennedy 2022). Units: ms, mV, pF, nS, pA; rates are reported in Hz. Thresholds are Lorentzian (centre v_theta, half-width delta). The mean field (r, v, u, s_ampa, s_gaba per population) is exact for all-to-all coupling, N -> infinity, a shared recovery variable and infinite spike peak/reset.\n\n```rhai\nlet rs = izh_population(#{ type: \"RS\", delta: 0.5, g_ampa: 15, tau_ampa: 6, d: 10 });\nlet mf = izh_mean_field(#{ populations: [rs], J: [[1.0]], I: [0.0] });\nlet br = mf.continuation(#{ pop: 0, range: [-20, 100] });\nprint(br.folds);\n```",
    );
    api.ty::<IzhPop>(
        "IzhPop",
        "An Izhikevich population: C (pF), k (nS/mV), v_r, v_theta (threshold centre), delta (Lorentzian half-width), a (1/ms), b (nS), d (pA), g_ampa/g_gaba (nS), tau_ampa/tau_gaba (ms), e_ampa/e_gaba (mV), v_peak/v_reset (mV, spiking model only).",
        display_pop,
    );
    api.func(
        "izh_population",
        &["type: string"],
        "IzhPop",
        "A named cell type with the reference parameters: \"RS\" (E), \"FS\" (I), \"LTS\" (I), \"IB\" (E); delta = 1 mV.\n\n```rhai\nprint(izh_population(\"FS\"));\n```",
        |t: &str| -> RResult<IzhPop> { IzhPop::cell_type(t).map_err(err("izh_population")) },
    );
    api.func(
        "izh_population",
        &["params: map"],
        "IzhPop",
        &format!("A population from a cell type with any parameter overridden (none: the type's value).\n\n{}\n```rhai\nlet fs = izh_population(#{{ type: \"FS\", delta: 0.2 }});\nprint(fs.delta);\n```", IzhPopOpts::table()),
        |m: Map| pop_from_map(&m, "izh_population"),
    );
    api.func(
        "izh_cell_types",
        &[],
        "array",
        "Names accepted by izh_population.\n\n```rhai\nprint(izh_cell_types());\n```",
        || -> Array {
            CELL_TYPES
                .iter()
                .map(|s| Dynamic::from(s.to_string()))
                .collect()
        },
    );
    for (name, doc, f) in [
        (
            "C",
            "Capacitance (pF).",
            (|p: &mut IzhPop| p.c) as fn(&mut IzhPop) -> f64,
        ),
        ("k", "Gain (nS/mV).", |p: &mut IzhPop| p.k),
        ("v_r", "Resting potential (mV).", |p: &mut IzhPop| p.v_r),
        (
            "v_theta",
            "Centre of the threshold distribution (mV).",
            |p: &mut IzhPop| p.v_theta,
        ),
        (
            "delta",
            "Half-width of the Lorentzian threshold distribution (mV).",
            |p: &mut IzhPop| p.delta,
        ),
        ("a", "Recovery rate (1/ms).", |p: &mut IzhPop| p.a),
        ("b", "Recovery sensitivity (nS).", |p: &mut IzhPop| p.b),
        (
            "d",
            "Spike-triggered recovery increment (pA).",
            |p: &mut IzhPop| p.d,
        ),
    ] {
        api.get("IzhPop", name, "float", doc, f);
    }
    api.get("IzhPop", "name", "string", "Name.", |p: &mut IzhPop| {
        p.name.clone()
    });
    api.get(
        "IzhPop",
        "excitatory",
        "bool",
        "Excitatory (AMPA) or inhibitory (GABA) output.",
        |p: &mut IzhPop| p.excitatory,
    );

    api.ty::<IzhMeanField>(
        "IzhMeanField",
        "The Lorentzian mean field of coupled Izhikevich populations (5 variables each: r, v, u, s_ampa, s_gaba).",
        |m| format!("IzhMeanField({} populations: {})", m.pops.len(), m.pops.iter().map(|p| p.name.clone()).collect::<Vec<_>>().join(", ")),
    );
    api.func(
        "izh_mean_field",
        &["params: map"],
        "IzhMeanField",
        "A mean-field model. Keys: populations (IzhPop, maps or type names), J (weights, post x pre, >= 0; E presynaptic populations drive AMPA, I ones GABA), I (input current per population, pA).\n\n```rhai\nlet mf = izh_mean_field(#{ populations: [\"RS\", izh_population(#{ type: \"FS\", delta: 0.8 })],\n                           J: [[16, 16], [4, 4]], I: [50, 30] });\nprint(mf.steady_state().rates);\n```",
        |m: Map| mf_from_map(&m, "izh_mean_field"),
    );
    api.method(
        "IzhMeanField",
        "steady_state",
        &[],
        "map",
        "The steady state reached from rest (2 s of RK4, then Newton): #{ rates (Hz), v, u, s_ampa, s_gaba (per population), eig ([re, im] in 1/ms), stable }, or () when the trajectory does not settle (e.g. on a limit cycle).\n\n```rhai\nlet mf = izh_mean_field(#{ populations: [\"FS\"], J: [[1]], I: [40] });\nprint(mf.steady_state());\n```",
        |m: &mut IzhMeanField| -> Dynamic {
            match m.settle(&m.initial_state()) {
                Some(x) => {
                    let eig = m.eigenvalues(&x, &m.i_ext);
                    let mut s = state_map(m, &x);
                    s.insert("stable".into(), Dynamic::from(eig.iter().all(|e| e.0 < 0.0)));
                    s.insert("eig".into(), eig_array(&eig).into());
                    s.into()
                }
                None => Dynamic::UNIT,
            }
        },
    );
}

/// Registration, part 2 of 3.
fn register_part2(api: &mut Api) {
    api.method(
        "IzhMeanField",
        "simulate",
        &["opts: map"],
        "TimeCourse",
        &format!("Integrates the mean field (RK4). Also I (array of currents or Signals per population, pA; default the model's) and x0 (a state map as returned here or by steady_state; default rest). Returns a TimeCourse: pop_rates (Hz), extras v, u ([population][time], mV and pA) and last (the final state map, usable as x0). A non-finite state ends it with status \"diverged\".\n\n{}\n```rhai\nlet mf = izh_mean_field(#{{ populations: [\"RS\"], J: [[1]], I: [60] }});\nlet s = mf.simulate(#{{ duration: 200 }});\nprint(s.pop_rates[0][-1]);\nassert(s.status == \"finished\");\n// a steady state (or s.last) works as the initial state\nlet again = mf.simulate(#{{ duration: 20, x0: mf.steady_state() }});\nassert(again.status == \"finished\");\n```", IzhSimulateOpts::table()),
        |m: &mut IzhMeanField, opts: Map| -> RResult<TimeCourse> {
            const F: &str = "IzhMeanField.simulate";
            let so: IzhSimulateOpts = from_map(&opts, &["I", "x0"]).map_err(|e| rt_err(F, e))?;
            let (duration, dt, every) = (so.duration.0, so.dt.0, so.every.0 as usize);
            let sig = inputs(m, opts.get("I"), F)?;
            let x0 = state_from(m, opts.get("x0"), F)?;
            let input = |t: f64| sig.iter().map(|s| s.at(t)).collect::<Vec<f64>>();
            let tr = m.integrate(&x0, duration, dt, every, &input).map_err(err(F))?;
            let last = m.state_record(tr.last());
            Ok(m.time_course(&tr).with("last", Extra::Record(last)))
        },
    );
    api.method(
        "IzhMeanField",
        "continuation",
        &["opts: map"],
        "map",
        &format!("Steady-state branch in the input current of one population by pseudo-arclength continuation (both directions from the state reached at the model's inputs, or from x0), with fold and Hopf detection. Also x0 (a state map to start from). Returns #{{ I (pA per point), pop_rates (Hz, [pop][point]), stable (per point), folds [#{{ I, rates }}], hopf [#{{ I, rates, freq_hz }}], complete (false when max_points or the step floor stopped the branch before it left range), stop_reason }}.\n\n{}\n```rhai\nlet fs = izh_population(#{{ type: \"FS\", delta: 0.5, g_gaba: 15, tau_gaba: 6 }});\nlet mf = izh_mean_field(#{{ populations: [fs], J: [[1]], I: [0] }});\nprint(mf.continuation(#{{ range: [0, 200] }}).hopf);\n```", ContinuationOpts::table()),
        |m: &mut IzhMeanField, opts: Map| -> RResult<Map> {
            const F: &str = "IzhMeanField.continuation";
            let c = from_map::<ContinuationOpts>(&opts, &["x0"])
                .map_err(|e| rt_err(F, e))?
                .build()
                .map_err(err(F))?;
            let x0 = match opts.get("x0") {
                Some(v) => state_from(m, Some(v), F)?,
                None => m.settle(&m.initial_state()).ok_or_else(|| {
                    rt_err(F, "no steady state reached from rest at the model's inputs; give x0 near a steady state or change I")
                })?,
            };
            let b = m
                .continuation(&x0, &c)
                .map_err(err(F))?;
            let rates: Array = b.rates_hz().iter().map(|r| Dynamic::from_array(to_array(r))).collect();
            let special = |kind: Special| -> Array {
                b.special
                    .iter()
                    .filter(|s| s.kind == kind)
                    .map(|s| {
                        let mut mm = map_of(vec![("I", Dynamic::from(s.param)), ("rates", to_array(&s.rates_hz()).into())]);
                        if kind == Special::Hopf {
                            mm.insert("freq_hz".into(), Dynamic::from(s.freq_hz));
                        }
                        Dynamic::from_map(mm)
                    })
                    .collect()
            };
            Ok(map_of(vec![
                ("I", to_array(&b.points.iter().map(|x| x.param).collect::<Vec<_>>()).into()),
                ("pop_rates", rates.into()),
                ("stable", b.points.iter().map(|x| Dynamic::from(x.stable)).collect::<Array>().into()),
                ("folds", special(Special::Fold).into()),
                ("hopf", special(Special::Hopf).into()),
                ("complete", Dynamic::from(b.truncated.is_empty())),
                ("stop_reason", Dynamic::from(b.truncated.join("; "))),
            ]))
        },
    );
    api.method(
        "IzhMeanField",
        "resonance",
        &["opts: map"],
        "map",
        &format!("Response to periodic drive I + A sin(2 pi f t) into one population, from the steady state: amplitude of the first Fourier component of each population's rate (Hz) per frequency. Frequencies run in parallel. Returns #{{ freqs, amplitude ([pop][freq], Hz) }}.\n\n{}\n```rhai\nlet mf = izh_mean_field(#{{ populations: [\"RS\", izh_population(#{{ type: \"FS\", delta: 0.8 }})], J: [[16, 16], [4, 4]], I: [50, 36] }});\nprint(mf.resonance(#{{ freqs: [5, 12], transient: 200, window: 300 }}).amplitude[0]);\n```", ResonanceOpts::table()),
        |m: &mut IzhMeanField, opts: Map| -> RResult<Map> {
            const F: &str = "IzhMeanField.resonance";
            let o: ResonanceOpts = from_map(&opts, &[]).map_err(|e| rt_err(F, e))?;
            let freqs = o.freqs().map_err(err(F))?;
            let x0 = m.settle(&m.initial_state()).unwrap_or_else(|| m.initial_state());
            let a = m.resonance(&x0, o.pop.0 as usize, &freqs, o.amplitude.0, o.transient.0, o.window.0).map_err(err(F))?;
            Ok(resonance_map(&freqs, &a, m.pops.len()))
        },
    );
    api.method(
        "IzhMeanField",
        "run",
        &["opts: map"],
        "TimeCourse",
        &format!("Simulates the spiking network the mean field describes: all-to-all coupling through population gates, Lorentzian thresholds, forward Euler. Also I (currents or Signals per population, pA). Returns a TimeCourse: pop_rates (Hz, [population][bin] at bin centres t), rates (mean over t >= transient), extras v_mean ([population][bin], mV) and wall_s; Ctrl-C gives status \"interrupted\".\n\n{}\n```rhai\nlet mf = izh_mean_field(#{{ populations: [\"RS\"], J: [[1]], I: [60] }});\nlet s = mf.run(#{{ N: 200, duration: 50, dt: 0.005 }});\nprint(s.pop_rates[0].len());\nassert(s.status == \"finished\");\n```", IzhRunOpts::table()),
        |m: &mut IzhMeanField, opts: Map| -> RResult<TimeCourse> { izh_run(m, opts, "IzhMeanField.run") },
    );
}

/// Registration, part 3 of 3.
fn register_part3(api: &mut Api) {
    api.method(
        "IzhMeanField",
        "spiking",
        &["opts: map"],
        "TimeCourse",
        "Old name of IzhMeanField.run (spiking simulations are `run` everywhere); kept so old scripts work.",
        |m: &mut IzhMeanField, opts: Map| -> RResult<TimeCourse> { izh_run(m, opts, "IzhMeanField.spiking") },
    );
    api.method(
        "IzhMeanField",
        "spiking_resonance",
        &["opts: map"],
        "map",
        "Resonance curve of the spiking network: runs it (in parallel over frequencies) with I + A sin(2 pi f t) into one population and returns the amplitude of the first Fourier component of each population rate (Hz) after the transient. Options: freqs (Hz, required), pop (0), amplitude (pA, 1), transient (ms, 300), plus every option of `run` (duration is the run length per frequency). Returns #{ freqs, amplitude ([pop][freq], Hz) }.\n\n```rhai\nlet mf = izh_mean_field(#{ populations: [\"RS\"], J: [[1]], I: [60] });\nprint(mf.spiking_resonance(#{ freqs: [10], N: 100, duration: 150, transient: 50, dt: 0.005, amplitude: 5 }).amplitude);\n```",
        |m: &mut IzhMeanField, opts: Map| -> RResult<Map> {
            const F: &str = "IzhMeanField.spiking_resonance";
            let extra = ["freqs", "pop", "amplitude"];
            let (so, ro) = spiking_options(m, &opts, &extra, F)?;
            let o: ResonanceOpts = from_map(&opts.iter().filter(|(k, _)| extra.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect(), &[])
                .map_err(|e| rt_err(F, e))?;
            let freqs = o.freqs().map_err(err(F))?;
            let transient = so.transient.map_or(300.0, |t| t.0);
            let a = crate::izh::network::resonance(&m.pops, &m.j, &ro, o.pop.0 as usize, &freqs, o.amplitude.0, transient)
                .map_err(err(F))?;
            Ok(resonance_map(&freqs, &a, m.pops.len()))
        },
    );
}
