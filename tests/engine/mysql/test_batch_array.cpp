// SPDX-License-Identifier: MIT
// execute_many on MariaDB: the driver's array-bound batch (DriverStatement::execute_batch,
// COM_STMT_BULK_EXECUTE) on its own, then through the engine.
#include <gmock/gmock.h>

#include <functional>
#include <string>
#include <tuple>
#include <vector>

#include "engine/server_support.hpp"
#include "support/batch_sets.hpp"

namespace crucible {
namespace {

using ::testing::HasSubstr;
using dialects::BatchOutcome;
using dialects::DriverException;
using dialects::DriverStatement;

using Sets = testkit::BatchSets;

class MysqlArrayBinding : public testkit::DriverBatchTest<testkit::MysqlServer> {};

TEST_F(MysqlArrayBinding, CountsTheRowsEachSetMatched) {
  conn_->begin();
  auto insert = conn_->acquire(insert_sql());
  BatchOutcome out;
  ASSERT_TRUE(insert->execute_batch(rows(1000), out));
  EXPECT_EQ(out.rows_affected, 1000);
  // mysql_stmt_affected_rows after a bulk UPDATE is the sum over its sets, and with
  // CLIENT_FOUND_ROWS a set that matches a row without changing it still counts it.
  auto same = conn_->acquire("UPDATE " + name_ + " SET n = n WHERE n = ?");
  ASSERT_TRUE(same->execute_batch(Sets(3, [](DriverStatement& s, std::size_t i) { s.bind_int64(0, i == 1 ? 99 : 4); }),
                                  out));
  EXPECT_EQ(out.rows_affected, 200);
  auto del = conn_->acquire("DELETE FROM " + name_ + " WHERE id = ?");
  ASSERT_TRUE(del->execute_batch(Sets(4, [](DriverStatement& s, std::size_t i) {
                                   s.bind_int64(0, i == 2 ? 5000 : static_cast<std::int64_t>(i));
                                 }),
                                 out));
  EXPECT_EQ(out.rows_affected, 3);
  // The statement runs alone again afterwards (one set, not the last array).
  insert->reset();
  insert->bind_int64(0, 7000);
  insert->bind_null(1);
  insert->bind_text(2, "alone");
  insert->step();
  EXPECT_EQ(insert->changes(), 1);
  conn_->commit();
  EXPECT_EQ(count(), 998);
  EXPECT_EQ(scalar("SELECT count(*) FROM " + name_ + " WHERE s = 'alone' AND n IS NULL"), 1);
}

TEST_F(MysqlArrayBinding, AFailingInsertSetIsNamedAndTheSetsBeforeItStay) {
  conn_->begin();
  auto insert = conn_->acquire(insert_sql());
  BatchOutcome out;
  try {
    insert->execute_batch(rows_with_duplicate(100, 56), out);
    FAIL() << "expected a duplicate key";
  } catch (const DriverException& e) {
    EXPECT_EQ(e.info().native_code, 1062);
    EXPECT_EQ(out.first_failed, 56u);
    EXPECT_EQ(out.last_failed, 56u);
  }
  // Exactly as row by row: sets 0..55 applied in the still open transaction, 56 not.
  EXPECT_TRUE(conn_->in_transaction());
  EXPECT_EQ(count(), 56);
  conn_->rollback();
  EXPECT_EQ(count(), 0);
}

TEST_F(MysqlArrayBinding, AFailingUpdateSetIsNamedAndTheSetsBeforeItStay) {
  conn_->begin();
  auto insert = conn_->acquire(insert_sql());
  BatchOutcome out;
  ASSERT_TRUE(insert->execute_batch(rows(100), out));
  conn_->commit();
  auto rename = conn_->acquire("UPDATE " + name_ + " SET s = ? WHERE id = ?");
  try {
    rename->execute_batch(Sets(100, [](DriverStatement& s, std::size_t i) {
                            s.bind(0, Value(i == 40 ? std::string("s99") : "renamed " + std::to_string(i)));
                            s.bind_int64(1, static_cast<std::int64_t>(i));
                          }),
                          out);
    FAIL() << "expected a duplicate key";
  } catch (const DriverException& e) {
    EXPECT_EQ(e.info().native_code, 1062);
    EXPECT_EQ(out.first_failed, 40u);
  }
  EXPECT_EQ(scalar("SELECT count(*) FROM " + name_ + " WHERE s LIKE 'renamed %'"), 40);
  conn_->rollback();
  EXPECT_EQ(scalar("SELECT count(*) FROM " + name_ + " WHERE s LIKE 'renamed %'"), 0);
}

TEST_F(MysqlArrayBinding, EveryStorageFormArrayBinds) {
  const auto types = table("types");
  conn_->exec("CREATE TABLE " + types +
              " (id BIGINT PRIMARY KEY, b BOOLEAN, d DATE, t TIME(6), dt DATETIME(6), num DECIMAL(10,2), "
              "f DOUBLE, bin BLOB, j JSON, u CHAR(36))");
  conn_->begin();
  auto insert = conn_->acquire("INSERT INTO " + types + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  BatchOutcome out;
  // Set 0 is all NULL; odd sets leave every column but the key NULL.
  ASSERT_TRUE(insert->execute_batch(Sets(50, [](DriverStatement& s, std::size_t i) {
                                      s.bind_int64(0, static_cast<std::int64_t>(i));
                                      if (i == 0 || i % 2) {
                                        for (int k = 1; k < 10; ++k) s.bind_null(k);
                                        return;
                                      }
                                      const auto n = static_cast<unsigned>(i);
                                      s.bind(1, Value(i % 4 == 0));
                                      s.bind(2, Value(Date{2024, 1 + n % 12, 1 + n % 28}));
                                      s.bind(3, Value(Time{n % 24, 30, 15, 250 * n}));
                                      s.bind(4, Value(DateTime{Date{1999, 12, 31}, Time{23, 59, n, 5}}));
                                      s.bind(5, Value(Decimal(std::to_string(i) + ".25")));
                                      s.bind_double(6, 0.5 * static_cast<double>(i));
                                      s.bind(7, Value(Blob{0, static_cast<unsigned char>(i), 0}));
                                      s.bind(8, Value(Json::parse("{\"n\": " + std::to_string(i) + "}")));
                                      s.bind(9, Value(Uuid::from_string("123e4567-e89b-12d3-a456-4266141740" +
                                                                  std::to_string(10 + i))));
                                    }),
                                    out));
  EXPECT_EQ(out.rows_affected, 50);
  conn_->commit();
  auto check = conn_->acquire("SELECT b, d, t, dt, num, f, hex(bin), j, u FROM " + types + " WHERE id = 42");
  ASSERT_TRUE(check->step());
  EXPECT_EQ(check->get_int64(0), 0);
  EXPECT_EQ(check->get_text(1), "2024-07-15");
  EXPECT_EQ(check->get_text(2), "18:30:15.010500");
  EXPECT_EQ(check->get_text(3), "1999-12-31 23:59:42.000005");
  EXPECT_EQ(check->get_text(4), "42.25");
  EXPECT_EQ(check->get_double(5), 21.0);
  EXPECT_EQ(check->get_text(6), "002A00");
  EXPECT_THAT(std::string(check->get_text(7)), HasSubstr("42"));
  EXPECT_EQ(check->get_text(8), "123e4567-e89b-12d3-a456-426614174052");
  EXPECT_EQ(scalar("SELECT count(*) FROM " + types + " WHERE b IS NULL AND d IS NULL AND bin IS NULL"), 26);
}

TEST_F(MysqlArrayBinding, APlaceholderBoundWithDifferentTypesRunsSetBySet) {
  conn_->begin();
  auto insert = conn_->acquire(insert_sql());
  BatchOutcome out;
  ASSERT_TRUE(insert->execute_batch(Sets(30, [](DriverStatement& s, std::size_t i) {
                                      s.bind_int64(0, static_cast<std::int64_t>(i));
                                      if (i < 20) s.bind_int64(1, static_cast<std::int64_t>(i));
                                      else s.bind_double(1, static_cast<double>(i));  // unlike the sets above
                                      s.bind(2, Value("m" + std::to_string(i)));
                                    }),
                                    out));
  EXPECT_EQ(out.rows_affected, 30);
  conn_->commit();
  EXPECT_EQ(scalar("SELECT CAST(sum(n) AS SIGNED) FROM " + name_), 435);
}

TEST_F(MysqlArrayBinding, LargeBatchesGoInSeveralChunks) {
  // 3,000 sets of 1 KB (over the 1 MB a chunk carries) and 25,000 small ones (over its 10,000
  // sets).
  const auto big = table("big");
  conn_->exec("CREATE TABLE " + big + " (id BIGINT PRIMARY KEY, n BIGINT, s TEXT)");
  conn_->begin();
  auto insert = conn_->acquire("INSERT INTO " + big + " (id, n, s) VALUES (?, ?, ?)");
  BatchOutcome out;
  const std::string kilo(1000, 'k');
  ASSERT_TRUE(insert->execute_batch(Sets(3000, [&](DriverStatement& s, std::size_t i) {
                                      s.bind_int64(0, static_cast<std::int64_t>(i));
                                      s.bind_int64(1, 1);
                                      s.bind(2, Value(std::to_string(i) + kilo));
                                    }),
                                    out));
  EXPECT_EQ(out.rows_affected, 3000);
  ASSERT_TRUE(insert->execute_batch(Sets(25000, [](DriverStatement& s, std::size_t i) {
                                      s.bind_int64(0, 10'000 + static_cast<std::int64_t>(i));
                                      s.bind_int64(1, 2);
                                      s.bind_null(2);
                                    }),
                                    out));
  EXPECT_EQ(out.rows_affected, 25000);
  conn_->commit();
  EXPECT_EQ(scalar("SELECT CAST(sum(n) AS SIGNED) FROM " + big), 3000 + 50000);
  // Committed for everyone, not only visible to this session.
  auto other = open_driver();
  auto seen = other->acquire("SELECT count(*) FROM " + big);
  ASSERT_TRUE(seen->step());
  EXPECT_EQ(seen->get_int64(0), 28000);
  EXPECT_EQ(scalar("SELECT CAST(sum(length(s)) AS SIGNED) FROM " + big),
            3000 * 1000 + 10 * 1 + 90 * 2 + 900 * 3 + 2000 * 4);
}

// ---- through the engine ---------------------------------------------------------------------

class MysqlExecuteMany : public testkit::MysqlTest {};

TEST_F(MysqlExecuteMany, ALockWaitTimeoutNamesTheChunkAndUndoesIt) {
  const auto name = table("locked");
  auto eng = engine();
  auto holder = eng.connect();
  holder.execute("CREATE TABLE " + name + " (id BIGINT PRIMARY KEY, n INT) ENGINE=InnoDB");
  std::vector<std::tuple<std::int64_t, int>> rows;
  for (std::int64_t i = 1; i <= 100; ++i) rows.emplace_back(i, 0);
  holder.execute_many(text("INSERT INTO " + name + " (id, n) VALUES (:id, :n)"), rows);
  holder.commit();
  holder.execute("UPDATE " + name + " SET n = 1 WHERE id = 50");  // holds row 50's lock

  auto conn = eng.connect();
  conn.exec_driver_sql("SET SESSION innodb_lock_wait_timeout = 1");
  std::vector<std::tuple<std::int64_t>> keys;
  for (std::int64_t i = 1; i <= 100; ++i) keys.emplace_back(i);
  try {
    conn.execute_many(text("UPDATE " + name + " SET n = 2 WHERE id = :id"), keys);
    FAIL() << "expected a lock wait timeout";
  } catch (const OperationalError& e) {
    // Not run again set by set (it would only wait again): the chunk is named and undone.
    EXPECT_THAT(e.what(), HasSubstr("(in parameter sets 1 to 100"));
  }
  EXPECT_EQ(conn.scalar<std::int64_t>("SELECT count(*) FROM " + name + " WHERE n = 2"), 0);
  conn.rollback();
  holder.rollback();
}

}  // namespace
}  // namespace crucible
