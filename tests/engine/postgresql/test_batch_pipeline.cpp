// SPDX-License-Identifier: MIT
// execute_many on PostgreSQL: the driver's pipeline-mode batch (DriverStatement::execute_batch)
// on its own, then what the engine makes of a failed batch. What every backend's batch path must
// keep is in tests/dialect_suite/test_batch.cpp.
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/server_support.hpp"
#include "support/batch_sets.hpp"

namespace crucible {
namespace {

using dialects::BatchOutcome;
using dialects::DriverException;
using dialects::DriverStatement;

using Sets = testkit::BatchSets;

class PostgresqlPipeline : public testkit::DriverBatchTest<testkit::PostgresqlServer> {};

TEST_F(PostgresqlPipeline, RunsEverySetInOneBatchAndSumsTheRows) {
  conn_->begin();
  {
    auto insert = conn_->acquire(insert_sql());
    BatchOutcome out;
    ASSERT_TRUE(insert->execute_batch(rows(1000), out));
    EXPECT_EQ(out.rows_affected, 1000);
  }
  {
    // n = 3 matches 100 rows per set; n = 42 none.
    auto bump = conn_->acquire("UPDATE " + name_ + " SET id = id + 0 WHERE n = $1");
    BatchOutcome out;
    ASSERT_TRUE(bump->execute_batch(Sets(3, [](DriverStatement& s, std::size_t i) {
                                      s.bind_int64(0, i == 1 ? 42 : 3);
                                    }),
                                    out));
    EXPECT_EQ(out.rows_affected, 200);
  }
  conn_->commit();
  EXPECT_EQ(count(), 1000);
  // The connection is back to ordinary statements.
  EXPECT_TRUE(conn_->ping());
}

TEST_F(PostgresqlPipeline, ParameterTypesChangingMidBatchPrepareAgainInThePipeline) {
  conn_->begin();
  auto insert = conn_->acquire(insert_sql());
  BatchOutcome out;
  // NULL first (type unknown), then int4-sized values, then int8-sized ones.
  ASSERT_TRUE(insert->execute_batch(Sets(300, [](DriverStatement& s, std::size_t i) {
                                      s.bind_int64(0, static_cast<std::int64_t>(i));
                                      if (i < 5) s.bind_null(1);
                                      else if (i < 200) s.bind_int64(1, static_cast<std::int64_t>(i));
                                      else s.bind_int64(1, (std::int64_t{1} << 40) + static_cast<std::int64_t>(i));
                                      if (i % 2) s.bind_null(2);
                                      else s.bind(2, Value("even " + std::to_string(i)));
                                    }),
                                    out));
  EXPECT_EQ(out.rows_affected, 300);
  conn_->commit();
  auto lease = conn_->acquire("SELECT sum(n), count(n), count(s) FROM " + name_);
  ASSERT_TRUE(lease->step());
  std::int64_t expected = 0;
  for (std::int64_t i = 5; i < 200; ++i) expected += i;
  for (std::int64_t i = 200; i < 300; ++i) expected += (std::int64_t{1} << 40) + i;
  EXPECT_EQ(lease->get_text(0), std::to_string(expected));
  EXPECT_EQ(lease->get_int64(1), 295);
  EXPECT_EQ(lease->get_int64(2), 150);
}

TEST_F(PostgresqlPipeline, AFailingSetIsNamedAndAbortsTheTransaction) {
  conn_->begin();
  auto insert = conn_->acquire(insert_sql());
  BatchOutcome out;
  try {
    insert->execute_batch(rows_with_duplicate(100, 56), out);
    FAIL() << "expected a unique violation";
  } catch (const DriverException& e) {
    EXPECT_EQ(e.info().sqlstate, "23505");
    EXPECT_EQ(out.first_failed, 56u);
    EXPECT_EQ(out.last_failed, 56u);
    EXPECT_FALSE(e.info().disconnect);
  }
  // As row by row: the transaction is aborted until rolled back.
  EXPECT_TRUE(conn_->in_transaction());
  try {
    conn_->exec("SELECT 1");
    FAIL() << "an aborted transaction ran a statement";
  } catch (const DriverException& e) {
    EXPECT_EQ(e.info().sqlstate, "25P02");
  }
  conn_->rollback();
  EXPECT_EQ(count(), 0);
  // The cached statement still works, batched and alone.
  conn_->begin();
  ASSERT_TRUE(insert->execute_batch(Sets(2, [](DriverStatement& s, std::size_t i) {
                                      s.bind_int64(0, static_cast<std::int64_t>(i));
                                      s.bind_null(1);
                                      s.bind(2, Value("again " + std::to_string(i)));
                                    }),
                                    out));
  insert->reset();
  insert->bind_int64(0, 7);
  insert->bind_null(1);
  insert->bind_null(2);
  insert->step();
  conn_->commit();
  EXPECT_EQ(count(), 3);
}

TEST_F(PostgresqlPipeline, ANulByteStopsTheBatchAtItsSet) {
  conn_->begin();
  auto insert = conn_->acquire(insert_sql());
  BatchOutcome out;
  try {
    insert->execute_batch(Sets(10, [](DriverStatement& s, std::size_t i) {
                            s.bind_int64(0, static_cast<std::int64_t>(i));
                            s.bind_null(1);
                            if (i == 3) s.bind_text(2, std::string_view("a\0b", 3));
                            else s.bind(2, Value("ok" + std::to_string(i)));
                          }),
                          out);
    FAIL() << "expected a NUL byte error";
  } catch (const DriverException& e) {
    EXPECT_EQ(e.info().sqlstate, "22021");
    EXPECT_EQ(out.first_failed, 3u);
  }
  // The sets before it ran; the transaction is intact (nothing failed on the server).
  EXPECT_EQ(count(), 3);
  conn_->rollback();
}

TEST_F(PostgresqlPipeline, AnExceptionFromTheBinderDrainsThePipeline) {
  conn_->begin();
  auto insert = conn_->acquire(insert_sql());
  BatchOutcome out;
  EXPECT_THROW(insert->execute_batch(Sets(50, [](DriverStatement& s, std::size_t i) {
                                       if (i == 20) throw std::runtime_error("binder gave up");
                                       s.bind_int64(0, static_cast<std::int64_t>(i));
                                       s.bind_null(1);
                                       s.bind(2, Value("b" + std::to_string(i)));
                                     }),
                                     out),
               std::runtime_error);
  EXPECT_EQ(out.first_failed, 20u);
  EXPECT_EQ(count(), 20);  // the connection answers ordinary statements again
  conn_->commit();
}

TEST_F(PostgresqlPipeline, LargeParametersAndResultsDoNotStallEitherSide) {
  // Tens of megabytes each way: the server writes results while the client is still sending,
  // so a blocking client that only read at the end would deadlock on full socket buffers.
  const auto wide = table("wide");
  conn_->exec("CREATE TABLE " + wide + " (id bigint PRIMARY KEY, n bigint, s text)");
  conn_->begin();
  const std::string big(200'000, 'p');
  auto insert = conn_->acquire("INSERT INTO " + wide + " (id, n, s) VALUES ($1, $2, $3)");
  BatchOutcome out;
  ASSERT_TRUE(insert->execute_batch(Sets(100, [&](DriverStatement& s, std::size_t i) {
                                      s.bind_int64(0, static_cast<std::int64_t>(i));
                                      s.bind_int64(1, static_cast<std::int64_t>(i));
                                      s.bind(2, Value(std::to_string(i) + big));
                                    }),
                                    out));
  EXPECT_EQ(out.rows_affected, 100);
  auto echo = conn_->acquire(std::string_view("SELECT repeat('r', 100000), $1::int"));
  ASSERT_TRUE(echo->execute_batch(Sets(300, [](DriverStatement& s, std::size_t i) {
                                    s.bind_int64(0, static_cast<std::int64_t>(i));
                                  }),
                                  out));
  EXPECT_EQ(out.rows_affected, 0);  // rows are discarded; SELECT changes nothing
  conn_->commit();
  auto lease = conn_->acquire("SELECT sum(length(s)) FROM " + wide);
  ASSERT_TRUE(lease->step());
  EXPECT_EQ(lease->get_int64(0), 100 * 200'000 + 10 * 1 + 90 * 2);
}

TEST_F(PostgresqlPipeline, ReturnedRowsReachTheSourceSetBySetInOrder) {
  conn_->begin();
  auto insert = conn_->acquire("INSERT INTO " + name_ + " (id, n, s) VALUES ($1, $2, $3), ($4, $5, $6) RETURNING id, s");
  std::vector<std::string> seen;  // "set:id:s" per returned row, in the order they came
  std::vector<std::string> values;  // borrowed by bind_string until the batch returns
  for (int id = 0; id < 600; ++id) values.push_back("v" + std::to_string(id));
  BatchOutcome out;
  ASSERT_TRUE(insert->execute_batch_rows(
      Sets(
          300,
          [&values](DriverStatement& s, std::size_t i) {
            for (int r = 0; r < 2; ++r) {
              const auto id = static_cast<std::int64_t>(2 * i) + r;
              s.bind_int64(3 * r, id);
              s.bind_null(3 * r + 1);
              s.bind_string(3 * r + 2, values[static_cast<std::size_t>(id)]);
            }
          },
          [&](DriverStatement& s, std::size_t i) {
            while (s.step()) seen.push_back(std::to_string(i) + ":" + std::to_string(s.get_int64(0)) + ":" +
                                            std::string(s.get_text(1)));
          }),
      out));
  EXPECT_EQ(out.rows_affected, 600);
  ASSERT_EQ(seen.size(), 600u);
  for (std::size_t k = 0; k < seen.size(); ++k)
    EXPECT_EQ(seen[k], std::to_string(k / 2) + ":" + std::to_string(k) + ":v" + std::to_string(k));
  conn_->commit();
  EXPECT_EQ(count(), 600);
}

TEST_F(PostgresqlPipeline, WithoutRowsTheBatchKeepsItsDiscardingPath) {
  // execute_batch on a statement that returns rows discards them; the source never sees them.
  conn_->begin();
  auto insert = conn_->acquire(insert_sql() + " RETURNING id");
  BatchOutcome out;
  int handed = 0;
  ASSERT_TRUE(insert->execute_batch(Sets(
                                        5,
                                        [](DriverStatement& s, std::size_t i) {
                                          s.bind_int64(0, static_cast<std::int64_t>(i));
                                          s.bind_null(1);
                                          s.bind_null(2);
                                        },
                                        [&](DriverStatement&, std::size_t) { ++handed; }),
                                    out));
  EXPECT_EQ(out.rows_affected, 5);
  EXPECT_EQ(handed, 0);
  conn_->commit();
}

TEST_F(PostgresqlPipeline, AnExceptionFromTheRowReaderStopsAndDrainsThePipeline) {
  conn_->begin();
  auto insert = conn_->acquire(insert_sql() + " RETURNING id");
  BatchOutcome out;
  std::size_t read = 0;
  EXPECT_THROW(insert->execute_batch_rows(Sets(
                                              2000,
                                              [](DriverStatement& s, std::size_t i) {
                                                s.bind_int64(0, static_cast<std::int64_t>(i));
                                                s.bind_null(1);
                                                s.bind(2, Value("r" + std::to_string(i)));
                                              },
                                              [&](DriverStatement& s, std::size_t i) {
                                                if (i == 7) throw std::runtime_error("reader gave up");
                                                while (s.step()) ++read;
                                              }),
                                          out),
               std::runtime_error);
  EXPECT_EQ(read, 7u);  // sets 0..6; none after the failure
  // What was sent before the reader failed ran; the connection and its transaction work on.
  const auto sent = count();
  EXPECT_GE(sent, 8);
  EXPECT_LE(sent, 2000);
  conn_->commit();
}

// ---- through the engine ---------------------------------------------------------------------

class PostgresqlExecuteMany : public testkit::PostgresqlTest {};

TEST_F(PostgresqlExecuteMany, StatementsAfterAFailedBatchNeedARollback) {
  const auto name = table("after");
  auto eng = engine();
  auto conn = eng.connect();
  conn.execute("CREATE TABLE " + name + " (id bigint PRIMARY KEY)");
  conn.commit();
  std::vector<std::tuple<std::int64_t>> rows;
  for (std::int64_t i = 0; i < 100; ++i) rows.emplace_back(i == 70 ? 3 : i);
  EXPECT_THROW(conn.execute_many(text("INSERT INTO " + name + " (id) VALUES (:id)"), rows), IntegrityError);
  try {
    conn.scalar<std::int64_t>("SELECT 1");
    FAIL() << "an aborted transaction ran a statement";
  } catch (const DBAPIError& e) {
    EXPECT_EQ(e.sqlstate(), "25P02");  // in failed SQL transaction, as after a failing row
  }
  conn.rollback();
  EXPECT_EQ(conn.scalar<std::int64_t>("SELECT count(*) FROM " + name), 0);
  rows[70] = {70};
  EXPECT_EQ(conn.execute_many(text("INSERT INTO " + name + " (id) VALUES (:id)"), rows).rows_affected(), 100);
  conn.commit();
  EXPECT_EQ(conn.scalar<std::int64_t>("SELECT count(*) FROM " + name), 100);
}

}  // namespace
}  // namespace crucible
