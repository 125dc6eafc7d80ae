//! Fixtures shared by the integration tests (each test file includes this with `mod common;`
//! and uses what it needs).
#![allow(dead_code)]

use ssnlab::rate::lifnet::{LifNetwork, paper_network};
use ssnlab::spiking::{NetSpec, Network, Population, RunOptions, RunResult, Signal};

/// The paper's Fig 2 network, as parameters and as a spiking network.
pub fn fig2() -> (LifNetwork, Network) {
    let p = paper_network("fig2").unwrap();
    let net = Network::new(NetSpec::from_lif_network(&p).unwrap()).unwrap();
    (p, net)
}

/// The same run with each of the given thread counts.
pub fn run_threads(net: &Network, o: &RunOptions, threads: &[usize]) -> Vec<RunResult> {
    threads
        .iter()
        .map(|&t| {
            let mut oo = o.clone();
            oo.threads = t;
            net.run(&oo).unwrap()
        })
        .collect()
}

/// Run options with constant drives `mu` (mV/s per population), `duration` ms, the window
/// from 500 ms, no runaway stop and no progress bar.
pub fn opts(net: &Network, mu: &[f64], duration: f64) -> RunOptions {
    let mut o = RunOptions::new(&net.spec);
    o.max_rate = 0.0; // no runaway stop unless the test sets one
    o.duration = duration;
    o.mu = mu.iter().map(|&m| Signal::Const(m)).collect();
    o.transient = 500.0;
    o.progress = false;
    o
}

/// 4000 unconnected LIF neurons (θ = 1 mV, V_R = 0, no refractory period).
pub fn free_population(tau: f64, sigma: f64) -> Network {
    let spec = NetSpec {
        name: "free".into(),
        pops: vec![Population {
            name: "E".into(),
            n: 4000,
            tau,
            theta: 1.0,
            v_reset: 0.0,
            t_ref: 0.0,
            sigma,
            excitatory: true,
        }],
        poisson: vec![],
        projections: vec![],
    };
    Network::new(spec).unwrap()
}
