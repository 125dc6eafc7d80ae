//! Every ```rhai example in the documentation (`help`, `ssnlab doc`) must run, and must not
//! print NaN, inf or `()` (a missing map key) unless its entry documents that value: an
//! example that shows a wrong number fails here, not in front of a user.

use std::sync::{Arc, Mutex};

#[test]
fn every_doc_example_runs() {
    let (mut engine, docs) = ssnlab::script::build_engine_in(None);
    let printed = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = printed.clone();
    engine.on_print(move |s| sink.lock().unwrap().push(s.to_string()));
    let mut n = 0;
    let mut failures = Vec::new();
    for e in docs.entries() {
        // The prose only: the examples themselves are full of `f()` calls.
        let doc = e
            .doc
            .split("```")
            .step_by(2)
            .collect::<String>()
            .to_lowercase();
        let may_nan = doc.contains("nan") || doc.contains("inf");
        let may_unit = doc.contains("()");
        for ex in e.examples() {
            n += 1;
            printed.lock().unwrap().clear();
            if let Err(err) = engine.run(&ex) {
                failures.push(format!("{}: {err}\n{ex}", e.signature));
                continue;
            }
            for line in printed.lock().unwrap().iter() {
                let words: Vec<&str> = line
                    .split(|c: char| !(c.is_alphanumeric() || c == '(' || c == ')'))
                    .collect();
                let bad_num = words.iter().any(|w| ["NaN", "inf"].contains(w));
                let bad_unit = line.trim().is_empty() || line.trim() == "()";
                if (bad_num && !may_nan) || (bad_unit && !may_unit) {
                    failures.push(format!("{}: printed {line:?}\n{ex}", e.signature));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} examples failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(n > 5);
}

#[test]
fn every_function_and_type_is_documented() {
    let (_, docs) = ssnlab::script::build_engine_in(None);
    for e in docs.entries() {
        assert!(!e.summary().is_empty(), "{} has no doc", e.signature);
    }
}
