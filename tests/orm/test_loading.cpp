// SPDX-License-Identifier: MIT
// Loader strategies, counted in statements: 50 articles with their authors and tags cost 1
// statement joined, 3 with selectin, 1 + N lazily; raise turns the N into an error.
#include <gtest/gtest.h>

#include <set>

#include "orm/relationship_models.hpp"

namespace rel_test {

// Relationships whose *default* strategy is eager (the options tested below are per query).
struct Book;
struct Shelf {
  std::int64_t id = 0;
  std::string name{};
  crucible::Many<Book> books{};
};
struct Book {
  std::int64_t id = 0;
  std::int64_t shelf_id = 0;
  std::string title{};
  crucible::One<Shelf> shelf{};
};
CRUCIBLE_MAPPING(Shelf, "r_shelves",
  column("id", &Shelf::id).primary_key(),
  column("name", &Shelf::name, String(40)),
  relationship("books", &Shelf::books).back_populates("shelf").lazy(Loading::selectin).order_by(col(&Book::title)));
CRUCIBLE_MAPPING(Book, "r_books",
  column("id", &Book::id).primary_key(),
  column("shelf_id", &Book::shelf_id).references("r_shelves.id"),
  column("title", &Book::title, String(80)),
  relationship("shelf", &Book::shelf).back_populates("books").lazy(Loading::joined));

namespace {

using namespace crucible;

class LoadingTest : public orm_test::OrmTest {
 protected:
  void SetUp() override {
    OrmTest::SetUp();
    Session session(engine_);
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

TEST_F(LoadingTest, JoinedLoadingIsOneStatement) {
  Session session(engine_);
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

TEST_F(LoadingTest, SelectinLoadingIsAtMostThreeStatements) {
  Session session(engine_);
  auto articles = session.query<Article>()
                      .options(selectinload(&Article::author), selectinload(&Article::tags))
                      .all();
  touch(articles);
  auto sql = take();
  EXPECT_LE(sql.size(), 3u);
  EXPECT_EQ(sql.size(), 3u);
  EXPECT_NE(sql[1].find(" IN ("), std::string::npos) << sql[1];
  for (const auto& a : articles) EXPECT_EQ(a->tags.size(), 3u);
}

TEST_F(LoadingTest, LazyLoadingIsOnePlusN) {
  Session session(engine_);
  auto articles = session.query<Article>().all();
  EXPECT_EQ(take().size(), 1u);
  for (const auto& a : articles) (void)a->author->name;
  EXPECT_EQ(take().size(), 50u);  // one per article: every author is different
  for (const auto& a : articles) (void)a->tags.size();
  EXPECT_EQ(take().size(), 50u);
  // Loaded now: reading again costs nothing, and many-to-one uses the identity map.
  touch(articles);
  EXPECT_TRUE(take().empty());
}

TEST_F(LoadingTest, RaiseTurnsTheNIntoAnError) {
  Session session(engine_);
  auto articles = session.query<Article>().options(raiseload(&Article::author)).all();
  EXPECT_THROW((void)articles[0]->author->name, RaiseLoadError);
  try {
    (void)articles[0]->author.get();
  } catch (const RaiseLoadError& e) {
    EXPECT_NE(std::string(e.what()).find("Article.author"), std::string::npos) << e.what();
  }
  // The same query with the relationship loaded up front passes.
  auto loaded = session.query<Article>()
                    .options(raiseload(&Article::tags), selectinload(&Article::author))
                    .all();
  EXPECT_NO_THROW((void)loaded[0]->author->name);
}

TEST_F(LoadingTest, JoinedCollectionWithLimitWrapsTheQuery) {
  Session session(engine_);
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

TEST_F(LoadingTest, SubqueryLoadingUsesTheParentQuery) {
  Session session(engine_);
  auto articles = session.query<Article>()
                      .where(col(&Article::title).like("article1%"))
                      .options(subqueryload(&Article::tags))
                      .order_by(col(&Article::id))
                      .limit(3)
                      .all();
  ASSERT_EQ(articles.size(), 3u);
  for (const auto& a : articles) EXPECT_EQ(a->tags.size(), 3u);
  auto sql = take();
  ASSERT_EQ(sql.size(), 2u);
  EXPECT_NE(sql[1].find("IN (SELECT"), std::string::npos) << sql[1];
}

TEST_F(LoadingTest, NoloadLeavesItEmpty) {
  Session session(engine_);
  auto a = session.query<Article>().options(noload(&Article::tags)).first();
  take();
  EXPECT_TRUE(a->tags.empty());
  EXPECT_TRUE(take().empty());
}

TEST_F(LoadingTest, NestedOptionsLoadEachLevel) {
  Session session(engine_);
  auto authors = session.query<Author>()
                     .options(selectinload(&Author::articles).selectinload(&Article::tags))
                     .all();
  std::size_t tags = 0;
  for (const auto& a : authors)
    for (const Article& article : a->articles) tags += article.tags.size();
  EXPECT_EQ(tags, 150u);
  EXPECT_EQ(take().size(), 3u);

  Session s2(engine_);
  auto joined = s2.query<Author>()
                    .options(joinedload(&Author::articles).joinedload(&Article::tags))
                    .all();
  tags = 0;
  for (const auto& a : joined)
    for (const Article& article : a->articles) tags += article.tags.size();
  EXPECT_EQ(tags, 150u);
  EXPECT_EQ(take().size(), 1u);
}

TEST_F(LoadingTest, SelectinBatchesLargeParentSets) {
  {
    Session session(engine_);
    for (int i = 0; i < 1100; ++i) {
      auto author = session.add(Author{.name = "many" + std::to_string(i)});
      author->articles.emplace(Article{.title = "m"});
    }
    session.commit();
  }
  take();
  Session session(engine_);
  auto articles = session.query<Article>().options(selectinload(&Article::author)).all();
  EXPECT_EQ(articles.size(), 1150u);
  EXPECT_EQ(take().size(), 1u + 3u);  // 1150 authors, 500 per IN
  std::set<std::string> names;
  for (const auto& a : articles) names.insert(a->author->name);
  EXPECT_EQ(names.size(), 1150u);
  EXPECT_TRUE(take().empty());
}

TEST_F(LoadingTest, RelationshipDefaultsApplyToEveryQueryOfTheirClass) {
  {
    Session session(engine_);
    for (int s = 0; s < 3; ++s) {
      auto shelf = session.add(Shelf{.name = "shelf" + std::to_string(s)});
      for (int b = 0; b < 4; ++b) shelf->books.emplace(Book{.title = "book" + std::to_string(3 - b)});
    }
    session.commit();
  }
  take();
  Session session(engine_);
  auto shelves = session.query<Shelf>().order_by(col(&Shelf::id)).all();
  EXPECT_EQ(take().size(), 2u);  // the shelves, then their books by IN (lazy = selectin)
  ASSERT_EQ(shelves.size(), 3u);
  ASSERT_EQ(shelves[1]->books.size(), 4u);
  EXPECT_EQ(shelves[1]->books[0].title, "book0");  // the relationship's order_by
  EXPECT_TRUE(take().empty());

  Session s2(engine_);
  auto books = s2.query<Book>().all();
  auto sql = take();
  ASSERT_EQ(sql.size(), 1u);  // lazy = joined: the shelves come in the same statement
  EXPECT_NE(sql[0].find("LEFT OUTER JOIN"), std::string::npos) << sql[0];
  for (const auto& b : books) EXPECT_TRUE(b->shelf->name.starts_with("shelf"));
  EXPECT_TRUE(take().empty());

  // A query option overrides the default: lazyload leaves the books for first access.
  Session s3(engine_);
  auto lazy = s3.query<Shelf>().options(lazyload(&Shelf::books)).all();
  EXPECT_EQ(take().size(), 1u);
  EXPECT_FALSE(lazy[0]->books.loaded());
  EXPECT_EQ(lazy[0]->books.size(), 4u);
  EXPECT_EQ(take().size(), 1u);
}

TEST(CascadeOptions, ParseSqlalchemyWords) {
  const Cascade all = Cascade::parse("all, delete-orphan");
  EXPECT_TRUE(all.save_update && all.merge && all.delete_ && all.delete_orphan && all.expunge);
  const Cascade none = Cascade::parse("none");
  EXPECT_FALSE(none.save_update || none.delete_ || none.delete_orphan);
  EXPECT_TRUE(Cascade{}.save_update);
  EXPECT_FALSE(Cascade{}.delete_);
  EXPECT_THROW(Cascade::parse("save-update, explode"), ArgumentError);
}

TEST_F(LoadingTest, OptionsAreCheckedAgainstTheQuery) {
  Session session(engine_);
  EXPECT_THROW(session.query<Author>().options(joinedload(&Article::tags)).all(), ArgumentError);
  EXPECT_THROW(session.query<Author>().options(joinedload(&Author::following)).all(), ArgumentError);
  EXPECT_THROW((void)session.query<Article>().options(joinedload(&Article::tags)).stream(), InvalidRequestError);
}

}  // namespace
}  // namespace rel_test
