// SPDX-License-Identifier: MIT
// SELECT end to end on every backend: filtering and paging, joins, grouping, subqueries, IN and
// EXISTS, distinct and NULL ordering (blog_fixture.hpp has the rows).
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "dialect_suite/blog_fixture.hpp"

namespace crucible {
namespace {

using Names = std::vector<std::string>;
using Ids = std::vector<std::int64_t>;

class SelectStatements : public testkit::BlogSuite {};

TEST_P(SelectStatements, WhereOrderLimitOffset) {
  auto conn = engine().connect();
  EXPECT_EQ(conn.execute(select(name()).order_by(name())).scalars<std::string>(),
            (Names{"alice", "bob", "carol", "dave"}));
  EXPECT_EQ(conn.execute(select(name()).order_by(name().desc()).limit(2)).scalars<std::string>(),
            (Names{"dave", "carol"}));
  EXPECT_EQ(conn.execute(select(name()).order_by(name()).limit(2).offset(1)).scalars<std::string>(),
            (Names{"bob", "carol"}));
  EXPECT_EQ(conn.execute(select(name()).order_by(name()).offset(3)).scalars<std::string>(), (Names{"dave"}));
  EXPECT_EQ(conn.execute(select(name()).order_by(name()).limit(0)).scalars<std::string>(), Names{});
  EXPECT_EQ(conn.execute(select(name()).where(age() > 26).order_by(age().desc())).scalars<std::string>(),
            (Names{"dave", "alice"}));
  EXPECT_EQ(conn.execute(select(name()).where(age() >= 25, city() == "Paris").order_by(name())).scalars<std::string>(),
            (Names{"alice", "dave"}));
  EXPECT_EQ(conn.execute(select(name()).where(city() == null || age().between(20, 26)).order_by(name()))
                .scalars<std::string>(),
            (Names{"bob"}));
  EXPECT_EQ(conn.execute(select(name()).where(!(city() == "Paris") && city().is_not_null())).scalars<std::string>(),
            (Names{"carol"}));
  // Arithmetic in the select list and in WHERE.
  EXPECT_EQ(conn.scalar<int>(select(score() * 2 + 1).where(post_id() == 10)), 11);
  EXPECT_EQ(conn.execute(select(post_id()).where(score() - 2 > 4).order_by(post_id())).scalars<std::int64_t>(),
            (Ids{11, 13}));
}

TEST_P(SelectStatements, JoinsInferredAndExplicit) {
  auto conn = engine().connect();
  using Pair = std::tuple<std::string, std::string>;
  const auto inferred =
      conn.execute(select(name(), title()).join(*posts_).order_by(title())).as<std::string, std::string>().all();
  EXPECT_EQ(inferred,
            (std::vector<Pair>{{"bob", "Bob's post"}, {"dave", "Dave"}, {"alice", "Hello"}, {"alice", "World"}}));
  const auto explicit_on = conn.execute(select(name(), title())
                                            .select_from(*users_)
                                            .join(*posts_, author() == user_id() && score() > 5)
                                            .order_by(title()))
                               .as<std::string, std::string>()
                               .all();
  EXPECT_EQ(explicit_on, (std::vector<Pair>{{"dave", "Dave"}, {"alice", "World"}}));
  // Three tables, ON inferred at each step.
  EXPECT_EQ(conn.execute(select(body())
                             .select_from(*users_)
                             .join(*posts_)
                             .join(*comments_)
                             .where(name() == "alice")
                             .order_by(comment_id()))
                .scalars<std::string>(),
            (Names{"root", "child a", "child b", "grandchild", "other root"}));
}

TEST_P(SelectStatements, OuterJoinYieldsNulls) {
  auto conn = engine().connect();
  const auto title_or_null = posts_->c<std::optional<std::string>>("title");
  const auto rows =
      conn.execute(select(name(), title_or_null).select_from(*users_).outerjoin(*posts_).where(title_or_null == null))
          .as<std::string, std::optional<std::string>>()
          .all();
  EXPECT_EQ(rows, (std::vector<std::tuple<std::string, std::optional<std::string>>>{{"carol", std::nullopt}}));
  // count(posts.id) over the outer join counts 0 for carol.
  const auto counts = conn.execute(select(name(), func::count(post_id()))
                                       .select_from(*users_)
                                       .outerjoin(*posts_)
                                       .group_by(name())
                                       .order_by(name()))
                          .as<std::string, std::int64_t>()
                          .all();
  EXPECT_EQ(counts,
            (std::vector<std::tuple<std::string, std::int64_t>>{{"alice", 2}, {"bob", 1}, {"carol", 0}, {"dave", 1}}));
}

TEST_P(SelectStatements, FullOuterJoin) {
  CRUCIBLE_REQUIRE(features().supports_full_outer_join);
  auto conn = engine().connect();
  const auto parent_alias = alias(*comments_, "p");
  const auto p_id = parent_alias.c<std::optional<std::int64_t>>("id");
  const auto n = conn.scalar<std::int64_t>(
      select(func::count()).select_from(*comments_).full_outerjoin(parent_alias, parent() == p_id));
  // 5 comments (each matched to its parent or not) + parents without children (102, 103, 104).
  EXPECT_EQ(n, 8);
}

TEST_P(SelectStatements, SelfJoinThroughAlias) {
  auto conn = engine().connect();
  const auto p = alias(*comments_, "parent_comment");
  const auto rows = conn.execute(select(body(), p.c<std::string>("body"))
                                     .join(p, parent() == p.c<std::int64_t>("id"))
                                     .order_by(comment_id()))
                        .as<std::string, std::string>()
                        .all();
  EXPECT_EQ(rows, (std::vector<std::tuple<std::string, std::string>>{
                      {"child a", "root"}, {"child b", "root"}, {"grandchild", "child a"}}));
}

TEST_P(SelectStatements, GroupByHaving) {
  auto conn = engine().connect();
  const auto rows = conn.execute(select(author(), func::count(), func::min(score()), func::max(score()))
                                     .group_by(author())
                                     .having(func::count() > 1)
                                     .order_by(author()))
                        .as<std::int64_t, std::int64_t, std::optional<int>, std::optional<int>>()
                        .all();
  EXPECT_EQ(
      rows,
      (std::vector<std::tuple<std::int64_t, std::int64_t, std::optional<int>, std::optional<int>>>{{1, 2, 5, 7}}));
  EXPECT_EQ(conn.execute(select(author()).group_by(author()).having(func::max(score()) >= 7).order_by(author()))
                .scalars<std::int64_t>(),
            (Ids{1, 4}));
  EXPECT_EQ(conn.scalar<std::int64_t>(select(func::count(city().distinct()))), 2);
  EXPECT_EQ(conn.scalar<std::int64_t>(select(func::count(city()))), 3);  // NULLs not counted
  EXPECT_EQ(conn.scalar<std::optional<int>>(select(func::max(score())).where(score() > 100)), std::nullopt);
}

TEST_P(SelectStatements, SumReadsAsTheSummedColumnsType) {
  // func::sum(int column) is typed std::optional<int>, whatever type the database computes it in.
  auto conn = engine().connect();
  EXPECT_EQ(conn.scalar<std::optional<int>>(select(func::sum(score()))), 20);
  EXPECT_EQ(
      conn.execute(select(func::sum(score())).group_by(author()).order_by(author())).scalars<std::optional<int>>(),
      (std::vector<std::optional<int>>{12, 1, 7}));
  EXPECT_EQ(conn.scalar<std::optional<int>>(select(func::sum(score())).where(score() > 100)), std::nullopt);
}

TEST_P(SelectStatements, AverageReadsAsDouble) {
  // func::avg is typed std::optional<double>, whatever type the database computes it in.
  auto conn = engine().connect();
  EXPECT_EQ(conn.scalar<std::optional<double>>(select(func::avg(score()))), 5.0);
  EXPECT_EQ(conn.scalar<std::optional<double>>(select(func::avg(score())).where(author() == 1)), 6.0);
  EXPECT_EQ(conn.scalar<std::optional<double>>(select(func::avg(score())).where(score() > 100)), std::nullopt);
}

TEST_P(SelectStatements, SubqueryInFromAndScalarSubquery) {
  auto conn = engine().connect();
  const auto per_user = select(author(), func::count().label("n")).group_by(author()).subquery("per_user");
  const auto n = per_user.c<std::int64_t>("n");
  const auto rows = conn.execute(select(name(), n)
                                     .join(per_user, per_user.c<std::int64_t>("user_id") == user_id())
                                     .where(n >= 1)
                                     .order_by(n.desc(), name()))
                        .as<std::string, std::int64_t>()
                        .all();
  EXPECT_EQ(rows, (std::vector<std::tuple<std::string, std::int64_t>>{{"alice", 2}, {"bob", 1}, {"dave", 1}}));

  const auto post_count =
      select(func::count()).select_from(*posts_).where(author() == user_id()).scalar_subquery<std::int64_t>();
  const auto counted =
      conn.execute(select(name(), post_count.label("posts")).order_by(name())).as<std::string, std::int64_t>().all();
  EXPECT_EQ(counted,
            (std::vector<std::tuple<std::string, std::int64_t>>{{"alice", 2}, {"bob", 1}, {"carol", 0}, {"dave", 1}}));
  const auto top = select(func::max(score())).scalar_subquery<int>();
  EXPECT_EQ(conn.execute(select(post_id()).where(score() == top).order_by(post_id())).scalars<std::int64_t>(),
            (Ids{11, 13}));
}

TEST_P(SelectStatements, InListEmptyInAndInSubquery) {
  auto conn = engine().connect();
  EXPECT_EQ(conn.execute(select(name()).where(user_id().in_({1, 3, 99})).order_by(name())).scalars<std::string>(),
            (Names{"alice", "carol"}));
  EXPECT_EQ(conn.execute(select(name()).where(name().in_({"bob", "zed"}))).scalars<std::string>(), (Names{"bob"}));
  EXPECT_EQ(conn.execute(select(name()).where(user_id().not_in({1, 2})).order_by(name())).scalars<std::string>(),
            (Names{"carol", "dave"}));
  EXPECT_EQ(conn.execute(select(name()).where(user_id().in_(std::vector<std::int64_t>{}))).scalars<std::string>(),
            Names{});
  EXPECT_EQ(conn.execute(select(name()).where(user_id().not_in(std::vector<std::int64_t>{})).order_by(name()))
                .scalars<std::string>()
                .size(),
            4u);
  const auto authors = select(author()).where(score() >= 5);
  EXPECT_EQ(conn.execute(select(name()).where(user_id().in_(authors)).order_by(name())).scalars<std::string>(),
            (Names{"alice", "dave"}));
  EXPECT_EQ(
      conn.execute(select(name()).where(user_id().not_in(select(author()))).order_by(name())).scalars<std::string>(),
      (Names{"carol"}));
}

TEST_P(SelectStatements, Exists) {
  auto conn = engine().connect();
  const auto has_posts = exists(select(post_id()).where(author() == user_id()));
  EXPECT_EQ(conn.execute(select(name()).where(has_posts).order_by(name())).scalars<std::string>(),
            (Names{"alice", "bob", "dave"}));
  EXPECT_EQ(conn.execute(select(name()).where(!has_posts)).scalars<std::string>(), (Names{"carol"}));
  EXPECT_TRUE(conn.scalar<bool>(select(exists(select(post_id()).where(score() > 6)))));
  EXPECT_FALSE(conn.scalar<bool>(select(exists(select(post_id()).where(score() > 60)))));
}

TEST_P(SelectStatements, LikeAndIlike) {
  auto conn = engine().connect();
  EXPECT_EQ(conn.execute(select(name()).where(name().like("%a%")).order_by(name())).scalars<std::string>(),
            (Names{"alice", "carol", "dave"}));
  EXPECT_EQ(conn.execute(select(name()).where(name().not_like("%a%"))).scalars<std::string>(), (Names{"bob"}));
  EXPECT_EQ(conn.execute(select(title()).where(title().ilike("%HELLO%"))).scalars<std::string>(), (Names{"Hello"}));
  EXPECT_EQ(conn.execute(select(title()).where(title().ilike("w_rld"))).scalars<std::string>(), (Names{"World"}));
  EXPECT_EQ(conn.execute(select(title()).where(title().not_ilike("%o%")).order_by(title())).scalars<std::string>(),
            (Names{"Dave"}));
}

TEST_P(SelectStatements, DistinctAndNullsOrdering) {
  auto conn = engine().connect();
  using Cities = std::vector<std::optional<std::string>>;
  EXPECT_EQ(conn.execute(select(city()).distinct().order_by(city().asc().nulls_first()))
                .scalars<std::optional<std::string>>(),
            (Cities{std::nullopt, "Berlin", "Paris"}));
  EXPECT_EQ(
      conn.execute(select(city()).distinct().order_by(city().asc().nulls_last())).scalars<std::optional<std::string>>(),
      (Cities{"Berlin", "Paris", std::nullopt}));
  EXPECT_EQ(conn.execute(select(name()).order_by(age().desc().nulls_first())).scalars<std::string>(),
            (Names{"carol", "dave", "alice", "bob"}));
  EXPECT_EQ(conn.execute(select(name()).order_by(age().desc().nulls_last())).scalars<std::string>(),
            (Names{"dave", "alice", "bob", "carol"}));
  EXPECT_EQ(conn.execute(select(score()).distinct().order_by(score())).scalars<int>(), (std::vector<int>{1, 5, 7}));
}

TEST_P(SelectStatements, CaseCastCoalesce) {
  auto conn = engine().connect();
  const auto band = case_<std::string>().when(score() >= 7, "high").when(score() >= 5, "mid").else_("low");
  EXPECT_EQ(conn.execute(select(band).order_by(post_id())).scalars<std::string>(),
            (Names{"mid", "high", "low", "high"}));
  EXPECT_EQ(conn.execute(select(func::coalesce(city(), "nowhere")).order_by(user_id())).scalars<std::string>(),
            (Names{"Paris", "nowhere", "Berlin", "Paris"}));
  EXPECT_EQ(conn.execute(select(func::coalesce(age(), -1)).order_by(user_id())).scalars<int>(),
            (std::vector<int>{30, 25, -1, 40}));
  EXPECT_EQ(conn.scalar<std::string>(select(cast<std::string>(user_id(), String(20))).where(user_id() == 4)), "4");
  EXPECT_EQ(conn.scalar<std::int64_t>(select(cast<std::int64_t>(literal("42")))), 42);
  EXPECT_EQ(conn.scalar<std::string>(select(concat(name(), "!")).where(user_id() == 2)), "bob!");
  EXPECT_EQ(conn.scalar<std::string>(select(func::upper(name())).where(user_id() == 2)), "BOB");
}

CRUCIBLE_DIALECT_SUITE(SelectStatements);

}  // namespace
}  // namespace crucible
