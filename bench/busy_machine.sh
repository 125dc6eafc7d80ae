#!/usr/bin/env bash
# Busy-machine benchmark (issue 19): a 1-s Fig 2 run (paper_network("fig2"), mu = 19, r = 1,
# seed 7) timed with default threads and with threads: 1 while two other ssnlab Fig 2 runs with
# default threads keep the machine busy. Usage: bench/busy_machine.sh [path/to/ssnlab] [reps]
set -euo pipefail
BIN=${1:-target/release/ssnlab}
REPS=${2:-5}
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$TMP"' EXIT
cat > "$TMP/fig2.rhai" <<'RHAI'
let th = if ARGS.len() > 0 { parse_int(ARGS[0]) } else { 0 };
let dur = if ARGS.len() > 1 { parse_float(ARGS[1]) } else { 1000.0 };
let sim = lif_network(paper_network("fig2"));
let res = sim.run(#{ mu: 19, r: 1, duration: dur, seed: 7, threads: th, progress: false });
print(res.wall_s);
RHAI
quiet() { for t in 1 0; do
  for _ in $(seq "$REPS"); do "$BIN" -q run "$TMP/fig2.rhai" $t; done | sort -g | head -1 | sed "s/^/quiet threads=$t best wall_s /"
done; }
quiet
for k in 1 2; do ( while true; do "$BIN" -q run "$TMP/fig2.rhai" 0 1000 > /dev/null; done ) & done
sleep 2
for t in 1 0; do
  for _ in $(seq "$REPS"); do "$BIN" -q run "$TMP/fig2.rhai" $t; done | sort -g | awk -v t=$t '{a[NR]=$1} END {print "busy threads=" t " median wall_s " a[int((NR+1)/2)]}'
done
