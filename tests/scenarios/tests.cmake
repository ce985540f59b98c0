# Shell-level checks of the shipped scenarios and of docs/tutorial.md (the Catch2 tests of
# this folder are in test_*.cpp). Run from the source root so paths read as in the docs.

# `geosim validate scenarios/*.yaml scenarios/**/*.yaml` passes: every scenario and
# variant, and the sweep specs of scenarios/sweeps/ (recognised by `sweep: 1`).
add_test(NAME scenarios_validate_all
         COMMAND bash -O globstar -c "\"$1\" validate -q scenarios/*.yaml scenarios/**/*.yaml"
                 bash $<TARGET_FILE:geosim>
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})

# Every scenario and variant runs and its outcome probabilities sum to 1.
add_test(NAME scenarios_run_all
         COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/run_all.sh $<TARGET_FILE:geosim>
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})

# The quote checker script (needs Python 3 with PyYAML; the same check runs in C++ in
# test_provenance.cpp, so nothing is lost where Python is missing).
find_package(Python3 COMPONENTS Interpreter QUIET)
if(Python3_Interpreter_FOUND)
  execute_process(COMMAND ${Python3_EXECUTABLE} -c "import yaml" RESULT_VARIABLE _geosim_no_pyyaml
                  OUTPUT_QUIET ERROR_QUIET)
  if(_geosim_no_pyyaml EQUAL 0)
    add_test(NAME scenarios_check_quotes_script
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/check_quotes.py
             WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  endif()
endif()

# docs/tutorial.md: one test per ```sh block, so a broken step names itself. Block K runs
# after blocks 1..K-1 in a scratch copy of scenarios/ (see run_tutorial_block.sh).
set(_geosim_tutorial ${PROJECT_SOURCE_DIR}/docs/tutorial.md)
if(EXISTS ${_geosim_tutorial})
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_geosim_tutorial})
  file(STRINGS ${_geosim_tutorial} _geosim_fences REGEX "^```sh[ \t]*$")
  list(LENGTH _geosim_fences _geosim_blocks)
  foreach(k RANGE 1 ${_geosim_blocks})
    if(k LESS_EQUAL _geosim_blocks)
      add_test(NAME tutorial_block_${k}
               COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/run_tutorial_block.sh $<TARGET_FILE:geosim>
                       ${PROJECT_SOURCE_DIR} ${k}
               WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
      set_tests_properties(tutorial_block_${k} PROPERTIES LABELS docs)
    endif()
  endforeach()
endif()

# The doc's probability tables are what scripts/gen_venezuela_doc.sh writes today.
add_test(NAME venezuela_doc_tables_current
         COMMAND sh ${PROJECT_SOURCE_DIR}/scripts/gen_venezuela_doc.sh --check $<TARGET_FILE:geosim>
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(venezuela_doc_tables_current PROPERTIES LABELS docs)
