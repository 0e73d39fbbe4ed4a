// SPDX-License-Identifier: MIT
// Shared fixtures for the SQL golden tests: a small blog schema and the three dialects.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "crucible/dialects/mysql/dialect.hpp"
#include "crucible/dialects/postgresql/dialect.hpp"
#include "crucible/dialects/sqlite/dialect.hpp"
#include "crucible/sql/compiler.hpp"
#include "crucible/sql/dml.hpp"
#include "crucible/sql/functions.hpp"
#include "crucible/sql/schema.hpp"
#include "crucible/sql/select.hpp"
#include "crucible/sql/text.hpp"

namespace crucible::testing {

enum class PostStatus { draft, published, archived };

}  // namespace crucible::testing

template <>
struct crucible::EnumNames<crucible::testing::PostStatus> {
  static constexpr std::array names{"draft", "published", "archived"};
};

namespace crucible::testing {

struct Expected {
  std::string sqlite;
  std::string postgresql;
  std::string mysql;
};

inline const dialects::SqliteDialect& sqlite() {
  static const dialects::SqliteDialect d;
  return d;
}
inline const dialects::PostgresqlDialect& postgresql() {
  static const dialects::PostgresqlDialect d;
  return d;
}
inline const dialects::MysqlDialect& mysql() {
  static const dialects::MysqlDialect d;
  return d;
}
inline const dialects::MariadbDialect& mariadb() {
  static const dialects::MariadbDialect d;
  return d;
}

// The exact SQL of `stmt` on each dialect.
inline void expect_sql(const sql::Executable& stmt, const Expected& e) {
  EXPECT_EQ(sqlite().compile(stmt)->sql, e.sqlite) << "dialect: sqlite";
  EXPECT_EQ(postgresql().compile(stmt)->sql, e.postgresql) << "dialect: postgresql";
  EXPECT_EQ(mysql().compile(stmt)->sql, e.mysql) << "dialect: mysql";
}
// Same SQL for SQLite and MySQL (qmark), PostgreSQL given separately.
inline void expect_sql(const sql::Executable& stmt, const std::string& qmark, const std::string& pg) {
  expect_sql(stmt, Expected{qmark, pg, qmark});
}

inline std::vector<Value> literals_of(const sql::Executable& stmt) {
  std::vector<Value> out;
  stmt.extract_literals(out);
  return out;
}

// The values bound to each placeholder, in placeholder order, given named params.
inline std::vector<Value> bound_values(const sql::Executable& stmt, const sql::Dialect& d, const Params& params = {}) {
  auto compiled = d.compile(stmt);
  auto literals = literals_of(stmt);
  std::vector<Value> out;
  for (const auto& slot : compiled->binds) {
    if (slot.literal_index >= 0) out.push_back(literals.at(static_cast<std::size_t>(slot.literal_index)));
    else if (const Value* v = params.find(slot.name)) out.push_back(*v);
    else out.push_back(Value("<missing " + slot.name + ">"));
  }
  return out;
}

inline std::string key_of(const sql::Executable& stmt) {
  std::string key;
  std::vector<Value> literals;
  stmt.cache_key(key, literals);
  return key;
}

// users, posts (author + editor keys to users), comments, tags.
struct Blog {
  MetaData metadata;
  Table& users = metadata.table(
      "users", Column("id", BigInteger()).primary_key(), Column("name", String(50)).nullable(false).unique(),
      Column("email", String(120)).nullable(true), Column("age", Integer()),
      Column("score", Double()), Column("created_at", DateTimeType()).default_value(Value(DateTime{{2024, 1, 2}, {3, 4, 5}})));
  Table& posts = metadata.table(
      "posts", Column("id", BigInteger()).primary_key(),
      Column("user_id", BigInteger()).nullable(false).references("users.id").on_delete("CASCADE"),
      Column("title", String(200)).nullable(false), Column("views", Integer()).nullable(false).server_default("0"),
      Column("status", Enum<PostStatus>("post_status")), Column("published", Boolean()),
      Index("ix_posts_user_title", {"user_id", "title"}));
  Table& comments = metadata.table(
      "comments", Column("id", BigInteger()).primary_key(),
      Column("post_id", BigInteger()).references("posts.id"), Column("author_id", BigInteger()).references("users.id"),
      Column("editor_id", BigInteger()).references("users.id"), Column("body", Text()));

  Expr<std::int64_t> u_id = users.c<std::int64_t>("id");
  Expr<std::string> u_name = users.c<std::string>("name");
  Expr<std::optional<std::string>> u_email = users.c<std::optional<std::string>>("email");
  Expr<int> u_age = users.c<int>("age");
  Expr<double> u_score = users.c<double>("score");
  Expr<std::int64_t> p_id = posts.c<std::int64_t>("id");
  Expr<std::int64_t> p_user_id = posts.c<std::int64_t>("user_id");
  Expr<std::string> p_title = posts.c<std::string>("title");
  Expr<int> p_views = posts.c<int>("views");
  Expr<PostStatus> p_status = posts.c<PostStatus>("status");
  Expr<bool> p_published = posts.c<bool>("published");
  Expr<std::int64_t> c_id = comments.c<std::int64_t>("id");
  Expr<std::int64_t> c_post_id = comments.c<std::int64_t>("post_id");
};

}  // namespace crucible::testing
