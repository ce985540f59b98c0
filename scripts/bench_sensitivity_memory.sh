#!/usr/bin/env bash
# Peak memory of `geosim sensitivity` as the number of samples N grows: it should stay
# flat, because the design is generated chunk by chunk and the estimators keep only their
# running sums (Poisson bootstrap; docs/analysis.md). Usage:
#   scripts/bench_sensitivity_memory.sh [path/to/geosim] [threads]
source "$(dirname "$0")/bench_lib.sh"

measure() {  # label, then the sensitivity arguments
  local label=$1
  shift
  measured "$GEOSIM" sensitivity "$@" --threads "$THREADS" --quiet --format json --output "$TMP/out.json"
  printf "%-44s %-10s %s\n" "$label" "$SECS" "$RSS_MIB"
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
