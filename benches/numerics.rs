//! Criterion benchmarks; targets and measured numbers are in BENCHMARKS.md.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ssnlab::neuron::Lif;
use ssnlab::rate::Ssn;
use ssnlab::rate::lifnet::paper_power_laws;
use ssnlab::rate::regime::regime_map;
use std::hint::black_box;

fn engine_startup(c: &mut Criterion) {
    c.bench_function("build_engine", |b| {
        b.iter(|| black_box(ssnlab::script::build_engine()))
    });
}

fn phi(c: &mut Criterion) {
    let lif = Lif::default();
    let mus: Vec<f64> = (0..1000).map(|i| -50.0 + 0.2 * i as f64).collect();
    let mut g = c.benchmark_group("phi");
    g.throughput(Throughput::Elements(mus.len() as u64));
    g.bench_function("rate_1000_points_mu_-50_150", |b| {
        b.iter(|| {
            let mut s = 0.0;
            for &m in &mus {
                s += lif.rate_unchecked(m, 3.0);
            }
            black_box(s)
        })
    });
    g.finish();
}

fn ssn_steady_states(c: &mut Criterion) {
    let [fe, fi] = paper_power_laws();
    let bist = Ssn::ei(fe, fi, [[5.0, 10.0], [7.0, 11.0]], None).unwrap();
    let ss = Ssn::ei(fe, fi, [[2.0, 12.0], [6.0, 1.0]], None).unwrap();
    let neg = Ssn::ei(fe, fi, [[1.25, 1.0], [1.0, 1.25]], None).unwrap();
    c.bench_function("steady_states_bistable_mu3_r1", |b| {
        b.iter(|| black_box(bist.steady_states(&[3.0, 3.0], None).unwrap()))
    });
    c.bench_function("steady_states_fig2_mu20_r1", |b| {
        b.iter(|| black_box(ss.steady_states(&[20.0, 20.0], None).unwrap()))
    });
    c.bench_function("steady_states_negdet_mu10_r3", |b| {
        b.iter(|| black_box(neg.steady_states(&[10.0, 30.0], None).unwrap()))
    });
}

fn map_200(c: &mut Criterion) {
    let [fe, fi] = paper_power_laws();
    let net = Ssn::ei(fe, fi, [[5.0, 10.0], [7.0, 11.0]], None).unwrap();
    let xs: Vec<f64> = (0..200).map(|i| 15.0 * i as f64 / 199.0).collect();
    let ys: Vec<f64> = (0..200).map(|i| 5.0 * i as f64 / 199.0).collect();
    let mut g = c.benchmark_group("regime_map");
    g.sample_size(10);
    g.bench_function("200x200_bistable_mu_r", |b| {
        b.iter(|| {
            let make = |x: f64, y: f64| Ok((net.clone(), [x, y * x], [1.0, y]));
            black_box(regime_map("mu", &xs, "r", &ys, &make).unwrap())
        })
    });
    g.finish();
}

fn fit(c: &mut Criterion) {
    let lif = Lif::default();
    c.bench_function("fit_power_law_lif_e", |b| {
        b.iter(|| {
            black_box(
                ssnlab::neuron::powerlaw::fit_lif(&lif, 3.0, (-50.0, 150.0, 0.5), 10.0).unwrap(),
            )
        })
    });
}

criterion_group!(
    benches,
    engine_startup,
    phi,
    ssn_steady_states,
    map_200,
    fit
);
criterion_main!(benches);
