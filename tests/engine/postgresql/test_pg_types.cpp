// SPDX-License-Identifier: MIT
// PostgreSQL's own column types and values through create_engine("postgresql://...") and back:
// NUL bytes refused, unconstrained numeric, timestamptz, json beside jsonb and its operators,
// integer parameters sent as int4, untyped results. Every Value type through the columns the
// dialect maps it to is in tests/dialect_suite/test_types.cpp, on every backend.
#include <string>

#include "engine/server_support.hpp"

namespace crucible {
namespace {

class PostgresqlTypes : public testkit::ServerTypesTest<testkit::PostgresqlServer> {
 protected:
  void SetUp() override {
    ServerTypesTest::SetUp();
    if (IsSkipped()) return;
    create("s text, n numeric, p numeric(12, 2), tz timestamptz, js json");
  }
};

TEST_F(PostgresqlTypes, NulByteIsADataErrorNotATruncation) {
  EXPECT_THROW(round_trip<std::string>("s", Value(std::string("a\0b", 3))), DataError);
}

TEST_F(PostgresqlTypes, DecimalsKeepEveryDigit) {
  for (const char* text : {"12345678901234567890.123456789", "-0.000000000000000000000000001", "0",
                           "99999999999999999999999999999999999999.5"}) {
    EXPECT_EQ(round_trip<Decimal>("n", Value(Decimal(text))).str(), Decimal(text).str()) << text;
  }
  EXPECT_EQ(round_trip<std::string>("n", Value(Decimal("1.50"))), "1.50");  // scale kept
  EXPECT_EQ(round_trip<Decimal>("p", Value(Decimal("19.99"))), Decimal("19.99"));  // Numeric(12, 2)'s type
}

// date, time and timestamp values round trip in tests/dialect_suite/test_types.cpp: here,
// timestamptz.
TEST_F(PostgresqlTypes, CalendarValues) {
  const DateTime naive{{2024, 2, 29}, {23, 59, 58, 123456}, false};
  const DateTime aware{{1999, 12, 31}, {23, 0, 0, 1}, true};
  EXPECT_EQ(round_trip<DateTime>("tz", Value(aware)), aware);
  // timestamptz text is UTC with a full offset, as the engine's readers expect.
  EXPECT_EQ(round_trip<std::string>("tz", Value(aware)), "1999-12-31 23:00:00.000001+00:00");
  auto conn = engine_->connect();
  EXPECT_EQ(conn.scalar<DateTime>("SELECT TIMESTAMPTZ '2024-06-01 12:00:00+02:00'"),
            (DateTime{{2024, 6, 1}, {10, 0, 0, 0}, true}));
  // A naive value into timestamptz is read in the session zone (UTC).
  EXPECT_EQ(round_trip<DateTime>("tz", Value(naive)), (DateTime{naive.date, naive.time, true}));
}

// Uuids (uuid) and JSON documents (jsonb) round trip in tests/dialect_suite/test_types.cpp.
TEST_F(PostgresqlTypes, JsonColumnsAndOperators) {
  const Json doc = {{"name", "it's \"quoted\" \\ \xE2\x82\xAC"}, {"list", {1, 2.5, nullptr, true}},
                    {"nested", {{"k", "v"}}}, {"big", 9007199254740993}};
  EXPECT_EQ(round_trip<Json>("js", Value(doc)), doc);  // jsonb parameter into a json column
  auto conn = engine_->connect();
  EXPECT_EQ(conn.scalar<std::string>("SELECT :doc::jsonb ->> 'name'", {{"doc", Value(doc)}}),
            "it's \"quoted\" \\ \xE2\x82\xAC");
}

TEST_F(PostgresqlTypes, IntegerParametersFitFunctionsTakingInteger) {
  // Small integers go as int4: PostgreSQL casts up (to bigint, numeric) but never down.
  auto conn = engine_->connect();
  EXPECT_EQ(conn.scalar<std::string>("SELECT substr('abcdef', :start, :n)", {{"start", 2}, {"n", 3}}), "bcd");
  EXPECT_EQ(conn.scalar<std::string>("SELECT repeat('ab', :n)", {{"n", 3}}), "ababab");
  EXPECT_EQ(conn.scalar<std::int64_t>("SELECT :big::bigint", {{"big", std::int64_t{1} << 40}}), std::int64_t{1} << 40);
  EXPECT_EQ(conn.scalar<Decimal>("SELECT :x * 1.5", {{"x", 3}}).str(), "4.5");
}

TEST_F(PostgresqlTypes, ValuesReadBackWithoutDeclaredTypes) {
  auto conn = engine_->connect();
  const auto row = conn.execute("SELECT 1::int2, 2::int4, 3::int8, 1.5::float4, true, 'x'::text, "
                                "'\\xff00'::bytea, NULL::int")
                       .one();
  EXPECT_EQ(row[0], Value(1));
  EXPECT_EQ(row[2], Value(3));
  EXPECT_EQ(row[3], Value(1.5));
  EXPECT_EQ(row[4], Value(1));  // bool without a declared type: integer 0/1, as SQLite
  EXPECT_EQ(row.get<bool>(4), true);
  EXPECT_EQ(row[5], Value("x"));
  EXPECT_EQ(row[6], Value(Blob{0xff, 0x00}));
  EXPECT_TRUE(row[7].is_null());
  EXPECT_EQ(row.keys().size(), 8u);
}

}  // namespace
}  // namespace crucible
