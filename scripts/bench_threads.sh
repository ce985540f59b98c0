#!/usr/bin/env bash
# Thread scaling of `geosim run` and `geosim sensitivity` on the machine at hand: wall time
# (median of 3) of 10^6 runs of each shipped Venezuela scenario, and of a Sobol analysis of
# venezuela-2019 (N = 256, 100 runs per point: 768,000 runs), for each thread count; the
# parallel efficiency is t(1) / (T x t(T)). Also checks that every thread count gives the
# same bytes. Usage: scripts/bench_threads.sh [path/to/geosim] ["1 2 4 8 16"]
set -euo pipefail
GEOSIM=${1:-build/geosim}
THREADS=${2:-"1 2"}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

median3() { sort -g | sed -n 2p; }

time_cmd() {  # output file, then the command; prints the median of 3 wall times
  local out=$1
  shift
  for _ in 1 2 3; do
    /usr/bin/time -f "%e" -o "$TMP/t" "$@" -o "$out" >/dev/null 2>&1
    cat "$TMP/t"
  done | median3
}

report() {  # label, then the seconds per thread count (in THREADS order)
  local label=$1
  shift
  local t1=$1
  local i=0
  for t in $THREADS; do
    i=$((i + 1))
    local s=${!i}
    awk -v l="$label" -v t="$t" -v s="$s" -v t1="$t1" \
      'BEGIN { printf "%-34s threads=%-3s seconds=%-7s efficiency=%.0f%%\n", l, t, s, 100 * t1 / (t * s) }'
  done
}

for sc in venezuela-2019 venezuela-2025; do
  times=()
  for t in $THREADS; do
    times+=("$(time_cmd "$TMP/run-$sc-$t.json" "$GEOSIM" run "$ROOT/scenarios/$sc.yaml" --runs 1000000 \
      --threads "$t" -q --format json)")
  done
  report "run $sc 10^6 runs" "${times[@]}"
done

times=()
for t in $THREADS; do
  times+=("$(time_cmd "$TMP/sobol-$t.json" "$GEOSIM" sensitivity "$ROOT/scenarios/venezuela-2019.yaml" \
    --samples 256 --runs-per-point 100 --threads "$t" -q --format json)")
done
report "sobol venezuela-2019 N=256 R=100" "${times[@]}"

echo "distinct outputs per command (1 = the same bytes for every thread count):"
for prefix in run-venezuela-2019 run-venezuela-2025 sobol; do
  printf "  %-20s %s\n" "$prefix" "$(md5sum "$TMP/$prefix"-*.json | awk '{print $1}' | sort -u | wc -l)"
done
