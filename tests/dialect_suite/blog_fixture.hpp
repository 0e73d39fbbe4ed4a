// SPDX-License-Identifier: MIT
//
// A small blog schema with known rows, for the statement cases of the compliance suite:
//
//   users     1 alice (30, Paris)  2 bob (25, NULL)  3 carol (NULL, Berlin)  4 dave (40, Paris)
//   posts     10 alice "Hello" 5   11 alice "World" 7   12 bob "Bob's post" 1   13 dave "Dave" 7
//   comments  a tree on post 10: 100 root <- 101, 102; 101 <- 103; and 104, a root on post 11
//   archive   empty; the target of INSERT ... SELECT
//
// Tables are per test (DialectSuite::table_name) and dropped after it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "dialect_suite/fixture.hpp"

namespace crucible::testkit {

class BlogSuite : public DialectSuite {
 protected:
  void SetUp() override {
    DialectSuite::SetUp();
    if (IsSkipped()) return;
    users_ = &metadata_.table(table_name("users"), Column("id", BigInteger()).primary_key(),
                              Column("name", String(50)).nullable(false).unique(), Column("age", Integer()),
                              Column("city", String(50)));
    posts_ = &metadata_.table(table_name("posts"), Column("id", BigInteger()).primary_key(),
                              Column("user_id", BigInteger()).nullable(false).references(users_->name() + ".id"),
                              Column("title", String(100)).nullable(false), Column("score", Integer()).nullable(false));
    const std::string comments = table_name("comments");  // refers to itself
    comments_ = &metadata_.table(comments, Column("id", BigInteger()).primary_key(),
                                 Column("post_id", BigInteger()).nullable(false).references(posts_->name() + ".id"),
                                 Column("parent_id", BigInteger()).references(comments + ".id"),
                                 Column("body", String(100)).nullable(false));
    archive_ = &metadata_.table(table_name("archive"), Column("id", BigInteger()).primary_key(),
                                Column("name", String(50)).nullable(false));
    create_tables();
    seed();
  }

  // users
  Expr<std::int64_t> user_id() const { return users_->c<std::int64_t>("id"); }
  Expr<std::string> name() const { return users_->c<std::string>("name"); }
  Expr<std::optional<int>> age() const { return users_->c<std::optional<int>>("age"); }
  Expr<std::optional<std::string>> city() const { return users_->c<std::optional<std::string>>("city"); }
  // posts
  Expr<std::int64_t> post_id() const { return posts_->c<std::int64_t>("id"); }
  Expr<std::int64_t> author() const { return posts_->c<std::int64_t>("user_id"); }
  Expr<std::string> title() const { return posts_->c<std::string>("title"); }
  Expr<int> score() const { return posts_->c<int>("score"); }
  // comments
  Expr<std::int64_t> comment_id() const { return comments_->c<std::int64_t>("id"); }
  Expr<std::int64_t> comment_post() const { return comments_->c<std::int64_t>("post_id"); }
  Expr<std::optional<std::int64_t>> parent() const { return comments_->c<std::optional<std::int64_t>>("parent_id"); }
  Expr<std::string> body() const { return comments_->c<std::string>("body"); }
  // archive
  Expr<std::int64_t> archive_id() const { return archive_->c<std::int64_t>("id"); }
  Expr<std::string> archive_name() const { return archive_->c<std::string>("name"); }

  const Table* users_ = nullptr;
  const Table* posts_ = nullptr;
  const Table* comments_ = nullptr;
  const Table* archive_ = nullptr;

 private:
  void seed() {
    auto conn = engine().connect();
    using UserRow = std::tuple<std::int64_t, std::string, std::optional<int>, std::optional<std::string>>;
    conn.execute_many(insert(*users_).columns(user_id(), name(), age(), city()),
                      std::vector<UserRow>{{1, "alice", 30, "Paris"},
                                           {2, "bob", 25, std::nullopt},
                                           {3, "carol", std::nullopt, "Berlin"},
                                           {4, "dave", 40, "Paris"}});
    conn.execute_many(insert(*posts_).columns(post_id(), author(), title(), score()),
                      std::vector<std::tuple<std::int64_t, std::int64_t, std::string, int>>{
                          {10, 1, "Hello", 5}, {11, 1, "World", 7}, {12, 2, "Bob's post", 1}, {13, 4, "Dave", 7}});
    conn.execute_many(insert(*comments_).columns(comment_id(), comment_post(), parent(), body()),
                      std::vector<std::tuple<std::int64_t, std::int64_t, std::optional<std::int64_t>, std::string>>{
                          {100, 10, std::nullopt, "root"},
                          {101, 10, 100, "child a"},
                          {102, 10, 100, "child b"},
                          {103, 10, 101, "grandchild"},
                          {104, 11, std::nullopt, "other root"}});
    conn.commit();
  }
};

}  // namespace crucible::testkit
