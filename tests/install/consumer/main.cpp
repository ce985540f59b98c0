// Runs a scenario through the installed engine and prints each outcome's count.
#include <iostream>

#include "engine/runner/monte_carlo.h"
#include "engine/scenario/loader.h"

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  geosim::Scenario sc = geosim::load_scenario(argv[1]);
  geosim::Model model(sc);
  geosim::RunOptions opts;
  opts.runs = 2000;
  opts.seed = 7;
  geosim::Accumulator acc = geosim::run_monte_carlo(model, opts);
  for (size_t i = 0; i < sc.outcomes.size(); ++i)
    std::cout << sc.outcomes[i].id << " " << acc.outcome_counts()[i] << "\n";
  return acc.runs() == opts.runs ? 0 : 1;
}
