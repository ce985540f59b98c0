// The sweep tests' changes to a database, as someone editing it outside geosim would make them.
#pragma once

#include <sqlite3.h>
#include <catch2/catch.hpp>

#include <string>

namespace geosim::test {

// Runs `text` (SQL) on the database at `db_path`; the test stops unless it succeeds.
inline void sql(const std::string& db_path, const std::string& text) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(db_path.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, text.c_str(), nullptr, nullptr, &err);
  INFO((err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

}  // namespace geosim::test
