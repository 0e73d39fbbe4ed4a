// SPDX-License-Identifier: MIT
// Session: add / flush / commit, generated keys, defaults, identity map and get<T>().
#include "orm/models.hpp"

namespace orm_test {
namespace {

using namespace crucible;

TEST_F(OrmTest, AddCommitInsertsAndSetsTheGeneratedKey) {
  Session session(engine_);
  auto alice = session.add(User{.username = "alice", .email = "a@example.com"});
  EXPECT_EQ(alice->id, 0);
  session.commit();
  EXPECT_GT(alice->id, 0);
  EXPECT_EQ(inspect(alice).state(), ObjectState::persistent);
  auto conn = engine_.connect();
  EXPECT_EQ(conn.scalar<std::string>("SELECT username FROM users WHERE id = :id", {{"id", alice->id}}), "alice");
}

TEST_F(OrmTest, ClientDefaultsAndServerDefaultsAreFetchedBack) {
  Session session(engine_);
  auto u = session.add(User{.username = "bob", .email = "b@x"});
  session.flush();
  EXPECT_EQ(u->karma, 10);                     // server default, RETURNING
  EXPECT_GT(u->created_at.date.year, 2000);    // client default_now, applied before INSERT
  auto given = session.add(User{.username = "carol", .email = "c@x", .karma = 3});
  session.flush();
  EXPECT_EQ(given->karma, 3);                  // a given value wins over the server default
}

TEST_F(OrmTest, FlushBatchesRowsOfOneTableIntoOneStatement) {
  Session session(engine_);
  std::vector<User> users;
  for (int i = 0; i < 5; ++i) users.push_back(User{.username = "u" + std::to_string(i), .email = "e"});
  auto handles = session.add_all(std::move(users));
  take();
  session.flush();
  auto sql = take();
  ASSERT_EQ(sql.size(), 1u) << sql[0];
  EXPECT_EQ(verb(sql[0]), "INSERT");
  EXPECT_NE(sql[0].find("RETURNING"), std::string::npos);
  // Keys come back in order.
  for (std::size_t i = 1; i < handles.size(); ++i) EXPECT_EQ(handles[i]->id, handles[i - 1]->id + 1);
  session.commit();
  auto conn = engine_.connect();
  for (const auto& h : handles)
    EXPECT_EQ(conn.scalar<std::string>("SELECT username FROM users WHERE id = :id", {{"id", h->id}}), h->username);
}

TEST_F(OrmTest, InsertsParentsFirstAndDeletesChildrenFirst) {
  Session session(engine_);
  auto u = session.add(User{.username = "p", .email = "p"});
  session.flush();
  // Added child first, parent second: the flush still inserts users before posts.
  auto post = session.add(Post{.author_id = u->id, .title = "t"});
  auto other = session.add(User{.username = "q", .email = "q"});
  take();
  session.flush();
  auto sql = take();
  ASSERT_EQ(sql.size(), 2u);
  EXPECT_NE(sql[0].find("INSERT INTO users"), std::string::npos) << sql[0];
  EXPECT_NE(sql[1].find("INSERT INTO posts"), std::string::npos) << sql[1];
  session.delete_(u);
  session.delete_(post);
  session.flush();
  sql = take();
  ASSERT_EQ(sql.size(), 2u);
  EXPECT_NE(sql[0].find("DELETE FROM posts"), std::string::npos) << sql[0];
  EXPECT_NE(sql[1].find("DELETE FROM users"), std::string::npos) << sql[1];
  (void)other;
}

TEST_F(OrmTest, IdentityMapReturnsOneObjectPerKey) {
  std::int64_t id = 0;
  {
    Session s(engine_);
    id = s.add(User{.username = "idm", .email = "i"})->id;
    s.commit();
    id = s.query<User>().one()->id;
  }
  Session session(engine_);
  take();
  auto a = session.get<User>(id);
  ASSERT_TRUE(a);
  EXPECT_EQ(take().size(), 1u);
  auto b = session.get<User>(id);
  EXPECT_EQ(a.get(), b.get());
  EXPECT_TRUE(take().empty());  // loaded key: no SQL
  auto c = session.query<User>().where(col(&User::id) == id).one();
  EXPECT_EQ(a.get(), c.get());
  EXPECT_EQ(session.get<User>(id + 1000), nullptr);
}

TEST_F(OrmTest, CompositeKeysAndGet) {
  Session session(engine_);
  auto u = session.add(User{.username = "m", .email = "m"});
  session.flush();
  auto m = session.add(Membership{.group_name = "admins", .user_id = u->id, .role = "owner"});
  session.commit();
  Session other(engine_);
  auto loaded = other.get<Membership>(std::string("admins"), u->id);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->role, "owner");
  EXPECT_EQ(other.get<Membership>(std::string("admins"), u->id).get(), loaded.get());
  EXPECT_EQ(inspect(loaded).identity()->to_string(), "Membership('admins', " + std::to_string(u->id) + ")");
  EXPECT_THROW(other.get<Membership>(std::string("admins")), ArgumentError);
}

TEST_F(OrmTest, TwoObjectsWithOneKeyAreRejected) {
  Session session(engine_);
  auto u = session.add(User{.username = "k", .email = "k"});
  session.commit();
  Session other(engine_);
  other.get<User>(u->id);
  session.expunge(u);
  EXPECT_THROW(other.add(u), InvalidRequestError);
}

}  // namespace
}  // namespace orm_test
