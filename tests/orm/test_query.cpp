// SPDX-License-Identifier: MIT
// Queries: generative building, results, pagination, column and aggregate queries, subqueries,
// bulk update / delete with the identity map kept consistent, hybrids.
#include "orm/models.hpp"

namespace orm_test {
namespace {

using namespace crucible;

inline const Hybrid<Post, std::int64_t> reading_time{
    [](const Post& p) {
      std::int64_t words = p.content.empty() ? 0 : 1;
      for (char c : p.content) words += c == ' ';
      return std::max<std::int64_t>(1, words / 200);
    },
    [] {
      auto content = col(&Post::content);
      auto words = func::call<std::int64_t>("length", content) -
                   func::call<std::int64_t>("length", func::call<std::string>("replace", content, literal(" "), literal(""))) + 1;
      return Expr<std::int64_t>(func::call<std::int64_t>("max", literal(std::int64_t{1}), words / 200).node());
    }};

class QueryTest : public OrmTest {
 protected:
  void SetUp() override {
    OrmTest::SetUp();
    Session s(engine_);
    auto alice = s.add(User{.username = "alice", .email = "a", .posts_count = 3});
    auto bob = s.add(User{.username = "bob", .email = "b"});
    s.flush();
    for (int i = 0; i < 25; ++i)
      s.add(Post{.author_id = (i % 5 == 0 ? bob : alice)->id, .title = "post " + std::to_string(i),
                 .content = std::string(i == 0 ? 450 : 10, 'w'),
                 .status = i % 2 ? PostStatus::published : PostStatus::draft, .is_featured = i % 3 == 0,
                 .views_count = i});
    s.commit();
    alice_id_ = alice->id;
  }
  std::int64_t alice_id_ = 0;
};

TEST_F(QueryTest, GenerativeQueriesDoNotChangeTheirBase) {
  Session session(engine_);
  auto base = session.query<Post>();
  auto published = base.where(col(&Post::status) == PostStatus::published);
  EXPECT_EQ(base.count(), 25);
  EXPECT_EQ(published.count(), 12);
  auto top = published.where(col(&Post::is_featured)).order_by(desc(&Post::views_count)).limit(2).all();
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0]->views_count, 21);
  EXPECT_EQ(top[1]->views_count, 15);
  EXPECT_EQ(published.filter(col(&Post::views_count) > 20).count(), 2);
  EXPECT_EQ(base.order_by(col(&Post::id)).offset(24).all().size(), 1u);
  EXPECT_EQ(session.query<User>().join<Post>().where(col(&Post::views_count) > 22).distinct().count(), 1);
  EXPECT_EQ(session.query<User>().outerjoin<Post>().distinct().count(), 2);
}

TEST_F(QueryTest, FirstOneOneOrNoneWithTheQueryInTheMessage) {
  Session session(engine_);
  EXPECT_EQ(session.query<User>().order_by(col(&User::username)).first()->username, "alice");
  EXPECT_EQ(session.query<User>().where(col(&User::username) == "zed").first(), nullptr);
  EXPECT_EQ(session.query<User>().where(col(&User::username) == "zed").one_or_none(), nullptr);
  try {
    session.query<User>().where(col(&User::username) == "zed").one();
    FAIL();
  } catch (const NoResultFound& e) {
    EXPECT_NE(std::string(e.what()).find("FROM users WHERE users.username = ?"), std::string::npos) << e.what();
  }
  EXPECT_THROW(session.query<User>().one(), MultipleResultsFound);
  EXPECT_THROW(session.query<User>().one_or_none(), MultipleResultsFound);
}

TEST_F(QueryTest, PaginationAsFlaskSqlalchemy) {
  Session session(engine_);
  auto q = session.query<Post>().order_by(col(&Post::id));
  auto p1 = q.paginate(1, 10);
  EXPECT_EQ(p1.items.size(), 10u);
  EXPECT_EQ(p1.total, 25);
  EXPECT_EQ(p1.pages(), 3);
  EXPECT_FALSE(p1.has_prev());
  EXPECT_TRUE(p1.has_next());
  EXPECT_EQ(p1.next_num(), 2);
  auto p3 = q.paginate(3, 10);
  EXPECT_EQ(p3.items.size(), 5u);
  EXPECT_FALSE(p3.has_next());
  EXPECT_EQ(p3.prev_num(), 2);
  auto past = q.paginate(7, 10);  // past the end: empty, totals still right
  EXPECT_TRUE(past.items.empty());
  EXPECT_EQ(past.total, 25);
  EXPECT_FALSE(past.has_next());
  EXPECT_THROW(q.paginate(1, 0), ArgumentError);
  EXPECT_THROW(q.paginate(0, 10), ArgumentError);
  auto none = session.query<Post>().where(col(&Post::views_count) > 1000).paginate(1, 10);
  EXPECT_EQ(none.pages(), 0);
  EXPECT_FALSE(none.has_next());
}

TEST_F(QueryTest, StreamingLoadsThroughTheIdentityMap) {
  Session session(engine_);
  auto first = session.get<User>(alice_id_);
  int n = 0;
  for (const auto& u : session.query<User>().stream()) {
    if (u->id == alice_id_) {
      EXPECT_EQ(u.get(), first.get());
    }
    ++n;
  }
  EXPECT_EQ(n, 2);
  EXPECT_EQ(session.identity_map_size(), 2u);
}

TEST_F(QueryTest, ColumnAggregateAndSubqueries) {
  Session session(engine_);
  auto counts = session.query<Post>()
                    .group_by(col(&Post::author_id))
                    .order_by(col(&Post::author_id))
                    .values(col(&Post::author_id), func::count());
  ASSERT_EQ(counts.size(), 2u);
  EXPECT_EQ(std::get<0>(counts[0]), alice_id_);
  EXPECT_EQ(std::get<1>(counts[0]), 20);
  auto titles = session.query<Post>().where(col(&Post::views_count) < 2).order_by(col(&Post::id)).values(col(&Post::title));
  EXPECT_EQ(titles, (std::vector<std::tuple<std::string>>{{"post 0"}, {"post 1"}}));
  auto featured_authors = session.query<Post>().where(col(&Post::views_count) > 20).select(col(&Post::author_id));
  auto users = session.query<User>().where(col(&User::id).in_(featured_authors)).all();
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0]->username, "alice");
}

TEST_F(QueryTest, BulkUpdateAndDeleteKeepTheIdentityMapConsistent) {
  Session session(engine_);
  auto drafts = session.query<Post>().where(col(&Post::status) == PostStatus::draft).all();
  ASSERT_EQ(drafts.size(), 13u);
  auto n = session.query<Post>()
               .where(col(&Post::status) == PostStatus::draft)
               .update(set(col(&Post::status), PostStatus::archived));
  EXPECT_EQ(n, 13);
  for (const auto& p : drafts) EXPECT_EQ(p->status, PostStatus::archived);  // loaded objects follow
  auto victim = session.query<Post>().where(col(&Post::views_count) == 24).one();
  EXPECT_EQ(session.query<Post>().where(col(&Post::views_count) >= 24).delete_(), 1);
  EXPECT_TRUE(inspect(victim).deleted());
  EXPECT_EQ(session.get<Post>(victim->id), nullptr);
  session.commit();
  EXPECT_TRUE(inspect(victim).detached());
}

TEST_F(QueryTest, HybridPropertyInCppAndInSql) {
  Session session(engine_);
  auto long_post = session.query<Post>().where(col(&Post::views_count) == 0).one();
  EXPECT_EQ(reading_time(*long_post), 1);
  auto by_sql = session.query<Post>().where(col(reading_time) >= 1).count();
  EXPECT_EQ(by_sql, 25);
  const Hybrid<User, bool> is_active_user{
      [](const User& u) { return u.posts_count > 0; },
      [] { return col(&User::posts_count) > 0; }};
  auto active = session.query<User>().where(col(is_active_user)).all();
  ASSERT_EQ(active.size(), 1u);
  EXPECT_TRUE(is_active_user(*active[0]));
}

}  // namespace
}  // namespace orm_test
