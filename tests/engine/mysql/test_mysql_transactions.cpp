// SPDX-License-Identifier: MIT
// MariaDB sessions and statements through the engine: isolation levels and autocommit as the
// server shows them, AUTO_INCREMENT ids of multi-row inserts, the statement cache, ALTER TABLE
// under cached statements, the dialect chosen by the URL, the driver on its own. Transactions,
// RETURNING and row counts on every backend are in tests/dialect_suite/.
#include <string>
#include <vector>

#include "crucible/sql/dialect.hpp"
#include "engine/server_support.hpp"

namespace crucible {
namespace {

class MysqlTransactions : public testkit::MysqlTest {};

TEST_F(MysqlTransactions, IsolationLevelsAsTheServerShowsThem) {
  auto eng = engine();
  EXPECT_EQ(eng.connect().isolation_level(), IsolationLevel::repeatable_read);  // InnoDB's default
  testkit::expect_isolation_levels_shown(eng, "SELECT @@session.tx_isolation", "REPEATABLE-READ",
                                         {{IsolationLevel::serializable, "SERIALIZABLE"},
                                          {IsolationLevel::read_uncommitted, "READ-UNCOMMITTED"},
                                          {IsolationLevel::read_committed, "READ-COMMITTED"},
                                          {IsolationLevel::repeatable_read, "REPEATABLE-READ"}});
  auto committed = engine({.isolation_level = IsolationLevel::read_committed}).connect();
  EXPECT_EQ(committed.scalar<std::string>("SELECT @@session.tx_isolation"), "READ-COMMITTED");
  auto autocommit = engine({.isolation_level = IsolationLevel::autocommit}).connect();
  EXPECT_EQ(autocommit.scalar<std::int64_t>("SELECT @@session.autocommit"), 1);
}

TEST_F(MysqlTransactions, MultiRowInsertReportsNoSingleId) {
  const auto name = table("ids");
  auto conn = engine().connect();
  conn.exec_driver_sql("CREATE TABLE " + name + " (id BIGINT AUTO_INCREMENT PRIMARY KEY, s VARCHAR(20)) ENGINE=InnoDB");
  const auto first = conn.execute("INSERT INTO " + name + " (s) VALUES ('v')").inserted_primary_key();
  ASSERT_TRUE(first.has_value());
  // A multi-row INSERT has no single key (MariaDB's last_insert_id is its first row's).
  auto multi = conn.execute("INSERT INTO " + name + " (s) VALUES ('x'), ('y'), ('z')");
  EXPECT_EQ(multi.rows_affected(), 3);
  EXPECT_EQ(multi.inserted_primary_key(), std::nullopt);
  EXPECT_EQ(conn.execute("INSERT INTO " + name + " (s) VALUES ('w')").inserted_primary_key(), *first + 4);
  EXPECT_EQ(conn.scalar<std::string>("SELECT s FROM " + name + " WHERE id = :id", {{"id", *first + 3}}), "z");
  conn.commit();
}

TEST_F(MysqlTransactions, PreparedStatementsAreCachedAndResultsDoNotBlock) {
  const auto name = table("cache");
  auto conn = engine().connect();
  conn.exec_driver_sql("CREATE TABLE " + name + " (id INT PRIMARY KEY, s TEXT)");
  for (int i = 1; i <= 20; ++i)
    conn.execute("INSERT INTO " + name + " VALUES (:id, :s)", {{"id", i}, {"s", "row " + std::to_string(i)}});
  auto& driver = conn.driver_connection();
  const auto prepared = driver.statements_prepared();
  for (int i = 1; i <= 20; ++i)
    EXPECT_EQ(conn.scalar<std::string>("SELECT s FROM " + name + " WHERE id = :id", {{"id", i}}),
              "row " + std::to_string(i));
  EXPECT_EQ(driver.statements_prepared(), prepared + 1);

  // An open result is stored client-side: other statements run while it is read.
  int rows = 0;
  for (const Row& row : conn.execute("SELECT id FROM " + name + " ORDER BY id")) {
    const auto id = row.get<std::int64_t>(0);
    conn.execute("UPDATE " + name + " SET s = :s WHERE id = :id", {{"s", "seen"}, {"id", id}});
    // The same SQL while the cached statement is still open: a private statement serves it.
    EXPECT_EQ(conn.scalar<std::int64_t>("SELECT COUNT(*) FROM " + name + " WHERE s = 'seen'"), id);
    ++rows;
  }
  EXPECT_EQ(rows, 20);

  // Evicting statements closes them on the server (no leak of prepared statements).
  const auto closed = [&] {
    return std::stoll(conn.scalar<std::string>(
        "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'COM_STMT_CLOSE'"));
  };
  const auto closed_before = closed();
  driver.set_statement_cache_size(2);
  for (int i = 0; i < 30; ++i) conn.scalar<std::int64_t>("SELECT " + std::to_string(i) + " + :x", {{"x", 1}});
  EXPECT_GE(closed() - closed_before, 28);
  conn.commit();
}

TEST_F(MysqlTransactions, StatementsSurviveAlterTable) {
  const auto name = table("alter");
  auto conn = engine().connect();
  conn.exec_driver_sql("CREATE TABLE " + name + " (id INT PRIMARY KEY, a INT)");
  conn.exec_driver_sql("INSERT INTO " + name + " VALUES (1, 10)");
  const std::string query = "SELECT * FROM " + name + " WHERE id = :id";
  EXPECT_EQ(conn.execute(query, {{"id", 1}}).one().values().size(), 2u);
  conn.commit();
  conn.exec_driver_sql("ALTER TABLE " + name + " ADD COLUMN b VARCHAR(10) DEFAULT 'new'");
  const auto row = conn.execute(query, {{"id", 1}}).one();
  ASSERT_EQ(row.values().size(), 3u);
  EXPECT_EQ(row.get<std::string>(2), "new");
}

TEST_F(MysqlTransactions, UrlChoosesTheDialect) {
  Url url = Url::parse(this->url());
  auto as_mysql = create_engine(url.to_string(false));
  EXPECT_EQ(as_mysql.dialect().name(), "mysql");
  as_mysql.connect().close();  // the server version refines the features
  EXPECT_TRUE(as_mysql.dialect().features().supports_insert_returning);
  url.backend = "mariadb";
  auto as_mariadb = create_engine(url.to_string(false));
  EXPECT_EQ(as_mariadb.dialect().name(), "mariadb");
  EXPECT_EQ(as_mariadb.connect().scalar<std::int64_t>("SELECT 1"), 1);

  url.query = {{"connect_timeout", "5"}, {"charset", "utf8mb4"}};
  EXPECT_EQ(create_engine(url.to_string(false)).connect().scalar<std::string>("SELECT @@character_set_client"),
            "utf8mb4");
  url.query = {{"no_such_option", "1"}};
  EXPECT_THROW(create_engine(url.to_string(false)), ArgumentError);
  url.query = {{"connect_timeout", "soon"}};
  EXPECT_THROW(create_engine(url.to_string(false)), ArgumentError);
}

TEST_F(MysqlTransactions, DriverLevelConnection) {
  auto conn = dialects::open_mysql(driver_options());
  EXPECT_EQ(conn->backend(), "mysql");
  EXPECT_NE(conn->server_version().find("MariaDB"), std::string::npos) << conn->server_version();
  EXPECT_GT(dialects::mysql_thread_id(*conn), 0u);
  EXPECT_TRUE(conn->ping());
  auto lease = conn->acquire(std::string_view("SELECT ? + 1, ?"));
  EXPECT_EQ(lease->parameter_count(), 2);
  lease->bind_int64(0, 41);
  lease->bind_text(1, "text");
  ASSERT_TRUE(lease->step());
  EXPECT_EQ(lease->get_int64(0), 42);
  EXPECT_EQ(lease->get_text(1), "text");
  EXPECT_FALSE(lease->step());
  EXPECT_THROW(lease->bind_int64(2, 1), dialects::DriverException);
  lease.release();
  auto kept = conn->prepare("SELECT 1", false);
  conn->close();
  EXPECT_FALSE(conn->is_alive());
  EXPECT_FALSE(conn->ping());
  try {
    kept->step();
    FAIL() << "a statement of a closed connection ran";
  } catch (const dialects::DriverException& e) {
    EXPECT_TRUE(e.info().disconnect);
  }
}

}  // namespace
}  // namespace crucible
