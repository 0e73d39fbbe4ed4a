// SPDX-License-Identifier: MIT
// explain() on a real SQLite file: the plan names the table and the index, the statement's
// values are bound (never written into the SQL), nested plans are indented, an ORM query's
// statement explains on the session's connection, and explain_sql() replays what a monitor saw.
// The same on PostgreSQL and MariaDB: tests/dialect_suite/test_explain.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "crucible/crucible.hpp"
#include "support/temp_dir.hpp"

namespace monitor_test {
struct Note {
  std::int64_t id = 0;
  std::string title{};
  int score = 0;
};
CRUCIBLE_MAPPING(Note, "monitor_notes",
  column("id", &Note::id).primary_key(),
  column("title", &Note::title, crucible::String(80)),
  column("score", &Note::score).index());
}  // namespace monitor_test

using namespace crucible;

namespace {

bool mentions(const std::vector<std::string>& lines, const std::string& word) {
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(word) != std::string::npos; });
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

class Explain : public ::testing::Test {
 protected:
  void SetUp() override {
    create_all(engine_, metadata_);
    auto conn = engine_.connect();
    for (int i = 1; i <= 20; ++i)
      conn.execute(insert(items_).values(set(id_, i), set(name_, "item " + std::to_string(i)), set(score_, i % 7)));
    conn.commit();
  }
  void TearDown() override { engine_.dispose(); }

  testkit::TempDir temp_;
  Engine engine_ = create_engine(temp_.url("explain.db"));
  MetaData metadata_;
  Table& items_ = metadata_.table("items", Column("id", BigInteger()).primary_key(),
                                  Column("name", String(50)).nullable(false),
                                  Column("score", Integer()).nullable(false).index());
  Expr<std::int64_t> id_ = items_.c<std::int64_t>("id");
  Expr<std::string> name_ = items_.c<std::string>("name");
  Expr<int> score_ = items_.c<int>("score");
};

TEST_F(Explain, PlanNamesTheTableAndTheIndex) {
  auto conn = engine_.connect();
  const auto plan = explain(conn, select(name_).where(score_ == 3));
  ASSERT_FALSE(plan.empty());
  EXPECT_TRUE(mentions(plan, "items")) << joined(plan);
  EXPECT_TRUE(mentions(plan, "ix_items_score")) << joined(plan);
  EXPECT_EQ(plan[0].rfind("SEARCH items USING INDEX ix_items_score", 0), 0u) << joined(plan);

  const auto scan = explain(conn, select(name_).where(name_ == "item 3"));
  EXPECT_TRUE(mentions(scan, "SCAN items")) << joined(scan);
}

TEST_F(Explain, ValuesAreBoundNotWrittenIntoTheSql) {
  std::vector<std::string> sql;
  std::vector<std::vector<Value>> params;
  auto handle = engine_.events().on_before_execute([&](const ExecuteInfo& i) {
    sql.emplace_back(i.sql);
    params.emplace_back(i.parameters.begin(), i.parameters.end());
  });
  auto conn = engine_.connect();
  const std::string marker = "it's 'quoted' -- not SQL";
  explain(conn, select(name_).where(score_ > 5 && name_ != marker));
  explain(conn, select(name_).where(score_ == bindparam<int>("wanted")), {{"wanted", 4}});
  handle.remove();
  ASSERT_EQ(sql.size(), 2u);
  EXPECT_EQ(sql[0].rfind("EXPLAIN QUERY PLAN SELECT", 0), 0u) << sql[0];
  EXPECT_EQ(sql[0].find("quoted"), std::string::npos) << sql[0];
  EXPECT_NE(sql[0].find("?"), std::string::npos) << sql[0];
  EXPECT_EQ(params[0], (std::vector<Value>{5, marker}));
  EXPECT_EQ(params[1], std::vector<Value>{4});
}

TEST_F(Explain, MissingNamedParameterIsAnArgumentError) {
  auto conn = engine_.connect();
  EXPECT_THROW(explain(conn, select(name_).where(score_ == bindparam<int>("wanted"))), ArgumentError);
}

TEST_F(Explain, NestedPlansAreIndented) {
  auto conn = engine_.connect();
  const auto plan = explain(conn, select(name_).where(id_.in_(select(id_).where(score_ > 1))));
  ASSERT_GE(plan.size(), 2u) << joined(plan);
  EXPECT_TRUE(std::any_of(plan.begin(), plan.end(), [](const std::string& l) { return l.rfind("  ", 0) == 0; }))
      << joined(plan);
  EXPECT_TRUE(mentions(plan, "ix_items_score")) << joined(plan);
}

TEST_F(Explain, ExplainingDmlChangesNothing) {
  auto conn = engine_.connect();
  const auto plan = explain(conn, update(items_).values(set(score_, 100)).where(score_ == 2));
  EXPECT_TRUE(mentions(plan, "items")) << joined(plan);
  EXPECT_EQ(conn.scalar<std::int64_t>(select(func::count()).select_from(items_).where(score_ == 100)), 0);
}

TEST_F(Explain, TextStatementsWithNamedBinds) {
  auto conn = engine_.connect();
  const auto plan = explain(conn, text("SELECT name FROM items WHERE score = :s"), {{"s", 2}});
  EXPECT_TRUE(mentions(plan, "ix_items_score")) << joined(plan);
}

TEST_F(Explain, ExplainSqlReplaysWhatTheMonitorSaw) {
  QueryMonitor monitor(engine_, {.slow_sink = [](const SlowQuery&) {}});
  auto conn = engine_.connect();
  const auto stmt = select(name_).where(score_ == 6);
  conn.execute(stmt).all();
  const auto seen = monitor.statements();
  ASSERT_EQ(seen.size(), 1u);
  ASSERT_EQ(seen[0].slowest_parameters, std::vector<Value>{6});
  EXPECT_EQ(explain_sql(conn, seen[0].sql, seen[0].slowest_parameters), explain(conn, stmt));
  // The placeholders and the values must agree.
  EXPECT_THROW(explain_sql(conn, seen[0].sql), ArgumentError);
}

TEST_F(Explain, OrmQueryOnTheSessionsConnection) {
  create_all(engine_, default_registry().metadata());
  Session session(engine_);
  session.add(monitor_test::Note{.title = "a", .score = 3});
  session.commit();
  const auto query = session.query<monitor_test::Note>().where(col(&monitor_test::Note::score) == 3);
  const auto plan = explain(session, query.statement());
  EXPECT_TRUE(mentions(plan, "monitor_notes")) << joined(plan);
  EXPECT_TRUE(mentions(plan, "ix_monitor_notes_score")) << joined(plan);
  EXPECT_EQ(query.all().size(), 1u);
}

TEST(PoolStatus, DescribesTheEnginesPool) {
  testkit::TempDir temp;
  auto engine = create_engine(temp.url("pool.db"), {.pool_size = 3, .max_overflow = 2,
                                                    .pool_timeout = std::chrono::milliseconds(1500)});
  {
    auto held = engine.connect();
    const PoolReport busy = pool_status(engine);
    EXPECT_EQ(busy.pool, "QueuePool");
    EXPECT_EQ(busy.status.size, 3u);
    EXPECT_EQ(busy.status.checked_out, 1u);
    EXPECT_EQ(busy.max_overflow, 2);
    EXPECT_EQ(busy.to_string(), "QueuePool: size 3, 0 idle, 1 in use, overflow -2 (max 2), timeout 1500 ms");
  }
  EXPECT_EQ(pool_status(engine).to_string(), "QueuePool: size 3, 1 idle, 0 in use, overflow -2 (max 2), timeout 1500 ms");

  auto memory = create_engine("sqlite://");
  EXPECT_EQ(pool_status(memory).pool, "StaticPool");
  auto null_pool = create_engine(temp.url("null.db"), {.pool_class = PoolClass::null_pool});
  EXPECT_EQ(pool_status(null_pool).to_string().rfind("NullPool: 0 idle, 0 in use", 0), 0u);
}

}  // namespace
