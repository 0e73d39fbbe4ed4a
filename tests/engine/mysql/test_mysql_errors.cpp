// SPDX-License-Identifier: MIT
// MariaDB errors through the engine: errno classification, deadlocks, killed connections.
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "engine/mysql/mysql_support.hpp"

namespace crucible {
namespace {

class MysqlErrors : public testkit::MysqlTest {};

TEST_F(MysqlErrors, UniqueViolationIsAnIntegrityErrorWithErrnoAndSql) {
  const auto name = table("unique");
  auto conn = engine().connect();
  conn.exec_driver_sql("CREATE TABLE " + name + " (id BIGINT PRIMARY KEY, email VARCHAR(100) UNIQUE)");
  conn.execute("INSERT INTO " + name + " VALUES (1, 'a@example.com')");
  const std::string insert = "INSERT INTO " + name + " VALUES (:id, :email)";
  try {
    conn.execute(insert, {{"id", 2}, {"email", "a@example.com"}});
    FAIL() << "duplicate accepted";
  } catch (const IntegrityError& e) {
    EXPECT_EQ(e.native_code(), 1062);
    EXPECT_EQ(e.sqlstate(), "23000");
    EXPECT_EQ(e.info().backend, "mysql");
    EXPECT_FALSE(e.retryable());
    EXPECT_FALSE(e.is_disconnect());
    const std::string message = e.what();
    EXPECT_NE(message.find("Duplicate entry"), std::string::npos) << message;
    EXPECT_NE(message.find("INSERT INTO " + name + " VALUES (?, ?)"), std::string::npos) << message;
    EXPECT_NE(message.find("a@example.com"), std::string::npos) << message;  // parameters shown
  }
  // A failed statement does not abort a MariaDB transaction: the first row is still there.
  EXPECT_EQ(conn.scalar<std::int64_t>("SELECT COUNT(*) FROM " + name), 1);
  conn.commit();
}

TEST_F(MysqlErrors, ClassifiesCommonFailures) {
  auto conn = engine().connect();
  EXPECT_THROW(conn.execute("SELEC 1"), ProgrammingError);
  EXPECT_THROW(conn.execute("SELECT * FROM crucible_missing_table"), ProgrammingError);
  EXPECT_THROW(conn.execute("SELECT no_such_column FROM DUAL"), ProgrammingError);
  const auto name = table("strict");
  conn.exec_driver_sql("CREATE TABLE " + name + " (v VARCHAR(3) NOT NULL, n TINYINT)");
  EXPECT_THROW(conn.execute("INSERT INTO " + name + " VALUES (:v, 1)", {{"v", "toolong"}}), DataError);
  EXPECT_THROW(conn.execute("INSERT INTO " + name + " VALUES ('a', :n)", {{"n", 1000}}), DataError);
  EXPECT_THROW(conn.execute("INSERT INTO " + name + " VALUES (:v, 1)", {{"v", Value()}}), IntegrityError);
  // The connection is still usable after each of them.
  EXPECT_EQ(conn.scalar<std::int64_t>("SELECT 1"), 1);
}

TEST_F(MysqlErrors, DeadlockIsARetryableOperationalError) {
  const auto name = table("deadlock");
  auto eng = engine();
  {
    auto setup = eng.connect();
    setup.exec_driver_sql("CREATE TABLE " + name + " (id INT PRIMARY KEY, v INT) ENGINE=InnoDB");
    setup.exec_driver_sql("INSERT INTO " + name + " VALUES (1, 0), (2, 0)");
  }
  auto first = eng.connect();
  auto second = eng.connect();
  const std::string update = "UPDATE " + name + " SET v = v + 1 WHERE id = :id";
  first.execute(update, {{"id", 1}});
  second.execute(update, {{"id", 2}});
  // Each now waits for the row the other holds: InnoDB picks a victim at once.
  auto crossing = std::async(std::launch::async, [&] {
    try {
      second.execute(update, {{"id", 1}});
      return std::string();
    } catch (const OperationalError& e) {
      return std::string(e.retryable() ? "retryable " : "final ") + std::to_string(e.native_code());
    }
  });
  std::string here;
  try {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    first.execute(update, {{"id", 2}});
  } catch (const OperationalError& e) {
    here = std::string(e.retryable() ? "retryable " : "final ") + std::to_string(e.native_code());
    first.rollback();  // lets the other side go on
  }
  const std::string there = crossing.get();
  if (here.empty()) {
    EXPECT_EQ(there, "retryable 1213");
  } else {
    EXPECT_EQ(here, "retryable 1213");
    EXPECT_EQ(there, "");
  }
  first.rollback();
  second.rollback();
}

TEST_F(MysqlErrors, LockWaitTimeoutIsRetryable) {
  const auto name = table("lockwait");
  auto eng = engine();
  auto first = eng.connect();
  first.exec_driver_sql("CREATE TABLE " + name + " (id INT PRIMARY KEY) ENGINE=InnoDB");
  first.exec_driver_sql("INSERT INTO " + name + " VALUES (1)");
  auto second = eng.connect();
  second.exec_driver_sql("SET SESSION innodb_lock_wait_timeout = 1");
  first.execute("SELECT id FROM " + name + " WHERE id = 1 FOR UPDATE").all();
  try {
    second.execute("DELETE FROM " + name + " WHERE id = 1");
    FAIL() << "the lock was not held";
  } catch (const OperationalError& e) {
    EXPECT_EQ(e.native_code(), 1205);
    EXPECT_TRUE(e.retryable());
    EXPECT_FALSE(e.is_disconnect());
  }
}

TEST_F(MysqlErrors, KilledConnectionIsADisconnectAndPrePingReplacesIt) {
  auto eng = engine({.pool_size = 1, .max_overflow = 0, .pool_pre_ping = true});
  auto admin = engine({.pool_class = PoolClass::null_pool});
  const auto kill = [&](std::int64_t id) {
    auto c = admin.connect();
    c.exec_driver_sql("KILL CONNECTION " + std::to_string(id));
    // KILL returns once the thread is flagged; wait until it has gone.
    for (int i = 0; i < 200; ++i) {
      if (c.scalar<std::int64_t>("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = :id",
                                 {{"id", id}}) == 0)
        break;
      c.rollback();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  };

  // 1. In use: the next statement fails with a disconnect error and the pool invalidates it.
  std::int64_t id = 0;
  {
    auto conn = eng.connect();
    id = conn.scalar<std::int64_t>("SELECT CONNECTION_ID()");
    EXPECT_EQ(static_cast<std::int64_t>(dialects::mysql_thread_id(conn.driver_connection())), id);
    conn.commit();
    kill(id);
    try {
      conn.execute("SELECT 1");
      FAIL() << "a killed connection answered";
    } catch (const DBAPIError& e) {
      EXPECT_TRUE(e.is_disconnect()) << e.native_code() << " " << e.what();
      EXPECT_NE(dynamic_cast<const OperationalError*>(&e), nullptr) << e.what();
    }
  }
  std::int64_t next = 0;
  {
    auto conn = eng.connect();  // a new connection replaced the invalidated one
    next = conn.scalar<std::int64_t>("SELECT CONNECTION_ID()");
    EXPECT_NE(next, id);
  }

  // 2. Idle in the pool: pre_ping notices at checkout and replaces it transparently.
  kill(next);
  auto conn = eng.connect();
  EXPECT_EQ(conn.scalar<std::int64_t>("SELECT 1"), 1);
  EXPECT_NE(conn.scalar<std::int64_t>("SELECT CONNECTION_ID()"), next);
}

TEST_F(MysqlErrors, ATransactionWhoseConnectionIsKilledCommitsNothing) {
  const auto name = table("killed");
  auto eng = engine({.pool_size = 2, .max_overflow = 0});
  eng.connect().exec_driver_sql("CREATE TABLE " + name + " (id INT PRIMARY KEY) ENGINE=InnoDB");
  auto conn = eng.connect();
  conn.execute("INSERT INTO " + name + " VALUES (1)");
  const auto id = conn.scalar<std::int64_t>("SELECT CONNECTION_ID()");
  {
    auto admin = engine({.pool_class = PoolClass::null_pool}).connect();
    admin.exec_driver_sql("KILL CONNECTION " + std::to_string(id));
    for (int i = 0; i < 200; ++i) {  // KILL returns once the thread is flagged
      if (admin.scalar<std::int64_t>("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = :id",
                                     {{"id", id}}) == 0)
        break;
      admin.rollback();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  // Whether the next call is a statement or the COMMIT, it is a typed disconnect error.
  try {
    conn.commit();
    FAIL() << "a transaction whose connection was killed committed";
  } catch (const OperationalError& e) {
    EXPECT_TRUE(e.is_disconnect()) << e.native_code() << " " << e.what();
    EXPECT_FALSE(e.retryable()) << e.what();
  }
  conn.close();
  auto check = eng.connect();  // the pool was invalidated: a fresh connection
  EXPECT_NE(check.scalar<std::int64_t>("SELECT CONNECTION_ID()"), id);
  EXPECT_EQ(check.scalar<std::int64_t>("SELECT COUNT(*) FROM " + name), 0);
}

TEST_F(MysqlErrors, CommitAfterADisconnectErrorStillRaises) {
  const auto name = table("killed_then_commit");
  auto eng = engine({.pool_size = 2, .max_overflow = 0});
  eng.connect().exec_driver_sql("CREATE TABLE " + name + " (id INT PRIMARY KEY) ENGINE=InnoDB");
  auto conn = eng.connect();
  conn.execute("INSERT INTO " + name + " VALUES (1)");
  const auto id = conn.scalar<std::int64_t>("SELECT CONNECTION_ID()");
  {
    auto admin = engine({.pool_class = PoolClass::null_pool}).connect();
    admin.exec_driver_sql("KILL CONNECTION " + std::to_string(id));
    for (int i = 0; i < 200; ++i) {  // KILL returns once the thread is flagged
      if (admin.scalar<std::int64_t>("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = :id",
                                     {{"id", id}}) == 0)
        break;
      admin.rollback();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  EXPECT_THROW(conn.execute("INSERT INTO " + name + " VALUES (2)"), OperationalError);
  try {
    conn.commit();
    FAIL() << "COMMIT after a lost connection reported success";
  } catch (const OperationalError& e) {
    EXPECT_TRUE(e.is_disconnect()) << e.native_code() << " " << e.what();
  }
  conn.rollback();
  conn.close();
  EXPECT_EQ(eng.connect().scalar<std::int64_t>("SELECT COUNT(*) FROM " + name), 0);
}

TEST_F(MysqlErrors, ConnectFailureIsAnOperationalError) {
  Url url = Url::parse(this->url());
  url.database = "crucible_no_such_database";
  auto eng = create_engine(url.to_string(false));
  try {
    eng.connect();
    FAIL();
  } catch (const OperationalError& e) {
    EXPECT_EQ(e.native_code(), 1049);
    EXPECT_NE(std::string(e.what()).find("crucible_no_such_database"), std::string::npos) << e.what();
  }
  url = Url::parse(this->url());
  url.password = "wrong";
  EXPECT_THROW(create_engine(url.to_string(false)).connect(), OperationalError);
}

}  // namespace
}  // namespace crucible
