// SPDX-License-Identifier: MIT
//
// The examples of docs/core.md, run against a real SQLite file: if the guide drifts from the
// API, this stops compiling or fails.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <filesystem>
#include <optional>

#include <unistd.h>

#include "crucible/crucible.hpp"

namespace guide {
enum class PostStatus { draft, published, archived };
}
template <>
struct crucible::EnumNames<guide::PostStatus> {
  static constexpr std::array names{"draft", "published", "archived"};
};

namespace crucible {
namespace {

using guide::PostStatus;

class CoreGuide : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("crucible_core_guide_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db");
    std::filesystem::remove(path_);
    engine_ = create_engine("sqlite:///" + path_.string());
    create_all(*engine_, metadata_);
  }
  void TearDown() override {
    engine_->dispose();
    std::filesystem::remove(path_);
  }

  MetaData metadata_;
  Table& users_ = metadata_.table(
      "users", Column("id", BigInteger()).primary_key(),
      Column("username", String(80)).nullable(false).unique().index(),
      Column("email", String(120)),
      Column("points", Integer()).nullable(false).server_default("0"),
      Column("created_at", DateTimeType()).default_now(),
      Column("updated_at", DateTimeType()).default_now().onupdate_fn([] {
        return Value(DateTime::now_naive());
      }),
      CheckConstraint("points >= 0", "ck_users_points"));
  Table& posts_ = metadata_.table(
      "posts", Column("id", BigInteger()).primary_key(),
      Column("author_id", BigInteger()).nullable(false).references("users.id").on_delete("CASCADE"),
      Column("slug", String(200)).nullable(false),
      Column("status", Enum<PostStatus>("post_status")).nullable(false),
      UniqueConstraint({"author_id", "slug"}), Index("ix_posts_author_status", {"author_id", "status"}),
      Index("ix_posts_published", {"slug"}).where("status = 'published'"));
  Expr<std::int64_t> id_ = users_.c<std::int64_t>("id");
  Expr<std::string> username_ = users_.c<std::string>("username");
  Expr<std::optional<std::string>> email_ = users_.c<std::optional<std::string>>("email");
  Expr<int> points_ = users_.c<int>("points");
  Expr<std::int64_t> post_id_ = posts_.c<std::int64_t>("id");
  Expr<std::int64_t> author_id_ = posts_.c<std::int64_t>("author_id");
  Expr<PostStatus> status_ = posts_.c<PostStatus>("status");
  std::filesystem::path path_;
  std::optional<Engine> engine_;
};

TEST_F(CoreGuide, InsertsQueriesAndUpserts) {
  auto conn = engine_->connect();
  conn.execute(insert(users_).values(set(username_, "alice"), set(email_, "a@example.com")));
  conn.execute(insert(users_).values(set(username_, "a")).values(set(username_, "b")));
  const auto new_id =
      conn.execute(insert(users_).values(set(username_, "c")).returning(id_)).scalar<std::int64_t>();
  EXPECT_EQ(new_id, 4);
  conn.execute(update(users_).values(set(points_, points_ + 10)).where(username_ == "alice"));
  conn.execute(insert(users_)
                   .values(set(username_, "alice"), set(email_, "new@example.com"))
                   .on_conflict_do_update({username_}, {set(email_, excluded(email_))}));
  conn.execute(insert(users_).values(set(username_, "alice")).on_conflict_do_nothing(username_));
  conn.commit();

  EXPECT_EQ(conn.scalar<std::optional<std::string>>(select(email_).where(username_ == "alice")),
            "new@example.com");
  EXPECT_EQ(conn.scalar<int>(select(points_).where(username_ == "alice")), 10);
  EXPECT_EQ(conn.scalar<std::int64_t>(select(func::count()).select_from(users_)), 4);

  std::vector<std::tuple<std::string, std::string>> rows = {{"dan", "d@x"}, {"eve", "e@x"}};
  conn.execute_many(insert(users_).columns(username_, email_), rows);
  conn.execute_many(text("UPDATE users SET points = :p WHERE username = :name"),
                    std::vector<Params>{{{"p", 5}, {"name", "dan"}}, {{"p", 7}, {"name", "eve"}}});
  EXPECT_EQ(conn.scalar<int>(select(func::sum(points_)).where(username_.in_({"dan", "eve"}))), 12);

  conn.execute_many(insert(posts_).columns(author_id_, posts_.c<std::string>("slug"), status_),
                    std::vector<std::tuple<std::int64_t, std::string, PostStatus>>{
                        {1, "hello", PostStatus::published},
                        {1, "100%-sure", PostStatus::draft},
                        {5, "dans-post", PostStatus::published}});
  auto stmt = select(username_, func::count(post_id_).label("posts"))
                  .select_from(users_)
                  .outerjoin(posts_)
                  .where(points_ >= 0, email_.is_not_null())
                  .group_by(username_)
                  .having(func::count(post_id_) > 0)
                  .order_by(username_.desc().nulls_last());
  std::vector<std::tuple<std::string, std::int64_t>> got;
  for (auto [name, n] : conn.execute(stmt).as<std::string, std::int64_t>()) got.emplace_back(name, n);
  EXPECT_EQ(got, (std::vector<std::tuple<std::string, std::int64_t>>{{"dan", 1}, {"alice", 2}}));

  const auto slug = posts_.c<std::string>("slug");
  EXPECT_EQ(conn.execute(select(slug).where(slug.contains("100%"))).scalars<std::string>(),
            std::vector<std::string>{"100%-sure"});
  EXPECT_EQ(conn.execute(select(slug).where(slug.contains("0_"))).scalars<std::string>().size(), 0u);
  EXPECT_EQ(conn.scalar<PostStatus>(select(status_).where(slug == "hello")), PostStatus::published);

  const auto label = case_<std::string>().when(points_ > 6, "gold").else_("basic");
  EXPECT_EQ(conn.execute(select(label).where(username_.in_({"dan", "eve"})).order_by(username_))
                .scalars<std::string>(),
            (std::vector<std::string>{"basic", "gold"}));
  EXPECT_EQ(conn.scalar<std::string>(select(func::coalesce(email_, "none")).where(username_ == "a")),
            "none");
}

TEST_F(CoreGuide, ResultsTransactionsAndEvents) {
  std::atomic<int> statements = 0;
  auto handle = engine_->events().on_before_execute([&](const ExecuteInfo&) { ++statements; });
  auto conn = engine_->connect();
  conn.execute("INSERT INTO users (username, points) VALUES (:u, :p)", {{"u", "zed"}, {"p", 3}});
  conn.commit();
  {
    auto tx = conn.begin();
    conn.execute(update(users_).values(set(points_, 50)).where(username_ == "zed"));
    {
      auto sp = conn.begin_nested();
      conn.execute(update(users_).values(set(points_, 99)).where(username_ == "zed"));
    }  // rolled back to the savepoint
    tx.commit();
  }
  EXPECT_EQ(conn.scalar<int>(select(points_).where(username_ == "zed")), 50);
  EXPECT_THROW(conn.execute(select(id_).where(username_ == "nobody")).one(), NoResultFound);
  EXPECT_FALSE(conn.execute(select(id_).where(username_ == "nobody")).one_or_none().has_value());
  Row row = conn.execute(select(id_, username_)).one();
  EXPECT_EQ(row.get<std::string>("username"), "zed");
  EXPECT_THROW(row.get<std::int64_t>("username"), TypeError);
  EXPECT_THROW(conn.execute(insert(users_).values(set(username_, "zed"))), IntegrityError);
  conn.rollback();
  EXPECT_GE(statements.load(), 8);
  handle.remove();
  const int before = statements.load();
  conn.execute(select(id_)).all();
  EXPECT_EQ(statements.load(), before);
  EXPECT_EQ(engine_->pool().status_info().checked_out, 1u);
  EXPECT_NE(engine_->pool().status().find("Checked out connections: 1"), std::string::npos);
}

}  // namespace
}  // namespace crucible
