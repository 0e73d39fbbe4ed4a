// SPDX-License-Identifier: MIT
// Server sessions that end under the client, on every server backend: a connection whose session
// is killed (an administrator, a crashed server process) fails its next statement and its COMMIT
// with a disconnect OperationalError, commits nothing, and the pool replaces it, with pre_ping at
// checkout before anyone sees it; a connect that the server refuses is an OperationalError too.
// SQLite runs in the process (features().in_process): there is no session to end, and it skips.
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "dialect_suite/fixture.hpp"

namespace crucible {
namespace {

class ServerSessions : public testkit::DialectSuite {
 protected:
  void SetUp() override {
    DialectSuite::SetUp();
    if (IsSkipped()) return;
    if (features().in_process) GTEST_SKIP() << "the database runs in this process: no server session to end";
    items_ = &metadata_.table(table_name("items"), Column("id", BigInteger()).primary_key().autoincrement(false));
    create_tables();
  }

  Engine server_engine(EngineOptions options) const {
    return create_engine(engine().url().to_string(false), std::move(options));
  }
  std::string insert_sql(int id) const {
    return "INSERT INTO " + items_->name() + " (id) VALUES (" + std::to_string(id) + ")";
  }
  std::int64_t rows(Engine& eng) const {
    return eng.connect().scalar<std::int64_t>("SELECT count(*) FROM " + items_->name());
  }

  // Ending a session is administration, which SQL does not standardise: the one place where
  // this file names backends. The server's id of the session behind `conn`:
  std::int64_t session_id(Connection& conn) const {
    return conn.scalar<std::int64_t>(backend() == "postgresql" ? "SELECT pg_backend_pid()" : "SELECT CONNECTION_ID()");
  }
  // Ends session `id` from a connection of its own, and returns once the server has let it go.
  void end_session(std::int64_t id) const {
    auto admin = server_engine({.pool_class = PoolClass::null_pool}).connect();
    if (backend() == "postgresql") {
      admin.execute("SELECT pg_terminate_backend(:pid, 5000)", {{"pid", id}});  // waits (PostgreSQL 14+)
      admin.commit();
      return;
    }
    admin.exec_driver_sql("KILL CONNECTION " + std::to_string(id));
    // KILL returns once the thread is flagged; wait until it has gone.
    for (int i = 0; i < 200; ++i) {
      if (admin.scalar<std::int64_t>("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = :id",
                                     {{"id", id}}) == 0)
        return;
      admin.rollback();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "session " << id << " outlived KILL CONNECTION";
  }

  const Table* items_ = nullptr;
};

TEST_P(ServerSessions, AKilledSessionIsADisconnectAndPrePingReplacesIt) {
  auto eng = server_engine({.pool_size = 1, .max_overflow = 0, .pool_pre_ping = true});
  // 1. In use: the next statement fails with a disconnect error and the pool invalidates it.
  std::int64_t id = 0;
  {
    auto conn = eng.connect();
    id = session_id(conn);
    conn.commit();
    end_session(id);
    try {
      conn.execute("SELECT 1");
      FAIL() << "a connection whose session was killed answered";
    } catch (const DBAPIError& e) {
      EXPECT_TRUE(e.is_disconnect()) << e.native_code() << " " << e.what();
      EXPECT_NE(dynamic_cast<const OperationalError*>(&e), nullptr) << e.what();
    }
  }
  std::int64_t next = 0;
  {
    auto conn = eng.connect();  // a new connection replaced the invalidated one
    next = session_id(conn);
    EXPECT_NE(next, id);
  }
  // 2. Idle in the pool: pre_ping notices at checkout and replaces it transparently.
  end_session(next);
  auto conn = eng.connect();
  EXPECT_EQ(conn.scalar<std::int64_t>("SELECT 1"), 1);
  EXPECT_NE(session_id(conn), next);
}

TEST_P(ServerSessions, ATransactionWhoseSessionIsKilledCommitsNothing) {
  auto eng = server_engine({.pool_size = 2, .max_overflow = 0});
  auto conn = eng.connect();
  conn.execute(insert_sql(1));
  const auto id = session_id(conn);
  end_session(id);
  // Whether the next call is a statement or the COMMIT, it is a typed disconnect error.
  try {
    conn.commit();
    FAIL() << "a transaction whose session was killed committed";
  } catch (const OperationalError& e) {
    EXPECT_TRUE(e.is_disconnect()) << e.native_code() << " " << e.what();
    EXPECT_FALSE(e.retryable()) << e.what();
  }
  conn.close();
  auto check = eng.connect();  // the pool was invalidated: a fresh connection
  EXPECT_NE(session_id(check), id);
  EXPECT_EQ(check.scalar<std::int64_t>("SELECT count(*) FROM " + items_->name()), 0);
}

// A driver may forget the transaction once it has seen the socket drop (libpq does): the COMMIT
// after a failed statement must still fail, never return as if the earlier INSERT had been kept.
TEST_P(ServerSessions, CommitAfterADisconnectErrorStillRaises) {
  auto eng = server_engine({.pool_size = 2, .max_overflow = 0});
  auto conn = eng.connect();
  conn.execute(insert_sql(1));
  end_session(session_id(conn));
  EXPECT_THROW(conn.execute(insert_sql(2)), OperationalError);
  try {
    conn.commit();
    FAIL() << "COMMIT after a lost connection reported success";
  } catch (const OperationalError& e) {
    EXPECT_TRUE(e.is_disconnect()) << e.native_code() << " " << e.what();
    EXPECT_EQ(e.sql(), "COMMIT");
  }
  conn.rollback();  // nothing left to roll back: quiet
  conn.close();
  EXPECT_EQ(rows(eng), 0);
}

TEST_P(ServerSessions, ABatchOnAKilledSessionIsADisconnect) {
  auto eng = server_engine({.pool_size = 1, .max_overflow = 0});
  std::vector<std::tuple<std::int64_t>> keys;
  for (std::int64_t i = 0; i < 5000; ++i) keys.emplace_back(i);
  {
    auto conn = eng.connect();
    auto tx = conn.begin();
    end_session(session_id(conn));
    try {
      conn.execute_many(text("INSERT INTO " + items_->name() + " (id) VALUES (:id)"), keys);
      FAIL() << "a connection whose session was killed took a batch";
    } catch (const DBAPIError& e) {
      EXPECT_TRUE(e.is_disconnect()) << e.what();
      EXPECT_NE(dynamic_cast<const OperationalError*>(&e), nullptr) << e.what();
    }
  }
  EXPECT_EQ(rows(eng), 0);  // on a fresh connection: the pool replaced the dead one
}

TEST_P(ServerSessions, ConnectingToAMissingDatabaseIsAnOperationalErrorNamingIt) {
  Url url = engine().url();
  url.database = "crucible_no_such_database";
  auto eng = create_engine(url.to_string(false));
  try {
    eng.connect();
    FAIL() << "connected to a database that does not exist";
  } catch (const OperationalError& e) {
    EXPECT_NE(std::string(e.what()).find("crucible_no_such_database"), std::string::npos) << e.what();
    EXPECT_EQ(e.info().backend, backend());
  }
}

CRUCIBLE_DIALECT_SUITE(ServerSessions);

}  // namespace
}  // namespace crucible
