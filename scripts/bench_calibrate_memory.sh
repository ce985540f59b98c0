#!/usr/bin/env bash
# Peak memory and wall time of `geosim calibrate` as the number of simulations grows, on
# venezuela-2019 (its observations stop the calibration after the first generation, whose
# 2 N simulations are then the whole calibration, so the simulations grow with N). Usage:
#   scripts/bench_calibrate_memory.sh [path/to/geosim] [threads] ["N1 N2 ..."]
# (default particles 5000 and 500000: 10^4 and 10^6 simulations).
source "$(dirname "$0")/bench_lib.sh"
PARTICLES=${3:-"5000 500000"}

printf "%-10s %-12s %-10s %s\n" "particles" "simulations" "seconds" "peak RSS (MiB)"
for n in $PARTICLES; do
  measured "$GEOSIM" calibrate "$ROOT/scenarios/venezuela-2019.yaml" --output "$TMP/cal-$n" -N "$n" \
    --threads "$THREADS" --quiet >/dev/null
  sims=$(jq '.simulations' "$TMP/cal-$n/summary.json")
  printf "%-10s %-12s %-10s %s\n" "$n" "$sims" "$SECS" "$RSS_MIB"
done
