# The Python module's tests (python/tests, pytest), when the module is built. They compare
# every API call with the geosim command on the same inputs, so they need both built.
if(GEOSIM_WITH_PYTHON)
  set(GEOSIM_PYTEST_ENV
      "PYTHONPATH=${PROJECT_BINARY_DIR}/python"
      "GEOSIM_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
      "GEOSIM_BINARY=$<TARGET_FILE:geosim>"
      "GEOSIM_BUILD_DIR=${PROJECT_BINARY_DIR}"
      "PYTHONDONTWRITEBYTECODE=1")
  foreach(suite api examples venv)
    add_test(NAME python.${suite}
             COMMAND ${Python_EXECUTABLE} -m pytest -q -p no:cacheprovider
                     ${PROJECT_SOURCE_DIR}/python/tests/test_${suite}.py
             WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
    set_tests_properties(python.${suite} PROPERTIES ENVIRONMENT "${GEOSIM_PYTEST_ENV}" LABELS python)
  endforeach()
  # pip builds in python/ (its build/ and egg-info); one install at a time.
  set_tests_properties(python.venv PROPERTIES RESOURCE_LOCK geosim_python_source TIMEOUT 600)
endif()
