//! API-wide robustness (issue 18), driven by the registry that feeds `help` and `ssnlab doc`:
//! every registered function and method is called with adversarial arguments (0, −1, NaN,
//! ±inf, 1e300, empty and wrong-length arrays, ragged matrices, unknown option keys, huge
//! sizes; and every key of a generated option table set to 1e12, −1, NaN, a string or []),
//! one argument at a time with the others benign, under a 2 GB memory limit and a file
//! sandbox in a temporary folder. Asserted: no panic (and no "internal error"), no call longer
//! than its time budget, and no NaN/inf in a returned number, array or map unless the entry's
//! doc says NaN or inf can occur. Deterministic; part of the default test run.
//!
//! A new type must get a receiver below (the test fails naming it), so nothing registered
//! escapes the sweep.

use rhai::{Dynamic, Engine, Scope};
use std::time::{Duration, Instant};

/// Rhai expressions that build a small value of each registered type (method receivers and
/// typed arguments).
const RECEIVERS: &[(&str, &str)] = &[
    ("Lif", "lif()"),
    ("LifNetwork", "paper_network(\"fig2\")"),
    ("Ssn", "paper_network(\"fig2\").to_ssn()"),
    ("PowerLaw", "power_law(1e-4, -10.0, 3.0)"),
    (
        "SpikingNetwork",
        "lif_network(paper_network(\"fig2\").resized(400))",
    ),
    (
        "SimResult",
        "lif_network(paper_network(\"fig2\").resized(400)).run(#{ mu: 19, duration: 60, transient: 10, record: 5, progress: false })",
    ),
    (
        "RegimeMap",
        "paper_network(\"fig2\").to_ssn().regime_map(#{ mu: [0, 50, 3], r: [0, 2, 3] })",
    ),
    (
        "Plot",
        "{ let p = plot(); p.line([1.0, 2.0], [1.0, 2.0]); p }",
    ),
    (
        "Figure",
        "{ let p = plot(); p.line([1.0, 2.0], [1.0, 2.0]); figure([p], #{}) }",
    ),
    ("IzhPop", "izh_population(\"RS\")"),
    (
        "IzhMeanField",
        "izh_mean_field(#{ populations: [\"RS\", \"FS\"], J: [[16, 16], [4, 4]], I: [50, 30] })",
    ),
    ("MotifGaussian", "motif_gaussian(#{ N: 60, J: -1.0 })"),
    (
        "MotifMatrix",
        "motif_gaussian(#{ N: 60, J: -1.0 }).sample(1)",
    ),
    (
        "MotifMeanField",
        "motif_gaussian(#{ N: 60, J: -1.0 }).mean_field(#{ I: 1.0 })",
    ),
    ("Sonet", "sonet(#{ N: 60, p: 0.1 })"),
    ("MotifGraph", "sonet(#{ N: 60, p: 0.1 }).sample(1)"),
    ("Signal", "ramp(0.0, 1.0, 0.0, 10.0)"),
    (
        "TimeCourse",
        "paper_network(\"fig2\").to_ssn().simulate(#{ mu: 10, duration: 10 })",
    ),
];

/// Options that make a benign call cheap (the defaults of some runs take seconds).
const CHEAP: &str = "#{ duration: 20, progress: false }";

fn adversarial(ty: &str) -> Vec<String> {
    let numbers = [
        "0",
        "-1",
        "0.0 / 0.0",
        "1.0 / 0.0",
        "-1.0 / 0.0",
        "1e300",
        "1e-300",
    ];
    let arrays = [
        "[]",
        "[0.0 / 0.0]",
        "[1.0 / 0.0, -1.0]",
        "[1e300, 1e300]",
        "[1.0, 2.0, 3.0, 4.0, 5.0]",
        "[[1.0], [2.0, 3.0]]",
        "[\"a\", ()]",
    ];
    let maps = [
        "#{}",
        "#{ bogus_key: 1 }",
        "#{ N: 1e12, n: 1e12, duration: 1e12, dt: 1e-12, progress: false }",
        "#{ mu: 0.0 / 0.0, r: -1, seed: -1, duration: 20, progress: false }",
        "#{ range: [0, 1], freqs: [], mu: [0.0, 1e300, 2], r: [0, 1, 2], duration: 20, progress: false }",
    ];
    let v: Vec<&str> = match ty {
        "number" | "float" => numbers.to_vec(),
        "int" => vec!["0", "-1", "1000000000000", "2.5"],
        "number|array" | "number|matrix" => numbers.iter().chain(arrays.iter()).copied().collect(),
        "array" => arrays.to_vec(),
        "map" => maps.to_vec(),
        "string" => vec!["\"\"", "\"nonexistent\"", "\"../../escape.csv\""],
        "bool" => vec!["true", "false"],
        "any" => vec!["()", "0.0 / 0.0", "[]"],
        _ => vec!["()", "0", "[]"],
    };
    v.into_iter().map(String::from).collect()
}

fn benign(ty: &str, name: &str) -> String {
    match ty {
        "number" | "float" | "number|array" | "number|matrix" => "1.0".into(),
        "int" => "2".into(),
        "array" => "[1.0, 2.0]".into(),
        "map" => CHEAP.into(),
        "string" if name.contains("path") || name.contains("file") => "\"fuzz_out.csv\"".into(),
        "string" => "\"E\"".into(),
        "bool" => "true".into(),
        "any" => "1.0".into(),
        other => RECEIVERS
            .iter()
            .find(|(t, _)| *t == other)
            .map_or("()".into(), |(t, _)| format!("recv_{t}")),
    }
}

/// (name, type) of each parameter of a signature such as `Lif.rate(mu: number|array,
/// sigma: number) -> float|array`.
fn params(sig: &str) -> Vec<(String, String)> {
    let Some(open) = sig.find('(') else {
        return vec![];
    };
    let close = sig.rfind(')').unwrap_or(sig.len());
    let inner = &sig[open + 1..close.max(open + 1)];
    if inner.trim().is_empty() {
        return vec![];
    }
    inner
        .split(", ")
        .map(|p| match p.split_once(':') {
            Some((n, t)) => (n.trim().to_string(), t.trim().to_string()),
            None => (p.trim().to_string(), String::new()),
        })
        .collect()
}

/// The keys of a generated option table (`Options:` then `  key (...): ...` lines).
fn option_keys(doc: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut on = false;
    for line in doc.lines() {
        if line.trim() == "Options:" {
            on = true;
            continue;
        }
        if on {
            let t = line.strip_prefix("  ");
            match t.and_then(|t| t.split_once(" (")) {
                Some((k, _)) if !k.contains(' ') && !k.is_empty() => keys.push(k.to_string()),
                _ => on = false,
            }
        }
    }
    keys
}

/// Adversarial option maps for a documented option table.
fn option_maps(doc: &str) -> Vec<String> {
    let keys = option_keys(doc);
    let mut cheap = Vec::new();
    if keys.iter().any(|k| k == "duration") {
        cheap.push("duration: 20".to_string());
    }
    if keys.iter().any(|k| k == "progress") {
        cheap.push("progress: false".to_string());
    }
    let mut out = Vec::new();
    for k in &keys {
        for v in ["1e12", "-1", "0.0 / 0.0", "\"x\"", "[]"] {
            let mut parts: Vec<String> = cheap
                .iter()
                .filter(|c| !c.starts_with(&format!("{k}:")))
                .cloned()
                .collect();
            parts.push(format!("{k}: {v}"));
            out.push(format!("#{{ {} }}", parts.join(", ")));
        }
    }
    out
}

fn non_finite(v: &Dynamic, depth: usize) -> bool {
    if depth > 6 {
        return false;
    }
    if let Ok(x) = v.as_float() {
        return !x.is_finite();
    }
    if v.is_array() {
        let a = v.clone().into_array().unwrap_or_default();
        return a.iter().take(10_000).any(|x| non_finite(x, depth + 1));
    }
    if v.is_map() {
        let m = v.clone().cast::<rhai::Map>();
        return m.values().any(|x| non_finite(x, depth + 1));
    }
    false
}

#[test]
fn every_registered_function_survives_adversarial_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::env::set_current_dir(&out).unwrap();
    ssnlab::io::sandbox::set(Some((vec![out.clone()], vec![out.clone()]))).unwrap();
    ssnlab::numerics::memory::set_limit(2_000_000_000);
    let (engine, docs) = ssnlab::script::build_engine_in(None);
    let mut engine: Engine = engine;
    engine.set_max_operations(5_000_000);
    let mut scope = Scope::new();
    for (t, expr) in RECEIVERS {
        let v: Dynamic = engine
            .eval_with_scope(&mut scope, expr)
            .unwrap_or_else(|e| panic!("receiver {t} = {expr}: {e}"));
        scope.push(format!("recv_{t}"), v);
    }
    // A hang, not a long computation: some defaults are paper-scale by design (the Fig 1C
    // grid of 81 x 81 power-law fits takes ~10 s on 2 cores, 25 s while other tests run).
    let budget = Duration::from_secs(60);
    let mut violations = Vec::new();
    let mut calls = 0usize;
    let mut missing_receivers = std::collections::BTreeSet::new();
    let t_all = Instant::now();
    for e in docs.entries() {
        use ssnlab::script::api::DocKind;
        if !matches!(e.kind, DocKind::Function | DocKind::Method) {
            continue;
        }
        // Interrupt requests and exiting would end the test process's own state.
        if ["exit", "quit"].contains(&e.name.as_str()) {
            continue;
        }
        let ps = params(&e.signature);
        let recv = match (&e.kind, &e.owner) {
            (DocKind::Method, Some(o)) => {
                if !RECEIVERS.iter().any(|(t, _)| t == o) {
                    missing_receivers.insert(o.clone());
                    continue;
                }
                Some(format!("recv_{o}"))
            }
            _ => None,
        };
        let doc_allows_nonfinite = {
            let d = e.doc.to_lowercase();
            d.contains("nan") || d.contains("inf") || d.contains("diverg")
        };
        let call = |args: &[String]| -> String {
            match &recv {
                Some(r) => format!("{r}.{}({})", e.name, args.join(", ")),
                None => format!("{}({})", e.name, args.join(", ")),
            }
        };
        let mut variants: Vec<Vec<String>> = Vec::new();
        let base: Vec<String> = ps.iter().map(|(n, t)| benign(t, n)).collect();
        if ps.is_empty() {
            variants.push(vec![]);
        }
        for (k, (_, t)) in ps.iter().enumerate() {
            for a in adversarial(t) {
                let mut v = base.clone();
                v[k] = a;
                variants.push(v);
            }
            // Functions with a generated option table: each documented key in turn set to a
            // huge, negative, NaN, wrong-type or empty value (on a cheap base).
            if t == "map" {
                for m in option_maps(&e.doc) {
                    let mut v = base.clone();
                    v[k] = m;
                    variants.push(v);
                }
            }
        }
        for args in variants {
            let src = call(&args);
            calls += 1;
            ssnlab::numerics::memory::set_limit(2_000_000_000);
            let t0 = Instant::now();
            let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let mut s = scope.clone();
                engine.eval_with_scope::<Dynamic>(&mut s, &src)
            }));
            let dt = t0.elapsed();
            match res {
                Err(_) => violations.push(format!("PANIC: {src}")),
                Ok(Err(err)) => {
                    let m = err.to_string();
                    if m.contains("internal error") {
                        violations.push(format!("internal error: {src}: {m}"));
                    }
                }
                Ok(Ok(v)) => {
                    if non_finite(&v, 0) && !doc_allows_nonfinite {
                        violations.push(format!(
                            "non-finite result not documented: {src} = {}",
                            v.to_string().chars().take(200).collect::<String>()
                        ));
                    }
                }
            }
            if dt > budget {
                violations.push(format!("slow ({:.1} s): {src}", dt.as_secs_f64()));
            }
        }
    }
    ssnlab::io::sandbox::set(None).unwrap();
    eprintln!("{calls} calls in {:.1} s", t_all.elapsed().as_secs_f64());
    assert!(
        missing_receivers.is_empty(),
        "types without a receiver in RECEIVERS: {missing_receivers:?}"
    );
    assert!(calls > 1000, "only {calls} calls");
    assert!(
        violations.is_empty(),
        "{} violations:\n{}",
        violations.len(),
        violations.join("\n")
    );
}
