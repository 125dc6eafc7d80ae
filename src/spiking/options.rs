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
