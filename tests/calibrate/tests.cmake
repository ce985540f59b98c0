# A calibration killed with SIGKILL resumes to the same bytes (kill_resume.sh).
add_test(NAME calibrate.kill_resume
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/kill_resume.sh $<TARGET_FILE:geosim>
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
