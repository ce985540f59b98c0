// Scenario discovery on a sweep's results: reading results.csv and reporting PRIM boxes.
//
// A sweep (`geosim sweep`) writes DIR/results.csv with the header
//   point,status,<param path 1>,...,<param path K>,runs,p_<outcome>,lo_<outcome>,hi_<outcome>,...
// one row per point, status `ok` or `failed`. Discovery asks: in which ranges of the swept
// parameters does an outcome's probability exceed a threshold? Each ok point becomes a row
// of X (its parameter values) with y = 1 when p_<outcome> > threshold, and PRIM
// (analysis/sensitivity/prim.h) peels a box around the points where y = 1.
// The file is read by analysis/sweep/results_csv.h, whose problems are InputErrors at
// `file:line:col`, so a damaged file says where.
#pragma once

#include <Eigen/Dense>

#include <string>
#include <vector>

#include "analysis/sensitivity/prim.h"
#include "engine/output/output.h"

namespace geosim::gsa {

struct SweepTable {
  std::string file;                     // the CSV read
  std::vector<std::string> parameters;  // swept parameter paths, in column order
  std::vector<std::string> outcomes;    // outcome ids, in column order
  Eigen::MatrixXd X;                    // ok points x parameters
  Eigen::MatrixXd P;                    // ok points x outcomes: p_<outcome>
  std::vector<long> point;              // the `point` value of each ok row
  int failed = 0;                       // rows with status `failed` (left out)
};

// RESULTS may be a sweep directory (then DIR/results.csv) or the CSV itself
// (sweep_results_path); read_sweep_csv keeps the ok points as matrices.
std::string sweep_csv_path(const std::string& results);
SweepTable read_sweep_csv(const std::string& path);

struct DiscoverOptions {
  std::string outcome;      // outcome id
  double threshold = 0.5;   // a point is a case when p_<outcome> > threshold
  sensitivity::PrimConfig prim;
  int box = -1;             // report this box of the trajectory instead of PRIM's choice
};

struct DiscoverResult {
  DiscoverOptions options;
  int outcome = 0;          // column of the outcome in SweepTable::outcomes
  int cases = 0;            // points with p above the threshold
  sensitivity::PrimResult prim;
};

// Throws UsageError when the outcome is not in the table (naming the ones that are).
DiscoverResult discover(const SweepTable& table, const DiscoverOptions& options);

Json discover_json(const SweepTable& table, const DiscoverResult& result);
std::string discover_table(const SweepTable& table, const DiscoverResult& result);

}  // namespace geosim::gsa
