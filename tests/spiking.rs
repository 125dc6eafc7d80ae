//! Spiking engine against theory and invariants.

use ssnlab::rate::lifnet::paper_network;
use ssnlab::spiking::{NetSpec, Network, RunOptions, Signal};

#[test]
fn fig2_timing_probe() {
    let p = paper_network("fig2").unwrap();
    let net = Network::new(NetSpec::from_lif_network(&p).unwrap()).unwrap();
    let mut o = RunOptions::new(&net.spec);
    o.duration = 2000.0;
    o.mu = vec![Signal::Const(19.0), Signal::Const(19.0)];
    o.transient = 500.0;
    o.progress = false;
    let r = net.run(&o).unwrap();
    eprintln!("rates {:?} wall {} build {} syn {}", r.rates(), r.wall_s, r.build_s, r.n_synapses);
    o.threads = 1;
    let r1 = net.run(&o).unwrap();
    eprintln!("1 thread rates {:?} wall {}", r1.rates(), r1.wall_s);
    assert_eq!(r.bin_counts, r1.bin_counts);
}

#[test]
fn normal_speed_probe() {
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(1);
    let t = std::time::Instant::now();
    let mut s = 0.0;
    for _ in 0..100_000_000u64 {
        let x: f64 = StandardNormal.sample(&mut rng);
        s += x;
    }
    eprintln!("1e8 normals {:?} {s}", t.elapsed());
}
