// SPDX-License-Identifier: MIT
// explain() and QueryMonitor on every backend: EXPLAIN QUERY PLAN on SQLite, EXPLAIN on
// PostgreSQL and MariaDB, with the statement's values bound as parameters (literals, named
// binds, and a replay of what a monitor recorded).
#include <algorithm>
#include <string>
#include <vector>

#include "crucible/monitor/monitor.hpp"
#include "dialect_suite/fixture.hpp"

namespace crucible::testkit {
namespace {

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

bool mentions(const std::vector<std::string>& lines, const std::string& word) {
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(word) != std::string::npos; });
}

class ExplainSuite : public DialectSuite {
 protected:
  void SetUp() override {
    DialectSuite::SetUp();
    if (IsSkipped()) return;
    index_ = table_name("ix_score");
    items_ = &metadata_.table(table_name("items"), Column("id", BigInteger()).primary_key(),
                              Column("name", String(50)).nullable(false), Column("score", Integer()).nullable(false),
                              Index(index_, {"score"}));
    create_tables();
    auto conn = engine().connect();
    std::vector<std::tuple<std::int64_t, std::string, int>> rows;
    for (int i = 1; i <= 200; ++i) rows.emplace_back(i, "item " + std::to_string(i), i % 50);
    conn.execute_many(insert(*items_).columns(id(), name(), score()), rows);
    conn.commit();
  }

  Expr<std::int64_t> id() const { return items_->c<std::int64_t>("id"); }
  Expr<std::string> name() const { return items_->c<std::string>("name"); }
  Expr<int> score() const { return items_->c<int>("score"); }

  const Table* items_ = nullptr;
  std::string index_;
};

TEST_P(ExplainSuite, PlanOfASelectWithLiterals) {
  auto conn = engine().connect();
  const auto plan = explain(conn, select(name()).where(score() == 7 && name() != "it's"));
  ASSERT_FALSE(plan.empty());
  for (const auto& line : plan) EXPECT_FALSE(line.empty()) << joined(plan);
  EXPECT_TRUE(mentions(plan, items_->name())) << joined(plan);
}

TEST_P(ExplainSuite, PlanUsesTheIndexForAnEqualityOnItsColumn) {
  auto conn = engine().connect();
  // Four rows of two hundred match: every backend plans the index (MariaDB names it as the key,
  // SQLite searches it, PostgreSQL scans it).
  const auto plan = explain(conn, select(name()).where(score() == bindparam<int>("wanted")), {{"wanted", 7}});
  ASSERT_FALSE(plan.empty());
  EXPECT_TRUE(mentions(plan, index_)) << joined(plan);
}

TEST_P(ExplainSuite, ValuesTravelAsParameters) {
  std::string sql;
  std::vector<Value> params;
  auto handle = engine().events().on_before_execute([&](const ExecuteInfo& i) {
    sql = std::string(i.sql);
    params.assign(i.parameters.begin(), i.parameters.end());
  });
  auto conn = engine().connect();
  explain(conn, select(name()).where(score() > 40 && name() != "x'; DROP"));
  handle.remove();
  EXPECT_EQ(sql.rfind("EXPLAIN", 0), 0u) << sql;
  EXPECT_EQ(sql.find("DROP"), std::string::npos) << sql;
  EXPECT_EQ(params, (std::vector<Value>{40, "x'; DROP"}));
}

TEST_P(ExplainSuite, MonitorCountsAndReplaysAStatement) {
  QueryMonitor monitor(engine(), {.slow_threshold = std::chrono::nanoseconds(0), .slow_sink = [](const SlowQuery&) {}});
  auto conn = engine().connect();
  const auto stmt = select(name()).where(score() == 9).order_by(id());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(conn.execute(stmt).all().size(), 4u);
  const auto stats = monitor.statement(engine().dialect().compile(stmt)->sql);
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->executions, 3u);
  EXPECT_GT(stats->total.count(), 0);
  EXPECT_EQ(stats->slow, 3u);
  ASSERT_EQ(stats->slowest_parameters, std::vector<Value>{9});
  const auto replayed = explain_sql(conn, stats->sql, stats->slowest_parameters);
  EXPECT_TRUE(mentions(replayed, items_->name()) || mentions(replayed, index_)) << joined(replayed);
  EXPECT_EQ(monitor.slow_queries().size(), 4u);  // the three runs and the EXPLAIN
}

TEST_P(ExplainSuite, ExplainingAnUpdateChangesNothing) {
  auto conn = engine().connect();
  const auto plan = explain(conn, update(*items_).values(set(score(), 1000)).where(score() == 3));
  EXPECT_FALSE(plan.empty());
  conn.rollback();
  EXPECT_EQ(conn.scalar<std::int64_t>(select(func::count()).select_from(*items_).where(score() == 1000)), 0);
}

CRUCIBLE_DIALECT_SUITE(ExplainSuite);

}  // namespace
}  // namespace crucible::testkit
