// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include <tuple>
#include <vector>

#include "crucible/engine/engine.hpp"
#include "crucible/sql/text.hpp"
#include "support.hpp"

using namespace crucible;

TEST(Connection, ExecuteRawSqlAndStream) {
  auto engine = create_engine("sqlite://");
  auto conn = engine.connect();
  conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
  auto r = conn.execute("INSERT INTO users (name) VALUES (:name)", {{"name", "alice"}});
  EXPECT_EQ(r.rows_affected(), 1);
  EXPECT_EQ(r.inserted_primary_key(), 1);
  conn.execute("INSERT INTO users (name) VALUES (:name)", {{"name", "bob"}});
  std::vector<std::string> names;
  for (const Row& row : conn.execute("SELECT id, name FROM users ORDER BY id"))
    names.push_back(row.get<std::string>("name"));
  EXPECT_EQ(names, (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(conn.scalar<std::int64_t>("SELECT count(*) FROM users"), 2);
}

TEST(Connection, ExecuteManyTuplesAndParams) {
  testkit::TempDir dir;
  auto engine = create_engine(dir.url("many.db"));
  auto conn = engine.connect();
  conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT)");
  std::vector<std::tuple<std::int64_t, std::string, std::string>> rows;
  for (int i = 1; i <= 1000; ++i) rows.emplace_back(i, "a" + std::to_string(i), "b");
  auto stmt = text("INSERT INTO t (id, a, b) VALUES (:id, :a, :b)");
  EXPECT_EQ(conn.execute_many(stmt, rows).rows_affected(), 1000);
  std::vector<Params> more{{{"id", 1001}, {"a", "x"}, {"b", "y"}}, {{"id", 1002}, {"a", "z"}, {"b", "w"}}};
  EXPECT_EQ(conn.execute_many(stmt, more).rows_affected(), 2);
  // Repeated names bind to the same tuple element.
  std::vector<std::tuple<std::int64_t, std::string>> twice{{2000, "same"}};
  conn.execute_many(text("INSERT INTO t (id, a, b) VALUES (:id, :v, :v)"), twice);
  conn.commit();
  EXPECT_EQ(conn.scalar<std::string>("SELECT b FROM t WHERE id = 2000"), "same");
  EXPECT_EQ(conn.scalar<std::int64_t>("SELECT count(*) FROM t"), 1003);
  std::vector<std::tuple<std::int64_t>> wrong{{1}};
  EXPECT_THROW(conn.execute_many(stmt, wrong), TypeError);
}

TEST(Connection, StatementBuiltOncePreparesOnce) {
  auto engine = create_engine("sqlite://");
  auto conn = engine.connect();
  conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
  conn.execute("INSERT INTO t VALUES (1, 'one')");
  auto stmt = text("SELECT v FROM t WHERE id = :id");
  const auto before = conn.driver_connection().statements_prepared();
  for (int i = 0; i < 100; ++i) EXPECT_EQ(conn.scalar<std::string>(stmt, {{"id", 1}}), "one");
  EXPECT_EQ(conn.driver_connection().statements_prepared(), before + 1);
}

TEST(Connection, MissingParameterIsArgumentError) {
  auto engine = create_engine("sqlite://");
  auto conn = engine.connect();
  EXPECT_THROW(conn.execute("SELECT :x"), ArgumentError);
}

TEST(Connection, APlaceholderTheCompilerDidNotSeeIsAnArgumentErrorEveryTime) {
  // A bare '?' in text SQL is a placeholder to SQLite but no bind slot: nothing could be bound to
  // it. The second execution reads the statement's placeholder count from the driver's cache.
  auto engine = create_engine("sqlite://");
  auto conn = engine.connect();
  conn.execute("CREATE TABLE t (x INTEGER)");
  for (int run = 0; run < 2; ++run) {
    try {
      conn.execute("SELECT ? + :n", {{"n", 1}});
      ADD_FAILURE() << "no error on run " << run;
    } catch (const ArgumentError& e) {
      EXPECT_NE(std::string(e.what()).find("2 placeholders but 1 bind slots: SELECT ? + ?"), std::string::npos)
          << e.what();
    }
  }
  EXPECT_THROW(conn.execute_many(text("INSERT INTO t (x) VALUES (?)"), std::vector<Params>(2)), ArgumentError);
  EXPECT_EQ(conn.scalar<std::int64_t>("SELECT count(*) FROM t"), 0);
}

TEST(Connection, MemoryDatabaseSharedAcrossConnections) {
  auto engine = create_engine("sqlite:///:memory:");
  {
    auto c = engine.connect();
    c.execute("CREATE TABLE t (x)");
    c.execute("INSERT INTO t VALUES (1)");
    c.commit();
  }
  auto c = engine.connect();
  EXPECT_EQ(c.scalar<std::int64_t>("SELECT count(*) FROM t"), 1);
  EXPECT_EQ(engine.pool().name(), "StaticPool");
}

TEST(Connection, MemoryDatabaseBehindNullPoolOrQueuePoolIsOneDatabasePerEngine) {
  for (PoolClass pool_class : {PoolClass::null_pool, PoolClass::queue}) {
    auto engine = create_engine("sqlite:///:memory:", {.pool_class = pool_class, .pool_size = 2});
    {
      auto c = engine.connect();  // NullPool: this connection is closed at the end of the block
      c.execute("CREATE TABLE t (x)");
      c.execute("INSERT INTO t VALUES (1)");
      c.commit();
    }
    auto a = engine.connect();
    auto b = engine.connect();  // a second, simultaneous connection sees the same rows
    EXPECT_EQ(a.scalar<std::int64_t>("SELECT count(*) FROM t"), 1);
    a.rollback();  // a reader's open transaction would hold off the writer, as in a file database
    b.execute("INSERT INTO t VALUES (2)");
    b.commit();
    EXPECT_EQ(a.scalar<std::int64_t>("SELECT count(*) FROM t"), 2);
    // Another engine has a database of its own.
    auto other = create_engine("sqlite:///:memory:", {.pool_class = pool_class});
    auto o = other.connect();
    EXPECT_THROW(o.execute("SELECT count(*) FROM t"), ProgrammingError);  // no such table
  }
}

TEST(Connection, FileEngineUsesQueuePoolAndReturnsConnections) {
  testkit::TempDir dir;
  auto engine = create_engine(dir.url("q.db"), {.pool_size = 2});
  EXPECT_EQ(engine.pool().name(), "QueuePool");
  {
    auto a = engine.connect();
    auto b = engine.connect();
    EXPECT_EQ(engine.pool().status_info().checked_out, 2u);
  }
  EXPECT_EQ(engine.pool().status_info().checked_in, 2u);
}

TEST(Connection, BackendsOpenLazilyAndFailClearly) {
  EXPECT_THROW(create_engine("nonsense"), ArgumentError);
  EXPECT_THROW(create_engine("oracle://u@h/db"), ArgumentError);
#if CRUCIBLE_HAVE_POSTGRESQL
  // Nothing listens on port 1: the engine is created, the first connect fails as a disconnect.
  auto engine = create_engine("postgresql://u@127.0.0.1:1/db?connect_timeout=2");
  try {
    (void)engine.connect();
    FAIL() << "expected OperationalError";
  } catch (const OperationalError& e) {
    EXPECT_TRUE(e.is_disconnect());
    EXPECT_EQ(e.info().backend, "postgresql");
  }
#else
  EXPECT_THROW(create_engine("postgresql://u@h/db"), NotSupportedError);
#endif
}

TEST(Connection, ClosedConnectionRejectsUse) {
  auto engine = create_engine("sqlite://");
  auto conn = engine.connect();
  conn.close();
  EXPECT_TRUE(conn.closed());
  EXPECT_THROW(conn.execute("SELECT 1"), InvalidRequestError);
}

TEST(Connection, IsolationLevels) {
  testkit::TempDir dir;
  auto engine = create_engine(dir.url("iso.db"));
  auto conn = engine.connect();
  conn.set_isolation_level(IsolationLevel::autocommit);
  conn.execute("CREATE TABLE t (x)");
  conn.execute("INSERT INTO t VALUES (1)");
  EXPECT_FALSE(conn.in_transaction());  // no autobegin
  conn.set_isolation_level(IsolationLevel::read_uncommitted);
  EXPECT_EQ(conn.scalar<std::int64_t>("PRAGMA read_uncommitted"), 1);
  EXPECT_THROW(conn.set_isolation_level(IsolationLevel::read_committed), ArgumentError);
  conn.close();
  auto again = engine.connect();  // restored on return
  EXPECT_EQ(again.scalar<std::int64_t>("PRAGMA read_uncommitted"), 0);
}
