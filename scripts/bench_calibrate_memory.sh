#!/usr/bin/env bash
# Peak memory and wall time of `geosim calibrate` as the number of simulations grows at a fixed
# population, on venezuela-2019 (its observations stop the calibration after the first
# generation, whose N / alpha simulations are then the whole calibration, so the simulations
# grow as alpha shrinks). Memory should be flat in the simulations: it holds the population
# and one block of simulations (analysis/calibrate/abc.h). Usage:
#   scripts/bench_calibrate_memory.sh [path/to/geosim] [threads] [N] ["ALPHA1 ALPHA2 ..."]
# (default N = 5000 and alpha 0.5, 0.05, 0.005: 10^4, 10^5 and 10^6 simulations).
source "$(dirname "$0")/bench_lib.sh"
N=${3:-5000}
ALPHAS=${4:-"0.5 0.05 0.005"}

printf "%-10s %-8s %-12s %-10s %s\n" "particles" "alpha" "simulations" "seconds" "peak RSS (MiB)"
for a in $ALPHAS; do
  measured "$GEOSIM" calibrate "$ROOT/scenarios/venezuela-2019.yaml" --output "$TMP/cal-$a" -N "$N" \
    --alpha "$a" --threads "$THREADS" --quiet >/dev/null
  sims=$(jq '.simulations' "$TMP/cal-$a/summary.json")
  printf "%-10s %-8s %-12s %-10s %s\n" "$N" "$a" "$sims" "$SECS" "$RSS_MIB"
done
