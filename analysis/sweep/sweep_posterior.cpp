// A sweep's runs from a calibration's posterior (the spec's `posterior:` key). Apart from
// spec.cpp so that reading a spec needs nothing of the calibration code.
#include "analysis/calibrate/posterior.h"
#include "analysis/sweep/sweep.h"
#include "engine/output/files.h"

namespace geosim {

void load_sweep_posterior(SweepPlan& plan) {
  const SweepSpec& spec = plan.spec;
  if (spec.posterior.empty()) return;
  // The points' runs draw from the posterior: a parameter the spec sweeps stays the point's.
  std::string text;
  try {
    auto post = std::make_shared<PosteriorSample>(load_posterior(plan.scenario, spec.posterior));
    plan.per_run = std::make_shared<PosteriorDraw>(*post, plan.scenario);
    plan.posterior = post;
    text = read_input_file(post->file, size_t{1} << 30);
  } catch (const InputError& e) {
    std::vector<Diagnostic> ds = e.diagnostics();
    // The calibration's reader speaks of the command line's --posterior; here the spec's key
    // names the folder.
    for (Diagnostic& d : ds)
      for (std::string* text : {&d.message, &d.hint})
        for (size_t at = text->find("--posterior"); at != std::string::npos; at = text->find("--posterior", at))
          text->replace(at, 11, "the spec's `posterior:`");
    ds.insert(ds.begin(), Diagnostic{spec.posterior_loc, "the spec's `posterior:` cannot be used", ""});
    throw InputError(std::move(ds));
  }
  plan.hash = hash_hex(plan.hash + "\nposterior\n" + text);
}

}  // namespace geosim
