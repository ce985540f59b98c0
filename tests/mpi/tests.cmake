# MPI: the same bytes as a plain run or sweep for any number of ranks; an interrupted MPI
# sweep resumes to the same results; input errors exit 3 on every rank. Runs only when
# geosim is built with MPI.
if(GEOSIM_WITH_MPI)
  find_program(GEOSIM_MPIRUN NAMES mpirun mpiexec)
  if(GEOSIM_MPIRUN)
    set(GEOSIM_MPI_TESTS
      "run|mpi: run over 3 ranks gives the bytes of a plain run"
      "invalid|mpi: invalid input exits 3 on every rank without hanging"
      "lever-report|mpi: run --lever-effects --report over 3 ranks writes the bytes of run --lever-effects"
      "sensitivity|mpi: Sobol and Morris over 3 ranks give the bytes of a plain analysis"
      "calibrate|mpi: a calibration over 3 ranks gives the bytes of a plain one"
      "sweep|mpi: sweep over 2 and 3 ranks gives the results.csv of a plain sweep"
      "sweep-term|mpi: sweep stopped by SIGTERM resumes with and without MPI to identical results"
      "sweep-kill|mpi: sweep with a killed rank resumes with and without MPI to identical results"
      "sweep-invalid|mpi: bad sweep spec or used directory exits 3 once on every rank")
    foreach(entry ${GEOSIM_MPI_TESTS})
      string(FIND "${entry}" "|" bar)
      string(SUBSTRING "${entry}" 0 ${bar} case_)
      math(EXPR bar "${bar} + 1")
      string(SUBSTRING "${entry}" ${bar} -1 name)
      add_test(NAME "${name}"
               COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/mpi_test.sh ${case_} $<TARGET_FILE:geosim> ${GEOSIM_MPIRUN}
               WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
      set_tests_properties("${name}" PROPERTIES TIMEOUT 300)
      if(GEOSIM_SANITIZE)
        set_tests_properties("${name}" PROPERTIES ENVIRONMENT GEOSIM_MPI_SWEEP_RUNS=1000)
      endif()
    endforeach()
  endif()
endif()
