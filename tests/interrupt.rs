//! Ctrl-C (the global interrupt flag) stops a running script with a clear message.
//! Kept in its own test binary because the flag is process-global.

use ssnlab::script::{Source, build_engine, format_eval_error};

#[test]
fn interrupt_flag_stops_a_running_script() {
    let engine = build_engine();
    ssnlab::cancel::request();
    let r = engine.run("let x = 0; loop { x += 1; }");
    ssnlab::cancel::reset();
    let e = r.expect_err("must stop");
    let msg = format_eval_error(
        &Source {
            name: "t",
            text: "",
        },
        &e,
    );
    assert!(msg.contains("interrupted"), "{msg}");
    assert!(engine.run("let y = 1;").is_ok());
}
