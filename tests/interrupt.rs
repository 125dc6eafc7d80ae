//! Ctrl-C (the global interrupt flag) stops a running script with a clear message.
//! Kept in its own test binary because the flag is process-global.

use ssnlab::script::{Source, build_engine, format_eval_error};

#[test]
fn interrupt_flag_stops_a_running_script() {
    let engine = build_engine();
    ssnlab::numerics::context::request();
    let r = engine.run("let x = 0; loop { x += 1; }");
    ssnlab::numerics::context::reset();
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

/// A spiking run stopped by Ctrl-C returns what it recorded so far (and says so); from a
/// script, `last_run()` gives it back. Both in one test: the flag is process-global.
#[test]
fn interrupted_spiking_run_returns_partial_result() {
    use ssnlab::spiking::{NetSpec, Network, RunOptions, Signal};
    let p = ssnlab::rate::lifnet::paper_network("fig2").unwrap();
    let net = Network::new(NetSpec::from_lif_network(&p).unwrap()).unwrap();
    let mut o = RunOptions::new(&net.spec);
    o.transient = 0.0; // window from the start (each test sets its own)
    o.max_rate = 0.0; // no runaway stop unless the test sets one
    o.duration = 100_000.0;
    o.mu = vec![Signal::Const(19.0); 2];
    o.progress = false;
    // Build the connectivity first: building checks the flag too.
    net.connectivity(o.conn_seed, o.dt).unwrap();
    ssnlab::numerics::context::request();
    let r = net.run(&o);
    ssnlab::numerics::context::reset();
    let r = r.unwrap();
    assert!(r.interrupted);
    assert!(r.t_end < 100.0, "stopped at {}", r.t_end);
}
