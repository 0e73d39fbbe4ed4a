// SPDX-License-Identifier: MIT
// MariaDB transactions and statements through the engine: autobegin, savepoints, isolation,
// RETURNING, ids and counts, the statement cache, the dialect chosen by the URL.
#include <string>
#include <vector>

#include "crucible/sql/dialect.hpp"
#include "engine/mysql/mysql_support.hpp"

namespace crucible {
namespace {

class MysqlTransactions : public testkit::MysqlTest {};

TEST_F(MysqlTransactions, CommitRollbackAndSavepoints) {
  const auto name = table("tx");
  auto eng = engine();
  auto conn = eng.connect();
  conn.execute("CREATE TABLE " + name + " (id INT PRIMARY KEY) ENGINE=InnoDB");
  conn.commit();
  const auto count = [&] { return conn.scalar<std::int64_t>("SELECT COUNT(*) FROM " + name); };

  conn.execute("INSERT INTO " + name + " VALUES (1)");
  EXPECT_TRUE(conn.in_transaction());
  conn.rollback();
  EXPECT_FALSE(conn.in_transaction());
  EXPECT_EQ(count(), 0);

  {
    auto tx = conn.begin_nested();  // autobegins the outer transaction
    conn.execute("INSERT INTO " + name + " VALUES (1)");
    {
      auto inner = conn.begin_nested();
      conn.execute("INSERT INTO " + name + " VALUES (2)");
      inner.rollback();
    }
    EXPECT_EQ(count(), 1);
    {
      auto inner = conn.begin_nested();
      EXPECT_THROW(conn.execute("INSERT INTO " + name + " VALUES (1)"), IntegrityError);
      inner.rollback();
    }
    {
      auto inner = conn.begin_nested();
      conn.execute("INSERT INTO " + name + " VALUES (5)");
      inner.commit();  // RELEASE SAVEPOINT
    }
    tx.commit();
  }
  conn.commit();
  EXPECT_EQ(count(), 2);

  // Another connection sees only committed work.
  conn.execute("INSERT INTO " + name + " VALUES (3)");
  auto other = eng.connect();
  other.set_isolation_level(IsolationLevel::read_committed);
  EXPECT_EQ(other.scalar<std::int64_t>("SELECT COUNT(*) FROM " + name), 2);
  conn.commit();
  EXPECT_EQ(other.scalar<std::int64_t>("SELECT COUNT(*) FROM " + name), 3);

  // An explicit transaction, and one closed without commit.
  {
    auto tx = conn.begin();
    EXPECT_TRUE(conn.in_transaction());
    conn.execute("DELETE FROM " + name);
    tx.rollback();
  }
  EXPECT_EQ(count(), 3);
  conn.execute("DELETE FROM " + name);
  conn.close();  // rolls back
  EXPECT_EQ(other.scalar<std::int64_t>("SELECT COUNT(*) FROM " + name), 3);
}

TEST_F(MysqlTransactions, IsolationLevelIsVisible) {
  auto eng = engine();
  auto conn = eng.connect();
  const auto shown = [&] { return conn.scalar<std::string>("SELECT @@session.tx_isolation"); };
  EXPECT_EQ(conn.isolation_level(), IsolationLevel::repeatable_read);
  EXPECT_EQ(shown(), "REPEATABLE-READ");
  conn.rollback();
  for (auto [level, text] : {std::pair{IsolationLevel::serializable, "SERIALIZABLE"},
                             std::pair{IsolationLevel::read_uncommitted, "READ-UNCOMMITTED"},
                             std::pair{IsolationLevel::read_committed, "READ-COMMITTED"},
                             std::pair{IsolationLevel::repeatable_read, "REPEATABLE-READ"}}) {
    conn.set_isolation_level(level);
    EXPECT_EQ(shown(), text);
    conn.rollback();
  }
  conn.set_isolation_level(IsolationLevel::serializable);
  conn.close();  // the level is reset when the connection goes back to the pool
  auto again = eng.connect();
  EXPECT_EQ(again.scalar<std::string>("SELECT @@session.tx_isolation"), "REPEATABLE-READ");

  auto committed = engine({.isolation_level = IsolationLevel::read_committed}).connect();
  EXPECT_EQ(committed.scalar<std::string>("SELECT @@session.tx_isolation"), "READ-COMMITTED");
}

TEST_F(MysqlTransactions, AutocommitAndScripts) {
  const auto name = table("auto");
  auto eng = engine({.isolation_level = IsolationLevel::autocommit});
  auto conn = eng.connect();
  EXPECT_EQ(conn.scalar<std::int64_t>("SELECT @@session.autocommit"), 1);
  conn.execute("CREATE TABLE " + name + " (id INT PRIMARY KEY) ENGINE=InnoDB");
  conn.execute("INSERT INTO " + name + " VALUES (1)");
  EXPECT_FALSE(conn.in_transaction());
  auto observer = engine().connect();
  EXPECT_EQ(observer.scalar<std::int64_t>("SELECT COUNT(*) FROM " + name), 1);
  observer.rollback();
  {
    auto tx = conn.begin();  // START TRANSACTION in autocommit mode
    conn.execute("INSERT INTO " + name + " VALUES (2)");
    tx.rollback();
  }
  EXPECT_EQ(observer.scalar<std::int64_t>("SELECT COUNT(*) FROM " + name), 1);
  observer.rollback();

  // exec_driver_sql outside a transaction commits, as on the other backends.
  observer.exec_driver_sql("INSERT INTO " + name + " VALUES (3); INSERT INTO " + name + " VALUES (4)");
  EXPECT_FALSE(observer.in_transaction());
  EXPECT_EQ(conn.scalar<std::int64_t>("SELECT COUNT(*) FROM " + name), 3);
}

TEST_F(MysqlTransactions, ReturningIdsAndCounts) {
  const auto name = table("returning");
  auto eng = engine();
  ASSERT_TRUE(eng.connect().dialect().features().supports_insert_returning);  // MariaDB >= 10.5
  auto conn = eng.connect();
  conn.exec_driver_sql("CREATE TABLE " + name +
                       " (id BIGINT AUTO_INCREMENT PRIMARY KEY, s VARCHAR(20), i INT) ENGINE=InnoDB");
  auto result = conn.execute("INSERT INTO " + name + " (s) VALUES (:a), (:b) RETURNING id, s",
                             {{"a", "first"}, {"b", "second"}});
  std::vector<std::string> seen;
  std::vector<std::int64_t> ids;
  for (const Row& row : result) {
    ids.push_back(row.get<std::int64_t>("id"));
    seen.push_back(row.get<std::string>("s"));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"first", "second"}));
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[1], ids[0] + 1);
  EXPECT_EQ(result.rows_affected(), 2);

  // last_insert_id of a multi-row INSERT is its first id (consecutive ids follow).
  auto multi = conn.execute("INSERT INTO " + name + " (s) VALUES ('x'), ('y'), ('z')");
  EXPECT_EQ(multi.rows_affected(), 3);
  EXPECT_EQ(multi.inserted_primary_key(), ids[1] + 1);
  EXPECT_EQ(conn.execute("INSERT INTO " + name + " (s) VALUES ('w')").inserted_primary_key(), ids[1] + 4);

  // UPDATE counts matched rows (CLIENT_FOUND_ROWS), also those it leaves unchanged.
  EXPECT_EQ(conn.execute("UPDATE " + name + " SET i = 7").rows_affected(), 6);
  EXPECT_EQ(conn.execute("UPDATE " + name + " SET i = 7").rows_affected(), 6);
  EXPECT_EQ(conn.execute("DELETE FROM " + name + " WHERE s = :s", {{"s", "first"}}).rows_affected(), 1);
  auto deleted = conn.execute("DELETE FROM " + name + " WHERE s = :s RETURNING id", {{"s", "x"}}).scalars<std::int64_t>();
  EXPECT_EQ(deleted, (std::vector<std::int64_t>{ids[1] + 1}));
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
