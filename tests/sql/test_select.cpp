// SPDX-License-Identifier: MIT
// Golden tests: SELECT on every dialect.
#include "sql/support.hpp"

namespace crucible::testing {
namespace {

class SelectTest : public ::testing::Test, protected Blog {};

TEST_F(SelectTest, WholeTableListsColumns) {
  expect_sql(select(users),
             "SELECT users.id, users.name, users.email, users.age, users.score, users.created_at FROM users",
             "SELECT users.id, users.name, users.email, users.age, users.score, users.created_at FROM users");
}

TEST_F(SelectTest, ColumnsAndWhere) {
  auto stmt = select(u_id, u_name).where(u_id == 5).where(u_name != "bob");
  expect_sql(stmt, "SELECT users.id, users.name FROM users WHERE users.id = ? AND users.name != ?",
             "SELECT users.id, users.name FROM users WHERE users.id = $1 AND users.name != $2");
  EXPECT_EQ(literals_of(stmt), (std::vector<Value>{5, "bob"}));
  auto compiled = postgresql().compile(stmt);
  ASSERT_EQ(compiled->binds.size(), 2u);
  EXPECT_EQ(compiled->binds[0].literal_index, 0);
  EXPECT_EQ(compiled->binds[1].literal_index, 1);
  EXPECT_EQ(compiled->binds[0].type.kind, TypeKind::big_integer);
  EXPECT_EQ(compiled->result_names, (std::vector<std::string>{"id", "name"}));
  EXPECT_TRUE(compiled->returns_rows);
  EXPECT_EQ(compiled->kind, sql::StatementKind::select);
}

// one() skips the step that looks for a second row only where none can exist.
TEST_F(SelectTest, AtMostOneRowOnlyWhereTheStatementGuaranteesIt) {
  const auto one_row = [&](const sql::Executable& stmt) { return sqlite().compile(stmt)->at_most_one_row; };
  EXPECT_TRUE(one_row(select(u_name).where(u_id == 5)));
  EXPECT_TRUE(one_row(select(u_name).where(bindparam<std::int64_t>("id") == u_id)));
  EXPECT_TRUE(one_row(select(u_name).where(u_name != "bob", u_id == bindparam<std::int64_t>("id"))));
  EXPECT_TRUE(one_row(select(u_name).limit(1)));
  EXPECT_FALSE(one_row(select(u_name)));
  EXPECT_FALSE(one_row(select(u_name).limit(2)));
  EXPECT_FALSE(one_row(select(u_name).where(u_id > 5)));
  EXPECT_FALSE(one_row(select(u_name).where(u_id == 5 || u_id == 6)));
  EXPECT_FALSE(one_row(select(u_name).where(u_name == "bob")));           // not the key
  EXPECT_FALSE(one_row(select(u_name, p_title).select_from(users).join(posts).where(u_id == 5)));  // a join
  EXPECT_FALSE(one_row(select(u_name).where(u_id == u_age)));             // not a fixed value
  EXPECT_FALSE(one_row(select(u_name).where(u_id == 5).union_all(select(u_name).where(u_id == 6))));
}

TEST_F(SelectTest, ReservedAndUpperCaseNamesAreQuoted) {
  MetaData md;
  auto& t = md.table("order", Column("select", Integer()), Column("Name", String(10)), Column("ok", Integer()));
  expect_sql(select(t), Expected{R"(SELECT "order"."select", "order"."Name", "order".ok FROM "order")",
                                 R"(SELECT "order"."select", "order"."Name", "order".ok FROM "order")",
                                 "SELECT `order`.`select`, `order`.`Name`, `order`.ok FROM `order`"});
}

TEST_F(SelectTest, JoinInfersOnFromSingleForeignKey) {
  auto stmt = select(u_name, p_title).select_from(users).join(posts);
  expect_sql(stmt, "SELECT users.name, posts.title FROM users JOIN posts ON posts.user_id = users.id",
             "SELECT users.name, posts.title FROM users JOIN posts ON posts.user_id = users.id");
  auto outer = select(u_name, func::count(p_id).label("n")).outerjoin(posts).group_by(u_name);
  expect_sql(outer,
             "SELECT users.name, count(posts.id) AS n FROM users LEFT OUTER JOIN posts ON posts.user_id = users.id "
             "GROUP BY users.name",
             "SELECT users.name, count(posts.id) AS n FROM users LEFT OUTER JOIN posts ON posts.user_id = users.id "
             "GROUP BY users.name");
}

TEST_F(SelectTest, JoinWithExplicitOn) {
  auto stmt = select(u_name).join(comments, comments.c<std::int64_t>("editor_id") == u_id);
  expect_sql(stmt, "SELECT users.name FROM users JOIN comments ON comments.editor_id = users.id",
             "SELECT users.name FROM users JOIN comments ON comments.editor_id = users.id");
}

TEST_F(SelectTest, AmbiguousJoinNamesBothKeys) {
  try {
    (void)select(u_name).join(comments);
    FAIL() << "expected ArgumentError";
  } catch (const ArgumentError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("ambiguous join to 'comments'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("comments.author_id -> users.id"), std::string::npos) << msg;
    EXPECT_NE(msg.find("comments.editor_id -> users.id"), std::string::npos) << msg;
  }
}

TEST_F(SelectTest, JoinWithoutForeignKeyIsAnError) {
  MetaData md;
  auto& a = md.table("a", Column("id", Integer()).primary_key());
  auto& b = md.table("b", Column("id", Integer()).primary_key());
  EXPECT_THROW((void)select(a.c<int>("id")).join(b), ArgumentError);
}

TEST_F(SelectTest, ChainedJoins) {
  // comments has keys to users (two) and posts: the second join needs its ON clause.
  EXPECT_THROW((void)select(u_name).select_from(users).join(posts).join(comments), ArgumentError);
  auto stmt = select(u_name, p_title, comments.c<std::string>("body"))
                  .select_from(users)
                  .join(posts)
                  .join(comments, c_post_id == p_id);
  expect_sql(stmt,
             "SELECT users.name, posts.title, comments.body FROM users JOIN posts ON posts.user_id = users.id "
             "JOIN comments ON comments.post_id = posts.id",
             "SELECT users.name, posts.title, comments.body FROM users JOIN posts ON posts.user_id = users.id "
             "JOIN comments ON comments.post_id = posts.id");
}

TEST_F(SelectTest, GroupByHavingOrderLimitOffset) {
  auto n = func::count(p_id).label("n");
  auto stmt = select(p_user_id, n).group_by(p_user_id).having(func::count(p_id) > 2).order_by(n.desc(), p_user_id)
                  .limit(10).offset(20);
  expect_sql(stmt,
             Expected{"SELECT posts.user_id, count(posts.id) AS n FROM posts GROUP BY posts.user_id HAVING "
                      "count(posts.id) > ? ORDER BY n DESC, posts.user_id LIMIT ? OFFSET ?",
                      "SELECT posts.user_id, count(posts.id) AS n FROM posts GROUP BY posts.user_id HAVING "
                      "count(posts.id) > $1 ORDER BY n DESC, posts.user_id LIMIT $2 OFFSET $3",
                      "SELECT posts.user_id, count(posts.id) AS n FROM posts GROUP BY posts.user_id HAVING "
                      "count(posts.id) > ? ORDER BY n DESC, posts.user_id LIMIT ? OFFSET ?"});
  EXPECT_EQ(literals_of(stmt), (std::vector<Value>{2, 10, 20}));
}

TEST_F(SelectTest, OffsetWithoutLimit) {
  expect_sql(select(u_id).offset(5),
             Expected{"SELECT users.id FROM users LIMIT -1 OFFSET ?", "SELECT users.id FROM users OFFSET $1",
                      "SELECT users.id FROM users LIMIT 18446744073709551615 OFFSET ?"});
  expect_sql(select(u_id).limit(5), "SELECT users.id FROM users LIMIT ?", "SELECT users.id FROM users LIMIT $1");
}

TEST_F(SelectTest, NullsOrderingNativeOrEmulated) {
  auto stmt = select(u_id).order_by(u_email.desc().nulls_last(), u_age.asc().nulls_first());
  expect_sql(stmt,
             Expected{"SELECT users.id FROM users ORDER BY users.email DESC NULLS LAST, users.age ASC NULLS FIRST",
                      "SELECT users.id FROM users ORDER BY users.email DESC NULLS LAST, users.age ASC NULLS FIRST",
                      "SELECT users.id FROM users ORDER BY users.email IS NULL, users.email DESC, "
                      "users.age IS NOT NULL, users.age ASC"});
  dialects::SqliteDialect old;
  old.set_server_version("3.29.0");
  EXPECT_EQ(old.compile(stmt)->sql,
            "SELECT users.id FROM users ORDER BY users.email IS NULL, users.email DESC, users.age IS NOT NULL, "
            "users.age ASC");
}

TEST_F(SelectTest, Distinct) {
  expect_sql(select(u_name).distinct(), "SELECT DISTINCT users.name FROM users",
             "SELECT DISTINCT users.name FROM users");
  expect_sql(select(func::count(u_name.distinct())), "SELECT count(DISTINCT users.name) FROM users",
             "SELECT count(DISTINCT users.name) FROM users");
}

TEST_F(SelectTest, SubqueryAsTableWithTypedColumns) {
  auto counts = select(p_user_id, func::count(p_id).label("n")).group_by(p_user_id).subquery("pc");
  auto n = counts.c<std::int64_t>("n");
  auto stmt = select(u_name, n).join(counts, counts.c<std::int64_t>("user_id") == u_id).where(n > 3);
  expect_sql(stmt,
             "SELECT users.name, pc.n FROM users JOIN (SELECT posts.user_id, count(posts.id) AS n FROM posts "
             "GROUP BY posts.user_id) AS pc ON pc.user_id = users.id WHERE pc.n > ?",
             "SELECT users.name, pc.n FROM users JOIN (SELECT posts.user_id, count(posts.id) AS n FROM posts "
             "GROUP BY posts.user_id) AS pc ON pc.user_id = users.id WHERE pc.n > $1");
  EXPECT_THROW((void)counts.c<std::string>("n"), TypeError);
  EXPECT_THROW((void)counts.c<std::int64_t>("nope"), ArgumentError);
}

TEST_F(SelectTest, ScalarSubqueryIsCorrelated) {
  auto post_count = select(func::count(p_id)).where(p_user_id == u_id).scalar_subquery<std::int64_t>();
  auto stmt = select(u_name, post_count.label("posts")).where(post_count > 1);
  expect_sql(stmt,
             "SELECT users.name, (SELECT count(posts.id) FROM posts WHERE posts.user_id = users.id) AS posts "
             "FROM users WHERE (SELECT count(posts.id) FROM posts WHERE posts.user_id = users.id) > ?",
             "SELECT users.name, (SELECT count(posts.id) FROM posts WHERE posts.user_id = users.id) AS posts "
             "FROM users WHERE (SELECT count(posts.id) FROM posts WHERE posts.user_id = users.id) > $1");
}

TEST_F(SelectTest, ExistsAndInSubquery) {
  auto has_posts = exists(select(p_id).where(p_user_id == u_id));
  expect_sql(select(u_id).where(has_posts),
             "SELECT users.id FROM users WHERE EXISTS (SELECT posts.id FROM posts WHERE posts.user_id = users.id)",
             "SELECT users.id FROM users WHERE EXISTS (SELECT posts.id FROM posts WHERE posts.user_id = users.id)");
  expect_sql(select(u_id).where(!has_posts),
             "SELECT users.id FROM users WHERE NOT EXISTS (SELECT posts.id FROM posts WHERE posts.user_id = users.id)",
             "SELECT users.id FROM users WHERE NOT EXISTS (SELECT posts.id FROM posts WHERE posts.user_id = users.id)");
  auto stmt = select(u_name).where(u_id.in_(select(p_user_id).where(p_views > 100)));
  expect_sql(stmt,
             "SELECT users.name FROM users WHERE users.id IN (SELECT posts.user_id FROM posts WHERE posts.views > ?)",
             "SELECT users.name FROM users WHERE users.id IN (SELECT posts.user_id FROM posts WHERE posts.views > "
             "$1)");
  expect_sql(select(u_name).where(u_id.not_in(select(p_user_id))),
             "SELECT users.name FROM users WHERE users.id NOT IN (SELECT posts.user_id FROM posts)",
             "SELECT users.name FROM users WHERE users.id NOT IN (SELECT posts.user_id FROM posts)");
}

TEST_F(SelectTest, TableAliasSelfJoin) {
  MetaData md;
  auto& emp = md.table("employees", Column("id", Integer()).primary_key(),
                       Column("manager_id", Integer()).references("employees.id"), Column("name", String(20)));
  auto mgr = alias(emp, "mgr");
  // Both directions of the self-referential key could join: ambiguous, never guessed.
  try {
    (void)select(emp.c<std::string>("name")).outerjoin(mgr);
    FAIL() << "expected ArgumentError";
  } catch (const ArgumentError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("employees.manager_id -> mgr.id"), std::string::npos) << msg;
    EXPECT_NE(msg.find("mgr.manager_id -> employees.id"), std::string::npos) << msg;
  }
  auto stmt = select(emp.c<std::string>("name"), mgr.c<std::string>("name").label("manager"))
                  .outerjoin(mgr, emp.c<int>("manager_id") == mgr.c<int>("id"));
  expect_sql(stmt,
             "SELECT employees.name, mgr.name AS manager FROM employees LEFT OUTER JOIN employees AS mgr ON "
             "employees.manager_id = mgr.id",
             "SELECT employees.name, mgr.name AS manager FROM employees LEFT OUTER JOIN employees AS mgr ON "
             "employees.manager_id = mgr.id");
}

TEST_F(SelectTest, TypedRows) {
  auto typed = select(u_id, u_name, func::count(p_id)).outerjoin(posts).group_by(u_id, u_name)
                   .as<std::int64_t, std::string, std::int64_t>();
  static_assert(std::is_same_v<decltype(typed)::row_type, std::tuple<std::int64_t, std::string, std::int64_t>>);
  auto compiled = sqlite().compile(typed);
  EXPECT_EQ(compiled->result_names, (std::vector<std::string>{"id", "name", "count"}));
  ASSERT_EQ(compiled->result_types.size(), 3u);
  EXPECT_EQ(compiled->result_types[1].kind, TypeKind::string);
  EXPECT_THROW((void)select(u_id, u_name).as<std::int64_t>(), TypeError);
  EXPECT_THROW((void)(select(u_id, u_name).as<std::int64_t, double>()), TypeError);
}

TEST_F(SelectTest, TypedColumnHandleIsChecked) {
  EXPECT_THROW((void)users.c<std::string>("id"), TypeError);
  EXPECT_THROW((void)users.c<std::int64_t>("missing"), ArgumentError);
  EXPECT_NO_THROW((void)users.c<int>("id"));  // any integer width reads an integer column
}

TEST_F(SelectTest, FullOuterJoinUnsupportedOnMysql) {
  auto stmt = select(u_name, p_title).full_outerjoin(posts);
  EXPECT_EQ(postgresql().compile(stmt)->sql,
            "SELECT users.name, posts.title FROM users FULL OUTER JOIN posts ON posts.user_id = users.id");
  try {
    (void)mysql().compile(stmt);
    FAIL();
  } catch (const CompileError& e) {
    EXPECT_STREQ(e.what(), "FULL OUTER JOIN is not supported on mysql");
  }
}

// FROM is inferred from the WHERE clause too: a select whose only column is a scalar subquery
// reads FROM the table its WHERE names. A subquery's WHERE-only tables that an enclosing
// statement has correlate instead (they are not repeated inside).
TEST_F(SelectTest, FromInferredFromWhereAndCorrelatedInSubqueries) {
  auto newest = select(func::max(p_id)).scalar_subquery<std::int64_t>();
  expect_sql(select(newest).where(u_id == 1),
             "SELECT (SELECT max(posts.id) FROM posts) FROM users WHERE users.id = ?",
             "SELECT (SELECT max(posts.id) FROM posts) FROM users WHERE users.id = $1");
  expect_sql(select(literal(1)).where(u_id == 1).where(p_id == 2),
             "SELECT ? FROM users, posts WHERE users.id = ? AND posts.id = ?",
             "SELECT $1 FROM users, posts WHERE users.id = $2 AND posts.id = $3");
  // Correlated: users is the outer query's, also when the outer query found it in its WHERE.
  auto own = select(func::count(p_id)).where(p_user_id == u_id).scalar_subquery<std::int64_t>();
  expect_sql(select(own).where(u_id == 1),
             "SELECT (SELECT count(posts.id) FROM posts WHERE posts.user_id = users.id) FROM users WHERE users.id = ?",
             "SELECT (SELECT count(posts.id) FROM posts WHERE posts.user_id = users.id) FROM users WHERE users.id = $1");
  auto mine = select(literal(1)).where(p_user_id == u_id);
  expect_sql(select(u_name).where(exists(mine)),
             "SELECT users.name FROM users WHERE EXISTS (SELECT ? FROM posts WHERE posts.user_id = users.id)",
             "SELECT users.name FROM users WHERE EXISTS (SELECT $1 FROM posts WHERE posts.user_id = users.id)");
  // ... and so is the table of an UPDATE or DELETE.
  EXPECT_EQ(sqlite().compile(delete_(users).where(exists(mine)))->sql,
            "DELETE FROM users WHERE EXISTS (SELECT ? FROM posts WHERE posts.user_id = users.id)");
  // Not correlated when the outer query lacks the table: the subquery reads it itself.
  expect_sql(select(p_title).where(exists(select(literal(1)).where(u_id == 5))),
             "SELECT posts.title FROM posts WHERE EXISTS (SELECT ? FROM users WHERE users.id = ?)",
             "SELECT posts.title FROM posts WHERE EXISTS (SELECT $1 FROM users WHERE users.id = $2)");
  // A table the select joins (before or after the WHERE) is not listed twice.
  expect_sql(select(u_name).join(posts).where(p_id == 3),
             "SELECT users.name FROM users JOIN posts ON posts.user_id = users.id WHERE posts.id = ?",
             "SELECT users.name FROM users JOIN posts ON posts.user_id = users.id WHERE posts.id = $1");
  expect_sql(select(u_name).where(p_id == 3).join(posts),
             "SELECT users.name FROM users JOIN posts ON posts.user_id = users.id WHERE posts.id = ?",
             "SELECT users.name FROM users JOIN posts ON posts.user_id = users.id WHERE posts.id = $1");
}

}  // namespace
}  // namespace crucible::testing
