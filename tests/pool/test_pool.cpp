// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "crucible/dialects/sqlite/driver.hpp"
#include "crucible/pool/null_pool.hpp"
#include "crucible/pool/queue_pool.hpp"
#include "crucible/pool/static_pool.hpp"
#include "fault_connection.hpp"
#include "support/temp_dir.hpp"

using namespace crucible;
using namespace std::chrono_literals;

namespace {

struct Counting {
  std::atomic<int> opened{0};
  std::vector<testkit::FaultConnection*> made;
  std::mutex m;
  ConnectionFactory factory(std::string path = ":memory:") {
    return [this, path] {
      ++opened;
      auto c = std::make_unique<testkit::FaultConnection>(dialects::open_sqlite({.path = path}));
      std::lock_guard lock(m);
      made.push_back(c.get());
      return c;
    };
  }
};

}  // namespace

TEST(QueuePool, ReusesConnections) {
  Counting n;
  QueuePool pool(n.factory(), {.pool_size = 2});
  dialects::DriverConnection* first = nullptr;
  {
    auto c = pool.connect();
    first = c.get();
  }
  auto again = pool.connect();
  EXPECT_EQ(again.get(), first);
  EXPECT_EQ(n.opened, 1);
}

TEST(QueuePool, OverflowAndStatus) {
  Counting n;
  QueuePool pool(n.factory(), {.pool_size = 1, .max_overflow = 1, .timeout = 50ms});
  auto a = pool.connect();
  auto b = pool.connect();  // overflow
  auto s = pool.status_info();
  EXPECT_EQ(s.checked_out, 2u);
  EXPECT_EQ(s.overflow, 1);
  EXPECT_EQ(pool.status(),
            "Pool size: 1  Connections in pool: 0 Current Overflow: 1 Current Checked out connections: 2");
  b.release();  // room in the pool: kept
  s = pool.status_info();
  EXPECT_EQ(s.checked_in, 1u);
  EXPECT_EQ(s.overflow, 1);
  a.release();  // pool full: the extra connection is closed
  s = pool.status_info();
  EXPECT_EQ(s.checked_in, 1u);
  EXPECT_EQ(s.overflow, 0);
  EXPECT_EQ(s.checked_out, 0u);
}

TEST(QueuePool, TimeoutErrorNamesLimits) {
  Counting n;
  QueuePool pool(n.factory(), {.pool_size = 1, .max_overflow = 0, .timeout = 100ms});
  auto a = pool.connect();
  const auto started = std::chrono::steady_clock::now();
  try {
    pool.connect();
    FAIL() << "expected TimeoutError";
  } catch (const TimeoutError& e) {
    EXPECT_STREQ(e.what(),
                 "QueuePool limit of size 1 overflow 0 reached, connection timed out, timeout 0.10s");
  }
  EXPECT_GE(std::chrono::steady_clock::now() - started, 90ms);
}

TEST(QueuePool, WaiterGetsReturnedConnection) {
  Counting n;
  QueuePool pool(n.factory(), {.pool_size = 1, .max_overflow = 0, .timeout = 5000ms});
  auto a = pool.connect();
  std::thread t([&] {
    std::this_thread::sleep_for(50ms);
    a.release();
  });
  auto b = pool.connect();
  EXPECT_TRUE(b);
  t.join();
  EXPECT_EQ(n.opened, 1);
}

TEST(QueuePool, ThreadsHammering) {
  testkit::TempDir dir;
  Counting n;
  QueuePool pool(n.factory(dir.file("h.db")), {.pool_size = 3, .max_overflow = 2, .timeout = 10000ms});
  std::atomic<int> in_use{0}, max_in_use{0}, done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto c = pool.connect();
        int now = ++in_use;
        int prev = max_in_use.load();
        while (now > prev && !max_in_use.compare_exchange_weak(prev, now)) {
        }
        EXPECT_TRUE(c->ping());
        --in_use;
        ++done;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(done, 1600);
  EXPECT_LE(max_in_use, 5);
  EXPECT_LE(n.opened, 5 + 1600);  // overflow connections may be reopened
  auto s = pool.status_info();
  EXPECT_EQ(s.checked_out, 0u);
  EXPECT_LE(s.checked_in, 3u);
}

TEST(QueuePool, RecycleReplacesOldConnections) {
  Counting n;
  QueuePool pool(n.factory(), {.pool_size = 1, .recycle_seconds = 0});
  pool.connect().release();
  pool.connect().release();
  EXPECT_EQ(n.opened, 2);
}

TEST(QueuePool, PrePingReplacesDeadConnection) {
  Counting n;
  QueuePool pool(n.factory(), {.pool_size = 1, .pre_ping = true});
  int invalidations = 0;
  pool.events().invalidate.add([&](auto&, std::string_view) { ++invalidations; });
  pool.connect().release();
  n.made.back()->dead = true;
  auto c = pool.connect();
  EXPECT_TRUE(c->ping());
  EXPECT_EQ(n.opened, 2);
  EXPECT_EQ(invalidations, 1);
}

TEST(QueuePool, InvalidateAllDropsOldGeneration) {
  Counting n;
  QueuePool pool(n.factory(), {.pool_size = 3});
  {
    auto a = pool.connect();
    auto b = pool.connect();
  }
  auto out = pool.connect();  // one checked out across the invalidation
  EXPECT_EQ(pool.status_info().checked_in, 1u);
  pool.invalidate_all();
  auto fresh = pool.connect();  // the idle old one is discarded, a new one opened
  EXPECT_EQ(n.opened, 3);
  out.release();  // old generation: closed on return, not pooled
  fresh.release();
  EXPECT_EQ(pool.status_info().checked_in, 1u);
}

TEST(QueuePool, ResetOnReturnRollsBack) {
  Counting n;
  QueuePool pool(n.factory(), {.pool_size = 1});
  {
    auto c = pool.connect();
    c->exec("CREATE TABLE t (x)");
    c->begin();
    c->exec("INSERT INTO t VALUES (1)");
  }
  auto c = pool.connect();
  EXPECT_FALSE(c->in_transaction());
  auto s = c->acquire("SELECT count(*) FROM t");
  ASSERT_TRUE(s->step());
  EXPECT_EQ(s->get_int64(0), 0);
}

TEST(QueuePool, EventsFire) {
  Counting n;
  QueuePool pool(n.factory(), {.pool_size = 1});
  int connects = 0, checkouts = 0, checkins = 0;
  pool.events().connect.add([&](auto&) { ++connects; });
  auto h = pool.events().checkout.add([&](auto&) { ++checkouts; });
  pool.events().checkin.add([&](auto&) { ++checkins; });
  pool.connect().release();
  pool.connect().release();
  h.remove();
  pool.connect().release();
  EXPECT_EQ(connects, 1);
  EXPECT_EQ(checkouts, 2);
  EXPECT_EQ(checkins, 3);
}

TEST(NullPool, OpensAndClosesEachTime) {
  Counting n;
  NullPool pool(n.factory());
  pool.connect().release();
  pool.connect().release();
  EXPECT_EQ(n.opened, 2);
  EXPECT_EQ(pool.status_info().checked_out, 0u);
}

TEST(StaticPool, SharesOneConnectionAndSerialises) {
  Counting n;
  StaticPool pool(n.factory(), {.timeout = 100ms});
  {
    auto c = pool.connect();
    c->exec("CREATE TABLE t (x)");
    EXPECT_THROW(pool.connect(), InvalidRequestError);  // same thread: no self-deadlock
    std::thread other([&] { EXPECT_THROW(pool.connect(), TimeoutError); });
    other.join();
  }
  auto c = pool.connect();
  c->exec("INSERT INTO t VALUES (1)");  // same in-memory database
  EXPECT_EQ(n.opened, 1);
}
