//! The one result shape of every time course (LIF and Izhikevich spiking runs, the Izhikevich and
//! motif mean fields, SSN rate dynamics, motif rate networks): recording times in ms, a rate per
//! population and time, the measurement window, a termination reason, and named extras that a
//! domain adds (membrane potentials, recovery variables, motif loadings, final statistics).

use super::ode::Termination;
use serde_json::{Value as Json, json};

/// A domain extra: a number, a vector, a matrix ([population][time] for series), text, or a
/// nested record.
#[derive(Debug, Clone, PartialEq)]
pub enum Extra {
    /// A number.
    Num(f64),
    /// A vector (e.g. one value per population, or per neuron).
    Vec(Vec<f64>),
    /// A matrix; `[population][time]` when it is a series on the recording times.
    Mat(Vec<Vec<f64>>),
    /// Text.
    Text(String),
    /// A nested record.
    Record(Vec<(String, Extra)>),
}

impl Extra {
    /// The extra as JSON (non-finite numbers become null).
    pub fn to_json(&self) -> Json {
        let num = |x: f64| if x.is_finite() { json!(x) } else { Json::Null };
        match self {
            Extra::Num(x) => num(*x),
            Extra::Vec(v) => Json::Array(v.iter().map(|&x| num(x)).collect()),
            Extra::Mat(m) => Json::Array(
                m.iter()
                    .map(|r| Json::Array(r.iter().map(|&x| num(x)).collect()))
                    .collect(),
            ),
            Extra::Text(s) => json!(s),
            Extra::Record(r) => {
                Json::Object(r.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
        }
    }
}

/// A recorded time course.
#[derive(Debug, Clone)]
pub struct TimeCourse {
    /// What produced it (e.g. "SSN rate dynamics"), for previews and file metadata.
    pub kind: String,
    /// Recording times (ms).
    pub t: Vec<f64>,
    /// Population names.
    pub names: Vec<String>,
    /// Rate per population and recording time, `[population][time]`.
    pub pop_rates: Vec<Vec<f64>>,
    /// Unit of the rates ("Hz", or the model's own rate unit).
    pub rate_unit: String,
    /// Start of the measurement window (ms): `rates` averages over `t >= window_start`.
    pub window_start: f64,
    /// Why the run stopped.
    pub termination: Termination,
    /// Time reached (ms).
    pub t_end: f64,
    /// Domain extras, in the order they were added.
    pub extras: Vec<(String, Extra)>,
}

impl TimeCourse {
    /// A time course without extras; `t_end` is where a diverged or interrupted run stopped,
    /// else the last recording time.
    pub fn new(
        kind: &str,
        t: Vec<f64>,
        names: Vec<String>,
        pop_rates: Vec<Vec<f64>>,
        rate_unit: &str,
        termination: Termination,
    ) -> Self {
        let t_end = termination
            .stop_time()
            .unwrap_or_else(|| t.last().copied().unwrap_or(0.0));
        TimeCourse {
            kind: kind.into(),
            t,
            names,
            pop_rates,
            rate_unit: rate_unit.into(),
            window_start: 0.0,
            termination,
            t_end,
            extras: Vec::new(),
        }
    }

    /// Adds (or replaces) a named extra.
    pub fn with(mut self, name: &str, x: Extra) -> Self {
        self.extras.retain(|(k, _)| k != name);
        self.extras.push((name.into(), x));
        self
    }

    /// Sets the start of the measurement window (ms).
    pub fn window_from(mut self, t0: f64) -> Self {
        self.window_start = t0;
        self
    }

    /// A named extra.
    pub fn extra(&self, name: &str) -> Option<&Extra> {
        self.extras.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// "finished", "diverged" or "interrupted".
    pub fn status(&self) -> &'static str {
        self.termination.status()
    }

    /// Mean rate per population over the recordings with `t >= window_start`. NaN for a
    /// population when the window holds no recording (the run ended before it) or the run
    /// diverged: such a mean is no answer.
    pub fn rates(&self) -> Vec<f64> {
        let idx: Vec<usize> = (0..self.t.len())
            .filter(|&k| self.t[k] >= self.window_start)
            .collect();
        let diverged = matches!(self.termination, Termination::Diverged { .. });
        self.pop_rates
            .iter()
            .map(|r| {
                if idx.is_empty() || diverged {
                    return f64::NAN;
                }
                idx.iter().map(|&k| r[k]).sum::<f64>() / idx.len() as f64
            })
            .collect()
    }

    /// Series extras (matrices whose rows have one value per recording time), for tables.
    pub fn series(&self) -> Vec<(&str, &Vec<Vec<f64>>)> {
        self.extras
            .iter()
            .filter_map(|(k, v)| match v {
                Extra::Mat(m)
                    if m.len() == self.names.len() && m.iter().all(|r| r.len() == self.t.len()) =>
                {
                    Some((k.as_str(), m))
                }
                _ => None,
            })
            .collect()
    }

    /// Table columns: `t_ms`, `rate_<pop>_<unit>`, then `<extra>_<pop>` for every series extra.
    pub fn columns(&self) -> Vec<(String, Vec<f64>)> {
        let unit = self.rate_unit.to_lowercase().replace(['.', ' '], "");
        let mut cols = vec![("t_ms".to_string(), self.t.clone())];
        for (n, y) in self.names.iter().zip(&self.pop_rates) {
            cols.push((format!("rate_{n}_{unit}"), y.clone()));
        }
        for (k, m) in self.series() {
            for (n, y) in self.names.iter().zip(m) {
                cols.push((format!("{k}_{n}"), y.clone()));
            }
        }
        cols
    }

    /// Everything as JSON (non-finite numbers become null).
    pub fn to_json(&self) -> Json {
        let arr = |v: &[f64]| Extra::Vec(v.to_vec()).to_json();
        let extras: serde_json::Map<String, Json> = self
            .extras
            .iter()
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect();
        json!({
            "kind": self.kind,
            "status": self.status(),
            "t_end_ms": self.t_end,
            "window_start_ms": self.window_start,
            "rate_unit": self.rate_unit,
            "names": self.names,
            "t_ms": arr(&self.t),
            "pop_rates": Extra::Mat(self.pop_rates.clone()).to_json(),
            "rates": arr(&self.rates()),
            "extras": extras,
        })
    }

    /// A few lines of text: kind, status, populations and window means.
    pub fn summary(&self) -> String {
        let rates: Vec<String> = self
            .names
            .iter()
            .zip(self.rates())
            .map(|(n, r)| format!("{n} {r:.4}"))
            .collect();
        let extras: Vec<&str> = self.extras.iter().map(|(k, _)| k.as_str()).collect();
        let mut s = format!(
            "TimeCourse({}: {}, t_end = {} ms, {} recordings; mean rates ({}, t >= {} ms): {}",
            self.kind,
            self.status(),
            self.t_end,
            self.t.len(),
            self.rate_unit,
            self.window_start,
            rates.join(", ")
        );
        if !extras.is_empty() {
            s.push_str(&format!("; extras: {}", extras.join(", ")));
        }
        s.push(')');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_mean_and_columns() {
        let tc = TimeCourse::new(
            "test",
            vec![0.0, 1.0, 2.0, 3.0],
            vec!["E".into(), "I".into()],
            vec![vec![0.0, 1.0, 2.0, 3.0], vec![4.0, 4.0, 6.0, 6.0]],
            "Hz",
            Termination::Finished,
        )
        .window_from(2.0)
        .with("v", Extra::Mat(vec![vec![1.0; 4], vec![2.0; 4]]))
        .with("last", Extra::Vec(vec![3.0, 6.0]));
        assert_eq!(tc.rates(), vec![2.5, 6.0]);
        let cols: Vec<String> = tc.columns().into_iter().map(|c| c.0).collect();
        assert_eq!(cols, ["t_ms", "rate_E_hz", "rate_I_hz", "v_E", "v_I"]);
        assert_eq!(tc.to_json()["status"], "finished");
        // A window past the end, or a diverged run, has no mean.
        let late = tc.clone().window_from(10.0);
        assert!(late.rates().iter().all(|r| r.is_nan()));
        let mut div = tc;
        div.termination = Termination::Diverged { t: 3.0 };
        assert!(div.rates().iter().all(|r| r.is_nan()));
    }
}
