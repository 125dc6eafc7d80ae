//! Criterion benchmarks of the motif generators, their statistics and the rate network
//! (BENCHMARKS.md).
//!
//! - `motif_gaussian_sample_4000`: dense weighted matrix, N = 4000 (16e6 entries).
//! - `sonet_sample_10000`: binary SONET, N = 10⁴ (1e8 pairs), p = 0.1, all four motifs.
//! - `motif_block_stats_4000`: achieved statistics of a 4000 × 4000 matrix.
//! - `rate_network_3000_100steps`: 100 Euler steps of the ReLU rate network, N = 3000.
//! - `motif_mean_field_fixed_point`: the 2P mean-field fixed point, P = 2.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ssnlab::connectivity::{GaussianMotifs, Sonet, block_stats};
use ssnlab::motif::ratenet::{RateOptions, simulate};
use ssnlab::motif::{MotifMeanField, Phi};
use std::hint::black_box;

fn one(n: usize) -> GaussianMotifs {
    GaussianMotifs::new(
        vec![n],
        vec![vec![-1.0]],
        vec![vec![0.3]],
        vec![vec![1.0]],
        vec![vec![1.5]],
        vec![0.5],
        vec![vec![0.2]],
    )
    .unwrap()
}

fn generators(c: &mut Criterion) {
    let mut g = c.benchmark_group("motif");
    g.sample_size(10);
    let gm = one(4000);
    g.throughput(Throughput::Elements(4000 * 4000));
    g.bench_function("motif_gaussian_sample_4000", |b| {
        b.iter(|| black_box(gm.sample(1).unwrap()))
    });
    let s = Sonet::one_population(10_000, 0.1, 0.5, 0.3, 0.2, 0.1).unwrap();
    g.throughput(Throughput::Elements(10_000 * 10_000));
    g.bench_function("sonet_sample_10000", |b| b.iter(|| black_box(s.sample(1))));
    let w = gm.sample(2).unwrap();
    g.throughput(Throughput::Elements(4000 * 4000));
    g.bench_function("motif_block_stats_4000", |b| {
        b.iter(|| black_box(block_stats(&w.sizes, |i, j| w.w[[i, j]])))
    });
    let w3 = one(3000).sample(3).unwrap();
    let o = RateOptions {
        tau: 1.0,
        dt: 0.1,
        duration: 10.0,
        every: 1000,
        average: 0.0,
        x0: None,
    };
    g.throughput(Throughput::Elements(100 * 3000 * 3000));
    g.bench_function("rate_network_3000_100steps", |b| {
        b.iter(|| black_box(simulate(&w3, &[Phi::RELU], &|_| vec![1.0], &o).unwrap()))
    });
    let two = GaussianMotifs::new(
        vec![800, 200],
        vec![vec![0.5, -1.5], vec![1.0, -1.0]],
        vec![vec![0.3; 2]; 2],
        vec![vec![0.8; 2], vec![0.5; 2]],
        vec![vec![0.6, 0.4]; 2],
        vec![0.4, 0.2],
        vec![vec![0.0; 2]; 2],
    )
    .unwrap();
    let mf = MotifMeanField::new(two, vec![Phi::RELU], vec![1.0, 0.8], 1.0).unwrap();
    g.throughput(Throughput::Elements(1));
    g.bench_function("motif_mean_field_fixed_point", |b| {
        b.iter(|| black_box(mf.steady_state().unwrap()))
    });
    g.finish();
}

criterion_group!(benches, generators);
criterion_main!(benches);
