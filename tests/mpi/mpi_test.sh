#!/usr/bin/env bash
# MPI checks: mpi_test.sh CASE GEOSIM MPIRUN
set -uo pipefail
case_=$1 geosim=$2 mpirun=$3
# In the sanitizer build, leak checking is off here: OpenMPI's dynamically loaded components
# keep allocations until exit, which LeakSanitizer cannot attribute (the rest of the suite
# checks geosim's own code for leaks).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
mpi=("$mpirun" --oversubscribe -np 3 --bind-to none)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# A sweep spec over the teaching scenario: STEPS x 6 points of RUNS runs.
make_spec() {  # FILE STEPS RUNS
  cat > "$1" <<SPEC
sweep: 1
id: mpi-test
scenario: $PWD/scenarios/teaching.yaml
parameters:
  - path: levers.sanctions.intensity
    min: 0
    max: 1
    steps: $2
  - path: levers.amnesty_for_officers.credibility
    min: 0
    max: 1
    steps: 6
runs: $3
seed: 5
record:
  states: [defected_share]
SPEC
}
# Points committed so far in DIR/results.sqlite (0 while it does not exist yet).
committed() {
  local db=$1/results.sqlite q="SELECT count(*) FROM points WHERE status!='pending'"
  [[ -f $db ]] || { echo 0; return; }
  if command -v sqlite3 > /dev/null; then sqlite3 "file:$db?mode=ro" "$q" 2> /dev/null || echo 0
  else python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$db" "$q" 2> /dev/null || echo 0
  fi
}
# Starts an MPI sweep in the background, waits until at least MIN points are committed,
# then runs ACTION (a function given mpirun's pid); returns mpirun's exit code.
interrupt_sweep() {  # SPEC DIR MIN ACTION
  "${mpi[@]}" "$geosim" sweep "$1" --output "$2" --threads 1 -q > "$2.log" 2>&1 &
  local pid=$! t=0
  while (( $(committed "$2") < $3 )); do
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.1
    (( ++t < 1200 )) || { kill -KILL "$pid"; fail "no point committed within 120 s"; }
  done
  "$4" "$pid"
  wait "$pid"
}
# The pid of the geosim process of RANK among mpirun's children.
rank_pid() {  # MPIRUN_PID RANK
  local p
  for p in $(pgrep -P "$1"); do
    [[ $(tr '\0' '\n' < "/proc/$p/environ" 2> /dev/null | grep -x "OMPI_COMM_WORLD_RANK=$2") ]] && { echo "$p"; return; }
  done
}
term_mpirun() { kill -TERM "$1"; }
kill_rank1() { local p; p=$(rank_pid "$1" 1); [[ -n $p ]] || fail "rank 1 not found"; kill -KILL "$p"; }
kill_rank0() { local p; p=$(rank_pid "$1" 0); [[ -n $p ]] || fail "rank 0 not found"; kill -KILL "$p"; }
case $case_ in
  run)
    for s in scenarios/teaching.yaml scenarios/venezuela-2019.yaml scenarios/teaching-leader.yaml scenarios/teaching-react.yaml; do
      [[ -f $s ]] || continue
      "$geosim" run "$s" --runs 5000 --seed 3 --threads 1 --format json -q > "$tmp/plain.json" || fail "plain run of $s"
      timeout 240 "${mpi[@]}" "$geosim" run "$s" --runs 5000 --seed 3 --threads 1 --format json -q > "$tmp/mpi.json" \
        || fail "mpirun of $s"
      cmp "$tmp/plain.json" "$tmp/mpi.json" || fail "$s: MPI output differs from the plain run"
      echo "ok: $s identical over 3 ranks"
    done
    ;;
  lever-report)
    # run --lever-effects --report under mpirun: rank 0 works alone (it waited forever for the
    # ranks that had left); its output is that of the recorded command, run --lever-effects.
    args=(run scenarios/teaching.yaml --lever-effects --runs 200 --seed 3 --threads 1 --format json -q)
    "$geosim" "${args[@]}" > "$tmp/plain.json" || fail "plain lever effects"
    timeout 120 "${mpi[@]}" "$geosim" "${args[@]}" --report "$tmp/page.html" > "$tmp/mpi.json" \
      || fail "mpirun run --lever-effects --report (exit $?)"
    cmp "$tmp/plain.json" "$tmp/mpi.json" || fail "the output with --report differs from run --lever-effects alone"
    grep -q "<html" "$tmp/page.html" || fail "no report page written"
    echo "ok: --lever-effects --report over 3 ranks, the same bytes as without --report"
    ;;
  sensitivity)
    for m in sobol morris; do
      args=(sensitivity scenarios/teaching.yaml --method $m --samples 32 --runs-per-point 40 --seed 5 --threads 1
            --format json -q)
      "$geosim" "${args[@]}" > "$tmp/plain.json" || fail "plain $m"
      timeout 240 "${mpi[@]}" "$geosim" "${args[@]}" > "$tmp/mpi.json" || fail "mpirun $m"
      cmp "$tmp/plain.json" "$tmp/mpi.json" || fail "$m: MPI output differs from the plain analysis"
      echo "ok: $m identical over 3 ranks"
    done
    ;;
  calibrate)
    # The 2019 scenario's observations, 200 particles: every generation's particles split over
    # the ranks give the posterior and summary of a plain calibration, byte for byte; a used
    # folder is refused once, on every rank.
    args=(calibrate scenarios/venezuela-2019.yaml --particles 200 --max-generations 3 --seed 2 --threads 1 -q)
    "$geosim" "${args[@]}" --output "$tmp/plain" > /dev/null || fail "plain calibrate"
    timeout 280 "${mpi[@]}" "$geosim" "${args[@]}" --output "$tmp/mpi" > /dev/null || fail "mpirun calibrate"
    for f in posterior.csv summary.json; do
      cmp "$tmp/plain/$f" "$tmp/mpi/$f" || fail "$f: MPI calibration differs from the plain one"
    done
    timeout 120 "${mpi[@]}" "$geosim" "${args[@]}" --output "$tmp/mpi" > /dev/null 2> "$tmp/err"
    code=$?
    [[ $code -eq 3 ]] || fail "a used folder: exit code $code, expected 3"
    n=$(grep -c "already holds this calibration" "$tmp/err")
    [[ $n -eq 1 ]] || fail "the refusal was printed $n times, expected once: $(cat "$tmp/err")"
    echo "ok: calibration identical over 3 ranks; a used folder refused once"
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
  sweep)
    make_spec "$tmp/spec.yaml" 6 400
    "$geosim" sweep "$tmp/spec.yaml" --output "$tmp/plain" --threads 1 -q || fail "plain sweep"
    for np in 2 3; do
      timeout 240 "$mpirun" --oversubscribe -np $np --bind-to none "$geosim" sweep "$tmp/spec.yaml" \
        --output "$tmp/mpi$np" --threads 1 -q || fail "mpirun -np $np sweep"
      cmp "$tmp/plain/results.csv" "$tmp/mpi$np/results.csv" || fail "results.csv over $np ranks differs"
      echo "ok: sweep over $np ranks gives the plain results.csv"
    done
    ;;
  sweep-term|sweep-kill)
    # 60 points of 5000 runs: a few seconds, so the interruption lands mid-way, and short
    # points, so those in flight finish soon after a signal. The sanitizer build, about five
    # times slower, takes as long with GEOSIM_MPI_SWEEP_RUNS=1000 (tests.cmake).
    make_spec "$tmp/spec.yaml" 10 "${GEOSIM_MPI_SWEEP_RUNS:-5000}"
    "$geosim" sweep "$tmp/spec.yaml" --output "$tmp/plain" --threads 1 -q || fail "plain sweep"
    if [[ $case_ == sweep-term ]]; then actions=(term_mpirun term_mpirun); else actions=(kill_rank1 kill_rank0); fi
    for i in 0 1; do
      d=$tmp/cut$i
      interrupt_sweep "$tmp/spec.yaml" "$d" 3 "${actions[$i]}"
      code=$?
      n=$(committed "$d")
      [[ $code -ne 0 ]] || fail "${actions[$i]}: the sweep finished ($n points) before it was interrupted"
      (( n > 0 && n < 60 )) || fail "${actions[$i]}: $n of 60 points committed, expected some but not all"
      [[ ! -f $d/results.csv ]] || fail "${actions[$i]}: results.csv written by an interrupted sweep"
      # SIGTERM reaches every rank: rank 0 deals no more and commits the points in flight.
      if [[ $case_ == sweep-term ]]; then
        grep -q "geosim: interrupted; $n of 60 points are saved" "$d.log" \
          || fail "no clean stop after SIGTERM: $(cat "$d.log")"
      fi
      # Resume once under MPI and once without it.
      if [[ $i == 0 ]]; then
        timeout 240 "${mpi[@]}" "$geosim" sweep "$tmp/spec.yaml" --output "$d" --resume --threads 1 -q \
          || fail "${actions[$i]}: MPI resume"
      else
        "$geosim" sweep "$tmp/spec.yaml" --output "$d" --resume --threads 1 -q || fail "${actions[$i]}: plain resume"
      fi
      cmp "$tmp/plain/results.csv" "$d/results.csv" || fail "${actions[$i]}: resumed results.csv differs"
      echo "ok: ${actions[$i]} (exit $code) after $n of 60 points; resumed $([[ $i == 0 ]] && echo with || echo without) MPI to the plain results.csv"
    done
    ;;
  sweep-invalid)
    make_spec "$tmp/spec.yaml" 2 100
    sed 's/steps: 2/stepz: 2/' "$tmp/spec.yaml" > "$tmp/bad.yaml"
    timeout 120 "${mpi[@]}" "$geosim" sweep "$tmp/bad.yaml" --output "$tmp/out" -q > "$tmp/out.log" 2> "$tmp/err"
    code=$?
    [[ $code -eq 3 ]] || fail "bad spec: exit code $code, expected 3 ($(cat "$tmp/err"))"
    n=$(grep -c "stepz" "$tmp/err")
    [[ $n -eq 1 ]] || fail "bad spec: the error was printed $n times, expected once: $(cat "$tmp/err")"
    echo "ok: bad spec exits 3 with one message"
    # A directory holding finished results, without --resume: only rank 0 can tell.
    "$geosim" sweep "$tmp/spec.yaml" --output "$tmp/done" --threads 1 -q || fail "plain sweep"
    timeout 120 "${mpi[@]}" "$geosim" sweep "$tmp/spec.yaml" --output "$tmp/done" --threads 1 -q 2> "$tmp/err2"
    code=$?
    [[ $code -eq 3 ]] || fail "used directory: exit code $code, expected 3 ($(cat "$tmp/err2"))"
    n=$(grep -c "already holds results" "$tmp/err2")
    [[ $n -eq 1 ]] || fail "used directory: the error was printed $n times, expected once: $(cat "$tmp/err2")"
    echo "ok: a used directory exits 3 on every rank with one message"
    ;;
esac
