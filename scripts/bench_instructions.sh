#!/usr/bin/env bash
# Instructions per run (callgrind), which the machine's load does not move: the instructions
# of `geosim run SCENARIO --runs 2001 --threads 1` minus those of `--runs 1`, over 2,000
# (loading the scenario and writing the summary cancel out). Keeps the profiles in OUTDIR
# for callgrind_annotate. Usage:
#   scripts/bench_instructions.sh [path/to/geosim] [OUTDIR] [SCENARIO...]
# (default: build/geosim, build/instructions, the frozen format 1 venezuela-2019 and the
# shipped Venezuela scenarios).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
GEOSIM=${1:-$ROOT/build/geosim}
OUT=${2:-$ROOT/build/instructions}
shift $(($# > 2 ? 2 : $#))
SCENARIOS=("$@")
if ((${#SCENARIOS[@]} == 0)); then
  SCENARIOS=("$ROOT/bench/venezuela-2019-v1.yaml" "$ROOT/scenarios/venezuela-2019.yaml" "$ROOT/scenarios/venezuela-2025.yaml")
fi
mkdir -p "$OUT"
total() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'; }
for sc in "${SCENARIOS[@]}"; do
  name=$(basename "$sc" .yaml)
  for r in 1 2001; do
    valgrind --tool=callgrind --callgrind-out-file="$OUT/$name.$r.out" "$GEOSIM" run "$sc" --runs $r --threads 1 \
      -q -o /dev/null >/dev/null 2>&1
  done
  a=$(total "$OUT/$name.1.out")
  b=$(total "$OUT/$name.2001.out")
  printf "%-24s %9d instructions per run\n" "$name" $(((b - a) / 2000))
done
