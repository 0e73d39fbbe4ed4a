// SPDX-License-Identifier: MIT
// The PostgreSQL driver on its own: connecting, parameters, result decoding, the statement cache.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "engine/server_support.hpp"

namespace crucible {
namespace {

using dialects::DriverConnection;
using dialects::DriverException;

class PostgresqlDriver : public testkit::PostgresqlTest {
 protected:
  std::unique_ptr<DriverConnection> open() { return open_driver(); }
  // The single value of a one-row, one-column query, as text.
  static std::string text_of(DriverConnection& conn, std::string_view sql) {
    auto lease = conn.acquire(sql);
    EXPECT_TRUE(lease->step());
    return std::string(lease->get_text(0));
  }
};

TEST_F(PostgresqlDriver, ConnectsAndReportsServerVersion) {
  auto conn = open();
  EXPECT_EQ(conn->backend(), "postgresql");
  EXPECT_FALSE(conn->server_version().empty());
  EXPECT_NE(conn->server_version().find('.'), std::string::npos) << conn->server_version();
  EXPECT_TRUE(conn->is_alive());
  EXPECT_TRUE(conn->ping());
  EXPECT_FALSE(conn->in_transaction());
  // The session settings the result readers rely on.
  EXPECT_EQ(text_of(*conn, "SHOW TimeZone"), "UTC");
  EXPECT_EQ(text_of(*conn, "SHOW client_encoding"), "UTF8");
  EXPECT_EQ(text_of(*conn, "SELECT TIMESTAMPTZ '2024-02-29 23:30:00.25-01:00'"),
            "2024-03-01 00:30:00.25+00:00");
}

TEST_F(PostgresqlDriver, ConnectionOptionsPassThroughWithoutEscaping) {
  auto options = driver_options();
  options.parameters.emplace_back("application_name", "it's a \"test\" \\ app");
  options.parameters.emplace_back("connect_timeout", "5");
  options.parameters.emplace_back("options", "-c statement_timeout=12345");
  auto conn = dialects::open_postgresql(options);
  EXPECT_EQ(text_of(*conn, "SHOW application_name"), "it's a \"test\" \\ app");
  EXPECT_EQ(text_of(*conn, "SHOW statement_timeout"), "12345ms");
  EXPECT_EQ(text_of(*conn, "SHOW DateStyle"), "ISO, YMD");  // ours survive beside the user's
}

TEST_F(PostgresqlDriver, ConnectFailureIsADisconnectWithSqlstate08001) {
  auto options = driver_options();
  options.parameters.emplace_back("dbname", "crucible_no_such_database");
  try {
    dialects::open_postgresql(options);
    FAIL() << "connected to a database that does not exist";
  } catch (const DriverException& e) {
    EXPECT_EQ(e.info().backend, "postgresql");
    EXPECT_EQ(e.info().sqlstate, "08001");
    EXPECT_TRUE(e.info().disconnect);
    EXPECT_NE(e.info().driver_message.find("crucible_no_such_database"), std::string::npos)
        << e.info().driver_message;
  }
  options = driver_options();
  options.parameters.emplace_back("no_such_keyword", "1");
  EXPECT_THROW(dialects::open_postgresql(options), DriverException);
}

TEST_F(PostgresqlDriver, CountsParametersOutsideLiteralsCommentsAndDollarQuotes) {
  auto conn = open();
  const auto count = [&](std::string_view sql) { return conn->prepare(sql, false)->parameter_count(); };
  EXPECT_EQ(count("SELECT 1"), 0);
  EXPECT_EQ(count("SELECT $1, $2, $1"), 2);
  EXPECT_EQ(count("SELECT $3"), 3);  // as the server counts: the highest number
  EXPECT_EQ(count("SELECT '$1', $2"), 2);
  EXPECT_EQ(count("SELECT 'it''s $9', $1"), 1);
  EXPECT_EQ(count("SELECT E'\\' $7', $1"), 1);
  EXPECT_EQ(count("SELECT \"$5\" FROM t WHERE a = $1"), 1);
  EXPECT_EQ(count("SELECT $1 -- and $4\n, $2"), 2);
  EXPECT_EQ(count("SELECT /* $4 /* nested $5 */ still $6 */ $1"), 1);
  EXPECT_EQ(count("SELECT $$ $8 $$, $tag$ $9 $tag$, $1"), 1);
  EXPECT_EQ(count("SELECT a$1 FROM t"), 0);  // '$' inside an identifier
}

TEST_F(PostgresqlDriver, TypedParametersAndDecodedColumns) {
  auto conn = open();
  auto lease = conn->acquire(std::string_view("SELECT $1, $2, $3, $4, $5, $6, $7"));
  ASSERT_EQ(lease->parameter_count(), 7);
  lease->bind(0, Value(std::int64_t{-9223372036854775807 - 1}));
  lease->bind(1, Value(0.1));
  lease->bind(2, Value(true));
  lease->bind(3, Value(Blob{0, 1, 254, 255}));
  lease->bind(4, Value(Decimal("-0.000000000000000000001")));
  lease->bind(5, Value());
  lease->bind_text(6, "text");
  ASSERT_TRUE(lease->step());
  EXPECT_EQ(lease->column_count(), 7);
  EXPECT_EQ(lease->column_type(0), CellKind::integer);
  EXPECT_EQ(lease->get_int64(0), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(lease->column_type(1), CellKind::real);
  EXPECT_EQ(lease->get_double(1), 0.1);
  EXPECT_EQ(lease->column_type(2), CellKind::integer);
  EXPECT_EQ(lease->get_int64(2), 1);
  EXPECT_EQ(lease->column_type(3), CellKind::blob);
  const auto blob = lease->get_blob(3);
  EXPECT_EQ(std::vector<unsigned char>(blob.begin(), blob.end()), (std::vector<unsigned char>{0, 1, 254, 255}));
  EXPECT_EQ(lease->get_text(4), "-0.000000000000000000001");
  EXPECT_TRUE(lease->is_null(5));
  EXPECT_EQ(lease->get_text(6), "text");
  EXPECT_FALSE(lease->step());
}

TEST_F(PostgresqlDriver, SpecialFloatsRoundTrip) {
  auto conn = open();
  auto lease = conn->acquire(std::string_view("SELECT $1::float8"));
  for (double v : {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                   std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max(),
                   -0.0, 1e-300, 123456789.123456789}) {
    lease->reset();
    lease->bind_double(0, v);
    ASSERT_TRUE(lease->step());
    EXPECT_EQ(lease->get_double(0), v);
  }
  lease->reset();
  lease->bind_double(0, std::numeric_limits<double>::quiet_NaN());
  ASSERT_TRUE(lease->step());
  EXPECT_TRUE(std::isnan(lease->get_double(0)));
}

TEST_F(PostgresqlDriver, RepreparesWhenParameterTypesChange) {
  auto conn = open();
  auto lease = conn->acquire(std::string_view("SELECT $1"));
  lease->bind(0, Value(42));
  ASSERT_TRUE(lease->step());
  EXPECT_EQ(lease->column_type(0), CellKind::integer);
  lease.release();
  lease = conn->acquire(std::string_view("SELECT $1"));
  lease->bind(0, Value(2.5));  // a float8 would not parse as the int8 prepared before
  ASSERT_TRUE(lease->step());
  EXPECT_EQ(lease->column_type(0), CellKind::real);
  EXPECT_EQ(lease->get_double(0), 2.5);
  lease.release();
  EXPECT_EQ(conn->statements_prepared(), 1u);  // one cache entry, prepared twice server-side
  EXPECT_EQ(text_of(*conn, "SELECT count(*) FROM pg_prepared_statements WHERE statement = 'SELECT $1'"), "1");
}

TEST_F(PostgresqlDriver, IntegerSlotsWidenOnceAndStayWide) {
  auto conn = open();
  const std::string sql = "SELECT $1 + 0";
  for (std::int64_t v : {std::int64_t{5}, std::int64_t{50'000'000'000}, std::int64_t{5}, std::int64_t{-7}}) {
    auto lease = conn->acquire(std::string_view(sql));
    lease->bind_int64(0, v);
    ASSERT_TRUE(lease->step());
    EXPECT_EQ(lease->get_int64(0), v);
  }
  // int4 first, then int8 once; small values afterwards fit the int8 slot without re-preparing.
  EXPECT_EQ(text_of(*conn, "SELECT string_agg(parameter_types::text, ',') FROM pg_prepared_statements "
                           "WHERE statement = '" + sql + "'"),
            "{bigint}");
}

TEST_F(PostgresqlDriver, EvictedStatementsAreDeallocated) {
  auto conn = open();
  conn->set_statement_cache_size(3);
  for (int i = 0; i < 10; ++i) {
    auto lease = conn->acquire(std::string_view("SELECT " + std::to_string(i)));
    ASSERT_TRUE(lease->step());
  }
  // Cached: 3 entries; the 4th query below evicts one more, and is itself private.
  conn->set_statement_cache_size(0);
  EXPECT_EQ(text_of(*conn, "SELECT count(*) FROM pg_prepared_statements"), "3");
}

TEST_F(PostgresqlDriver, SurvivesDiscardAll) {
  auto conn = open();
  auto once = [&] {
    auto lease = conn->acquire(std::string_view("SELECT $1::int + 1"));
    lease->bind_int64(0, 41);
    EXPECT_TRUE(lease->step());
    return lease->get_int64(0);
  };
  EXPECT_EQ(once(), 42);
  conn->exec("DEALLOCATE ALL");  // the server forgets our statement; the driver re-prepares
  EXPECT_EQ(once(), 42);
}

// libpq sends text up to its first NUL: the driver must refuse such a value (22021), not cut it.
template <typename Statement>
void expect_nul_refused(Statement& statement) {
  try {
    statement.step();
    FAIL() << "a NUL byte was accepted";
  } catch (const DriverException& e) {
    EXPECT_EQ(e.info().sqlstate, "22021");
  }
}

TEST_F(PostgresqlDriver, NulBytesInTextAreRefusedNotTruncated) {
  auto conn = open();
  auto lease = conn->acquire(std::string_view("SELECT $1::text"));
  lease->bind(0, Value(std::string("a\0b", 3)));
  expect_nul_refused(*lease);
  lease->reset();
  lease->bind(0, Value("ab"));  // rebinding clears the fault
  ASSERT_TRUE(lease->step());
  EXPECT_EQ(lease->get_text(0), "ab");
}

TEST_F(PostgresqlDriver, BorrowedStringsGoAsTheyAreAndNulBytesAreRefused) {
  auto conn = open();
  auto lease = conn->acquire(std::string_view("SELECT $1::text, length($1::text)"));
  const std::string text = "h\xC3\xA9llo, 'world' \\ $1";
  lease->bind_string(0, text);
  ASSERT_TRUE(lease->step());
  EXPECT_EQ(lease->get_text(0), text);
  EXPECT_EQ(lease->get_int64(1), 19);
  lease->reset();
  const std::string nul("a\0b", 3);
  lease->bind_string(0, nul);
  expect_nul_refused(*lease);
  lease->reset();
  const std::string empty;
  lease->bind_string(0, empty);
  ASSERT_TRUE(lease->step());
  EXPECT_EQ(lease->get_text(0), "");
  EXPECT_FALSE(lease->is_null(0));
}

TEST_F(PostgresqlDriver, ServerErrorsCarrySqlstateAndPrimaryMessage) {
  auto conn = open();
  try {
    conn->exec("SELECT * FROM crucible_no_such_table");
    FAIL();
  } catch (const DriverException& e) {
    EXPECT_EQ(e.info().sqlstate, "42P01");
    EXPECT_EQ(e.info().driver_message, "relation \"crucible_no_such_table\" does not exist");
    EXPECT_FALSE(e.info().disconnect);
  }
  auto lease = conn->acquire(std::string_view("SELECT 1/$1::int"));
  lease->bind_int64(0, 0);
  try {
    lease->step();
    FAIL();
  } catch (const DriverException& e) {
    EXPECT_EQ(e.info().sqlstate, "22012");
  }
  EXPECT_TRUE(conn->ping());
}

TEST_F(PostgresqlDriver, TransactionsAndChanges) {
  const auto name = table("driver_tx");
  auto conn = open();
  conn->exec("CREATE TABLE " + name + " (id bigint PRIMARY KEY, v text)");
  conn->begin();
  EXPECT_TRUE(conn->in_transaction());
  auto insert = conn->acquire(std::string_view("INSERT INTO " + name + " VALUES ($1, $2), ($1 + 1, $2)"));
  insert->bind_int64(0, 1);
  insert->bind_text(1, "x");
  EXPECT_FALSE(insert->step());
  EXPECT_EQ(insert->changes(), 2);
  EXPECT_EQ(insert->column_count(), 0);
  insert.release();
  conn->savepoint("sp");
  conn->exec("DELETE FROM " + name);
  conn->rollback_to_savepoint("sp");
  conn->release_savepoint("sp");
  conn->commit();
  EXPECT_FALSE(conn->in_transaction());
  EXPECT_EQ(text_of(*conn, "SELECT count(*) FROM " + name), "2");
  EXPECT_EQ(conn->last_insert_id(), std::nullopt);  // PostgreSQL has none: RETURNING gives keys
  conn->close();
  EXPECT_FALSE(conn->is_alive());
  EXPECT_FALSE(conn->ping());
  EXPECT_THROW(conn->exec("SELECT 1"), DriverException);
}

}  // namespace
}  // namespace crucible
