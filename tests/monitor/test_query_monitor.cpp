// SPDX-License-Identifier: MIT
// QueryMonitor on real SQLite files: counts, durations, rows, batches, errors, the slow log and
// its sink, redaction, reset, detaching, and four threads executing at once.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "crucible/engine/connection.hpp"
#include "crucible/engine/engine.hpp"
#include "crucible/engine/schema.hpp"
#include "crucible/monitor/monitor.hpp"
#include "crucible/sql/dialect.hpp"
#include "crucible/sql/dml.hpp"
#include "crucible/sql/functions.hpp"
#include "crucible/sql/schema.hpp"
#include "crucible/sql/select.hpp"
#include "crucible/sql/text.hpp"
#include "support/temp_dir.hpp"

using namespace crucible;
using namespace std::chrono_literals;

namespace {

// SQLite counting to two million in a recursive CTE: one row, after a few hundred milliseconds.
constexpr std::string_view kSlowSql =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000) "
    "SELECT count(*) FROM c";

class Monitor : public ::testing::Test {
 protected:
  void SetUp() override { open({}); }

  void open(EngineOptions options) {
    if (engine_) engine_->dispose();
    engine_.emplace(create_engine(temp_.url("monitor-" + std::to_string(++opened_) + ".db"), options));
    create_all(*engine_, metadata_);
  }
  Engine& engine() { return *engine_; }

  // Silences the default stderr sink in tests that do not look at it.
  static QueryMonitorOptions quiet(QueryMonitorOptions o = {}) {
    if (!o.slow_sink) o.slow_sink = [](const SlowQuery&) {};
    return o;
  }

  testkit::TempDir temp_;
  int opened_ = 0;
  MetaData metadata_;
  Table& items_ = metadata_.table("items", Column("id", BigInteger()).primary_key(),
                                  Column("name", String(200)).nullable(false),
                                  Column("score", Integer()).nullable(false).index());
  Expr<std::int64_t> id_ = items_.c<std::int64_t>("id");
  Expr<std::string> name_ = items_.c<std::string>("name");
  Expr<int> score_ = items_.c<int>("score");
  std::optional<Engine> engine_;
};

TEST_F(Monitor, CountsTimesAndRowsPerStatement) {
  QueryMonitor monitor(engine(), quiet());
  auto conn = engine().connect();
  auto ins = insert(items_).values(set(id_, bindparam<std::int64_t>("id")), set(name_, bindparam<std::string>("name")),
                                   set(score_, bindparam<int>("score")));
  for (int i = 1; i <= 5; ++i) conn.execute(ins, {{"id", i}, {"name", "item " + std::to_string(i)}, {"score", i * 10}});
  // Three runs of one shape with different literals share an entry: the SQL has placeholders.
  for (int s : {10, 20, 30}) conn.execute(select(id_).where(score_ > s)).all();
  const auto changed = conn.execute(update(items_).values(set(score_, score_ + 1)).where(score_ >= 30)).rows_affected();
  conn.commit();
  ASSERT_EQ(changed, 3);

  const std::string insert_sql = engine().dialect().compile(ins)->sql;
  const std::string select_sql = engine().dialect().compile(select(id_).where(score_ > 0))->sql;
  auto inserted = monitor.statement(insert_sql);
  ASSERT_TRUE(inserted) << insert_sql;
  EXPECT_EQ(inserted->executions, 5u);
  EXPECT_EQ(inserted->parameter_sets, 5u);
  EXPECT_EQ(inserted->rows_affected, 5);
  EXPECT_GT(inserted->total.count(), 0);
  EXPECT_LE(inserted->min, inserted->mean());
  EXPECT_LE(inserted->mean(), inserted->max);
  EXPECT_LE(inserted->max, inserted->total);
  EXPECT_EQ(inserted->slow, 0u);
  EXPECT_EQ(inserted->slowest_parameters.size(), 3u);  // the values of its slowest run

  auto selected = monitor.statement(select_sql);
  ASSERT_TRUE(selected) << select_sql;
  EXPECT_EQ(selected->executions, 3u);
  EXPECT_EQ(selected->rows_affected, 0);  // queries return rows, they affect none

  const MonitorTotals t = monitor.totals();
  std::uint64_t executions = 0;
  std::chrono::nanoseconds total{0};
  for (const StatementStats& s : monitor.statements()) {
    executions += s.executions;
    total += s.total;
  }
  EXPECT_EQ(t.executions, executions);
  EXPECT_EQ(t.total, total);
  EXPECT_EQ(t.executions, 5u + 3u + 1u);  // BEGIN and COMMIT are not statements of the engine's
  EXPECT_EQ(t.statements, 3u);
  EXPECT_EQ(t.rows_affected, 5 + 3);
  EXPECT_EQ(t.errors, 0u);
  EXPECT_GE(t.checkouts, 1u);
}

TEST_F(Monitor, StatementsAreOrderedByTotalTime) {
  QueryMonitor monitor(engine(), quiet());
  auto conn = engine().connect();
  conn.execute("SELECT 1").all();
  conn.execute(kSlowSql).all();
  const auto all = monitor.statements();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].sql, kSlowSql);
  EXPECT_GE(all[0].total, all[1].total);
}

TEST_F(Monitor, ExecuteManyCountsOnceWithItsBatch) {
  QueryMonitor monitor(engine(), quiet({.slow_threshold = 0ns}));
  auto conn = engine().connect();
  std::vector<std::tuple<std::int64_t, std::string, int>> rows;
  for (int i = 0; i < 50; ++i) rows.emplace_back(i + 1, "n" + std::to_string(i), i);
  const auto inserted =
      conn.execute_many(insert(items_).columns(id_, name_, score_), rows).rows_affected();
  conn.commit();
  EXPECT_EQ(inserted, 50);
  const auto all = monitor.statements();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].executions, 1u);
  EXPECT_EQ(all[0].parameter_sets, 50u);
  EXPECT_EQ(all[0].rows_affected, 50);
  EXPECT_TRUE(all[0].slowest_parameters.empty());  // execute_many reports no single set
  const auto slow = monitor.slow_queries();
  ASSERT_EQ(slow.size(), 1u);
  EXPECT_EQ(slow[0].batch_size, 50u);
  EXPECT_NE(slow[0].to_string().find("[50 parameter sets]"), std::string::npos) << slow[0].to_string();
}

TEST_F(Monitor, FailedStatementsCountAsErrors) {
  QueryMonitor monitor(engine(), quiet());
  auto conn = engine().connect();
  conn.execute(insert(items_).values(set(id_, 1), set(name_, "a"), set(score_, 1)));
  EXPECT_THROW(conn.execute(insert(items_).values(set(id_, 1), set(name_, "b"), set(score_, 2))), IntegrityError);
  EXPECT_THROW(conn.execute("SELECT * FROM no_such_table"), ProgrammingError);
  const MonitorTotals t = monitor.totals();
  EXPECT_EQ(t.errors, 2u);
  EXPECT_EQ(t.executions, 1u);  // failed executions are not timed
  auto ins = monitor.statement(engine().dialect().compile(insert(items_).values(set(id_, 1), set(name_, "a"),
                                                                                set(score_, 1)))->sql);
  ASSERT_TRUE(ins);
  EXPECT_EQ(ins->executions, 1u);
  EXPECT_EQ(ins->errors, 1u);
  auto missing = monitor.statement("SELECT * FROM no_such_table");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->executions, 0u);
  EXPECT_EQ(missing->errors, 1u);
  EXPECT_NE(monitor.report().find("(1 failed)"), std::string::npos);
}

TEST_F(Monitor, SlowQueryOverTheThresholdGoesToTheSink) {
  std::vector<SlowQuery> sunk;
  QueryMonitor monitor(engine(), {.slow_threshold = 20ms, .slow_sink = [&](const SlowQuery& q) { sunk.push_back(q); }});
  auto conn = engine().connect();
  conn.execute("SELECT 1").all();
  conn.execute(select(id_).where(score_ > 5)).all();
  EXPECT_EQ(conn.scalar<std::int64_t>(kSlowSql), 2000000);

  ASSERT_EQ(sunk.size(), 1u) << "only the recursive CTE takes 20 ms";
  EXPECT_EQ(sunk[0].sql, kSlowSql);
  EXPECT_GE(sunk[0].duration, 20ms);
  EXPECT_EQ(sunk[0].rows_affected, -1);
  const std::string line = sunk[0].to_string();
  EXPECT_EQ(line.rfind("slow query (", 0), 0u) << line;
  EXPECT_NE(line.find("): WITH RECURSIVE"), std::string::npos) << line;

  const auto log = monitor.slow_queries();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].sql, kSlowSql);
  EXPECT_EQ(monitor.totals().slow, 1u);
  EXPECT_EQ(monitor.statement(kSlowSql)->slow, 1u);
  EXPECT_EQ(monitor.statement("SELECT 1")->slow, 0u);

  // Raised over the CTE's time: nothing more is slow.
  monitor.set_slow_threshold(std::chrono::hours(1));
  conn.scalar<std::int64_t>(kSlowSql);
  EXPECT_EQ(sunk.size(), 1u);
  EXPECT_EQ(monitor.statement(kSlowSql)->executions, 2u);
}

TEST_F(Monitor, ThresholdZeroLogsEverythingWithParametersTruncated) {
  std::vector<SlowQuery> sunk;
  QueryMonitor monitor(engine(), {.slow_threshold = 0ns, .slow_sink = [&](const SlowQuery& q) { sunk.push_back(q); },
                                  .slow_log_size = 2});
  auto conn = engine().connect();
  const std::string long_name(150, 'x');  // 152 characters quoted: kept whole
  const std::string huge_name(5000, 'y');
  conn.execute(insert(items_).values(set(id_, 1), set(name_, long_name), set(score_, 7)));
  conn.execute(insert(items_).values(set(id_, 2), set(name_, huge_name), set(score_, 8)));
  conn.execute("SELECT 1").all();
  ASSERT_EQ(sunk.size(), 3u);
  ASSERT_EQ(sunk[0].parameters.size(), 3u);
  EXPECT_EQ(sunk[0].parameters[0], "1");
  EXPECT_EQ(sunk[0].parameters[1], "'" + long_name + "'");
  EXPECT_EQ(sunk[0].parameters[2], "7");
  // As the engine's error messages: the first 100 characters and how many were cut.
  EXPECT_EQ(sunk[1].parameters[1], "'" + std::string(99, 'y') + "... (4902 characters truncated)");
  EXPECT_EQ(sunk[1].values.at(1), Value(huge_name));  // the value itself, for explain_sql
  EXPECT_NE(sunk[1].to_string().find("[parameters: (2, 'yyy"), std::string::npos);
  // The log keeps the last slow_log_size entries.
  const auto log = monitor.slow_queries();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].parameters.at(0), "2");
  EXPECT_EQ(log[1].sql, "SELECT 1");
  EXPECT_EQ(monitor.totals().slow, 3u);
}

TEST_F(Monitor, SinkMayRunStatementsAndThrow) {
  // WAL: the sink's connection writes while the statement's connection still reads.
  const Table& log =
      metadata_.table("slow_log", Column("id", BigInteger()).primary_key(), Column("sql", Text()).nullable(false));
  open({.sqlite = {.wal = true}});
  int calls = 0;
  QueryMonitor monitor(engine(), {.slow_threshold = 0ns, .slow_sink = [&](const SlowQuery& q) {
                                    ++calls;
                                    auto conn = engine().connect();  // logs into the same database
                                    conn.execute(insert(log).values(set(log.c<std::string>("sql"), q.sql)));
                                    conn.commit();
                                    throw std::runtime_error("the log is full");
                                  }});
  auto conn = engine().connect();
  EXPECT_NO_THROW(conn.execute("SELECT 1").all());
  EXPECT_NO_THROW(conn.execute("SELECT 2").all());
  EXPECT_EQ(calls, 2);  // the sink's own INSERTs are counted, not sunk
  EXPECT_EQ(monitor.totals().executions, 4u);
  conn.commit();
  EXPECT_EQ(conn.scalar<std::int64_t>("SELECT count(*) FROM slow_log"), 2);
}

TEST_F(Monitor, HiddenParametersAreRedactedAndNotKept) {
  open({.hide_parameters = true});
  std::vector<SlowQuery> sunk;
  QueryMonitor monitor(engine(), {.slow_threshold = 0ns, .slow_sink = [&](const SlowQuery& q) { sunk.push_back(q); }});
  auto conn = engine().connect();
  conn.execute(insert(items_).values(set(id_, 1), set(name_, "secret"), set(score_, 1)));
  ASSERT_EQ(sunk.size(), 1u);
  EXPECT_EQ(sunk[0].parameters, std::vector<std::string>{"[redacted]"});
  EXPECT_TRUE(sunk[0].values.empty());
  EXPECT_EQ(sunk[0].to_string().find("secret"), std::string::npos);
  EXPECT_TRUE(monitor.statements().at(0).slowest_parameters.empty());
  EXPECT_EQ(monitor.report().find("secret"), std::string::npos);
}

TEST_F(Monitor, ResetForgetsAndKeepsListening) {
  QueryMonitor monitor(engine(), quiet({.slow_threshold = 0ns}));
  auto conn = engine().connect();
  conn.execute("SELECT 1").all();
  EXPECT_EQ(monitor.totals().executions, 1u);
  monitor.reset();
  const MonitorTotals cleared = monitor.totals();
  EXPECT_EQ(cleared.executions, 0u);
  EXPECT_EQ(cleared.statements, 0u);
  EXPECT_EQ(cleared.slow, 0u);
  EXPECT_EQ(cleared.checkouts, 0u);
  EXPECT_TRUE(monitor.statements().empty());
  EXPECT_TRUE(monitor.slow_queries().empty());
  conn.execute("SELECT 2").all();
  EXPECT_EQ(monitor.totals().executions, 1u);
  EXPECT_TRUE(monitor.statement("SELECT 2"));
  EXPECT_FALSE(monitor.statement("SELECT 1"));
}

TEST_F(Monitor, DetachesOnDestruction) {
  EXPECT_FALSE(engine().events().statement_listeners());
  int sunk = 0;
  {
    QueryMonitor monitor(engine(), {.slow_threshold = 0ns, .slow_sink = [&](const SlowQuery&) { ++sunk; }});
    EXPECT_TRUE(engine().events().statement_listeners());
    engine().connect().execute("SELECT 1").all();
  }
  // Nothing listens any more, so the engine times nothing, and the sink is not called.
  EXPECT_FALSE(engine().events().statement_listeners());
  engine().connect().execute("SELECT 1").all();
  EXPECT_EQ(sunk, 1);
}

TEST_F(Monitor, DistinctStatementsAreCapped) {
  QueryMonitor monitor(engine(), quiet({.max_statements = 3}));
  auto conn = engine().connect();
  for (int i = 0; i < 10; ++i) conn.execute("SELECT " + std::to_string(i)).all();  // values inlined
  const auto all = monitor.statements();
  ASSERT_EQ(all.size(), 4u);
  auto other = monitor.statement("(other statements)");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->executions, 7u);
  EXPECT_EQ(monitor.totals().executions, 10u);
}

TEST_F(Monitor, ReportShowsTotalsPoolTopStatementsAndSlowLog) {
  QueryMonitor monitor(engine(), quiet({.slow_threshold = 20ms}));
  auto conn = engine().connect();
  conn.execute(insert(items_).values(set(id_, 1), set(name_, "a"), set(score_, 1)));
  for (int i = 0; i < 3; ++i) conn.execute(select(name_).where(id_ == 1)).all();
  conn.scalar<std::int64_t>(kSlowSql);
  conn.commit();
  const std::string report = monitor.report(2, 40);
  EXPECT_NE(report.find("Statements: 5 executions of 3 statements"), std::string::npos) << report;
  EXPECT_NE(report.find("Slow:       1 at or over 20.000 ms"), std::string::npos) << report;
  EXPECT_NE(report.find("Pool:       QueuePool: size 5, "), std::string::npos) << report;
  EXPECT_NE(report.find(" 1 checkout, 0 invalidated"), std::string::npos) << report;
  EXPECT_NE(report.find("Top 2 of 3 statements by total time:"), std::string::npos) << report;
  EXPECT_NE(report.find(std::string(kSlowSql.substr(0, 40)) + "...\n"), std::string::npos) << report;
  EXPECT_NE(report.find("Slow statements (last 1):"), std::string::npos) << report;
  // The top two: the CTE first, then the three selects (more time than the one insert is not
  // guaranteed, so only the CTE's place is checked).
  EXPECT_LT(report.find("WITH RECURSIVE"), report.find("Slow statements"));
}

TEST_F(Monitor, FourThreadsAtOnce) {
  std::atomic<int> sunk_atomic = 0;
  int sunk_plain = 0;  // the sink is called one call at a time: a plain counter stays exact
  QueryMonitor monitor(engine(), {.slow_threshold = 0ns, .slow_sink = [&](const SlowQuery&) {
                                    ++sunk_plain;
                                    sunk_atomic.fetch_add(1);
                                  }, .slow_log_size = 10});
  {
    auto conn = engine().connect();
    conn.execute(insert(items_).values(set(id_, 1), set(name_, "a"), set(score_, 1)));
    conn.commit();
  }
  monitor.reset();
  sunk_plain = 0;  // the insert above was slow too
  sunk_atomic.store(0);
  const int per_thread = 400;
  std::vector<std::thread> threads;
  std::atomic<int> failures = 0;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      try {
        auto conn = engine().connect();
        for (int i = 0; i < per_thread; ++i) {
          conn.execute(select(name_).where(id_ == (i % 2) + 1)).all();
          conn.execute(select(func::count()).select_from(items_).where(score_ > t)).all();
          if (i % 100 == 0) (void)monitor.report();  // readers while the listeners write
        }
        conn.rollback();
      } catch (const std::exception&) {
        failures.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);
  const MonitorTotals t = monitor.totals();
  EXPECT_EQ(t.executions, 4u * per_thread * 2);
  EXPECT_EQ(t.statements, 2u);
  EXPECT_EQ(t.slow, t.executions);
  EXPECT_EQ(sunk_atomic.load(), static_cast<int>(t.executions));
  EXPECT_EQ(sunk_plain, static_cast<int>(t.executions));
  EXPECT_EQ(monitor.slow_queries().size(), 10u);
  for (const StatementStats& s : monitor.statements()) {
    EXPECT_EQ(s.executions, 4u * per_thread) << s.sql;
    EXPECT_LE(s.max, s.total);
  }
}

TEST_F(Monitor, AttachAndDetachWhileOtherThreadsExecute) {
  std::atomic<bool> stop = false;
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      auto conn = engine().connect();
      while (!stop.load()) conn.execute(select(func::count()).select_from(items_)).all();
    });
  }
  for (int round = 0; round < 200; ++round) {
    int sunk = 0;  // lives in this round only: the sink must never run after the monitor dies
    QueryMonitor monitor(engine(), {.slow_threshold = 0ns, .slow_sink = [&sunk](const SlowQuery&) { ++sunk; }});
    std::this_thread::sleep_for(50us);
    (void)monitor.totals();
  }
  stop.store(true);
  for (auto& th : threads) th.join();
  EXPECT_FALSE(engine().events().statement_listeners());
}

TEST(MonitorFormat, SummarizedSql) {
  EXPECT_EQ(summarize_sql("SELECT a.id, a.name, count(b.id)\n  FROM a LEFT OUTER JOIN b ON b.a_id = a.id"),
            "SELECT a.id, ... FROM a LEFT OUTER JOIN b ON b.a_id = a.id");
  // Each SELECT on its own level; function arguments and quoted text are not list separators.
  EXPECT_EQ(summarize_sql("SELECT count(*) FROM (SELECT x, y FROM t WHERE z IN (SELECT max(p, q), r FROM u)) AS s"),
            "SELECT count(*) FROM (SELECT x, ... FROM t WHERE z IN (SELECT max(p, q), ... FROM u)) AS s");
  EXPECT_EQ(summarize_sql("SELECT 'a, b', c FROM t"), "SELECT 'a, b', ... FROM t");
  EXPECT_EQ(summarize_sql("SELECT 1"), "SELECT 1");
  EXPECT_EQ(summarize_sql("UPDATE t SET a = ?, b = ? WHERE id = ?", 12), "UPDATE t SET...");
}

TEST(MonitorFormat, Durations) {
  EXPECT_EQ(format_duration(812ns), "812 ns");
  EXPECT_EQ(format_duration(45200ns), "45.2 us");
  EXPECT_EQ(format_duration(3140000ns), "3.140 ms");
  EXPECT_EQ(format_duration(2510ms), "2.51 s");
}

}  // namespace
