# The fuzz targets, built without libFuzzer (tests/fuzz/replay_main.cpp), replay their seed
# corpus and every input that once crashed (regressions/<target>/) in `make test`.
# Fuzzing itself is `make fuzz` (scripts/fuzz.sh, clang + libFuzzer, tests/fuzz/CMakeLists.txt).
file(GLOB GEOSIM_FUZZ_TARGETS CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/fuzz_*.cpp)
foreach(src ${GEOSIM_FUZZ_TARGETS})
  get_filename_component(fuzz_name ${src} NAME_WE)
  string(REPLACE "fuzz_" "" fuzz_short ${fuzz_name})
  add_executable(${fuzz_name}_replay ${src} ${CMAKE_CURRENT_LIST_DIR}/replay_main.cpp)
  target_link_libraries(${fuzz_name}_replay PRIVATE geosim_engine geosim_analysis geosim_warnings)
  target_compile_definitions(${fuzz_name}_replay PRIVATE GEOSIM_FUZZ_DIR="${CMAKE_CURRENT_LIST_DIR}")
  set(fuzz_inputs)
  foreach(d seeds/${fuzz_short} regressions/${fuzz_short})
    if(IS_DIRECTORY ${CMAKE_CURRENT_LIST_DIR}/${d})
      list(APPEND fuzz_inputs ${CMAKE_CURRENT_LIST_DIR}/${d})
    endif()
  endforeach()
  if(fuzz_short STREQUAL "scenario")
    list(APPEND fuzz_inputs ${PROJECT_SOURCE_DIR}/scenarios ${PROJECT_SOURCE_DIR}/tests/bad_inputs)
  endif()
  add_test(NAME fuzz_replay.${fuzz_short} COMMAND ${fuzz_name}_replay ${fuzz_inputs}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endforeach()
