// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include <thread>

#include "crucible/engine/engine.hpp"
#include "crucible/sql/text.hpp"
#include "support.hpp"

using namespace crucible;

namespace {
struct Errors : ::testing::Test {
  Engine engine = create_engine("sqlite://");
  Connection conn = engine.connect();
  void SetUp() override {
    conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL, "
                 "age INTEGER CHECK (age >= 0))");
    conn.execute("CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id))");
    conn.execute("INSERT INTO users (id, email, age) VALUES (1, 'a@x', 1)");
  }
};
}  // namespace

TEST_F(Errors, IntegrityErrorsCarrySqlAndParameters) {
  try {
    conn.execute("INSERT INTO users (email, age) VALUES (:email, :age)", {{"email", "a@x"}, {"age", 3}});
    FAIL();
  } catch (const IntegrityError& e) {
    EXPECT_EQ(e.sql(), "INSERT INTO users (email, age) VALUES (?, ?)");
    EXPECT_EQ(e.info().parameters, (std::vector<std::string>{"'a@x'", "3"}));
    EXPECT_NE(std::string(e.what()).find("UNIQUE"), std::string::npos);
    EXPECT_FALSE(e.retryable());
  }
  EXPECT_THROW(conn.execute("INSERT INTO posts (user_id) VALUES (99)"), IntegrityError);   // FK
  EXPECT_THROW(conn.execute("INSERT INTO users (id) VALUES (5)"), IntegrityError);         // NOT NULL
  EXPECT_THROW(conn.execute("INSERT INTO users (email, age) VALUES ('b', -1)"), IntegrityError);  // CHECK
  // The connection stays usable.
  EXPECT_EQ(conn.scalar<std::int64_t>("SELECT count(*) FROM users"), 1);
}

TEST_F(Errors, ExecuteManyErrorNamesTheRow) {
  std::vector<std::tuple<std::string, int>> rows{{"new@x", 1}, {"a@x", 2}};
  try {
    conn.execute_many(text("INSERT INTO users (email, age) VALUES (:e, :a)"), rows);
    FAIL();
  } catch (const IntegrityError& e) {
    EXPECT_EQ(e.info().parameters, (std::vector<std::string>{"'a@x'", "2"}));
    EXPECT_NE(std::string(e.what()).find("parameter set 2"), std::string::npos);
  }
}

TEST(ErrorsRedaction, HideParameters) {
  auto engine = create_engine("sqlite://", {.hide_parameters = true});
  auto conn = engine.connect();
  conn.execute("CREATE TABLE s (k TEXT PRIMARY KEY)");
  conn.execute("INSERT INTO s VALUES (:k)", {{"k", "secret-token"}});
  try {
    conn.execute("INSERT INTO s VALUES (:k)", {{"k", "secret-token"}});
    FAIL();
  } catch (const IntegrityError& e) {
    EXPECT_EQ(std::string(e.what()).find("secret-token"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("[redacted]"), std::string::npos);
  }
}

TEST_F(Errors, SyntaxErrorIsProgrammingError) {
  EXPECT_THROW(conn.execute("SELEC 1"), ProgrammingError);
  EXPECT_THROW(conn.execute("SELECT * FROM nope"), ProgrammingError);
  EXPECT_EQ(conn.scalar<int>("SELECT 1"), 1);
}

TEST(ErrorsBusy, LockedDatabaseIsRetryableOperationalError) {
  testkit::TempDir dir;
  EngineOptions opts;
  opts.sqlite.busy_timeout = std::chrono::milliseconds(50);
  auto engine = create_engine(dir.url("busy.db"), opts);
  auto writer = engine.connect();
  writer.execute("CREATE TABLE t (x)");
  writer.commit();
  writer.execute("INSERT INTO t VALUES (1)");  // holds the write lock
  auto other = engine.connect();
  try {
    other.execute("INSERT INTO t VALUES (2)");
    FAIL();
  } catch (const OperationalError& e) {
    EXPECT_TRUE(e.retryable());
    EXPECT_EQ(e.native_code() & 0xff, 5);  // SQLITE_BUSY
  }
  writer.commit();
  other.rollback();
  other.execute("INSERT INTO t VALUES (2)");
  other.commit();
  EXPECT_EQ(other.scalar<std::int64_t>("SELECT count(*) FROM t"), 2);
}

TEST_F(Errors, LongParametersAreTruncatedInMessages) {
  const std::string huge(1 << 20, 'x');
  try {
    conn.execute("INSERT INTO users (email, age) VALUES (:email, :age)", {{"email", huge}, {"age", -5}});
    FAIL() << "expected the CHECK constraint to fail";
  } catch (const IntegrityError& e) {
    ASSERT_EQ(e.info().parameters.size(), 2u);
    EXPECT_EQ(e.info().parameters[0], "'" + std::string(99, 'x') + "... (" +
                                          std::to_string(huge.size() + 2 - 100) +
                                          " characters truncated)");
    EXPECT_EQ(e.info().parameters[1], "-5");
    EXPECT_LT(std::string(e.what()).size(), 1000u);
  }
}
