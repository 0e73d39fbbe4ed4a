// SPDX-License-Identifier: MIT
// The blog models of the seeds, mapped once for every ORM test, and a fixture with a fresh SQLite
// file database per test and a recording of the statements run (engine before_execute event).
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crucible/crucible.hpp"
#include "engine/support.hpp"

namespace orm_test {

enum class PostStatus { draft, published, archived };

}  // namespace orm_test

template <>
struct crucible::EnumNames<orm_test::PostStatus> {
  static constexpr std::array names{"draft", "published", "archived"};
};

namespace orm_test {

struct User {
  std::int64_t id = 0;
  std::string username{}, email{};
  int posts_count = 0;
  int karma = 0;
  crucible::DateTime created_at{};
  std::optional<crucible::DateTime> last_login{};
  std::optional<crucible::DateTime> updated_at{};
};
CRUCIBLE_MAPPING(User, "users",
  column("id", &User::id).primary_key(),
  column("username", &User::username, String(80)).unique().index(),
  column("email", &User::email, String(120)),
  column("posts_count", &User::posts_count),
  column("karma", &User::karma).server_default("10"),
  column("created_at", &User::created_at).default_now().index(),
  column("last_login", &User::last_login),
  column("updated_at", &User::updated_at).onupdate_now());

struct Post {
  std::int64_t id = 0;
  std::int64_t author_id = 0;
  std::string title{};
  std::string content{};
  PostStatus status = PostStatus::draft;
  bool is_featured = false;
  int views_count = 0;
  crucible::DateTime created_at{};
};
CRUCIBLE_MAPPING(Post, "posts",
  column("id", &Post::id).primary_key(),
  column("author_id", &Post::author_id).references("users.id").on_delete("CASCADE"),
  column("title", &Post::title, String(200)),
  column("content", &Post::content, Text()),
  column("status", &Post::status),
  column("is_featured", &Post::is_featured),
  column("views_count", &Post::views_count),
  column("created_at", &Post::created_at).default_now(),
  Index("ix_posts_author_status", {"author_id", "status"}));

struct Comment {
  std::int64_t id = 0;
  std::int64_t post_id = 0;
  std::string body{};
};
CRUCIBLE_MAPPING(Comment, "comments",
  column("id", &Comment::id).primary_key(),
  column("post_id", &Comment::post_id).references("posts.id"),
  column("body", &Comment::body, Text()));

// Composite primary key, no generated key.
struct Membership {
  std::string group_name{};
  std::int64_t user_id = 0;
  std::string role{};
};
CRUCIBLE_MAPPING(Membership, "memberships",
  column("group_name", &Membership::group_name, String(40)),
  column("user_id", &Membership::user_id).references("users.id"),
  column("role", &Membership::role, String(20)),
  PrimaryKeyConstraint({"group_name", "user_id"}));

// Optimistic locking.
struct Account {
  std::int64_t id = 0;
  std::int64_t balance = 0;
  std::int64_t version = 0;
};
CRUCIBLE_MAPPING(Account, "accounts",
  column("id", &Account::id).primary_key(),
  column("balance", &Account::balance),
  column("version", &Account::version).version_id());

class OrmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = crucible::create_engine(dir_.url("orm.db"));
    crucible::create_all(engine_, crucible::default_registry().metadata());
    handle_ = engine_.events().on_before_execute(
        [this](const crucible::ExecuteInfo& info) { statements_.emplace_back(info.sql); });
  }
  void TearDown() override { handle_.remove(); }

  // Statements run since the last call, then forgets them.
  std::vector<std::string> take() { return std::exchange(statements_, {}); }
  static std::string verb(const std::string& sql) { return sql.substr(0, sql.find(' ')); }

  crucible::testkit::TempDir dir_;
  crucible::Engine engine_ = crucible::create_engine("sqlite:///:memory:");
  crucible::EventHandle handle_;
  std::vector<std::string> statements_;
};

}  // namespace orm_test
