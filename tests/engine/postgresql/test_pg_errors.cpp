// SPDX-License-Identifier: MIT
// PostgreSQL errors through the engine: the SQLSTATEs of the server, the transaction a failed
// statement aborts, deadlocks. How every backend translates errors, and lost sessions, are in
// tests/dialect_suite/.
#include <string>

#include "engine/server_support.hpp"

namespace crucible {
namespace {

class PostgresqlErrors : public testkit::PostgresqlTest {};

TEST_F(PostgresqlErrors, UniqueViolationIs23505AndAbortsTheTransaction) {
  auto conn = engine().connect();
  const IntegrityError e = testkit::unique_violation(conn, table("unique"));
  EXPECT_EQ(e.sqlstate(), "23505");
  EXPECT_EQ(e.info().backend, "postgresql");
  EXPECT_NE(std::string(e.what()).find("duplicate key value violates unique constraint"), std::string::npos)
      << e.what();
  // The transaction is aborted (25P02) until rolled back; then the connection works again.
  EXPECT_THROW(conn.execute("SELECT 1"), DBAPIError);
  conn.rollback();
  EXPECT_EQ(conn.scalar<std::int64_t>("SELECT 1"), 1);
}

// (SQLite and MariaDB return NULL.)
TEST_F(PostgresqlErrors, DivisionByZeroIsADataError) {
  auto conn = engine().connect();
  EXPECT_THROW(conn.execute("SELECT 1 / :z", {{"z", 0}}), DataError);
  conn.rollback();
  EXPECT_EQ(conn.scalar<std::int64_t>("SELECT 1"), 1);
}

TEST_F(PostgresqlErrors, DeadlockIs40P01AndRetryable) {
  auto eng = engine();
  const auto describe = [](const OperationalError& e) {
    return std::string(e.retryable() ? "retryable " : "final ") + e.sqlstate();
  };
  const auto quick = [](Connection& c) {
    try {
      c.exec_driver_sql("SET deadlock_timeout = '100ms'");  // superuser only: else 1 s
    } catch (const DBAPIError&) {
    }
  };
  EXPECT_EQ(testkit::deadlock_victim(eng, table("deadlock"), describe, quick), "retryable 40P01");
}

TEST_F(PostgresqlErrors, ConnectFailureIsAnOperationalErrorWith08001) {
  EXPECT_EQ(testkit::missing_database_error(url()).sqlstate(), "08001");
}

}  // namespace
}  // namespace crucible
