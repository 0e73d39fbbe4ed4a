// SPDX-License-Identifier: MIT
//
// Support for the per-backend engine tests, tests/engine/postgresql/ and tests/engine/mysql/:
// the one fixture and the helpers both use. Those folders hold only what is specific to one
// server backend (its SQLSTATEs or error numbers, its own column types and session settings, the
// driver's pipeline or array binding); behaviour every backend shares is in tests/dialect_suite/.
//
// The server comes from CRUCIBLE_TEST_POSTGRESQL_URL / CRUCIBLE_TEST_MYSQL_URL (make test and
// scripts/servers.sh set them); without it every test of that backend skips. Each test names its
// tables uniquely (process id + random suffix: ctest -j runs test cases as separate processes
// against one database) and drops them in TearDown.
//
//   class MyTest : public crucible::testkit::PostgresqlTest {};  // or MysqlTest
//   TEST_F(MyTest, Works) {
//     const auto name = table("items");
//     auto conn = engine().connect();
//     conn.execute("CREATE TABLE " + name + " (id int PRIMARY KEY)");
//   }
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "crucible/crucible.hpp"
#include "crucible/dialects/mysql/driver.hpp"
#include "crucible/dialects/postgresql/driver.hpp"
#include "support/batch_sets.hpp"

namespace crucible::testkit {

// What the fixture needs to know of each server backend.
struct PostgresqlServer {
  static constexpr const char* variable = "CRUCIBLE_TEST_POSTGRESQL_URL";
  // libpq keywords for the test server, for driver-level tests.
  static dialects::PostgresqlConnectOptions driver_options(const Url& url) {
    dialects::PostgresqlConnectOptions options;
    auto& p = options.parameters;
    if (!url.host.empty()) p.emplace_back("host", url.host);
    if (url.port) p.emplace_back("port", std::to_string(*url.port));
    if (!url.username.empty()) p.emplace_back("user", url.username);
    if (url.password) p.emplace_back("password", *url.password);
    if (!url.database.empty()) p.emplace_back("dbname", url.database);
    return options;
  }
  static std::unique_ptr<dialects::DriverConnection> open(const dialects::PostgresqlConnectOptions& options) {
    return dialects::open_postgresql(options);
  }
  // The n placeholders of a driver-level statement: "$1, $2, ...".
  static std::string placeholders(int n) {
    std::string out;
    for (int i = 1; i <= n; ++i) out += (i > 1 ? ", $" : "$") + std::to_string(i);
    return out;
  }
};

struct MysqlServer {
  static constexpr const char* variable = "CRUCIBLE_TEST_MYSQL_URL";
  // The test server as driver options, for driver-level tests.
  static dialects::MysqlConnectOptions driver_options(const Url& url) {
    dialects::MysqlConnectOptions options;
    options.host = url.host;
    options.port = url.port.value_or(0);
    options.user = url.username;
    options.password = url.password;
    options.database = url.database;
    return options;
  }
  static std::unique_ptr<dialects::DriverConnection> open(const dialects::MysqlConnectOptions& options) {
    return dialects::open_mysql(options);
  }
  // The n placeholders of a driver-level statement: "?, ?, ...".
  static std::string placeholders(int n) {
    std::string out;
    for (int i = 1; i <= n; ++i) out += i > 1 ? ", ?" : "?";
    return out;
  }
};

template <class Server>
class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv(Server::variable);
    if (!url || !*url)
      GTEST_SKIP() << Server::variable << " is not set: no server to test against (`make test` starts one; "
                   << "or eval \"$(scripts/servers.sh start)\")";
    url_ = url;
  }

  void TearDown() override {
    if (url_.empty() || tables_.empty()) return;
    try {
      auto conn = create_engine(url_, {.pool_class = PoolClass::null_pool}).connect();
      std::string sql = "DROP TABLE IF EXISTS ";
      for (std::size_t i = 0; i < tables_.size(); ++i) sql += (i ? ", " : "") + tables_[i];
      conn.exec_driver_sql(sql + " CASCADE");  // MariaDB accepts CASCADE and ignores it
    } catch (const std::exception& e) {
      ADD_FAILURE() << "dropping the test tables failed: " << e.what();
    }
  }

  // A table name no other test process uses; dropped after the test.
  std::string table(const std::string& stem) {
    static std::mt19937_64 random{std::random_device{}()};
    std::string name = "crucible_" + stem + "_" + std::to_string(::getpid()) + "_" +
                       std::to_string(random() % 1'000'000);
    tables_.push_back(name);
    return name;
  }

  Engine engine(EngineOptions options = {}) const { return create_engine(url_, std::move(options)); }
  auto driver_options() const { return Server::driver_options(Url::parse(url_)); }
  std::unique_ptr<dialects::DriverConnection> open_driver() const { return Server::open(driver_options()); }
  const std::string& url() const { return url_; }

 private:
  std::string url_;
  std::vector<std::string> tables_;
};

using PostgresqlTest = ServerTest<PostgresqlServer>;
using MysqlTest = ServerTest<MysqlServer>;

// One table of the backend's own column types (`columns`, after an id key; `options` after the
// column list) and a round trip through it: the value inserted with text SQL and a named
// parameter, read back on a connection of its own.
template <class Server>
class ServerTypesTest : public ServerTest<Server> {
 protected:
  void create(const std::string& columns, const std::string& options = "") {
    name_ = this->table("types");
    engine_ = std::make_unique<Engine>(this->engine());
    auto conn = engine_->connect();
    conn.exec_driver_sql("CREATE TABLE " + name_ + " (id BIGINT PRIMARY KEY, " + columns + ")" + options);
  }

  template <typename T>
  T round_trip(const std::string& column, const Value& value) {
    const std::int64_t id = ++next_id_;
    {
      auto conn = engine_->connect();
      conn.execute("INSERT INTO " + name_ + " (id, " + column + ") VALUES (:id, :v)", {{"id", id}, {"v", value}});
      conn.commit();
    }
    auto conn = engine_->connect();
    return conn.scalar<T>("SELECT " + column + " FROM " + name_ + " WHERE id = :id", {{"id", id}});
  }

  std::string name_;
  std::unique_ptr<Engine> engine_;
  std::int64_t next_id_ = 0;
};

// A driver connection of its own and a table (id BIGINT PRIMARY KEY, n BIGINT, s VARCHAR(700)
// UNIQUE) for the driver's batch path (DriverStatement::execute_batch).
template <class Server>
class DriverBatchTest : public ServerTest<Server> {
 protected:
  void SetUp() override {
    ServerTest<Server>::SetUp();
    if (this->IsSkipped()) return;
    name_ = this->table("batch");
    conn_ = this->open_driver();
    conn_->exec("CREATE TABLE " + name_ + " (id BIGINT PRIMARY KEY, n BIGINT, s VARCHAR(700) UNIQUE)");
  }
  void TearDown() override {
    conn_.reset();
    ServerTest<Server>::TearDown();
  }

  // The first column of a one-row query on the test's driver connection.
  std::int64_t scalar(const std::string& sql) {
    auto lease = conn_->acquire(sql);
    EXPECT_TRUE(lease->step());
    return lease->get_int64(0);
  }
  std::int64_t count() { return scalar("SELECT count(*) FROM " + name_); }
  std::string insert_sql() const {
    return "INSERT INTO " + name_ + " (id, n, s) VALUES (" + Server::placeholders(3) + ")";
  }
  // Sets i = 0..n-1 as (i, i % 10, "s<i>").
  static BatchSets rows(std::size_t n) {
    return BatchSets(n, [](dialects::DriverStatement& s, std::size_t i) {
      s.bind_int64(0, static_cast<std::int64_t>(i));
      s.bind_int64(1, static_cast<std::int64_t>(i % 10));
      s.bind(2, Value("s" + std::to_string(i)));
    });
  }
  // Sets i = 0..n-1 as (i, NULL, "s<i>"), but set `clash` repeats set 3's s.
  static BatchSets rows_with_duplicate(std::size_t n, std::size_t clash) {
    return BatchSets(n, [clash](dialects::DriverStatement& s, std::size_t i) {
      s.bind_int64(0, static_cast<std::int64_t>(i));
      s.bind_null(1);
      s.bind(2, Value(i == clash ? std::string("s3") : "s" + std::to_string(i)));
    });
  }

  std::string name_;
  std::unique_ptr<dialects::DriverConnection> conn_;
};

// The error a duplicate in a UNIQUE column raises: `table` (id BIGINT PRIMARY KEY, email
// VARCHAR(100) UNIQUE) made on `conn`, a row inserted, then the same email again.
inline IntegrityError unique_violation(Connection& conn, const std::string& table) {
  conn.exec_driver_sql("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, email VARCHAR(100) UNIQUE)");
  conn.execute("INSERT INTO " + table + " VALUES (1, 'a@example.com')");
  try {
    conn.execute("INSERT INTO " + table + " VALUES (:id, :email)", {{"id", 2}, {"email", "a@example.com"}});
  } catch (const IntegrityError& e) {
    return e;
  }
  throw std::logic_error("a duplicate in a UNIQUE column was accepted");
}

// The error connecting to a database the server does not have raises.
inline OperationalError missing_database_error(const std::string& server_url) {
  Url url = Url::parse(server_url);
  url.database = "crucible_no_such_database";
  try {
    create_engine(url.to_string(false)).connect();
  } catch (const OperationalError& e) {
    return e;
  }
  throw std::logic_error("connected to a database that does not exist");
}

// Two connections of `engine` each update one row of `table` (made here: id INT PRIMARY KEY,
// v INT, rows 1 and 2), then the other's: a deadlock, which the server breaks by failing one of
// them. Returns describe(error) of that one; expects the other to have gone through. `prepare`
// runs on both connections first.
inline std::string deadlock_victim(Engine& engine, const std::string& table,
                                   const std::function<std::string(const OperationalError&)>& describe,
                                   const std::function<void(Connection&)>& prepare = {}) {
  {
    auto setup = engine.connect();
    setup.exec_driver_sql("CREATE TABLE " + table + " (id INT PRIMARY KEY, v INT)");
    setup.execute("INSERT INTO " + table + " VALUES (1, 0), (2, 0)");
    setup.commit();
  }
  auto first = engine.connect();
  auto second = engine.connect();
  if (prepare) {
    prepare(first);
    prepare(second);
  }
  const std::string update = "UPDATE " + table + " SET v = v + 1 WHERE id = :id";
  first.execute(update, {{"id", 1}});
  second.execute(update, {{"id", 2}});
  // Each now waits for the row the other holds: the server picks one victim.
  auto crossing = std::async(std::launch::async, [&] {
    try {
      second.execute(update, {{"id", 1}});
      return std::string();
    } catch (const OperationalError& e) {
      return describe(e);
    }
  });
  std::string here;
  try {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    first.execute(update, {{"id", 2}});
  } catch (const OperationalError& e) {
    here = describe(e);
    first.rollback();  // lets the other side go on
  }
  const std::string there = crossing.get();
  first.rollback();
  second.rollback();
  EXPECT_TRUE(here.empty() != there.empty()) << "first: '" << here << "', second: '" << there << "'";
  return here.empty() ? there : here;
}

// Expects the session's isolation level, as the server shows it (`shown_sql`), to be
// `default_shown` on a fresh connection, each of `levels` once set, and the default again on the
// next connection after one that changed it went back to the pool.
inline void expect_isolation_levels_shown(Engine& engine, const std::string& shown_sql,
                                          const std::string& default_shown,
                                          const std::vector<std::pair<IsolationLevel, std::string>>& levels) {
  auto conn = engine.connect();
  EXPECT_EQ(conn.scalar<std::string>(shown_sql), default_shown);
  conn.rollback();
  for (const auto& [level, shown] : levels) {
    conn.set_isolation_level(level);
    EXPECT_EQ(conn.scalar<std::string>(shown_sql), shown) << isolation_level_name(level);
    conn.rollback();
  }
  conn.set_isolation_level(IsolationLevel::serializable);
  conn.close();  // the level is reset when the connection goes back to the pool
  auto again = engine.connect();
  EXPECT_EQ(again.scalar<std::string>(shown_sql), default_shown);
}

}  // namespace crucible::testkit
