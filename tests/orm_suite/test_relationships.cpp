// SPDX-License-Identifier: MIT
// Relationships on every backend: each kind, back_populates, the cascades (save-update, delete,
// delete-orphan, passive deletes over ON DELETE CASCADE), self-reference, association objects and
// Dynamic (write-only) collections, reserved words as column names, checked against what the
// database holds afterwards.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "orm_suite/fixture.hpp"
#include "orm_suite/relationship_models.hpp"

namespace orm_suite {
namespace {

using namespace crucible;

class OrmRelationships : public OrmSuite {};

TEST_P(OrmRelationships, SettingManyToOneShowsInTheCollectionAtOnce) {
  Session session(engine());
  auto alice = session.add(Author{.name = "alice"});
  auto bob = session.add(Author{.name = "bob"});
  auto post = session.add(Article{.title = "hello"});
  post->author = alice;
  ASSERT_EQ(alice->articles.size(), 1u);
  EXPECT_EQ(&alice->articles[0], post.get());
  // Moving it to another author takes it out of the first collection.
  post->author = bob;
  EXPECT_TRUE(alice->articles.empty());
  ASSERT_EQ(bob->articles.size(), 1u);
  session.commit();
  EXPECT_EQ(post->author_id, bob->id);
  EXPECT_EQ(scalar("SELECT author_id FROM os_r_articles WHERE title = 'hello'"), bob->id);

  // Removing from the collection clears the other side (and delete-orphan deletes the row).
  bob->articles.remove(post);
  EXPECT_FALSE(post->author);
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM os_r_articles"), 0);
}

TEST_P(OrmRelationships, AddingAParentAddsItsChildren) {
  Session session(engine());
  auto tag = make_instance(Tag{.name = "c++"});
  auto a = make_instance(Article{.title = "one", .tags = {tag}});
  auto alice = session.add(Author{.name = "alice", .articles = {a}});
  alice->articles.emplace(Article{.title = "two"});
  EXPECT_EQ(session.new_count(), 4u);  // author, two articles, the tag: save-update cascade
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM os_r_articles WHERE author_id = " + std::to_string(alice->id)), 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM os_r_article_tags WHERE article_id = " + std::to_string(a->id) +
                   " AND tag_id = " + std::to_string(tag->id)),
            1);
  EXPECT_EQ(a->author.get(), alice);
}

TEST_P(OrmRelationships, OneToManyLoadsLazilyAndNullsRemovedChildren) {
  Session session(engine());
  auto alice = session.add(Author{.name = "alice"});
  auto article = session.add(Article{.title = "t", .author = alice});
  for (int i = 0; i < 3; ++i) article->remarks.emplace(Remark{.body = "r" + std::to_string(i)});
  session.commit();
  session.close();

  Session s2(engine());
  auto loaded = s2.get<Article>(article->id);
  take();
  ASSERT_EQ(loaded->remarks.size(), 3u);  // one SELECT on first access
  EXPECT_EQ(take().size(), 1u);
  EXPECT_EQ(loaded->remarks.size(), 3u);  // loaded: no more SQL
  EXPECT_TRUE(take().empty());
  // No delete-orphan here: a removed child keeps its row with a NULL key.
  loaded->remarks.remove(loaded->remarks.ptr(0));
  s2.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM os_r_remarks WHERE article_id IS NULL"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM os_r_remarks"), 3);
}

TEST_P(OrmRelationships, DeleteCascadeRemovesChildrenAndSecondaryRows) {
  Session session(engine());
  auto alice = session.add(Author{.name = "alice"});
  auto tag = session.add(Tag{.name = "x"});
  auto a = alice->articles.emplace(Article{.title = "a"});
  a->tags.push_back(tag);
  alice->articles.emplace(Article{.title = "b"});
  session.commit();
  session.close();

  Session s2(engine());
  auto author = s2.get<Author>(alice->id);
  s2.delete_(author);  // loads articles (cascade delete), their tag rows go with them
  s2.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM os_r_authors"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM os_r_articles"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM os_r_article_tags"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM os_r_tags"), 1);
}

TEST_P(OrmRelationships, PassiveDeletesLeaveTheWorkToOnDeleteCascade) {
  Session session(engine());
  auto alice = session.add(Author{.name = "alice"});
  session.add(Remark{.author_id = std::nullopt, .body = "x"});
  session.flush();
  session.add(Remark{.author_id = alice->id, .body = "mine"});
  session.commit();
  session.close();
  EXPECT_EQ(scalar("SELECT count(*) FROM os_r_remarks"), 2);

  Session s2(engine());
  auto author = s2.get<Author>(alice->id);
  take();
  s2.delete_(author);
  s2.commit();
  for (const auto& sql : take()) EXPECT_EQ(sql.find("FROM os_r_remarks"), std::string::npos) << sql;
  EXPECT_EQ(scalar("SELECT count(*) FROM os_r_remarks"), 1);  // the database cascaded
  EXPECT_EQ(scalar("SELECT count(*) FROM os_r_remarks WHERE body = 'mine'"), 0);
}

TEST_P(OrmRelationships, ManyToManyBothWaysWritesOneRow) {
  Session session(engine());
  auto a = session.add(Article{.title = "a"});
  auto t = session.add(Tag{.name = "t"});
  session.commit();
  (void)t->articles.size();  // load the other side so back-population has somewhere to go
  a->tags.push_back(t);
  EXPECT_TRUE(t->articles.contains(a));
  t->articles.push_back(a);  // already there: no second row
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM os_r_article_tags"), 1);
  a->tags.remove(t);
  EXPECT_FALSE(t->articles.contains(a));
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM os_r_article_tags"), 0);
}

TEST_P(OrmRelationships, OneToOneReplacedWithDeleteOrphan) {
  Session session(engine());
  auto alice = session.add(Author{.name = "alice"});
  alice->profile = make_instance(Profile{.bio = "first"});
  session.commit();
  EXPECT_EQ(alice->profile->author_id, alice->id);
  EXPECT_EQ(alice->profile->author.get(), alice);
  // The new row takes the old one's unique author_id: the old one must go first.
  alice->profile = make_instance(Profile{.bio = "second"});
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM os_r_profiles"), 1);
  auto conn = engine().connect();
  EXPECT_EQ(conn.execute(text("SELECT bio FROM os_r_profiles")).scalar<std::string>(), "second");
}

TEST_P(OrmRelationships, SelfReferentialRepliesInsertParentsFirst) {
  Session session(engine());
  auto root = session.add(Remark{.body = "root"});
  auto child = root->replies.emplace(Remark{.body = "child"});
  auto grandchild = child->replies.emplace(Remark{.body = "grandchild"});
  EXPECT_EQ(grandchild->parent.get(), child);
  session.commit();
  EXPECT_EQ(child->parent_id, root->id);
  EXPECT_EQ(grandchild->parent_id, child->id);
  session.close();

  Session s2(engine());
  auto r = s2.get<Remark>(root->id);
  ASSERT_EQ(r->replies.size(), 1u);
  ASSERT_EQ(r->replies[0].replies.size(), 1u);
  EXPECT_EQ(r->replies[0].replies[0].body, "grandchild");
  EXPECT_EQ(r->replies[0].replies[0].parent->parent.get(), r);
  s2.delete_(r);  // all, delete-orphan: the whole thread, children first
  s2.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM os_r_remarks"), 0);
}

TEST_P(OrmRelationships, FollowersThroughTheAssociationTable) {
  Session session(engine());
  auto alice = session.add(Author{.name = "alice"});
  auto bob = session.add(Author{.name = "bob"});
  auto carol = session.add(Author{.name = "carol"});
  alice->follow(bob);
  alice->follow(bob);  // already following: no change
  bob->follow(carol);
  carol->follow(alice);  // a cycle
  session.commit();
  EXPECT_TRUE(alice->is_following(bob));
  EXPECT_FALSE(bob->is_following(alice));
  EXPECT_EQ(alice->following_count, 1);
  EXPECT_EQ(bob->followers_count, 1);
  EXPECT_EQ(bob->followers.count(), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM os_r_follows"), 3);
  EXPECT_EQ(scalar("SELECT count(*) FROM os_r_follows WHERE created_at IS NOT NULL"), 3);  // the row's own column
  // The association object sees the same rows.
  auto follows = session.query<Follow>().where(col(&Follow::follower_id) == alice->id).all();
  ASSERT_EQ(follows.size(), 1u);
  EXPECT_EQ(follows[0]->followed.get(), bob);
  alice->unfollow(bob);
  session.commit();
  EXPECT_FALSE(alice->is_following(bob));
  EXPECT_EQ(bob->followers_count, 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM os_r_follows"), 2);
  EXPECT_EQ(scalar("SELECT followers_count FROM os_r_authors WHERE name = 'bob'"), 0);
}

TEST_P(OrmRelationships, AssociationObjectsCarryTheirOwnColumns) {
  Session session(engine());
  auto alice = session.add(Author{.name = "alice"});
  auto bob = session.add(Author{.name = "bob"});
  const auto when = DateTime::from_epoch_microseconds(1'700'000'000'000'000, false);
  auto f = session.add(Follow{.created_at = when, .follower = alice, .followed = bob});
  session.commit();
  EXPECT_EQ(f->follower_id, alice->id);
  EXPECT_EQ(f->followed_id, bob->id);
  EXPECT_EQ(bob->followers.all().front(), alice);
  session.close();
  Session s2(engine());
  auto loaded = s2.get<Follow>(alice->id, bob->id);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->created_at, when);
  EXPECT_EQ(loaded->follower->name, "alice");
}

TEST_P(OrmRelationships, DynamicCollectionsQueryWithoutLoading) {
  Session session(engine());
  auto alice = session.add(Author{.name = "alice"});
  for (int i = 0; i < 25; ++i) alice->articles.emplace(Article{.title = "p" + std::to_string(i)});
  session.commit();
  session.close();
  Session s2(engine());
  auto a = s2.get<Author>(alice->id);
  take();
  EXPECT_EQ(a->article_query.count(), 25);
  auto page = a->article_query.query().paginate(2, 10);
  ASSERT_EQ(page.items.size(), 10u);
  EXPECT_EQ(page.items.front()->title, "p10");  // the relationship's order_by
  EXPECT_EQ(a->article_query.where(col(&Article::title) == "p3").count(), 1);
  EXPECT_EQ(take().size(), 4u);  // count; page count and rows; filtered count
  EXPECT_FALSE(a->articles.loaded());  // the Many<> side was never loaded
}

TEST_P(OrmRelationships, WriteOnlyCollectionsAppendAndRemoveWithoutLoading) {
  Session session(engine());
  auto alice = session.add(Author{.name = "alice"});
  auto bob = session.add(Author{.name = "bob"});
  auto carol = session.add(Author{.name = "carol"});
  session.commit();
  session.close();
  Session s2(engine());
  auto a = s2.get<Author>(alice->id);
  auto b = s2.get<Author>(bob->id);
  auto c = s2.get<Author>(carol->id);
  take();
  a->following.append(b);
  a->following.append(c);
  EXPECT_EQ(a->following.pending_appends(), 2u);
  EXPECT_TRUE(take().empty());  // appending loads nothing
  s2.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM os_r_follows WHERE follower_id = " + std::to_string(alice->id)), 2);
  EXPECT_EQ(a->following.count(), 2);
  a->following.remove(b);
  EXPECT_EQ(a->following.pending_removals(), 1u);
  s2.commit();
  auto left = a->following.all();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0]->name, "carol");
  EXPECT_EQ(scalar("SELECT count(*) FROM os_r_follows"), 1);
}

TEST_P(OrmRelationships, LoadedRelationshipsStayReadableAfterClose) {
  std::shared_ptr<Article> kept;
  {
    Session session(engine());
    auto alice = session.add(Author{.name = "alice"});
    alice->articles.emplace(Article{.title = "x"});
    session.commit();
    session.close();
    Session s2(engine());
    kept = s2.query<Article>().options(joinedload(&Article::author)).first();
    ASSERT_TRUE(kept);
  }
  // The session is gone; what was loaded is still there, what was not raises, naming it.
  EXPECT_EQ(kept->author->name, "alice");
  try {
    (void)kept->tags.size();
    FAIL() << "expected DetachedInstanceError";
  } catch (const DetachedInstanceError& e) {
    EXPECT_NE(std::string(e.what()).find("Article.tags"), std::string::npos) << e.what();
  }
}

TEST_P(OrmRelationships, CyclesDoNotOutliveTheirHandles) {
  std::weak_ptr<Author> watch;
  {
    Session session(engine());
    auto a = session.add(Author{.name = "a"});
    auto b = session.add(Author{.name = "b"});
    a->follow(b);
    b->follow(a);
    auto p = a->articles.emplace(Article{.title = "p"});
    p->author = a;  // user -> articles -> author -> user
    session.commit();
    watch = a;
  }
  EXPECT_TRUE(watch.expired());  // the graph went with the session and the handles
}

TEST_P(OrmRelationships, ReservedWordColumnsAreQuotedInEveryStatement) {
  Session session(engine());
  auto q = session.add(Queue{.key = "k"});
  q->entries.emplace(Entry{.group = "first"});
  q->entries.emplace(Entry{.order = 3, .group = "second"});
  session.commit();  // INSERT ... RETURNING "order"
  EXPECT_EQ(q->entries[0].order, 7);
  EXPECT_EQ(q->entries[0].desc, 1);
  q->entries[0].group = "changed";
  session.commit();  // UPDATE ... SET "group" WHERE ... "desc" = ?
  EXPECT_EQ(q->entries[0].desc, 2);
  session.close();

  Session s2(engine());
  auto queues = s2.query<Queue>().options(selectinload(&Queue::entries)).all();
  ASSERT_EQ(queues.size(), 1u);
  ASSERT_EQ(queues[0]->entries.size(), 2u);
  EXPECT_EQ(queues[0]->entries[0].group, "second");  // ORDER BY "order"
  auto joined = s2.query<Entry>().options(joinedload(&Entry::queue)).order_by(desc(&Entry::order)).all();
  ASSERT_EQ(joined.size(), 2u);
  EXPECT_EQ(joined[0]->queue->key, "k");
  EXPECT_EQ(s2.query<Entry>().group_by(col(&Entry::group)).values(col(&Entry::group), func::count()).size(), 2u);
  EXPECT_EQ(s2.query<Entry>().where(col(&Entry::order) == 3).update(set(col(&Entry::group), "bulk")), 1);
  s2.delete_(queues[0]->entries.ptr(0));
  s2.commit();
  EXPECT_EQ(s2.query<Entry>().count(), 1);
  EXPECT_EQ(s2.query<Entry>().one()->group, "changed");
}

CRUCIBLE_DIALECT_SUITE(OrmRelationships);

}  // namespace
}  // namespace orm_suite
