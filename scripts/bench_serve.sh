#!/usr/bin/env bash
# The studio's first answer: wall time of POST /api/compare (the paired change against the
# scenario as written, both arms) for the quick pass of 2,000 runs of venezuela-2019 with
# Russian military support switched off, as the page asks it. Prints each of REPS timings
# and their median. Usage: scripts/bench_serve.sh [GEOSIM] [REPS]   (from the source root)
set -euo pipefail
geosim=${1:-build/geosim}
reps=${2:-9}
port=$((20000 + RANDOM % 20000))
"$geosim" serve scenarios/ --port "$port" > /dev/null 2>&1 &
pid=$!
trap 'kill -INT $pid 2> /dev/null; wait $pid 2> /dev/null || true' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "localhost:$port/api/scenarios" && break; sleep 0.1; done
body='{"file": "venezuela-2019.yaml", "runs": 2000, "seed": 1, "set": {"levers.russian_military_support.enabled": false}}'
times=()
for _ in $(seq "$reps"); do
  times+=("$(curl -s -o /dev/null -w '%{time_total}' "localhost:$port/api/compare" -d "$body")")
done
printf '%s\n' "${times[@]}"
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "median %.3f s over %d requests\n", a[int((NR+1)/2)], NR}'
