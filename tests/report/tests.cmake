# The report drawn in a real browser: headless Chromium (Debian's package, installed by
# scripts/install-deps.sh) opens each page from disk, and browser_check.py fails on any
# console error or network request or any chart that did not draw. Screenshots go to
# <build>/report-screenshots/.
set(GEOSIM_REPORT_OUT ${CMAKE_BINARY_DIR}/report-screenshots)
set(GEOSIM_REPORT_CHECK ${CMAKE_CURRENT_LIST_DIR}/browser_check.py)
find_program(GEOSIM_PYTHON3 python3)

# The 2019 scenario, with its lever effects: every chart of a run report, each with the
# table of its numbers (browser_check.py checks that of every chart), the fan charts named
# in words with their meaning and scale, and the lever effects' table.
add_test(NAME report_browser_run_2019
  COMMAND sh -c "mkdir -p \"$2\" && \"$1\" run scenarios/venezuela-2019.yaml --runs 2000 --lever-effects -q --report \"$2/report-2019.html\" > /dev/null && \"$3\" \"$4\" \"$2/report-2019.html\" --screenshot \"$2/report-2019.png\" --slices 4 --figure lever-effects --figure fan-exit-gain --expect outcomes --expect survival --expect cumulative --expect 'fan-*' --expect lever-effects --expect-text 'Exit gain' --expect-text 'Stance of ' --expect-text 'utility of taking the exit deal minus utility of staying' --require 'details.data table.chart-data td'"
          sh $<TARGET_FILE:geosim> ${GEOSIM_REPORT_OUT} ${GEOSIM_PYTHON3} ${GEOSIM_REPORT_CHECK}
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})

# Every other kind of section in one page: a comparison, Sobol indices (and those of the
# teaching scenario, where some outcomes never happen: their indices are undefined, said in
# words with no empty chart), a 2-parameter grid
# sweep (geosim sweep), a 1-parameter sweep with a failed point and a 3-parameter one
# (make_sweep.py, from geosim run), PRIM boxes and a calibration, all from real commands. Then the comparison
# alone (what the variant changes: two levers switched off; the table of the paired
# intervals) and the grid sweep alone (its title says what was swept, the seed and the runs
# per point).
add_test(NAME report_browser_analyses
  COMMAND sh -c "set -e; d=\"$2/analyses\"; rm -rf \"$d\"; mkdir -p \"$d\"
    \"$1\" run scenarios/teaching.yaml --runs 1000 -q -f json -o \"$d/run.json\"
    \"$1\" compare scenarios/venezuela-2019.yaml scenarios/variants/2019-no-russian-aid.yaml --runs 1000 -q -f json -o \"$d/compare.json\"
    \"$1\" sensitivity --test-function ishigami -N 256 -q -f json -o \"$d/sobol.json\"
    \"$1\" sensitivity scenarios/teaching.yaml -N 16 -r 5 -b 50 -q -f json -o \"$d/sobol-undefined.json\"
    \"$1\" sweep scenarios/sweeps/teaching-grid.yaml --output \"$d/grid\" -q
    \"$3\" tests/report/make_sweep.py \"$1\" scenarios/teaching.yaml \"$d/line\" --param levers.sanctions.intensity=0,0.25,0.5,0.75,1,1.5 --runs 200
    \"$3\" tests/report/make_sweep.py \"$1\" scenarios/teaching.yaml \"$d/three\" --param levers.sanctions.intensity=0,1 --param levers.amnesty_for_officers.credibility=0.2,0.8 --param levers.exit_deal.intensity=0,1 --runs 100
    \"$1\" discover \"$d/grid\" --outcome defection_collapse --threshold 0.1 -f json > \"$d/prim.json\"
    \"$1\" calibrate scenarios/venezuela-2019.yaml --output \"$d/cal\" --particles 100 --max-generations 2 -q > /dev/null
    \"$1\" report \"$d/run.json\" \"$d/compare.json\" \"$d/sobol.json\" \"$d/sobol-undefined.json\" \"$d/grid\" \"$d/line\" \"$d/three\" \"$d/prim.json\" \"$d/cal\" -o \"$d/report.html\"
    \"$3\" \"$4\" \"$d/report.html\" --screenshot \"$2/report-analyses.png\" --expect outcomes --expect compare-arms --expect compare-diff --expect 'sensitivity-*' --expect sweep-heatmap --expect sweep-line --expect sweep-panels --expect prim-trajectory --expect calibration-parameters --expect calibration-generations --expect calibration-check --expect-text 'so its indices are undefined' --expect-text 'records only that a point failed, not why'
    \"$1\" report \"$d/compare.json\" -o \"$d/compare.html\"
    \"$3\" \"$4\" \"$d/compare.html\" --screenshot \"$2/report-compare.png\" --figure compare-diff --expect compare-arms --expect compare-diff --require '#changes + p + table.changes' --expect-text 'levers.russian_military_support' --expect-text 'switched off' --expect-text 'paired 95% interval'
    \"$1\" report \"$d/grid\" -o \"$d/grid.html\"
    \"$3\" \"$4\" \"$d/grid.html\" --screenshot \"$2/report-sweep.png\" --figure sweep-heatmap --expect sweep-heatmap --expect-text 'Sweep of levers.sanctions.intensity and levers.amnesty_for_officers.credibility' --expect-text 'seed 1' --expect-text '1000 runs per point'"
          sh $<TARGET_FILE:geosim> ${GEOSIM_REPORT_OUT} ${GEOSIM_PYTHON3} ${GEOSIM_REPORT_CHECK}
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})

# The check itself can fail: a page with a console error, a request to the network and a
# chart that never draws must be caught, each of them.
add_test(NAME report_browser_check_catches_problems
  COMMAND ${GEOSIM_PYTHON3} ${GEOSIM_REPORT_CHECK} ${CMAKE_CURRENT_LIST_DIR}/data/bad_page.html --timeout 5
          --expect-failure --expect-problem "console error: deliberate" --expect-problem "network request: http://127.0.0.1:9/"
          --expect-problem "chart chart-1-never: state None" --expect-problem "no table of its numbers beside it"
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})

# Script injection through the data: a sweep whose parameter column is named
# `x]<img src=x onerror=...>` (data/injection/results.csv). The chart must draw, the handler
# must not run (no data-pwned attribute), and the page's Content-Security-Policy must refuse
# an inline handler even when markup does get in (--probe-csp).
add_test(NAME report_browser_injection
  COMMAND sh -c "mkdir -p \"$2\" && \"$1\" report tests/report/data/injection -o \"$2/report-injection.html\" && \"$3\" \"$4\" \"$2/report-injection.html\" --expect sweep-line --forbid '[data-pwned]' --probe-csp"
          sh $<TARGET_FILE:geosim> ${GEOSIM_REPORT_OUT} ${GEOSIM_PYTHON3} ${GEOSIM_REPORT_CHECK}
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})

set_tests_properties(report_browser_run_2019 report_browser_analyses report_browser_check_catches_problems
  report_browser_injection
  PROPERTIES TIMEOUT 300 LABELS "browser;page")
