//! Criterion benchmarks of the spiking engine; numbers are recorded in BENCHMARKS.md.
//!
//! - `fig2_4000_100ms`: the paper's Fig 2 network (N = 4000, dt = 0.05 ms, mu = 19 mV/s),
//!   100 ms of simulated time per iteration: wall time / 0.1 = seconds per simulated second.
//! - `dense_4000_100ms`: N = 4000, p = 0.2, dt = 0.1 ms, mu = 30 mV/s (~7 Hz); throughput in
//!   synaptic events per second is reported by criterion.
//! - `connectivity_fig2`: generation of the 2.1e6 synapses of the Fig 2 network.
//! - `normals_1e6*`: the ziggurat noise generators (`NormalStream` as the engine uses it,
//!   `fill_normal`) against `rand_distr`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::SeedableRng;
use ssnlab::rate::lifnet::{LifNetwork, paper_network};
use ssnlab::spiking::model::build_csr;
use ssnlab::spiking::{NetSpec, Network, RunOptions, Signal};
use std::hint::black_box;

fn dense() -> LifNetwork {
    let mut p = paper_network("fig2").unwrap();
    p.n = [3200, 800];
    p.p = [[0.2, 0.2], [0.2, 0.2]];
    p.j = [[0.01, 0.06], [0.015, 0.06]];
    p
}

fn run_bench(c: &mut Criterion, name: &str, p: &LifNetwork, mu: f64, dt: f64) {
    let net = Network::new(NetSpec::from_lif_network(p).unwrap()).unwrap();
    let mut o = RunOptions::new(&net.spec);
    o.transient = 0.0; // window from the start (each test sets its own)
    o.max_rate = 0.0; // no runaway stop unless the test sets one
    o.duration = 100.0;
    o.dt = dt;
    o.mu = vec![Signal::Const(mu); 2];
    o.progress = false;
    // Warm the connectivity cache and measure the event rate once for the throughput.
    let r = net.run(&o).unwrap();
    let events = r.n_spikes as f64 * net.spec.expected_synapses() / 4000.0;
    let mut g = c.benchmark_group("spiking");
    g.sample_size(10);
    g.throughput(Throughput::Elements(events as u64));
    g.bench_function(name, |b| {
        b.iter(|| black_box(net.run(&o).unwrap().n_spikes))
    });
    g.finish();
}

fn fig2(c: &mut Criterion) {
    run_bench(
        c,
        "fig2_4000_100ms",
        &paper_network("fig2").unwrap(),
        19.0,
        0.05,
    );
}

fn dense_net(c: &mut Criterion) {
    run_bench(c, "dense_4000_100ms", &dense(), 30.0, 0.1);
}

fn connectivity(c: &mut Criterion) {
    let spec = NetSpec::from_lif_network(&paper_network("fig2").unwrap()).unwrap();
    let mut g = c.benchmark_group("spiking");
    g.sample_size(10);
    g.throughput(Throughput::Elements(spec.expected_synapses() as u64));
    g.bench_function("connectivity_fig2", |b| {
        b.iter(|| {
            (0..spec.projections.len())
                .map(|k| build_csr(&spec, k, 1, 0.05).unwrap().len())
                .sum::<usize>()
        })
    });
    g.finish();
}

fn normals(c: &mut Criterion) {
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(1);
    let mut buf = vec![0.0; 1_000_000];
    let mut g = c.benchmark_group("spiking");
    g.throughput(Throughput::Elements(buf.len() as u64));
    g.bench_function("normals_1e6", |b| {
        b.iter(|| {
            ssnlab::numerics::random::fill_normal(&mut rng, &mut buf);
            black_box(buf[0])
        })
    });
    let mut stream = ssnlab::numerics::random::NormalStream::new(&mut rng);
    let mut chunk = vec![0.0; 256];
    g.bench_function("normals_1e6_stream", |b| {
        // As the engine uses it: 256 normals per call.
        b.iter(|| {
            for _ in 0..buf.len() / chunk.len() {
                stream.fill(&mut rng, &mut chunk);
                black_box(chunk[0]);
            }
        })
    });
    g.bench_function("normals_1e6_rand_distr", |b| {
        use rand_distr::{Distribution, StandardNormal};
        b.iter(|| {
            for x in buf.iter_mut() {
                *x = StandardNormal.sample(&mut rng);
            }
            black_box(buf[0])
        })
    });
    g.finish();
}

criterion_group!(benches, fig2, dense_net, connectivity, normals);
criterion_main!(benches);
