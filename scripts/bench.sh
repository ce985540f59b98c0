#!/usr/bin/env bash
# Produces the figures of docs/performance.md on this machine:
#   1. engine benchmarks (Google Benchmark, median of 5 repetitions),
#   2. peak memory of `geosim run` for 10^4, 10^6 and 10^7 runs,
#   3. the wall time of 10^6 runs of venezuela-2019 with 2 threads (median of 3),
#   4. a callgrind profile of 2,000 runs (instruction counts by function), and the
#      instructions per run of each Venezuela scenario (scripts/bench_instructions.sh),
#   5. bit-level digests of runs of every shipped scenario (compare before/after a change).
# Usage: scripts/bench.sh [OUTDIR]   (default build/bench-results; takes several minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build/bench-results}
mkdir -p "$out"
cmake --build build --target geosim geosim_bench geosim_state_digest >/dev/null
# The frozen format 1 copy of venezuela-2019, so that the figures stay comparable across
# rounds while the shipped scenario evolves (docs/performance.md, "Fourth round").
scenario=bench/venezuela-2019-v1.yaml
[[ -f $scenario ]] || scenario=scenarios/teaching.yaml

echo "== engine benchmarks (median of 5)"
build/bench/geosim_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_out="$out/bench.json" --benchmark_out_format=json | grep -E "median|Benchmark" | tee "$out/bench.txt"

echo "== peak memory (max RSS) of geosim run, 2 threads"
: > "$out/memory.txt"
for runs in 10000 1000000 10000000; do
  /usr/bin/time -f "%M" -o "$out/rss.tmp" build/geosim run "$scenario" --runs $runs --threads 2 -q --format json -o /dev/null
  printf "runs=%-9s max_rss_kib=%s\n" $runs "$(cat "$out/rss.tmp")" | tee -a "$out/memory.txt"
done

echo "== 10^6 runs of $scenario with 2 threads (3 repetitions)"
: > "$out/million.txt"
for i in 1 2 3; do
  /usr/bin/time -f "%e" -o "$out/t.tmp" build/geosim run "$scenario" --runs 1000000 --threads 2 -q --format json -o /dev/null
  cat "$out/t.tmp" | tee -a "$out/million.txt"
done

echo "== callgrind profile (2,000 runs, 1 thread)"
valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" build/geosim run "$scenario" --runs 2000 \
  --threads 1 -q -o /dev/null >/dev/null 2>&1
callgrind_annotate "$out/callgrind.out" 2>/dev/null | grep -E "^ *[0-9,]+ \(" | head -16 | sed -E 's/\[.*$//' | cut -c1-140 \
  | tee "$out/profile.txt"

echo "== instructions per run (callgrind)"
scripts/bench_instructions.sh build/geosim "$out/instructions" | tee "$out/instructions.txt"

echo "== state digests (1,500 runs, drawn and with fixed parameters; must not change)"
for f in scenarios/*.yaml scenarios/variants/*.yaml; do build/bench/geosim_state_digest 1500 "$f"; done \
  | tee "$out/digest.txt"
