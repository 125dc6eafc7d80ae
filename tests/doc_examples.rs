//! Every ```rhai example in the documentation (`help`, `ssnlab doc`) must run.

#[test]
fn every_doc_example_runs() {
    let (engine, docs) = ssnlab::script::build_engine_in(None);
    let mut n = 0;
    let mut failures = Vec::new();
    for e in docs.entries() {
        for ex in e.examples() {
            n += 1;
            if let Err(err) = engine.run(&ex) {
                failures.push(format!("{}: {err}\n{ex}", e.signature));
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
