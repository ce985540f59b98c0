# Installing geosim as a library: `cmake --install build --prefix P` puts the geosim
# command in P/bin, the engine's and the analyses' static libraries in P/lib, their headers
# in P/include/geosim (included as "engine/..." and "analysis/...") and a CMake package, so
# that another project writes
#   find_package(geosim REQUIRED)
#   target_link_libraries(app PRIVATE geosim::engine)   # or geosim::analysis
# tests/install builds such a consumer against an installed tree. `make package` builds a
# Debian package of the same files with CPack.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(GEOSIM_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/geosim)
target_include_directories(geosim_engine PUBLIC $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/geosim>)
set_target_properties(geosim_engine PROPERTIES EXPORT_NAME engine)
set_target_properties(geosim_analysis PROPERTIES EXPORT_NAME analysis)
set_target_properties(geosim_warnings PROPERTIES EXPORT_NAME warnings)

install(TARGETS geosim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS geosim_engine geosim_analysis geosim_warnings EXPORT geosimTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/engine/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/geosim/engine
        FILES_MATCHING PATTERN "*.h")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/analysis/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/geosim/analysis
        FILES_MATCHING PATTERN "*.h")
install(EXPORT geosimTargets NAMESPACE geosim:: DESTINATION ${GEOSIM_INSTALL_CMAKEDIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/geosimConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/geosimConfig.cmake
                              INSTALL_DESTINATION ${GEOSIM_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/geosimConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/geosimConfig.cmake ${PROJECT_BINARY_DIR}/geosimConfigVersion.cmake
        DESTINATION ${GEOSIM_INSTALL_CMAKEDIR})

# A Debian package (`make package`): the command, the libraries, headers and CMake package.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME geosim)
set(CPACK_PACKAGE_VENDOR "geosim")
set(CPACK_PACKAGE_CONTACT "geosim developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "geopolitical scenario simulation engine (Monte Carlo)")
set(CPACK_PACKAGE_INSTALL_DIRECTORY /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # runtime libraries found by dpkg-shlibdeps
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
include(CPack)
