// SPDX-License-Identifier: MIT
// Autoflush before a query flushes what could change its rows: new and deleted objects always,
// edited objects of the tables the query reads; edits to other tables' objects wait for the next
// flush (they cannot change this query's rows), so a query does not compare every object the
// session holds.
#include <algorithm>
#include <string>
#include <vector>

#include "orm_suite/fixture.hpp"
#include "orm_suite/models.hpp"

namespace orm_suite {
namespace {

using namespace crucible;

class OrmAutoflush : public OrmSuite {
 protected:
  static long updates(const std::vector<std::string>& sql) {
    return std::count_if(sql.begin(), sql.end(), [](const std::string& s) { return verb(s) == "UPDATE"; });
  }
};

TEST_P(OrmAutoflush, AQueryFlushesEditsToTheTablesItReadsOnly) {
  Session s(engine());
  auto u = s.add(User{.username = "u", .email = "e"});
  s.flush();
  auto p = s.add(Post{.author_id = u->id, .title = "t", .views_count = 1});
  s.commit();
  u->email = "edited";
  p->views_count = 2;
  take();
  // Reads users only: the user's edit is flushed first (the query must see it), the post's waits.
  EXPECT_EQ(s.query<User>().where(col(&User::email) == std::string("edited")).count(), 1);
  auto sql = take();
  EXPECT_EQ(updates(sql), 1);
  ASSERT_FALSE(sql.empty());
  EXPECT_NE(sql[0].find("os_users"), std::string::npos) << sql[0];
  EXPECT_TRUE(s.is_modified(p));
  // Reads posts: now the post's edit goes.
  EXPECT_EQ(s.query<Post>().where(col(&Post::views_count) == 2).count(), 1);
  EXPECT_EQ(updates(take()), 1);
  EXPECT_FALSE(s.is_modified(p));
  // A subquery's table counts as read.
  p->views_count = 3;
  auto authors = s.query<Post>().where(col(&Post::views_count) == 3).select(col(&Post::author_id));
  EXPECT_EQ(s.query<User>().where(col(&User::id).in_(authors)).count(), 1);
  EXPECT_EQ(updates(take()), 1);
}

TEST_P(OrmAutoflush, NewAndDeletedObjectsOfAnyTableAreFlushedBeforeAQuery) {
  Session s(engine());
  auto u = s.add(User{.username = "u", .email = "e"});
  s.commit();
  s.add(Post{.author_id = u->id, .title = "pending"});
  EXPECT_EQ(s.query<User>().count(), 1);
  EXPECT_EQ(s.query<Post>().count(), 1);  // flushed before the query
  auto gone = s.query<Post>().one();
  s.delete_(gone);
  EXPECT_EQ(s.query<User>().count(), 1);  // the DELETE went first
  EXPECT_EQ(s.query<Post>().count(), 0);
  s.rollback();
  EXPECT_EQ(s.query<Post>().count(), 0);  // the pending post was rolled back with its insert
}

TEST_P(OrmAutoflush, EditsAQueryDidNotFlushAreWrittenByTheCommit) {
  Session s(engine());
  auto u = s.add(User{.username = "u", .email = "e"});
  s.flush();
  auto p = s.add(Post{.author_id = u->id, .title = "t"});
  s.commit();
  p->title = "later";
  s.query<User>().all();
  s.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM os_posts WHERE title = 'later'"), 1);
  (void)u;
}

CRUCIBLE_DIALECT_SUITE(OrmAutoflush);

}  // namespace
}  // namespace orm_suite
