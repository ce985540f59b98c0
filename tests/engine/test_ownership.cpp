// Types that keep a reference to what they are given refuse temporaries, so that
// `Model m(load_scenario(f));` does not compile instead of dangling (docs/architecture.md).
#include <catch2/catch.hpp>

#include <string>
#include <type_traits>

#include "analysis/sweep/store.h"
#include "engine/model/model.h"

using namespace geosim;

TEST_CASE("a model and a result store cannot be built from a temporary they would outlive", "[engine][types]") {
  CHECK(std::is_constructible_v<Model, const Scenario&>);
  CHECK(std::is_constructible_v<Model, Scenario&>);
  CHECK_FALSE(std::is_constructible_v<Model, Scenario&&>);
  CHECK_FALSE(std::is_constructible_v<Model, Scenario>);
  CHECK(std::is_constructible_v<ResultStore, const std::string&, const SweepPlan&, const StoreOptions&>);
  CHECK_FALSE(std::is_constructible_v<ResultStore, const std::string&, SweepPlan&&, const StoreOptions&>);
  CHECK_FALSE(std::is_constructible_v<ResultStore, std::string, SweepPlan, StoreOptions>);
}
