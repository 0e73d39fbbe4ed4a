// SPDX-License-Identifier: MIT
// Row locks on every backend: SELECT ... FOR UPDATE held by one connection, seen from another.
// NOWAIT fails with LockNotAvailableError, SKIP LOCKED leaves the held row out, a shared lock
// admits other shared locks only, OF locks the named table alone. SQLite has no row locks (the
// clause is not rendered: a writing transaction locks the whole file), so it runs the plain
// select and, instead, shows what a second writer meets there.
#include <chrono>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "dialect_suite/fixture.hpp"

namespace crucible {
namespace {

using Ids = std::vector<std::int64_t>;

class Locking : public testkit::DialectSuite {
 protected:
  void SetUp() override {
    DialectSuite::SetUp();
    if (IsSkipped()) return;
    jobs_ = &metadata_.table(table_name("jobs"), Column("id", BigInteger()).primary_key().autoincrement(false),
                             Column("state", String(20)).nullable(false));
    steps_ = &metadata_.table(table_name("steps"), Column("id", BigInteger()).primary_key().autoincrement(false),
                              Column("job_id", BigInteger()).nullable(false).references(jobs_->name() + ".id"));
    create_tables();
    auto conn = engine().connect();
    for (std::int64_t i = 1; i <= 3; ++i) {
      conn.execute(insert(*jobs_).values(set(id(), i), set(state(), "new")));
      conn.execute(insert(*steps_).values(set(step_id(), i * 10), set(step_job(), i)));
    }
    conn.commit();
  }

  Expr<std::int64_t> id() const { return jobs_->c<std::int64_t>("id"); }
  Expr<std::string> state() const { return jobs_->c<std::string>("state"); }
  Expr<std::int64_t> step_id() const { return steps_->c<std::int64_t>("id"); }
  Expr<std::int64_t> step_job() const { return steps_->c<std::int64_t>("job_id"); }

  // Locks job `key` on `conn` until its transaction ends.
  void hold(Connection& conn, std::int64_t key, ForUpdateOptions options = {}) {
    EXPECT_EQ(conn.execute(select(id()).where(id() == key).with_for_update(std::move(options))).scalars<std::int64_t>(),
              Ids{key});
  }

  const Table* jobs_ = nullptr;
  const Table* steps_ = nullptr;
};

TEST_P(Locking, ForUpdateReturnsTheRowsEverywhere) {
  auto conn = engine().connect();
  auto locked = select(id(), state()).where(id() >= 2).order_by(id()).with_for_update();
  std::vector<std::tuple<std::int64_t, std::string>> all;
  for (auto row : conn.execute(locked).as<std::int64_t, std::string>()) all.push_back(row);
  EXPECT_EQ(all, (std::vector<std::tuple<std::int64_t, std::string>>{{2, "new"}, {3, "new"}}));
  // Locked rows can be changed by their holder, in the same transaction.
  conn.execute(update(*jobs_).values(set(state(), "taken")).where(id() == 2));
  conn.commit();
  EXPECT_EQ(conn.scalar<std::string>(select(state()).where(id() == 2)), "taken");
  conn.rollback();
}

TEST_P(Locking, NowaitFailsAtOnceWithLockNotAvailableError) {
  CRUCIBLE_REQUIRE(features().supports_for_update_nowait);
  auto holder = engine().connect();
  auto other = engine().connect();
  hold(holder, 1);
  try {
    hold(other, 1, {.nowait = true});
    FAIL() << "a row locked elsewhere was locked again";
  } catch (const LockNotAvailableError& e) {
    EXPECT_TRUE(e.retryable()) << e.what();
    EXPECT_FALSE(e.is_disconnect()) << e.what();
    EXPECT_NE(e.sql().find("NOWAIT"), std::string::npos) << e.sql();
    EXPECT_EQ(e.info().backend, backend());
  }
  other.rollback();
  hold(other, 2, {.nowait = true});  // other rows are free
  other.rollback();
  holder.commit();  // released: now it can be had
  hold(other, 1, {.nowait = true});
  other.rollback();
}

TEST_P(Locking, SkipLockedLeavesHeldRowsOut) {
  CRUCIBLE_REQUIRE(features().supports_for_update_skip_locked);
  auto holder = engine().connect();
  auto worker = engine().connect();
  hold(holder, 1);
  auto free_jobs = select(id()).order_by(id()).with_for_update({.skip_locked = true});
  EXPECT_EQ(worker.execute(free_jobs).scalars<std::int64_t>(), (Ids{2, 3}));
  worker.rollback();
  // The job-queue pattern: each worker takes the first job nobody holds.
  auto next_job = select(id()).where(state() == "new").order_by(id()).limit(1).with_for_update({.skip_locked = true});
  EXPECT_EQ(worker.scalar<std::int64_t>(next_job), 2);
  auto third = engine().connect();
  EXPECT_EQ(third.scalar<std::int64_t>(next_job), 3);
  third.rollback();
  worker.rollback();
  holder.rollback();
}

TEST_P(Locking, ShareLocksAdmitOtherShareLocksOnly) {
  CRUCIBLE_REQUIRE(features().supports_for_update_nowait);
  auto reader = engine().connect();
  auto other = engine().connect();
  hold(reader, 1, {.read = true});
  hold(other, 1, {.read = true, .nowait = true});  // a second shared lock is granted
  other.rollback();
  EXPECT_THROW(hold(other, 1, {.nowait = true}), LockNotAvailableError);  // an exclusive one is not
  other.rollback();
  reader.rollback();
}

TEST_P(Locking, OfLocksOnlyTheNamedTable) {
  CRUCIBLE_REQUIRE(features().supports_for_update_of);
  CRUCIBLE_REQUIRE(features().supports_for_update_nowait);
  auto holder = engine().connect();
  auto stmt = select(id(), step_id()).select_from(*jobs_).join(*steps_).where(id() == 1).with_for_update({.of = {*steps_}});
  EXPECT_EQ(holder.execute(stmt).all().size(), 1u);
  auto other = engine().connect();
  hold(other, 1, {.nowait = true});  // the job row was read, not locked
  other.rollback();
  EXPECT_THROW(other.execute(select(step_id()).where(step_id() == 10).with_for_update({.nowait = true})).all(),
               LockNotAvailableError);
  other.rollback();
  holder.rollback();
}

// Without row locks the database is the unit: a second writer waits for the busy timeout and
// then gets the same error class a NOWAIT does elsewhere.
TEST_P(Locking, WithoutRowLocksASecondWriterGetsLockNotAvailableError) {
  if (features().supports_for_update) GTEST_SKIP() << backend() << " locks rows; the tests above cover it";
  auto quick = create_engine(engine().url().to_string(false),
                             {.sqlite = {.busy_timeout = std::chrono::milliseconds(50)}});
  auto writer = quick.connect();
  writer.execute(update(*jobs_).values(set(state(), "taken")).where(id() == 1));
  auto other = quick.connect();
  try {
    other.execute(update(*jobs_).values(set(state(), "mine")).where(id() == 2));
    FAIL() << "two writers at once";
  } catch (const LockNotAvailableError& e) {
    EXPECT_TRUE(e.retryable()) << e.what();
  }
  other.rollback();
  writer.commit();
  other.execute(update(*jobs_).values(set(state(), "mine")).where(id() == 2));
  other.commit();
}

CRUCIBLE_DIALECT_SUITE(Locking);

}  // namespace
}  // namespace crucible
