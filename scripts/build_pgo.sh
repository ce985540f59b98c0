#!/usr/bin/env bash
# A profile-guided build of geosim (GCC's -fprofile-generate / -fprofile-use), in one folder:
#   1. configure BUILD with GEOSIM_PGO=generate and build geosim (instrumented);
#   2. train: run every shipped scenario and variant (scenarios/, scenarios/variants/) and a
#      small sweep, so that the counts come from what users run. The frozen benchmark file
#      bench/venezuela-2019-v1.yaml is left out of the training, so that the benchmark measures
#      the build on a scenario it was not trained on;
#   3. reconfigure BUILD with GEOSIM_PGO=use and rebuild geosim from the counts (the same
#      folder, so that every object finds its own counts).
# The outputs keep their bytes (no floating-point operation changes; tests/golden/golden.sh
# BUILD/geosim checks it). Figures: docs/performance.md, "Sixth round".
#
# Usage: scripts/build_pgo.sh [BUILD] [TRAIN_RUNS]   (default build-pgo, 20000 runs a scenario)
# Environment: CMAKE_FLAGS, more options for both configurations (e.g.
# -DCMAKE_INTERPROCEDURAL_OPTIMIZATION=ON for link-time optimisation as well).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build-pgo}
RUNS=${2:-20000}
JOBS=${JOBS:-$(nproc)}
LAUNCHER=()
if command -v ccache >/dev/null; then LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
GEN=()
if command -v ninja >/dev/null; then GEN=(-G Ninja); fi
configure() {
  cmake -S "$ROOT" -B "$BUILD" "${GEN[@]}" "${LAUNCHER[@]}" -DCMAKE_BUILD_TYPE=Release -DGEOSIM_PGO="$1" ${CMAKE_FLAGS:-} >/dev/null
}

echo "== 1. instrumented build in $BUILD"
configure generate
# Counts of an earlier training would be merged with this one's: start from none.
find "$BUILD" -name '*.gcda' -delete
cmake --build "$BUILD" --target geosim -j "$JOBS"

echo "== 2. training ($RUNS runs of each shipped scenario and variant, 1 thread)"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for sc in "$ROOT"/scenarios/*.yaml "$ROOT"/scenarios/variants/*.yaml; do
  "$BUILD/geosim" run "$sc" --runs "$RUNS" --threads 1 -q -o "$TMP/out.txt" >/dev/null
done
"$BUILD/geosim" sweep "$ROOT/scenarios/sweeps/teaching-grid.yaml" --threads 1 -q \
  -o "$TMP/sweep" >/dev/null
echo "   $(find "$BUILD" -name '*.gcda' | wc -l) profiles written"

echo "== 3. optimised build from the profiles"
configure use
cmake --build "$BUILD" --target geosim -j "$JOBS"
echo "built $BUILD/geosim (profile-guided)"
