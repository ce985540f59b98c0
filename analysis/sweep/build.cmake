# Sweeps stream their results into SQLite (analysis/sweep/store.cpp).
find_package(SQLite3 REQUIRED)
target_link_libraries(geosim_analysis PUBLIC SQLite::SQLite3)
