// SPDX-License-Identifier: MIT
// Golden tests: INSERT / UPDATE / DELETE / upsert / RETURNING / text SQL on every dialect.
#include <limits>

#include "sql/support.hpp"

namespace crucible::testing {
namespace {

class DmlTest : public ::testing::Test, protected Blog {};

TEST_F(DmlTest, InsertOneRowAddsClientDefaults) {
  auto stmt = insert(users).values(set(u_name, "alice"), set(u_email, "a@x.org"));
  expect_sql(stmt, "INSERT INTO users (name, email, created_at) VALUES (?, ?, ?)",
             "INSERT INTO users (name, email, created_at) VALUES ($1, $2, $3)");
  auto lits = literals_of(stmt);
  ASSERT_EQ(lits.size(), 3u);
  EXPECT_EQ(lits[0], Value("alice"));
  EXPECT_EQ(lits[2], Value(DateTime{{2024, 1, 2}, {3, 4, 5}}));
  auto compiled = sqlite().compile(stmt);
  EXPECT_EQ(compiled->kind, sql::StatementKind::insert);
  EXPECT_FALSE(compiled->returns_rows);
  EXPECT_EQ(compiled->binds[2].type.kind, TypeKind::date_time);
}

TEST_F(DmlTest, DefaultFunctionsRunAtEachExecution) {
  MetaData md;
  int calls = 0;
  auto& t = md.table("t", Column("id", Integer()).primary_key(),
                     Column("n", Integer()).default_fn([&calls] { return Value(++calls); }));
  auto stmt = insert(t).values(set(t.c<int>("id"), 1));
  EXPECT_EQ(literals_of(stmt), (std::vector<Value>{1, 1}));
  EXPECT_EQ(literals_of(stmt), (std::vector<Value>{1, 2}));
}

TEST_F(DmlTest, InsertManyRows) {
  auto stmt = insert(posts)
                  .values(set(p_user_id, 1), set(p_title, "a"))
                  .values(set(p_title, "b"), set(p_user_id, 2));  // order within a row does not matter
  expect_sql(stmt, "INSERT INTO posts (user_id, title) VALUES (?, ?), (?, ?)",
             "INSERT INTO posts (user_id, title) VALUES ($1, $2), ($3, $4)");
  EXPECT_EQ(bound_values(stmt, postgresql()), (std::vector<Value>{1, "a", 2, "b"}));
  EXPECT_THROW((void)insert(posts).values(set(p_user_id, 1)).values(set(p_title, "x")), ArgumentError);
}

TEST_F(DmlTest, InsertManyRowsInOneCall) {
  // The same statement as values() per row; rows appended to earlier ones.
  auto stmt = insert(posts)
                  .values(set(p_user_id, 1), set(p_title, "a"))
                  .values(std::vector<std::vector<ColumnValue>>{{set(p_title, "b"), set(p_user_id, 2)},
                                                                {set(p_user_id, 3), set(p_title, "c")}});
  expect_sql(stmt, "INSERT INTO posts (user_id, title) VALUES (?, ?), (?, ?), (?, ?)",
             "INSERT INTO posts (user_id, title) VALUES ($1, $2), ($3, $4), ($5, $6)");
  EXPECT_EQ(bound_values(stmt, postgresql()), (std::vector<Value>{1, "a", 2, "b", 3, "c"}));
  EXPECT_THROW((void)insert(posts).values(std::vector<std::vector<ColumnValue>>{{set(p_user_id, 1)},
                                                                                {set(p_title, "x")}}),
               ArgumentError);
  EXPECT_THROW((void)insert(posts).values(std::vector<std::vector<ColumnValue>>{{set(u_name, "x")}}), ArgumentError);
}

TEST_F(DmlTest, InsertWithoutValuesIsDefaultValuesAndColumnsNamesItsBinds) {
  // Alone, every column takes its default (SQLAlchemy's rule; run with parameters, the engine
  // gives it their columns).
  auto bare = insert(posts);
  EXPECT_TRUE(bare.bare());
  expect_sql(bare, {"INSERT INTO posts DEFAULT VALUES", "INSERT INTO posts DEFAULT VALUES", "INSERT INTO posts () VALUES ()"});
  EXPECT_TRUE(sqlite().compile(bare)->binds.empty());
  auto all = bare.for_columns({&posts.column("id"), &posts.column("title")});
  EXPECT_FALSE(all.bare());
  expect_sql(all, "INSERT INTO posts (id, title) VALUES (?, ?)", "INSERT INTO posts (id, title) VALUES ($1, $2)");
  auto some = insert(posts).columns(p_user_id, p_title);
  expect_sql(some, "INSERT INTO posts (user_id, title) VALUES (?, ?)",
             "INSERT INTO posts (user_id, title) VALUES ($1, $2)");
  auto compiled = sqlite().compile(some);
  ASSERT_EQ(compiled->binds.size(), 2u);
  EXPECT_EQ(compiled->binds[0].name, "user_id");
  EXPECT_EQ(compiled->binds[1].name, "title");
  EXPECT_EQ(compiled->binds[1].literal_index, -1);
  // Where the one VALUES tuple stands, for execute_many's multi-row batches.
  const auto pg = postgresql().compile(some.returning(p_id));
  EXPECT_EQ(pg->sql.substr(pg->values_tuple.first, pg->values_tuple.second), "($1, $2)");
  EXPECT_EQ(pg->sql.substr(pg->values_tuple.first + pg->values_tuple.second), " RETURNING id");
  EXPECT_EQ(sqlite().compile(insert(posts).values(set(p_user_id, 1)))->values_tuple.second, 0u);  // literals
}

TEST_F(DmlTest, InsertFromSelect) {
  auto stmt = insert(posts).from_select(select(u_id, u_name).where(u_age > 3), p_user_id, p_title);
  expect_sql(stmt, "INSERT INTO posts (user_id, title) SELECT users.id, users.name FROM users WHERE users.age > ?",
             "INSERT INTO posts (user_id, title) SELECT users.id, users.name FROM users WHERE users.age > $1");
}

TEST_F(DmlTest, InsertReturning) {
  auto stmt = insert(posts).values(set(p_user_id, 1), set(p_title, "t")).returning(p_id, p_views);
  EXPECT_EQ(sqlite().compile(stmt)->sql, "INSERT INTO posts (user_id, title) VALUES (?, ?) RETURNING id, views");
  auto pg = postgresql().compile(stmt);
  EXPECT_EQ(pg->sql, "INSERT INTO posts (user_id, title) VALUES ($1, $2) RETURNING id, views");
  EXPECT_TRUE(pg->returns_rows);
  EXPECT_EQ(pg->result_names, (std::vector<std::string>{"id", "views"}));
  EXPECT_EQ(mariadb().compile(stmt)->sql, "INSERT INTO posts (user_id, title) VALUES (?, ?) RETURNING id, views");
  try {
    (void)mysql().compile(stmt);
    FAIL();
  } catch (const CompileError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("RETURNING is not supported on mysql", 0), 0u) << e.what();
  }
}

TEST_F(DmlTest, UpdateWithOnUpdateValues) {
  MetaData md;
  auto& t = md.table("docs", Column("id", Integer()).primary_key(), Column("body", Text()),
                     Column("version", Integer()).onupdate(Value(99)));
  auto id = t.c<int>("id");
  auto body = t.c<std::string>("body");
  auto stmt = update(t).values(set(body, "x")).where(id == 4);
  expect_sql(stmt, "UPDATE docs SET body = ?, version = ? WHERE docs.id = ?",
             "UPDATE docs SET body = $1, version = $2 WHERE docs.id = $3");
  EXPECT_EQ(bound_values(stmt, sqlite()), (std::vector<Value>{"x", 99, 4}));
}

TEST_F(DmlTest, UpdateExpressionsAndReturning) {
  auto stmt = update(posts).values(set(p_views, p_views + 1)).where(p_id == 3).returning(p_views);
  EXPECT_EQ(sqlite().compile(stmt)->sql, "UPDATE posts SET views = posts.views + ? WHERE posts.id = ? RETURNING views");
  EXPECT_EQ(postgresql().compile(stmt)->sql,
            "UPDATE posts SET views = posts.views + $1 WHERE posts.id = $2 RETURNING views");
  EXPECT_THROW((void)mysql().compile(stmt), CompileError);
  EXPECT_THROW((void)mariadb().compile(stmt), CompileError);  // no UPDATE ... RETURNING on MariaDB
  // Later values for the same column replace earlier ones.
  auto twice = update(posts).values(set(p_title, "a")).values(set(p_title, "b"));
  EXPECT_EQ(literals_of(twice), (std::vector<Value>{"b"}));
}

TEST_F(DmlTest, RuntimeValuesByName) {
  auto stmt = update(users).values(Params{{"name", "zed"}, {"age", 40}}).where(u_id == 1);
  expect_sql(stmt, "UPDATE users SET name = ?, age = ? WHERE users.id = ?",
             "UPDATE users SET name = $1, age = $2 WHERE users.id = $3");
  EXPECT_THROW((void)update(users).values(Params{{"nope", 1}}), ArgumentError);
}

TEST_F(DmlTest, Delete) {
  auto stmt = delete_(posts).where(p_user_id == 9, p_views < 10);
  expect_sql(stmt, "DELETE FROM posts WHERE posts.user_id = ? AND posts.views < ?",
             "DELETE FROM posts WHERE posts.user_id = $1 AND posts.views < $2");
  expect_sql(delete_(posts), "DELETE FROM posts", "DELETE FROM posts");
  auto ret = delete_(posts).where(p_id == 1).returning(p_id);
  EXPECT_EQ(postgresql().compile(ret)->sql, "DELETE FROM posts WHERE posts.id = $1 RETURNING id");
  EXPECT_EQ(mariadb().compile(ret)->sql, "DELETE FROM posts WHERE posts.id = ? RETURNING id");
  EXPECT_THROW((void)mysql().compile(ret), CompileError);
}

TEST_F(DmlTest, UpsertDoNothing) {
  auto stmt = insert(users).values(set(u_name, "a"), set(u_age, 1)).on_conflict_do_nothing(u_name);
  expect_sql(stmt,
             Expected{"INSERT INTO users (name, age, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
                      "INSERT INTO users (name, age, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
                      "INSERT INTO users (name, age, created_at) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE id = id"});
}

TEST_F(DmlTest, UpsertDoUpdate) {
  auto stmt = insert(users)
                  .values(set(u_name, "a"), set(u_age, 1))
                  .on_conflict_do_update({u_name}, {set(u_age, excluded(u_age)), set(u_score, u_score + 1)});
  expect_sql(stmt,
             Expected{"INSERT INTO users (name, age, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                      "age = excluded.age, score = users.score + ?",
                      "INSERT INTO users (name, age, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE "
                      "SET age = excluded.age, score = users.score + $4",
                      "INSERT INTO users (name, age, created_at) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE age = "
                      "VALUES(age), score = users.score + ?"});
  auto no_target = insert(users).values(set(u_name, "a")).on_conflict_do_update({}, {set(u_age, 1)});
  EXPECT_THROW((void)postgresql().compile(no_target), CompileError);
}

TEST_F(DmlTest, TextWithNamedBinds) {
  auto stmt = text("SELECT * FROM users WHERE id = :id AND name = :name OR id = :id");
  expect_sql(stmt, "SELECT * FROM users WHERE id = ? AND name = ? OR id = ?",
             "SELECT * FROM users WHERE id = $1 AND name = $2 OR id = $3");
  auto compiled = postgresql().compile(stmt);
  ASSERT_EQ(compiled->binds.size(), 3u);
  EXPECT_EQ(compiled->binds[0].name, "id");
  EXPECT_EQ(compiled->binds[1].name, "name");
  EXPECT_EQ(compiled->binds[2].name, "id");
  EXPECT_TRUE(compiled->returns_rows);
  EXPECT_EQ(compiled->kind, sql::StatementKind::text);
}

TEST_F(DmlTest, TextLeavesCastsQuotesAndCommentsAlone) {
  auto stmt = text("SELECT x::int, ':no', \"a:b\", `c:d` -- :comment\nFROM t WHERE y = :y /* :z */ AND w = '\\:'");
  EXPECT_EQ(postgresql().compile(stmt)->sql,
            "SELECT x::int, ':no', \"a:b\", `c:d` -- :comment\nFROM t WHERE y = $1 /* :z */ AND w = '\\:'");
  EXPECT_EQ(stmt.bind_names(), (std::vector<std::string>{"y"}));
  EXPECT_EQ(postgresql().compile(text("SELECT a[1\\:n], 'it''s :q'"))->sql, "SELECT a[1:n], 'it''s :q'");
  EXPECT_FALSE(sqlite().compile(text("UPDATE t SET a = :a"))->returns_rows);
  EXPECT_TRUE(sqlite().compile(text("DELETE FROM t RETURNING id"))->returns_rows);
}

// An escaped colon outside quotes becomes a bare ":name", which SQLite (alone) reads as a
// parameter of its own: refused there with a CompileError rather than sent to fail at execute
// ("1 placeholders but 0 bind slots"). Inside quotes nothing needs escaping.
TEST_F(DmlTest, EscapedColonBeforeANameIsRefusedWhereItIsAParameter) {
  auto stmt = text("SELECT \\:x, ':y' AS c WHERE 1 = :one");
  EXPECT_THROW((void)sqlite().compile(stmt), CompileError);
  EXPECT_EQ(postgresql().compile(stmt)->sql, "SELECT :x, ':y' AS c WHERE 1 = $1");
  EXPECT_EQ(mysql().compile(stmt)->sql, "SELECT :x, ':y' AS c WHERE 1 = ?");
  // A colon not before a name is no SQLite parameter: passed through.
  EXPECT_EQ(sqlite().compile(text("SELECT '1' \\: 2"))->sql, "SELECT '1' : 2");
}

TEST_F(DmlTest, ColumnsOfAnotherTableAreRejected) {
  EXPECT_THROW((void)insert(users).values(set(p_title, "x")), ArgumentError);
  EXPECT_THROW((void)update(users).values(set(p_title, "x")), ArgumentError);
}

// INSERT ... SELECT fills client-side defaults too: each becomes one more select column, bound
// once per execution (as SQLAlchemy renders them), so every inserted row gets the value.
TEST_F(DmlTest, InsertFromSelectFillsClientDefaults) {
  MetaData md;
  int calls = 0;
  auto& archive = md.table("archive", Column("id", BigInteger()).primary_key(), Column("name", String(50)),
                           Column("kind", String(10)).default_value(Value("old")),
                           Column("n", Integer()).default_fn([&calls] { return Value(++calls); }));
  auto stmt = insert(archive).from_select(select(u_id, u_name).where(u_age > 3), archive.c<std::int64_t>("id"),
                                          archive.c<std::string>("name"));
  expect_sql(stmt,
             "INSERT INTO archive (id, name, kind, n) SELECT users.id, users.name, ?, ? FROM users WHERE users.age > ?",
             "INSERT INTO archive (id, name, kind, n) SELECT users.id, users.name, $1, $2 FROM users WHERE users.age > $3");
  EXPECT_EQ(literals_of(stmt), (std::vector<Value>{Value("old"), 1, 3}));
  EXPECT_EQ(literals_of(stmt), (std::vector<Value>{Value("old"), 2, 3}));  // the function runs per execution
  // A default column named among the targets takes the select's value.
  auto named = insert(archive).from_select(select(u_id, u_name), archive.c<std::int64_t>("id"),
                                           archive.c<std::string>("kind"));
  EXPECT_EQ(sqlite().compile(named)->sql, "INSERT INTO archive (id, kind, n) SELECT users.id, users.name, ? FROM users");
}

TEST_F(DmlTest, TrueDivisionAndFloorDivision) {
  auto div = select(literal(15) / literal(10));
  static_assert(std::is_same_v<decltype(literal(15) / literal(10)), Expr<double>>);
  expect_sql(div, Expected{"SELECT ? / CAST(? AS DOUBLE)", "SELECT $1 / CAST($2 AS DOUBLE PRECISION)",
                           "SELECT ? / CAST(? AS DOUBLE)"});
  EXPECT_EQ(sqlite().compile(div)->result_types.at(0).kind, TypeKind::float64);
  // A floating operand divides as the database does.
  static_assert(std::is_same_v<decltype(u_score / 2), Expr<double>>);
  EXPECT_EQ(sqlite().compile(select(u_score / 2))->sql, "SELECT users.score / ? FROM users");
  auto floor = select(floordiv(u_age, 2));
  static_assert(std::is_same_v<decltype(floordiv(u_age, 2)), Expr<std::int64_t>>);
  expect_sql(floor,
             Expected{"SELECT (users.age / ? - CASE WHEN (users.age % ? < 0 AND ? > 0) OR (users.age % ? > 0 AND ? < 0) "
                      "THEN 1 ELSE 0 END) FROM users",
                      "SELECT (users.age / $1 - CASE WHEN (users.age % $2 < 0 AND $3 > 0) OR (users.age % $4 > 0 AND "
                      "$5 < 0) THEN 1 ELSE 0 END) FROM users",
                      "SELECT (users.age DIV ? - CASE WHEN (users.age % ? < 0 AND ? > 0) OR (users.age % ? > 0 AND ? "
                      "< 0) THEN 1 ELSE 0 END) FROM users"});
  EXPECT_EQ(bound_values(floor, sqlite()), (std::vector<Value>{2, 2, 2, 2, 2}));
}

// Issue 20, small gaps: a statement with its values written as literals (SQLAlchemy's
// literal_binds), quoted per dialect, for logs; what cannot be written safely is refused.
TEST_F(DmlTest, LiteralSqlWritesValuesQuotedForTheDialect) {
  auto stmt = select(u_name, literal(2.5), literal(true))
                  .where(u_name == "it's a \\ b", u_id.in_({1, 2}), users.c<DateTime>("created_at") > DateTime{{2024, 1, 2}, {3, 4, 5}})
                  .limit(3);
  EXPECT_EQ(sqlite().literal_sql(stmt),
            "SELECT users.name, 2.5, 1 FROM users WHERE users.name = 'it''s a \\ b' AND users.id IN (1, 2) AND "
            "users.created_at > '2024-01-02 03:04:05' LIMIT 3");
  EXPECT_EQ(postgresql().literal_sql(stmt),
            "SELECT users.name, 2.5, TRUE FROM users WHERE users.name = E'it''s a \\\\ b' AND users.id IN (1, 2) AND "
            "users.created_at > '2024-01-02 03:04:05' LIMIT 3");
  EXPECT_EQ(mysql().literal_sql(stmt),
            "SELECT users.name, 2.5, 1 FROM users WHERE users.name = 'it''s a \\\\ b' AND users.id IN (1, 2) AND "
            "users.created_at > '2024-01-02 03:04:05' LIMIT 3");
  EXPECT_EQ(sqlite().literal_sql(insert(users).values(set(u_name, "x"))),
            "INSERT INTO users (name, created_at) VALUES ('x', '2024-01-02 03:04:05')");
  EXPECT_EQ(sqlite().literal_sql(text("SELECT 1 WHERE 'a:b' = 'a:b'")), "SELECT 1 WHERE 'a:b' = 'a:b'");
  // The statement's own compiled form is untouched: still placeholders.
  EXPECT_EQ(sqlite().compile(stmt)->sql.find("it''s"), std::string::npos);
  // Refused: a value known only at execution, and values no literal can carry.
  EXPECT_THROW((void)sqlite().literal_sql(select(u_name).where(u_id == bindparam<std::int64_t>("id"))), CompileError);
  EXPECT_THROW((void)sqlite().literal_sql(text("SELECT :x")), CompileError);
  EXPECT_THROW((void)sqlite().literal_sql(select(literal(std::numeric_limits<double>::infinity()))), CompileError);
  EXPECT_THROW((void)mysql().literal_sql(select(literal(std::string("a\0b", 3)))), CompileError);
}

}  // namespace
}  // namespace crucible::testing
