# geosim as a library: install, build a consumer with find_package(geosim), and the Debian
# package (CPack) that installs and runs. Not in the sanitizer build (its libraries carry
# the sanitizers' runtime, which a plain consumer does not link).
if(GEOSIM_SANITIZE)
  return()
endif()
add_test(NAME install.consumer_finds_package
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/install_consumer.sh ${PROJECT_BINARY_DIR}
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
add_test(NAME install.debian_package
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/package_deb.sh ${PROJECT_BINARY_DIR}
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(install.consumer_finds_package install.debian_package PROPERTIES RUN_SERIAL TRUE)
