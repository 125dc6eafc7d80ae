//! Parameter sweeps as scripts, sharded over processes or SLURM array tasks.
//!
//! A sweep script defines, at top level, `let grid = #{ mu: [...], r: [...] };` (parameter →
//! array of numbers, strings or bools), optionally `let base_seed = 7;`, and a function
//! `fn point(p) { ...; #{ nu_e: .., nu_i: .. } }`.
//!
//! - **Top level.** It runs once when the sweep starts (to read the grid) and again before
//!   each point, so keep it cheap; values `point` needs are `const` and read as
//!   `global::NAME` (Rhai functions do not see `let` variables).
//! - **Order.** Points are the Cartesian product of the grid with keys in alphabetical order
//!   and the last key varying fastest; point `index` runs from 0 to the product of the sizes.
//! - **Seeds.** `p.seed` is derived from the base seed and the index only
//!   (`mix_seed(base_seed, 0x5EED, index) >> 12`, below 2⁵²), never from the shard or the
//!   order, so a point's result is the same however the sweep is split.
//! - **Shards.** Shard I of N runs the points with `index % N == I` (round-robin, so shards
//!   get similar mixes of cheap and expensive points).
//! - **Records.** Each point appends one line to `DIR/shard-I-of-N.jsonl`: the JSON record, a
//!   tab and the CRC-32 of the JSON text, written with one `write` and synced. A torn last line
//!   (a task killed mid-write) fails its checksum and is ignored; a re-run of the shard skips
//!   the points that have a valid successful record, so nothing is lost or duplicated. Failed
//!   points are recorded with their message and retried by the next run.
//! - **Manifest.** `DIR/sweep.json` (written atomically by the first task) pins the script's
//!   SHA-256, the grid, the base seed and the shard count; a task with another script or
//!   shard count refuses to write into the folder.

use crate::numerics::random::mix_seed;
use rhai::{AST, Dynamic, Engine, Map, Scope};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A loaded sweep script: its engine, AST, top-level scope and grid.
pub struct SweepScript {
    engine: Engine,
    ast: AST,
    /// A scope with only ARGS (the top level re-runs in it before each point).
    scope: Scope<'static>,
    name: String,
    text: String,
    /// Grid parameters in order (alphabetical; the last varies fastest) with their values.
    pub grid: Vec<(String, Vec<Value>)>,
    /// The base seed (`let base_seed = ...;`, default 1).
    pub base_seed: u64,
    /// SHA-256 of the script text (hex).
    pub sha256: String,
}

fn grid_value(v: &Dynamic, key: &str, i: usize) -> Result<Value, String> {
    if let Ok(x) = v.as_int() {
        return Ok(json!(x));
    }
    if let Ok(x) = v.as_float()
        && x.is_finite()
    {
        return Ok(json!(x));
    }
    if let Ok(b) = v.as_bool() {
        return Ok(json!(b));
    }
    if v.is_string() {
        return Ok(json!(v.to_string()));
    }
    Err(format!(
        "grid.{key}[{i}] = {v} is invalid: grid values must be finite numbers, strings or bools"
    ))
}

/// A point's result value as JSON: numbers (non-finite floats as the strings "NaN", "inf",
/// "-inf"), strings, bools and arrays of numbers.
fn result_value(v: &Dynamic, key: &str) -> Result<Value, String> {
    let num = |d: &Dynamic| -> Option<Value> {
        if let Ok(x) = d.as_int() {
            return Some(json!(x));
        }
        d.as_float().ok().map(|x| {
            if x.is_finite() {
                json!(x)
            } else {
                json!(x.to_string())
            }
        })
    };
    if let Some(n) = num(v) {
        return Ok(n);
    }
    if v.is_unit() {
        return Ok(Value::Null);
    }
    if let Ok(b) = v.as_bool() {
        return Ok(json!(b));
    }
    if v.is_string() {
        return Ok(json!(v.to_string()));
    }
    if let Some(a) = v.clone().try_cast::<rhai::Array>() {
        return a
            .iter()
            .map(|x| {
                num(x).ok_or_else(|| {
                    format!(
                        "result `{key}` is an array with a {}: arrays must hold numbers",
                        x.type_name()
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array);
    }
    Err(format!(
        "result `{key}` is a {}: point(p) must return a map of numbers, strings, bools or arrays of numbers",
        v.type_name()
    ))
}

impl SweepScript {
    /// Compiles the script, runs its top level (with `ARGS`) and reads `grid`, `base_seed` and
    /// `point`. Errors say what is missing, with the script's name.
    pub fn load(path: &Path, args: &[String]) -> Result<SweepScript, String> {
        let dir: PathBuf = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let (engine, _) = crate::script::build_engine_in(Some(&dir));
        let (ast, text) = crate::script::compile_file(&engine, path)?;
        let name = path.display().to_string();
        let mut scope = Scope::new();
        let a: rhai::Array = args.iter().map(|s| Dynamic::from(s.clone())).collect();
        scope.push_constant("ARGS", a);
        let fresh = scope.clone();
        crate::io::set_context(&name, args);
        let src = crate::script::Source {
            name: &name,
            text: &text,
        };
        match crate::script::catch_panics(|| engine.run_ast_with_scope(&mut scope, &ast)) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(crate::script::format_eval_error(&src, &e)),
            Err(p) => return Err(p),
        }
        let grid_map: Map = scope.get_value::<Map>("grid").ok_or_else(|| {
            format!(
                "{name}: a sweep script needs `let grid = #{{ name: [values], ... }};` at top level"
            )
        })?;
        if grid_map.is_empty() {
            return Err(format!("{name}: `grid` is empty"));
        }
        let mut grid = Vec::new();
        for (k, v) in &grid_map {
            let arr = v.clone().try_cast::<rhai::Array>().ok_or_else(|| {
                format!(
                    "{name}: grid.{k} must be an array of values, got {}",
                    v.type_name()
                )
            })?;
            if arr.is_empty() {
                return Err(format!("{name}: grid.{k} is empty"));
            }
            let vals = arr
                .iter()
                .enumerate()
                .map(|(i, x)| grid_value(x, k, i))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("{name}: {e}"))?;
            grid.push((k.to_string(), vals));
        }
        let base_seed = match scope.get_value::<Dynamic>("base_seed") {
            None => 1,
            Some(v) => v
                .as_int()
                .ok()
                .and_then(|x| u64::try_from(x).ok())
                .ok_or_else(|| format!("{name}: base_seed = {v} must be a whole number >= 0"))?,
        };
        if !ast
            .iter_functions()
            .any(|f| f.name == "point" && f.params.len() == 1)
        {
            return Err(format!(
                "{name}: a sweep script needs `fn point(p) {{ ... }}` returning a map of results"
            ));
        }
        let sha256 = hex(&Sha256::digest(text.as_bytes()));
        let n: f64 = grid.iter().map(|(_, v)| v.len() as f64).product();
        if n > 1e9 {
            return Err(format!("{name}: the grid has {n:.3e} points (at most 1e9)"));
        }
        Ok(SweepScript {
            engine,
            ast,
            scope: fresh,
            name,
            text,
            grid,
            base_seed,
            sha256,
        })
    }

    /// Number of grid points.
    pub fn n_points(&self) -> usize {
        self.grid.iter().map(|(_, v)| v.len()).product()
    }

    /// The grid values of point `index` (keys in grid order; the last key varies fastest).
    pub fn values(&self, index: usize) -> Vec<(String, Value)> {
        let mut rest = index;
        let mut out: Vec<(String, Value)> = Vec::with_capacity(self.grid.len());
        for (k, vals) in self.grid.iter().rev() {
            out.push((k.clone(), vals[rest % vals.len()].clone()));
            rest /= vals.len();
        }
        out.reverse();
        out
    }

    /// The seed of point `index`: from the base seed and the index only.
    pub fn seed(&self, index: usize) -> u64 {
        mix_seed(self.base_seed, 0x5EED, index as u64) >> 12
    }

    /// Runs `point(p)` for one index; the result as JSON fields in key order.
    pub fn eval(&self, index: usize) -> Result<serde_json::Map<String, Value>, String> {
        let mut p = Map::new();
        for (k, v) in self.values(index) {
            let d: Dynamic = rhai::serde::to_dynamic(&v).map_err(|e| e.to_string())?;
            p.insert(k.as_str().into(), d);
        }
        p.insert("index".into(), Dynamic::from_int(index as i64));
        p.insert("seed".into(), Dynamic::from_int(self.seed(index) as i64));
        // The top level runs again before each point (in a fresh scope with only ARGS), so
        // `const` values are visible in point() as `global::NAME` and points cannot see each
        // other's state.
        let mut scope = self.scope.clone();
        let opts = rhai::CallFnOptions::new().eval_ast(true).rewind_scope(true);
        let src = crate::script::Source {
            name: &self.name,
            text: &self.text,
        };
        let r = crate::script::catch_panics(|| {
            self.engine.call_fn_with_options::<Dynamic>(
                opts,
                &mut scope,
                &self.ast,
                "point",
                (Dynamic::from_map(p),),
            )
        });
        let out = match r {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => return Err(crate::script::format_eval_error(&src, &e)),
            Err(msg) => return Err(msg),
        };
        let m = out.clone().try_cast::<Map>().ok_or_else(|| {
            format!(
                "point(p) returned a {}, expected a map of results",
                out.type_name()
            )
        })?;
        let mut res = serde_json::Map::new();
        for (k, v) in &m {
            res.insert(k.to_string(), result_value(v, k)?);
        }
        Ok(res)
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Shard I of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Index, 0-based.
    pub i: usize,
    /// Number of shards.
    pub n: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;
    /// "I/N" with 0 <= I < N.
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("--shard {s:?} is invalid: must be I/N with 0 <= I < N (e.g. 0/4)");
        let (a, b) = s.split_once('/').ok_or_else(bad)?;
        let (i, n): (usize, usize) = (
            a.trim().parse().map_err(|_| bad())?,
            b.trim().parse().map_err(|_| bad())?,
        );
        if n == 0 || i >= n || n > 1_000_000 {
            return Err(bad());
        }
        Ok(Shard { i, n })
    }
}

impl Shard {
    /// The whole sweep as one shard.
    pub const ALL: Shard = Shard { i: 0, n: 1 };

    fn file(&self, dir: &Path) -> PathBuf {
        dir.join(format!("shard-{}-of-{}.jsonl", self.i, self.n))
    }

    /// The indices of this shard (round-robin).
    pub fn indices(&self, n_points: usize) -> impl Iterator<Item = usize> + '_ {
        (self.i..n_points).step_by(self.n)
    }
}

/// One valid record of a shard file.
#[derive(Debug, Clone)]
pub struct Record {
    /// Point index.
    pub index: usize,
    /// The record: index, seed, values, ok, result or error, wall_s.
    pub json: Value,
}

impl Record {
    /// True for a successful point.
    pub fn ok(&self) -> bool {
        self.json["ok"].as_bool() == Some(true)
    }
}

/// Valid records of a shard file, in file order (lines with a bad checksum are skipped and
/// counted).
pub fn read_records(path: &Path) -> (Vec<Record>, usize) {
    let Ok(text) = fs::read_to_string(path) else {
        return (Vec::new(), 0);
    };
    let (mut out, mut bad) = (Vec::new(), 0);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let rec = line.rsplit_once('\t').and_then(|(body, crc)| {
            (format!("{:08x}", crc32fast::hash(body.as_bytes())) == crc)
                .then(|| serde_json::from_str::<Value>(body).ok())
                .flatten()
        });
        match rec.and_then(|j| Some((j["index"].as_u64()? as usize, j))) {
            Some((index, json)) => out.push(Record { index, json }),
            None => bad += 1,
        }
    }
    (out, bad)
}

/// Ends a torn last line (a task killed during a write) so the next record starts on its own
/// line; the torn text fails its checksum and is ignored.
fn end_torn_line(path: &Path) -> Result<(), String> {
    match fs::read(path) {
        Ok(b) if !b.is_empty() && b.last() != Some(&b'\n') => {
            let mut f = OpenOptions::new()
                .append(true)
                .open(path)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            f.write_all(b"\n")
                .map_err(|e| format!("{}: {e}", path.display()))
        }
        _ => Ok(()),
    }
}

fn append_record(path: &Path, rec: &Value) -> Result<(), String> {
    let body = rec.to_string();
    let line = format!("{body}\t{:08x}\n", crc32fast::hash(body.as_bytes()));
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("{}: cannot open for appending: {e}", path.display()))?;
    f.write_all(line.as_bytes())
        .and_then(|_| f.sync_data())
        .map_err(|e| format!("{}: cannot write a record: {e}", path.display()))
}

/// Writes `text` to `path` through a temporary file and a rename (atomic on one file system).
fn write_atomic(path: &Path, text: &str) -> Result<(), String> {
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    fs::write(&tmp, text)
        .and_then(|_| fs::rename(&tmp, path))
        .map_err(|e| format!("{}: cannot write: {e}", path.display()))
}

fn manifest(s: &SweepScript, path: &Path, shards: usize, args: &[String]) -> Value {
    json!({
        "ssnlab_version": crate::VERSION,
        "script": path.display().to_string(),
        "args": args,
        "script_sha256": s.sha256,
        "grid": s.grid.iter().map(|(k, v)| (k.clone(), Value::Array(v.clone()))).collect::<serde_json::Map<_, _>>(),
        "grid_order": "keys in alphabetical order, the last key varying fastest",
        "base_seed": s.base_seed,
        "seed_rule": "mix_seed(base_seed, 0x5EED, index) >> 12",
        "n_points": s.n_points(),
        "shards": shards,
        "shard_rule": "round-robin: shard I runs the indices with index % N == I",
    })
}

/// Reads `DIR/sweep.json`.
pub fn read_manifest(dir: &Path) -> Result<Value, String> {
    let p = dir.join("sweep.json");
    let text = fs::read_to_string(&p).map_err(|e| {
        format!(
            "{}: no sweep here ({e}); run `ssnlab sweep FILE --out DIR` first",
            p.display()
        )
    })?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))
}

/// Creates the manifest, or checks that an existing one belongs to this script and shard count.
fn ensure_manifest(
    dir: &Path,
    s: &SweepScript,
    path: &Path,
    shards: usize,
    args: &[String],
) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
    crate::io::sandbox::check_write(dir).map_err(|e| e.to_string())?;
    let p = dir.join("sweep.json");
    if !p.exists() {
        let m = manifest(s, path, shards, args);
        let text = serde_json::to_string_pretty(&m).unwrap_or_default();
        // Several array tasks may race here: the first rename wins and the others check it.
        write_atomic(&p, &text)?;
    }
    let m = read_manifest(dir)?;
    if m["script_sha256"].as_str() != Some(s.sha256.as_str()) {
        return Err(format!(
            "{}: this folder holds a sweep of another script (or an edited one): sha256 {} here, {} now; use a new --out folder",
            dir.display(),
            m["script_sha256"].as_str().unwrap_or("?"),
            s.sha256
        ));
    }
    if m["args"] != json!(args) {
        return Err(format!(
            "{}: this sweep ran with ARGS {}, now {}; use the same arguments or a new --out folder",
            dir.display(),
            m["args"],
            json!(args)
        ));
    }
    if m["shards"].as_u64() != Some(shards as u64) {
        return Err(format!(
            "{}: this sweep was split into {} shards; --shard must use the same N",
            dir.display(),
            m["shards"]
        ));
    }
    if m["n_points"].as_u64() != Some(s.n_points() as u64)
        || m["base_seed"].as_u64() != Some(s.base_seed)
    {
        return Err(format!(
            "{}: the grid or base_seed differ from this folder's sweep (its ARGS changed?); use a new --out folder",
            dir.display()
        ));
    }
    Ok(())
}

/// What one shard run did.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    /// Points computed now.
    pub computed: usize,
    /// Points skipped (already done).
    pub skipped: usize,
    /// Points that failed now: (index, message).
    pub failed: Vec<(usize, String)>,
    /// Wall time (s).
    pub wall_s: f64,
}

/// Runs the points of `shard` of the sweep in `path` into `dir`, skipping those done.
pub fn run(path: &Path, dir: &Path, shard: Shard, args: &[String]) -> Result<RunSummary, String> {
    let t0 = std::time::Instant::now();
    let s = SweepScript::load(path, args)?;
    ensure_manifest(dir, &s, path, shard.n, args)?;
    let file = shard.file(dir);
    end_torn_line(&file)?;
    let (done, _) = read_records(&file);
    let ok: std::collections::HashSet<usize> =
        done.iter().filter(|r| r.ok()).map(|r| r.index).collect();
    let ctx = crate::numerics::context::RunContext::current();
    let mut sum = RunSummary::default();
    for index in shard.indices(s.n_points()) {
        if ok.contains(&index) {
            sum.skipped += 1;
            continue;
        }
        ctx.check().map_err(|e| e.to_string())?;
        let tp = std::time::Instant::now();
        let values: serde_json::Map<String, Value> = s.values(index).into_iter().collect();
        let mut rec = json!({ "index": index, "seed": s.seed(index), "values": values });
        match s.eval(index) {
            Ok(res) => {
                rec["ok"] = json!(true);
                rec["result"] = Value::Object(res);
            }
            Err(e) => {
                if ctx.interrupted() {
                    return Err(format!(
                        "interrupted at point {index}; re-run the shard to resume"
                    ));
                }
                eprintln!(
                    "point {index} ({}) failed: {e}",
                    Value::Object(values.clone())
                );
                rec["ok"] = json!(false);
                rec["error"] = json!(e);
                sum.failed.push((index, e));
            }
        }
        rec["wall_s"] = json!(tp.elapsed().as_secs_f64());
        append_record(&file, &rec)?;
        sum.computed += 1;
    }
    sum.wall_s = t0.elapsed().as_secs_f64();
    let timing = json!({ "shard": shard.i, "shards": shard.n, "wall_s": sum.wall_s, "computed": sum.computed, "skipped": sum.skipped, "failed": sum.failed.len() });
    write_atomic(
        &dir.join(format!("shard-{}-of-{}.time.json", shard.i, shard.n)),
        &timing.to_string(),
    )?;
    Ok(sum)
}

/// The latest valid record of every point in `dir`, the manifest, and the count of torn lines.
fn collect(dir: &Path) -> Result<(Value, Vec<Option<Record>>, usize), String> {
    let m = read_manifest(dir)?;
    let n_points = m["n_points"].as_u64().unwrap_or(0) as usize;
    let shards = m["shards"].as_u64().unwrap_or(1) as usize;
    let mut by_index: Vec<Option<Record>> = vec![None; n_points];
    let mut torn = 0;
    for k in 0..shards {
        let (recs, bad) = read_records(&Shard { i: k, n: shards }.file(dir));
        torn += bad;
        for r in recs {
            if r.index >= n_points || r.index % shards != k {
                continue;
            }
            // A successful record is never replaced; a failure is replaced by a later record.
            let keep = by_index[r.index].as_ref().is_some_and(|o| o.ok());
            if !keep {
                let i = r.index;
                by_index[i] = Some(r);
            }
        }
    }
    Ok((m, by_index, torn))
}

/// `ssnlab sweep status DIR`: done, failed and missing points per shard.
pub fn status(dir: &Path) -> Result<String, String> {
    let (m, recs, torn) = collect(dir)?;
    let shards = m["shards"].as_u64().unwrap_or(1) as usize;
    let mut out = format!(
        "sweep of {} ({} points, {} shards)\n",
        m["script"].as_str().unwrap_or("?"),
        recs.len(),
        shards
    );
    let (mut all_done, mut all_failed) = (0, 0);
    for k in 0..shards {
        let idx: Vec<usize> = Shard { i: k, n: shards }.indices(recs.len()).collect();
        let done = idx
            .iter()
            .filter(|&&i| recs[i].as_ref().is_some_and(|r| r.ok()))
            .count();
        let failed: Vec<usize> = idx
            .iter()
            .copied()
            .filter(|&i| recs[i].as_ref().is_some_and(|r| !r.ok()))
            .collect();
        all_done += done;
        all_failed += failed.len();
        out.push_str(&format!(
            "  shard {k}/{shards}: {done} done, {} failed{}, {} missing\n",
            failed.len(),
            if failed.is_empty() {
                String::new()
            } else {
                format!(" {failed:?}")
            },
            idx.len() - done - failed.len()
        ));
    }
    out.push_str(&format!(
        "total: {all_done} done, {all_failed} failed, {} missing{}\n",
        recs.len() - all_done - all_failed,
        if torn > 0 {
            format!(" ({torn} torn records ignored)")
        } else {
            String::new()
        }
    ));
    Ok(out)
}

/// `ssnlab sweep merge DIR`: checks that every point is done (naming the missing and failed
/// ones), then writes `DIR/results.csv` in grid order with a JSON sidecar.
pub fn merge(dir: &Path) -> Result<String, String> {
    let (m, recs, _) = collect(dir)?;
    let missing: Vec<usize> = (0..recs.len()).filter(|&i| recs[i].is_none()).collect();
    let failed: Vec<&Record> = recs.iter().flatten().filter(|r| !r.ok()).collect();
    if !missing.is_empty() || !failed.is_empty() {
        let mut msg = format!("{}: the sweep is not complete", dir.display());
        if !missing.is_empty() {
            let shown: Vec<String> = missing.iter().take(20).map(|i| i.to_string()).collect();
            msg.push_str(&format!(
                "\n  {} missing points: {}{}",
                missing.len(),
                shown.join(", "),
                if missing.len() > 20 { ", ..." } else { "" }
            ));
        }
        for r in failed.iter().take(20) {
            msg.push_str(&format!(
                "\n  point {} {} failed: {}",
                r.index,
                r.json["values"],
                r.json["error"].as_str().unwrap_or("?")
            ));
        }
        msg.push_str(
            "\n  re-run the shards (`ssnlab sweep status DIR` lists them) and merge again",
        );
        return Err(msg);
    }
    let recs: Vec<&Record> = recs.iter().flatten().collect();
    let grid_keys: Vec<String> = m["grid"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    // Result columns: the keys of every record in alphabetical order; arrays of numbers as
    // key_0, key_1, ... up to the longest.
    let mut widths: std::collections::BTreeMap<String, Option<usize>> = Default::default();
    for r in &recs {
        for (k, v) in r.json["result"].as_object().into_iter().flatten() {
            let w = widths.entry(k.clone()).or_insert(None);
            if let Value::Array(a) = v {
                *w = Some(w.unwrap_or(0).max(a.len()));
            }
        }
    }
    let mut result_cols: Vec<(String, String, Option<usize>)> = Vec::new();
    for (k, w) in &widths {
        match w {
            Some(n) => {
                result_cols.extend((0..*n).map(|i| (format!("{k}_{i}"), k.clone(), Some(i))))
            }
            None => result_cols.push((k.clone(), k.clone(), None)),
        }
    }
    let cell = |v: &Value| -> String {
        match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        }
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["index".to_string(), "seed".to_string()];
    header.extend(grid_keys.iter().cloned());
    header.extend(result_cols.iter().map(|c| c.0.clone()));
    w.write_record(&header).map_err(|e| e.to_string())?;
    for r in &recs {
        let mut row = vec![r.index.to_string(), cell(&r.json["seed"])];
        row.extend(grid_keys.iter().map(|k| cell(&r.json["values"][k])));
        for (_, key, i) in &result_cols {
            let v = &r.json["result"][key];
            row.push(match i {
                Some(i) => cell(&v[*i]),
                None => cell(v),
            });
        }
        w.write_record(&row).map_err(|e| e.to_string())?;
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    let out = dir.join("results.csv");
    crate::io::sandbox::check_write(&out).map_err(|e| e.to_string())?;
    write_atomic(&out, &String::from_utf8_lossy(&bytes))?;
    let shards = m["shards"].as_u64().unwrap_or(1) as usize;
    let walls: Vec<Value> = (0..shards)
        .map(|k| {
            fs::read_to_string(dir.join(format!("shard-{k}-of-{shards}.time.json")))
                .ok()
                .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                .map_or(Value::Null, |v| v["wall_s"].clone())
        })
        .collect();
    let side = json!({
        "ssnlab_version": crate::VERSION,
        "kind": "sweep results",
        "script": m["script"],
        "script_sha256": m["script_sha256"],
        "grid": m["grid"],
        "grid_order": m["grid_order"],
        "base_seed": m["base_seed"],
        "seed_rule": m["seed_rule"],
        "shards": shards,
        "wall_s_per_shard": walls,
        "points": recs.len(),
    });
    write_atomic(
        &dir.join("results.csv.json"),
        &serde_json::to_string_pretty(&side).unwrap_or_default(),
    )?;
    Ok(format!("{}: {} points merged", out.display(), recs.len()))
}

/// Options of `ssnlab sweep slurm`.
#[derive(Debug, Clone, Default)]
pub struct SlurmOpts {
    /// Array tasks (= shards).
    pub tasks: usize,
    /// CPUs per task (`--threads` of each task).
    pub cpus_per_task: usize,
    /// Time limit (SLURM format, e.g. 1:00:00).
    pub time: Option<String>,
    /// Partition.
    pub partition: Option<String>,
    /// Memory per task (SLURM format, e.g. 4G).
    pub mem: Option<String>,
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// `ssnlab sweep slurm`: checks the script, writes `DIR/sweep.sbatch` (a job array, one task
/// per shard) and `DIR/merge.sbatch`; returns the paths. The scripts call this binary by its
/// absolute path.
pub fn slurm_scripts(
    path: &Path,
    dir: &Path,
    o: &SlurmOpts,
    args: &[String],
) -> Result<(PathBuf, PathBuf), String> {
    if o.tasks == 0 || o.tasks > 1_000_000 {
        return Err(format!("--tasks {} is invalid: must be 1 to 1e6", o.tasks));
    }
    let s = SweepScript::load(path, args)?;
    ensure_manifest(dir, &s, path, o.tasks, args)?;
    let abs = |p: &Path| fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let exe =
        std::env::current_exe().map_err(|e| format!("cannot locate the ssnlab binary: {e}"))?;
    let (script, out) = (abs(path), abs(dir));
    let logs = out.join("logs");
    fs::create_dir_all(&logs).map_err(|e| format!("{}: {e}", logs.display()))?;
    let mut head = String::from("#!/bin/bash\n");
    let mut sb = |k: &str, v: &str| head.push_str(&format!("#SBATCH --{k}={v}\n"));
    sb("job-name", "ssnlab-sweep");
    sb("array", &format!("0-{}", o.tasks - 1));
    sb("cpus-per-task", &o.cpus_per_task.max(1).to_string());
    sb("output", &format!("{}/%A_%a.out", logs.display()));
    if let Some(t) = &o.time {
        sb("time", t);
    }
    if let Some(p) = &o.partition {
        sb("partition", p);
    }
    if let Some(m) = &o.mem {
        sb("mem", m);
    }
    let arg_str: String = args.iter().map(|a| format!(" {}", quote(a))).collect();
    let body = format!(
        "{head}exec {} --quiet --threads \"${{SLURM_CPUS_PER_TASK:-1}}\" sweep {} --out {} --shard \"${{SLURM_ARRAY_TASK_ID}}/{}\"{}\n",
        quote(&exe.display().to_string()),
        quote(&script.display().to_string()),
        quote(&out.display().to_string()),
        o.tasks,
        if arg_str.is_empty() {
            String::new()
        } else {
            format!(" --{arg_str}")
        }
    );
    let sweep_file = out.join("sweep.sbatch");
    write_atomic(&sweep_file, &body)?;
    let mut mhead = String::from("#!/bin/bash\n#SBATCH --job-name=ssnlab-merge\n");
    mhead.push_str(&format!(
        "#SBATCH --output={}/merge_%j.out\n",
        logs.display()
    ));
    if let Some(p) = &o.partition {
        mhead.push_str(&format!("#SBATCH --partition={p}\n"));
    }
    let merge_body = format!(
        "{mhead}exec {} sweep merge {}\n",
        quote(&exe.display().to_string()),
        quote(&out.display().to_string())
    );
    let merge_file = out.join("merge.sbatch");
    write_atomic(&merge_file, &merge_body)?;
    Ok((sweep_file, merge_file))
}

/// Submits the array and the merge job (`afterok` on the array) with `sbatch`; returns the
/// two job ids.
pub fn submit(sweep_file: &Path, merge_file: &Path) -> Result<(String, String), String> {
    let sbatch = |extra: &[String], file: &Path| -> Result<String, String> {
        let out = std::process::Command::new("sbatch")
            .arg("--parsable")
            .args(extra)
            .arg(file)
            .output()
            .map_err(|e| format!("cannot run sbatch ({e}); is SLURM installed here?"))?;
        if !out.status.success() {
            return Err(format!(
                "sbatch {} failed: {}",
                file.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
        Ok(id.split(';').next().unwrap_or("").to_string())
    };
    let array = sbatch(&[], sweep_file)?;
    let merge = sbatch(&[format!("--dependency=afterok:{array}")], merge_file)?;
    Ok((array, merge))
}
