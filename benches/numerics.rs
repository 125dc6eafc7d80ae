//! Criterion benchmarks; speed targets and measured numbers are in BENCHMARKS.md.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn engine_startup(c: &mut Criterion) {
    c.bench_function("build_engine", |b| {
        b.iter(|| black_box(ssnlab::script::build_engine()))
    });
}

criterion_group!(benches, engine_startup);
criterion_main!(benches);
