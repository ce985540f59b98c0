#!/usr/bin/env bash
# Peak memory of `geosim sensitivity` as the number of samples N grows: it should stay
# flat, because the design is generated chunk by chunk and the estimators keep only their
# running sums (Poisson bootstrap; docs/analysis.md). Usage:
#   scripts/bench_sensitivity_memory.sh [path/to/geosim] [threads]
set -euo pipefail
GEOSIM=${1:-build/geosim}
THREADS=${2:-2}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

measure() {  # label, then the sensitivity arguments
  local label=$1
  shift
  /usr/bin/time -v "$GEOSIM" sensitivity "$@" --threads "$THREADS" --quiet --format json \
    --output "$TMP/out.json" 2> "$TMP/time.txt"
  local rss secs
  rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$TMP/time.txt")
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$TMP/time.txt")
  printf "%-44s %-10s %.1f\n" "$label" "$secs" "$(echo "$rss / 1024" | bc -l)"
}

printf "%-44s %-10s %s\n" "analysis" "seconds" "peak RSS (MiB)"
for n in 1024 16384 262144 1048576; do
  measure "ishigami sobol N=$n" --test-function ishigami --samples "$n"
done
for n in 1000 100000; do
  measure "ishigami morris r=$n" --test-function ishigami --method morris --samples "$n"
done
for n in 64 1024 16384; do
  measure "teaching sobol N=$n, 10 runs/point" "$ROOT/scenarios/teaching.yaml" --samples "$n" --runs-per-point 10
done
for n in 32 512; do
  measure "venezuela-2019 sobol N=$n, 4 runs/point" "$ROOT/scenarios/venezuela-2019.yaml" --samples "$n" \
    --runs-per-point 4
done
