// SPDX-License-Identifier: MIT
//
// The examples of docs/monitoring.md, run against a real SQLite file: if the guide drifts from
// the API, this stops compiling or fails.
#include <gtest/gtest.h>

#include <iostream>
#include <sstream>

#include "crucible/crucible.hpp"
#include "support/temp_dir.hpp"

namespace guide_monitor {
struct Post {
  std::int64_t id = 0;
  std::string title{};
  int views_count = 0;
};
CRUCIBLE_MAPPING(Post, "guide_posts",
  column("id", &Post::id).primary_key(),
  column("title", &Post::title, crucible::String(80)),
  column("views_count", &Post::views_count).index());
}  // namespace guide_monitor

using namespace crucible;

namespace {

class MonitoringGuide : public ::testing::Test {
 protected:
  void SetUp() override {
    create_all(engine, metadata);
    auto conn = engine.connect();
    for (int i = 1; i <= 10; ++i)
      conn.execute(insert(items).values(set(item_id, i), set(name, "item " + std::to_string(i)), set(score, i % 4)));
    conn.commit();
  }
  void TearDown() override { engine.dispose(); }

  testkit::TempDir temp;
  Engine engine = create_engine(temp.url("blog.db"));
  MetaData metadata;
  Table& items = metadata.table("items", Column("id", BigInteger()).primary_key(),
                                Column("name", String(50)).nullable(false),
                                Column("score", Integer()).nullable(false).index());
  Expr<std::int64_t> item_id = items.c<std::int64_t>("id");
  Expr<std::string> name = items.c<std::string>("name");
  Expr<int> score = items.c<int>("score");
  std::ostringstream out;  // stands for std::cout
};

TEST_F(MonitoringGuide, AttachingAMonitor) {
  auto run_the_application = [this](const Engine& e) { e.connect().execute(select(name).where(score == 1)).all(); };
  {
    QueryMonitor monitor(engine, {.slow_threshold = std::chrono::milliseconds(50)});
    run_the_application(engine);
    out << monitor.report();
    EXPECT_TRUE(engine.events().statement_listeners());
  }
  EXPECT_FALSE(engine.events().statement_listeners());
  EXPECT_NE(out.str().find("Statements: 1 execution of 1 statement"), std::string::npos) << out.str();
}

TEST_F(MonitoringGuide, PerStatementFigures) {
  QueryMonitor monitor(engine);
  auto conn = engine.connect();
  for (std::int64_t id : {1, 2, 3}) conn.execute(select(name).where(item_id == id)).all();

  for (const StatementStats& s : monitor.statements())
    out << s.executions << " x " << format_duration(s.mean()) << "  " << s.sql << "\n";
  std::optional<StatementStats> one = monitor.statement("SELECT items.name FROM items WHERE items.id = ?");
  MonitorTotals t = monitor.totals();

  ASSERT_TRUE(one);
  EXPECT_EQ(one->executions, 3u);
  EXPECT_EQ(t.executions, 3u);
  EXPECT_NE(out.str().find("3 x "), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("  SELECT items.name FROM items WHERE items.id = ?\n"), std::string::npos) << out.str();
}

TEST_F(MonitoringGuide, SlowQueryLog) {
  std::vector<std::string> lines;
  QueryMonitor monitor(engine, {.slow_threshold = std::chrono::milliseconds(20),
                                .slow_sink = [&](const SlowQuery& q) { lines.push_back(q.to_string()); }});
  auto conn = engine.connect();
  conn.execute(select(name).where(score == 2)).all();
  conn.execute("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000) "
               "SELECT count(*) FROM c").all();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("WITH RECURSIVE"), std::string::npos);
}

TEST_F(MonitoringGuide, PoolStatus) {
  PoolReport pool = pool_status(engine);
  out << pool.to_string() << "\n";
  EXPECT_EQ(out.str(), "QueuePool: size 5, 1 idle, 0 in use, overflow -4 (max 10), timeout 30 s\n");
}

TEST_F(MonitoringGuide, QueryPlans) {
  auto conn = engine.connect();
  for (const std::string& line : explain(conn, select(name).where(score == 3)))
    out << line << "\n";
  EXPECT_EQ(out.str(), "SEARCH items USING INDEX ix_items_score (score=?)\n");

  auto plan = explain(conn, select(name).where(score == bindparam<int>("wanted")), {{"wanted", 4}});
  EXPECT_EQ(plan, std::vector<std::string>{"SEARCH items USING INDEX ix_items_score (score=?)"});
}

TEST_F(MonitoringGuide, OrmQueryPlan) {
  using guide_monitor::Post;
  create_all(engine, default_registry().metadata());
  Session session(engine);
  auto plan = explain(session, session.query<Post>().where(col(&Post::views_count) > 100).statement());
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_NE(plan[0].find("ix_guide_posts_views_count"), std::string::npos) << plan[0];
}

TEST_F(MonitoringGuide, TheStatementThatReallyRan) {
  QueryMonitor monitor(engine, {.slow_threshold = std::chrono::nanoseconds(0), .slow_sink = [](const SlowQuery&) {}});
  auto conn = engine.connect();
  conn.execute(select(name).where(score == 1)).all();
  for (const StatementStats& s : monitor.statements())
    if (s.max > std::chrono::nanoseconds(0) && !s.slowest_parameters.empty())
      for (const auto& line : explain_sql(conn, s.sql, s.slowest_parameters)) out << line << "\n";
  EXPECT_EQ(out.str(), "SEARCH items USING INDEX ix_items_score (score=?)\n");
  const auto slow = monitor.slow_queries();
  ASSERT_FALSE(slow.empty());
  EXPECT_EQ(explain_sql(conn, slow[0].sql, slow[0].values), explain(conn, select(name).where(score == 1)));
}

}  // namespace
