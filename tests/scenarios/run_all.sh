#!/bin/sh
# Runs every scenario and variant briefly; fails if one does not run, or if its outcome
# counts do not add up to the number of runs (outcomes are exclusive and exhaustive), nor,
# with a leader (format 2), its regime fates and its rulers at the horizon.
# Usage: run_all.sh GEOSIM (from the source root).
set -u
geosim=$1
runs=500
status=0
for f in scenarios/*.yaml scenarios/*/*.yaml; do
  case "$f" in scenarios/sweeps/*) continue ;; esac  # sweep specifications, not scenarios
  out=$("$geosim" run "$f" --runs $runs --quiet --format csv) || { echo "FAIL: $f does not run"; status=1; continue; }
  # csv: a header line, then one line per outcome: id,count,probability,...; with a leader
  # (format 2) rows regime.<fate> and ruler.<id> follow, each family also summing to the runs.
  for family in outcome regime ruler; do
    total=$(printf '%s\n' "$out" | awk -F, -v fam="$family" 'NR > 1 {
      split($1, part, "."); kind = (part[1] == "regime" || part[1] == "ruler") ? part[1] : "outcome"
      if (kind == fam) { s += $2; n++ } } END { print (n ? s + 0 : -1) }')
    [ "$total" -eq -1 ] && [ "$family" != outcome ] && continue  # no leader: no such rows
    if [ "$total" -ne "$runs" ]; then
      echo "FAIL: $f: $family counts add up to $total, not $runs"
      status=1
    fi
  done
  echo "$f: ran ($runs runs; outcome, and with a leader regime and ruler, counts each add up to the runs)"
done
exit $status
