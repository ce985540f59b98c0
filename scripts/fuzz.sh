#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, clang, ASan+UBSan) and runs each for a bounded time.
#
# Usage: scripts/fuzz.sh [TARGET...]        (default: every tests/fuzz/fuzz_*.cpp)
#   FUZZ_SECONDS  seconds per target (default 60)
#   FUZZ_BUILD    build folder (default build-fuzz)
#   FUZZ_JOBS     build jobs (default 2)
#   FUZZ_PARALLEL targets fuzzed at once (default FUZZ_JOBS)
# The seed corpus is scenarios/, tests/bad_inputs/ and tests/fuzz/seeds/<target>/; what a run
# learns stays in $FUZZ_BUILD/corpus/<target>/. A crash, hang (-timeout) or memory blow-up
# (-rss_limit_mb) stops the run with a non-zero exit; its input is copied to
# tests/fuzz/regressions/<target>/, which `make test` replays from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD:-build-fuzz}
jobs=${FUZZ_JOBS:-2}
launcher=()
command -v ccache > /dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
gen=()
command -v ninja > /dev/null && gen=(-G Ninja)

cmake -S tests/fuzz -B "$build" "${gen[@]}" -DCMAKE_CXX_COMPILER=clang++ "${launcher[@]}" > /dev/null
cmake --build "$build" -j "$jobs"

targets=("$@")
if [ ${#targets[@]} = 0 ]; then
  for f in tests/fuzz/fuzz_*.cpp; do targets+=("$(basename "$f" .cpp | sed 's/^fuzz_//')"); done
fi

# One target: run it, report, keep what it found. Returns non-zero on a crash, hang or leak.
fuzz_one() {
  local t=$1
  local corpus=$build/corpus/$t
  local crashes=$build/crashes/$t
  mkdir -p "$corpus" "$crashes"
  local seeds=(tests/fuzz/seeds/$t)
  [ -d tests/fuzz/regressions/$t ] && seeds+=(tests/fuzz/regressions/$t)
  local max_len=4096
  if [ "$t" = scenario ]; then
    seeds+=(scenarios tests/bad_inputs)
    max_len=16384
  fi
  local dict=()
  [ -f tests/fuzz/$t.dict ] && dict=(-dict=tests/fuzz/$t.dict)
  # -timeout: one input taking longer than 30 s counts as a hang (the alias-expansion limit
  # case, tests/bad_inputs/limit_alias_expansion.yaml, takes about 1 s in a release build and
  # several under ASan); -rss_limit_mb: memory blow-up.
  if ! ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
      "$build/fuzz_$t" "$corpus" "${seeds[@]}" "${dict[@]}" -max_total_time="$seconds" -timeout=30 \
      -rss_limit_mb=2560 -max_len=$max_len -artifact_prefix="$crashes/" -print_final_stats=1 \
      > "$build/fuzz_$t.log" 2>&1; then
    echo "== fuzz_$t for ${seconds}s: FAILED"
    tail -n 60 "$build/fuzz_$t.log"
    mkdir -p tests/fuzz/regressions/$t
    for a in "$crashes"/*; do
      [ -f "$a" ] || continue
      cp "$a" tests/fuzz/regressions/$t/
      echo "fuzz_$t: new failing input saved as tests/fuzz/regressions/$t/$(basename "$a")"
    done
    return 1
  fi
  # The grep keeps the log short; sanitizer reports and new-crash lines come through above.
  echo "== fuzz_$t for ${seconds}s"
  grep -E "^(stat::number_of_executed_runs|stat::new_units_added|stat::peak_rss_mb)|Done [0-9]+ runs" \
    "$build/fuzz_$t.log" || true
}

# FUZZ_PARALLEL targets at a time (default: the build jobs), each on its own core; a
# target's report is printed when it ends.
parallel=${FUZZ_PARALLEL:-$jobs}
status=0
pids=()
for t in "${targets[@]}"; do
  fuzz_one "$t" > "$build/fuzz_$t.summary" 2>&1 &
  pids+=("$!:$t")
  if [ ${#pids[@]} -ge "$parallel" ]; then
    entry=${pids[0]}
    pids=("${pids[@]:1}")
    wait "${entry%%:*}" || status=1
    cat "$build/fuzz_${entry#*:}.summary"
  fi
done
for entry in "${pids[@]}"; do
  wait "${entry%%:*}" || status=1
  cat "$build/fuzz_${entry#*:}.summary"
done
exit $status
