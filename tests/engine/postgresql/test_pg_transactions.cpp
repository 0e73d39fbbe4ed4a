// SPDX-License-Identifier: MIT
// PostgreSQL transactions through the engine: autobegin, savepoints, isolation levels.
#include <string>

#include "engine/postgresql/pg_support.hpp"

namespace crucible {
namespace {

class PostgresqlTransactions : public testkit::PostgresqlTest {};

TEST_F(PostgresqlTransactions, CommitRollbackAndSavepoints) {
  const auto name = table("tx");
  auto eng = engine();
  auto conn = eng.connect();
  conn.execute("CREATE TABLE " + name + " (id int PRIMARY KEY)");
  conn.commit();
  const auto count = [&] { return conn.scalar<std::int64_t>("SELECT count(*) FROM " + name); };

  conn.execute("INSERT INTO " + name + " VALUES (1)");
  EXPECT_TRUE(conn.in_transaction());
  conn.rollback();
  EXPECT_FALSE(conn.in_transaction());
  EXPECT_EQ(count(), 0);

  {
    auto tx = conn.begin_nested();  // autobegins the outer transaction
    conn.execute("INSERT INTO " + name + " VALUES (1)");
    {
      auto inner = conn.begin_nested();
      conn.execute("INSERT INTO " + name + " VALUES (2)");
      inner.rollback();
    }
    EXPECT_EQ(count(), 1);
    // A failure inside a savepoint leaves the outer transaction usable after its rollback.
    {
      auto inner = conn.begin_nested();
      EXPECT_THROW(conn.execute("INSERT INTO " + name + " VALUES (1)"), IntegrityError);
      inner.rollback();
    }
    tx.commit();
  }
  conn.commit();
  EXPECT_EQ(count(), 1);

  // Another connection sees only committed work.
  conn.execute("INSERT INTO " + name + " VALUES (3)");
  auto other = eng.connect();
  EXPECT_EQ(other.scalar<std::int64_t>("SELECT count(*) FROM " + name), 1);
  conn.commit();
  other.rollback();
  EXPECT_EQ(other.scalar<std::int64_t>("SELECT count(*) FROM " + name), 2);
}

TEST_F(PostgresqlTransactions, IsolationLevelIsVisibleInTheTransaction) {
  auto eng = engine();
  auto conn = eng.connect();
  EXPECT_EQ(conn.isolation_level(), IsolationLevel::read_committed);
  EXPECT_EQ(conn.scalar<std::string>("SHOW transaction_isolation"), "read committed");
  conn.rollback();
  for (auto [level, shown] : {std::pair{IsolationLevel::serializable, "serializable"},
                              std::pair{IsolationLevel::repeatable_read, "repeatable read"},
                              std::pair{IsolationLevel::read_uncommitted, "read uncommitted"},
                              std::pair{IsolationLevel::read_committed, "read committed"}}) {
    conn.set_isolation_level(level);
    EXPECT_EQ(conn.scalar<std::string>("SHOW transaction_isolation"), shown);
    conn.rollback();
  }
  conn.set_isolation_level(IsolationLevel::serializable);
  conn.close();  // the level is reset when the connection goes back to the pool
  auto again = eng.connect();
  EXPECT_EQ(again.scalar<std::string>("SHOW transaction_isolation"), "read committed");
}

TEST_F(PostgresqlTransactions, EngineDefaultIsolationAndAutocommit) {
  auto eng = engine({.isolation_level = IsolationLevel::repeatable_read});
  auto conn = eng.connect();
  EXPECT_EQ(conn.scalar<std::string>("SHOW transaction_isolation"), "repeatable read");
  conn.rollback();

  const auto name = table("autocommit");
  conn.set_isolation_level(IsolationLevel::autocommit);
  conn.execute("CREATE TABLE " + name + " (id int)");
  EXPECT_FALSE(conn.in_transaction());
  conn.execute("INSERT INTO " + name + " VALUES (1)");  // committed at once
  auto other = eng.connect();
  EXPECT_EQ(other.scalar<std::int64_t>("SELECT count(*) FROM " + name), 1);
}

}  // namespace
}  // namespace crucible
