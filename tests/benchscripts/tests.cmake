# The benchmark scripts that docs/performance.md names for its figures, run with a few
# hundred runs on two threads: each step must run to its end and print its figures, and one
# and two threads must write the same bytes. (The figures themselves come from long runs on
# a quiet machine, not from here.) Needs jq and GNU time (scripts/install-deps.sh).
add_test(NAME bench_scripts_run
  COMMAND bash -c "set -euo pipefail
    out=$(R1=300 RM=3000 RB=500 scripts/bench_many_cores.sh \"$1\" \"$1\" 2)
    printf '%s\\n' \"$out\"
    for want in 'efficiency' 'threads/processes' 'processor time per run' 'new/old' \
                'venezuela-2019-v1: same' 'venezuela-2019: same' 'venezuela-2025: same'; do
      grep -qF \"$want\" <<< \"$out\" || { echo \"missing: $want\"; exit 1; }
    done
    order=$(T=2 N=100 scripts/bench_thread_variants.sh order \"$1\")
    grep -qF '2 processes' <<< \"$order\" || { echo \"$order\"; exit 1; }
    variants=$(T=2 N=100 scripts/bench_thread_variants.sh variants \"$1\")
    grep -qF 'one arena' <<< \"$variants\" || { echo \"$variants\"; exit 1; }"
          bash $<TARGET_FILE:geosim>
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(bench_scripts_run PROPERTIES TIMEOUT 300 FAIL_REGULAR_EXPRESSION "DIFFERENT")
