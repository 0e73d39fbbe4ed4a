// SPDX-License-Identifier: MIT
// Loader strategies on every backend, counted in statements: 50 articles with their authors and
// tags cost 1 statement joined, 3 with selectin, 2 with subquery, 1 + N lazily; raise turns the N
// into an error, noload into nothing; relationship defaults apply to every query of their class;
// pages of eager queries; row locks with eager loading; options that do not fit the query.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "orm_suite/fixture.hpp"
#include "orm_suite/relationship_models.hpp"

namespace orm_suite {
namespace {

using namespace crucible;

// author<i> wrote article<i>, tagged with tag<(i + 0..2) % 5>.
class OrmLoading : public OrmSuite {
 protected:
  void SetUp() override {
    OrmSuite::SetUp();
    if (IsSkipped()) return;
    Session session(engine());
    std::vector<std::shared_ptr<Tag>> tags;
    for (int t = 0; t < 5; ++t) tags.push_back(session.add(Tag{.name = "tag" + std::to_string(t)}));
    for (int i = 0; i < 50; ++i) {
      auto author = session.add(Author{.name = "author" + std::to_string(i)});
      auto article = author->articles.emplace(Article{.title = "article" + std::to_string(i)});
      for (int t = 0; t < 3; ++t) article->tags.push_back(tags[static_cast<std::size_t>((i + t) % 5)]);
    }
    session.commit();
    take();
  }

  // Reads every author and tag of the articles, as a page would.
  static std::size_t touch(const std::vector<std::shared_ptr<Article>>& articles) {
    std::size_t n = 0;
    for (const auto& a : articles) {
      n += a->author->name.size();
      for (const Tag& t : a->tags) n += t.name.size();
    }
    return n;
  }
};

TEST_P(OrmLoading, JoinedLoadingIsOneStatement) {
  Session session(engine());
  auto articles = session.query<Article>()
                      .options(joinedload(&Article::author), joinedload(&Article::tags))
                      .order_by(col(&Article::id))
                      .all();
  ASSERT_EQ(articles.size(), 50u);  // rows de-duplicated: 150 rows, 50 articles
  touch(articles);
  auto sql = take();
  ASSERT_EQ(sql.size(), 1u);
  EXPECT_NE(sql[0].find("LEFT OUTER JOIN"), std::string::npos) << sql[0];
  EXPECT_EQ(articles[7]->title, "article7");
  EXPECT_EQ(articles[7]->author->name, "author7");
  ASSERT_EQ(articles[7]->tags.size(), 3u);
  EXPECT_EQ(articles[7]->tags[0].name, "tag2");  // relationship order_by: by name
  EXPECT_EQ(articles[7]->tags[2].name, "tag4");
}

TEST_P(OrmLoading, SelectinLoadingIsThreeStatements) {
  Session session(engine());
  auto articles = session.query<Article>()
                      .options(selectinload(&Article::author), selectinload(&Article::tags))
                      .all();
  touch(articles);
  auto sql = take();
  ASSERT_EQ(sql.size(), 3u);
  EXPECT_NE(sql[1].find(" IN ("), std::string::npos) << sql[1];
  for (const auto& a : articles) EXPECT_EQ(a->tags.size(), 3u);
}

TEST_P(OrmLoading, LazyLoadingIsOnePlusN) {
  Session session(engine());
  auto articles = session.query<Article>().all();
  EXPECT_EQ(take().size(), 1u);
  for (const auto& a : articles) (void)a->author->name;
  EXPECT_EQ(take().size(), 50u);  // one per article: every author is different
  for (const auto& a : articles) (void)a->tags.size();
  EXPECT_EQ(take().size(), 50u);
  // Loaded now: reading again costs nothing, and many-to-one uses the identity map.
  EXPECT_GT(touch(articles), 0u);
  EXPECT_TRUE(take().empty());
}

// Lazy loads run while the parents' rows are still being read, on the same connection.
TEST_P(OrmLoading, LazyLoadsWhileStreaming) {
  Session session(engine());
  std::size_t articles = 0, tags = 0;
  for (const auto& a : session.query<Article>().stream()) {
    EXPECT_EQ(a->author->name, "author" + a->title.substr(7));
    tags += a->tags.size();
    ++articles;
  }
  EXPECT_EQ(articles, 50u);
  EXPECT_EQ(tags, 150u);
  EXPECT_EQ(take().size(), 1u + 50u + 50u);
}

TEST_P(OrmLoading, RaiseTurnsTheNIntoAnError) {
  Session session(engine());
  auto articles = session.query<Article>().options(raiseload(&Article::author)).all();
  take();
  try {
    (void)articles[0]->author->name;
    FAIL() << "expected RaiseLoadError";
  } catch (const RaiseLoadError& e) {
    EXPECT_NE(std::string(e.what()).find("Article.author"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)articles[0]->author.get(), RaiseLoadError);  // and again, on any access
  EXPECT_TRUE(take().empty());
  // The same query with the relationship loaded up front passes.
  auto loaded = session.query<Article>()
                    .options(raiseload(&Article::tags), selectinload(&Article::author))
                    .all();
  EXPECT_NO_THROW((void)loaded[0]->author->name);
  EXPECT_THROW((void)loaded[0]->tags.size(), RaiseLoadError);
}

TEST_P(OrmLoading, JoinedCollectionWithLimitWrapsTheQuery) {
  Session session(engine());
  auto articles = session.query<Article>()
                      .options(joinedload(&Article::tags))
                      .order_by(desc(&Article::id))
                      .limit(5)
                      .all();
  ASSERT_EQ(articles.size(), 5u);  // 5 articles, not 5 rows
  auto sql = take();
  ASSERT_EQ(sql.size(), 1u);
  EXPECT_NE(sql[0].find("anon_1"), std::string::npos) << sql[0];
  EXPECT_EQ(articles[0]->title, "article49");
  EXPECT_EQ(articles[4]->title, "article45");
  for (const auto& a : articles) EXPECT_EQ(a->tags.size(), 3u);
  EXPECT_TRUE(take().empty());
}

TEST_P(OrmLoading, PagesOfEagerQueriesCountEntitiesNotRows) {
  Session session(engine());
  auto joined = session.query<Article>().options(joinedload(&Article::tags)).order_by(col(&Article::id)).paginate(2, 10);
  EXPECT_EQ(joined.total, 50);
  ASSERT_EQ(joined.items.size(), 10u);
  EXPECT_EQ(joined.items.front()->title, "article10");
  for (const auto& a : joined.items) EXPECT_EQ(a->tags.size(), 3u);
  EXPECT_EQ(take().size(), 2u);  // the count, the page with its tags
  Session s2(engine());
  auto sub = s2.query<Article>().options(subqueryload(&Article::tags)).order_by(col(&Article::id)).paginate(5, 10);
  ASSERT_EQ(sub.items.size(), 10u);
  EXPECT_EQ(sub.items.back()->title, "article49");
  for (const auto& a : sub.items) EXPECT_EQ(a->tags.size(), 3u);
  EXPECT_EQ(take().size(), 3u);  // the count, the page, the tags of the page's articles
}

TEST_P(OrmLoading, SubqueryLoadingUsesTheParentQueryWithItsLimit) {
  Session session(engine());
  auto articles = session.query<Article>()
                      .where(col(&Article::title).like("article1%"))
                      .options(subqueryload(&Article::tags))
                      .order_by(col(&Article::id))
                      .limit(3)
                      .all();
  ASSERT_EQ(articles.size(), 3u);
  for (const auto& a : articles) EXPECT_EQ(a->tags.size(), 3u);
  EXPECT_EQ(articles[0]->title, "article1");
  auto sql = take();
  ASSERT_EQ(sql.size(), 2u);
  EXPECT_NE(sql[1].find("IN (SELECT"), std::string::npos) << sql[1];
}

TEST_P(OrmLoading, NoloadLeavesItEmpty) {
  Session session(engine());
  auto a = session.query<Article>().options(noload(&Article::tags)).first();
  ASSERT_TRUE(a);
  take();
  EXPECT_TRUE(a->tags.empty());
  EXPECT_TRUE(take().empty());
  EXPECT_EQ(scalar("SELECT count(*) FROM os_r_article_tags WHERE article_id = " + std::to_string(a->id)), 3);
}

TEST_P(OrmLoading, NestedOptionsLoadEachLevel) {
  Session session(engine());
  auto authors = session.query<Author>()
                     .options(selectinload(&Author::articles).selectinload(&Article::tags))
                     .all();
  std::size_t tags = 0;
  for (const auto& a : authors)
    for (const Article& article : a->articles) tags += article.tags.size();
  EXPECT_EQ(tags, 150u);
  EXPECT_EQ(take().size(), 3u);

  Session s2(engine());
  auto joined = s2.query<Author>()
                    .options(joinedload(&Author::articles).joinedload(&Article::tags))
                    .all();
  tags = 0;
  for (const auto& a : joined)
    for (const Article& article : a->articles) tags += article.tags.size();
  EXPECT_EQ(tags, 150u);
  EXPECT_EQ(take().size(), 1u);
}

TEST_P(OrmLoading, SelectinBatchesLargeParentSets) {
  {
    Session session(engine());
    for (int i = 0; i < 1100; ++i) {
      auto author = session.add(Author{.name = "many" + std::to_string(i)});
      author->articles.emplace(Article{.title = "m"});
    }
    session.commit();
  }
  take();
  Session session(engine());
  auto articles = session.query<Article>().options(selectinload(&Article::author)).all();
  EXPECT_EQ(articles.size(), 1150u);
  EXPECT_EQ(take().size(), 1u + 3u);  // 1150 authors, 500 per IN
  std::set<std::string> names;
  for (const auto& a : articles) names.insert(a->author->name);
  EXPECT_EQ(names.size(), 1150u);
  EXPECT_TRUE(take().empty());
}

TEST_P(OrmLoading, RelationshipDefaultsApplyToEveryQueryOfTheirClass) {
  {
    Session session(engine());
    for (int s = 0; s < 3; ++s) {
      auto shelf = session.add(Shelf{.name = "shelf" + std::to_string(s)});
      for (int b = 0; b < 4; ++b) shelf->books.emplace(Book{.title = "book" + std::to_string(3 - b)});
    }
    session.commit();
  }
  take();
  Session session(engine());
  auto shelves = session.query<Shelf>().order_by(col(&Shelf::id)).all();
  EXPECT_EQ(take().size(), 2u);  // the shelves, then their books by IN (lazy = selectin)
  ASSERT_EQ(shelves.size(), 3u);
  ASSERT_EQ(shelves[1]->books.size(), 4u);
  EXPECT_EQ(shelves[1]->books[0].title, "book0");  // the relationship's order_by
  EXPECT_TRUE(take().empty());

  Session s2(engine());
  auto books = s2.query<Book>().all();
  auto sql = take();
  ASSERT_EQ(sql.size(), 1u);  // lazy = joined: the shelves come in the same statement
  EXPECT_NE(sql[0].find("LEFT OUTER JOIN"), std::string::npos) << sql[0];
  for (const auto& b : books) EXPECT_TRUE(b->shelf->name.starts_with("shelf"));
  EXPECT_TRUE(take().empty());

  // A query option overrides the default: lazyload leaves the books for first access.
  Session s3(engine());
  auto lazy = s3.query<Shelf>().options(lazyload(&Shelf::books)).all();
  EXPECT_EQ(take().size(), 1u);
  EXPECT_FALSE(lazy[0]->books.loaded());
  EXPECT_EQ(lazy[0]->books.size(), 4u);
  EXPECT_EQ(take().size(), 1u);
}

// The rows locked are the entity's, with eager joins in the statement (PostgreSQL refuses to
// lock the nullable side of an outer join) or in a subquery (joined collection and LIMIT).
TEST_P(OrmLoading, WithForUpdateLocksTheEntityRowsOfEagerQueries) {
  {
    Session session(engine());
    auto shelf = session.add(Shelf{.name = "s"});
    shelf->books.emplace(Book{.title = "b"});
    shelf->books.emplace(Book{.title = "c"});
    session.commit();
  }
  take();
  Session holder(engine());
  auto books = holder.query<Book>().with_for_update().all();  // the shelf joined by default
  ASSERT_EQ(books.size(), 2u);
  EXPECT_EQ(books[0]->shelf->name, "s");
  auto articles = holder.query<Article>()
                      .options(joinedload(&Article::tags), selectinload(&Article::author))
                      .order_by(col(&Article::id))
                      .limit(3)
                      .with_for_update()
                      .all();
  ASSERT_EQ(articles.size(), 3u);
  EXPECT_EQ(articles[2]->tags.size(), 3u);
  EXPECT_EQ(articles[2]->author->name, "author2");
  auto sql = take();
  ASSERT_EQ(sql.size(), 3u);
  EXPECT_EQ(sql[0].find("FOR UPDATE") != std::string::npos, features().supports_for_update) << sql[0];
  EXPECT_EQ(sql[2].find("FOR UPDATE"), std::string::npos) << sql[2];  // the authors are not locked
  if (!features().supports_for_update_nowait) return;
  Session other(engine());
  EXPECT_THROW(other.query<Book>().where(col(&Book::id) == books[0]->id).with_for_update({.nowait = true}).all(),
               LockNotAvailableError);
  other.rollback();
  EXPECT_THROW(
      other.query<Article>().where(col(&Article::id) == articles[2]->id).with_for_update({.nowait = true}).all(),
      LockNotAvailableError);
  other.rollback();
  holder.commit();
  EXPECT_EQ(other.query<Book>().with_for_update({.nowait = true}).all().size(), 2u);
}

TEST_P(OrmLoading, OptionsAreCheckedAgainstTheQuery) {
  Session session(engine());
  EXPECT_THROW(session.query<Author>().options(joinedload(&Article::tags)).all(), ArgumentError);
  EXPECT_THROW(session.query<Author>().options(joinedload(&Author::following)).all(), ArgumentError);
  EXPECT_THROW((void)session.query<Article>().options(joinedload(&Article::tags)).stream(), InvalidRequestError);
}

CRUCIBLE_DIALECT_SUITE(OrmLoading);

}  // namespace
}  // namespace orm_suite
