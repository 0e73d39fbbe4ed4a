// SPDX-License-Identifier: MIT
// A hybrid property whose SQL half calls SQLite's own functions (the two-argument scalar max();
// PostgreSQL and MariaDB spell it GREATEST), so it runs on SQLite only. Hybrids in general, and
// everything else the session does, are in tests/orm_suite on every backend.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "crucible/crucible.hpp"
#include "orm_suite/models.hpp"
#include "support/temp_dir.hpp"

namespace orm_suite {
namespace {

using namespace crucible;

// Words / 200, at least 1: in C++ and as SQL.
const Hybrid<Post, std::int64_t> reading_time{
    [](const Post& p) {
      std::int64_t words = p.content.empty() ? 0 : 1;
      for (char c : p.content) words += c == ' ';
      return std::max<std::int64_t>(1, words / 200);
    },
    [] {
      auto content = col(&Post::content);
      auto spaceless = func::call<std::string>("replace", content, literal(" "), literal(""));
      auto words = func::call<std::int64_t>("length", content) - func::call<std::int64_t>("length", spaceless) + 1;
      return Expr<std::int64_t>(func::call<std::int64_t>("max", literal(std::int64_t{1}), words / 200).node());
    }};

TEST(SqliteHybrid, HybridPropertyInCppAndInSql) {
  testkit::TempDir dir;
  auto engine = create_engine(dir.url("hybrid.db"));
  create_all(engine, default_registry().metadata());
  {
    Session s(engine);
    auto alice = s.add(User{.username = "alice", .email = "a"});
    s.flush();
    for (int i = 0; i < 25; ++i)
      s.add(Post{.author_id = alice->id, .title = "post " + std::to_string(i),
                 .content = std::string(i == 0 ? 450 : 10, 'w'), .views_count = i});
    s.commit();
  }
  Session session(engine);
  auto long_post = session.query<Post>().where(col(&Post::views_count) == 0).one();
  EXPECT_EQ(reading_time(*long_post), 1);
  EXPECT_EQ(session.query<Post>().where(col(reading_time) >= 1).count(), 25);
}

}  // namespace
}  // namespace orm_suite
