// SPDX-License-Identifier: MIT
// ORM queries on every backend: generative building, joins, DISTINCT counts, first / one /
// one_or_none, pagination edge cases, streaming, column and aggregate queries, IN (subquery),
// bulk update / delete keeping the identity map consistent, hybrids and row locks.
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "orm_suite/fixture.hpp"
#include "orm_suite/models.hpp"

namespace orm_suite {
namespace {

using namespace crucible;

// alice has 20 posts, bob 5 (every fifth); views 0..24, odd ones published, every third featured.
class OrmQuery : public OrmSuite {
 protected:
  void SetUp() override {
    OrmSuite::SetUp();
    if (IsSkipped()) return;
    Session s(engine());
    auto alice = s.add(User{.username = "alice", .email = "a", .posts_count = 3});
    auto bob = s.add(User{.username = "bob", .email = "b"});
    s.flush();
    for (int i = 0; i < 25; ++i)
      s.add(Post{.author_id = (i % 5 == 0 ? bob : alice)->id, .title = "post " + std::to_string(i),
                 .content = std::string(10, 'w'), .status = i % 2 ? PostStatus::published : PostStatus::draft,
                 .is_featured = i % 3 == 0, .views_count = i});
    s.commit();
    alice_id_ = alice->id;
    bob_id_ = bob->id;
    take();
  }
  std::int64_t alice_id_ = 0;
  std::int64_t bob_id_ = 0;
};

TEST_P(OrmQuery, GenerativeQueriesDoNotChangeTheirBase) {
  Session session(engine());
  auto base = session.query<Post>();
  auto published = base.where(col(&Post::status) == PostStatus::published);
  EXPECT_EQ(base.count(), 25);
  EXPECT_EQ(published.count(), 12);
  auto top = published.where(col(&Post::is_featured)).order_by(desc(&Post::views_count)).limit(2).all();
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0]->views_count, 21);
  EXPECT_EQ(top[1]->views_count, 15);
  EXPECT_EQ(published.filter(col(&Post::views_count) > 20).count(), 2);
  auto last = base.order_by(col(&Post::id)).offset(24).all();
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0]->views_count, 24);
  auto middle = base.order_by(col(&Post::views_count)).limit(3).offset(10).all();
  ASSERT_EQ(middle.size(), 3u);
  EXPECT_EQ(middle[0]->views_count, 10);
  EXPECT_EQ(middle[2]->views_count, 12);
}

TEST_P(OrmQuery, JoinsAndDistinct) {
  {
    Session before(engine());
    EXPECT_EQ(before.query<User>().outerjoin<Post>().distinct().count(), 2);  // both users have posts
  }
  {
    Session other(engine());
    other.add(User{.username = "carol", .email = "c"});  // no posts
    other.commit();
  }
  Session session(engine());
  EXPECT_EQ(session.query<User>().join<Post>().where(col(&Post::views_count) > 22).distinct().count(), 1);
  EXPECT_EQ(session.query<User>().join<Post>().count(), 25);  // one row per post
  EXPECT_EQ(session.query<User>().join<Post>().distinct().count(), 2);
  // An outer join keeps the user without posts.
  EXPECT_EQ(session.query<User>().outerjoin<Post>().distinct().count(), 3);
  auto lonely = session.query<User>().outerjoin<Post>().where(col(&Post::id).is_null()).all();
  ASSERT_EQ(lonely.size(), 1u);
  EXPECT_EQ(lonely[0]->username, "carol");
  auto bobs = session.query<Post>()
                  .join<User>()
                  .where(col(&User::username) == "bob")
                  .order_by(desc(&Post::views_count))
                  .all();
  ASSERT_EQ(bobs.size(), 5u);
  EXPECT_EQ(bobs.front()->views_count, 20);
  EXPECT_EQ(bobs.back()->views_count, 0);
}

TEST_P(OrmQuery, FirstOneOneOrNoneWithTheQueryInTheMessage) {
  Session session(engine());
  EXPECT_EQ(session.query<User>().order_by(col(&User::username)).first()->username, "alice");
  EXPECT_EQ(session.query<User>().where(col(&User::username) == "zed").first(), nullptr);
  EXPECT_EQ(session.query<User>().where(col(&User::username) == "zed").one_or_none(), nullptr);
  EXPECT_EQ(session.query<User>().where(col(&User::username) == "bob").one()->id, bob_id_);
  try {
    session.query<User>().where(col(&User::username) == "zed").one();
    FAIL() << "expected NoResultFound";
  } catch (const NoResultFound& e) {
    EXPECT_NE(std::string(e.what()).find("FROM os_users WHERE os_users.username = " + placeholder(1)), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(session.query<User>().one(), MultipleResultsFound);
  EXPECT_THROW(session.query<User>().one_or_none(), MultipleResultsFound);
}

TEST_P(OrmQuery, PaginationEdgeCases) {
  Session session(engine());
  auto q = session.query<Post>().order_by(col(&Post::id));
  auto p1 = q.paginate(1, 10);
  EXPECT_EQ(p1.items.size(), 10u);
  EXPECT_EQ(p1.total, 25);
  EXPECT_EQ(p1.pages(), 3);
  EXPECT_FALSE(p1.has_prev());
  EXPECT_TRUE(p1.has_next());
  EXPECT_EQ(p1.next_num(), 2);
  auto p3 = q.paginate(3, 10);
  ASSERT_EQ(p3.items.size(), 5u);
  EXPECT_EQ(p3.items.front()->title, "post 20");
  EXPECT_FALSE(p3.has_next());
  EXPECT_EQ(p3.prev_num(), 2);
  auto exact = q.paginate(5, 5);  // the last page, exactly full
  EXPECT_EQ(exact.items.size(), 5u);
  EXPECT_FALSE(exact.has_next());
  auto past = q.paginate(7, 10, false);  // past the end: empty, totals still right
  EXPECT_TRUE(past.items.empty());
  EXPECT_EQ(past.total, 25);
  EXPECT_FALSE(past.has_next());
  EXPECT_THROW(q.paginate(1, 0, true), ArgumentError);
  EXPECT_THROW(q.paginate(0, 10, true), ArgumentError);
  auto none = session.query<Post>().where(col(&Post::views_count) > 1000).paginate(1, 10);
  EXPECT_EQ(none.pages(), 0);
  EXPECT_EQ(none.total, 0);
  EXPECT_FALSE(none.has_next());
  EXPECT_FALSE(none.has_prev());
}

// Flask-SQLAlchemy's error_out: on, page or per_page below 1 is an error and so is a page other
// than the first with no items; off (the default here), they read page 1, 20 per page, and an
// empty page with the right totals.
TEST_P(OrmQuery, PaginationErrorOutAsFlaskSqlalchemy) {
  Session session(engine());
  auto q = session.query<Post>().order_by(col(&Post::id));
  EXPECT_THROW(q.paginate(4, 10, true), NoResultFound);
  EXPECT_THROW(q.paginate(0, 10, true), ArgumentError);
  EXPECT_THROW(q.paginate(1, -1, true), ArgumentError);
  auto empty_first = session.query<Post>().where(col(&Post::views_count) > 1000).paginate(1, 10, true);
  EXPECT_TRUE(empty_first.items.empty());  // page 1 is never past the end
  EXPECT_THROW(session.query<Post>().where(col(&Post::views_count) > 1000).paginate(2, 10, true), NoResultFound);
  EXPECT_EQ(q.paginate(0, 10).page, 1);  // the default: error_out off

  auto first = q.paginate(-3, 10, false);
  EXPECT_EQ(first.page, 1);
  ASSERT_EQ(first.items.size(), 10u);
  EXPECT_EQ(first.items.front()->title, "post 0");
  EXPECT_FALSE(first.has_prev());
  auto twenty = q.paginate(2, 0, false);
  EXPECT_EQ(twenty.per_page, 20);
  EXPECT_EQ(twenty.items.size(), 5u);
  EXPECT_EQ(twenty.pages(), 2);
  auto past = q.paginate(4, 10, false);
  EXPECT_TRUE(past.items.empty());
  EXPECT_EQ(past.page, 4);
  EXPECT_EQ(past.total, 25);
  EXPECT_EQ(past.pages(), 3);
  EXPECT_EQ(past.prev_num(), 3);
  EXPECT_FALSE(past.has_next());
}

// Page numbers and sizes near INT64_MAX: (page - 1) * per_page overflowed (undefined behaviour;
// paginate(INT64_MAX, 10) returned the first page's rows labelled page 9223372036854775807),
// and so did pages(). A page whose first row lies past INT64_MAX is past the end.
TEST_P(OrmQuery, PaginationNearInt64MaxIsPastTheEnd) {
  Session session(engine());
  auto q = session.query<Post>().order_by(col(&Post::id));
  constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
  // page, per_page, pages
  const std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t>> cases{
      {max, 10, 3}, {max / 10 + 2, 10, 3}, {2, max, 1}, {max, max, 1}, {max, 1, 25}};
  for (const auto& [page, per_page, pages] : cases) {
    SCOPED_TRACE("paginate(" + std::to_string(page) + ", " + std::to_string(per_page) + ")");
    auto p = q.paginate(page, per_page, false);
    EXPECT_TRUE(p.items.empty());
    EXPECT_EQ(p.page, page);
    EXPECT_EQ(p.total, 25);
    EXPECT_EQ(p.pages(), pages);
    EXPECT_FALSE(p.has_next());
    EXPECT_EQ(p.prev_num(), page - 1);
    EXPECT_THROW(q.paginate(page, per_page, true), NoResultFound);
  }
  auto all = q.paginate(1, max);  // every row on one page
  EXPECT_EQ(all.items.size(), 25u);
  EXPECT_EQ(all.pages(), 1);
  EXPECT_FALSE(all.has_next());
}

// Values read back (enum, bool, text, optional) compare equal to the snapshot: nothing is dirty.
TEST_P(OrmQuery, LoadedObjectsAreClean) {
  Session session(engine());
  auto posts = session.query<Post>().all();
  auto users = session.query<User>().all();
  ASSERT_EQ(posts.size(), 25u);
  take();
  EXPECT_EQ(session.dirty_count(), 0u);
  session.flush();
  EXPECT_TRUE(take().empty());
  auto statuses = session.query<Post>()
                      .where(col(&Post::views_count) <= 2)
                      .order_by(col(&Post::views_count))
                      .values(col(&Post::status), col(&Post::is_featured));
  EXPECT_EQ(statuses, (std::vector<std::tuple<PostStatus, bool>>{
                          {PostStatus::draft, true}, {PostStatus::published, false}, {PostStatus::draft, false}}));
}

TEST_P(OrmQuery, StreamingLoadsThroughTheIdentityMap) {
  Session session(engine());
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

TEST_P(OrmQuery, ColumnAggregateAndSubqueries) {
  Session session(engine());
  auto counts = session.query<Post>()
                    .group_by(col(&Post::author_id))
                    .order_by(col(&Post::author_id))
                    .values(col(&Post::author_id), func::count());
  ASSERT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts[0], std::make_tuple(alice_id_, std::int64_t{20}));
  EXPECT_EQ(counts[1], std::make_tuple(bob_id_, std::int64_t{5}));
  auto busy = session.query<Post>()
                  .group_by(col(&Post::author_id))
                  .having(func::count() > 10)
                  .values(col(&Post::author_id), func::max(col(&Post::views_count)));
  EXPECT_EQ(busy, (std::vector<std::tuple<std::int64_t, std::optional<int>>>{{alice_id_, 24}}));
  // Typed by the column, whatever type each database computes the aggregate in.
  auto totals = session.query<Post>()
                    .where(col(&Post::author_id) == bob_id_)
                    .values(func::sum(col(&Post::views_count)), func::avg(col(&Post::views_count)));
  EXPECT_EQ(totals, (std::vector<std::tuple<std::optional<int>, std::optional<double>>>{{50, 10.0}}));
  auto titles = session.query<Post>().where(col(&Post::views_count) < 2).order_by(col(&Post::id)).values(col(&Post::title));
  EXPECT_EQ(titles, (std::vector<std::tuple<std::string>>{{"post 0"}, {"post 1"}}));
  auto pairs = session.query<Post>()
                   .join<User>()
                   .where(col(&Post::views_count) == 5)
                   .values(col(&User::username), col(&Post::title), col(&Post::is_featured));
  EXPECT_EQ(pairs, (std::vector<std::tuple<std::string, std::string, bool>>{{"bob", "post 5", false}}));
  auto featured_authors = session.query<Post>().where(col(&Post::views_count) > 20).select(col(&Post::author_id));
  auto users = session.query<User>().where(col(&User::id).in_(featured_authors)).all();
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0]->username, "alice");
}

TEST_P(OrmQuery, BulkUpdateAndDeleteKeepTheIdentityMapConsistent) {
  Session session(engine());
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
  EXPECT_EQ(scalar("SELECT count(*) FROM os_posts WHERE status = 'archived'"), 12);  // 13 less the victim
  EXPECT_EQ(scalar("SELECT count(*) FROM os_posts"), 24);
}

TEST_P(OrmQuery, HybridPropertyInCppAndInSql) {
  Session session(engine());
  const Hybrid<User, bool> is_active_user{[](const User& u) { return u.posts_count > 0; },
                                          [] { return col(&User::posts_count) > 0; }};
  auto active = session.query<User>().where(col(is_active_user)).all();
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0]->username, "alice");
  EXPECT_TRUE(is_active_user(*active[0]));
}

TEST_P(OrmQuery, WithForUpdateLocksTheRowsUntilTheSessionEnds) {
  Session holder(engine());
  auto alice = holder.query<User>().where(col(&User::id) == alice_id_).with_for_update().one();
  EXPECT_EQ(alice->username, "alice");
  auto sql = take();
  ASSERT_EQ(sql.size(), 1u);
  EXPECT_EQ(sql[0].find("FOR UPDATE") != std::string::npos, features().supports_for_update) << sql[0];
  // The holder changes the row it holds in the same transaction.
  alice->karma = 99;
  holder.flush();
  if (features().supports_for_update_nowait) {
    Session other(engine());
    EXPECT_THROW(other.query<User>().where(col(&User::id) == alice_id_).with_for_update({.nowait = true}).one(),
                 LockNotAvailableError);
    other.rollback();
    // Other rows are free.
    EXPECT_EQ(other.query<User>().where(col(&User::id) == bob_id_).with_for_update({.nowait = true}).one()->id,
              bob_id_);
    other.rollback();
    holder.commit();  // released
    EXPECT_EQ(other.query<User>().where(col(&User::id) == alice_id_).with_for_update({.nowait = true}).one()->karma,
              99);
  } else {
    holder.commit();
  }
  EXPECT_EQ(scalar("SELECT karma FROM os_users WHERE username = 'alice'"), 99);
}

CRUCIBLE_DIALECT_SUITE(OrmQuery);

}  // namespace
}  // namespace orm_suite
