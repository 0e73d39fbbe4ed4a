// SPDX-License-Identifier: MIT
// Every Value type through a typed column of its SQL type and back, on every backend.
#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "dialect_suite/fixture.hpp"

namespace suite_types {
enum class Mood { happy, sad, quoted };
}
template <>
struct crucible::EnumNames<suite_types::Mood> {
  // A label with a quote and a space: the ENUM / CHECK DDL must quote it.
  static constexpr std::array names{"happy", "sad", "it's so-so"};
};

namespace crucible {
namespace {

using suite_types::Mood;

class TypesRoundTrip : public testkit::DialectSuite {
 protected:
  void SetUp() override {
    DialectSuite::SetUp();
    if (IsSkipped()) return;
    types_ = &metadata_.table(
        table_name("types"), Column("id", BigInteger()).primary_key().autoincrement(false), Column("b", Boolean()),
        Column("i16", SmallInteger()), Column("i32", Integer()), Column("i64", BigInteger()), Column("f32", Float()),
        Column("f64", Double()), Column("num", Numeric(10, 2)), Column("dec_text", String(80)),
        Column("s", String(200)), Column("txt", Text()), Column("day", DateType()), Column("tod", TimeType()),
        Column("ts", DateTimeType()), Column("tsz", DateTimeType(true)), Column("mood", Enum<Mood>("suite_mood")),
        Column("doc", JSONType()), Column("u", UUIDType()), Column("bin", LargeBinary()));
    create_tables();
  }

  // Inserts `value` into `column` of a new row (typed set()) and reads it back with a typed
  // select on a fresh connection.
  template <typename T>
  T round_trip(const std::string& column, const T& value) {
    const std::int64_t key = ++next_id_;
    const auto id = types_->c<std::int64_t>("id");
    const auto col = types_->c<T>(column);
    {
      auto conn = engine().connect();
      conn.execute(insert(*types_).values(set(id, key), set(col, value)));
      conn.commit();
    }
    auto conn = engine().connect();
    return conn.scalar<T>(select(col).where(id == key));
  }

  const Table* types_ = nullptr;
  std::int64_t next_id_ = 0;
};

TEST_P(TypesRoundTrip, Booleans) {
  EXPECT_TRUE(round_trip<bool>("b", true));
  EXPECT_FALSE(round_trip<bool>("b", false));
}

TEST_P(TypesRoundTrip, IntegerLimits) {
  for (std::int16_t v : {std::numeric_limits<std::int16_t>::min(), std::int16_t{-1}, std::int16_t{0},
                         std::numeric_limits<std::int16_t>::max()})
    EXPECT_EQ(round_trip<std::int16_t>("i16", v), v);
  for (std::int32_t v : {std::numeric_limits<std::int32_t>::min(), 0, std::numeric_limits<std::int32_t>::max()})
    EXPECT_EQ(round_trip<std::int32_t>("i32", v), v);
  for (std::int64_t v : {std::numeric_limits<std::int64_t>::min(), std::int64_t{-1}, std::int64_t{0},
                         std::numeric_limits<std::int64_t>::max()})
    EXPECT_EQ(round_trip<std::int64_t>("i64", v), v);
}

// The same values as untyped Values through text SQL with named parameters, as an application
// writing its own SQL sends them.
TEST_P(TypesRoundTrip, ValuesThroughTextSqlAndNamedParameters) {
  const auto through_text = [&](const std::string& column, const Value& value) {
    const std::int64_t key = ++next_id_;
    {
      auto conn = engine().connect();
      conn.execute("INSERT INTO " + types_->name() + " (id, " + column + ") VALUES (:id, :v)",
                   {{"id", key}, {"v", value}});
      conn.commit();
    }
    auto conn = engine().connect();
    return conn.execute("SELECT " + column + " FROM " + types_->name() + " WHERE id = :id", {{"id", key}}).one();
  };
  for (std::int64_t v : {std::numeric_limits<std::int64_t>::min(), std::int64_t{-1}, std::int64_t{0},
                         std::numeric_limits<std::int64_t>::max()})
    EXPECT_EQ(through_text("i64", Value(v)).get<std::int64_t>(0), v);
  for (double v : {0.1, -1e-300, 1.7976931348623157e308, 3.141592653589793})
    EXPECT_EQ(through_text("f64", Value(v)).get<double>(0), v);
  EXPECT_TRUE(through_text("b", Value(true)).get<bool>(0));
  EXPECT_FALSE(through_text("b", Value(false)).get<bool>(0));
  EXPECT_EQ(through_text("i64", Value()).get<std::optional<std::int64_t>>(0), std::nullopt);
}

TEST_P(TypesRoundTrip, WrongWidthReadIsATypeError) {
  round_trip<std::int64_t>("i64", std::int64_t{1} << 40);
  auto conn = engine().connect();
  const auto i64 = types_->c<std::int64_t>("i64");
  Row row = conn.execute(select(i64)).one();
  EXPECT_THROW(row.get<std::int16_t>(0), TypeError);
  EXPECT_THROW(row.get<std::string>(0), TypeError);
}

TEST_P(TypesRoundTrip, FloatsAndDoubles) {
  for (float v : {0.0f, 1.25f, -0.15625f, 3.14159274f, 1.0e-10f, -3.0e38f}) EXPECT_EQ(round_trip<float>("f32", v), v);
  for (double v : {0.1, -1e-300, 3.141592653589793, 1.7976931348623157e308, -2.2250738585072014e-308})
    EXPECT_EQ(round_trip<double>("f64", v), v);
}

TEST_P(TypesRoundTrip, DecimalModestValueInNumericColumn) {
  // Numeric keeps a modest value on every backend (SQLite's NUMERIC affinity would turn more
  // digits into a binary double: see DecimalExactThroughStringColumn).
  for (const char* text : {"-1234.25", "0.05", "99999999.99"}) {
    const Decimal got = round_trip<Decimal>("num", Decimal(text));
    EXPECT_EQ(got.to_double(), Decimal(text).to_double()) << text << " came back as " << got.str();
  }
}

TEST_P(TypesRoundTrip, DecimalExactThroughStringColumn) {
  // Every digit survives on every backend when the decimal text goes through a String column.
  const Decimal exact("-12345678901234567890.123456789012345678");
  const std::string stored = round_trip<std::string>("dec_text", exact.str());
  EXPECT_EQ(stored, exact.str());
  auto conn = engine().connect();
  const auto dec_text = types_->c<std::string>("dec_text");
  EXPECT_EQ(conn.execute(select(dec_text)).one().get<Decimal>(0), exact);
}

TEST_P(TypesRoundTrip, StringsAndText) {
  EXPECT_EQ(round_trip<std::string>("s", ""), "");
  EXPECT_EQ(round_trip<std::string>("s", "plain"), "plain");
  EXPECT_EQ(round_trip<std::string>("s", std::string(200, 'z')), std::string(200, 'z'));
  EXPECT_EQ(round_trip<std::string>("s", "varchar ok"), "varchar ok");
  EXPECT_EQ(round_trip<std::string>("s", "varchar \xF0\x9F\x98\x80"), "varchar \xF0\x9F\x98\x80");  // 4 UTF-8 bytes
  const std::string big(100'000, 'q');
  EXPECT_EQ(round_trip<std::string>("txt", big), big);
}

TEST_P(TypesRoundTrip, DatesTimesAndDateTimes) {
  for (Date d : {Date{2024, 2, 29}, Date{1000, 1, 1}, Date{9999, 12, 31}, Date{1970, 1, 1}})
    EXPECT_EQ(round_trip<Date>("day", d), d) << d.to_string();
  for (Time t : {Time{0, 0, 0, 0}, Time{23, 59, 59, 999999}, Time{12, 0, 0, 1}, Time{7, 8, 9, 500000},
                 Time{23, 59, 58, 123456}})
    EXPECT_EQ(round_trip<Time>("tod", t), t) << t.to_string();
  const DateTime naive{{2024, 2, 29}, {23, 59, 58, 123456}, false};
  const DateTime naive_whole{{1999, 1, 2}, {3, 4, 5, 0}, false};
  EXPECT_EQ(round_trip<DateTime>("ts", naive), naive);
  EXPECT_EQ(round_trip<DateTime>("ts", naive_whole), naive_whole);
  const DateTime aware{{1999, 12, 31}, {23, 0, 0, 1}, true};
  const DateTime got = round_trip<DateTime>("tsz", aware);
  EXPECT_EQ(got.to_string(), aware.to_string());  // the text shows the UTC flag as "+00:00"
  EXPECT_TRUE(got.utc);
}

TEST_P(TypesRoundTrip, Enums) {
  for (Mood m : {Mood::happy, Mood::sad, Mood::quoted}) EXPECT_EQ(round_trip<Mood>("mood", m), m);
  auto conn = engine().connect();
  const auto mood = types_->c<Mood>("mood");
  EXPECT_EQ(conn.execute(select(mood).where(mood == Mood::quoted)).scalars<Mood>(), std::vector<Mood>{Mood::quoted});
}

TEST_P(TypesRoundTrip, JsonDocuments) {
  const Json doc = {{"name", "it's \"quoted\" \\ \xE2\x82\xAC \xF0\x9F\x98\x80"},
                    {"list", {1, 2.5, nullptr, true, "x"}},
                    {"nested", {{"k", {{"deeper", Json::array()}}}}},
                    {"big", 9007199254740993}};
  EXPECT_EQ(round_trip<Json>("doc", doc), doc);
  const Json flat = {{"name", "it's \"quoted\" \\ \xE2\x82\xAC"}, {"list", {1, 2.5, nullptr, true}},
                     {"nested", {{"k", "v"}}}, {"big", 9007199254740993}};
  EXPECT_EQ(round_trip<Json>("doc", flat), flat);
  Json with_emoji = flat;
  with_emoji["name"] = "it's \"quoted\" \\ \xE2\x82\xAC \xF0\x9F\x98\x80";
  EXPECT_EQ(round_trip<Json>("doc", with_emoji), with_emoji);
  EXPECT_EQ(round_trip<Json>("doc", Json::array({1, "two"})), Json::array({1, "two"}));
  EXPECT_EQ(round_trip<Json>("doc", Json("scalar string")), Json("scalar string"));
}

TEST_P(TypesRoundTrip, Uuids) {
  const Uuid u = Uuid::random_v4();
  EXPECT_EQ(round_trip<Uuid>("u", u), u);
  // Untyped, through text SQL: the canonical text, whether the column is CHAR(36) or a native uuid.
  {
    auto conn = engine().connect();
    EXPECT_EQ(conn.scalar<std::string>("SELECT u FROM " + types_->name() + " WHERE id = :id", {{"id", next_id_}}),
              u.to_string());
    conn.rollback();  // SQLite: the reading transaction would hold off the next writer
  }
  const Uuid zero{};
  EXPECT_EQ(round_trip<Uuid>("u", zero), zero);
}

TEST_P(TypesRoundTrip, BinaryWithEveryByteValue) {
  Blob all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<unsigned char>(b));
  EXPECT_EQ(round_trip<Blob>("bin", all), all);
  Blob reversed(all.rbegin(), all.rend());
  EXPECT_EQ(round_trip<Blob>("bin", reversed), reversed);
  EXPECT_EQ(round_trip<Blob>("bin", Blob{}), Blob{});
  Blob big(3 << 20);  // 3 MB: more than a 16-bit or 24-bit length holds
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<unsigned char>(i * 7);
  EXPECT_EQ(round_trip<Blob>("bin", big), big);
}

TEST_P(TypesRoundTrip, NullsThroughOptional) {
  const auto id = types_->c<std::int64_t>("id");
  auto conn = engine().connect();
  conn.execute(insert(*types_).values(set(id, std::int64_t{1000})));
  conn.commit();
  auto row = conn.execute(select(*types_).where(id == 1000)).one();
  EXPECT_EQ(row.get<std::optional<bool>>("b"), std::nullopt);
  EXPECT_EQ(row.get<std::optional<std::int16_t>>("i16"), std::nullopt);
  EXPECT_EQ(row.get<std::optional<std::int32_t>>("i32"), std::nullopt);
  EXPECT_EQ(row.get<std::optional<std::int64_t>>("i64"), std::nullopt);
  EXPECT_EQ(row.get<std::optional<float>>("f32"), std::nullopt);
  EXPECT_EQ(row.get<std::optional<double>>("f64"), std::nullopt);
  EXPECT_EQ(row.get<std::optional<Decimal>>("num"), std::nullopt);
  EXPECT_EQ(row.get<std::optional<std::string>>("s"), std::nullopt);
  EXPECT_EQ(row.get<std::optional<std::string>>("txt"), std::nullopt);
  EXPECT_EQ(row.get<std::optional<Date>>("day"), std::nullopt);
  EXPECT_EQ(row.get<std::optional<Time>>("tod"), std::nullopt);
  EXPECT_EQ(row.get<std::optional<DateTime>>("ts"), std::nullopt);
  EXPECT_EQ(row.get<std::optional<DateTime>>("tsz"), std::nullopt);
  EXPECT_EQ(row.get<std::optional<Mood>>("mood"), std::nullopt);
  EXPECT_EQ(row.get<std::optional<Json>>("doc"), std::nullopt);
  EXPECT_EQ(row.get<std::optional<Uuid>>("u"), std::nullopt);
  EXPECT_EQ(row.get<std::optional<Blob>>("bin"), std::nullopt);
  EXPECT_THROW(row.get<std::int64_t>("i64"), TypeError);  // NULL into a non-optional type

  // Setting a NULL through an optional handle, and back to a value.
  const auto s = types_->c<std::optional<std::string>>("s");
  conn.execute(update(*types_).values(set(s, std::optional<std::string>("x"))).where(id == 1000));
  EXPECT_EQ(conn.scalar<std::optional<std::string>>(select(s).where(id == 1000)), "x");
  conn.execute(update(*types_).values(set(s, std::optional<std::string>())).where(id == 1000));
  EXPECT_EQ(conn.scalar<std::optional<std::string>>(select(s).where(id == 1000)), std::nullopt);
  EXPECT_EQ(conn.scalar<std::int64_t>(select(func::count()).select_from(*types_).where(s == null)), 1);
}

TEST_P(TypesRoundTrip, AllTypesInOneTypedRow) {
  const auto id = types_->c<std::int64_t>("id");
  const Uuid u = Uuid::random_v4();
  const DateTime ts{{2020, 5, 6}, {7, 8, 9, 10}, false};
  auto conn = engine().connect();
  conn.execute(insert(*types_).values(
      set(id, std::int64_t{7}), set(types_->c<bool>("b"), true), set(types_->c<std::int16_t>("i16"), std::int16_t{-7}),
      set(types_->c<std::int32_t>("i32"), 70000), set(types_->c<std::int64_t>("i64"), std::int64_t{1} << 50),
      set(types_->c<double>("f64"), 2.5), set(types_->c<std::string>("s"), "s"),
      set(types_->c<Date>("day"), Date{2020, 5, 6}), set(types_->c<DateTime>("ts"), ts),
      set(types_->c<Mood>("mood"), Mood::sad), set(types_->c<Uuid>("u"), u)));
  conn.commit();
  const auto stmt =
      select(types_->c<bool>("b"), types_->c<std::int16_t>("i16"), types_->c<std::int32_t>("i32"),
             types_->c<std::int64_t>("i64"), types_->c<double>("f64"), types_->c<std::string>("s"),
             types_->c<Date>("day"), types_->c<DateTime>("ts"), types_->c<Mood>("mood"), types_->c<Uuid>("u"))
          .where(id == 7)
          .as<bool, std::int16_t, std::int32_t, std::int64_t, double, std::string, Date, DateTime, Mood, Uuid>();
  const auto rows =
      conn.execute(stmt)
          .as<bool, std::int16_t, std::int32_t, std::int64_t, double, std::string, Date, DateTime, Mood, Uuid>()
          .all();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], std::make_tuple(true, std::int16_t{-7}, 70000, std::int64_t{1} << 50, 2.5, std::string("s"),
                                     Date{2020, 5, 6}, ts, Mood::sad, u));
}

// An element as it compares after a round trip: a Decimal by value (NUMERIC may drop trailing
// zeros), a DateTime by its text (which shows the UTC flag), text as a std::string, a Value as
// the Value it is.
template <typename T>
auto comparable(const T& v) {
  if constexpr (std::is_same_v<T, Decimal>) return v.to_double();
  else if constexpr (std::is_same_v<T, DateTime>) return v.to_string();
  else if constexpr (std::is_same_v<T, std::string_view>) return std::string(v);
  else if constexpr (std::is_same_v<T, std::int64_t>) return Value(v);
  else return v;
}

// execute_many over tuples binds each element by its C++ type, without a Value for most: every
// kind of element, in a transaction (PostgreSQL and MariaDB batch it) and in autocommit (one
// execution per set everywhere), must read back as it went in.
TEST_P(TypesRoundTrip, EveryElementTypeThroughExecuteManyTuples) {
  const auto id = types_->c<std::int64_t>("id");
  using Row = std::tuple<std::int64_t, bool, std::int16_t, std::int32_t, double, Decimal, std::string, std::string_view,
                         Date, Time, DateTime, DateTime, Mood, Json, Uuid, Blob, std::optional<std::string>, Value>;
  const auto rows_from = [](std::int64_t first) {
    std::vector<Row> rows;
    for (std::int64_t k = first; k < first + 4; ++k) {
      const auto i = static_cast<int>(k - first);
      rows.emplace_back(k, i % 2 == 0, static_cast<std::int16_t>(-i), 70000 + i, 0.25 * i, Decimal("12.3" + std::to_string(i)),
                        "s" + std::to_string(i), i % 2 ? std::string_view("odd") : std::string_view(""),
                        Date{2024, 2, 28u + static_cast<unsigned>(i % 2)}, Time{1, 2, 3, static_cast<std::uint32_t>(i)},
                        DateTime{{2020, 5, 6}, {7, 8, 9, 10}, false}, DateTime{{1999, 12, 31}, {23, 0, 0, 1}, true},
                        i % 2 ? Mood::quoted : Mood::happy, Json{{"k", i}}, Uuid::random_v4(),
                        i == 0 ? Blob{} : Blob(static_cast<std::size_t>(i), 0xAB),
                        i % 2 ? std::optional<std::string>() : std::optional<std::string>("set"), Value(std::int64_t{i}));
    }
    return rows;
  };
  const auto stmt = insert(*types_).values(
      set(id, bindparam<std::int64_t>("id")), set(types_->c<bool>("b"), bindparam<bool>("b")),
      set(types_->c<std::int16_t>("i16"), bindparam<std::int16_t>("i16")),
      set(types_->c<std::int32_t>("i32"), bindparam<std::int32_t>("i32")),
      set(types_->c<double>("f64"), bindparam<double>("f64")), set(types_->c<Decimal>("num"), bindparam<Decimal>("num")),
      set(types_->c<std::string>("s"), bindparam<std::string>("s")),
      set(types_->c<std::string>("txt"), bindparam<std::string>("txt")), set(types_->c<Date>("day"), bindparam<Date>("day")),
      set(types_->c<Time>("tod"), bindparam<Time>("tod")), set(types_->c<DateTime>("ts"), bindparam<DateTime>("ts")),
      set(types_->c<DateTime>("tsz"), bindparam<DateTime>("tsz")), set(types_->c<Mood>("mood"), bindparam<Mood>("mood")),
      set(types_->c<Json>("doc"), bindparam<Json>("doc")), set(types_->c<Uuid>("u"), bindparam<Uuid>("u")),
      set(types_->c<Blob>("bin"), bindparam<Blob>("bin")),
      set(types_->c<std::optional<std::string>>("dec_text"), bindparam<std::optional<std::string>>("dec_text")),
      set(types_->c<std::int64_t>("i64"), bindparam<std::int64_t>("i64")));
  const std::vector<Row> in_transaction = rows_from(1);
  const std::vector<Row> autocommitted = rows_from(11);
  {
    auto conn = engine().connect();
    EXPECT_EQ(conn.execute_many(stmt, in_transaction).rows_affected(), 4);
    conn.commit();
  }
  {
    auto conn = engine().connect();
    conn.set_isolation_level(IsolationLevel::autocommit);
    EXPECT_EQ(conn.execute_many(stmt, autocommitted).rows_affected(), 4);
  }
  auto conn = engine().connect();
  const auto back =
      conn.execute(select(id, types_->c<bool>("b"), types_->c<std::int16_t>("i16"), types_->c<std::int32_t>("i32"),
                          types_->c<double>("f64"), types_->c<Decimal>("num"), types_->c<std::string>("s"),
                          types_->c<std::string>("txt"), types_->c<Date>("day"), types_->c<Time>("tod"),
                          types_->c<DateTime>("ts"), types_->c<DateTime>("tsz"), types_->c<Mood>("mood"),
                          types_->c<Json>("doc"), types_->c<Uuid>("u"), types_->c<Blob>("bin"),
                          types_->c<std::optional<std::string>>("dec_text"), types_->c<std::int64_t>("i64"))
                       .order_by(id))
          .as<std::int64_t, bool, std::int16_t, std::int32_t, double, Decimal, std::string, std::string, Date, Time,
              DateTime, DateTime, Mood, Json, Uuid, Blob, std::optional<std::string>, std::int64_t>()
          .all();
  std::vector<Row> expected = in_transaction;
  expected.insert(expected.end(), autocommitted.begin(), autocommitted.end());
  ASSERT_EQ(back.size(), expected.size());
  for (std::size_t r = 0; r < back.size(); ++r) {
    const Row& want = expected[r];
    const auto& got = back[r];
    SCOPED_TRACE("row " + std::to_string(std::get<0>(want)));
    const auto check = [&](auto element) {
      constexpr std::size_t i = decltype(element)::value;
      EXPECT_EQ(comparable(std::get<i>(got)), comparable(std::get<i>(want))) << "element " << i;
    };
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (check(std::integral_constant<std::size_t, I>{}), ...);
    }(std::make_index_sequence<std::tuple_size_v<Row>>{});
  }
}

TEST_P(TypesRoundTrip, TypedValuesInWhereClauses) {
  const auto id = types_->c<std::int64_t>("id");
  const auto b = types_->c<std::optional<bool>>("b");
  const auto day = types_->c<std::optional<Date>>("day");
  const auto ts = types_->c<std::optional<DateTime>>("ts");
  const auto u = types_->c<std::optional<Uuid>>("u");
  const auto bin = types_->c<std::optional<Blob>>("bin");
  const auto num = types_->c<std::optional<Decimal>>("num");
  const auto mood = types_->c<std::optional<Mood>>("mood");
  const Uuid u1 = Uuid::random_v4(), u2 = Uuid::random_v4();
  const Blob blob1{0, 1, 2, 255}, blob2{'a', 0, 'b'};
  auto conn = engine().connect();
  using Seed = std::tuple<std::int64_t, bool, Date, DateTime, Uuid, Blob, Decimal, Mood>;
  for (const auto& [key, flag, d, t, uuid, bytes, dec, m] : std::vector<Seed>{
           {1,
            true,
            {2024, 1, 31},
            {{2024, 1, 31}, {23, 59, 59, 999999}, false},
            u1,
            blob1,
            Decimal("1.25"),
            Mood::happy},
           {2, false, {2024, 2, 1}, {{2024, 2, 1}, {0, 0, 0, 0}, false}, u2, blob2, Decimal("-3.50"), Mood::sad},
           {3,
            true,
            {2023, 12, 31},
            {{2023, 12, 31}, {12, 0, 0, 1}, false},
            Uuid{},
            Blob{},
            Decimal("0.00"),
            Mood::quoted}})
    conn.execute(insert(*types_).values(set(id, key), set(b, flag), set(day, d), set(ts, t), set(u, uuid),
                                        set(bin, bytes), set(num, dec), set(mood, m)));
  conn.commit();
  const auto ids = [&](const Expr<bool>& condition) {
    return conn.execute(select(id).where(condition).order_by(id)).scalars<std::int64_t>();
  };
  using Ids = std::vector<std::int64_t>;
  EXPECT_EQ(ids(b == true), (Ids{1, 3}));
  EXPECT_EQ(ids(b == false), (Ids{2}));
  EXPECT_EQ(ids(day >= Date{2024, 1, 1}), (Ids{1, 2}));
  EXPECT_EQ(ids(day.between(Date{2024, 1, 31}, Date{2024, 1, 31})), (Ids{1}));
  EXPECT_EQ(ids(ts > DateTime{{2024, 1, 31}, {23, 59, 59, 999998}, false}), (Ids{1, 2}));
  EXPECT_EQ(conn.execute(select(id).order_by(ts.desc())).scalars<std::int64_t>(), (Ids{2, 1, 3}));
  EXPECT_EQ(ids(u == u2), (Ids{2}));
  EXPECT_EQ(ids(bin == blob1), (Ids{1}));
  EXPECT_EQ(ids(num == Decimal("-3.5")), (Ids{2}));
  EXPECT_EQ(ids(num > Decimal("0")), (Ids{1}));
  EXPECT_EQ(ids(mood.in_({Mood::quoted, Mood::sad})), (Ids{2, 3}));
}

// A Core table of mixed column types written and read through compiled statements (in the
// dialect's own placeholders), a generated key through RETURNING where there is one, then rows
// from execute_many over text SQL.
TEST_P(TypesRoundTrip, CompiledStatementsUseTheDialectsPlaceholders) {
  const std::string items_name = table_name("items");
  Table& items = metadata_.table(items_name, Column("id", BigInteger()).primary_key(),
                                 Column("name", String(50)).nullable(false), Column("price", Numeric(12, 2)),
                                 Column("seen", DateTimeType()), Column("seen_tz", DateTimeType(true)),
                                 Column("flag", Boolean()), Column("doc", JSONType()), Column("code", UUIDType()));
  create_tables();
  const auto id = items.c<std::int64_t>("id");
  const auto name = items.c<std::string>("name");
  const auto price = items.c<Decimal>("price");
  const auto seen = items.c<DateTime>("seen");
  const auto seen_tz = items.c<DateTime>("seen_tz");
  const auto flag = items.c<bool>("flag");
  const auto doc = items.c<Json>("doc");
  const auto code = items.c<Uuid>("code");
  const DateTime naive{{2020, 1, 2}, {3, 4, 5, 6}, false};
  const DateTime aware{{2020, 1, 2}, {3, 4, 5, 6}, true};
  const Uuid uuid = Uuid::random_v4();
  const auto write = insert(items).values(set(id, std::int64_t{7}), set(name, "widget"), set(price, Decimal("19.99")),
                                          set(seen, naive), set(seen_tz, aware), set(flag, true),
                                          set(doc, Json{{"a", 1}}), set(code, uuid));
  std::string values = "VALUES (";
  for (int i = 1; i <= 8; ++i) values += (i > 1 ? ", " : "") + placeholder(i);
  EXPECT_NE(engine().dialect().compile(write)->sql.find(values + ")"), std::string::npos)
      << engine().dialect().compile(write)->sql;
  auto conn = engine().connect();
  conn.execute(write);
  const auto row = conn.execute(select(name, price, seen, seen_tz, flag, doc, code).where(id == 7)).one();
  EXPECT_EQ(row[0], Value("widget"));
  // Declared Numeric: a Decimal Value (exact on the servers, as their own decimal tests check;
  // SQLite's NUMERIC affinity keeps a double, see DecimalModestValueInNumericColumn).
  EXPECT_TRUE(row[1].holds<Decimal>());
  EXPECT_EQ(row.get<Decimal>(1).to_double(), Decimal("19.99").to_double());
  EXPECT_EQ(row[2], Value(naive));
  EXPECT_EQ(row[3], Value(aware));
  EXPECT_EQ(row[4], Value(true));  // declared Boolean: a bool Value
  EXPECT_EQ(row[5], Value(Json{{"a", 1}}));
  EXPECT_EQ(row[6], Value(uuid));
  std::int64_t rows = 1;
  if (features().supports_insert_returning) {
    const auto generated =
        conn.execute(insert(items).values(set(name, "generated")).returning(id)).scalar<std::int64_t>();
    EXPECT_GE(generated, 1);
    EXPECT_EQ(conn.scalar<std::string>(select(name).where(id == generated)), "generated");
    ++rows;
  }
  std::vector<std::tuple<std::int64_t, std::string>> many;
  for (int i = 0; i < 50; ++i) many.emplace_back(1000 + i, "n" + std::to_string(i));
  EXPECT_EQ(conn.execute_many("INSERT INTO " + items_name + " (id, name) VALUES (:id, :name)", many).rows_affected(),
            50);
  EXPECT_EQ(conn.scalar<std::int64_t>(select(func::count(id))), rows + 50);
  conn.commit();
}

CRUCIBLE_DIALECT_SUITE(TypesRoundTrip);

}  // namespace
}  // namespace crucible
