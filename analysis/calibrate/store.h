// A calibration on disk: DIR/calibration.json (what is being calibrated), one file per
// finished generation (DIR/generations/NNNN.json, written atomically), and at the end
// DIR/posterior.csv and DIR/summary.json (docs/calibration.md).
//
// As with a sweep's store (analysis/sweep/store.h), a directory is bound to one
// calibration by a fingerprint of the merged scenario and the settings: another
// calibration's directory is refused, and the same one is continued only with --resume.
// A killed calibration loses at most the generation being computed; since a generation is
// a pure function of the one before it (every number addressed, saved with round-trip
// precision), a resumed calibration writes the same bytes as one never interrupted.
#pragma once

#include <memory>
#include <string>

#include "analysis/calibrate/abc.h"
#include "engine/output/files.h"
#include "engine/output/output.h"
#include "engine/scenario/yaml_tree.h"

namespace geosim {

// A stable hash of a merged scenario tree and the calibration settings (16 hex digits).
std::string calibration_fingerprint(const YNode& tree, const AbcOptions& options);
// The settings the fingerprint holds, as text ("seed=1 particles=1000 ..."), which
// calibration.json keeps so that a folder made with other settings can say which.
std::string calibration_settings(const AbcOptions& options);

class CalibrationStore {
 public:
  // Creates DIR or checks that it belongs to this calibration (InputError otherwise).
  CalibrationStore(const std::string& dir, const std::string& fingerprint, const std::string& scenario_file,
                   bool resume, const std::string& settings = "");
  // Loads the saved generations into `cal`; returns how many there were.
  int load(const Scenario& sc, Calibration& cal) const;
  // Saves the last generation of `cal`.
  void save(const Calibration& cal) const;
  // Writes DIR/posterior.csv and DIR/summary.json.
  // `command`: the command line that reproduces the calibration (kept in summary.json).
  void finish(const Scenario& sc, const Calibration& cal, const std::string& command = "") const;

 private:
  std::string dir_;
  std::unique_ptr<DirLock> lock_;  // the output folder's lock, held while the store lives
};

// Loads the generations saved in DIR into `cal` (read only; CalibrationStore::load, for the
// ranks that do not hold the folder); returns how many there were.
int load_calibration(const std::string& dir, const Scenario& sc, Calibration& cal);

std::string posterior_csv(const Scenario& sc, const Calibration& cal);
Json calibration_summary(const Scenario& sc, const Calibration& cal, const std::string& command = "");

}  // namespace geosim
