// SPDX-License-Identifier: MIT
// retry_on_deadlock against real conflicts: two threads that lock two rows in opposite orders
// (a true deadlock, which the server breaks by aborting one of them), and a NOWAIT lock that
// is free a moment later. Both finish with every change applied exactly once.
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "crucible/engine/retry.hpp"
#include "dialect_suite/fixture.hpp"

namespace crucible {
namespace {

class Retry : public testkit::DialectSuite {
 protected:
  void SetUp() override {
    DialectSuite::SetUp();
    if (IsSkipped()) return;
    counters_ = &metadata_.table(table_name("counters"), Column("id", BigInteger()).primary_key().autoincrement(false),
                                 Column("hits", BigInteger()).nullable(false));
    create_tables();
    auto conn = engine().connect();
    for (std::int64_t i = 1; i <= 2; ++i) conn.execute(insert(*counters_).values(set(id(), i), set(hits(), std::int64_t{0})));
    conn.commit();
  }

  Expr<std::int64_t> id() const { return counters_->c<std::int64_t>("id"); }
  Expr<std::int64_t> hits() const { return counters_->c<std::int64_t>("hits"); }

  std::vector<std::int64_t> all_hits() {
    auto conn = engine().connect();
    auto out = conn.execute(select(hits()).order_by(id())).scalars<std::int64_t>();
    conn.rollback();
    return out;
  }

  void bump(Connection& conn, std::int64_t key) {
    EXPECT_EQ(conn.execute(update(*counters_).values(set(hits(), hits() + 1)).where(id() == key)).rows_affected(), 1);
  }

  const Table* counters_ = nullptr;
};

TEST_P(Retry, ADeadlockBetweenTwoThreadsIsRetriedToCompletion) {
  CRUCIBLE_REQUIRE(features().supports_for_update);  // row locks; SQLite locks the whole file
  std::barrier both_hold_one(2);
  std::mutex mutex;
  std::vector<std::string> retried;  // the class of each error that caused a retry
  RetryOptions options{.max_attempts = 5, .backoff = std::chrono::milliseconds(10),
                       .on_retry = [&](const DBAPIError& e, int attempt, std::chrono::milliseconds) {
                         std::lock_guard lock(mutex);
                         retried.push_back((dynamic_cast<const DeadlockError*>(&e) ? "DeadlockError " : "other ") +
                                           std::to_string(attempt));
                       }};
  const auto worker = [&](std::int64_t first, std::int64_t second) {
    int attempts = 0;
    const int result = retry_on_deadlock(engine(), [&](Connection& conn) {
      ++attempts;
      bump(conn, first);
      // Only the first attempts meet: each holds one row and then asks for the other's.
      if (attempts == 1) both_hold_one.arrive_and_wait();
      bump(conn, second);
      return attempts;
    }, options);
    EXPECT_EQ(result, attempts);
    return attempts;
  };
  int attempts_a = 0, attempts_b = 0;
  std::thread a([&] { attempts_a = worker(1, 2); });
  std::thread b([&] { attempts_b = worker(2, 1); });
  a.join();
  b.join();
  // The server aborted exactly one of them, once; both then committed once each.
  EXPECT_EQ(retried, std::vector<std::string>{"DeadlockError 1"});
  EXPECT_EQ(attempts_a + attempts_b, 3);
  EXPECT_EQ(all_hits(), (std::vector<std::int64_t>{2, 2}));
  EXPECT_EQ(engine().pool().status_info().checked_out, 0u);
}

TEST_P(Retry, ALockNotAvailableIsRetriedUntilTheHolderCommits) {
  CRUCIBLE_REQUIRE(features().supports_for_update_nowait);
  auto holder = engine().connect();
  holder.execute(select(id()).where(id() == 1).with_for_update()).all();
  std::atomic<int> failures = 0;
  std::thread release([&] {
    while (failures.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    bump(holder, 1);
    holder.commit();
  });
  int attempts = 0;
  retry_on_deadlock(engine(), [&](Connection& conn) {
    ++attempts;
    conn.execute(select(id()).where(id() == 1).with_for_update({.nowait = true})).all();
    bump(conn, 1);
  }, {.max_attempts = 50, .backoff = std::chrono::milliseconds(5), .max_backoff = std::chrono::milliseconds(50),
      .on_retry = [&](const DBAPIError& e, int, std::chrono::milliseconds) {
        EXPECT_NE(dynamic_cast<const LockNotAvailableError*>(&e), nullptr) << e.what();
        ++failures;
      }});
  release.join();
  EXPECT_GE(attempts, 2);
  EXPECT_EQ(all_hits(), (std::vector<std::int64_t>{2, 0}));
}

TEST_P(Retry, OtherErrorsPropagateUnchangedAfterOneAttempt) {
  int attempts = 0;
  int retries = 0;
  RetryOptions options{.on_retry = [&](const DBAPIError&, int, std::chrono::milliseconds) { ++retries; }};
  EXPECT_THROW(retry_on_deadlock(engine(), [&](Connection& conn) {
    ++attempts;
    bump(conn, 1);
    conn.execute(insert(*counters_).values(set(id(), std::int64_t{2}), set(hits(), std::int64_t{0})));  // duplicate key
  }, options), IntegrityError);
  EXPECT_EQ(attempts, 1);
  EXPECT_EQ(retries, 0);
  EXPECT_EQ(all_hits(), (std::vector<std::int64_t>{0, 0}));  // rolled back
  EXPECT_EQ(engine().pool().status_info().checked_out, 0u);
}

CRUCIBLE_DIALECT_SUITE(Retry);

}  // namespace
}  // namespace crucible
