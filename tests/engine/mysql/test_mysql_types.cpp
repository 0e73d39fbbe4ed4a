// SPDX-License-Identifier: MIT
// MariaDB's own column types and values through create_engine("mysql://...") and back: NUL bytes
// kept, ENUM, strict-mode lengths, unsigned beyond int64, DECIMAL(38, 9), DATETIME(6) and
// TIMESTAMP(6) as the server prints them, JSON functions, untyped results, long values
// mid-result. Every Value type through the columns the dialect maps it to is in
// tests/dialect_suite/test_types.cpp, on every backend.
#include <string>
#include <vector>

#include "engine/server_support.hpp"

namespace crucible {
namespace {

class MysqlTypes : public testkit::ServerTypesTest<testkit::MysqlServer> {
 protected:
  void SetUp() override {
    ServerTypesTest::SetUp();
    if (IsSkipped()) return;
    create("s LONGTEXT, n DECIMAL(38, 9), p DECIMAL(12, 2), dt DATETIME(6), ts TIMESTAMP(6) NULL, v VARCHAR(20),"
           " e ENUM('a', 'b')",
           " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
  }
};

TEST_F(MysqlTypes, NulBytesAreKeptEnumsReadAndTooLongIsADataError) {
  std::string controls;
  for (int c = 0; c < 32; ++c) controls += static_cast<char>(c);  // NUL included: MariaDB keeps it
  controls += '\x7f';
  EXPECT_EQ(round_trip<std::string>("s", Value(controls)), controls);
  EXPECT_EQ(round_trip<std::string>("e", Value("b")), "b");
  // Strict mode: too long for VARCHAR(20) is an error, not a silent truncation.
  EXPECT_THROW(round_trip<std::string>("v", Value(std::string(21, 'x'))), DataError);
}

TEST_F(MysqlTypes, UnsignedBeyondInt64ComesBackAsExactText) {
  auto conn = engine_->connect();
  // BIGINT UNSIGNED beyond int64 comes back as exact text rather than wrapping.
  EXPECT_EQ(conn.scalar<std::string>("SELECT CAST(18446744073709551615 AS UNSIGNED)"), "18446744073709551615");
  EXPECT_EQ(conn.scalar<std::int64_t>("SELECT CAST(42 AS UNSIGNED)"), 42);
}

TEST_F(MysqlTypes, DecimalsKeepEveryDigit) {
  for (const char* text : {"12345678901234567890.123456789", "-0.000000001",
                           "99999999999999999999999999999.999999999"})
    EXPECT_EQ(round_trip<Decimal>("n", Value(Decimal(text))).str(), Decimal(text).str()) << text;
  EXPECT_EQ(round_trip<std::string>("n", Value(Decimal("12345678901234567890.123456789"))),
            "12345678901234567890.123456789");
  EXPECT_EQ(round_trip<std::string>("n", Value(Decimal("1.5"))), "1.500000000");  // scale kept
  EXPECT_EQ(round_trip<Decimal>("n", Value(Decimal("0"))).str(), "0.000000000");
  EXPECT_EQ(round_trip<Decimal>("p", Value(Decimal("19.99"))), Decimal("19.99"));  // Numeric(12, 2)'s type
}

// DATE, TIME(6) and DATETIME(6) values round trip in tests/dialect_suite/test_types.cpp: here, the
// text the server gives and TIMESTAMP.
TEST_F(MysqlTypes, CalendarValues) {
  const Date date{2024, 2, 29};
  const DateTime naive{date, {23, 59, 58, 123456}, false};
  EXPECT_EQ(round_trip<std::string>("dt", Value(naive)), "2024-02-29 23:59:58.123456");
  EXPECT_EQ(round_trip<std::string>("dt", Value(DateTime{date, {1, 2, 3, 0}, false})),
            "2024-02-29 01:02:03.000000");  // DATETIME(6): six digits, as the server prints them
  // An aware value is stored as its UTC fields; TIMESTAMP is an instant and reads back aware.
  const DateTime aware{{1999, 12, 31}, {23, 0, 0, 1}, true};
  EXPECT_EQ(round_trip<DateTime>("ts", Value(aware)), aware);
  EXPECT_EQ(round_trip<std::string>("ts", Value(aware)), "1999-12-31 23:00:00.000001+00:00");
  EXPECT_EQ(round_trip<DateTime>("dt", Value(aware)), (DateTime{aware.date, aware.time, false}));
  auto conn = engine_->connect();
  EXPECT_EQ(conn.scalar<std::string>("SELECT @@session.time_zone"), "+00:00");
  EXPECT_EQ(conn.scalar<std::string>("SELECT CAST('2024-01-02 03:04:05' AS DATETIME)"), "2024-01-02 03:04:05");
  EXPECT_EQ(conn.scalar<std::string>("SELECT CAST('-838:59:59.5' AS TIME(1))"), "-838:59:59.5");
}

// Uuids (CHAR(36)) and JSON documents round trip in tests/dialect_suite/test_types.cpp.
TEST_F(MysqlTypes, JsonParametersMeetJsonFunctions) {
  const Json doc = {{"name", "it's \"quoted\" \\ \xE2\x82\xAC \xF0\x9F\x98\x80"}, {"list", {1, 2.5, nullptr, true}},
                    {"nested", {{"k", "v"}}}, {"big", 9007199254740993}};
  auto conn = engine_->connect();
  EXPECT_EQ(conn.scalar<std::string>("SELECT JSON_VALUE(:doc, '$.nested.k')", {{"doc", Value(doc)}}), "v");
}

TEST_F(MysqlTypes, ValuesReadBackWithoutDeclaredTypes) {
  auto conn = engine_->connect();
  const auto row = conn.execute("SELECT CAST(1 AS SIGNED), 2.5e0, TRUE, 'x', X'FF00', NULL, 1.50,"
                                " CAST('2024-05-06' AS DATE)")
                       .one();
  EXPECT_EQ(row[0], Value(1));
  EXPECT_EQ(row[1], Value(2.5));
  EXPECT_EQ(row[2], Value(1));  // bool without a declared type: integer 0/1, as SQLite
  EXPECT_EQ(row[3], Value("x"));
  EXPECT_EQ(row[4], Value(Blob{0xff, 0x00}));
  EXPECT_TRUE(row[5].is_null());
  EXPECT_EQ(row[6], Value("1.50"));  // DECIMAL: exact text
  EXPECT_EQ(row[7], Value("2024-05-06"));
  EXPECT_EQ(row.keys().size(), 8u);
  EXPECT_EQ(row.keys()[3], "x");
}

TEST_F(MysqlTypes, LongValuesGrowTheirBuffersMidResult) {
  auto conn = engine_->connect();
  const std::vector<std::size_t> sizes = {3, 5000, 10, 70'000, 0, 200'000, 7};
  std::int64_t id = 0;
  for (std::size_t n : sizes)
    conn.execute("INSERT INTO " + name_ + " (id, s, v) VALUES (:id, :s, :v)",
                 {{"id", ++id}, {"s", std::string(n, 'a') + "\xE2\x82\xAC"}, {"v", "short"}});
  conn.commit();
  std::vector<std::size_t> seen;
  for (const Row& row : conn.execute("SELECT s, v FROM " + name_ + " ORDER BY id")) {
    const auto s = row.get<std::string>(0);
    EXPECT_EQ(s.substr(s.size() - 3), "\xE2\x82\xAC");
    EXPECT_EQ(row.get<std::string>(1), "short");
    seen.push_back(s.size() - 3);
  }
  EXPECT_EQ(seen, sizes);
}

}  // namespace
}  // namespace crucible
