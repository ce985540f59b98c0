# The bad-input corpus: every tests/bad_inputs/NAME.expected is a ctest test that runs geosim
# on NAME.yaml (or the arguments the file names) and compares stderr and the exit code
# exactly (run_case.sh describes the format). Plus the atomic-output checks.
file(GLOB GEOSIM_BAD_INPUTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.expected)
foreach(expected ${GEOSIM_BAD_INPUTS})
  get_filename_component(case_name ${expected} NAME_WE)
  file(RELATIVE_PATH expected_rel ${PROJECT_SOURCE_DIR} ${expected})
  add_test(NAME bad_input.${case_name}
           COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/run_case.sh $<TARGET_FILE:geosim> ${expected_rel}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endforeach()
add_test(NAME bad_input.atomic_output
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/atomic_output.sh $<TARGET_FILE:geosim>
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
add_test(NAME bad_input.file_safety
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/file_safety.sh $<TARGET_FILE:geosim>
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
