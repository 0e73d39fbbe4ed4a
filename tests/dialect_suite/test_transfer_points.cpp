// SPDX-License-Identifier: MIT
// The seed's transfer_points under load: 8 threads x 500 random transfers between 20 accounts,
// each one transaction that locks both rows (SELECT ... FOR UPDATE, in id order) through
// retry_on_deadlock and refuses an overdraft without writing anything. Afterwards the money is
// all there, nobody is below zero, the log has one row per transfer that went through, and every
// pooled connection is back. On SQLite the lock clause is not rendered and the file lock
// serialises the writers (SQLITE_BUSY, retried).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "crucible/engine/retry.hpp"
#include "dialect_suite/fixture.hpp"

namespace crucible {
namespace {

constexpr int kThreads = 8;
constexpr int kTransfersPerThread = 500;
constexpr std::int64_t kAccounts = 20;
constexpr std::int64_t kOpeningBalance = 100;

class TransferPoints : public testkit::DialectSuite {
 protected:
  void SetUp() override {
    DialectSuite::SetUp();
    if (IsSkipped()) return;
    accounts_ = &metadata_.table(table_name("accounts"), Column("id", BigInteger()).primary_key().autoincrement(false),
                                 Column("points", BigInteger()).nullable(false));
    log_ = &metadata_.table(table_name("transfers"), Column("id", BigInteger()).primary_key(),
                            Column("from_id", BigInteger()).nullable(false).references(accounts_->name() + ".id"),
                            Column("to_id", BigInteger()).nullable(false).references(accounts_->name() + ".id"),
                            Column("amount", BigInteger()).nullable(false));
    create_tables();
    auto conn = engine().connect();
    for (std::int64_t i = 1; i <= kAccounts; ++i)
      conn.execute(insert(*accounts_).values(set(id(), i), set(points(), kOpeningBalance)));
    conn.commit();
  }

  Expr<std::int64_t> id() const { return accounts_->c<std::int64_t>("id"); }
  Expr<std::int64_t> points() const { return accounts_->c<std::int64_t>("points"); }

  // One transfer, as one transaction; false when `from` cannot afford it (nothing written).
  bool transfer_points(std::int64_t from, std::int64_t to, std::int64_t amount, std::atomic<int>& retries) {
    RetryOptions options{.max_attempts = 100,
                         .backoff = std::chrono::milliseconds(1),
                         .max_backoff = std::chrono::milliseconds(50),
                         .on_retry = [&](const DBAPIError&, int, std::chrono::milliseconds) { ++retries; }};
    return retry_on_deadlock(*load_, [&](Connection& conn) {
      // Both rows locked in one statement, in id order: two transfers between the same pair
      // queue up instead of deadlocking (the retry covers what is left, e.g. SQLite).
      auto rows = conn.execute(select(id(), points())
                                   .where(id().in_({from, to}))
                                   .order_by(id())
                                   .with_for_update())
                      .as<std::int64_t, std::int64_t>();
      std::int64_t balance = -1;
      int seen = 0;
      for (auto [key, value] : rows) {
        ++seen;
        if (key == from) balance = value;
      }
      EXPECT_EQ(seen, 2);
      if (balance < amount) return false;  // the helper commits an empty transaction
      conn.execute(update(*accounts_).values(set(points(), points() - amount)).where(id() == from));
      conn.execute(update(*accounts_).values(set(points(), points() + amount)).where(id() == to));
      conn.execute(insert(*log_).values(set(log_->c<std::int64_t>("from_id"), from),
                                        set(log_->c<std::int64_t>("to_id"), to),
                                        set(log_->c<std::int64_t>("amount"), amount)));
      return true;
    }, options);
  }

  const Table* accounts_ = nullptr;
  const Table* log_ = nullptr;
  std::optional<Engine> load_;  // a pool with a connection per thread
};

TEST_P(TransferPoints, EightThreadsKeepTheBooksBalanced) {
  load_.emplace(create_engine(engine().url().to_string(false), {.pool_size = kThreads, .max_overflow = 0}));
  if (features().in_process) {
    // In-process, a commit costs a disk flush, not a round trip: 4,000 of them take a minute
    // here. Locking, which is what this test is about, does not depend on flushing.
    load_->events().on_connect([](dialects::DriverConnection& c) { c.exec("PRAGMA synchronous = OFF"); });
  }
  std::atomic<int> succeeded = 0, refused = 0, retries = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      std::mt19937_64 random(static_cast<std::uint64_t>(t) * 7919 + 17);
      std::uniform_int_distribution<std::int64_t> account(1, kAccounts), amount(1, 60);
      for (int i = 0; i < kTransfersPerThread; ++i) {
        const std::int64_t from = account(random);
        std::int64_t to = account(random);
        while (to == from) to = account(random);
        try {
          if (transfer_points(from, to, amount(random), retries)) ++succeeded;
          else ++refused;
        } catch (const std::exception& e) {
          ADD_FAILURE() << "transfer " << from << " -> " << to << " failed: " << e.what();
        }
      }
    });
  for (auto& t : threads) t.join();

  auto conn = engine().connect();
  const auto balances = conn.execute(select(points())).scalars<std::int64_t>();
  const auto logged = count_rows(conn, *log_);
  const auto logged_amount = conn.scalar<std::optional<std::int64_t>>(select(func::sum(log_->c<std::int64_t>("amount"))));
  conn.rollback();
  ASSERT_EQ(balances.size(), static_cast<std::size_t>(kAccounts));
  std::int64_t total = 0;
  for (std::int64_t b : balances) {
    total += b;
    EXPECT_GE(b, 0);
  }
  EXPECT_EQ(succeeded + refused, kThreads * kTransfersPerThread);
  EXPECT_EQ(total, kAccounts * kOpeningBalance);
  EXPECT_GT(logged_amount.value_or(0), 0);
  EXPECT_EQ(logged, succeeded.load());
  EXPECT_GT(succeeded.load(), 0);
  EXPECT_GT(refused.load(), 0);  // amounts up to 60 against balances of 100 do overdraw
  conn.close();
  EXPECT_EQ(load_->pool().status_info().checked_out, 0u);
  load_->dispose();
  std::printf("[ transfer_points/%s ] %d transfers, %d refused, %d retries\n", backend().c_str(), succeeded.load(),
              refused.load(), retries.load());
}

CRUCIBLE_DIALECT_SUITE(TransferPoints);

}  // namespace
}  // namespace crucible
