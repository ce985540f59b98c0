# The report's charting scripts (third_party/vega) are compiled into geosim, so a report
# opens offline and `geosim report` needs no files beside the binary. The files are turned
# into C++ string chunks at build time and regenerated when they change.
set(GEOSIM_REPORT_ASSETS
  ${PROJECT_SOURCE_DIR}/third_party/vega/vega.min.js
  ${PROJECT_SOURCE_DIR}/third_party/vega/vega-lite.min.js
  ${PROJECT_SOURCE_DIR}/third_party/vega/vega-embed.min.js)
set(GEOSIM_REPORT_ASSETS_CPP ${CMAKE_CURRENT_BINARY_DIR}/report_assets.cpp)
add_custom_command(
  OUTPUT ${GEOSIM_REPORT_ASSETS_CPP}
  COMMAND ${CMAKE_COMMAND} "-DOUT=${GEOSIM_REPORT_ASSETS_CPP}" "-DINPUTS=${GEOSIM_REPORT_ASSETS}"
          -P ${CMAKE_CURRENT_SOURCE_DIR}/report/embed_assets.cmake
  DEPENDS ${GEOSIM_REPORT_ASSETS} ${CMAKE_CURRENT_SOURCE_DIR}/report/embed_assets.cmake
  COMMENT "Embedding the report's chart scripts"
  VERBATIM)
target_sources(geosim_analysis PRIVATE ${GEOSIM_REPORT_ASSETS_CPP})

# The report's Content-Security-Policy names its scripts by their SHA-256 (OpenSSL's libcrypto).
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
target_link_libraries(geosim_analysis PRIVATE OpenSSL::Crypto)
