// SPDX-License-Identifier: MIT
// Sessions under contention: populate_existing() refreshes objects the session already holds,
// and retry_on_deadlock(session, ...) rolls the session back and runs the unit of work again
// after a transient conflict, on every backend.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>

#include "orm_suite/fixture.hpp"
#include "orm_suite/models.hpp"

namespace orm_suite {
namespace {

using namespace crucible;

class OrmRetry : public OrmSuite {
 protected:
  std::int64_t add_account(std::int64_t balance) {
    Session session(engine());
    auto a = session.add(Account{.balance = balance});
    session.commit();
    return a->id;
  }
  void set_balance(std::int64_t id, std::int64_t balance) {
    auto conn = engine().connect();
    conn.execute(text("UPDATE os_accounts SET balance = :b, version = version + 1 WHERE id = :id"),
                 {{"b", balance}, {"id", id}});
    conn.commit();
  }
};

TEST_P(OrmRetry, PopulateExistingReloadsObjectsTheSessionHolds) {
  const auto id = add_account(100);
  Session session(engine());
  auto account = session.get<Account>(id);
  ASSERT_TRUE(account);
  session.commit();
  set_balance(id, 40);  // another transaction changes the row

  // Without it the identity map keeps what it has: the same object, the old value. (Commits in
  // between, not rollbacks: a rollback would expire the objects and hide the difference.)
  auto same = session.query<Account>().where(col(&Account::id) == id).one();
  EXPECT_EQ(same.get(), account.get());
  EXPECT_EQ(account->balance, 100);
  session.commit();

  auto fresh = session.query<Account>().where(col(&Account::id) == id).populate_existing().one();
  EXPECT_EQ(fresh.get(), account.get());
  EXPECT_EQ(account->balance, 40);
  EXPECT_EQ(account->version, 2);
  EXPECT_FALSE(session.is_modified(account));  // the snapshot moved with the values
  session.commit();

  set_balance(id, 25);  // streamed and loaded whole alike
  for (auto& a : session.query<Account>().where(col(&Account::id) == id).populate_existing().stream())
    EXPECT_EQ(a.get(), account.get());
  EXPECT_EQ(account->balance, 25);
  session.commit();
  set_balance(id, 10);
  EXPECT_EQ(session.query<Account>().where(col(&Account::id) == id).populate_existing().all().at(0).get(), account.get());
  EXPECT_EQ(account->balance, 10);
  take();
  session.commit();
  EXPECT_TRUE(take().empty());  // nothing to write back
}

TEST_P(OrmRetry, ALockConflictIsRolledBackAndRunAgain) {
  CRUCIBLE_REQUIRE(features().supports_for_update_nowait);
  const auto id = add_account(100);
  auto holder = engine().connect();  // holds the row lock through the first attempt
  holder.execute(text("SELECT id FROM os_accounts WHERE id = :id FOR UPDATE"), {{"id", id}}).all();

  Session session(engine());
  int attempts = 0, retries = 0;
  std::weak_ptr<Account> first_attempt_log;
  const RetryOptions options{.max_attempts = 3,
                             .backoff = std::chrono::milliseconds(1),
                             .on_retry = [&](const DBAPIError& e, int, std::chrono::milliseconds) {
                               EXPECT_TRUE(e.retryable()) << e.what();
                               ++retries;
                               holder.rollback();  // the lock goes; the next attempt gets it
                             }};
  const std::int64_t balance = retry_on_deadlock(session, [&](Session& s) {
    ++attempts;
    auto log = s.add(Account{.balance = -1});  // new in this attempt; gone with its rollback
    if (attempts == 1) first_attempt_log = log;
    auto account = s.query<Account>().where(col(&Account::id) == id).with_for_update({.nowait = true}).one();
    account->balance -= 30;
    return account->balance;
  }, options);

  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(retries, 1);
  EXPECT_EQ(balance, 70);
  EXPECT_FALSE(session.in_transaction());  // committed
  if (auto stale = first_attempt_log.lock()) {
    EXPECT_EQ(inspect(stale).state(), ObjectState::transient);
  }
  EXPECT_EQ(scalar("SELECT balance FROM os_accounts WHERE id = " + std::to_string(id)), 70);
  EXPECT_EQ(scalar("SELECT count(*) FROM os_accounts WHERE balance = -1"), 1);  // one attempt's row, not two
}

TEST_P(OrmRetry, OtherErrorsRollBackAndPropagateAtOnce) {
  const auto id = add_account(100);
  Session session(engine());
  int attempts = 0;
  std::shared_ptr<Account> added;
  EXPECT_THROW(retry_on_deadlock(session, [&](Session& s) {
                 ++attempts;
                 added = s.add(Account{.balance = 5});
                 s.get<Account>(id)->balance = 0;
                 s.flush();
                 throw std::runtime_error("refused");
               }),
               std::runtime_error);
  EXPECT_EQ(attempts, 1);
  EXPECT_EQ(inspect(added).state(), ObjectState::transient);
  EXPECT_FALSE(session.in_transaction());
  EXPECT_EQ(scalar("SELECT balance FROM os_accounts WHERE id = " + std::to_string(id)), 100);
  EXPECT_EQ(scalar("SELECT count(*) FROM os_accounts"), 1);
}

TEST_P(OrmRetry, RefusesASessionWithWorkARetryWouldLose) {
  Session session(engine());
  auto pending = session.add(Account{.balance = 7});
  EXPECT_THROW(retry_on_deadlock(session, [](Session&) {}), InvalidRequestError);
  EXPECT_EQ(inspect(pending).state(), ObjectState::pending);  // untouched
  session.commit();
  // A transaction that only read has nothing to lose: it ends, and the attempt reads afresh.
  auto accounts = session.query<Account>().all();
  ASSERT_TRUE(session.in_transaction());
  EXPECT_NO_THROW(retry_on_deadlock(session, [](Session&) {}));
  // Written in the open transaction, or changed and not flushed: a retry would lose it.
  session.add(Account{.balance = 8});
  session.flush();
  EXPECT_THROW(retry_on_deadlock(session, [](Session&) {}), InvalidRequestError);
  session.commit();
  accounts[0]->balance = 9;
  EXPECT_THROW(retry_on_deadlock(session, [](Session&) {}), InvalidRequestError);
  session.commit();
  session.execute(update(mapper_of<Account>().table()).values(set(col(&Account::balance), std::int64_t{10})));
  EXPECT_THROW(retry_on_deadlock(session, [](Session&) {}), InvalidRequestError);
  session.rollback();
  EXPECT_NO_THROW(retry_on_deadlock(session, [](Session&) {}));
  EXPECT_EQ(scalar("SELECT count(*) FROM os_accounts WHERE balance = 9"), 1);
}

CRUCIBLE_DIALECT_SUITE(OrmRetry);

}  // namespace
}  // namespace orm_suite
