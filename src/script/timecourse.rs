//! Rhai binding of [`TimeCourse`], the one result shape of every time course: `t`, `pop_rates`,
//! `rates`, `names`, `status`, `t_end`, `to_csv`, `to_json`, `plot`, and domain extras read as
//! properties (`tc.v`) or by name (`tc["v"]`).

use super::api::Api;
use super::convert::{RResult, map_of, rt_err, to_array, to_matrix};
use crate::io::{self, Column};
use crate::numerics::timecourse::{Extra, TimeCourse};
use crate::plot::Plot;
use rhai::{Array, Dynamic, Map};
use std::path::Path;

/// An extra as a Rhai value.
pub fn extra_dynamic(x: &Extra) -> Dynamic {
    match x {
        Extra::Num(v) => Dynamic::from_float(*v),
        Extra::Vec(v) => to_array(v).into(),
        Extra::Mat(m) => to_matrix(m).into(),
        Extra::Text(s) => Dynamic::from(s.clone()),
        Extra::Record(r) => {
            let m: Map = r
                .iter()
                .map(|(k, v)| (k.as_str().into(), extra_dynamic(v)))
                .collect();
            m.into()
        }
    }
}

fn display(tc: &TimeCourse) -> String {
    tc.summary()
}

/// Saves the population-rate figure of `tc` to `path` (.png or .svg); `func` names the caller
/// in errors.
pub fn save_rate_plot(tc: &TimeCourse, path: &str, func: &str) -> RResult<()> {
    let mut fig = crate::plot::Figure::single(Plot::time_course(tc), (800, 500));
    super::output::save_fig(&mut fig, path, &Map::new(), func)
}

/// Registers the TimeCourse type.
pub fn register(api: &mut Api) {
    register_part1(api);
    register_part2(api);
}

/// Registration, part 1 of 2.
fn register_part1(api: &mut Api) {
    api.ty::<TimeCourse>(
        "TimeCourse",
        "The result of every deterministic time course (Ssn.simulate, IzhMeanField.simulate, MotifMeanField.simulate, MotifMatrix.simulate) and of Izhikevich spiking runs: t (ms), pop_rates ([population][time]), rates (mean per population over t >= window_start), names, status (\"finished\", \"diverged\" or \"interrupted\"), t_end, unit, plus domain extras read as properties (tc.v) or by name (tc[\"v\"]). A run whose dynamics diverge is a result with status \"diverged\" (its rates are NaN); Ctrl-C gives status \"interrupted\" with what was recorded.\n\n```rhai\nlet tc = paper_network(\"fig2\").to_ssn().simulate(#{ mu: 20, duration: 300 });\nprint(tc.status);\nprint(tc.rates);\nassert(tc.status == \"finished\");\n```",
        display,
    );
    api.get(
        "TimeCourse",
        "t",
        "array",
        "Recording times (ms).",
        |tc: &mut TimeCourse| to_array(&tc.t),
    );
    api.get(
        "TimeCourse",
        "pop_rates",
        "array",
        "Rate per population and recording time, [population][time], in `unit`.",
        |tc: &mut TimeCourse| to_matrix(&tc.pop_rates),
    );
    api.get(
        "TimeCourse",
        "rates",
        "array",
        "Mean rate per population over the recordings with t >= window_start (NaN when the run diverged or ended before the window).",
        |tc: &mut TimeCourse| to_array(&tc.rates()),
    );
    api.get(
        "TimeCourse",
        "names",
        "array",
        "Population names.",
        |tc: &mut TimeCourse| {
            tc.names
                .iter()
                .map(|n| Dynamic::from(n.clone()))
                .collect::<Array>()
        },
    );
    api.get(
        "TimeCourse",
        "status",
        "string",
        "\"finished\", \"diverged\" (runaway or non-finite state) or \"interrupted\" (Ctrl-C).",
        |tc: &mut TimeCourse| tc.status().to_string(),
    );
    api.get(
        "TimeCourse",
        "t_end",
        "float",
        "Time reached (ms).",
        |tc: &mut TimeCourse| tc.t_end,
    );
    api.get(
        "TimeCourse",
        "window_start",
        "float",
        "Start of the measurement window of `rates` (ms).",
        |tc: &mut TimeCourse| tc.window_start,
    );
    api.get(
        "TimeCourse",
        "unit",
        "string",
        "Unit of the rates (\"Hz\" unless the model has its own).",
        |tc: &mut TimeCourse| tc.rate_unit.clone(),
    );
    api.get(
        "TimeCourse",
        "kind",
        "string",
        "What produced the time course.",
        |tc: &mut TimeCourse| tc.kind.clone(),
    );
    api.get(
        "TimeCourse",
        "extras",
        "array",
        "Names of the domain extras (read them as tc.NAME or tc[\"NAME\"]).",
        |tc: &mut TimeCourse| {
            tc.extras
                .iter()
                .map(|(k, _)| Dynamic::from(k.clone()))
                .collect::<Array>()
        },
    );
    api.method(
        "TimeCourse",
        "get",
        &["name: string"],
        "any",
        "A domain extra by name (also tc.NAME and tc[\"NAME\"]); an error lists the extras this result has.\n\n```rhai\nlet mf = izh_mean_field(#{ populations: [\"RS\"], J: [[1]], I: [60] });\nlet tc = mf.simulate(#{ duration: 50 });\nprint(tc.get(\"v\")[0][-1]);\n```",
        |tc: &mut TimeCourse, name: &str| -> RResult<Dynamic> { extra_of(tc, name) },
    );
    api.engine
        .register_indexer_get(|tc: &mut TimeCourse, name: &str| -> RResult<Dynamic> {
            extra_of(tc, name)
        });
}

/// Registration, part 2 of 2.
fn register_part2(api: &mut Api) {
    api.method(
        "TimeCourse",
        "to_map",
        &[],
        "map",
        "Everything as a map (t, pop_rates, rates, names, status, t_end, unit and every extra).",
        |tc: &mut TimeCourse| -> Map {
            let mut m = map_of(vec![
                ("t", to_array(&tc.t).into()),
                ("pop_rates", to_matrix(&tc.pop_rates).into()),
                ("rates", to_array(&tc.rates()).into()),
                (
                    "names",
                    tc.names
                        .iter()
                        .map(|n| Dynamic::from(n.clone()))
                        .collect::<Array>()
                        .into(),
                ),
                ("status", Dynamic::from(tc.status().to_string())),
                ("t_end", Dynamic::from_float(tc.t_end)),
                ("unit", Dynamic::from(tc.rate_unit.clone())),
            ]);
            for (k, v) in &tc.extras {
                m.insert(k.as_str().into(), extra_dynamic(v));
            }
            m
        },
    );
    api.method(
        "TimeCourse",
        "to_csv",
        &["path: string"],
        "",
        "Writes t_ms, rate_<pop>_<unit> and every series extra (<name>_<pop>) as CSV with a metadata sidecar (kind, status, t_end). Refuses to overwrite.\n\n```rhai\nlet tc = paper_network(\"fig2\").to_ssn().simulate(#{ mu: 20, duration: 50 });\ntc.to_csv(`${tmp_dir()}/ssn_tc.csv`);\n```",
        |tc: &mut TimeCourse, path: &str| -> RResult<()> {
            let cols: Vec<(String, Column)> =
                tc.columns().into_iter().map(|(k, v)| (k, Column::Num(v))).collect();
            io::write_csv(Path::new(path), &cols, false, meta(tc)).map_err(|e| rt_err("TimeCourse.to_csv", e))
        },
    );
    api.method(
        "TimeCourse",
        "to_json",
        &["path: string"],
        "",
        "Writes the whole result (times, rates, status, extras) as JSON with a metadata sidecar. Refuses to overwrite.\n\n```rhai\nlet tc = paper_network(\"fig2\").to_ssn().simulate(#{ mu: 20, duration: 50 });\ntc.to_json(`${tmp_dir()}/ssn_tc.json`);\n```",
        |tc: &mut TimeCourse, path: &str| -> RResult<()> {
            io::write_json(Path::new(path), &tc.to_json(), false, meta(tc))
                .map_err(|e| rt_err("TimeCourse.to_json", e))
        },
    );
    api.method(
        "TimeCourse",
        "plot",
        &[],
        "Plot",
        "The population rates against time, one colour per population.\n\n```rhai\nlet tc = paper_network(\"fig2\").to_ssn().simulate(#{ mu: 20, duration: 50 });\ntc.plot().save(`${tmp_dir()}/ssn_tc.png`);\n```",
        |tc: &mut TimeCourse| Plot::time_course(tc),
    );
    api.method(
        "TimeCourse",
        "plot",
        &["path: string"],
        "",
        "Saves the population-rate figure to `path` (.png or .svg).",
        |tc: &mut TimeCourse, path: &str| -> RResult<()> {
            save_rate_plot(tc, path, "TimeCourse.plot")
        },
    );
}

fn meta(tc: &TimeCourse) -> serde_json::Value {
    serde_json::json!({
        "kind": tc.kind,
        "status": tc.status(),
        "t_end_ms": tc.t_end,
        "window_start_ms": tc.window_start,
        "rate_unit": tc.rate_unit,
    })
}

fn extra_of(tc: &TimeCourse, name: &str) -> RResult<Dynamic> {
    tc.extra(name).map(extra_dynamic).ok_or_else(|| {
        let mut have: Vec<&str> = [
            "t",
            "pop_rates",
            "rates",
            "names",
            "status",
            "t_end",
            "unit",
        ]
        .to_vec();
        have.extend(tc.extras.iter().map(|(k, _)| k.as_str()));
        rt_err(
            "TimeCourse",
            format!(
                "this {} result has no member `{name}`; it has: {}",
                tc.kind,
                have.join(", ")
            ),
        )
    })
}
