// SPDX-License-Identifier: MIT
// Relationships: each kind, back_populates, cascades, and what the database holds afterwards.
#include <gtest/gtest.h>

#include "orm/relationship_models.hpp"

namespace rel_test {
namespace {

using namespace crucible;
using orm_test::OrmTest;

class RelationshipTest : public OrmTest {
 protected:
  std::int64_t scalar(const std::string& sql) {
    auto conn = engine_.connect();
    return conn.execute(text(sql)).scalar<std::int64_t>();
  }
};

TEST_F(RelationshipTest, RelationshipsAreConfiguredFromForeignKeys) {
  const Relationship* articles = mapper_of<Author>().find_relationship("articles");
  ASSERT_NE(articles, nullptr);
  EXPECT_EQ(articles->direction(), RelationshipDirection::one_to_many);
  EXPECT_EQ(articles->reverse(), mapper_of<Article>().find_relationship("author"));
  EXPECT_EQ(mapper_of<Article>().find_relationship("author")->direction(), RelationshipDirection::many_to_one);
  EXPECT_EQ(mapper_of<Author>().find_relationship("profile")->direction(), RelationshipDirection::one_to_many);
  EXPECT_FALSE(mapper_of<Author>().find_relationship("profile")->collection());
  // backref declared the other side.
  const Relationship* back = mapper_of<Profile>().find_relationship("author");
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(back->direction(), RelationshipDirection::many_to_one);
  EXPECT_EQ(back->reverse(), mapper_of<Author>().find_relationship("profile"));
  const Relationship* tags = mapper_of<Article>().find_relationship("tags");
  EXPECT_EQ(tags->direction(), RelationshipDirection::many_to_many);
  EXPECT_EQ(tags->reverse(), mapper_of<Tag>().find_relationship("articles"));
  EXPECT_EQ(mapper_of<Remark>().find_relationship("parent")->direction(), RelationshipDirection::many_to_one);
  EXPECT_EQ(mapper_of<Remark>().find_relationship("replies")->direction(), RelationshipDirection::one_to_many);
  EXPECT_EQ(mapper_of<Author>().find_relationship("articles")->name(), "Author.articles");
}

TEST_F(RelationshipTest, SettingManyToOneShowsInTheCollectionAtOnce) {
  Session session(engine_);
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
  EXPECT_EQ(scalar("SELECT author_id FROM r_articles WHERE title = 'hello'"), bob->id);

  // Removing from the collection clears the other side (and delete-orphan deletes the row).
  bob->articles.remove(post);
  EXPECT_FALSE(post->author);
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM r_articles"), 0);
}

TEST_F(RelationshipTest, AddingAParentAddsItsChildren) {
  Session session(engine_);
  auto tag = make_instance(Tag{.name = "c++"});
  auto a = make_instance(Article{.title = "one", .tags = {tag}});
  auto alice = session.add(Author{.name = "alice", .articles = {a}});
  alice->articles.emplace(Article{.title = "two"});
  EXPECT_EQ(session.new_count(), 4u);  // author, two articles, the tag: save-update cascade
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM r_articles WHERE author_id = " + std::to_string(alice->id)), 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM r_article_tags WHERE article_id = " + std::to_string(a->id) +
                   " AND tag_id = " + std::to_string(tag->id)),
            1);
  EXPECT_EQ(a->author.get(), alice);
}

TEST_F(RelationshipTest, OneToManyLoadsLazilyInOrderAndNullsRemovedChildren) {
  Session session(engine_);
  auto alice = session.add(Author{.name = "alice"});
  auto article = session.add(Article{.title = "t", .author = alice});
  for (int i = 0; i < 3; ++i) article->remarks.emplace(Remark{.body = "r" + std::to_string(i)});
  session.commit();
  session.close();

  Session s2(engine_);
  auto loaded = s2.get<Article>(article->id);
  take();
  ASSERT_EQ(loaded->remarks.size(), 3u);  // one SELECT on first access
  EXPECT_EQ(take().size(), 1u);
  EXPECT_EQ(loaded->remarks.size(), 3u);  // loaded: no more SQL
  EXPECT_TRUE(take().empty());
  // No delete-orphan here: a removed child keeps its row with a NULL key.
  loaded->remarks.remove(loaded->remarks.ptr(0));
  s2.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM r_remarks WHERE article_id IS NULL"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM r_remarks"), 3);
}

TEST_F(RelationshipTest, DeleteCascadeRemovesChildrenAndSecondaryRows) {
  Session session(engine_);
  auto alice = session.add(Author{.name = "alice"});
  auto tag = session.add(Tag{.name = "x"});
  auto a = alice->articles.emplace(Article{.title = "a"});
  a->tags.push_back(tag);
  alice->articles.emplace(Article{.title = "b"});
  session.commit();
  session.close();

  Session s2(engine_);
  auto author = s2.get<Author>(alice->id);
  s2.delete_(author);  // loads articles (cascade delete), their tag rows go with them
  s2.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM r_authors"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM r_articles"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM r_article_tags"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM r_tags"), 1);
}

TEST_F(RelationshipTest, PassiveDeletesLeaveTheWorkToOnDeleteCascade) {
  Session session(engine_);
  auto alice = session.add(Author{.name = "alice"});
  session.add(Remark{.author_id = std::nullopt, .body = "x"});
  session.flush();
  auto r = session.add(Remark{.author_id = alice->id, .body = "mine"});
  session.commit();
  session.close();

  Session s2(engine_);
  auto author = s2.get<Author>(alice->id);
  take();
  s2.delete_(author);
  s2.commit();
  for (const auto& sql : take()) EXPECT_EQ(sql.find("FROM r_remarks"), std::string::npos) << sql;
  EXPECT_EQ(scalar("SELECT count(*) FROM r_remarks"), 1);  // the database cascaded
}

TEST_F(RelationshipTest, ManyToManyBothWaysWritesOneRow) {
  Session session(engine_);
  auto a = session.add(Article{.title = "a"});
  auto t = session.add(Tag{.name = "t"});
  session.commit();
  (void)t->articles.size();  // load the other side so back-population has somewhere to go
  a->tags.push_back(t);
  EXPECT_TRUE(t->articles.contains(a));
  t->articles.push_back(a);  // already there: no second row
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM r_article_tags"), 1);
  a->tags.remove(t);
  EXPECT_FALSE(t->articles.contains(a));
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM r_article_tags"), 0);
}

TEST_F(RelationshipTest, OneToOneReplacedWithDeleteOrphan) {
  Session session(engine_);
  auto alice = session.add(Author{.name = "alice"});
  alice->profile = make_instance(Profile{.bio = "first"});
  session.commit();
  EXPECT_EQ(alice->profile->author_id, alice->id);
  EXPECT_EQ(alice->profile->author.get(), alice);
  alice->profile = make_instance(Profile{.bio = "second"});
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM r_profiles"), 1);
  auto conn = engine_.connect();
  EXPECT_EQ(conn.execute(text("SELECT bio FROM r_profiles")).scalar<std::string>(), "second");
}

TEST_F(RelationshipTest, SelfReferentialRepliesInsertParentsFirst) {
  Session session(engine_);
  auto root = session.add(Remark{.body = "root"});
  auto child = root->replies.emplace(Remark{.body = "child"});
  auto grandchild = child->replies.emplace(Remark{.body = "grandchild"});
  EXPECT_EQ(grandchild->parent.get(), child);
  session.commit();
  EXPECT_EQ(child->parent_id, root->id);
  EXPECT_EQ(grandchild->parent_id, child->id);
  session.close();

  Session s2(engine_);
  auto r = s2.get<Remark>(root->id);
  ASSERT_EQ(r->replies.size(), 1u);
  ASSERT_EQ(r->replies[0].replies.size(), 1u);
  EXPECT_EQ(r->replies[0].replies[0].body, "grandchild");
  EXPECT_EQ(r->replies[0].replies[0].parent->parent.get(), r);
  s2.delete_(r);  // all, delete-orphan: the whole thread
  s2.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM r_remarks"), 0);
}

TEST_F(RelationshipTest, FollowersThroughTheAssociationTable) {
  Session session(engine_);
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
  EXPECT_EQ(scalar("SELECT count(*) FROM r_follows"), 3);
  EXPECT_GT(scalar("SELECT count(*) FROM r_follows WHERE created_at IS NOT NULL"), 0);  // the row's own column
  // The association object sees the same rows.
  auto follows = session.query<Follow>().where(col(&Follow::follower_id) == alice->id).all();
  ASSERT_EQ(follows.size(), 1u);
  EXPECT_EQ(follows[0]->followed.get(), bob);
  alice->unfollow(bob);
  session.commit();
  EXPECT_FALSE(alice->is_following(bob));
  EXPECT_EQ(bob->followers_count, 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM r_follows"), 2);
}

TEST_F(RelationshipTest, AssociationObjectsCarryTheirOwnColumns) {
  Session session(engine_);
  auto alice = session.add(Author{.name = "alice"});
  auto bob = session.add(Author{.name = "bob"});
  const auto when = DateTime::from_epoch_microseconds(1'700'000'000'000'000, false);
  auto f = session.add(Follow{.created_at = when, .follower = alice, .followed = bob});
  session.commit();
  EXPECT_EQ(f->follower_id, alice->id);
  EXPECT_EQ(f->followed_id, bob->id);
  EXPECT_EQ(bob->followers.all().front(), alice);
  session.close();
  Session s2(engine_);
  auto loaded = s2.get<Follow>(alice->id, bob->id);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->created_at, when);
  EXPECT_EQ(loaded->follower->name, "alice");
}

TEST_F(RelationshipTest, DynamicCollectionsQueryWithoutLoading) {
  Session session(engine_);
  auto alice = session.add(Author{.name = "alice"});
  for (int i = 0; i < 25; ++i) alice->articles.emplace(Article{.title = "p" + std::to_string(i)});
  session.commit();
  session.close();
  Session s2(engine_);
  auto a = s2.get<Author>(alice->id);
  take();
  EXPECT_EQ(a->article_query.count(), 25);
  auto page = a->article_query.query().paginate(2, 10);
  EXPECT_EQ(page.items.size(), 10u);
  EXPECT_EQ(page.items.front()->title, "p10");
  EXPECT_EQ(a->article_query.where(col(&Article::title) == "p3").count(), 1);
  EXPECT_FALSE(a->articles.loaded());  // the Many<> side was never loaded
}

TEST_F(RelationshipTest, LoadedRelationshipsStayReadableAfterClose) {
  std::shared_ptr<Article> kept;
  {
    Session session(engine_);
    auto alice = session.add(Author{.name = "alice"});
    alice->articles.emplace(Article{.title = "x"});
    session.commit();
    session.close();
    Session s2(engine_);
    kept = s2.query<Article>().options(joinedload(&Article::author)).first();
    ASSERT_TRUE(kept);
  }
  // The session is gone; what was loaded is still there, what was not raises.
  EXPECT_EQ(kept->author->name, "alice");
  try {
    (void)kept->tags.size();
    FAIL() << "expected DetachedInstanceError";
  } catch (const DetachedInstanceError& e) {
    EXPECT_NE(std::string(e.what()).find("Article.tags"), std::string::npos) << e.what();
  }
}

TEST_F(RelationshipTest, CyclesDoNotOutliveTheirHandles) {
  std::weak_ptr<Author> watch;
  {
    Session session(engine_);
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

}  // namespace
}  // namespace rel_test
