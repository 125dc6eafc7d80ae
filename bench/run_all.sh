#!/usr/bin/env bash
# Runs the ssnlab / Brian2 / NEST comparison of BENCHMARKS.md on this machine.
#   PY=/path/to/python3.13-with-brian2-and-nest bash bench/run_all.sh > bench/results.txt
# (pip install brian2==2.11.* nest-simulator==3.10.* in a Python 3.13 virtual environment)
set -u
cd "$(dirname "$0")"
PY=${PY:-python3}
SSN=../target/release/ssnlab
T="/usr/bin/time -f maxrss_kb=%M"
for net in fig2 dense; do
  $T $SSN run ssnlab_bench.rhai --net $net --n 4000 --seconds 10 2>&1
  THREADS=2 $T $PY brian2_bench.py $net 4000 10 2>&1 | grep -v WARNING
  THREADS=0 $T $PY brian2_bench.py $net 4000 10 2>&1 | grep -v WARNING
  THREADS=2 $T $PY nest_bench.py $net 4000 10 2>&1
done
for net in fig2 dense; do
  $T $SSN run ssnlab_bench.rhai --net $net --n 40000 --seconds 2 2>&1
  THREADS=2 $T $PY nest_bench.py $net 40000 1 2>&1
done
THREADS=2 $T $PY brian2_bench.py fig2 40000 1 2>&1 | grep -v WARNING
