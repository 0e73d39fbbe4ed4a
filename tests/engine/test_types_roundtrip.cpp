// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include "crucible/engine/engine.hpp"
#include "support.hpp"

using namespace crucible;

namespace {
struct RoundTrip : ::testing::Test {
  testkit::TempDir dir;
  Engine engine = create_engine(dir.url("types.db"));
  Connection conn = engine.connect();
  void SetUp() override { conn.execute("CREATE TABLE v (id INTEGER PRIMARY KEY, x)"); }
  template <typename T>
  T through(const T& value) {
    conn.execute("DELETE FROM v");
    conn.execute("INSERT INTO v (id, x) VALUES (1, :x)", {{"x", Value(value)}});
    conn.commit();
    return engine.connect().scalar<T>("SELECT x FROM v WHERE id = 1");
  }
};
}  // namespace

TEST_F(RoundTrip, EveryValueType) {
  EXPECT_EQ(through(true), true);
  EXPECT_EQ(through(false), false);
  EXPECT_EQ(through(std::int64_t{-9223372036854775807LL - 1}), -9223372036854775807LL - 1);
  EXPECT_EQ(through(0.1), 0.1);
  EXPECT_EQ(through(Decimal("-12345678901234567890.000100")).str(), "-12345678901234567890.000100");
  EXPECT_EQ(through(Date{2024, 2, 29}), (Date{2024, 2, 29}));
  EXPECT_EQ(through(Time{23, 59, 59, 999999}), (Time{23, 59, 59, 999999}));
  DateTime naive{{1999, 12, 31}, {23, 59, 58, 1}, false};
  DateTime aware{{2024, 1, 2}, {3, 4, 5, 600000}, true};
  EXPECT_EQ(through(naive), naive);
  EXPECT_EQ(through(aware), aware);
  Uuid u = Uuid::random_v4();
  EXPECT_EQ(through(u), u);
  Json j = {{"name", "x"}, {"list", {1, 2.5, nullptr, "\u00e9"}}};
  EXPECT_EQ(through(j), j);
  Blob b{0, 1, 2, 0, 255, 128};
  EXPECT_EQ(through(b), b);
  EXPECT_EQ(through(Blob{}), Blob{});
  EXPECT_EQ(through(std::string()), "");
  EXPECT_EQ(through(std::optional<std::string>()), std::nullopt);
}

TEST_F(RoundTrip, HostileStringsByteForByte) {
  std::string control;
  for (int c = 1; c < 32; ++c) control += static_cast<char>(c);
  std::string with_nul("a\0b", 3);
  const std::vector<std::string> hostile = {
      "'; DROP TABLE users; --", "it's \"quoted\" \\back\\slash", control, with_nul,
      "emoji \xF0\x9F\x98\x80 \xE2\x9C\x93 \xC3\xA9", std::string(1 << 20, 'x') + "end",
  };
  for (const auto& s : hostile) EXPECT_EQ(through(s), s) << s.size();
  EXPECT_EQ(conn.scalar<std::int64_t>("SELECT count(*) FROM sqlite_master WHERE name = 'v'"), 1);
}

TEST_F(RoundTrip, TypedTuplePathRoundTrips) {
  std::vector<std::tuple<std::int64_t, std::string>> rows{{1, "'; DROP TABLE v; --"}, {2, std::string("n\0l", 3)}};
  conn.execute("DELETE FROM v");
  conn.execute_many("INSERT INTO v (id, x) VALUES (:id, :x)", rows);
  auto back = conn.execute("SELECT id, x FROM v ORDER BY id").as<std::int64_t, std::string>().all();
  EXPECT_EQ(back, rows);
}
