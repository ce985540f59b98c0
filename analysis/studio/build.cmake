# The studio's server (cpp-httplib, Debian's libcpp-httplib-dev) and its page, whose files
# (analysis/studio/page) are compiled into geosim like the report's chart scripts.
find_package(PkgConfig REQUIRED)
pkg_check_modules(CPP_HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
target_link_libraries(geosim_analysis PUBLIC PkgConfig::CPP_HTTPLIB)
file(GLOB GEOSIM_STUDIO_PAGE CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/studio/page/*)
set(GEOSIM_STUDIO_PAGE_CPP ${CMAKE_CURRENT_BINARY_DIR}/studio_page.cpp)
add_custom_command(
  OUTPUT ${GEOSIM_STUDIO_PAGE_CPP}
  COMMAND ${CMAKE_COMMAND} "-DOUT=${GEOSIM_STUDIO_PAGE_CPP}" "-DINPUTS=${GEOSIM_STUDIO_PAGE}"
          -P ${CMAKE_CURRENT_SOURCE_DIR}/studio/embed_page.cmake
  DEPENDS ${GEOSIM_STUDIO_PAGE} ${CMAKE_CURRENT_SOURCE_DIR}/studio/embed_page.cmake
  COMMENT "Embedding the studio's page"
  VERBATIM)
target_sources(geosim_analysis PRIVATE ${GEOSIM_STUDIO_PAGE_CPP})
