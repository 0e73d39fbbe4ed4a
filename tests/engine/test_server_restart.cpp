// SPDX-License-Identifier: MIT
// A server restart under a live engine, on PostgreSQL and MariaDB: transactions in flight fail
// with a disconnect error (the next statement and the next COMMIT alike) and commit nothing,
// checkouts while the server is down fail with one too, and once it is back the same engine
// (same process, same pool) works again; retry_on_deadlock with retry_disconnects rides across
// the gap.
//
// These cases stop the server, which would fail every other test using it: they run only from
// the server_restart test (tests/server_restart/run.sh), which starts servers of its own and
// sets CRUCIBLE_TEST_RESTART_COMMAND; anywhere else they skip.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "crucible/engine/engine.hpp"
#include "crucible/engine/retry.hpp"
#include "crucible/engine/schema.hpp"
#include "crucible/sql/schema.hpp"

namespace crucible {
namespace {

class ServerRestart : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const char* command = std::getenv("CRUCIBLE_TEST_RESTART_COMMAND");
    if (!command || !*command)
      GTEST_SKIP() << "stops its server: runs from the server_restart test (tests/server_restart/run.sh)";
    const std::string variable = GetParam() == "postgresql" ? "CRUCIBLE_TEST_POSTGRESQL_URL" : "CRUCIBLE_TEST_MYSQL_URL";
    const char* url = std::getenv(variable.c_str());
    if (!url || !*url) GTEST_SKIP() << variable << " not set (server not installed)";
    command_ = command;
    url_ = url;
    try {
      admin_.emplace(create_engine(url_, {.pool_class = PoolClass::null_pool}));
      static std::mt19937_64 random{std::random_device{}()};
      table_ = "restart_" + std::to_string(::getpid()) + "_" + std::to_string(random() % 1'000'000);
      auto conn = admin_->connect();
      conn.exec_driver_sql("CREATE TABLE " + table_ + " (id INTEGER PRIMARY KEY, note VARCHAR(40))");
      conn.execute("INSERT INTO " + table_ + " (id, note) VALUES (0, 'before')");
      conn.commit();
    } catch (const NotSupportedError& e) {
      GTEST_SKIP() << e.what();
    }
  }

  void TearDown() override {
    if (down_) server("start");  // a failed case must not leave the server down
    if (!admin_ || table_.empty()) return;
    try {
      admin_->connect().exec_driver_sql("DROP TABLE " + table_);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "dropping " << table_ << ": " << e.what();
    }
  }

  void server(const std::string& action) {
    const std::string line = command_ + " " + action + " " + GetParam();
    ASSERT_EQ(std::system(line.c_str()), 0) << line;
    down_ = action == "stop";
  }

  Engine engine(EngineOptions options) const { return create_engine(url_, std::move(options)); }
  std::string insert_sql() const { return "INSERT INTO " + table_ + " (id, note) VALUES (:id, 'in flight')"; }
  std::int64_t rows() { return admin_->connect().scalar<std::int64_t>("SELECT count(*) FROM " + table_); }

  std::string command_, url_, table_;
  std::optional<Engine> admin_;
  bool down_ = false;
};

TEST_P(ServerRestart, TransactionsInFlightFailWithADisconnectAndCommitNothing) {
  auto eng = engine({.pool_size = 3, .max_overflow = 0});
  auto next_statement = eng.connect();
  next_statement.execute(insert_sql(), {{"id", 1}});
  auto next_commit = eng.connect();
  next_commit.execute(insert_sql(), {{"id", 2}});

  server("stop");
  server("start");

  // The next statement on a connection whose server went away...
  try {
    next_statement.execute(insert_sql(), {{"id", 3}});
    FAIL() << "a statement ran on a connection whose server restarted";
  } catch (const OperationalError& e) {
    EXPECT_TRUE(e.is_disconnect()) << e.what();
    EXPECT_NE(e.sql().find("INSERT INTO " + table_), std::string::npos) << e.what();
  }
  // ...and the next COMMIT: typed disconnect errors, neither a crash nor a silent success.
  try {
    next_commit.commit();
    FAIL() << "a commit succeeded on a connection whose server restarted";
  } catch (const OperationalError& e) {
    EXPECT_TRUE(e.is_disconnect()) << e.what();
  }
  next_statement.close();
  next_commit.close();

  EXPECT_EQ(rows(), 1);  // only the row committed before the restart
  // The disconnect invalidated the pool: the same engine hands out working connections again.
  auto conn = eng.connect();
  conn.execute(insert_sql(), {{"id", 4}});
  conn.commit();
  EXPECT_EQ(rows(), 2);
}

TEST_P(ServerRestart, IdleConnectionsArePrePingedOrFailOnceThenTheEngineRecovers) {
  auto pinged = engine({.pool_size = 1, .max_overflow = 0, .pool_pre_ping = true});
  auto plain = engine({.pool_size = 1, .max_overflow = 0});
  for (auto* eng : {&pinged, &plain}) EXPECT_EQ(eng->connect().scalar<std::int64_t>("SELECT 1"), 1);  // one idle each

  server("stop");
  try {
    plain.connect().execute("SELECT 1");
    FAIL() << "a query ran while the server was down";
  } catch (const OperationalError& e) {
    EXPECT_TRUE(e.is_disconnect()) << e.what();
  }
  try {
    (void)pinged.connect();  // pre-ping finds the idle one dead, and no new one can be opened
    FAIL() << "a checkout succeeded while the server was down";
  } catch (const OperationalError& e) {
    EXPECT_TRUE(e.is_disconnect()) << e.what();
  }
  server("start");

  // The first checkout after the restart works on both: pre-ping replaced nothing stale this
  // time (the failed checkout discarded it), the plain pool had its generation invalidated.
  EXPECT_EQ(pinged.connect().scalar<std::int64_t>("SELECT count(*) FROM " + table_), 1);
  EXPECT_EQ(plain.connect().scalar<std::int64_t>("SELECT count(*) FROM " + table_), 1);
}

TEST_P(ServerRestart, PrePingReplacesConnectionsKilledByARestartTransparently) {
  auto pinged = engine({.pool_size = 2, .max_overflow = 0, .pool_pre_ping = true});
  {
    auto a = pinged.connect();
    auto b = pinged.connect();
    EXPECT_EQ(a.scalar<std::int64_t>("SELECT 1") + b.scalar<std::int64_t>("SELECT 1"), 2);
  }
  server("stop");
  server("start");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(pinged.connect().scalar<std::int64_t>("SELECT count(*) FROM " + table_), 1);
}

TEST_P(ServerRestart, RetryOnDeadlockWithRetryDisconnectsRidesOverTheRestart) {
  auto eng = engine({.pool_size = 2, .max_overflow = 0});
  EXPECT_EQ(eng.connect().scalar<std::int64_t>("SELECT 1"), 1);  // a pooled connection the restart kills

  server("stop");
  std::thread restart([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const std::string line = command_ + " start " + GetParam();
    EXPECT_EQ(std::system(line.c_str()), 0) << line;
  });
  int runs = 0, disconnects = 0;
  retry_on_deadlock(eng, [&](Connection& conn) {
    ++runs;  // checkouts that failed while the server was down never get here
    conn.execute(insert_sql(), {{"id", 1}});
  }, {.max_attempts = 200, .backoff = std::chrono::milliseconds(20), .max_backoff = std::chrono::milliseconds(200),
      .retry_disconnects = true,
      .on_retry = [&](const DBAPIError& e, int, std::chrono::milliseconds) {
        EXPECT_TRUE(e.is_disconnect()) << e.what();
        ++disconnects;
      }});
  restart.join();
  down_ = false;
  EXPECT_GE(disconnects, 1);
  EXPECT_GE(runs, 1);
  EXPECT_EQ(rows(), 2);  // inserted exactly once
}

INSTANTIATE_TEST_SUITE_P(Servers, ServerRestart, ::testing::Values(std::string("postgresql"), std::string("mysql")),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace crucible
