#!/usr/bin/env bash
# geosim run --fan-histograms and scripts/differential_test.py (tests.cmake says what for).
# Usage: check.sh path/to/geosim
set -uo pipefail
GEOSIM=${1:?usage: check.sh GEOSIM}
SC=bench/venezuela-2019-v1.yaml
DT="python3 scripts/differential_test.py"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
check() {  # description, then a command that must succeed
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAILED: $what"; fail=1; fi
}
expect_rc() {  # expected exit status, output file, command...
  local want=$1 out=$2
  shift 2
  "$@" > "$out" 2>&1
  local rc=$?
  if [[ $rc != "$want" ]]; then
    echo "FAILED: exit $rc instead of $want: $*"
    cat "$out"
    fail=1
    return 1
  fi
}

# The file: the same bytes on 1 and 2 threads; the command it records names neither the
# threads nor the file.
"$GEOSIM" run $SC --runs 20000 --seed 1 -q -o /dev/null --fan-histograms "$T/a1.json" --threads 1 || exit 1
"$GEOSIM" run $SC --runs 20000 --seed 1 -q -o /dev/null --fan-histograms "$T/a2.json" --threads 2 || exit 1
check "the same bytes on 1 and 2 threads" cmp -s "$T/a1.json" "$T/a2.json"
check "the command recorded is the one that changes the numbers" \
  grep -qx '  "command": "geosim run bench/venezuela-2019-v1.yaml --runs 20000 --seed 1"' "$T/a1.json"
# Its counts are the summary's: the outcome counts of --format json, runs in every fan's row.
"$GEOSIM" run $SC --runs 20000 --seed 1 -q -f json -o "$T/a.summary.json" || exit 1
check "outcome counts and fan rows agree with the summary" python3 - "$T/a1.json" "$T/a.summary.json" <<'PY'
import json, sys
h, s = (json.load(open(p)) for p in sys.argv[1:])
assert [(o["id"], o["count"]) for o in h["outcomes"]] == [(o["id"], o["count"]) for o in s["outcomes"]]
assert [f["var"] for f in h["fans"]] == [f["var"] for f in s["fans"]] and h["runs"] == s["runs"] == 20000
for f, g in zip(h["fans"], s["fans"]):
    assert f["steps"] == g["steps"] and f["range"] == g["range"]
    assert all(len(row) == h["bins"] and sum(row) == 20000 for row in f["counts"])
PY

# Two seeds of one scenario agree; a scenario with twice the coup hazard does not, and the
# coup's probability is among what disagrees.
"$GEOSIM" run $SC --runs 20000 --seed 2 -q -o /dev/null --fan-histograms "$T/b.json" || exit 1
expect_rc 0 "$T/same.txt" $DT "$T/a1.json" "$T/b.json" && check "two seeds agree" grep -q "result: agree" "$T/same.txt"
"$GEOSIM" run $SC --runs 20000 --seed 2 -q -o /dev/null --fan-histograms "$T/c.json" \
  --set events.coup_attempt.hazard.annual=0.05 || exit 1
expect_rc 1 "$T/diff.txt" $DT "$T/a1.json" "$T/c.json" &&
  check "a doubled coup hazard disagrees on the coup" grep -q "disagrees: outcome coup: probability" "$T/diff.txt"
# A change that moves only where the resources stand (stronger oil sanctions) disagrees on
# that fan's quantiles.
"$GEOSIM" run $SC --runs 20000 --seed 2 -q -o /dev/null --fan-histograms "$T/d.json" \
  --set levers.oil_sanctions.intensity=0.85 || exit 1
expect_rc 1 "$T/fan.txt" $DT "$T/a1.json" "$T/d.json" --show 1000 &&
  check "stronger oil sanctions disagree on the resources fan" grep -q "disagrees: fan resources step" "$T/fan.txt"

# Files it cannot compare: exit 2 with the file named.
printf '{"runs": 3,\n  "outcomes": [}\n' > "$T/broken.json"
expect_rc 2 "$T/e1.txt" $DT "$T/a1.json" "$T/broken.json" &&
  check "not JSON: file:line:col" grep -q "broken.json:2:" "$T/e1.txt"
expect_rc 2 "$T/e2.txt" $DT "$T/a1.json" "$T/a.summary.json" &&
  check "a summary is not a file of histograms" grep -q "fan-histograms" "$T/e2.txt"
"$GEOSIM" run scenarios/venezuela-2025.yaml --runs 2000 -q -o /dev/null --fan-histograms "$T/other.json" || exit 1
expect_rc 2 "$T/e3.txt" $DT "$T/a1.json" "$T/other.json" && check "another scenario" grep -q "not the same scenario" "$T/e3.txt"
python3 - "$T/a1.json" "$T/short.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["fans"][0]["counts"][3][0] -= 1
json.dump(d, open(sys.argv[2], "w"))
PY
expect_rc 2 "$T/e4.txt" $DT "$T/a1.json" "$T/short.json" && check "counts that do not add up" grep -q "adding up" "$T/e4.txt"
expect_rc 2 "$T/e5.txt" $DT "$T/a1.json" "$T/missing.json" && check "a missing file" grep -q "missing.json: cannot read" "$T/e5.txt"
python3 -c 'print("[" * 100000 + "]" * 100000)' > "$T/deep.json"
expect_rc 2 "$T/e6.txt" $DT "$T/a1.json" "$T/deep.json" && check "nested too deep" grep -q "deep.json: not JSON" "$T/e6.txt"
python3 - "$T/a1.json" "$T" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["fans"][2]["range"] = [1.0, "x"]
json.dump(d, open(sys.argv[2] + "/range.json", "w"))
d = json.load(open(sys.argv[1]))
d["outcomes"][1]["count"] = str(d["outcomes"][1]["count"])
json.dump(d, open(sys.argv[2] + "/count.json", "w"))
PY
expect_rc 2 "$T/e7.txt" $DT "$T/a1.json" "$T/range.json" && check "a range that is not two numbers" grep -q "fans\[2\].*'range' must be" "$T/e7.txt"
expect_rc 2 "$T/e8.txt" $DT "$T/count.json" "$T/a1.json" && check "a count that is not a number" grep -q "count.json: 'outcomes' must list" "$T/e8.txt"

# The option's own errors: the file where the output goes, and what it does not combine with.
expect_rc 3 "$T/u1.txt" "$GEOSIM" run $SC --runs 10 -q -o "$T/x.json" --fan-histograms "$T/x.json" &&
  check "the same file as --output is refused" grep -q "fan-histograms and --output name the same file" "$T/u1.txt"
expect_rc 2 "$T/u2.txt" "$GEOSIM" run $SC --replay 3 --fan-histograms "$T/y.json" &&
  check "not with --replay" grep -q "does not combine" "$T/u2.txt"
check "nothing written on an error" test ! -e "$T/y.json"
exit $fail
