# MPI: the same bytes as a plain run for any number of ranks; input errors exit 3 on every
# rank. Runs only when geosim is built with MPI.
if(GEOSIM_WITH_MPI)
  find_program(GEOSIM_MPIRUN NAMES mpirun mpiexec)
  if(GEOSIM_MPIRUN)
    add_test(NAME "mpi: run over 3 ranks gives the bytes of a plain run"
             COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/mpi_test.sh run $<TARGET_FILE:geosim> ${GEOSIM_MPIRUN}
             WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
    add_test(NAME "mpi: invalid input exits 3 on every rank without hanging"
             COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/mpi_test.sh invalid $<TARGET_FILE:geosim> ${GEOSIM_MPIRUN}
             WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
    set_tests_properties("mpi: run over 3 ranks gives the bytes of a plain run"
                         "mpi: invalid input exits 3 on every rank without hanging" PROPERTIES TIMEOUT 300)
  endif()
endif()
