#!/usr/bin/env bash
# Scaling of `geosim run` and `geosim sweep` over ranks x threads on this machine, for
# docs/cluster.md: the median of 3 wall times per combination, printed as a Markdown table.
# 1 rank is the plain binary (no mpirun); R > 1 ranks run under mpirun --oversubscribe.
# The repetitions are interleaved (every combination once, then again) so that load from
# other users of a shared machine spreads over all combinations. Every output is compared
# with the plain one: a combination that changes a byte aborts the script.
# Usage: scripts/bench_mpi.sh [BUILD_DIR]   (default build; takes a few minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
geosim=$build/geosim
[[ -x $geosim ]] || { echo "no $geosim; build it first (cmake --build $build --target geosim)" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
scenario=scenarios/venezuela-2019.yaml
[[ -f $scenario ]] || scenario=scenarios/teaching.yaml
spec=scenarios/sweeps/teaching-grid.yaml
runs=100000
combos=("1 1" "1 2" "2 1" "2 2" "3 1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

launch() {  # RANKS CMD...
  local r=$1
  shift
  if (( r == 1 )); then "$@"; else mpirun --oversubscribe --bind-to none -np "$r" "$@"; fi
}
wall() {  # runs the command, prints its wall time in seconds
  local t0 t1
  t0=$(date +%s.%N)
  "$@" > /dev/null
  t1=$(date +%s.%N)
  echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}'
}
run_job() {  # RANKS THREADS
  launch "$1" "$geosim" run "$scenario" --runs $runs --seed 3 --threads "$2" -q --format json -o "$tmp/run-$1x$2.json"
}
sweep_job() {  # RANKS THREADS
  rm -rf "$tmp/sweep-$1x$2"
  launch "$1" "$geosim" sweep "$spec" --output "$tmp/sweep-$1x$2" --threads "$2" -q
}

declare -A times
for rep in 1 2 3; do
  for c in "${combos[@]}"; do
    read -r r t <<< "$c"
    times[run,$r,$t]+="$(wall run_job "$r" "$t") "
    times[sweep,$r,$t]+="$(wall sweep_job "$r" "$t") "
    cmp -s "$tmp/run-1x1.json" "$tmp/run-${r}x$t.json" || { echo "run ${r}x$t: output differs" >&2; exit 1; }
    cmp -s "$tmp/sweep-1x1/results.csv" "$tmp/sweep-${r}x$t/results.csv" \
      || { echo "sweep ${r}x$t: results.csv differs" >&2; exit 1; }
  done
done

median() { tr ' ' '\n' | grep . | sort -n | sed -n 2p; }
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "run: $scenario, $runs runs; sweep: $spec ($(grep -c . "$tmp/sweep-1x1/results.csv" | awk '{print $1 - 1}') points)"
echo
echo "| ranks x threads | run: median s (3 times) | run speed-up | sweep: median s (3 times) | sweep speed-up |"
echo "|---|---|---|---|---|"
base_run=$(echo "${times[run,1,1]}" | median)
base_sweep=$(echo "${times[sweep,1,1]}" | median)
for c in "${combos[@]}"; do
  read -r r t <<< "$c"
  mr=$(echo "${times[run,$r,$t]}" | median)
  ms=$(echo "${times[sweep,$r,$t]}" | median)
  printf "| %s x %s | %s (%s) | %.2f | %s (%s) | %.2f |\n" "$r" "$t" "$mr" "$(echo ${times[run,$r,$t]})" \
    "$(echo "$base_run / $mr" | bc -l)" "$ms" "$(echo ${times[sweep,$r,$t]})" "$(echo "$base_sweep / $ms" | bc -l)"
done
echo
echo "All outputs were byte-identical to the 1 x 1 output."
