// SPDX-License-Identifier: MIT
// Golden tests: UNION / INTERSECT / EXCEPT, CTEs (recursive too), window functions.
#include "sql/support.hpp"

namespace crucible::testing {
namespace {

class SetOpsTest : public ::testing::Test, protected Blog {};

TEST_F(SetOpsTest, UnionAndUnionAll) {
  auto a = select(u_id).where(u_age < 10);
  auto b = select(p_user_id).where(p_views > 5);
  expect_sql(union_(a, b),
             "SELECT users.id FROM users WHERE users.age < ? UNION SELECT posts.user_id FROM posts WHERE posts.views > ?",
             "SELECT users.id FROM users WHERE users.age < $1 UNION SELECT posts.user_id FROM posts WHERE posts.views > "
             "$2");
  auto all = a.union_all(b).order_by(u_id.desc()).limit(3);
  expect_sql(all,
             "SELECT users.id FROM users WHERE users.age < ? UNION ALL SELECT posts.user_id FROM posts WHERE "
             "posts.views > ? ORDER BY id DESC LIMIT ?",
             "SELECT users.id FROM users WHERE users.age < $1 UNION ALL SELECT posts.user_id FROM posts WHERE "
             "posts.views > $2 ORDER BY id DESC LIMIT $3");
  EXPECT_EQ(literals_of(all), (std::vector<Value>{10, 5, 3}));
  EXPECT_EQ(sqlite().compile(all)->result_names, (std::vector<std::string>{"id"}));
  EXPECT_THROW((void)union_(select(u_id), select(u_id, u_name)), ArgumentError);
}

TEST_F(SetOpsTest, IntersectExcept) {
  auto a = select(u_id);
  auto b = select(p_user_id);
  expect_sql(intersect(a, b), "SELECT users.id FROM users INTERSECT SELECT posts.user_id FROM posts",
             "SELECT users.id FROM users INTERSECT SELECT posts.user_id FROM posts");
  expect_sql(except_(a, b), "SELECT users.id FROM users EXCEPT SELECT posts.user_id FROM posts",
             "SELECT users.id FROM users EXCEPT SELECT posts.user_id FROM posts");
  dialects::MysqlDialect old;
  old.set_server_version("8.0.30");
  EXPECT_THROW((void)old.compile(except_(a, b)), CompileError);
}

TEST_F(SetOpsTest, UnionAsSubquery) {
  auto ids = union_(select(u_id), select(p_user_id)).subquery("ids");
  expect_sql(select(func::count()).select_from(ids),
             "SELECT count(*) FROM (SELECT users.id FROM users UNION SELECT posts.user_id FROM posts) AS ids",
             "SELECT count(*) FROM (SELECT users.id FROM users UNION SELECT posts.user_id FROM posts) AS ids");
}

TEST_F(SetOpsTest, Cte) {
  auto active = select(p_user_id, func::count(p_id).label("n")).group_by(p_user_id).cte("active");
  auto stmt = select(u_name, active.c<std::int64_t>("n"))
                  .join(active, active.c<std::int64_t>("user_id") == u_id)
                  .where(active.c<std::int64_t>("n") > 2);
  expect_sql(stmt,
             "WITH active AS (SELECT posts.user_id, count(posts.id) AS n FROM posts GROUP BY posts.user_id) SELECT "
             "users.name, active.n FROM users JOIN active ON active.user_id = users.id WHERE active.n > ?",
             "WITH active AS (SELECT posts.user_id, count(posts.id) AS n FROM posts GROUP BY posts.user_id) SELECT "
             "users.name, active.n FROM users JOIN active ON active.user_id = users.id WHERE active.n > $1");
}

TEST_F(SetOpsTest, CteReferencingCteComesAfterIt) {
  auto first = select(u_id).where(u_age > 1).cte("first");
  auto second = select(first.c<std::int64_t>("id")).where(first.c<std::int64_t>("id") < 9).cte("second");
  expect_sql(select(second.c<std::int64_t>("id")),
             "WITH first AS (SELECT users.id FROM users WHERE users.age > ?), second AS (SELECT first.id FROM first "
             "WHERE first.id < ?) SELECT second.id FROM second",
             "WITH first AS (SELECT users.id FROM users WHERE users.age > $1), second AS (SELECT first.id FROM first "
             "WHERE first.id < $2) SELECT second.id FROM second");
}

TEST_F(SetOpsTest, RecursiveCte) {
  MetaData md;
  auto& nodes = md.table("nodes", Column("id", Integer()).primary_key(),
                         Column("parent_id", Integer()).references("nodes.id"));
  auto n_id = nodes.c<int>("id");
  auto n_parent = nodes.c<std::optional<int>>("parent_id");
  const char* const kTreeIds =
      "WITH RECURSIVE tree AS (SELECT nodes.id, nodes.parent_id FROM nodes WHERE nodes.id = ? UNION ALL "
      "SELECT nodes.id, nodes.parent_id FROM nodes JOIN tree ON nodes.parent_id = tree.id) SELECT tree.id FROM tree";
  const char* const kTreeIdsPg =
      "WITH RECURSIVE tree AS (SELECT nodes.id, nodes.parent_id FROM nodes WHERE nodes.id = $1 UNION ALL "
      "SELECT nodes.id, nodes.parent_id FROM nodes JOIN tree ON nodes.parent_id = tree.id) SELECT tree.id FROM tree";
  auto anchor = select(n_id, n_parent).where(n_id == 1).cte("tree", true);
  auto tree = anchor.union_all(
      select(n_id, n_parent).join(anchor, n_parent == anchor.c<int>("id")));
  expect_sql(select(tree.c<int>("id")), kTreeIds, kTreeIdsPg);
  EXPECT_TRUE(tree.recursive());
  // Columns taken from the CTE before its recursive part was added name the same CTE.
  expect_sql(select(anchor.c<int>("id")).select_from(tree), kTreeIds, kTreeIdsPg);
  EXPECT_EQ(sqlite().compile(select(anchor.c<int>("id")).add_columns(tree.c<std::optional<int>>("parent_id")))->sql,
            "WITH RECURSIVE tree AS (SELECT nodes.id, nodes.parent_id FROM nodes WHERE nodes.id = ? UNION ALL "
            "SELECT nodes.id, nodes.parent_id FROM nodes JOIN tree ON nodes.parent_id = tree.id) SELECT tree.id, "
            "tree.parent_id FROM tree");
  expect_sql(select(tree.c<int>("id"), anchor.c<std::optional<int>>("parent_id")),
             "WITH RECURSIVE tree AS (SELECT nodes.id, nodes.parent_id FROM nodes WHERE nodes.id = ? UNION ALL "
             "SELECT nodes.id, nodes.parent_id FROM nodes JOIN tree ON nodes.parent_id = tree.id) SELECT tree.id, "
             "tree.parent_id FROM tree",
             "WITH RECURSIVE tree AS (SELECT nodes.id, nodes.parent_id FROM nodes WHERE nodes.id = $1 UNION ALL "
             "SELECT nodes.id, nodes.parent_id FROM nodes JOIN tree ON nodes.parent_id = tree.id) SELECT tree.id, "
             "tree.parent_id FROM tree");
}

TEST_F(SetOpsTest, WindowFunctions) {
  auto rn = func::row_number().over(partition_by(p_user_id), order_by(p_views.desc(), p_id));
  expect_sql(select(p_id, rn.label("rn")),
             "SELECT posts.id, row_number() OVER (PARTITION BY posts.user_id ORDER BY posts.views DESC, posts.id) "
             "AS rn FROM posts",
             "SELECT posts.id, row_number() OVER (PARTITION BY posts.user_id ORDER BY posts.views DESC, posts.id) "
             "AS rn FROM posts");
  expect_sql(select(func::sum(p_views).over(order_by(p_id)), func::rank().over()),
             "SELECT sum(posts.views) OVER (ORDER BY posts.id), rank() OVER () FROM posts",
             "SELECT sum(posts.views) OVER (ORDER BY posts.id), rank() OVER () FROM posts");
  dialects::SqliteDialect old;
  old.set_server_version("3.24.0");
  EXPECT_THROW((void)old.compile(select(rn)), CompileError);
}

}  // namespace
}  // namespace crucible::testing
