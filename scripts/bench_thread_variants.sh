#!/usr/bin/env bash
# Where a process of T threads stands against T single-thread processes and against itself
# under other settings, on the frozen format 1 file: the diagnostics behind
# docs/performance.md, "Twentieth round". Each line gives the engine's rate (--timing), the
# processor time per run of the whole process (GNU time) and how busy it kept its cores.
#
# Usage: scripts/bench_thread_variants.sh variants|order [GEOSIM]
#   variants  3 repetitions of: 1 thread; T threads; T processes of 1 thread, 2 of T/2 and 4
#             of T/4 (their own rates summed); T threads with OMP_PROC_BIND=close, with
#             MALLOC_ARENA_MAX=1 (every thread allocating from one arena), with
#             OMP_WAIT_POLICY=passive, with glibc's huge pages off, with a low mmap threshold
#   order     3 repetitions of T threads and T processes, their order swapped each time, then
#             1 thread and T threads with OMP_PROC_BIND=spread; the processes' own rates are
#             summed and the spread of their end times printed (a process that runs on after
#             the others have ended can run faster, so the summed rates overstate the T
#             together when the spread is large; scripts/bench_many_cores.sh step 5 measures
#             runs over wall time instead)
# Environment: T (default all cores), N (runs a thread; default 100000 for variants, 200000
# for order), GNU_TIME (default /usr/bin/time). Needs jq.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODE=${1:?usage: bench_thread_variants.sh variants|order [GEOSIM]}
G=${2:-$ROOT/build/geosim}
[[ -d $G ]] && G=$G/geosim
F=$ROOT/bench/venezuela-2019-v1.yaml
T=${T:-$(nproc)}
TM=${GNU_TIME:-/usr/bin/time}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "transparent huge pages: $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)"

one() {  # label threads runs [VAR=value...]
  local label=$1 t=$2 n=$3
  shift 3
  env "$@" "$TM" -f "%U %S %e" -o "$TMP/tm" "$G" run "$F" --runs "$n" --threads "$t" --timing --format json -q \
    -o "$TMP/o.json" >/dev/null
  read -r u s e < "$TMP/tm"
  awk -v l="$label" -v r="$(jq -r .timing.runs_per_second "$TMP/o.json")" -v u="$u" -v s="$s" -v e="$e" -v n="$n" \
    -v t="$t" 'BEGIN { printf "%-26s %9.0f runs/s (%6.0f a core)  processor us/run %5.2f  cores busy %5.1f%%\n",
                       l, r, r / t, 1e6 * (u + s) / n, 100 * (u + s) / (t * e) }'
}
procs() {  # label processes threads-each runs-a-thread
  local label=$1 P=$2 t=$3
  local n=$(($4 * t))
  for ((p = 0; p < P; ++p)); do
    ("$G" run "$F" --runs "$n" --threads "$t" --timing --format json -q -o "$TMP/p.$p.json" >/dev/null
     date +%s.%N > "$TMP/e.$p") &
  done
  wait
  jq -s -r '[.[].timing.runs_per_second] | "\(add | floor) runs/s summed (a process: \(min | floor) to \(max | floor))"' \
    "$TMP"/p.*.json | sed "s/^/$(printf '%-26s ' "$label")/"
  echo "  end times $(sort -g "$TMP"/e.* | sed -n '1p;$p' | awk 'NR == 1 { a = $1 } NR == 2 { printf "%.2f s", $1 - a }') apart"
  rm -f "$TMP"/p.* "$TMP"/e.*
}

case $MODE in
  variants)
    N=${N:-100000}
    for rep in 1 2 3; do
      echo "-- rep $rep"
      one "1 thread" 1 "$N"
      one "$T threads" "$T" $((N * T))
      procs "$T processes x 1" "$T" 1 "$N"
      ((T >= 4)) && procs "2 processes x $((T / 2))" 2 $((T / 2)) "$N"
      ((T >= 8)) && procs "4 processes x $((T / 4))" 4 $((T / 4)) "$N"
      one "$T threads, bound" "$T" $((N * T)) OMP_PROC_BIND=close OMP_PLACES=cores
      one "$T threads, one arena" "$T" $((N * T)) MALLOC_ARENA_MAX=1
      one "$T threads, passive" "$T" $((N * T)) OMP_WAIT_POLICY=passive
      one "$T threads, no huge pages" "$T" $((N * T)) GLIBC_TUNABLES=glibc.malloc.hugetlb=0
      one "$T threads, mmap 64 kB" "$T" $((N * T)) MALLOC_MMAP_THRESHOLD_=65536
    done
    ;;
  order)
    N=${N:-200000}
    for rep in 1 2 3; do
      echo "-- rep $rep"
      if ((rep % 2)); then
        one "$T threads" "$T" $((N * T))
        procs "$T processes" "$T" 1 "$N"
      else
        procs "$T processes" "$T" 1 "$N"
        one "$T threads" "$T" $((N * T))
      fi
      one "1 thread" 1 "$N"
      one "$T threads, spread" "$T" $((N * T)) OMP_PROC_BIND=spread OMP_PLACES=cores
    done
    ;;
  *)
    echo "usage: bench_thread_variants.sh variants|order [GEOSIM]" >&2
    exit 2
    ;;
esac
