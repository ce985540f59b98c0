#!/bin/bash
# The golden test: every output of geosim, byte for byte, against recorded digests.
#
#   tests/golden/golden.sh GEOSIM            compare with tests/golden/digests.txt
#   tests/golden/golden.sh GEOSIM --update   record the digests anew
#
# Runs the built geosim on the shipped scenarios (run as table, JSON and CSV, --replay,
# --lever-effects, --report; compare; sweep; sensitivity with Sobol and Morris; discover;
# bargain from a CSV and from a scenario), with small run counts, and compares the SHA-256
# of each output (standard output or the file written; never standard error) with the
# line of the same name in digests.txt. Run from the source root: every path given to
# geosim is relative, so no output depends on the checkout's folder, and the version
# number is replaced by VERSION so that a release changes no digest.
#
# A refactoring must leave every digest as it is. A change meant to alter an output runs
# --update and commits the new digests.txt in a commit that says which outputs changed
# and why (git diff tests/golden/digests.txt shows which).
set -u
geosim=$(realpath "$1")
mode=${2:-check}
here=$(dirname "$0")
digests=$here/digests.txt
version=$("$geosim" --version | sed 's/^geosim //')
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

got=$scratch/digests.txt
: >"$got"
failed=0

# digest NAME FILE: the file's digest, the version number normalised.
digest() {
  sum=$(sed "s/$version/VERSION/g" "$2" | sha256sum | cut -d' ' -f1)
  echo "$sum  $1" >>"$got"
}

# out NAME COMMAND...: digest of the command's standard output.
out() {
  name=$1
  shift
  if ! "$@" >"$scratch/out" 2>"$scratch/err"; then
    echo "golden: '$name' failed: $*" >&2
    cat "$scratch/err" >&2
    failed=1
  fi
  digest "$name" "$scratch/out"
}

# file NAME PATH COMMAND...: digest of the file PATH that the command writes.
file() {
  name=$1
  path=$2
  shift 2
  if ! "$@" >/dev/null 2>"$scratch/err"; then
    echo "golden: '$name' failed: $*" >&2
    cat "$scratch/err" >&2
    failed=1
  fi
  digest "$name" "$path"
}

T=scenarios/teaching.yaml
V19=scenarios/venezuela-2019.yaml
V25=scenarios/venezuela-2025.yaml
BARGAIN=issues.incumbent_rule.stance_model=bargaining

# run: the summary in three formats, on every shipped scenario.
out run.teaching.table "$geosim" run $T --runs 2000 --seed 7 -q
out run.teaching.json "$geosim" run $T --runs 2000 --seed 7 -q --format json
out run.teaching.csv "$geosim" run $T --runs 2000 --seed 7 -q --format csv
out run.teaching.threads3.json "$geosim" run $T --runs 2000 --seed 7 -q --format json --threads 3
out run.teaching-bargaining.json "$geosim" run $T --runs 1000 --seed 2 -q --format json --set $BARGAIN
out run.venezuela-2019.json "$geosim" run $V19 --runs 1000 -q --format json
out run.venezuela-2019.table "$geosim" run $V19 --runs 1000 -q
out run.venezuela-2025.json "$geosim" run $V25 --runs 1000 -q --format json
out run.variant-amnesty.csv "$geosim" run scenarios/variants/2019-credible-amnesty.yaml --runs 1000 -q --format csv
# --replay: one run's story.
out replay.teaching.3 "$geosim" run $T --replay 3
out replay.teaching-bargaining.5 "$geosim" run $T --replay 5 --set $BARGAIN
out replay.venezuela-2019.11 "$geosim" run $V19 --replay 11
out replay.venezuela-2025.2 "$geosim" run $V25 --replay 2
# --lever-effects: each lever off in turn.
out lever-effects.teaching.table "$geosim" run $T --runs 500 -q --lever-effects
out lever-effects.venezuela-2019.json "$geosim" run $V19 --runs 300 -q --lever-effects --format json
out lever-effects.venezuela-2025.csv "$geosim" run $V25 --runs 300 -q --lever-effects --format csv
# --report: the HTML page (written to a relative path, as a student would).
mkdir -p "$scratch/report"
file report.venezuela-2019.html "$scratch/report/r.html" \
  "$geosim" run $V19 --runs 500 -q --lever-effects --report "$scratch/report/r.html"
file report.teaching.html "$scratch/report/t.html" "$geosim" run $T --runs 500 -q --report "$scratch/report/t.html"
# compare: paired differences.
out compare.amnesty.table "$geosim" compare $V19 scenarios/variants/2019-credible-amnesty.yaml --runs 1000 -q
out compare.no-russian-aid.json "$geosim" compare $V19 scenarios/variants/2019-no-russian-aid.yaml --runs 1000 -q \
  --format json
out compare.2025-exit-deal.csv "$geosim" compare $V25 scenarios/variants/2025-credible-exit-deal.yaml --runs 1000 -q \
  --format csv
# sweep: the results table.
file sweep.grid.results.csv "$scratch/grid/results.csv" "$geosim" sweep tests/golden/grid.yaml --output "$scratch/grid" -q
# sensitivity: Sobol and Morris, small designs.
out sensitivity.teaching.sobol.json "$geosim" sensitivity $T --samples 16 --runs-per-point 20 --bootstrap 50 -q \
  --format json
out sensitivity.teaching.morris.json "$geosim" sensitivity $T --method morris --samples 6 --runs-per-point 20 \
  --bootstrap 50 -q --format json
out sensitivity.venezuela-2019.morris.json "$geosim" sensitivity $V19 --method morris --samples 3 \
  --runs-per-point 10 --bootstrap 40 -q --format json
out sensitivity.teaching.sobol.table "$geosim" sensitivity $T --samples 8 --runs-per-point 10 --bootstrap 40 -q \
  --params levers.sanctions.intensity --range levers.sanctions.intensity=0.1:0.9
out sensitivity.ishigami.sobol.table "$geosim" sensitivity --test-function ishigami --samples 64 --bootstrap 50 -q
# discover: PRIM on the sweep's results.
# (run inside the scratch folder: the output names the results it read)
in_scratch() { (cd "$scratch" && "$@"); }
out discover.grid.table in_scratch "$geosim" discover grid --outcome defection_collapse --threshold 0.2
out discover.grid.json in_scratch "$geosim" discover grid/results.csv --outcome status_quo --threshold 0.3 \
  --format json --paste
# bargain: a CSV and a scenario's issue, alone and with runs.
out bargain.csv.table "$geosim" bargain tests/data/ec_emissions.csv --rounds 10
out bargain.csv.json "$geosim" bargain tests/data/ec_emissions.csv --rounds 6 --format json
out bargain.csv.runs.json "$geosim" bargain tests/data/ec_emissions.csv --runs 500 --seed 4 --format json
out bargain.venezuela-2019.table "$geosim" bargain $V19 --at 2019-05-01
out bargain.venezuela-2019.runs.json "$geosim" bargain $V19 --at 2019-05-01 --runs 300 --format json
out bargain.teaching.runs.table "$geosim" bargain $T --runs 300 --seed 2
out bargain.venezuela-2025.runs.json "$geosim" bargain $V25 --runs 200 --format json --threads 3

if [ "$mode" = --update ]; then
  cp "$got" "$digests"
  echo "golden: recorded $(wc -l <"$got") digests in $digests"
  exit $failed
fi
if ! diff <(sort -k2 "$digests") <(sort -k2 "$got") >"$scratch/diff"; then
  echo "golden: outputs differ from $digests (lines '<' recorded, '>' now):" >&2
  cat "$scratch/diff" >&2
  echo "golden: if the change is meant, rerun with --update and say why in the commit" >&2
  failed=1
fi
[ $failed = 0 ] && echo "golden: $(wc -l <"$got") outputs match"
exit $failed
