// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include "crucible/engine/engine.hpp"
#include "support.hpp"

using namespace crucible;

namespace {
struct Tx : ::testing::Test {
  testkit::TempDir dir;
  Engine engine = create_engine(dir.url("tx.db"));
  void SetUp() override {
    auto c = engine.connect();
    c.execute("CREATE TABLE t (x INTEGER)");
    c.commit();
  }
  std::int64_t count() { return engine.connect().scalar<std::int64_t>("SELECT count(*) FROM t"); }
};
}  // namespace

TEST_F(Tx, AutobeginCommitAsYouGo) {
  auto c = engine.connect();
  c.execute("INSERT INTO t VALUES (1)");
  EXPECT_TRUE(c.in_transaction());
  c.commit();
  EXPECT_FALSE(c.in_transaction());
  c.execute("INSERT INTO t VALUES (2)");
  c.close();  // uncommitted: rolled back
  EXPECT_EQ(count(), 1);
}

TEST_F(Tx, ExplicitCommitAndRollback) {
  auto c = engine.connect();
  {
    auto tx = c.begin();
    c.execute("INSERT INTO t VALUES (1)");
    tx.commit();
    EXPECT_FALSE(tx.is_active());
    EXPECT_THROW(tx.commit(), InvalidRequestError);
  }
  {
    auto tx = c.begin();
    c.execute("INSERT INTO t VALUES (2)");
    tx.rollback();
  }
  EXPECT_EQ(count(), 1);
}

TEST_F(Tx, DestructorRollsBack) {
  auto c = engine.connect();
  {
    auto tx = c.begin();
    c.execute("INSERT INTO t VALUES (1)");
  }
  EXPECT_FALSE(c.in_transaction());
  EXPECT_EQ(count(), 0);
}

TEST_F(Tx, BeginTwiceIsAnError) {
  auto c = engine.connect();
  c.execute("SELECT 1");
  EXPECT_THROW(c.begin(), InvalidRequestError);
}

TEST_F(Tx, NestedSavepoints) {
  auto c = engine.connect();
  auto tx = c.begin();
  c.execute("INSERT INTO t VALUES (1)");
  {
    auto sp = c.begin_nested();
    c.execute("INSERT INTO t VALUES (2)");
    {
      auto inner = c.begin_nested();
      c.execute("INSERT INTO t VALUES (3)");
      inner.commit();
    }
    sp.rollback();  // drops 2 and 3
  }
  {
    auto sp = c.begin_nested();
    c.execute("INSERT INTO t VALUES (4)");
    sp.commit();
  }
  {
    auto sp = c.begin_nested();
    c.execute("INSERT INTO t VALUES (5)");
  }  // destructor: ROLLBACK TO SAVEPOINT
  tx.commit();
  auto values = engine.connect().execute("SELECT x FROM t ORDER BY x").scalars<std::int64_t>();
  EXPECT_EQ(values, (std::vector<std::int64_t>{1, 4}));
}

TEST_F(Tx, OuterRollbackDeactivatesSavepoint) {
  auto c = engine.connect();
  auto tx = c.begin();
  auto sp = c.begin_nested();
  c.execute("INSERT INTO t VALUES (1)");
  tx.rollback();
  EXPECT_FALSE(sp.is_active());
  EXPECT_NO_THROW(sp.rollback());
  EXPECT_EQ(count(), 0);
}

// After a guard's rollback() the Connection refuses to begin anew while the guard is in scope
// (a statement there would silently open a transaction nothing ends), as SQLAlchemy does inside
// `with conn.begin():`; once the guard is gone it autobegins again.
TEST_F(Tx, RolledBackGuardRefusesUntilItsScopeEnds) {
  auto c = engine.connect();
  {
    auto tx = c.begin();
    c.execute("INSERT INTO t VALUES (1)");
    tx.rollback();
    EXPECT_THROW(c.execute("INSERT INTO t VALUES (2)"), InvalidRequestError);
    EXPECT_THROW(c.begin(), InvalidRequestError);
    EXPECT_FALSE(c.in_transaction());
    Transaction moved = std::move(tx);  // the refusal moves with the guard
    EXPECT_THROW(c.execute("INSERT INTO t VALUES (3)"), InvalidRequestError);
  }
  c.execute("INSERT INTO t VALUES (4)");
  c.commit();
  EXPECT_EQ(count(), 1);
  // A savepoint's rollback() continues the outer transaction; a commit() ends the guard's work
  // as written, and the destructor's rollback refuses nothing.
  {
    auto tx = c.begin();
    auto sp = c.begin_nested();
    c.execute("INSERT INTO t VALUES (5)");
    sp.rollback();
    c.execute("INSERT INTO t VALUES (6)");
    tx.commit();
  }
  { auto tx = c.begin(); }
  c.execute("INSERT INTO t VALUES (7)");
  c.commit();
  EXPECT_EQ(count(), 3);
}
