// SPDX-License-Identifier: MIT
// Autoflush before a query flushes what could change its rows: new and deleted objects and
// relationship changes always, edited objects of the tables the query reads when the edit is in a
// column the query reads (its filters, joins, ordering, a Core select list); other edits wait for
// the next flush (they cannot change this query's rows), so a query compares only those members
// of the objects the session holds.
#include <algorithm>
#include <string>
#include <vector>

#include "orm_suite/cascade_models.hpp"
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

TEST_P(OrmAutoflush, EditsToColumnsAQueryDoesNotReadWaitForTheNextFlush) {
  Session s(engine());
  auto u = s.add(User{.username = "u", .email = "e"});
  s.commit();
  u->email = "edited";
  take();
  // An entity query's select list is the entity's columns, and the held object's values win
  // there: the edit cannot change what it returns.
  auto all = s.query<User>().all();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0], u);
  EXPECT_EQ(all[0]->email, "edited");
  EXPECT_EQ(s.query<User>().count(), 1);
  EXPECT_EQ(s.query<User>().where(col(&User::username) == std::string("u")).count(), 1);
  EXPECT_EQ(updates(take()), 0);
  EXPECT_TRUE(s.is_modified(u));
  // Ordering by it, or selecting it as a value, reads it: flushed first.
  EXPECT_EQ(s.query<User>().order_by(col(&User::email)).all().size(), 1u);
  EXPECT_EQ(updates(take()), 1);
  u->email = "again";
  EXPECT_EQ(std::get<0>(s.query<User>().values(col(&User::email)).at(0)), "again");
  EXPECT_EQ(updates(take()), 1);
  u->email = "core";
  EXPECT_EQ(s.execute(select(col(&User::email))).scalar<std::string>(), "core");
  EXPECT_EQ(updates(take()), 1);
  s.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM os_users WHERE email = 'core'"), 1);
}

TEST_P(OrmAutoflush, PopulateExistingFlushesEditsBeforeOverwritingThem) {
  Session s(engine());
  auto u = s.add(User{.username = "u", .email = "e"});
  s.commit();
  u->email = "edited";
  // The query overwrites held objects with the rows it reads: their edits are written first, so
  // none is lost.
  auto again = s.query<User>().populate_existing().all();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(u->email, "edited");
  EXPECT_FALSE(s.is_modified(u));
  s.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM os_users WHERE email = 'edited'"), 1);
}

TEST_P(OrmAutoflush, AKeyARelationshipChangeSetsIsWrittenBeforeAQueryOfIt) {
  Session s(engine());
  auto first = s.add(CShop{.name = "first"});
  auto second = s.add(CShop{.name = "second"});
  s.flush();
  auto clerk = s.add(CClerk{.shop_id = first->id, .name = "c"});
  s.commit();
  (void)first->clerks.size();
  (void)second->clerks.size();
  // The clerk's shop_id is set by the flush, from the collection change: a query of it must see
  // the new value even though no clerk was edited when the query began.
  first->clerks.remove(clerk);
  second->clerks.append(clerk);
  EXPECT_EQ(s.query<CClerk>().where(col(&CClerk::shop_id) == second->id).count(), 1);
  EXPECT_EQ(clerk->shop_id, second->id);
  EXPECT_FALSE(s.is_modified(clerk));
  s.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM os_c_clerks WHERE shop_id = " + std::to_string(second->id)), 1);
}

TEST_P(OrmAutoflush, ManyToManyLinksAreFlushedWithoutTheLinkedObjectsOtherEdits) {
  Session s(engine());
  auto item = s.add(CItem{.name = "item"});
  auto kw = s.add(CKeyword{.name = "kw"});
  s.commit();
  (void)item->keywords.size();
  (void)kw->items.size();
  item->keywords.append(kw);
  item->name = "renamed";
  kw->name = "renamed too";
  take();
  // Reads the link table and keywords by key: the link row goes, the names wait.
  auto of_item = s.query<CKeyword>()
                     .where(col(&CKeyword::id).in_(select(item_keywords().c<std::int64_t>("keyword_id"))
                                                       .where(item_keywords().c<std::int64_t>("item_id") == item->id)))
                     .count();
  EXPECT_EQ(of_item, 1);
  auto sql = take();
  EXPECT_EQ(updates(sql), 0);
  EXPECT_TRUE(s.is_modified(item));
  s.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM os_c_item_keywords"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM os_c_items WHERE name = 'renamed'"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM os_c_keywords WHERE name = 'renamed too'"), 1);
}

CRUCIBLE_DIALECT_SUITE(OrmAutoflush);

}  // namespace
}  // namespace orm_suite
