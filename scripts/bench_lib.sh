# Shared by the memory benchmarks (sourced, not run): arguments, a scratch folder removed
# on exit, and a timer that records wall time and peak resident memory.
#   GEOSIM  the binary (first argument, default build/geosim)
#   THREADS threads per command (second argument, default 2)
#   ROOT    the repository; TMP a scratch folder
set -euo pipefail
GEOSIM=${1:-build/geosim}
THREADS=${2:-2}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# measured COMMAND...: runs COMMAND under /usr/bin/time -v and sets SECS (wall clock,
# m:ss.cc) and RSS_MIB (peak resident memory in MiB).
measured() {
  /usr/bin/time -v "$@" 2> "$TMP/time.txt"
  local kib
  kib=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$TMP/time.txt")
  SECS=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$TMP/time.txt")
  RSS_MIB=$(awk -v k="$kib" 'BEGIN { printf "%.1f", k / 1024 }')
}
