# The studio in a real browser (headless Chromium from Debian, driven over the DevTools
# protocol like the report's check): a switch and a slider moved by keyboard, the refined
# numbers checked against POST /api/run and `geosim run`. Screenshots go to
# <build>/studio-screenshots/ (docs/images/studio*.png are copies).
find_program(GEOSIM_PYTHON3 python3)
add_test(NAME serve_browser_studio
  COMMAND ${GEOSIM_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/studio_check.py $<TARGET_FILE:geosim>
          --screenshots ${CMAKE_BINARY_DIR}/studio-screenshots
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(serve_browser_studio PROPERTIES TIMEOUT 600 LABELS browser)
# The page's pure functions (chart dates, seeds above 2^53) in node, where it is installed
# (Debian's nodejs, scripts/install-deps.sh --with-browser).
find_program(GEOSIM_NODE NAMES node nodejs)
if(GEOSIM_NODE)
  add_test(NAME serve_page_functions
    COMMAND ${GEOSIM_NODE} ${CMAKE_CURRENT_LIST_DIR}/page_check.js $<TARGET_FILE:geosim>
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(serve_page_functions PROPERTIES TIMEOUT 120)
endif()
