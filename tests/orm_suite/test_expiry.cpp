// SPDX-License-Identifier: MIT
// Expiry on every backend: after a rollback (explicit, or the one a failed flush makes) members
// hold the database's values again and a change made afterwards is written; a member set after
// expire() / expire_on_commit survives the reload a query or get makes and is written; an
// expired object whose row is gone refuses the change instead of dropping it.
#include <memory>
#include <string>

#include "orm_suite/fixture.hpp"
#include "orm_suite/models.hpp"

namespace orm_suite {
namespace {

using namespace crucible;

class OrmExpiry : public OrmSuite {
 protected:
  std::string text_of(const std::string& sql) {
    auto conn = engine().connect();
    return conn.execute(text(sql)).scalar<std::string>();
  }
  void run(const std::string& sql) {
    auto conn = engine().connect();
    conn.execute(text(sql));
    conn.commit();
  }
};

TEST_P(OrmExpiry, AChangeAfterRollbackIsWritten) {
  Session s(engine());
  auto u = s.add(User{.username = "ed", .email = "e"});
  s.commit();
  u->username = "edward";
  s.rollback();
  EXPECT_EQ(u->username, "ed");  // the database's value again, read at the rollback
  EXPECT_FALSE(inspect(u).expired());
  u->username = "edward2";
  s.commit();
  EXPECT_EQ(text_of("SELECT username FROM os_users WHERE id = " + std::to_string(u->id)), "edward2");
}

TEST_P(OrmExpiry, AFlushedChangeRolledBackIsNotWrittenAgain) {
  Session s(engine());
  auto u = s.add(User{.username = "ed", .email = "e"});
  s.commit();
  u->username = "edward";
  u->email = "flushed";
  s.flush();
  s.rollback();
  EXPECT_EQ(u->username, "ed");
  EXPECT_EQ(u->email, "e");
  EXPECT_FALSE(s.is_modified(u));
  u->email = "after";
  s.commit();
  EXPECT_EQ(text_of("SELECT username FROM os_users WHERE id = " + std::to_string(u->id)), "ed");
  EXPECT_EQ(text_of("SELECT email FROM os_users WHERE id = " + std::to_string(u->id)), "after");
}

TEST_P(OrmExpiry, FixingAnObjectAfterAFailedCommitWritesTheFix) {
  Session s(engine());
  auto a = s.add(User{.username = "a", .email = "a"});
  auto b = s.add(User{.username = "b", .email = "b"});
  s.commit();
  a->username = "b";  // unique violation
  a->email = "a2";
  EXPECT_THROW(s.commit(), IntegrityError);
  EXPECT_EQ(a->username, "a");  // the failed flush rolled back, and the values came back
  EXPECT_EQ(a->email, "a");
  a->username = "fixed";
  s.commit();
  EXPECT_EQ(text_of("SELECT username FROM os_users WHERE id = " + std::to_string(a->id)), "fixed");
  EXPECT_EQ(scalar("SELECT count(*) FROM os_users WHERE username = 'b'"), 1);
  (void)b;
}

TEST_P(OrmExpiry, AMemberSetAfterExpireIsWrittenAndKeptByTheReload) {
  Session s(engine());
  auto u = s.add(User{.username = "x", .email = "x"});
  s.commit();
  const std::string id = std::to_string(u->id);
  u->email = "given up";  // unflushed: expire() gives it up
  s.expire(u);
  u->posts_count = 7;     // set after the expiry: kept
  run("UPDATE os_users SET username = 'renamed', email = 'theirs' WHERE id = " + id);
  auto again = s.query<User>().where(col(&User::id) == u->id).one();  // meets it: reloads
  EXPECT_EQ(again.get(), u.get());
  EXPECT_FALSE(inspect(u).expired());
  EXPECT_EQ(u->username, "renamed");
  EXPECT_EQ(u->email, "theirs");
  EXPECT_EQ(u->posts_count, 7);
  s.commit();
  EXPECT_EQ(scalar("SELECT posts_count FROM os_users WHERE id = " + id), 7);
  EXPECT_EQ(text_of("SELECT email FROM os_users WHERE id = " + id), "theirs");
}

TEST_P(OrmExpiry, AnExpiredObjectChangedWithoutAReloadIsStillWritten) {
  Session s(engine());
  auto u = s.add(User{.username = "x", .email = "x"});
  s.commit();
  s.expire(u);
  u->email = "mine";
  s.commit();  // no query met it: the flush writes the change all the same
  EXPECT_EQ(text_of("SELECT email FROM os_users WHERE id = " + std::to_string(u->id)), "mine");
}

TEST_P(OrmExpiry, ExpireOnCommitReloadsOnTheNextQueryAndKeepsLaterChanges) {
  Session s(engine(), SessionOptions{.expire_on_commit = true});
  auto u = s.add(User{.username = "x", .email = "x"});
  s.commit();
  EXPECT_TRUE(inspect(u).expired());
  const std::string id = std::to_string(u->id);
  run("UPDATE os_users SET username = 'elsewhere' WHERE id = " + id);
  u->email = "later";
  auto got = s.get<User>(u->id);
  EXPECT_EQ(got.get(), u.get());
  EXPECT_EQ(u->username, "elsewhere");
  EXPECT_EQ(u->email, "later");
  s.commit();
  EXPECT_EQ(text_of("SELECT email FROM os_users WHERE id = " + id), "later");
  EXPECT_EQ(text_of("SELECT username FROM os_users WHERE id = " + id), "elsewhere");
}

TEST_P(OrmExpiry, WithoutExpireOnCommitObjectsKeepTheirValues) {
  Session s(engine());
  auto u = s.add(User{.username = "x", .email = "x"});
  s.commit();
  EXPECT_FALSE(inspect(u).expired());
  run("UPDATE os_users SET username = 'elsewhere' WHERE id = " + std::to_string(u->id));
  EXPECT_EQ(s.get<User>(u->id)->username, "x");  // the identity map wins, no SQL
}

TEST_P(OrmExpiry, AChangeToAnExpiredObjectWhoseRowIsGoneIsRefused) {
  Session s(engine());
  auto u = s.add(User{.username = "x", .email = "x"});
  s.commit();
  s.expire(u);
  run("DELETE FROM os_users WHERE id = " + std::to_string(u->id));
  u->email = "lost?";
  EXPECT_THROW(s.commit(), StaleDataError);
  EXPECT_THROW(s.refresh(u), ObjectDeletedError);
}

TEST_P(OrmExpiry, RollbackReloadsInOneStatementPerMapperBatch) {
  Session s(engine());
  for (int i = 0; i < 30; ++i) s.add(User{.username = "u" + std::to_string(i), .email = "e"});
  s.commit();
  s.query<User>().all();
  take();
  s.rollback();
  int selects = 0;
  for (const auto& sql : take())
    if (verb(sql) == "SELECT") ++selects;
  EXPECT_EQ(selects, 1);
  EXPECT_FALSE(s.in_transaction());  // the reload's read transaction ended with it
}

CRUCIBLE_DIALECT_SUITE(OrmExpiry);

}  // namespace
}  // namespace orm_suite
