#!/usr/bin/env bash
# Peak memory of `geosim sweep` as runs per point and points grow: it should stay flat,
# because a sweep keeps one point's integer counters per thread and commits each point to
# SQLite before the next. Usage: scripts/bench_sweep_memory.sh [path/to/geosim] [threads]
source "$(dirname "$0")/bench_lib.sh"

spec() {  # $1 runs per point, $2 grid steps per parameter (points = steps^2)
  cat > "$TMP/spec-$1-$2.yaml" <<SPEC
sweep: 1
id: bench
scenario: $ROOT/scenarios/teaching.yaml
parameters:
  - {path: levers.sanctions.intensity, min: 0, max: 1, steps: $2}
  - {path: levers.amnesty_for_officers.credibility, min: 0, max: 1, steps: $2}
runs: $1
record: {states: [defected_share]}
SPEC
  echo "$TMP/spec-$1-$2.yaml"
}

printf "%-10s %-8s %-12s %-10s %s\n" "points" "runs" "total runs" "seconds" "peak RSS (MiB)"
for cfg in "4 100" "4 1000" "4 10000" "4 100000" "10 100" "20 100" "40 100" "100 100"; do
  set -- $cfg
  steps=$1 runs=$2
  f=$(spec "$runs" "$steps")
  out="$TMP/out-$runs-$steps"
  measured "$GEOSIM" sweep "$f" --output "$out" --threads "$THREADS" --quiet
  printf "%-10s %-8s %-12s %-10s %s\n" "$((steps * steps))" "$runs" "$((steps * steps * runs))" "$SECS" "$RSS_MIB"
done
