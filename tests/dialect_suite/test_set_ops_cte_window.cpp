// SPDX-License-Identifier: MIT
// Set operations, common table expressions (recursive too) and window functions on every
// backend that has them (blog_fixture.hpp has the rows).
#include <algorithm>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "dialect_suite/blog_fixture.hpp"

namespace crucible {
namespace {

using Names = std::vector<std::string>;
using Ids = std::vector<std::int64_t>;

class SetOpsCteWindow : public testkit::BlogSuite {
 protected:
  static Ids sorted(Ids v) {
    std::sort(v.begin(), v.end());
    return v;
  }
};

TEST_P(SetOpsCteWindow, UnionAndUnionAll) {
  auto conn = engine().connect();
  const auto paris = select(user_id()).where(city() == "Paris");  // 1, 4
  const auto posters = select(author()).where(score() >= 5);      // 1, 1, 4
  EXPECT_EQ(sorted(conn.execute(union_(paris, posters)).scalars<std::int64_t>()), (Ids{1, 4}));
  EXPECT_EQ(sorted(conn.execute(union_all(paris, posters)).scalars<std::int64_t>()), (Ids{1, 1, 1, 4, 4}));
  EXPECT_EQ(conn.execute(paris.union_(select(user_id()).where(user_id() == 2)).order_by(user_id()).limit(2))
                .scalars<std::int64_t>(),
            (Ids{1, 2}));
  EXPECT_EQ(
      sorted(conn.execute(union_all(paris, posters, select(user_id()).where(user_id() == 3))).scalars<std::int64_t>()),
      (Ids{1, 1, 1, 3, 4, 4}));
}

TEST_P(SetOpsCteWindow, IntersectAndExcept) {
  CRUCIBLE_REQUIRE(features().supports_intersect_except);
  auto conn = engine().connect();
  const auto with_age = select(user_id()).where(age().is_not_null());  // 1, 2, 4
  const auto posters = select(author());                               // 1, 1, 2, 4
  const auto in_paris = select(user_id()).where(city() == "Paris");    // 1, 4
  EXPECT_EQ(sorted(conn.execute(intersect(with_age, in_paris)).scalars<std::int64_t>()), (Ids{1, 4}));
  EXPECT_EQ(sorted(conn.execute(except_(with_age, in_paris)).scalars<std::int64_t>()), (Ids{2}));
  EXPECT_EQ(sorted(conn.execute(except_(select(user_id()), posters)).scalars<std::int64_t>()), (Ids{3}));
}

TEST_P(SetOpsCteWindow, CommonTableExpression) {
  auto conn = engine().connect();
  const auto busy = select(author(), func::count().label("total")).group_by(author()).cte("busy");
  const auto total = busy.c<std::int64_t>("total");
  const auto rows = conn.execute(select(name(), total)
                                     .join(busy, busy.c<std::int64_t>("user_id") == user_id())
                                     .where(total > 1 || name() == "dave")
                                     .order_by(name()))
                        .as<std::string, std::int64_t>()
                        .all();
  EXPECT_EQ(rows, (std::vector<std::tuple<std::string, std::int64_t>>{{"alice", 2}, {"dave", 1}}));
}

TEST_P(SetOpsCteWindow, RecursiveCteWalksACommentTree) {
  CRUCIBLE_REQUIRE(features().supports_recursive_cte);
  auto conn = engine().connect();
  // The thread under comment 100, with each comment's depth.
  auto tree = select(comment_id(), parent(), literal(std::int64_t{0}).label("depth"))
                  .where(comment_id() == 100)
                  .cte("thread", true);
  const auto tree_id = tree.c<std::int64_t>("id");
  tree =
      tree.union_all(select(comment_id(), parent(), tree.c<std::int64_t>("depth") + 1).join(tree, parent() == tree_id));
  const auto rows = conn.execute(select(tree.c<std::int64_t>("id"), tree.c<std::int64_t>("depth"))
                                     .select_from(tree)
                                     .order_by(tree.c<std::int64_t>("id")))
                        .as<std::int64_t, std::int64_t>()
                        .all();
  EXPECT_EQ(rows, (std::vector<std::tuple<std::int64_t, std::int64_t>>{{100, 0}, {101, 1}, {102, 1}, {103, 2}}));
  // The recursive CTE used as an IN subquery (its columns taken from the final CTE object).
  const auto thread_ids = select(tree.c<std::int64_t>("id"));
  EXPECT_EQ(conn.execute(select(body()).where(comment_id().in_(thread_ids), parent() != null).order_by(comment_id()))
                .scalars<std::string>(),
            (Names{"child a", "child b", "grandchild"}));
}

TEST_P(SetOpsCteWindow, WindowFunctions) {
  CRUCIBLE_REQUIRE(features().supports_window_functions);
  auto conn = engine().connect();
  const auto row_number =
      func::row_number().over(partition_by(author()), order_by(score().desc(), post_id())).label("rn");
  const auto rank = func::rank().over(order_by(score().desc())).label("rk");
  const auto dense = func::dense_rank().over(order_by(score().desc())).label("drk");
  const auto rows = conn.execute(select(post_id(), row_number, rank, dense).order_by(post_id()))
                        .as<std::int64_t, std::int64_t, std::int64_t, std::int64_t>()
                        .all();
  // scores: 10 -> 5, 11 -> 7, 12 -> 1, 13 -> 7
  EXPECT_EQ(rows, (std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t>>{
                      {10, 2, 3, 2}, {11, 1, 1, 1}, {12, 1, 4, 3}, {13, 1, 1, 1}}));
  // The top post per author through a subquery on the window.
  const auto ranked = select(author(), post_id(), row_number).subquery("ranked");
  EXPECT_EQ(conn.execute(select(ranked.c<std::int64_t>("id"))
                             .select_from(ranked)
                             .where(ranked.c<std::int64_t>("rn") == 1)
                             .order_by(ranked.c<std::int64_t>("id")))
                .scalars<std::int64_t>(),
            (Ids{11, 12, 13}));
}

CRUCIBLE_DIALECT_SUITE(SetOpsCteWindow);

}  // namespace
}  // namespace crucible
