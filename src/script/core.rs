//! Core helpers: units and conventions, array utilities (linspace, sum, mean, ...).

use super::api::Api;
use super::convert::{RResult, count, fnum, num, num_vec, rt_err, to_array};
use crate::numerics::stats::linspace;
use rhai::{Array, Dynamic};

/// Text of `ssnlab doc units`.
pub const UNITS_DOC: &str = "Units and conventions used everywhere in ssnlab.

Time: milliseconds (ms) in every script argument (tau, t_ref, dt, duration); rates are in
Hz (spikes per second). Voltages: mV. Following Ekelmans et al. (2023), the LIF membrane
equation is dV/dt = -V/tau + I(t): the feedforward input mean `mu` is a *drive* in mV/s
(so a constant input mu moves V towards mu*tau; with tau = 20 ms, mu = 50 mV/s gives
V_inf = 1 mV = threshold) and the noise `sigma` is in mV/sqrt(s). Synaptic weights J are
in mV (jump of V per presynaptic spike); the recurrent drive from population b onto a is
J_ab * K_ab * nu_b in mV/s. Defaults: threshold theta = 1 mV, reset v_reset = 0 mV,
t_ref = 0 ms, sigma = 3 mV/sqrt(s), tau_E = 20 ms, tau_I = 10 ms.

Numbers: every numeric parameter accepts integers and floats (20 and 20.0).
Options maps: unknown keys are an error that lists the valid keys.
Scripts: `ssnlab run FILE.rhai ARGS...` exposes the arguments as the string array ARGS.
Ctrl-C stops a long computation; the REPL survives it.

```rhai
let ms = 1.0;              // times are plain numbers in ms
let tau = 20 * ms;
print(`V_inf for mu = 50 mV/s: ${50.0 * tau / 1000.0} mV`);
```";

fn reduce(v: &Dynamic, func: &'static str, f: impl Fn(&[f64]) -> f64) -> RResult<f64> {
    let xs = num_vec(v, func, "xs")?;
    if xs.is_empty() {
        return Err(rt_err(
            func,
            "parameter `xs` is an empty array; at least one element is needed",
        ));
    }
    Ok(f(&xs))
}

/// Registers the core helpers and the `units` topic.
pub fn register(api: &mut Api) {
    register_part1(api);
    register_part2(api);
    register_part3(api);
}

const SWEEP_DOC: &str = "Parameter sweeps, on one machine or as SLURM job arrays.\n\nA sweep script defines at top level `let grid = #{ mu: [...], r: [...] };` (parameter -> array of numbers, strings or bools), optionally `let base_seed = 7;`, and `fn point(p) { ... }` returning a map of numbers, strings, bools, () or arrays of numbers. `p` holds the point's values plus `index` and `seed`. Points are the Cartesian product with keys in alphabetical order, the last varying fastest; `seed` comes from base_seed and the index only (never from the shard), so results do not depend on how the sweep is split or on --threads. The top level runs again before each point: keep it cheap, and make what point() needs `const` (read it as `global::NAME`; functions do not see `let` variables). Scripts see ARGS as in `ssnlab run`.\n\nCommands:\n  ssnlab sweep FILE.rhai --out DIR [--shard I/N] [ARGS...]   run all points, or shard I of N (round-robin: index % N == I); re-running resumes, skipping done points\n  ssnlab sweep status DIR                                     done / failed / missing points per shard\n  ssnlab sweep merge DIR                                      check completeness (names missing and failed points), write DIR/results.csv in grid order + results.csv.json\n  ssnlab sweep slurm FILE.rhai --out DIR --tasks N [--cpus-per-task K] [--time T] [--partition P] [--mem M] [--submit]\n                                                              write DIR/sweep.sbatch (job array, one task per shard, --threads from the allocation) and DIR/merge.sbatch (afterok); --submit runs sbatch\n\nEach point appends one checksummed line to DIR/shard-I-of-N.jsonl (synced), so a killed task loses at most the point it was computing; a torn line is ignored. A failing point is recorded with its message, the shard goes on, and the next run retries it. DIR/sweep.json pins the script's SHA-256, ARGS, grid, base seed and shard count: another script or shard count in the same folder is refused. Examples: scripts/sweeps/ (spiking_check, fig4_persistence, fig6_lif_peaks, izh_rs_fs_steps).\n\n```rhai\n// scripts/sweeps/spiking_check.rhai, in short:\nlet grid = #{ mu: [15, 20], r: [1.0] };\nfn point(p) { let res = lif_network(paper_network(\"fig2\")).run(#{ mu: p.mu, r: p.r, duration: 200, seed: p.seed, progress: false }); #{ nu_e: res.rates[0] } }\nassert(point(#{ mu: 15, r: 1.0, seed: 1 }).nu_e > 0.0);\n```";

/// Registration, part 1 of 3.
fn register_part1(api: &mut Api) {
    api.topic("units", UNITS_DOC);
    api.topic("sweep", SWEEP_DOC);
    api.topic(
        "files",
        "Where scripts may read and write.\n\nDefault: like any program you run, a script reads and writes wherever your user can. The one guard is against overwriting: a file that exists is replaced only if ssnlab wrote it (its FILE.meta.json sidecar says so) or with `overwrite: true`. Every file ssnlab writes gets a JSON sidecar FILE.meta.json with the ssnlab version, the script and its arguments, the time and your `meta` (seeds, parameters). Missing folders are created.\n\nSandbox (`ssnlab run --sandbox script.rhai`, also `ssnlab --sandbox` for the REPL and the notebook kernel): scripts read only below the script's folder, the folders given with `--allow-read DIR` (repeatable; data) and the output folder, and write only below the output folder: `--write-root DIR`, else the script's own `--out DIR` argument, else ./out. Built-in stdlib modules are always importable; tmp_dir() is `tmp` below the output folder. Paths are resolved before the check (relative to the working directory; `..` and symbolic links by the file system), so neither can escape. A path outside is an error naming the path, where it resolves to, and the allowed folders.\n\n```rhai\nlet f = `${tmp_dir()}/files_topic.csv`;\nwrite_csv(f, #{ x: [1, 2] }, #{ overwrite: true });\nassert(read_csv(f).x[1] == 2.0);\n```",
    );
    api.topic(
        "limits",
        &format!(
            "Resource limits of the script engine. One array holds at most {} elements, one string at most {} bytes, one object map at most {} entries; function calls nest at most 256 deep and expressions 256 deep. A script that exceeds one stops with an error at the line that did (instead of exhausting memory). `--max-ops N` also limits the number of operations (for untrusted scripts; off by default). Native computations estimate their memory first (connectivity, dense matrices, grids, recordings, continuations) and refuse above the memory limit, which defaults to what the process may use (cgroup limit or available RAM); raise or lower it with --max-memory SIZE, SSNLAB_MAX_MEMORY or set_max_memory(GB), read it with max_memory(). Importing a module that imports itself, directly or through others, is an error naming the cycle. NaN in reductions: min_of, max_of, sum and mean return NaN when an element is NaN (as numpy does).\n\n```rhai\nlet a = [];\na.pad(10, 0.0);\nassert(a.len() == 10);\n```",
            super::LIMIT_ARRAY,
            super::LIMIT_STRING,
            super::LIMIT_MAP
        ),
    );
    api.func(
        "set_max_memory",
        &["gb: number"],
        "",
        "Sets the memory limit that native computations check their estimates against (GB = 1e9 bytes; at least 0.001). The default is what the process may use: the cgroup limit or the available RAM.\n\n```rhai\nlet old = max_memory();\nset_max_memory(2);\nassert(max_memory() == 2.0);\nset_max_memory(old);\n```",
        |gb: Dynamic| -> RResult<()> {
            let g = num(&gb, "set_max_memory", "gb")?;
            if !(0.001..1.8e10).contains(&g) {
                return Err(rt_err("set_max_memory", format!("parameter `gb` = {g} is invalid: must be a size in GB between 0.001 and 1.8e10")));
            }
            crate::numerics::memory::set_limit((g * 1e9) as u64);
            Ok(())
        },
    );
    api.func(
        "max_memory",
        &[],
        "float",
        "The memory limit in GB (see `set_max_memory`, `ssnlab doc limits`).\n\n```rhai\nprint(`${max_memory()} GB`);\n```",
        || -> f64 { crate::numerics::memory::limit() as f64 / 1e9 },
    );
    api.func(
        "assert",
        &["condition: bool"],
        "",
        "Stops the script with an error (line and column of the call) when `condition` is false; for checks in scripts, notebooks and doc examples.\n\n```rhai\nassert(lif().rate(50, 3) > 26.0);\n```",
        |c: bool| -> RResult<()> {
            if c { Ok(()) } else { Err(rt_err("assert", "assertion failed")) }
        },
    );
    api.func(
        "assert",
        &["condition: bool", "message: string"],
        "",
        "As assert(condition), with a message saying what was expected.\n\n```rhai\nlet r = lif().rate(50, 3);\nassert(r > 26.0, `rate ${r} Hz should exceed 26 Hz`);\n```",
        |c: bool, msg: &str| -> RResult<()> {
            if c { Ok(()) } else { Err(rt_err("assert", format!("assertion failed: {msg}"))) }
        },
    );
    api.func(
        "version",
        &[],
        "string",
        "The ssnlab version.\n\n```rhai\nprint(version());\n```",
        || crate::VERSION.to_string(),
    );
    api.func(
        "linspace",
        &["start: number", "stop: number", "n: int"],
        "array",
        "n evenly spaced numbers from start to stop, both included.\n\n```rhai\nlet mu = linspace(-50, 150, 401);\nprint(mu[1] - mu[0]);   // 0.5\n```",
        |a: Dynamic, b: Dynamic, n: Dynamic| -> RResult<Array> {
            let a = fnum(&a, "linspace", "start")?;
            let b = fnum(&b, "linspace", "stop")?;
            let n = count(&n, "linspace", "n")?;
            if n > super::LIMIT_ARRAY {
                return Err(rt_err("linspace", format!("parameter `n` = {n} is invalid: must be <= {} (the array size limit)", super::LIMIT_ARRAY)));
            }
            Ok(to_array(&linspace(a, b, n)))
        },
    );
    api.func(
        "arange",
        &["start: number", "stop: number", "step: number"],
        "array",
        "Numbers start, start+step, ... strictly below stop (numpy's arange).\n\n```rhai\nprint(arange(0, 1, 0.25));   // [0.0, 0.25, 0.5, 0.75]\n```",
        |a: Dynamic, b: Dynamic, s: Dynamic| -> RResult<Array> {
            let a = fnum(&a, "arange", "start")?;
            let b = fnum(&b, "arange", "stop")?;
            let s = fnum(&s, "arange", "step")?;
            if !(s.is_finite() && s != 0.0) {
                return Err(rt_err("arange", format!("parameter `step` = {s} is invalid: must be a finite non-zero number")));
            }
            let n = ((b - a) / s).ceil();
            if !(n.is_finite()) || n > 1e8 {
                return Err(rt_err("arange", "too many elements (more than 1e8)"));
            }
            let n = n.max(0.0) as usize;
            Ok(to_array(&(0..n).map(|i| a + s * i as f64).collect::<Vec<_>>()))
        },
    );
    api.func(
        "sum",
        &["xs: array"],
        "float",
        "Sum of an array of numbers. NaN and inf elements propagate (as numpy.sum): a NaN element makes the sum NaN.\n\n```rhai\nprint(sum([1, 2, 3.5]));\n```",
        |v: Dynamic| reduce(&v, "sum", |x| x.iter().sum()),
    );
    api.func(
        "mean",
        &["xs: array"],
        "float",
        "Arithmetic mean of an array of numbers. NaN and inf elements propagate (as numpy.mean).\n\n```rhai\nprint(mean([1, 2, 3]));   // 2.0\n```",
        |v: Dynamic| reduce(&v, "mean", crate::numerics::stats::mean),
    );
}

/// Registration, part 2 of 3.
fn register_part2(api: &mut Api) {
    api.func(
        "std",
        &["xs: array"],
        "float",
        "Population standard deviation of an array of numbers. NaN and inf elements make it NaN (as numpy.std).\n\n```rhai\nprint(std([1, 3]));   // 1.0\n```",
        |v: Dynamic| reduce(&v, "std", crate::numerics::stats::std),
    );
    api.func(
        "max_of",
        &["xs: array"],
        "float",
        "Largest element of an array of numbers. NaN propagates (as numpy.max): any NaN element makes the result NaN; an empty array is an error.\n\n```rhai\nprint(max_of([1, 5, 2]));\nassert(max_of([1, 5, 2]) == 5.0);\n```",
        |v: Dynamic| {
            reduce(&v, "max_of", |x| {
                if x.iter().any(|v| v.is_nan()) {
                    return f64::NAN;
                }
                x.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
            })
        },
    );
    api.func(
        "min_of",
        &["xs: array"],
        "float",
        "Smallest element of an array of numbers. NaN propagates (as numpy.min): any NaN element makes the result NaN; an empty array is an error.\n\n```rhai\nprint(min_of([1, 5, 2]));\nassert(min_of([1, 5, 2]) == 1.0);\n```",
        |v: Dynamic| {
            reduce(&v, "min_of", |x| {
                if x.iter().any(|v| v.is_nan()) {
                    return f64::NAN;
                }
                x.iter().cloned().fold(f64::INFINITY, f64::min)
            })
        },
    );
    api.func(
        "mkdir",
        &["path: string"],
        "",
        "Creates a directory and its parents (no error if it exists).\n\n```rhai\nmkdir(`${tmp_dir()}/ssnlab_doc_example`);\n```",
        |path: &str| -> RResult<()> {
            crate::io::sandbox::check_write(std::path::Path::new(path)).map_err(|e| rt_err("mkdir", e))?;
            std::fs::create_dir_all(path).map_err(|e| rt_err("mkdir", format!("cannot create {path:?}: {e}")))
        },
    );
    api.func(
        "tmp_dir",
        &[],
        "string",
        "A scratch folder for throw-away output: `ssnlab` inside the system's temporary directory, or `tmp` below the output folder in sandbox mode (created if missing).\n\n```rhai\nprint(tmp_dir());\n```",
        || {
            let d = crate::io::sandbox::tmp_dir();
            let _ = std::fs::create_dir_all(&d);
            d.display().to_string()
        },
    );
    api.func(
        "fmt",
        &["x: number", "digits: int"],
        "string",
        "x written with `digits` significant digits (like C's %g: no trailing zeros, exponent for very large or small numbers).\n\n```rhai\nprint(fmt(3.5499999999999954, 4));   // 3.55\nprint(fmt(1.0e-120, 3));             // 1e-120\n```",
        |v: Dynamic, d: Dynamic| -> RResult<String> {
            let x = num(&v, "fmt", "x")?;
            let d = count(&d, "fmt", "digits")?;
            if !(1..=17).contains(&d) {
                return Err(rt_err("fmt", format!("parameter `digits` = {d} is invalid: must be 1 to 17")));
            }
            Ok(crate::io::fmt_sig(x, d))
        },
    );
    api.func(
        "reference_data",
        &["name: string"],
        "string",
        "Path of a file of the authors' reference data (data/ekelmans2023/ in the ssnlab repository: curves exported from the paper's own repository, see its README.md), or () if it cannot be found. Looks in $SSNLAB_DATA, ./data, the folders above the ssnlab executable and the source tree it was built from.\n\n```rhai\nlet p = reference_data(\"ekelmans2023/fig2a_ssn.csv\");\nif p != () { print(read_csv(p).keys()); }\n```",
        |name: &str| -> Dynamic {
            match crate::io::find_reference_data(name) {
                Some(p) => Dynamic::from(p.display().to_string()),
                None => Dynamic::UNIT,
            }
        },
    );
    api.func(
        "movmean",
        &["xs: array", "k: int"],
        "array",
        "Moving average over k consecutive elements, MATLAB's movmean (the paper's smoothing): odd k centred; even k takes k/2 before, the element and k/2 - 1 after; the window shrinks at both ends. NaN and inf elements propagate into every window that contains them.\n\n```rhai\nprint(movmean([1, 2, 3, 4], 3));   // [1.5, 2.0, 3.0, 3.5]\n```",
        |v: Dynamic, k: Dynamic| -> RResult<Array> {
            let xs = num_vec(&v, "movmean", "xs")?;
            let k = count(&k, "movmean", "k")?;
            if k == 0 {
                return Err(rt_err("movmean", "parameter `k` = 0 is invalid: must be at least 1"));
            }
            Ok(to_array(&crate::numerics::stats::movmean(&xs, k)))
        },
    );
    api.func(
        "corr",
        &["xs: array", "ys: array"],
        "float",
        "Pearson correlation coefficient of two equal-length arrays (NaN if either is constant).\n\n```rhai\nprint(corr([1, 2, 3], [2, 4, 7]));\n```",
        |a: Dynamic, b: Dynamic| -> RResult<f64> {
            let x = num_vec(&a, "corr", "xs")?;
            let y = num_vec(&b, "corr", "ys")?;
            if x.len() != y.len() || x.len() < 2 {
                return Err(rt_err("corr", format!("`xs` and `ys` must have the same length >= 2 (got {} and {})", x.len(), y.len())));
            }
            Ok(crate::numerics::stats::corr(&x, &y))
        },
    );
}

/// Registration, part 3 of 3.
fn register_part3(api: &mut Api) {
    api.func(
        "suggest",
        &["word: string", "candidates: array"],
        "array",
        "The candidates closest to `word` (edit distance at most 2, or a shared prefix of 4 or more characters), best first: for \"did you mean\" messages.\n\n```rhai\nprint(suggest(\"--qiuck\", [\"--quick\", \"--out\"]));   // [\"--quick\"]\n```",
        |word: &str, cands: Array| -> Array {
            let c: Vec<String> = cands.iter().map(|x| x.to_string()).collect();
            crate::docs::closest(word, c.iter().map(String::as_str))
                .into_iter()
                .map(Dynamic::from)
                .collect()
        },
    );
    api.func(
        "float",
        &["x: number"],
        "float",
        "Converts an integer (or float) to a float; NaN and inf stay as they are.\n\n```rhai\nprint(float(3) / 2);   // 1.5\n```",
        |v: Dynamic| num(&v, "float", "x"),
    );
}
