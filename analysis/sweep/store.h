// The results of a sweep on disk: DIR/results.sqlite, committed point by point, and
// DIR/results.csv written from it at the end.
//
// The database is created with every point of the design up front (table `points`), so a
// resumed sweep knows what is missing without recomputing the design's history; each
// finished point is then one transaction (WAL journal), so `kill -9` loses at most the
// points being computed. The CSV holds no timestamps and is derived from integer counts,
// so a resumed sweep writes the same bytes as one that was never interrupted. A directory
// holding another sweep's results (another spec hash) is refused, and so is a directory
// another process is writing to: the store holds an exclusive lock on DIR/.geosim.lock
// (DirLock, engine/output/files.h) from before the database is opened until it is closed.
#pragma once

#include "engine/output/numbers.h"  // shortest_double, csv_field

#include <memory>
#include <string>
#include <vector>

#include "analysis/sweep/sweep.h"
#include "engine/output/files.h"

struct sqlite3;

namespace geosim {

struct StoreOptions {
  bool resume = false;       // continue a sweep started in the same directory
  std::string command;       // the command line that reproduces it (kept in `metadata`)
  bool long_format = false;  // also write results_long.csv: one row per point x outcome
};

class ResultStore : public PointWriter {
 public:
  // Locks DIR, then opens or creates DIR/results.sqlite for `plan`. Throws InputError when
  // another process holds the directory, when it belongs to another sweep, or when it holds
  // this sweep's results and `resume` is false.
  ResultStore(const std::string& dir, const SweepPlan& plan, const StoreOptions& options);
  // The store keeps a reference to the plan: a temporary plan would dangle.
  ResultStore(const std::string& dir, SweepPlan&& plan, const StoreOptions& options) = delete;
  ~ResultStore() override;
  ResultStore(const ResultStore&) = delete;
  ResultStore& operator=(const ResultStore&) = delete;

  // Points not yet committed, in point order.
  std::vector<int64_t> pending() const;
  int64_t committed_count() const;
  // The failed points: how many, and the first `max` of them with their reasons (the
  // `failed` table), in point order.
  struct Failed {
    int64_t count = 0;
    std::vector<std::pair<int64_t, std::string>> first;
  };
  Failed failed_points(size_t max) const;
  void commit(const PointResult& r) override;
  // Records the end time and writes DIR/results.csv atomically.
  void finish();

  std::string csv() const;       // the CSV text (docs/sweep-format.md)
  std::string csv_long() const;  // one row per point x outcome, SQL-friendly names (ditto)
  std::string path() const { return db_path_; }

 private:
  void exec(const std::string& sql) const;
  void rollback() noexcept;
  void create();
  // On --resume: InputError when the database no longer holds what this sweep wrote.
  void check_resumable() const;
  std::string meta(const std::string& key) const;
  void set_meta(const std::string& key, const std::string& value);

  std::string dir_, db_path_;
  std::unique_ptr<DirLock> lock_;  // released after the database is closed
  const SweepPlan& plan_;
  std::string command_;
  bool long_format_ = false;
  sqlite3* db_ = nullptr;
};


}  // namespace geosim
