# The golden test: digests of every output of geosim on the shipped scenarios, recorded in
# digests.txt (golden.sh says how to update them when an output is meant to change).
add_test(NAME golden_outputs
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/golden.sh $<TARGET_FILE:geosim>
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
