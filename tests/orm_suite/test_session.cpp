// SPDX-License-Identifier: MIT
// Session on every backend: add and commit, generated keys and server defaults fetched back,
// flush batches and ordering, the identity map and get<T>(), Core statements on mapped tables.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "orm_suite/fixture.hpp"
#include "orm_suite/models.hpp"

namespace orm_suite {
namespace {

using namespace crucible;

class OrmSession : public OrmSuite {};

TEST_P(OrmSession, AddCommitInsertsAndSetsTheGeneratedKey) {
  Session session(engine());
  auto alice = session.add(User{.username = "alice", .email = "a@example.com"});
  EXPECT_EQ(alice->id, 0);
  session.commit();
  EXPECT_GT(alice->id, 0);
  EXPECT_EQ(inspect(alice).state(), ObjectState::persistent);
  auto conn = engine().connect();
  EXPECT_EQ(conn.scalar<std::string>("SELECT username FROM os_users WHERE id = :id", {{"id", alice->id}}), "alice");
}

// The mapped classes' tables are Core tables: create_all made them (the fixture), and Core
// statements run on them.
TEST_P(OrmSession, CreateAllWorksOnMappedTables) {
  auto conn = engine().connect();
  EXPECT_TRUE(has_table(conn, "os_users"));
  EXPECT_TRUE(has_table(conn, "os_posts"));
  conn.execute(insert(mapper_of<User>().table())
                   .values(set(col(&User::username), "core"), set(col(&User::email), "c@x"),
                           set(col(&User::posts_count), 0), set(col(&User::karma), 1)));
  EXPECT_EQ(conn.scalar<std::int64_t>(select(func::count()).select_from(mapper_of<User>().table())), 1);
  conn.commit();
}

TEST_P(OrmSession, GeneratedKeysComeBackInRowOrder) {
  Session session(engine());
  auto author = session.add(User{.username = "author", .email = "a@x"});
  session.flush();
  std::vector<Post> posts;
  for (int i = 0; i < 4; ++i) posts.push_back(Post{.author_id = author->id, .title = "p" + std::to_string(i)});
  auto handles = session.add_all(std::move(posts));
  take();
  session.flush();
  auto sql = take();
  // One statement either way: multi-row INSERT ... RETURNING on a server, one prepared INSERT
  // executed per row (the driver's last insert id) in process.
  ASSERT_EQ(sql.size(), 1u);
  EXPECT_EQ(verb(sql[0]), "INSERT");
  const bool returning = !features().in_process && features().supports_insert_returning;
  EXPECT_EQ(sql[0].find("RETURNING") != std::string::npos, returning) << sql[0];
  for (std::size_t i = 1; i < handles.size(); ++i) EXPECT_GT(handles[i]->id, handles[i - 1]->id);
  session.commit();
  for (const auto& h : handles)
    EXPECT_EQ(scalar("SELECT count(*) FROM os_posts WHERE id = " + std::to_string(h->id) + " AND title = '" +
                     h->title + "'"),
              1);
  EXPECT_TRUE(inspect(handles[0]).persistent());
}

TEST_P(OrmSession, ServerAndClientDefaultsAreFetchedBack) {
  Session session(engine());
  auto u = session.add(User{.username = "bob", .email = "b@x"});
  session.flush();
  EXPECT_GT(u->id, 0);
  EXPECT_EQ(u->karma, 10);                   // server default
  ASSERT_TRUE(u->created_at.has_value());  // client default_now, applied before the INSERT
  EXPECT_GT(u->created_at->date.year, 2000);
  auto given = session.add(User{.username = "carol", .email = "c@x", .karma = 3});
  session.flush();
  EXPECT_EQ(given->karma, 3);  // a given value wins over the server default
  session.commit();
  EXPECT_EQ(scalar("SELECT karma FROM os_users WHERE id = " + std::to_string(u->id)), 10);
  EXPECT_EQ(scalar("SELECT karma FROM os_users WHERE id = " + std::to_string(given->id)), 3);
  // What the object holds is what the database stored, to the microsecond.
  Session other(engine());
  auto loaded = other.get<User>(u->id);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->created_at, u->created_at);
  EXPECT_EQ(loaded->karma, 10);
}

TEST_P(OrmSession, RowsOfOneTableShareOneInsertWhereKeysAndDefaultsComeBackInIt) {
  Session session(engine());
  std::vector<User> users;
  for (int i = 0; i < 5; ++i) users.push_back(User{.username = "u" + std::to_string(i), .email = "e"});
  auto handles = session.add_all(std::move(users));
  take();
  session.flush();
  auto sql = take();
  if (features().supports_insert_returning && features().supports_multirow_insert) {
    ASSERT_EQ(sql.size(), 1u);
    EXPECT_EQ(verb(sql[0]), "INSERT");
    EXPECT_NE(sql[0].find("RETURNING"), std::string::npos) << sql[0];
  } else {  // the key from the driver and the server default by a SELECT, row by row
    EXPECT_EQ(std::count_if(sql.begin(), sql.end(), [](const std::string& s) { return verb(s) == "INSERT"; }), 5);
  }
  for (std::size_t i = 1; i < handles.size(); ++i) EXPECT_EQ(handles[i]->id, handles[i - 1]->id + 1);
  for (const auto& h : handles) EXPECT_EQ(h->karma, 10);
  session.commit();
  for (const auto& h : handles)
    EXPECT_EQ(scalar("SELECT count(*) FROM os_users WHERE id = " + std::to_string(h->id) + " AND username = '" +
                     h->username + "'"),
              1);
}

TEST_P(OrmSession, ManyNewRowsGoInFullBatchesAndEveryKeyFindsItsObject) {
  // 2,500 rows whose only fetched column is the key: on a server, two full 1,000-row INSERT ...
  // RETURNING batches as one execute_many (pipelined on PostgreSQL) and one of 500; in process,
  // one prepared INSERT per row as one execute_many.
  Session session(engine());
  std::vector<Note> notes;
  for (int i = 0; i < 2500; ++i) notes.push_back(Note{.body = "n" + std::to_string(i), .priority = 1 + i % 3});
  auto handles = session.add_all(std::move(notes));
  take();
  session.flush();
  const auto sql = take();
  const bool batches = !features().in_process && features().supports_insert_returning;
  if (batches) {
    ASSERT_EQ(sql.size(), 2u);
    EXPECT_NE(sql[0].find("RETURNING"), std::string::npos);
    EXPECT_LT(sql[1].size(), sql[0].size());  // 500 rows against 1,000
  } else if (features().in_process) {
    EXPECT_EQ(sql.size(), 1u);
  }
  for (std::size_t i = 1; i < handles.size(); ++i) ASSERT_GT(handles[i]->id, handles[i - 1]->id);
  session.commit();
  // Each object holds the key of the row made from it.
  auto conn = engine().connect();
  std::size_t matched = 0;
  for (auto [id, body] : conn.execute(text("SELECT id, body FROM os_notes ORDER BY id")).as<std::int64_t, std::string>()) {
    ASSERT_LT(matched, handles.size());
    EXPECT_EQ(id, handles[matched]->id);
    EXPECT_EQ(body, handles[matched]->body);
    ++matched;
  }
  EXPECT_EQ(matched, handles.size());
}

TEST_P(OrmSession, IntKeysComeBackAndFindTheirObjects) {
  Session session(engine());
  // Only the key to fetch, then the key and a server default: both ways of reading keys back.
  auto given = session.add_all(std::vector<Note>{{.body = "a", .priority = 1}, {.body = "b", .priority = 2}});
  session.flush();
  auto defaulted = session.add_all(std::vector<Note>{{.body = "c"}, {.body = "d"}});
  session.flush();
  EXPECT_GT(given[0]->id, 0);
  EXPECT_GT(given[1]->id, given[0]->id);
  EXPECT_GT(defaulted[0]->id, given[1]->id);
  EXPECT_GT(defaulted[1]->id, defaulted[0]->id);
  EXPECT_EQ(defaulted[1]->priority, 5);
  session.commit();
  take();
  EXPECT_EQ(session.get<Note>(defaulted[1]->id).get(), defaulted[1].get());  // int key, int64 identity
  EXPECT_EQ(session.query<Note>().where(col(&Note::body) == "c").one().get(), defaulted[0].get());
  EXPECT_EQ(take().size(), 1u);  // the query; get found the object in the identity map
  Session other(engine());
  auto loaded = other.get<Note>(given[1]->id);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->body, "b");
  EXPECT_EQ(other.get<Note>(std::int64_t{given[1]->id}).get(), loaded.get());
}

TEST_P(OrmSession, AKeyTooWideForAnIntMemberIsATypeErrorNotACutKey) {
  // Only SQLite hands out a key past INTEGER's range for an INTEGER column (its keys are 64-bit
  // rowids); a server's INTEGER identity column stops at 2^31 - 1 itself.
  if (backend() != "sqlite") GTEST_SKIP() << "only SQLite generates a key past an INTEGER column's range";
  {
    auto conn = engine().connect();
    conn.execute(text("INSERT INTO os_notes (id, body, priority) VALUES (2147483648, 'wide', 1)"));
    conn.commit();
  }
  Session session(engine());
  EXPECT_THROW(session.query<Note>().all(), TypeError);  // reading the key
  auto next = session.add(Note{.body = "next", .priority = 2});
  EXPECT_THROW(session.flush(), TypeError);  // the database generates 2147483649 for it
  // A failed flush: rolled back, the pending object expunged, its key member never cut.
  EXPECT_EQ(next->id, 0);
  EXPECT_TRUE(inspect(next).transient());
  EXPECT_FALSE(session.in_transaction());
  EXPECT_EQ(scalar("SELECT count(*) FROM os_notes"), 1);
}

TEST_P(OrmSession, InsertsParentsFirstAndDeletesChildrenFirst) {
  Session session(engine());
  auto u = session.add(User{.username = "p", .email = "p"});
  session.flush();
  // Added child first, parent second: the flush still inserts users before posts.
  auto post = session.add(Post{.author_id = u->id, .title = "t"});
  auto other = session.add(User{.username = "q", .email = "q"});
  take();
  session.flush();
  auto sql = take();
  ASSERT_EQ(sql.size(), 2u);
  EXPECT_NE(sql[0].find("INSERT INTO os_users"), std::string::npos) << sql[0];
  EXPECT_NE(sql[1].find("INSERT INTO os_posts"), std::string::npos) << sql[1];
  EXPECT_GT(other->id, u->id);
  // Marked parent first: the flush still deletes the post before its author (the foreign key
  // would reject the other order on every backend).
  session.delete_(u);
  session.delete_(post);
  session.flush();
  sql = take();
  ASSERT_EQ(sql.size(), 2u);
  EXPECT_NE(sql[0].find("DELETE FROM os_posts"), std::string::npos) << sql[0];
  EXPECT_NE(sql[1].find("DELETE FROM os_users"), std::string::npos) << sql[1];
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM os_users"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM os_posts"), 0);
}

TEST_P(OrmSession, IdentityMapReturnsOneObjectPerKey) {
  std::int64_t id = 0;
  {
    Session s(engine());
    id = s.add(User{.username = "idm", .email = "i"})->id;
    s.commit();
    id = s.query<User>().one()->id;
  }
  Session session(engine());
  take();
  auto a = session.get<User>(id);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->username, "idm");
  EXPECT_EQ(take().size(), 1u);
  auto b = session.get<User>(id);
  EXPECT_EQ(a.get(), b.get());
  EXPECT_TRUE(take().empty());  // a loaded key: no SQL
  auto c = session.query<User>().where(col(&User::id) == id).one();
  EXPECT_EQ(a.get(), c.get());
  EXPECT_EQ(session.get<User>(id + 1000), nullptr);
  EXPECT_EQ(session.identity_map_size(), 1u);
}

TEST_P(OrmSession, CompositeKeysAndGet) {
  Session session(engine());
  auto u = session.add(User{.username = "m", .email = "m"});
  session.flush();
  session.add(Membership{.group_name = "admins", .user_id = u->id, .role = "owner"});
  session.commit();
  Session other(engine());
  auto loaded = other.get<Membership>(std::string("admins"), u->id);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->role, "owner");
  take();
  EXPECT_EQ(other.get<Membership>(std::string("admins"), u->id).get(), loaded.get());
  EXPECT_TRUE(take().empty());
  EXPECT_EQ(inspect(loaded).identity()->to_string(), "Membership('admins', " + std::to_string(u->id) + ")");
  EXPECT_EQ(other.get<Membership>(std::string("users"), u->id), nullptr);
  EXPECT_THROW(other.get<Membership>(std::string("admins")), ArgumentError);  // half a key
}

TEST_P(OrmSession, TwoObjectsWithOneKeyAreRejected) {
  Session session(engine());
  auto u = session.add(User{.username = "k", .email = "k"});
  session.commit();
  Session other(engine());
  ASSERT_TRUE(other.get<User>(u->id));
  session.expunge(u);
  EXPECT_THROW(other.add(u), InvalidRequestError);
}

CRUCIBLE_DIALECT_SUITE(OrmSession);

}  // namespace
}  // namespace orm_suite
