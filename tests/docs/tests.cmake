# The docs' tables of lever kinds, channels, mechanism parameters and state variables are
# the program's own (`geosim describe`); this checks they have not drifted.
add_test(NAME docs.tables_match_describe
         COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/docs_tables.py $<TARGET_FILE:geosim>
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(docs.tables_match_describe PROPERTIES LABELS docs)
