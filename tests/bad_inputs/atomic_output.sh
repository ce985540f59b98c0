#!/usr/bin/env bash
# Outputs are written atomically: a command that fails or is interrupted leaves the file that
# was there before untouched, and leaves no temporary file behind.
# Usage: atomic_output.sh GEOSIM   (from the repository root)
set -u
geosim=$1
scenario=scenarios/teaching.yaml
TMP=$(mktemp -d)
trap 'chmod -R u+w "$TMP"; rm -rf "$TMP"' EXIT
out=$TMP/result.json
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
reset() { printf 'previous good result\n' > "$out"; }
intact() {
  [ "$(cat "$out")" = "previous good result" ] || fail "$1: the previous file was changed"
  leftovers=$(find "$TMP" -name '*.tmp.*' | wc -l)
  [ "$leftovers" = 0 ] || fail "$1: a temporary file was left behind"
}

# 1. Invalid input: exit 3 before anything is written.
reset
printf 'geosim: 1\nid: [\n' > "$TMP/bad.yaml"
"$geosim" run "$TMP/bad.yaml" -q -o "$out" 2> "$TMP/err"
rc=$?
[ $rc = 3 ] || fail "invalid input: exit $rc, expected 3"
intact "invalid input"

# 2. The disk fills while writing (a 1 KiB file-size limit; SIGXFSZ ignored so that the write
#    fails with EFBIG as on a full disk): exit 3, message, old file intact.
reset
(trap '' XFSZ; ulimit -f 1; exec "$geosim" run "$scenario" --runs 200 -q --format json -o "$out") 2> "$TMP/err"
rc=$?
[ $rc = 3 ] || fail "disk full: exit $rc, expected 3"
grep -q "writing the output failed" "$TMP/err" || fail "disk full: message was: $(cat "$TMP/err")"
intact "disk full"

# 3. Interrupted (SIGINT) in the middle of the runs: exit 130, old file intact.
reset
"$geosim" run "$scenario" --runs 1000000000 --threads 1 -q --format json -o "$out" 2> "$TMP/err" &
pid=$!
sleep 1
kill -INT $pid
wait $pid
rc=$?
[ $rc = 130 ] || fail "interrupted: exit $rc, expected 130"
grep -q "nothing written" "$TMP/err" || fail "interrupted: message was: $(cat "$TMP/err")"
intact "interrupted"

# 4. A folder that cannot be written (permissions do not bind the root user, so only then).
if [ "$(id -u)" != 0 ]; then
  reset
  chmod a-w "$TMP"
  "$geosim" run "$scenario" --runs 100 -q --format json -o "$out" 2> "$TMP/err"
  rc=$?
  chmod u+w "$TMP"
  [ $rc = 3 ] || fail "read-only folder: exit $rc, expected 3"
  grep -q "cannot write output file" "$TMP/err" || fail "read-only folder: message was: $(cat "$TMP/err")"
  intact "read-only folder"
fi

# 5. Success replaces the file with a complete result.
reset
"$geosim" run "$scenario" --runs 100 -q --format json -o "$out" || fail "success: exit $?"
python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$out" || fail "success: the result is not complete JSON"

[ $failures = 0 ] && echo "atomic output: all checks passed"
exit $((failures > 0))
