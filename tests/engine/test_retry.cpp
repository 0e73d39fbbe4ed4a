// SPDX-License-Identifier: MIT
// retry_on_deadlock's contract on a SQLite file: what is retried and what is not, how often,
// how long it waits, what it commits and returns. Real conflicts are in
// tests/dialect_suite/test_retry.cpp and test_transfer_points.cpp.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "crucible/engine/engine.hpp"
#include "crucible/engine/retry.hpp"
#include "engine/support.hpp"

namespace crucible {
namespace {

using std::chrono::milliseconds;

DriverErrorInfo conflict_info() {
  DriverErrorInfo info;
  info.backend = "postgresql";
  info.sqlstate = "40P01";
  info.driver_message = "deadlock detected";
  info.retryable = true;
  return info;
}

class RetryHelper : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_.emplace(create_engine(temp_.url("retry.db")));
    auto conn = engine_->connect();
    conn.exec_driver_sql("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE)");
  }
  std::int64_t notes() {
    auto conn = engine_->connect();
    return conn.scalar<std::int64_t>("SELECT count(*) FROM notes");
  }
  static void add_note(Connection& conn, const std::string& body) {
    conn.execute("INSERT INTO notes (body) VALUES (:b)", {{"b", body}});
  }

  testkit::TempDir temp_;
  std::optional<Engine> engine_;
};

TEST_F(RetryHelper, CommitsAndReturnsTheFunctionsValue) {
  const std::int64_t id = retry_on_deadlock(*engine_, [](Connection& conn) {
    add_note(conn, "kept");
    return conn.scalar<std::int64_t>("SELECT id FROM notes WHERE body = 'kept'");
  });
  EXPECT_EQ(id, 1);
  EXPECT_EQ(notes(), 1);
  EXPECT_EQ(engine_->pool().status_info().checked_out, 0u);
}

TEST_F(RetryHelper, AFunctionMayEndTheTransactionItself) {
  retry_on_deadlock(*engine_, [](Connection& conn) {
    add_note(conn, "discarded");
    conn.rollback();
  });
  EXPECT_EQ(notes(), 0);
}

TEST_F(RetryHelper, RetryableErrorsRunTheWholeFunctionAgainOnAFreshTransaction) {
  int attempts = 0;
  std::vector<int> failed_attempts;
  const std::string result = retry_on_deadlock(*engine_, [&](Connection& conn) {
    add_note(conn, "attempt " + std::to_string(++attempts));
    if (attempts < 3) throw DeadlockError(conflict_info());
    return std::string("done");
  }, {.backoff = milliseconds(1), .on_retry = [&](const DBAPIError& e, int attempt, milliseconds) {
        EXPECT_TRUE(e.retryable());
        failed_attempts.push_back(attempt);
      }});
  EXPECT_EQ(result, "done");
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(failed_attempts, (std::vector<int>{1, 2}));
  // Only the last attempt's insert survived: the failed ones were rolled back.
  auto conn = engine_->connect();
  EXPECT_EQ(conn.execute("SELECT body FROM notes").scalars<std::string>(), std::vector<std::string>{"attempt 3"});
}

TEST_F(RetryHelper, GivesUpAfterMaxAttemptsWithTheLastErrorUnchanged) {
  int attempts = 0;
  try {
    retry_on_deadlock(*engine_, [&](Connection& conn) {
      add_note(conn, "x" + std::to_string(++attempts));
      DriverErrorInfo info = conflict_info();
      info.driver_message = "conflict " + std::to_string(attempts);
      throw SerializationError(info);
    }, {.max_attempts = 3, .backoff = milliseconds(1)});
    FAIL() << "no error";
  } catch (const SerializationError& e) {
    EXPECT_NE(std::string(e.what()).find("conflict 3"), std::string::npos) << e.what();
  }
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(notes(), 0);
}

TEST_F(RetryHelper, OtherErrorsPropagateAtOnce) {
  int attempts = 0;
  EXPECT_THROW(retry_on_deadlock(*engine_, [&](Connection& conn) {
    ++attempts;
    add_note(conn, "same");
    add_note(conn, "same");  // UNIQUE
  }), IntegrityError);
  EXPECT_EQ(attempts, 1);
  EXPECT_THROW(retry_on_deadlock(*engine_, [&](Connection& conn) {
    ++attempts;
    add_note(conn, "mine");
    throw std::logic_error("the function's own");
  }), std::logic_error);
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(notes(), 0);
}

TEST_F(RetryHelper, LostConnectionsAreRetriedOnlyWhenAskedAndNeverAtCommit) {
  DriverErrorInfo lost;
  lost.backend = "postgresql";
  lost.sqlstate = "08006";
  lost.disconnect = true;
  int attempts = 0;
  EXPECT_THROW(retry_on_deadlock(*engine_, [&](Connection&) {
    if (++attempts == 1) throw OperationalError(lost);
  }), OperationalError);
  EXPECT_EQ(attempts, 1);

  attempts = 0;
  retry_on_deadlock(*engine_, [&](Connection&) {
    if (++attempts == 1) throw OperationalError(lost);
  }, {.backoff = milliseconds(1), .retry_disconnects = true});
  EXPECT_EQ(attempts, 2);

  // On a held connection there is nothing to reconnect: never retried.
  attempts = 0;
  auto conn = engine_->connect();
  EXPECT_THROW(retry_on_deadlock(conn, [&](Connection&) {
    if (++attempts == 1) throw OperationalError(lost);
  }, {.retry_disconnects = true}), OperationalError);
  EXPECT_EQ(attempts, 1);
}

TEST_F(RetryHelper, TheConnectionFormUsesTheCallersConnection) {
  auto conn = engine_->connect();
  int attempts = 0;
  retry_on_deadlock(conn, [&](Connection& c) {
    EXPECT_EQ(&c, &conn);
    add_note(c, "n" + std::to_string(++attempts));
    if (attempts == 1) throw LockNotAvailableError(conflict_info());
  }, {.backoff = milliseconds(1)});
  EXPECT_FALSE(conn.in_transaction());
  EXPECT_EQ(notes(), 1);
  // An open transaction on it is the caller's mistake.
  add_note(conn, "open");
  EXPECT_THROW(retry_on_deadlock(conn, [](Connection&) {}), InvalidRequestError);
}

TEST(RetryBackoff, GrowsByTheMultiplierUpToTheCap) {
  RetryOptions o{.backoff = milliseconds(10), .backoff_multiplier = 2.0, .max_backoff = milliseconds(50)};
  std::vector<long> waits;
  for (int failed = 1; failed <= 5; ++failed) waits.push_back(static_cast<long>(retry_backoff(o, failed).count()));
  EXPECT_EQ(waits, (std::vector<long>{10, 20, 40, 50, 50}));
}

TEST(RetryBackoff, JitterStaysBetweenHalfAndAllOfTheWait) {
  auto engine = create_engine("sqlite:///:memory:");
  std::vector<milliseconds> waits;
  RetryOptions o{.max_attempts = 40, .backoff = milliseconds(8), .backoff_multiplier = 1.0,
                 .on_retry = [&](const DBAPIError&, int, milliseconds wait) { waits.push_back(wait); }};
  int attempts = 0;
  retry_on_deadlock(engine, [&](Connection&) {
    if (++attempts < 40) throw DeadlockError(conflict_info());
  }, o);
  ASSERT_EQ(waits.size(), 39u);
  bool varied = false;
  for (auto w : waits) {
    EXPECT_GE(w.count(), 4);
    EXPECT_LE(w.count(), 8);
    varied = varied || w != waits.front();
  }
  EXPECT_TRUE(varied);
}

TEST(RetryBackoff, BadOptionsAreArgumentErrors) {
  auto engine = create_engine("sqlite:///:memory:");
  const auto nothing = [](Connection&) {};
  EXPECT_THROW(retry_on_deadlock(engine, nothing, {.max_attempts = 0}), ArgumentError);
  EXPECT_THROW(retry_on_deadlock(engine, nothing, {.backoff = milliseconds(-1)}), ArgumentError);
  EXPECT_THROW(retry_on_deadlock(engine, nothing, {.backoff_multiplier = 0.5}), ArgumentError);
}

}  // namespace
}  // namespace crucible
