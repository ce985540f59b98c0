# The profile-guided build's option (GEOSIM_PGO, scripts/build_pgo.sh): configure-time checks
# only (tests/pgo/check_pgo.sh). Not in the sanitizer build, whose flags it does not concern.
if(GEOSIM_SANITIZE)
  return()
endif()
add_test(NAME build.pgo_option COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/check_pgo.sh
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
