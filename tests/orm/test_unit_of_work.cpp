// SPDX-License-Identifier: MIT
// Unit of work details: optimistic locking, events, cycles, batches of updates and deletes.
#include "orm/models.hpp"

namespace orm_test {
namespace {

using namespace crucible;

TEST_F(OrmTest, VersionCounterDetectsConcurrentChanges) {
  Session a(engine_);
  auto acc = a.add(Account{.balance = 100});
  a.commit();
  EXPECT_EQ(acc->version, 1);
  Session b(engine_);
  auto other = b.get<Account>(acc->id);
  other->balance = 50;
  b.commit();
  EXPECT_EQ(other->version, 2);
  acc->balance = 70;  // based on version 1
  EXPECT_THROW(a.commit(), StaleDataError);
  Session check(engine_);
  auto now = check.get<Account>(acc->id);
  EXPECT_EQ(now->balance, 50);  // nothing written
  EXPECT_EQ(now->version, 2);
}

TEST_F(OrmTest, StaleDeleteIsReported) {
  Session a(engine_);
  auto u = a.add(User{.username = "gone", .email = "g"});
  a.commit();
  {
    auto conn = engine_.connect();
    conn.execute("DELETE FROM users WHERE id = :id", {{"id", u->id}});
    conn.commit();
  }
  a.delete_(u);
  try {
    a.flush();
    FAIL() << "expected StaleDataError";
  } catch (const StaleDataError& e) {
    EXPECT_NE(std::string(e.what()).find("expected to delete 1 row(s); 0 were matched"), std::string::npos)
        << e.what();
  }
}

TEST_F(OrmTest, UpdatesAndDeletesOfOneShapeAreBatched) {
  Session session(engine_);
  std::vector<User> users;
  for (int i = 0; i < 4; ++i) users.push_back(User{.username = "b" + std::to_string(i), .email = "e"});
  auto hs = session.add_all(std::move(users));
  session.commit();
  for (auto& h : hs) h->posts_count += 1;
  take();
  session.flush();
  auto sql = take();
  EXPECT_EQ(sql.size(), 1u);  // one execute_many
  for (auto& h : hs) session.delete_(h);
  session.flush();
  sql = take();
  ASSERT_EQ(sql.size(), 1u);
  EXPECT_EQ(verb(sql[0]), "DELETE");
}

TEST_F(OrmTest, OrmEventsFireAroundStatements) {
  Session session(engine_);
  std::vector<std::string> seen;
  session.events().before_flush([&](Session&) { seen.push_back("before_flush"); });
  session.events().before_insert<User>([&](User& u) {
    seen.push_back("before_insert " + u.username);
    u.email = "set-by-listener";
  });
  session.events().after_insert<User>([&](User& u) { seen.push_back("after_insert " + std::to_string(u.id > 0)); });
  session.events().before_update<User>([&](User&) { seen.push_back("before_update"); });
  session.events().after_update<User>([&](User&) { seen.push_back("after_update"); });
  session.events().before_delete<User>([&](User&) { seen.push_back("before_delete"); });
  session.events().after_delete<User>([&](User&) { seen.push_back("after_delete"); });
  session.events().after_commit([&](Session&) { seen.push_back("after_commit"); });
  session.events().after_rollback([&](Session&) { seen.push_back("after_rollback"); });
  auto u = session.add(User{.username = "ev", .email = "e"});
  session.commit();
  EXPECT_EQ(u->email, "set-by-listener");
  u->posts_count = 3;
  session.flush();
  session.delete_(u);
  session.flush();
  session.rollback();
  std::vector<std::string> expected{"before_flush", "before_insert ev", "after_insert 1", "after_commit",
                                    "before_flush", "before_update", "after_update",
                                    "before_flush", "before_delete", "after_delete", "after_rollback"};
  EXPECT_EQ(seen, expected);
}

TEST_F(OrmTest, ScopedSessionGivesOneSessionPerScope) {
  std::uintptr_t scope = 1;
  int configured = 0;
  ScopedSession db(engine_, {}, [&] { return scope; }, [&](Session&) { ++configured; });
  Session& first = db();
  EXPECT_EQ(&db(), &first);
  scope = 2;
  EXPECT_NE(&db(), &first);
  EXPECT_EQ(db.size(), 2u);
  db.remove();
  EXPECT_EQ(db.size(), 1u);
  EXPECT_EQ(configured, 2);
  ScopedSession per_thread(engine_);
  Session* main_session = &per_thread();
  Session* other = nullptr;
  std::thread([&] { other = &per_thread(); }).join();
  EXPECT_NE(main_session, other);
}

}  // namespace
}  // namespace orm_test
