// SPDX-License-Identifier: MIT
// Every Value type through create_engine("mysql://...") and back, byte for byte.
#include <limits>
#include <string>
#include <vector>

#include "engine/mysql/mysql_support.hpp"

namespace crucible {
namespace {

class MysqlTypes : public testkit::MysqlTest {
 protected:
  void SetUp() override {
    testkit::MysqlTest::SetUp();
    if (IsSkipped()) return;
    name_ = table("types");
    engine_ = std::make_unique<Engine>(engine());
    auto conn = engine_->connect();
    conn.exec_driver_sql("CREATE TABLE " + name_ +
                         " (id BIGINT AUTO_INCREMENT PRIMARY KEY, s LONGTEXT, i BIGINT, f DOUBLE,"
                         " b BOOL, bl LONGBLOB, n DECIMAL(38, 9), d DATE, t TIME(6), dt DATETIME(6),"
                         " ts TIMESTAMP(6) NULL, u CHAR(36), j JSON, v VARCHAR(20), e ENUM('a', 'b'))"
                         " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
  }

  // Inserts `value` into `column` and reads it back on another pooled connection.
  template <typename T>
  T round_trip(const std::string& column, const Value& value) {
    std::int64_t id = 0;
    {
      auto conn = engine_->connect();
      id = *conn.execute("INSERT INTO " + name_ + " (" + column + ") VALUES (:v)", {{"v", value}})
                .inserted_primary_key();
      conn.commit();
    }
    auto conn = engine_->connect();
    return conn.scalar<T>("SELECT " + column + " FROM " + name_ + " WHERE id = :id", {{"id", id}});
  }

  std::string name_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(MysqlTypes, HostileStringsRoundTripByteForByte) {
  std::string controls;
  for (int c = 0; c < 32; ++c) controls += static_cast<char>(c);  // NUL included: MariaDB keeps it
  controls += '\x7f';
  const std::vector<std::string> cases = {
      "", "'", "''", "\"", "\\", "\\\\'", "\\0", "\\x00", "'; DROP TABLE users; --", "?", ":v", "`",
      "%_", controls, "emoji \xF0\x9F\x98\x80 family \xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7",
      "\xC3\xBC\xC3\xB1\xC3\xAF\xE2\x80\xA8", std::string(1 << 20, 'x') + "\xE2\x82\xAC"};
  for (const auto& s : cases) EXPECT_EQ(round_trip<std::string>("s", Value(s)), s) << "case of size " << s.size();
  EXPECT_EQ(round_trip<std::string>("v", Value("varchar \xF0\x9F\x98\x80")), "varchar \xF0\x9F\x98\x80");
  EXPECT_EQ(round_trip<std::string>("e", Value("b")), "b");
  // Strict mode: too long for VARCHAR(20) is an error, not a silent truncation.
  EXPECT_THROW(round_trip<std::string>("v", Value(std::string(21, 'x'))), DataError);
}

TEST_F(MysqlTypes, IntegersFloatsAndBooleans) {
  for (std::int64_t v : {std::numeric_limits<std::int64_t>::min(), std::int64_t{-1}, std::int64_t{0},
                         std::numeric_limits<std::int64_t>::max()})
    EXPECT_EQ(round_trip<std::int64_t>("i", Value(v)), v);
  for (double v : {0.1, -1e-300, 1.7976931348623157e308, 3.141592653589793})
    EXPECT_EQ(round_trip<double>("f", Value(v)), v);
  EXPECT_TRUE(round_trip<bool>("b", Value(true)));
  EXPECT_FALSE(round_trip<bool>("b", Value(false)));
  EXPECT_EQ(round_trip<std::optional<std::int64_t>>("i", Value()), std::nullopt);
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
}

TEST_F(MysqlTypes, CalendarValues) {
  const Date date{2024, 2, 29};
  const Time time{23, 59, 58, 123456};
  const DateTime naive{date, time, false};
  EXPECT_EQ(round_trip<Date>("d", Value(date)), date);
  EXPECT_EQ(round_trip<Time>("t", Value(time)), time);
  EXPECT_EQ(round_trip<DateTime>("dt", Value(naive)), naive);
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

TEST_F(MysqlTypes, UuidBlobAndJson) {
  const Uuid u = Uuid::random_v4();
  EXPECT_EQ(round_trip<Uuid>("u", Value(u)), u);
  EXPECT_EQ(round_trip<std::string>("u", Value(u)), u.to_string());

  Blob all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<unsigned char>(b));
  EXPECT_EQ(round_trip<Blob>("bl", Value(all)), all);
  EXPECT_EQ(round_trip<Blob>("bl", Value(Blob{})), Blob{});
  Blob big(3 << 20);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<unsigned char>(i * 7);
  EXPECT_EQ(round_trip<Blob>("bl", Value(big)), big);

  const Json doc = {{"name", "it's \"quoted\" \\ \xE2\x82\xAC \xF0\x9F\x98\x80"}, {"list", {1, 2.5, nullptr, true}},
                    {"nested", {{"k", "v"}}}, {"big", 9007199254740993}};
  EXPECT_EQ(round_trip<Json>("j", Value(doc)), doc);
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
  for (std::size_t n : sizes)
    conn.execute("INSERT INTO " + name_ + " (s, v) VALUES (:s, :v)",
                 {{"s", std::string(n, 'a') + "\xE2\x82\xAC"}, {"v", "short"}});
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

TEST_F(MysqlTypes, CompiledStatementsUseQuestionMarks) {
  MetaData metadata;
  const auto items_name = table("items");
  Table& items = metadata.table(items_name, Column("id", BigInteger()).primary_key(),
                                Column("name", String(50)).nullable(false),
                                Column("price", Numeric(12, 2)), Column("seen", DateTimeType()),
                                Column("flag", Boolean()), Column("doc", JSONType()),
                                Column("code", UUIDType()));
  create_all(*engine_, metadata);
  const auto id = items.c<std::int64_t>("id");
  const auto name = items.c<std::string>("name");
  const auto price = items.c<Decimal>("price");
  const auto flag = items.c<bool>("flag");
  auto conn = engine_->connect();
  const DateTime seen{{2020, 1, 2}, {3, 4, 5, 6}, false};
  const Uuid code = Uuid::random_v4();
  conn.execute(insert(items).values(set(id, 7), set(name, "widget"), set(price, Decimal("19.99")),
                                    set(items.c<DateTime>("seen"), seen), set(flag, true),
                                    set(items.c<Json>("doc"), Json{{"a", 1}}),
                                    set(items.c<Uuid>("code"), code)));
  const auto row = conn.execute(select(name, price, items.c<DateTime>("seen"), flag, items.c<Json>("doc"),
                                       items.c<Uuid>("code"))
                                    .where(id == 7))
                       .one();
  EXPECT_EQ(row[0], Value("widget"));
  EXPECT_EQ(row[1], Value(Decimal("19.99")));
  EXPECT_EQ(row[2], Value(seen));
  EXPECT_EQ(row[3], Value(true));  // declared Boolean: a bool Value
  EXPECT_EQ(row[4], Value(Json{{"a", 1}}));
  EXPECT_EQ(row[5], Value(code));
  std::vector<std::tuple<std::int64_t, std::string>> many;
  for (int i = 0; i < 50; ++i) many.emplace_back(1000 + i, "n" + std::to_string(i));
  EXPECT_EQ(conn.execute_many("INSERT INTO " + items_name + " (id, name) VALUES (:id, :name)", many)
                .rows_affected(),
            50);
  EXPECT_EQ(conn.scalar<std::int64_t>(select(func::count(id))), 51);
  conn.commit();
}

}  // namespace
}  // namespace crucible
