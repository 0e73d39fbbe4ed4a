// SPDX-License-Identifier: MIT
// PostgreSQL errors through the engine: SQLSTATE classification, deadlocks, lost connections.
#include <atomic>
#include <chrono>
#include <future>
#include <string>

#include "engine/postgresql/pg_support.hpp"

namespace crucible {
namespace {

class PostgresqlErrors : public testkit::PostgresqlTest {};

TEST_F(PostgresqlErrors, UniqueViolationIsAnIntegrityErrorWithSqlAndSqlstate) {
  const auto name = table("unique");
  auto conn = engine().connect();
  conn.execute("CREATE TABLE " + name + " (id bigint PRIMARY KEY, email text UNIQUE)");
  conn.execute("INSERT INTO " + name + " VALUES (1, 'a@example.com')");
  const std::string insert = "INSERT INTO " + name + " VALUES (:id, :email)";
  try {
    conn.execute(insert, {{"id", 2}, {"email", "a@example.com"}});
    FAIL() << "duplicate accepted";
  } catch (const IntegrityError& e) {
    EXPECT_EQ(e.sqlstate(), "23505");
    EXPECT_EQ(e.info().backend, "postgresql");
    EXPECT_FALSE(e.retryable());
    EXPECT_FALSE(e.is_disconnect());
    const std::string message = e.what();
    EXPECT_NE(message.find("duplicate key value violates unique constraint"), std::string::npos) << message;
    EXPECT_NE(message.find("INSERT INTO " + name + " VALUES ($1, $2)"), std::string::npos) << message;
    EXPECT_NE(message.find("a@example.com"), std::string::npos) << message;  // parameters shown
  }
  // The transaction is aborted (25P02) until rolled back; then the connection works again.
  EXPECT_THROW(conn.execute("SELECT 1"), DBAPIError);
  conn.rollback();
  EXPECT_EQ(conn.scalar<std::int64_t>("SELECT 1"), 1);
}

TEST_F(PostgresqlErrors, ClassifiesCommonFailures) {
  auto conn = engine().connect();
  EXPECT_THROW(conn.execute("SELEC 1"), ProgrammingError);
  conn.rollback();
  EXPECT_THROW(conn.execute("SELECT 1 / :z", {{"z", 0}}), DataError);
  conn.rollback();
  EXPECT_THROW(conn.execute("SELECT * FROM crucible_missing_table"), ProgrammingError);
  conn.rollback();
}

TEST_F(PostgresqlErrors, DeadlockIsARetryableOperationalError) {
  const auto name = table("deadlock");
  auto eng = engine();
  {
    auto setup = eng.connect();
    setup.execute("CREATE TABLE " + name + " (id int PRIMARY KEY, v int)");
    setup.execute("INSERT INTO " + name + " VALUES (1, 0), (2, 0)");
    setup.commit();
  }
  auto first = eng.connect();
  auto second = eng.connect();
  for (auto* c : {&first, &second}) {
    try {
      c->exec_driver_sql("SET deadlock_timeout = '100ms'");  // superuser only: else 1 s
    } catch (const DBAPIError&) {
    }
  }
  const std::string update = "UPDATE " + name + " SET v = v + 1 WHERE id = :id";
  first.execute(update, {{"id", 1}});
  second.execute(update, {{"id", 2}});
  // Each now waits for the row the other holds: the server picks one victim.
  auto crossing = std::async(std::launch::async, [&] {
    try {
      second.execute(update, {{"id", 1}});
      return std::string();
    } catch (const OperationalError& e) {
      return std::string(e.retryable() ? "retryable " : "final ") + e.sqlstate();
    }
  });
  std::string here;
  try {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    first.execute(update, {{"id", 2}});
  } catch (const OperationalError& e) {
    here = std::string(e.retryable() ? "retryable " : "final ") + e.sqlstate();
    first.rollback();  // lets the other side go on
  }
  const std::string there = crossing.get();
  if (here.empty()) {
    EXPECT_EQ(there, "retryable 40P01");
  } else {
    EXPECT_EQ(here, "retryable 40P01");
    EXPECT_EQ(there, "");
  }
  first.rollback();
  second.rollback();
}

TEST_F(PostgresqlErrors, TerminatedBackendIsADisconnectAndPrePingReplacesIt) {
  auto eng = engine({.pool_size = 1, .max_overflow = 0, .pool_pre_ping = true});
  auto admin = engine({.pool_class = PoolClass::null_pool});
  const auto terminate = [&](std::int64_t pid) {
    auto c = admin.connect();
    // The timeout makes it wait until the backend has gone (PostgreSQL 14+).
    c.execute("SELECT pg_terminate_backend(:pid, 5000)", {{"pid", pid}});
    c.commit();
  };

  // 1. In use: the next statement fails with a disconnect error and the pool invalidates it.
  std::int64_t pid = 0;
  {
    auto conn = eng.connect();
    pid = conn.scalar<std::int64_t>("SELECT pg_backend_pid()");
    conn.commit();
    terminate(pid);
    try {
      conn.execute("SELECT 1");
      FAIL() << "a terminated backend answered";
    } catch (const DBAPIError& e) {
      EXPECT_TRUE(e.is_disconnect()) << e.what();
      EXPECT_NE(dynamic_cast<const OperationalError*>(&e), nullptr) << e.what();
    }
  }
  std::int64_t next = 0;
  {
    auto conn = eng.connect();  // a new connection replaced the invalidated one
    next = conn.scalar<std::int64_t>("SELECT pg_backend_pid()");
    EXPECT_NE(next, pid);
  }

  // 2. Idle in the pool: pre_ping notices at checkout and replaces it transparently.
  terminate(next);
  auto conn = eng.connect();
  EXPECT_EQ(conn.scalar<std::int64_t>("SELECT 1"), 1);
  EXPECT_NE(conn.scalar<std::int64_t>("SELECT pg_backend_pid()"), next);
}

TEST_F(PostgresqlErrors, ATransactionWhoseBackendIsTerminatedCommitsNothing) {
  const auto name = table("terminated");
  auto eng = engine({.pool_size = 2, .max_overflow = 0});
  {
    auto setup = eng.connect();
    setup.execute("CREATE TABLE " + name + " (id int PRIMARY KEY)");
    setup.commit();
  }
  auto conn = eng.connect();
  conn.execute("INSERT INTO " + name + " VALUES (1)");
  const auto pid = conn.scalar<std::int64_t>("SELECT pg_backend_pid()");
  {
    auto admin = engine({.pool_class = PoolClass::null_pool}).connect();
    admin.execute("SELECT pg_terminate_backend(:pid, 5000)", {{"pid", pid}});
    admin.commit();
  }
  // Whether the next call is a statement or the COMMIT, it is a typed disconnect error.
  try {
    conn.commit();
    FAIL() << "a transaction whose backend was terminated committed";
  } catch (const OperationalError& e) {
    EXPECT_TRUE(e.is_disconnect()) << e.what();
    EXPECT_FALSE(e.retryable()) << e.what();
  }
  conn.close();
  auto check = eng.connect();  // the pool was invalidated: a fresh connection
  EXPECT_NE(check.scalar<std::int64_t>("SELECT pg_backend_pid()"), pid);
  EXPECT_EQ(check.scalar<std::int64_t>("SELECT count(*) FROM " + name), 0);
}

// libpq reports no transaction at all once it has seen the socket drop: the COMMIT that follows
// a failed statement must still fail, never return as if the earlier INSERT had been kept.
TEST_F(PostgresqlErrors, CommitAfterADisconnectErrorStillRaises) {
  const auto name = table("terminated_then_commit");
  auto eng = engine({.pool_size = 2, .max_overflow = 0});
  {
    auto setup = eng.connect();
    setup.execute("CREATE TABLE " + name + " (id int PRIMARY KEY)");
    setup.commit();
  }
  auto conn = eng.connect();
  conn.execute("INSERT INTO " + name + " VALUES (1)");
  const auto pid = conn.scalar<std::int64_t>("SELECT pg_backend_pid()");
  {
    auto admin = engine({.pool_class = PoolClass::null_pool}).connect();
    admin.execute("SELECT pg_terminate_backend(:pid, 5000)", {{"pid", pid}});
    admin.commit();
  }
  EXPECT_THROW(conn.execute("INSERT INTO " + name + " VALUES (2)"), OperationalError);
  try {
    conn.commit();
    FAIL() << "COMMIT after a lost connection reported success";
  } catch (const OperationalError& e) {
    EXPECT_TRUE(e.is_disconnect()) << e.what();
    EXPECT_EQ(e.sql(), "COMMIT");
  }
  conn.rollback();  // nothing left to roll back: quiet
  conn.close();
  EXPECT_EQ(eng.connect().scalar<std::int64_t>("SELECT count(*) FROM " + name), 0);
}

TEST_F(PostgresqlErrors, ConnectFailureIsAnOperationalError) {
  Url url = Url::parse(this->url());
  url.database = "crucible_no_such_database";
  auto eng = create_engine(url.to_string(false));
  try {
    eng.connect();
    FAIL();
  } catch (const OperationalError& e) {
    EXPECT_EQ(e.sqlstate(), "08001");
    EXPECT_NE(std::string(e.what()).find("crucible_no_such_database"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace crucible
