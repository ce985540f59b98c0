#!/usr/bin/env bash
# The GEOSIM_PGO option (scripts/build_pgo.sh): a value other than generate, use or empty is
# refused at configure time with what to write; generate and use put GCC's profile flags on
# geosim's own compile and link commands (read from the build's commands, nothing is built);
# GEOSIM_NATIVE=ON puts -march=native on them, and `make pgo NATIVE=1` passes it (OFF without).
# The full profile-guided build takes about 10 minutes, so its same-bytes check is
# docs/performance.md's command (tests/golden/golden.sh build-pgo/geosim), not this test.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

if cmake -S "$SRC" -B "$TMP/bad" -G Ninja -DGEOSIM_PGO=sometimes >"$TMP/bad.log" 2>&1; then
  fail "GEOSIM_PGO=sometimes was accepted"
fi
grep -q "GEOSIM_PGO is 'sometimes': write generate, use, or leave it empty" "$TMP/bad.log" ||
  { cat "$TMP/bad.log"; fail "no message naming the bad value"; }

# One folder configured once with the defaults and then reconfigured with each value (the
# later configures reuse the first one's package and compiler checks: seconds, not half a
# minute); without the tests, whose discovery this check does not need.
B="$TMP/b"
# The plain build (the defaults) has neither profile flags nor CPU tuning.
cmake -S "$SRC" -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGEOSIM_BUILD_TESTS=OFF >"$TMP/plain.log" 2>&1 ||
  { cat "$TMP/plain.log"; fail "plain configure"; }
# (The commands go to a file first: under pipefail, `ninja ... | grep -q` fails when grep finds
# a match and stops reading, ninja then dying of SIGPIPE, so a match would pass unseen.)
ninja -C "$B" -t commands geosim >"$TMP/plain.commands"
grep -q -- "-fprofile-" "$TMP/plain.commands" && fail "the plain build has profile flags"
grep -q -- "-march=native" "$TMP/plain.commands" && fail "the plain build is tuned for this CPU"
for mode in generate use; do
  cmake -S "$SRC" -B "$B" -DGEOSIM_PGO=$mode >"$TMP/$mode.log" 2>&1 ||
    { cat "$TMP/$mode.log"; fail "GEOSIM_PGO=$mode did not configure"; }
  ninja -C "$B" -t commands geosim >"$TMP/$mode.commands"
  compiles=$(grep -c -- ' -c .*model/model.cpp' "$TMP/$mode.commands" || true)
  [[ $compiles == 1 ]] || fail "GEOSIM_PGO=$mode: no single compile command of model.cpp ($compiles)"
  grep -- ' -c .*model/model.cpp' "$TMP/$mode.commands" | grep -q -- "-fprofile-$mode" ||
    fail "GEOSIM_PGO=$mode: model.cpp is compiled without -fprofile-$mode"
  link=$(grep -- ' -o geosim ' "$TMP/$mode.commands" || true)
  [[ -n $link ]] || fail "GEOSIM_PGO=$mode: no link command of geosim"
  grep -q -- "-fprofile-$mode" <<<"$link" || fail "GEOSIM_PGO=$mode: geosim is linked without -fprofile-$mode"
done
# Back to no profile: the flags go. GEOSIM_NATIVE=ON (make pgo NATIVE=1) tunes geosim's own
# code for this CPU.
cmake -S "$SRC" -B "$B" -DGEOSIM_PGO= -DGEOSIM_NATIVE=ON >"$TMP/native.log" 2>&1 ||
  { cat "$TMP/native.log"; fail "GEOSIM_NATIVE=ON configure"; }
ninja -C "$B" -t commands geosim >"$TMP/native.commands"
grep -q -- "-fprofile-" "$TMP/native.commands" && fail "GEOSIM_PGO set empty again keeps profile flags"
grep -- ' -c .*model/model.cpp' "$TMP/native.commands" | grep -q -- "-march=native" ||
  fail "GEOSIM_NATIVE=ON: model.cpp is compiled without -march=native"
# make pgo passes NATIVE=1 to the script as GEOSIM_NATIVE=ON, and OFF without it (a folder
# configured once with it does not keep it).
make -s -n -C "$SRC" pgo NATIVE=1 | grep -q -- "-DGEOSIM_NATIVE=ON.*build_pgo.sh" || fail "make pgo NATIVE=1"
make -s -n -C "$SRC" pgo | grep -q -- "-DGEOSIM_NATIVE=OFF.*build_pgo.sh" || fail "make pgo without NATIVE"
echo "ok: GEOSIM_PGO refuses a bad value; generate and use reach geosim's compile and link commands; GEOSIM_NATIVE and make pgo NATIVE=1 tune for this CPU"
