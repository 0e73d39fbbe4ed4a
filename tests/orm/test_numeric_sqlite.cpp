// SPDX-License-Identifier: MIT
// A Decimal member of a Numeric column on SQLite (which keeps 15 significant digits: it stores a
// double) is refused by the flush with a DataError when it has more, as Core's execute is,
// rather than written rounded; what fits is written and reads back at the declared scale.
#include <gtest/gtest.h>

#include <cstdint>

#include "crucible/crucible.hpp"
#include "support/temp_dir.hpp"

namespace orm_numeric {

using namespace crucible;

struct Price {
  std::int64_t id = 0;
  Decimal amount{};
};
CRUCIBLE_MAPPING(Price, "orm_numeric_prices",
  column("id", &Price::id).primary_key(),
  column("amount", &Price::amount, Numeric(18, 14)));

namespace {

TEST(OrmNumericSqlite, TooManyDigitsAreRefusedNotRounded) {
  testkit::TempDir dir;
  auto engine = create_engine(dir.url("prices.db"));
  create_all(engine, default_registry().metadata());
  Session s(engine);
  s.add(Price{.amount = Decimal("0.00001")});
  s.commit();
  auto p = s.add(Price{.amount = Decimal("1.2345678901234567")});  // 17 significant digits
  EXPECT_THROW(s.commit(), DataError);
  EXPECT_TRUE(inspect(p).transient());  // the failed flush rolled back
  auto kept = s.query<Price>().one();
  EXPECT_EQ(kept->amount, Decimal("0.00001000000000"));
  kept->amount = Decimal("9.8765432109876543");
  EXPECT_THROW(s.commit(), DataError);
  EXPECT_EQ(kept->amount, Decimal("0.00001000000000"));  // reloaded by the rollback
}

}  // namespace
}  // namespace orm_numeric
