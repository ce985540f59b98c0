#!/usr/bin/env bash
# A calibration killed with SIGKILL after its first generation, then resumed, writes the
# same bytes as one never interrupted.
# Usage: kill_resume.sh GEOSIM   (from the repository root)
set -u
geosim=$1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cat > "$TMP/s.yaml" <<'YAML'
geosim: 1
id: kill-resume
start: 2020-01-01
step: day
horizon: 1600
incumbent: gov
actors:
  - {id: gov, kind: regime, stance: 1}
events:
  - id: flip
    hazard: {per_step: {dist: uniform, min: 0.01, max: 0.05}}
    effects: {talks: open}
outcomes:
  - {id: status_quo, default: true}
observations:
  - {id: count, date: 2024-02-09, measure: fired.flip, value: 40, tolerance: 1, assumption: "a test"}
YAML
args="--particles 1000 --min-acceptance 0 --max-generations 5 --quiet --threads 2"
"$geosim" calibrate "$TMP/s.yaml" --output "$TMP/whole" $args > /dev/null || { echo "uninterrupted run failed"; exit 1; }
"$geosim" calibrate "$TMP/s.yaml" --output "$TMP/cut" $args > /dev/null 2>&1 &
pid=$!
for _ in $(seq 1 3000); do
  [ -e "$TMP/cut/generations/0001.json" ] && break
  sleep 0.01
done
kill -9 $pid 2>/dev/null && echo "killed after generation 1"
wait $pid 2>/dev/null
[ -e "$TMP/cut/posterior.csv" ] && echo "note: it finished before the kill"
"$geosim" calibrate "$TMP/s.yaml" --output "$TMP/cut" $args --resume > /dev/null || { echo "resume failed"; exit 1; }
status=0
for f in posterior.csv summary.json; do
  cmp "$TMP/whole/$f" "$TMP/cut/$f" || { echo "$f differs after a kill and --resume"; status=1; }
done
exit $status
