#!/usr/bin/env bash
# The performance targets that need a machine of many cores, in one command of a few minutes
# (docs/performance.md, "Many cores"):
#   1. parallel efficiency at T threads against 1 (scripts/bench_efficiency.sh, 3 alternating
#      repetitions; T times as many runs at T threads, so that each measurement lasts about
#      as long) on the frozen format 1 file and both Venezuela scenarios;
#   2. the frozen file's rate at 1, 2, 4, ... T threads, once each (R1 x t runs);
#   3. with OLD given, the per-core rate of OLD and NEW alternately on a quiet machine
#      (scripts/bench_compare.sh, 7 repetitions, 1 thread, the frozen file);
#   4. the wall time of RM (10^6) runs of the frozen file at T threads (median of 3, loading
#      included), and whether 1 and T threads write the same bytes for each file;
#   5. the machine's own ceiling: T single-thread processes at once against one process of
#      T threads, alternately, 5 repetitions on the frozen file, each as runs over wall time.
#      A core that runs alone can run faster (turbo, quiet neighbours) than when all are
#      busy; this separates what the machine gives up at T busy cores from what the
#      engine's threads give up (their division of the runs, their merging);
#   6. where the efficiency goes: the frozen file at 1 and at T threads alternately, 5
#      repetitions, each with its rate (--timing) and the processor time of the whole
#      process (GNU time: user + system). The processor time per run at T threads against 1
#      says how much slower each core works when all are busy (clock, shared caches and
#      memory); processor time / (T x wall) says how busy the threads kept the cores.
#
# Usage: scripts/bench_many_cores.sh NEW [OLD] [T]
#   NEW, OLD  a build folder or a geosim binary (OLD: the issue's baseline, optional)
#   T         threads (default: all cores)
# Environment: R1 (default 200000 runs at 1 thread), RM (default 1000000, the runs of step 4's
# wall time), RB (default 100000, the runs of its same-bytes check), STEPS (default
# "1 2 3 4 5 6": the steps to run), GNU_TIME (default /usr/bin/time). Needs jq on the PATH.
# tests/benchscripts runs it with a few hundred runs, so that the command the doc names works.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
bin() { if [[ -d $1 ]]; then echo "$1/geosim"; else echo "$1"; fi; }
NEW=$(bin "${1:?usage: bench_many_cores.sh NEW [OLD] [T]}")
OLD=${2:+$(bin "$2")}
T=${3:-$(nproc)}
R1=${R1:-200000}
RM=${RM:-1000000}
RB=${RB:-100000}
FROZEN=$ROOT/bench/venezuela-2019-v1.yaml
FILES="$FROZEN $ROOT/scenarios/venezuela-2019.yaml $ROOT/scenarios/venezuela-2025.yaml"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
now() { date +%s.%N; }
STEPS=${STEPS:-1 2 3 4 5 6}
GNU_TIME=${GNU_TIME:-/usr/bin/time}
step() { [[ " $STEPS " == *" $1 "* ]]; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
rate() {  # threads runs out -> runs/s
  "$NEW" run "$FROZEN" --runs "$2" --threads "$1" --timing --format json -q -o "$3" >/dev/null
  jq -r '.timing.runs_per_second' "$3"
}

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== load average: $(cut -d' ' -f1-3 /proc/loadavg)"

if step 1; then
echo "== 1. parallel efficiency, 1 thread against $T"
SCENARIOS=$FILES RUNS=$R1 RUNS_MANY=$((R1 * T)) "$ROOT/scripts/bench_efficiency.sh" "$NEW" "$T" 3
fi

if step 2; then
echo "== 2. scaling of the frozen file (once each)"
one=
for ((t = 1; t <= T; t *= 2)); do
  v=$(rate "$t" $((R1 * t)) "$TMP/s.json")
  one=${one:-$v}
  awk -v t="$t" -v v="$v" -v o="$one" 'BEGIN { printf "%2d threads: %9.0f runs/s, efficiency %.1f%%\n", t, v, 100 * v / (t * o) }'
  ((t * 2 > T && t != T)) && t=$((T / 2))
done
fi

if step 3 && [[ -n $OLD ]]; then
  echo "== 3. per-core rate, OLD against NEW alternately"
  SCENARIOS=$FROZEN R1=$((R1 / 2)) RM=0 "$ROOT/scripts/bench_compare.sh" "$OLD" "$NEW" 7
fi

if step 4; then
echo "== 4. $RM runs of the frozen file at $T threads (wall, loading included)"
for r in 1 2 3; do
  a=$(now)
  "$NEW" run "$FROZEN" --runs "$RM" --threads "$T" -q --format json -o "$TMP/m.json" >/dev/null
  b=$(now)
  awk -v a="$a" -v b="$b" -v r="$r" 'BEGIN { printf "rep %d: %.2f s\n", r, b - a }'
done
echo "== same bytes at 1 and $T threads ($RB runs)"
for f in $FILES; do
  for t in 1 "$T"; do
    "$NEW" run "$f" --runs "$RB" --threads "$t" -q --format json -o "$TMP/b.$t.json" >/dev/null
  done
  if cmp -s "$TMP/b.1.json" "$TMP/b.$T.json"; then v=same; else v=DIFFERENT; fi
  echo "$(basename "$f" .yaml): $v"
done
fi

if step 5; then
echo "== 5. $T single-thread processes at once against one process of $T threads"
# Each side: its runs over the wall time from its start to the last process's end (loading
# included, once per process). Not the sum of each process's own rate: the processes end
# up to seconds apart, and one that runs while others have ended can run faster, so summed
# rates overstate what the $T ran together.
: > "$TMP/procs"; : > "$TMP/threads"
for r in 1 2 3 4 5; do
  order=(procs threads); ((r % 2 == 0)) && order=(threads procs)
  for which in "${order[@]}"; do
    a=$(now)
    if [[ $which == procs ]]; then
      for ((p = 0; p < T; ++p)); do
        "$NEW" run "$FROZEN" --runs "$R1" --threads 1 -q --format json -o "$TMP/p.$p.json" >/dev/null &
      done
      wait
    else
      "$NEW" run "$FROZEN" --runs $((R1 * T)) --threads "$T" -q --format json -o "$TMP/t.json" >/dev/null
    fi
    v=$(awk -v a="$a" -v b="$(now)" -v n=$((R1 * T)) 'BEGIN { print n / (b - a) }')
    echo "$v" >> "$TMP/$which"
    printf "rep %d  %-7s %10.0f runs/s   (load %s)\n" "$r" "$which" "$v" "$(cut -d' ' -f1-3 /proc/loadavg)"
  done
done
a=$(median < "$TMP/procs"); b=$(median < "$TMP/threads")
awk -v a="$a" -v b="$b" -v t="$T" 'BEGIN { printf "medians of 5: %d processes %.0f runs/s, %d threads %.0f runs/s: threads/processes %.3f\n", t, a, t, b, b / a }'
fi

if step 6; then
echo "== 6. processor time per run at 1 and $T threads"
: > "$TMP/c1"; : > "$TMP/cT"
for r in 1 2 3 4 5; do
  order=(1 "$T"); ((r % 2 == 0)) && order=("$T" 1)
  for t in "${order[@]}"; do
    n=$R1; [[ $t == 1 ]] || n=$((R1 * T))
    "$GNU_TIME" -f "%U %S %e" -o "$TMP/tm" "$NEW" run "$FROZEN" --runs "$n" --threads "$t" --timing --format json \
      -q -o "$TMP/c.json" >/dev/null
    v=$(jq -r '.timing.runs_per_second' "$TMP/c.json")
    read -r u s e < "$TMP/tm"
    line=$(awk -v t="$t" -v n="$n" -v v="$v" -v u="$u" -v s="$s" -v e="$e" \
      'BEGIN { printf "%s %.3f %.4f", v, 1e6 * (u + s) / n, (u + s) / (t * e) }')
    if [[ $t == 1 ]]; then echo "$line" >> "$TMP/c1"; else echo "$line" >> "$TMP/cT"; fi
    read -r v c b <<< "$line"
    printf "rep %d  %2d thread(s): %10.0f runs/s, %6.2f processor s per 10^6 runs, cores busy %5.1f%%\n" \
      "$r" "$t" "$v" "$c" "$(awk -v b="$b" 'BEGIN { print 100 * b }')"
  done
done
col() { awk -v k="$1" '{ print $k }' "$2" | median; }
awk -v r1="$(col 1 "$TMP/c1")" -v rT="$(col 1 "$TMP/cT")" -v c1="$(col 2 "$TMP/c1")" -v cT="$(col 2 "$TMP/cT")" \
  -v bT="$(col 3 "$TMP/cT")" -v t="$T" 'BEGIN {
    printf "medians of 5: 1 thread %.0f runs/s, %d threads %.0f runs/s: efficiency %.1f%%\n", r1, t, rT, 100 * rT / (t * r1)
    printf "  processor time per run at %d threads / at 1: %.3f; cores busy at %d threads: %.1f%%\n", t, cT / c1, t, 100 * bT }'
fi
