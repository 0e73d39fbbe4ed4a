// SPDX-License-Identifier: MIT
// Session rules that need no database: the object-state transition table, and the scoped-session
// registry handing out one session per scope (per thread by default). Session behaviour against
// a database is in tests/orm_suite, on every backend.
#include <gtest/gtest.h>

#include <cstdint>
#include <thread>

#include "crucible/crucible.hpp"

namespace orm_suite {
namespace {

using namespace crucible;

// Issue 20.6: the ORM's own flush failures share SQLAlchemy's FlushError base.
TEST(FlushErrors, CircularDependencyIsAFlushError) {
  static_assert(std::is_base_of_v<FlushError, CircularDependencyError>);
  static_assert(std::is_base_of_v<InvalidRequestError, FlushError>);
  EXPECT_THROW(throw CircularDependencyError("cycle"), FlushError);
}

TEST(ObjectStates, TransitionTableIsTheSeedDiagram) {
  using S = ObjectState;
  EXPECT_TRUE(allowed_transition(S::transient, S::pending));
  EXPECT_TRUE(allowed_transition(S::pending, S::persistent));
  EXPECT_TRUE(allowed_transition(S::persistent, S::deleted));
  EXPECT_TRUE(allowed_transition(S::deleted, S::detached));
  EXPECT_TRUE(allowed_transition(S::persistent, S::detached));
  EXPECT_FALSE(allowed_transition(S::transient, S::deleted));
  EXPECT_FALSE(allowed_transition(S::pending, S::deleted));
  EXPECT_FALSE(allowed_transition(S::detached, S::deleted));
  EXPECT_EQ(to_string(S::persistent), "persistent");
}

TEST(ScopedSessions, ScopedSessionGivesOneSessionPerScope) {
  auto engine = create_engine("sqlite:///:memory:");
  std::uintptr_t scope = 1;
  int configured = 0;
  ScopedSession db(engine, {}, [&] { return scope; }, [&](Session&) { ++configured; });
  Session& first = db();
  EXPECT_EQ(&db(), &first);
  scope = 2;
  EXPECT_NE(&db(), &first);
  EXPECT_EQ(db.size(), 2u);
  db.remove();
  EXPECT_EQ(db.size(), 1u);
  EXPECT_EQ(configured, 2);
  ScopedSession per_thread(engine);
  Session* main_session = &per_thread();
  Session* other = nullptr;
  std::thread([&] { other = &per_thread(); }).join();
  EXPECT_NE(main_session, other);
}

}  // namespace
}  // namespace orm_suite
