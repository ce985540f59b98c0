#!/usr/bin/env bash
# Two builds of geosim measured alternately in the same minutes, so that the drift of a
# shared machine (other tenants, other builds) falls on both alike. Each repetition runs
# both builds, the first of the pair alternating (A B, B A, A B, ...):
#   1. runs/s per core: `geosim run SCENARIO --runs R1 --threads 1 --timing` (the engine's own
#      clock around the runs, without loading the scenario);
#   2. wall time of `geosim run SCENARIO --runs 1000000 --threads 2` (loading included), and
#      whether the two builds wrote the same bytes.
# Prints every measurement, then the medians and the ratios new/old (runs/s) and old/new
# (seconds), the median of each repetition's own ratio (its two builds measured back to back,
# which cancels the drift between repetitions), and the load average before and after.
#
# Usage: scripts/bench_compare.sh OLD NEW [REPS]
#   OLD, NEW  a build folder (its geosim binary is used) or a geosim binary
#   REPS      repetitions of each measurement (default 5)
# Environment: SCENARIOS (default bench/venezuela-2019-v1.yaml), R1 (default 100000 runs for
# the single-thread rate), RM (default 1000000 runs for the 2-thread wall time; 0 skips it).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
bin() { if [[ -d $1 ]]; then echo "$1/geosim"; else echo "$1"; fi; }
OLD=$(bin "${1:?usage: bench_compare.sh OLD NEW [REPS]}")
NEW=$(bin "${2:?usage: bench_compare.sh OLD NEW [REPS]}")
REPS=${3:-5}
SCENARIOS=${SCENARIOS:-$ROOT/bench/venezuela-2019-v1.yaml}
R1=${R1:-100000}
RM=${RM:-1000000}
for b in "$OLD" "$NEW"; do [[ -x $b ]] || { echo "not an executable: $b" >&2; exit 2; }; done
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

load() { cut -d' ' -f1-3 /proc/loadavg; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

rate() {  # binary scenario -> runs/s at 1 thread
  "$1" run "$2" --runs "$R1" --threads 1 --timing --format json -q -o "$TMP/rate.json" >/dev/null
  jq -r '.timing.runs_per_second' "$TMP/rate.json"
}
million() {  # binary scenario out -> wall seconds at 2 threads
  /usr/bin/time -f "%e" -o "$TMP/t" "$1" run "$2" --runs "$RM" --threads 2 --format json -q -o "$3" >/dev/null
  cat "$TMP/t"
}

echo "old: $OLD"
echo "new: $NEW"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "load average before: $(load)"
for sc in $SCENARIOS; do
  name=$(basename "$sc" .yaml)
  : > "$TMP/old.rate"; : > "$TMP/new.rate"; : > "$TMP/old.sec"; : > "$TMP/new.sec"
  same=yes
  for ((i = 0; i < REPS; ++i)); do
    if ((i % 2 == 0)); then order="old new"; else order="new old"; fi
    for which in $order; do
      if [[ $which == old ]]; then b=$OLD; else b=$NEW; fi
      r=$(rate "$b" "$sc")
      echo "$r" >> "$TMP/$which.rate"
      printf "%-24s rep %d  %-3s  1 thread: %10.0f runs/s   (load %s)\n" "$name" "$((i + 1))" "$which" "$r" "$(load)"
    done
    if ((RM > 0)); then
      for which in $order; do
        if [[ $which == old ]]; then b=$OLD; else b=$NEW; fi
        s=$(million "$b" "$sc" "$TMP/$which.json")
        echo "$s" >> "$TMP/$which.sec"
        printf "%-24s rep %d  %-3s  %d runs, 2 threads: %6.2f s   (load %s)\n" "$name" "$((i + 1))" "$which" "$RM" "$s" "$(load)"
      done
      cmp -s "$TMP/old.json" "$TMP/new.json" || same=no
    fi
  done
  ro=$(median < "$TMP/old.rate"); rn=$(median < "$TMP/new.rate")
  # Each repetition's two rates were measured back to back: their ratio cancels the drift
  # between repetitions, which the ratio of the two medians does not.
  rp=$(paste "$TMP/old.rate" "$TMP/new.rate" | awk '{ print $2 / $1 }' | median)
  echo "== $name, medians of $REPS"
  awk -v o="$ro" -v n="$rn" 'BEGIN { printf "  1 thread:  old %.0f runs/s, new %.0f runs/s, new/old %.3f\n", o, n, n / o }'
  awk -v p="$rp" 'BEGIN { printf "             median of the ratios of each repetition, new/old: %.3f\n", p }'
  awk -v o="$ro" -v n="$rn" 'BEGIN { printf "             old %.1f ns/run, new %.1f ns/run\n", 1e9 / o, 1e9 / n }'
  if ((RM > 0)); then
    so=$(median < "$TMP/old.sec"); sn=$(median < "$TMP/new.sec")
    sp=$(paste "$TMP/old.sec" "$TMP/new.sec" | awk '{ print $1 / $2 }' | median)
    awk -v o="$so" -v n="$sn" -v r="$RM" 'BEGIN { printf "  %d runs, 2 threads: old %.2f s, new %.2f s, old/new %.3f\n", r, o, n, o / n }'
    awk -v p="$sp" 'BEGIN { printf "             median of the ratios of each repetition, old/new: %.3f\n", p }'
    echo "  same bytes (2 threads, JSON): $same"
  fi
done
echo "load average after: $(load)"
