# The differential test of a byte-changing route (scripts/differential_test.py) and the file
# it reads (geosim run --fan-histograms): it accepts two seeds of one scenario, refuses a
# changed scenario, and refuses files it cannot compare (tests/differential/check.sh).
add_test(NAME differential.test_and_histograms
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/check.sh $<TARGET_FILE:geosim>
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(differential.test_and_histograms PROPERTIES LABELS differential TIMEOUT 300)
