// SPDX-License-Identifier: MIT
// Golden tests: operators, predicates, functions, CASE, CAST on every dialect.
#include "sql/support.hpp"

namespace crucible::testing {
namespace {

class ExpressionTest : public ::testing::Test, protected Blog {
 protected:
  // The WHERE clause alone, per dialect.
  void expect_where(const Expr<bool>& cond, const Expected& e) {
    auto stmt = select(u_id).select_from(users).where(cond);  // FROM users alone, whatever cond names
    std::string prefix = "SELECT users.id FROM users WHERE ";
    expect_sql(stmt, Expected{prefix + e.sqlite, prefix + e.postgresql, prefix + e.mysql});
  }
  void expect_where(const Expr<bool>& cond, const std::string& qmark, const std::string& pg) {
    expect_where(cond, Expected{qmark, pg, qmark});
  }
};

TEST_F(ExpressionTest, Comparisons) {
  expect_where(u_age < 30, "users.age < ?", "users.age < $1");
  expect_where(u_age <= 30, "users.age <= ?", "users.age <= $1");
  expect_where(u_age > 30, "users.age > ?", "users.age > $1");
  expect_where(u_age >= 30, "users.age >= ?", "users.age >= $1");
  expect_where(u_age != 30, "users.age != ?", "users.age != $1");
  expect_where(30 == u_age, "? = users.age", "$1 = users.age");
  expect_where(u_age == u_id, "users.age = users.id", "users.age = users.id");
  // Any integer width and floating values compare with an integer column.
  expect_where(u_id == std::int16_t{3}, "users.id = ?", "users.id = $1");
  expect_where(u_score > 1, "users.score > ?", "users.score > $1");
}

TEST_F(ExpressionTest, NullComparisonsBecomeIsNull) {
  expect_where(u_email == null, "users.email IS NULL", "users.email IS NULL");
  expect_where(u_email != null, "users.email IS NOT NULL", "users.email IS NOT NULL");
  expect_where(u_email == std::nullopt, "users.email IS NULL", "users.email IS NULL");
  expect_where(u_email.is_null(), "users.email IS NULL", "users.email IS NULL");
  expect_where(u_email.is_not_null(), "users.email IS NOT NULL", "users.email IS NOT NULL");
  // Optional columns compare with plain values.
  expect_where(u_email == std::string("a@b"), "users.email = ?", "users.email = $1");
}

TEST_F(ExpressionTest, BooleanLogicAndPrecedence) {
  expect_where((u_age > 1 && u_age < 9) || u_name == "x",
               "users.age > ? AND users.age < ? OR users.name = ?", "users.age > $1 AND users.age < $2 OR users.name = $3");
  expect_where(u_age > 1 && (u_age < 9 || u_name == "x"),
               "users.age > ? AND (users.age < ? OR users.name = ?)",
               "users.age > $1 AND (users.age < $2 OR users.name = $3)");
  expect_where(!(u_age > 1), "NOT (users.age > ?)", "NOT (users.age > $1)");
  expect_where(and_(u_age > 1, u_age < 2, u_id == 3), "users.age > ? AND users.age < ? AND users.id = ?",
               "users.age > $1 AND users.age < $2 AND users.id = $3");
  expect_where(or_(u_age > 1, u_age < 2), "users.age > ? OR users.age < ?", "users.age > $1 OR users.age < $2");
  expect_where(p_published, "posts.published", "posts.published");
}

TEST_F(ExpressionTest, Arithmetic) {
  // Integer / integer is true division (SQLAlchemy 2.0): the divisor is cast to a double.
  expect_where((u_age + 1) * 2 > u_id - 3 / u_age, "(users.age + ?) * ? > users.id - ? / CAST(users.age AS DOUBLE)",
               "(users.age + $1) * $2 > users.id - $3 / CAST(users.age AS DOUBLE PRECISION)");
  expect_where(u_age - (u_id - 1) == 0, "users.age - (users.id - ?) = ?", "users.age - (users.id - $1) = $2");
  expect_where(u_age % 2 == 1, "users.age % ? = ?", "users.age % $1 = $2");
  expect_where(-u_age < 0, "-users.age < ?", "-users.age < $1");
  auto ratio = u_age / 2.5;
  static_assert(std::is_same_v<decltype(ratio), Expr<double>>);
}

TEST_F(ExpressionTest, InLists) {
  expect_where(u_id.in_({1, 2, 3}), "users.id IN (?, ?, ?)", "users.id IN ($1, $2, $3)");
  expect_where(u_name.not_in(std::vector<std::string>{"a", "b"}), "users.name NOT IN (?, ?)",
               "users.name NOT IN ($1, $2)");
  expect_where(u_id.in_(std::vector<std::int64_t>{}), "1 != 1", "1 != 1");
  expect_where(u_id.not_in(std::vector<std::int64_t>{}), "1 = 1", "1 = 1");
  // Different list lengths are different shapes.
  EXPECT_NE(key_of(select(u_id).where(u_id.in_({1, 2}))), key_of(select(u_id).where(u_id.in_({1, 2, 3}))));
}

TEST_F(ExpressionTest, Between) {
  expect_where(u_age.between(18, 65), "users.age BETWEEN ? AND ?", "users.age BETWEEN $1 AND $2");
}

TEST_F(ExpressionTest, LikeAndIlike) {
  expect_where(u_name.like("a%"), "users.name LIKE ?", "users.name LIKE $1");
  expect_where(u_name.not_like("a%"), "users.name NOT LIKE ?", "users.name NOT LIKE $1");
  expect_where(u_name.ilike("A%"), Expected{"lower(users.name) LIKE lower(?)", "users.name ILIKE $1",
                                            "lower(users.name) LIKE lower(?)"});
  expect_where(u_name.like("a!%%", '!'), "users.name LIKE ? ESCAPE '!'", "users.name LIKE $1 ESCAPE '!'");
}

TEST_F(ExpressionTest, ContainsStartswithEndswithEscape) {
  auto c = u_name.contains("50%_off/");
  expect_where(c, "users.name LIKE ? ESCAPE '/'", "users.name LIKE $1 ESCAPE '/'");
  EXPECT_EQ(literals_of(select(u_id).where(c)), (std::vector<Value>{"%50/%/_off//%"}));
  EXPECT_EQ(literals_of(select(u_id).where(u_name.startswith("ab"))), (std::vector<Value>{"ab%"}));
  EXPECT_EQ(literals_of(select(u_id).where(u_name.endswith("ab"))), (std::vector<Value>{"%ab"}));
}

TEST_F(ExpressionTest, EnumsBindTheirLabel) {
  expect_where(p_status == PostStatus::published, "posts.status = ?", "posts.status = $1");
  EXPECT_EQ(literals_of(select(u_id).where(p_status == PostStatus::published)), (std::vector<Value>{"published"}));
}

TEST_F(ExpressionTest, CaseCastLabel) {
  auto level = case_<std::string>().when(u_age >= 65, "senior").when(u_age >= 18, "adult").else_("minor");
  expect_sql(select(level.label("level")),
             "SELECT CASE WHEN users.age >= ? THEN ? WHEN users.age >= ? THEN ? ELSE ? END AS level FROM users",
             "SELECT CASE WHEN users.age >= $1 THEN $2 WHEN users.age >= $3 THEN $4 ELSE $5 END AS level FROM users");
  expect_sql(select(cast<std::string>(u_id)),
             Expected{"SELECT CAST(users.id AS VARCHAR) FROM users", "SELECT CAST(users.id AS VARCHAR) FROM users",
                      "SELECT CAST(users.id AS CHAR) FROM users"});
  expect_sql(select(cast<Decimal>(u_score, Numeric(10, 2))),
             Expected{"SELECT CAST(users.score AS NUMERIC(10, 2)) FROM users",
                      "SELECT CAST(users.score AS NUMERIC(10, 2)) FROM users",
                      "SELECT CAST(users.score AS DECIMAL(10, 2)) FROM users"});
}

TEST_F(ExpressionTest, Functions) {
  expect_sql(select(func::count(), func::sum(u_age), func::avg(u_score), func::min(u_age), func::max(u_name)),
             "SELECT count(*), sum(users.age), avg(users.score), min(users.age), max(users.name) FROM users",
             "SELECT count(*), sum(users.age), avg(users.score), min(users.age), max(users.name) FROM users");
  expect_sql(select(func::coalesce(u_email, "none"), func::lower(u_name), func::upper(u_name)),
             "SELECT coalesce(users.email, ?), lower(users.name), upper(users.name) FROM users",
             "SELECT coalesce(users.email, $1), lower(users.name), upper(users.name) FROM users");
  expect_sql(select(u_id).where(users.c<DateTime>("created_at") < func::now()),
             Expected{"SELECT users.id FROM users WHERE users.created_at < CURRENT_TIMESTAMP",
                      "SELECT users.id FROM users WHERE users.created_at < now()",
                      "SELECT users.id FROM users WHERE users.created_at < now()"});
  expect_sql(select(func::call<std::int64_t>("length", u_name), func::call("json_extract", u_name, "$.a")),
             "SELECT length(users.name), json_extract(users.name, ?) FROM users",
             "SELECT length(users.name), json_extract(users.name, $1) FROM users");
  expect_sql(select(concat(u_name, "!")),
             Expected{"SELECT users.name || ? FROM users", "SELECT users.name || $1 FROM users",
                      "SELECT concat(users.name, ?) FROM users"});
}

TEST_F(ExpressionTest, BindParamsAreNamed) {
  auto stmt = select(u_name).where(u_id == bindparam<std::int64_t>("uid"), u_age > 3);
  expect_sql(stmt, "SELECT users.name FROM users WHERE users.id = ? AND users.age > ?",
             "SELECT users.name FROM users WHERE users.id = $1 AND users.age > $2");
  auto compiled = postgresql().compile(stmt);
  EXPECT_EQ(compiled->binds[0].name, "uid");
  EXPECT_EQ(compiled->binds[0].literal_index, -1);
  EXPECT_EQ(compiled->binds[1].literal_index, 0);
  EXPECT_EQ(bound_values(stmt, sqlite(), {{"uid", 7}}), (std::vector<Value>{7, 3}));
}

TEST(Params, SetReplacesByNameAndAppendsNewNames) {
  Params params{{"id", 1}, {"name", "a"}};
  params.set("id", 42);                         // an integer over an integer: in place
  params.set("name", 7);                        // an integer over text: the Value changes type
  params.set("flag", true);                     // a new name goes at the end
  params.set("limit", std::int16_t{5});         // so does an integer
  params.set("name", std::string("b"));         // a Value over an integer
  ASSERT_EQ(params.size(), 4u);
  EXPECT_EQ(*params.find("id"), Value(42));
  EXPECT_EQ(*params.find("name"), Value("b"));
  EXPECT_EQ(*params.find("flag"), Value(true));
  EXPECT_EQ(*params.find("limit"), Value(5));
  EXPECT_EQ(params.find("i"), nullptr);         // names match whole, not by prefix
  EXPECT_EQ(params.find("ids"), nullptr);
  EXPECT_EQ(std::next(params.begin(), 3)->first, "limit");
}

TEST_F(ExpressionTest, LiteralsAreAlwaysBound) {
  auto stmt = select(literal(1), literal("x"), literal_column<int>("42"));
  expect_sql(stmt, "SELECT ?, ?, 42", "SELECT $1, $2, 42");
}

TEST_F(ExpressionTest, InlineRenderingForDdl) {
  auto compiler = postgresql().make_compiler();
  EXPECT_EQ(compiler->render_inline(*(u_age > 18 && u_name != "it's").node()), "age > 18 AND name != 'it''s'");
  auto my = mysql().make_compiler();
  EXPECT_EQ(my->render_inline(*(u_name == "a\\b").node()), "name = 'a\\\\b'");
  EXPECT_EQ(sqlite().make_compiler()->render_inline(*(p_published == true).node()), "published = 1");
  EXPECT_EQ(postgresql().make_compiler()->render_inline(*(p_published == true).node()), "published = TRUE");
}

}  // namespace
}  // namespace crucible::testing
