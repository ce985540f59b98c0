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

// The ids of a scenario's entities are types of their own: an actor's id is not a lever's, a
// parameter's or a number, and it becomes an index only when asked.
TEST_CASE("entity ids do not mix with each other or with numbers", "[engine][types]") {
  CHECK_FALSE(std::is_convertible_v<int, ActorId>);
  CHECK_FALSE(std::is_convertible_v<size_t, ParamId>);
  CHECK_FALSE(std::is_convertible_v<ActorId, int>);
  CHECK_FALSE(std::is_convertible_v<ParamId, size_t>);
  CHECK_FALSE(std::is_constructible_v<ActorId, LeverId>);
  CHECK_FALSE(std::is_constructible_v<ParamId, ActorId>);
  CHECK_FALSE(std::is_constructible_v<EventId, bool>);
  CHECK_FALSE(std::is_assignable_v<LeverId&, EventId>);
  CHECK_FALSE(std::is_assignable_v<ActorId&, int>);
  CHECK(std::is_constructible_v<ActorId, size_t>);  // explicitly
  CHECK(std::is_constructible_v<size_t, ActorId>);  // static_cast<size_t>(id)
  CHECK_FALSE(ActorId().valid());
  CHECK_FALSE(kNoParam.valid());
  CHECK(ActorId(3).index() == 3);
  CHECK(ActorId(3) == ActorId(size_t{3}));
  CHECK(ActorId(2) < ActorId(3));
  CHECK(ActorId(2) != ActorId());
}

TEST_CASE("state variables of an actor's stance, an event and a lever", "[engine][types]") {
  Scenario sc;
  sc.actors.resize(4);
  sc.stance_var0 = 10;
  sc.fired_var0 = 30;
  sc.lever_var0 = 40;
  CHECK(sc.stance_var(ActorId(2)) == 12);
  CHECK(sc.stance_var(ActorId(2), 1) == 16);  // issue-major
  CHECK(sc.fired_var(EventId(5)) == 35);
  CHECK(sc.lever_var(LeverId(1)) == 41);
}
