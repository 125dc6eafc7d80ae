//! The options of a spiking run, declared once (keys, defaults, units, docs): the script
//! binding converts a map into [`RunOpts`], and `help` prints [`RunOpts`]'s generated table.
//! The drive (`mu`, `r`, `ratio`, `rates`) is polymorphic (numbers, arrays, Signals, maps)
//! and is read by the binding.

use super::engine::{RunOptions, Scheme};
use crate::error::{Error, Result};
use crate::options::{Count, Num};

crate::options! {
    /// Scalar options of `SpikingNetwork.run` (the time-course part of a run).
    pub struct RunOpts {
        /// simulated time
        duration: Num = Num(1000.0), "ms";
        /// time step
        dt: Num = Num(0.05), "ms";
        /// seed of the noise, the initial state and the Poisson inputs
        seed: Count = Count(1), "";
        /// seed of the connectivity (none: the same as seed)
        conn_seed: Option<Count> = None, "";
        /// width of the population-rate bins
        bin: Num = Num(10.0), "ms";
        /// start of the window for rates, CV and balance (none: min(duration / 4, 500))
        transient: Option<Num> = None, "ms";
        /// neurons per population recorded in the raster
        record: Count = Count(0), "";
        /// worker threads (0: --threads, SSNLAB_THREADS, SLURM_CPUS_PER_TASK or the usable CPUs less the busy ones; 1 inside parallel seeds); results do not depend on it
        threads: Count = Count(0), "";
        /// stop the run as diverged when a population rate over 10 ms exceeds this (0: never)
        max_rate: Num = Num(5000.0), "Hz";
        /// show a progress bar on a terminal
        progress: bool = true, "";
        /// initial V per population (none: uniform in [v_reset, theta])
        v0: Option<Vec<Num>> = None, "mV";
        /// Brownian-bridge threshold detection (removes the O(sqrt(dt)) rate deficit of grid-time threshold checks)
        bridge: bool = false, "";
        /// membrane step: "exact" (Ornstein-Uhlenbeck) or "paper" (V e^(-dt/tau) + mu dt + sigma sqrt(dt) xi)
        scheme: String = "exact".to_string(), "";
    }
}

impl RunOpts {
    /// Sets these options on `o` (validated by the engine when the run starts).
    pub fn apply(&self, o: &mut RunOptions) -> Result<()> {
        o.duration = self.duration.0;
        o.dt = self.dt.0;
        o.seed = self.seed.0;
        o.conn_seed = self.conn_seed.map_or(self.seed.0, |c| c.0);
        o.bin = self.bin.0;
        o.transient = self
            .transient
            .map_or_else(|| RunOptions::default_transient(o.duration), |t| t.0);
        o.record = self.record.0 as usize;
        o.threads = self.threads.0 as usize;
        o.max_rate = self.max_rate.0;
        o.progress = self.progress;
        o.v0 = self.v0.as_ref().map(|v| v.iter().map(|x| x.0).collect());
        o.bridge = self.bridge;
        o.scheme = Scheme::parse(&self.scheme).ok_or_else(|| {
            Error::param(
                "scheme",
                format!("{:?}", self.scheme),
                "must be \"exact\" (the exact Ornstein-Uhlenbeck step) or \"paper\" (the paper simulator's V e^(-dt/tau) + mu dt + sigma sqrt(dt) xi)",
            )
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::{Documented, from_map};
    use rhai::{Dynamic, Map};

    fn map(pairs: &[(&str, Dynamic)]) -> Map {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), v.clone()))
            .collect()
    }

    #[test]
    fn integers_and_floats_both_work_and_defaults_fill_in() {
        let o: RunOpts = from_map(
            &map(&[
                ("duration", Dynamic::from_int(200)),
                ("seed", Dynamic::from_float(3.0)),
                ("dt", Dynamic::from_float(0.1)),
            ]),
            &[],
        )
        .unwrap();
        assert_eq!((o.duration.0, o.seed.0, o.dt.0), (200.0, 3, 0.1));
        assert_eq!(o.bin.0, 10.0);
        assert!(o.conn_seed.is_none() && o.progress);
    }

    #[test]
    fn errors_name_the_option_the_value_and_the_valid_keys() {
        let e = from_map::<RunOpts>(&map(&[("bogus", Dynamic::from_int(1))]), &["mu"]).unwrap_err();
        assert!(
            e.contains("unknown option `bogus`") && e.contains("duration") && e.contains("mu"),
            "{e}"
        );
        let e = from_map::<RunOpts>(&map(&[("seed", Dynamic::from_int(-1))]), &[]).unwrap_err();
        assert!(
            e.contains("`seed`") && e.contains("-1") && e.contains("whole number"),
            "{e}"
        );
        let e = from_map::<RunOpts>(&map(&[("dt", Dynamic::from("x"))]), &[]).unwrap_err();
        assert!(e.contains("`dt`") && e.contains("number"), "{e}");
        let e = from_map::<RunOpts>(&map(&[("seed", Dynamic::from_float(1.5))]), &[]).unwrap_err();
        assert!(e.contains("`seed`"), "{e}");
    }

    #[test]
    fn the_doc_table_is_generated_from_the_struct() {
        let t = RunOpts::table();
        for f in RunOpts::fields() {
            assert!(t.contains(f.key), "{t}");
        }
        assert!(
            t.contains("duration (ms, default 1000.0): simulated time"),
            "{t}"
        );
        assert!(t.contains("conn_seed") && t.contains("none"), "{t}");
        assert!(t.contains("\"exact\""), "{t}");
    }
}

crate::options! {
    /// Options of `SpikingNetwork.sweep` and `compare`: a staircase of drives, one continuous
    /// run per seed.
    pub struct SweepOpts {
        /// inputs to population 0 in the order of an "up" sweep (or give mu_range)
        mu: Option<Vec<Num>> = None, "mV/s";
        /// [lo, hi, n]: n evenly spaced inputs instead of mu
        mu_range: Option<Vec<Num>> = None, "mV/s";
        /// mu_I / mu_E for an E-I network (none: the network's r)
        r: Option<Num> = None, "";
        /// input of each population = ratio x the step's value (instead of r)
        ratio: Option<Vec<Num>> = None, "";
        /// duration of each step
        step: Num = Num(2000.0), "ms";
        /// part of each step discarded before averaging (none: step / 4)
        transient: Option<Num> = None, "ms";
        /// "up", "down" or "updown" (hysteresis: up, then back down in the same run)
        direction: String = "up".to_string(), "";
        /// seed of one run (or give seeds)
        seed: Count = Count(1), "";
        /// seeds of repeated runs, run in parallel (each on its share of the threads)
        seeds: Option<Vec<Count>> = None, "";
        /// time step
        dt: Num = Num(0.05), "ms";
        /// width of the population-rate bins
        bin: Num = Num(10.0), "ms";
        /// worker threads per run (0: the process budget split between parallel seeds)
        threads: Count = Count(0), "";
        /// seed of the connectivity, shared by all runs
        conn_seed: Count = Count(1), "";
        /// show a progress bar on a terminal (one seed only)
        progress: bool = true, "";
        /// stop a run as diverged above this population rate (0: never); later points are NaN
        max_rate: Num = Num(5000.0), "Hz";
        /// Brownian-bridge threshold detection
        bridge: bool = false, "";
        /// membrane step: "exact" or "paper"
        scheme: String = "exact".to_string(), "";
    }
}

impl SweepOpts {
    /// The base run options and the sweep of a network with `p` populations whose default
    /// input ratio is `default_r` (E-I networks).
    pub fn build(
        &self,
        spec: &super::model::NetSpec,
        default_r: f64,
    ) -> Result<(RunOptions, super::protocol::SweepOptions)> {
        use super::protocol::{Direction, SweepOptions};
        let p = spec.pops.len();
        let mut base = RunOptions::new(spec);
        let run = RunOpts {
            dt: self.dt,
            bin: self.bin,
            threads: self.threads,
            conn_seed: Some(self.conn_seed),
            progress: self.progress,
            max_rate: self.max_rate,
            bridge: self.bridge,
            scheme: self.scheme.clone(),
            ..RunOpts::default()
        };
        run.apply(&mut base)?;
        let nums = |v: &Vec<Num>| v.iter().map(|x| x.0).collect::<Vec<f64>>();
        let values = match (&self.mu, &self.mu_range) {
            (Some(v), None) => nums(v),
            (None, Some(g)) => {
                let g = nums(g);
                if g.len() != 3 || !(g[2] >= 1.0 && g[2].fract() == 0.0 && g[2] <= 2e7) {
                    return Err(Error::param(
                        "mu_range",
                        format!("{g:?}"),
                        "must be [lo, hi, n] with n a whole number in 1 ..= 2e7",
                    ));
                }
                crate::numerics::stats::linspace(g[0], g[1], g[2] as usize)
            }
            (Some(_), Some(_)) => {
                return Err(Error::param(
                    "mu/mu_range",
                    "both",
                    "give either `mu` or `mu_range`, not both",
                ));
            }
            (None, None) => {
                return Err(Error::param(
                    "mu",
                    "none",
                    "needs `mu` (array of inputs, mV/s) or `mu_range` [lo, hi, n]",
                ));
            }
        };
        let ratio = match (&self.ratio, self.r) {
            (Some(r), _) if r.len() == p => nums(r),
            (Some(r), _) => {
                return Err(Error::param(
                    "ratio",
                    format!("{} values", r.len()),
                    format!("needs one value per population ({p})"),
                ));
            }
            (None, r) if p == 2 => vec![1.0, r.map_or(default_r, |x| x.0)],
            (None, _) => vec![1.0; p],
        };
        let seeds = match &self.seeds {
            Some(s) => s.iter().map(|c| c.0).collect(),
            None => vec![self.seed.0],
        };
        let so = SweepOptions {
            values,
            ratio,
            step: self.step.0,
            transient: self.transient.map_or(self.step.0 / 4.0, |t| t.0),
            direction: Direction::parse(&self.direction)?,
            seeds,
        };
        Ok((base, so))
    }
}
