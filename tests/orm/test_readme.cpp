// SPDX-License-Identifier: MIT
// README.md's "A taste of the ORM", as printed (models at namespace scope, the rest in the test
// body), on a SQLite file: it must compile and run. Keep the two in step.
#include <gtest/gtest.h>

#include <cstdint>
#include <iostream>
#include <optional>
#include <string>

#include "crucible/crucible.hpp"
#include "support/temp_dir.hpp"

namespace readme {

using namespace crucible;

// ---- README.md, first block ----
struct Post;
struct User {
  std::int64_t id = 0;
  std::string username{}, email{};
  std::optional<DateTime> created_at{};    // nullopt: default_now() fills it at the INSERT
  Many<Post> posts{};
};
struct Post {
  std::int64_t id = 0;
  std::int64_t author_id = 0;
  std::string title{};
  One<User> author{};
};
CRUCIBLE_MAPPING(User, "users",
  column("id", &User::id).primary_key(),
  column("username", &User::username, String(80)).unique().index(),
  column("email", &User::email, String(120)),
  column("created_at", &User::created_at).nullable(false).default_now(),
  relationship("posts", &User::posts).back_populates("author").cascade("all, delete-orphan"));
CRUCIBLE_MAPPING(Post, "posts",
  column("id", &Post::id).primary_key(),
  column("author_id", &Post::author_id).references("users.id"),
  column("title", &Post::title, String(200)),
  relationship("author", &Post::author).back_populates("posts"));
// ---- end of the first block ----

namespace {

TEST(Readme, TheOrmTasteRunsAsPrinted) {
  crucible::testkit::TempDir dir;
  const std::string url = dir.url("blog.db");
  // ---- README.md, second block (the URL aside) ----
  auto engine = create_engine(url);
  create_all(engine, default_registry().metadata());   // every mapped table

  Session session(engine);
  auto alice = session.add(User{.username = "alice", .email = "a@example.com"});
  alice->posts.emplace(Post{.title = "Hello"});       // joins the session with alice
  session.commit();                                   // INSERT users, then posts: ids set
  alice->email = "alice@example.com";
  session.commit();                                   // UPDATE of the changed column only
  auto page = session.query<User>()
                  .where(col(&User::username).startswith("a"))
                  .order_by(desc(&User::created_at))
                  .paginate(1, 20);                   // items, total, pages, has_next

  // A unit of work that may meet a deadlock: locked rows read fresh, rolled back and run again.
  retry_on_deadlock(session, [&](Session& s) {
    auto u = s.query<User>().where(col(&User::id) == alice->id).with_for_update().populate_existing().one();
    u->email = "a@example.org";
  });                                                 // commits; retried on DeadlockError

  auto posts = session.query<Post>()
                   .options(joinedload(&Post::author))   // one statement, no N+1
                   .limit(10)
                   .all();
  for (const auto& p : posts) std::cout << p->author->username << ": " << p->title << "\n";
  // ---- end of the second block ----

  EXPECT_EQ(page.total, 1);
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0]->author_id, alice->id);
  EXPECT_EQ(alice->email, "a@example.org");
  auto conn = engine.connect();
  EXPECT_EQ(conn.scalar<std::string>("SELECT email FROM users"), "a@example.org");
}

}  // namespace
}  // namespace readme
