# The golden test: digests of every output of geosim on the shipped scenarios, recorded in
# digests.txt (golden.sh says how to update them when an output is meant to change).
add_test(NAME golden_outputs
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/golden.sh $<TARGET_FILE:geosim>
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})

# The same for every bit of the runs' states (bench/state_digest.cpp), where it is built.
if(TARGET geosim_state_digest)
  add_test(NAME golden_state_digests
           COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/state_digests.sh $<TARGET_FILE:geosim_state_digest>
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endif()
