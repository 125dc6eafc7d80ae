//! Criterion benchmarks of the Izhikevich mean field and spiking network (BENCHMARKS.md).
//!
//! - `izh_snn_rsfs_2x1000_10ms`: the RS–FS network, 1000 neurons per population, dt = 2 µs,
//!   10 ms per iteration (5000 steps): neuron-steps per second = 1e7 / time.
//! - `izh_mf_continuation_rsfs`: the full branch of the RS–FS mean field in I_fs over
//!   [10, 90] pA with folds (Δ_fs = 0.8).
//! - `izh_mf_rk4_1s`: one simulated second of the RS–FS mean field (RK4, dt = 0.01 ms).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ssnlab::izh::network::{IzhRunOptions, Thresholds, run};
use ssnlab::izh::{Continuation, IzhMeanField, IzhPop};
use ssnlab::spiking::Signal;
use std::hint::black_box;

fn rs_fs(delta_fs: f64, i_fs: f64) -> IzhMeanField {
    let rs = IzhPop::cell_type("RS").unwrap();
    let mut fs = IzhPop::cell_type("FS").unwrap();
    fs.delta = delta_fs;
    IzhMeanField::new(
        vec![rs, fs],
        vec![vec![16.0, 16.0], vec![4.0, 4.0]],
        vec![50.0, i_fs],
    )
    .unwrap()
}

fn snn(c: &mut Criterion) {
    let m = rs_fs(0.8, 30.0);
    let o = IzhRunOptions {
        n: vec![1000, 1000],
        input: vec![Signal::Const(50.0), Signal::Const(30.0)],
        duration: 10.0,
        dt: 0.002,
        bin: 1.0,
        global_u: true,
        thresholds: vec![
            Thresholds::Quantiles {
                lo: -60.0,
                hi: -20.0,
            },
            Thresholds::Quantiles {
                lo: -55.0,
                hi: -25.0,
            },
        ],
        seed: 1,
        sparse: None,
    };
    let mut g = c.benchmark_group("izh");
    g.throughput(Throughput::Elements(2000 * 5000));
    g.bench_function("izh_snn_rsfs_2x1000_10ms", |b| {
        b.iter(|| black_box(run(&m.pops, &m.j, &o).unwrap()))
    });
    g.finish();
}

fn mean_field(c: &mut Criterion) {
    let m = rs_fs(0.8, 20.0);
    let x0 = m.settle(&m.initial_state()).unwrap();
    c.bench_function("izh_mf_continuation_rsfs", |b| {
        b.iter(|| {
            black_box(
                m.continuation(
                    &x0,
                    &Continuation {
                        pop: 1,
                        range: (10.0, 90.0),
                        step: 0.05,
                        max_points: 20000,
                    },
                )
                .unwrap(),
            )
        })
    });
    let i = m.i_ext.clone();
    c.bench_function("izh_mf_rk4_1s", |b| {
        b.iter(|| {
            black_box(
                m.integrate(&x0, 1000.0, 0.01, 1000, &|_| i.clone())
                    .unwrap(),
            )
        })
    });
}

criterion_group!(benches, snn, mean_field);
criterion_main!(benches);
