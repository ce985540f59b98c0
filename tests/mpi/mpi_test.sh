#!/usr/bin/env bash
# MPI checks: mpi_test.sh CASE GEOSIM MPIRUN
set -uo pipefail
case_=$1 geosim=$2 mpirun=$3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
mpi=("$mpirun" --oversubscribe -np 3 --bind-to none)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
case $case_ in
  run)
    for s in scenarios/teaching.yaml scenarios/venezuela-2019.yaml; do
      [[ -f $s ]] || continue
      "$geosim" run "$s" --runs 5000 --seed 3 --threads 1 --format json -q > "$tmp/plain.json" || fail "plain run of $s"
      timeout 240 "${mpi[@]}" "$geosim" run "$s" --runs 5000 --seed 3 --threads 1 --format json -q > "$tmp/mpi.json" \
        || fail "mpirun of $s"
      cmp "$tmp/plain.json" "$tmp/mpi.json" || fail "$s: MPI output differs from the plain run"
      echo "ok: $s identical over 3 ranks"
    done
    ;;
  invalid)
    printf 'geosim: 1\nid: bad\nstart: 2020-01-06\nincumbent: gov\nactors:\n  - {id: gov, kind: regime, stnace: 1}\noutcomes:\n  - {id: status_quo, default: true}\n' > "$tmp/bad.yaml"
    timeout 120 "${mpi[@]}" "$geosim" run "$tmp/bad.yaml" --runs 100 -q > "$tmp/out" 2> "$tmp/err"
    code=$?
    [[ $code -eq 3 ]] || fail "exit code $code, expected 3 ($(cat "$tmp/err"))"
    n=$(grep -c "unknown key 'stnace'" "$tmp/err")
    [[ $n -eq 1 ]] || fail "the error was printed $n times, expected once: $(cat "$tmp/err")"
    echo "ok: exit 3, one message"
    ;;
esac
