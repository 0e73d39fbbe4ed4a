// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include "crucible/core/types.hpp"
#include "crucible/core/value.hpp"

namespace crucible {
namespace {

TEST(Date, RoundTripsIsoText) {
  EXPECT_EQ(Date::from_string("2024-02-29").to_string(), "2024-02-29");
  EXPECT_EQ((Date{1, 1, 1}.to_string()), "0001-01-01");
}

TEST(Date, RejectsImpossibleDates) {
  EXPECT_THROW(Date::from_string("2023-02-29"), ArgumentError);
  EXPECT_THROW(Date::from_string("2023-13-01"), ArgumentError);
  EXPECT_THROW(Date::from_string("2023-1-01"), ArgumentError);
  EXPECT_THROW(Date::from_string("2023-01-01x"), ArgumentError);
}

TEST(Time, KeepsMicroseconds) {
  EXPECT_EQ(Time::from_string("23:59:58.000001").microsecond, 1u);
  EXPECT_EQ(Time::from_string("23:59:58.5").to_string(), "23:59:58.500000");
  EXPECT_EQ(Time::from_string("07:05").to_string(), "07:05:00");
  EXPECT_THROW(Time::from_string("24:00:00"), ArgumentError);
}

TEST(DateTime, ParsesOffsetsIntoUtc) {
  const auto t = DateTime::from_string("2024-03-01T01:30:00+02:00");
  EXPECT_TRUE(t.utc);
  EXPECT_EQ(t.to_string(), "2024-02-29 23:30:00+00:00");
  EXPECT_EQ(DateTime::from_string("2024-03-01 01:30:00Z").to_string(), "2024-03-01 01:30:00+00:00");
  const auto naive = DateTime::from_string("1969-12-31 23:59:59.999999");
  EXPECT_FALSE(naive.utc);
  EXPECT_EQ(naive.epoch_microseconds(), -1);
  EXPECT_EQ(DateTime::from_epoch_microseconds(-1, false), naive);
}

TEST(DateTime, EpochRoundTripAcrossCenturies) {
  for (std::int64_t us : {0LL, 951782400000000LL, -2208988800000000LL, 4102444800123456LL}) {
    const auto dt = DateTime::from_epoch_microseconds(us, true);
    EXPECT_EQ(dt.epoch_microseconds(), us) << dt.to_string();
    EXPECT_EQ(DateTime::from_string(dt.to_string()), dt);
  }
}

TEST(Decimal, CanonicalisesAndValidates) {
  EXPECT_EQ(Decimal("007.50").str(), "7.50");
  EXPECT_EQ(Decimal("-0.00").str(), "0.00");
  EXPECT_EQ(Decimal("+12").str(), "12");
  EXPECT_EQ(Decimal("123456789012345678901234567890.123456789").str(),
            "123456789012345678901234567890.123456789");
  EXPECT_THROW(Decimal("1e5"), ArgumentError);
  EXPECT_THROW(Decimal("."), ArgumentError);
}

TEST(Uuid, ParsesAndPrints) {
  const auto u = Uuid::from_string("123E4567-e89b-12d3-a456-426614174000");
  EXPECT_EQ(u.to_string(), "123e4567-e89b-12d3-a456-426614174000");
  EXPECT_THROW(Uuid::from_string("123e4567e89b12d3a456426614174000"), ArgumentError);
  const auto r = Uuid::random_v4();
  EXPECT_EQ(r.to_string()[14], '4');
  EXPECT_NE(r, Uuid::random_v4());
}

TEST(Value, TypedAccessNamesBothTypes) {
  Value v = 42;
  EXPECT_EQ(v.get<std::int64_t>(), 42);
  try {
    (void)v.get<std::string>();
    FAIL() << "expected TypeError";
  } catch (const TypeError& e) {
    EXPECT_STREQ(e.what(), "value holds int64, not string");
  }
  EXPECT_TRUE(Value(std::optional<int>{}).is_null());
  EXPECT_EQ(Value(std::optional<int>{7}), Value(7));
  EXPECT_EQ(Value("it's").to_display(), "'it''s'");
}

TEST(Types, FamiliesAcceptEachOther) {
  EXPECT_TRUE(type_accepts(Integer(), TypeTraits<std::int64_t>::default_type()));
  EXPECT_TRUE(type_accepts(Text(), TypeTraits<std::string>::default_type()));
  EXPECT_FALSE(type_accepts(String(80), TypeTraits<std::int64_t>::default_type()));
  EXPECT_EQ(type_display(Numeric(10, 2)), "Numeric(10, 2)");
  EXPECT_EQ(type_display(String(80)), "String(80)");
}

}  // namespace
}  // namespace crucible
