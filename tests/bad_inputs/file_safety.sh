#!/usr/bin/env bash
# The outputs of a command never destroy what they should not: a device or FIFO given to
# `geosim new`, the other outputs of a command that fails, a file two outputs name through a
# link, the other files of a result folder, a command's own inputs, the program itself; a
# replaced file keeps its permissions; a command line with a newline stays on its comment
# line; SIGINT stops a write blocked on a pipe nobody drains.
# Usage: file_safety.sh GEOSIM   (from the repository root)
set -u
geosim=$1
[ "${geosim#/}" = "$geosim" ] && geosim=$PWD/$geosim
src=$PWD
TMP=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2> /dev/null; done; rm -rf "$TMP"' EXIT
cd "$TMP" || exit 2
cp "$src/scenarios/teaching.yaml" s.yaml
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
expect_rc() {  # expect_rc WANT WHAT: the last command's exit code
  [ "$rc" = "$1" ] || fail "$2: exit $rc, expected $1 ($(head -c 400 err))"
}

# 1. geosim new -o FIFO --force: written, never removed, no internal error.
mkfifo fifo
(cat fifo > fifo.out &)
sleep 0.2
"$geosim" new x -o fifo --force > /dev/null 2> err; rc=$?
expect_rc 0 "new into a FIFO"
[ -p fifo ] || fail "new into a FIFO: the FIFO was removed"
sleep 0.2
grep -q "^id: x" fifo.out || fail "new into a FIFO: the reader did not get the scenario"
if [ "$(id -u)" = 0 ]; then
  mknod mynull c 1 3
  "$geosim" new y -o mynull --force > /dev/null 2> err; rc=$?
  expect_rc 0 "new into a device"
  [ -c mynull ] || fail "new into a device: the device node was removed"
fi

# 2. A command that fails on one output replaces none of the others.
echo precious > r.html; echo precious > h.json; echo precious > out.txt
"$geosim" run s.yaml --runs 50 -q --report r.html --fan-histograms h.json -o no/such/dir/x.txt 2> err; rc=$?
expect_rc 3 "a missing folder for -o"
grep -q "no/such/dir/x.txt: cannot write output file" err || fail "a missing folder for -o: $(cat err)"
[ "$(cat r.html)$(cat h.json)" = "preciousprecious" ] || fail "a missing folder for -o: another output was replaced"
# (the report, megabytes, does not fit; the smaller outputs are not replaced either)
(trap '' XFSZ; ulimit -f 200; exec "$geosim" run s.yaml --runs 50 -q --report r.html --fan-histograms h.json -o out.txt) 2> err; rc=$?
expect_rc 3 "a disk full for --report"
[ "$(cat r.html)$(cat h.json)$(cat out.txt)" = "preciouspreciousprecious" ] || fail "a disk full for --report: an output was replaced"
[ "$(find . -name '*.tmp.*' | wc -l)" = 0 ] || fail "a temporary file was left behind"

# 3. Two outputs that are one file through a link to a file not yet written; /dev/stdout twice.
ln -s report.html link.txt
"$geosim" run s.yaml --runs 50 -q --report report.html -o link.txt 2> err; rc=$?
expect_rc 3 "a dangling link to the report"
grep -q "report.html: --report and --output name the same file" err || fail "a dangling link to the report: $(cat err)"
[ ! -e report.html ] || fail "a dangling link to the report: something was written"
"$geosim" run s.yaml --runs 50 -q --report /dev/stdout > /dev/null 2> err; rc=$?
expect_rc 3 "--report /dev/stdout beside the table"
grep -q "the same standard output" err || fail "--report /dev/stdout: $(cat err)"

# 4. One file of a result folder given to discover or report: the folder's others are kept.
printf 'sweep: 1\nscenario: s.yaml\nparameters:\n  - {path: levers.sanctions.intensity, values: [0, 0.5, 1]}\nruns: 50\n' > spec.yaml
"$geosim" sweep spec.yaml --output grid -q 2> err || fail "sweep: $(cat err)"
cp grid/results.sqlite db.before
"$geosim" discover grid/results.csv --outcome status_quo --threshold 0.01 -o grid/results.sqlite > /dev/null 2> err; rc=$?
expect_rc 3 "discover over the sweep's database"
grep -q "names the same file as a file of the results folder" err || fail "discover over the database: $(cat err)"
cmp -s db.before grid/results.sqlite || fail "discover over the database: the database was changed"
"$geosim" report grid/results.csv -o grid/results_long.csv 2> err; rc=$?
expect_rc 3 "report over the sweep's results_long.csv"
mkdir cal cal/generations
echo 'posterior' > cal/posterior.csv; echo '{}' > cal/summary.json; echo '{}' > cal/calibration.json
echo '{}' > cal/generations/0007.json
for o in cal/posterior.csv cal/generations/0007.json cal/calibration.json; do
  "$geosim" report cal/summary.json -o "$o" 2> err; rc=$?
  expect_rc 3 "report cal/summary.json -o $o"
done
[ "$(cat cal/posterior.csv)" = posterior ] || fail "report over the posterior: it was replaced"

# 5. sweep and calibrate never write over what they read.
mkdir o c
cp s.yaml o/s.yaml
printf 'sweep: 1\nscenario: s.yaml\nparameters:\n  - {path: levers.sanctions.intensity, values: [0, 1]}\nruns: 50\n' > o/results.csv
cp o/results.csv spec.copy
"$geosim" sweep o/results.csv --output o -q 2> err; rc=$?
expect_rc 3 "a spec named results.csv in the output folder"
grep -q "o/results.csv: a file of the --output folder o names the same file as the spec" err || fail "sweep over its spec: $(cat err)"
cmp -s spec.copy o/results.csv || fail "sweep over its spec: the spec was replaced"
cp "$src/scenarios/venezuela-2019.yaml" c/summary.json
"$geosim" calibrate c/summary.json -N 100 --output c -q > /dev/null 2> err; rc=$?
expect_rc 3 "a scenario named summary.json in the calibration folder"
cmp -s "$src/scenarios/venezuela-2019.yaml" c/summary.json || fail "calibrate over its scenario: it was replaced"

# 6. -o naming the running program (a copy: a geosim without the check would replace it).
cp "$geosim" prog
./prog run s.yaml --runs 50 -q -o prog 2> err; rc=$?
expect_rc 3 "-o the program itself"
grep -q "the running geosim program" err || fail "-o the program itself: $(cat err)"

# 7. A replaced file keeps its permissions.
umask 022
echo secret > private.txt; chmod 600 private.txt
"$geosim" run s.yaml --runs 50 -q -o private.txt 2> err || fail "replace a 0600 file: $(cat err)"
[ "$(stat -c %a private.txt)" = 600 ] || fail "a 0600 output became $(stat -c %a private.txt)"

# 8. A path with a newline: every line before the table's header is a comment line.
mkdir nl; cp s.yaml nl/s.yaml
printf 'sweep: 1\nscenario: s.yaml\nparameters:\n  - {path: levers.sanctions.intensity, values: [0, 1]}\nruns: 50\n' > "nl/my
spec.yaml"
"$geosim" sweep "nl/my
spec.yaml" --output nl/o -q 2> err || fail "a spec with a newline in its name: $(cat err)"
awk '/^point,/ { exit } !/^#/ { bad = 1 } END { exit bad }' nl/o/results.csv || fail "results.csv has a line that is not a comment before its header"
grep -q "\$'nl/my\\\\nspec.yaml'" nl/o/results.csv || fail "the command line does not quote the newline as \$'...\\n...'"
"$geosim" discover nl/o --outcome status_quo --threshold 0.01 > /dev/null 2> err || fail "discover of that sweep: $(cat err)"

# 9. SIGINT stops a write blocked on a FIFO nobody drains (exit 130), and one to standard output.
mkfifo stuck
sleep 30 < stuck & pids+=($!)
sleep 0.2
"$geosim" run s.yaml --runs 300 -q --format json -o stuck 2> err & g=$!
sleep 1.5; kill -INT $g
for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 $g 2> /dev/null || break; sleep 0.3; done
if kill -0 $g 2> /dev/null; then kill -KILL $g; fail "a write blocked on a FIFO ignores SIGINT"; fi
wait $g; rc=$?
expect_rc 130 "SIGINT while blocked on a FIFO"
grep -q "interrupted while writing" err || fail "SIGINT while blocked on a FIFO: $(cat err)"

# 10. A reader of standard output that goes away (| head): no temporary file of --report is left.
mkdir pipe; cd pipe
"$geosim" run ../s.yaml --runs 200 -q --format json --report r.html | head -c 10 > /dev/null
ls -a | grep -q '\.tmp\.' && fail "a broken pipe left a temporary file: $(ls -a)"
cd ..

# 11. Standard output redirected to the file that another output names: refused, nothing lost.
"$geosim" run s.yaml --runs 50 -q --report /dev/stdout -o same.txt > same.txt 2> err; rc=$?
expect_rc 3 "--report /dev/stdout beside -o FILE > FILE"
"$geosim" run s.yaml --runs 50 -q --report same2.txt > same2.txt 2> err; rc=$?
expect_rc 3 "--report FILE > FILE"

# 12. geosim new to standard output writes a scenario that loads (its note goes to stderr).
"$geosim" new piped -o - > piped.yaml 2> err || fail "new -o -: $(cat err)"
"$geosim" validate piped.yaml > /dev/null 2> err || fail "new -o - wrote a file that does not load: $(cat err)"

[ $failures = 0 ] && echo "file safety: all checks passed"
exit $((failures > 0))
