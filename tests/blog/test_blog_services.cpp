// SPDX-License-Identifier: MIT
// The blog's services on the seeded data set (scale 1) on every backend: exact results and the
// statements they cost (no N+1). The blog's tables have fixed names, so on the shared servers
// these tests hold a ctest resource lock (tests/CMakeLists.txt) and drop their tables after.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <set>
#include <thread>

#include "blog/services.hpp"
#include "dialect_suite/fixture.hpp"

namespace {

using namespace crucible;

class BlogTest : public testkit::DialectSuite {
 protected:
  void SetUp() override {
    DialectSuite::SetUp();
    if (IsSkipped()) return;
    engine_ = engine();
    drop_all(engine_, default_registry().metadata());  // a run that crashed may have left them
    create_all(engine_, default_registry().metadata());
    Session session(engine_);
    counts_ = blog::seed(session, 1);
    handle_ = engine_.events().on_before_execute([this](const ExecuteInfo& i) { sql_.emplace_back(i.sql); });
  }
  void TearDown() override {
    handle_.remove();
    if (!IsSkipped() && backend() != "sqlite") drop_all(engine_, default_registry().metadata());
    DialectSuite::TearDown();
  }
  std::vector<std::string> take() { return std::exchange(sql_, {}); }
  std::int64_t scalar(const std::string& q) {
    auto conn = engine_.connect();
    return conn.execute(text(q)).scalar<std::int64_t>();
  }
  // Summed here: SUM() of a BIGINT is NUMERIC on the servers.
  std::int64_t total_points() {
    auto conn = engine_.connect();
    std::int64_t total = 0;
    for (auto [points] : conn.execute(text("SELECT points FROM users")).as<std::int64_t>()) total += points;
    return total;
  }
  std::int64_t user_id(const std::string& name) {
    return scalar("SELECT id FROM users WHERE username = '" + name + "'");
  }

  Engine engine_ = create_engine("sqlite:///:memory:");
  EventHandle handle_;
  std::vector<std::string> sql_;
  blog::SeedCounts counts_;
};

TEST_P(BlogTest, SeedIsDeterministic) {
  EXPECT_EQ(counts_.users, 10u);
  EXPECT_EQ(counts_.posts, 50u);
  EXPECT_EQ(counts_.comments, 80u);
  EXPECT_EQ(counts_.follows, 30u);
  EXPECT_EQ(scalar("SELECT count(*) FROM posts WHERE status = 'published'"), 40);
  EXPECT_EQ(scalar("SELECT count(*) FROM post_tags"), 100);
  EXPECT_EQ(scalar("SELECT count(*) FROM user_follows"), 30);
  EXPECT_EQ(scalar("SELECT posts_count FROM users WHERE username = 'alice'"), 4);
  EXPECT_EQ(scalar("SELECT following_count FROM users WHERE username = 'alice'"), 3);
  EXPECT_EQ(scalar("SELECT count(*) FROM user_profiles"), 10);
  EXPECT_EQ(scalar("SELECT count(*) FROM comments WHERE parent_id IS NOT NULL"), 40);
}

TEST_P(BlogTest, FeaturedPostsWithAuthorsInOneStatement) {
  Session session(engine_);
  auto posts = blog::featured_posts(session, 5);
  std::vector<std::string> got;
  for (const auto& p : posts) got.push_back(p->title + " by " + p->author->username);
  EXPECT_EQ(got, (std::vector<std::string>{"Post 48: sql notes by judy", "Post 40: sql notes by ivan",
                                           "Post 36: c++20 notes by heidi", "Post 32: sql notes by grace",
                                           "Post 28: c++20 at 100% speed_up by frank"}));
  EXPECT_EQ(take().size(), 1u);
}

TEST_P(BlogTest, PostsWithCommentCounts) {
  Session session(engine_);
  auto stats = blog::posts_with_stats(session);
  ASSERT_EQ(stats.size(), 50u);
  EXPECT_EQ(stats[0].title, "Post 27: tutorial notes");
  EXPECT_EQ(stats[0].author, "frank");
  EXPECT_EQ(stats[0].views, 999);
  EXPECT_EQ(stats[0].comments, 2);
  std::int64_t total = 0;
  for (const auto& s : stats) total += s.comments;
  EXPECT_EQ(total, 80);
  EXPECT_EQ(take().size(), 1u);
}

TEST_P(BlogTest, KeywordsMatchLiterally) {
  Session session(engine_);
  auto titles = [&](const std::string& kw) {
    std::vector<std::string> out;
    for (const auto& p : blog::search_posts(session, kw)) out.push_back(p->title);
    return out;
  };
  const std::vector<std::string> speed{"Post 42: performance at 100% speed_up", "Post 35: tutorial at 100% speed_up",
                                       "Post 28: c++20 at 100% speed_up", "Post 21: sqlite at 100% speed_up",
                                       "Post 7: mariadb at 100% speed_up", "Post 0: sql at 100% speed_up"};
  EXPECT_EQ(titles("100%"), speed);
  EXPECT_EQ(titles("%"), speed);      // not a wildcard
  EXPECT_EQ(titles("d_u"), speed);    // '_' is not one either ("speed_up")
  EXPECT_TRUE(titles("O'Reilly").empty());  // a quote is data, not syntax
  Session fresh(engine_);
  take();
  auto posts = blog::search_posts(fresh, "100%");
  for (const auto& p : posts) EXPECT_EQ(p->tags.size(), 2u);
  EXPECT_EQ(take().size(), 2u);  // posts + authors joined, tags selectin
}

TEST_P(BlogTest, TagSearchListsEachPostOnce) {
  Session session(engine_);
  auto posts = blog::search_posts(session, "", std::nullopt, {"sql", "orm"});
  std::set<std::int64_t> ids;
  for (const auto& p : posts) ids.insert(p->id);
  EXPECT_EQ(ids.size(), posts.size());
  EXPECT_EQ(posts.size(), 16u);
  EXPECT_EQ(scalar("SELECT count(DISTINCT p.id) FROM posts p JOIN post_tags pt ON pt.post_id = p.id "
                   "JOIN tags t ON t.id = pt.tag_id WHERE t.name IN ('sql', 'orm') AND p.status = 'published'"),
            16);
  auto in_category = blog::search_posts(session, "notes", 2, {"sql"});
  for (const auto& p : in_category) EXPECT_EQ(p->category_id, 2);
}

TEST_P(BlogTest, TimelineOfFollowedUsersPaginates) {
  Session session(engine_);
  const auto alice = user_id("alice");
  take();
  auto page = blog::user_timeline(session, alice, 1, 5);
  EXPECT_EQ(page.total, 12);  // bob, carol, dave: 4 published posts each
  EXPECT_EQ(page.pages(), 3);
  ASSERT_EQ(page.items.size(), 5u);
  EXPECT_EQ(page.items[0]->title, "Post 18: performance notes");
  for (const auto& p : page.items) EXPECT_NE(p->author->username, "alice");
  EXPECT_EQ(take().size(), 2u);  // count + page with authors joined
  auto last = blog::user_timeline(session, alice, 3, 5);
  EXPECT_EQ(last.items.size(), 2u);
  EXPECT_FALSE(last.has_next());
}

TEST_P(BlogTest, TransferMovesPointsOrWritesNothing) {
  Session session(engine_);
  const auto alice = user_id("alice"), bob = user_id("bob");
  auto t = blog::transfer_points(session, alice, bob, 30);
  EXPECT_GT(t.id, 0);
  EXPECT_EQ(scalar("SELECT points FROM users WHERE id = " + std::to_string(alice)), 70);
  EXPECT_EQ(scalar("SELECT points FROM users WHERE id = " + std::to_string(bob)), 130);
  EXPECT_THROW(blog::transfer_points(session, alice, bob, 71), blog::TransferError);
  EXPECT_THROW(blog::transfer_points(session, alice, 9999, 1), blog::TransferError);
  EXPECT_THROW(blog::transfer_points(session, alice, bob, 0), blog::TransferError);
  EXPECT_EQ(scalar("SELECT points FROM users WHERE id = " + std::to_string(alice)), 70);
  EXPECT_EQ(scalar("SELECT count(*) FROM points_transfers"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM users WHERE points <> 100"), 2);
}

// The seed's transfer_points under load, through the service itself: 8 threads x 500 random
// transfers between the 10 seeded users, each thread with its own session. Afterwards no point
// is lost or made, nobody is below zero, every transfer that went through has its log row, and
// every pooled connection is back.
TEST_P(BlogTest, ConcurrentTransfersKeepTheBooksBalanced) {
  constexpr int kThreads = 8, kTransfersPerThread = 500;
  auto load = create_engine(engine_.url().to_string(false), {.pool_size = kThreads, .max_overflow = 0});
  if (features().in_process)  // a commit costs a disk flush here; locking does not depend on it
    load.events().on_connect([](dialects::DriverConnection& c) { c.exec("PRAGMA synchronous = OFF"); });
  std::vector<std::int64_t> ids;
  for (const char* name : {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"})
    ids.push_back(user_id(name));
  const std::int64_t before = total_points();
  std::atomic<int> succeeded = 0, refused = 0, retries = 0;
  const RetryOptions retry{.max_attempts = 100,
                           .backoff = std::chrono::milliseconds(1),
                           .max_backoff = std::chrono::milliseconds(50),
                           .on_retry = [&](const DBAPIError&, int, std::chrono::milliseconds) { ++retries; }};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      Session session(load);
      std::mt19937_64 random(static_cast<std::uint64_t>(t) * 7919 + 17);
      std::uniform_int_distribution<std::size_t> pick(0, ids.size() - 1);
      std::uniform_int_distribution<std::int64_t> amount(1, 60);
      for (int i = 0; i < kTransfersPerThread; ++i) {
        const std::int64_t from = ids[pick(random)];
        std::int64_t to = ids[pick(random)];
        while (to == from) to = ids[pick(random)];
        try {
          blog::transfer_points(session, from, to, amount(random), retry);
          ++succeeded;
        } catch (const blog::TransferError&) {
          ++refused;
        } catch (const std::exception& e) {
          ADD_FAILURE() << "transfer " << from << " -> " << to << " failed: " << e.what();
        }
      }
    });
  for (auto& t : threads) t.join();

  EXPECT_EQ(succeeded + refused, kThreads * kTransfersPerThread);
  EXPECT_GT(succeeded.load(), 0);
  EXPECT_GT(refused.load(), 0);  // amounts up to 60 against balances of 100 do overdraw
  EXPECT_EQ(total_points(), before);
  EXPECT_EQ(scalar("SELECT count(*) FROM users WHERE points < 0"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM points_transfers"), succeeded.load());
  EXPECT_EQ(load.pool().status_info().checked_out, 0u);
  load.dispose();
  std::printf("[ blog transfer_points/%s ] %d transfers, %d refused, %d retries\n", backend().c_str(),
              succeeded.load(), refused.load(), retries.load());
}

TEST_P(BlogTest, FollowKeepsCountersAndRows) {
  Session session(engine_);
  auto alice = session.query<blog::User>().where(col(&blog::User::username) == "alice").one();
  auto judy = session.query<blog::User>().where(col(&blog::User::username) == "judy").one();
  EXPECT_FALSE(alice->is_following(*judy));
  alice->follow(judy);
  session.commit();
  EXPECT_TRUE(alice->is_following(*judy));
  EXPECT_EQ(alice->following_count, 4);
  EXPECT_EQ(scalar("SELECT followers_count FROM users WHERE username = 'judy'"), 4);
  alice->unfollow(judy);
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM user_follows"), 30);
  EXPECT_EQ(judy->followers_count, 3);
}

TEST_P(BlogTest, HybridsAndPublish) {
  Session session(engine_);
  auto draft = session.query<blog::Post>().where(col(&blog::Post::status) == blog::PostStatus::draft).first();
  ASSERT_TRUE(draft);
  const int before = draft->author->posts_count;
  draft->publish();
  session.commit();
  EXPECT_EQ(draft->author->posts_count, before + 1);
  EXPECT_TRUE(draft->published_at.has_value());
  EXPECT_EQ(blog::reading_time(*draft), 1);
  // Seeded logins are in January 2026: nobody is active within the last 30 days.
  EXPECT_EQ(session.query<blog::User>().where(col(blog::is_active_user)).count(), 0);
}

// The seed's progress follows the rows the database holds: each report comes after a flush and
// says exactly how many rows are written, out of the rows the seed writes in all (it once ran
// to 100% while the objects were still in the session, and the flushes and follows came after).
TEST_P(BlogTest, SeedProgressFollowsTheRowsWritten) {
  drop_all(engine_, default_registry().metadata());
  create_all(engine_, default_registry().metadata());
  const std::string rows_sql =
      "SELECT (SELECT count(*) FROM categories) + (SELECT count(*) FROM tags) + (SELECT count(*) FROM users) + "
      "(SELECT count(*) FROM user_profiles) + (SELECT count(*) FROM posts) + (SELECT count(*) FROM post_tags) + "
      "(SELECT count(*) FROM comments) + (SELECT count(*) FROM user_follows)";
  Session session(engine_);
  struct Report {
    std::size_t done, total;
    std::int64_t rows;
  };
  std::vector<Report> reports;
  const auto counts = blog::seed(session, 3, [&](std::size_t done, std::size_t total) {
    // On the session's connection: the rows flushed so far, not yet committed.
    reports.push_back({done, total, session.connection().execute(text(rows_sql)).scalar<std::int64_t>()});
  });
  const std::int64_t rows = scalar(rows_sql);
  EXPECT_EQ(counts.users, 30u);
  ASSERT_GE(reports.size(), 6u);  // users; posts at 20 and 30 users; comments; follows at 20; the end
  std::size_t previous = 0;
  for (const Report& r : reports) {
    EXPECT_EQ(r.total, static_cast<std::size_t>(rows));
    EXPECT_EQ(r.done, static_cast<std::size_t>(r.rows)) << "reported " << r.done << " of " << r.total;
    EXPECT_GT(r.done, previous);
    previous = r.done;
  }
  EXPECT_EQ(reports.back().done, reports.back().total);
  EXPECT_LT(reports.front().done * 4, reports.front().total);  // the users come first, a small part
}

CRUCIBLE_DIALECT_SUITE(BlogTest);

TEST(BlogConfig, EnvironmentsPickTheirDatabases) {
  EXPECT_EQ(blog::database_url(blog::Environment::development), "sqlite:///blog_dev.db");
  EXPECT_EQ(blog::database_url(blog::Environment::testing), "sqlite:///:memory:");
  EXPECT_THROW(blog::parse_environment("staging"), ArgumentError);
}

// The blog's revision files build the schema its models declare: the first revision is the
// models' create_all, table for table, on every backend; the second (the seed's points ledger)
// goes up and down.
TEST_P(BlogTest, RevisionFilesBuildTheSchemaTheModelsDeclare) {
  auto snapshot = [&] {
    std::string out;
    for (const auto& t : migrate::Inspector(engine_).tables()) {
      // The models' tables only: other tests' tables come and go on the shared servers.
      if (t.name == "user_points" || !default_registry().metadata().find_table(t.name)) continue;
      out += t.name + ":";
      for (const auto& c : t.columns)
        out += " " + c.name + " " + type_display(c.type) + (c.nullable ? "" : " not null") +
               (c.server_default ? " default " + *c.server_default : "") + (c.autoincrement ? " generated" : "");
      out += " | pk";
      for (const auto& k : t.primary_key.columns) out += " " + k;
      for (const auto& fk : t.foreign_keys) out += " | fk " + fk.columns.front() + " " + fk.referred_table + " " + fk.on_delete;
      for (const auto& u : t.unique_constraints) out += " | unique " + u.columns.front();
      out += " | " + std::to_string(t.check_constraints.size()) + " checks";
      for (const auto& ix : t.indexes) out += " | index " + ix.name + (ix.unique ? " unique" : "");
      out += "\n";
    }
    return out;
  };
  const std::string declared = snapshot();
  drop_all(engine_, default_registry().metadata());
  migrate::MigratorOptions options;
  options.version_table = "crucible_version";
  migrate::Migrator migrator(engine_, migrate::RevisionGraph::load(CRUCIBLE_BLOG_MIGRATIONS), options);
  try {
    migrator.upgrade("b10900000001");
    EXPECT_EQ(snapshot(), declared);
    migrator.upgrade("head");
    EXPECT_EQ(migrator.current(), std::vector<std::string>{"5eed00000002"});
    // At head, the database is what the models declare: `crucible-blog db check` passes.
    migrate::AutogenerateOptions only_blog;
    only_blog.include_table = [](const std::string&) { return false; };  // the models' tables only
    const auto drift = migrate::autogenerate(engine_, default_registry().metadata(), only_blog);
    std::vector<std::string> lines;
    for (const auto& step : drift) lines.push_back(migrate::describe(step.operation));
    EXPECT_TRUE(drift.empty()) << ::testing::PrintToString(lines);
    EXPECT_EQ(scalar("SELECT count(*) FROM user_points"), 0) << "the ledger starts with the users there were: none";
    migrator.downgrade("b10900000001");
    EXPECT_EQ(snapshot(), declared);
    migrator.downgrade("base");
    const auto left = migrate::Inspector(engine_).table_names();
    for (const Table* t : default_registry().metadata().tables())
      EXPECT_EQ(std::count(left.begin(), left.end(), t->name()), 0) << t->name() << " outlived downgrade base";
    EXPECT_EQ(std::count(left.begin(), left.end(), "user_points"), 0);
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
  }
  auto conn = engine_.connect();
  conn.execute("DROP TABLE IF EXISTS user_points");
  conn.execute("DROP TABLE IF EXISTS crucible_version");
  conn.commit();
  create_all(engine_, default_registry().metadata());  // for TearDown
}

// The seed's TestingConfig: in memory behind a NullPool. Sessions on separate checkouts see one
// database: the schema created through one connection and the rows committed through another.
TEST(BlogConfig, TestingConfigurationIsOneInMemoryDatabaseBehindANullPool) {
  const auto env = blog::Environment::testing;
  auto engine = create_engine(blog::database_url(env), blog::engine_options(env));
  EXPECT_EQ(engine.pool().name(), "NullPool");
  create_all(engine, default_registry().metadata());
  {
    Session session(engine);
    blog::seed(session, 1);
  }
  Session session(engine);
  EXPECT_EQ(session.query<blog::User>().count(), 10);
  EXPECT_EQ(session.query<blog::Post>().count(), 50);
}

}  // namespace
