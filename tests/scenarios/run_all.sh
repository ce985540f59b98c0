#!/bin/sh
# Runs every scenario and variant briefly; fails if one does not run, or if its outcome
# counts do not add up to the number of runs (outcomes are exclusive and exhaustive).
# Usage: run_all.sh GEOSIM (from the source root).
set -u
geosim=$1
runs=500
status=0
for f in scenarios/*.yaml scenarios/*/*.yaml; do
  case "$f" in scenarios/sweeps/*) continue ;; esac  # sweep specifications, not scenarios
  out=$("$geosim" run "$f" --runs $runs --quiet --format csv) || { echo "FAIL: $f does not run"; status=1; continue; }
  # csv: a header line, then one line per outcome: id,count,probability,...
  total=$(printf '%s\n' "$out" | awk -F, 'NR > 1 { s += $2 } END { print s + 0 }')
  if [ "$total" -eq "$runs" ]; then
    echo "$f: ok ($total runs, every one ends in exactly one outcome)"
  else
    echo "FAIL: $f: outcome counts add up to $total, not $runs"
    status=1
  fi
done
exit $status
