#!/usr/bin/env bash
# Parallel efficiency of `geosim run`: the engine's own rate (--timing, the runs without the
# loading of the scenario) at 1 thread and at T threads, measured alternately (1, T, T, 1,
# ...) so that the drift of a shared machine falls on both alike. Prints every measurement,
# the medians and the efficiency rate(T) / (T x rate(1)), with the load average.
#
# (scripts/bench_threads.sh measures wall times over many thread counts, one after another.)
#
# Usage: scripts/bench_efficiency.sh [GEOSIM] [T] [REPS]
#   GEOSIM  a build folder or a geosim binary (default build)
#   T       threads to compare with one (default: all cores)
#   REPS    repetitions of each (default 5)
# Environment: SCENARIOS (default bench/venezuela-2019-v1.yaml and the two Venezuela
# scenarios), RUNS (default 500000 per measurement: with 200000 the fast venezuela-2025
# takes about a second at 2 threads, and the start of the threads weighs on the figure),
# RUNS_MANY (default RUNS: the runs at T threads; the rate is per second, so on many cores
# give them T times as many, and each measurement lasts about as long).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$ROOT/build}
[[ -d $B ]] && B=$B/geosim
T=${2:-$(nproc)}
REPS=${3:-5}
RUNS=${RUNS:-500000}
RUNS_MANY=${RUNS_MANY:-$RUNS}
SCENARIOS=${SCENARIOS:-"$ROOT/bench/venezuela-2019-v1.yaml $ROOT/scenarios/venezuela-2019.yaml $ROOT/scenarios/venezuela-2025.yaml"}
[[ -x $B ]] || { echo "not an executable: $B" >&2; exit 2; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
rate() {  # scenario threads -> runs/s
  local n=$RUNS
  [[ $2 == 1 ]] || n=$RUNS_MANY
  "$B" run "$1" --runs "$n" --threads "$2" --timing --format json -q -o "$TMP/r.json" >/dev/null
  jq -r '.timing.runs_per_second' "$TMP/r.json"
}
echo "binary: $B"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for sc in $SCENARIOS; do
  name=$(basename "$sc" .yaml)
  : > "$TMP/one"; : > "$TMP/many"
  for ((r = 1; r <= REPS; ++r)); do
    order=(1 "$T"); ((r % 2 == 0)) && order=("$T" 1)
    for t in "${order[@]}"; do
      v=$(rate "$sc" "$t")
      if [[ $t == 1 ]]; then echo "$v" >> "$TMP/one"; else echo "$v" >> "$TMP/many"; fi
      printf "%-20s rep %d  %2d thread(s): %10.0f runs/s   (load %s)\n" "$name" "$r" "$t" "$v" "$(load)"
    done
  done
  one=$(median < "$TMP/one"); many=$(median < "$TMP/many")
  awk -v n="$name" -v a="$one" -v b="$many" -v t="$T" \
    'BEGIN { printf "%-20s median 1 thread %.0f runs/s, %d threads %.0f runs/s: efficiency %.1f%%\n", n, a, t, b, 100 * b / (t * a) }'
done
