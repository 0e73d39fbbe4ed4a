// SPDX-License-Identifier: MIT
// "Not given" on every backend: what a plain member holds is written, an explicit zero or false
// included, whatever the column's defaults; a std::optional member holding nullopt lets the
// client default or the server default act, and the value comes back into the object.
#include <cstdint>
#include <optional>
#include <string>

#include "orm_suite/fixture.hpp"

namespace orm_suite {

struct Setting {
  std::int64_t id = 0;
  std::string name{};
  int views = 5;                       // default_value(5): the initialiser is the default
  bool enabled = true;                 // server_default("true"): likewise
  std::optional<int> grade{};          // nullopt: the server default (3)
  std::optional<int> tier{};           // nullopt: the client default (9)
  std::optional<crucible::DateTime> stamped{};  // nullopt: default_now()
};
CRUCIBLE_MAPPING(Setting, "os_settings",
  column("id", &Setting::id).primary_key(),
  column("name", &Setting::name, String(40)),
  column("views", &Setting::views).default_value(5),
  column("enabled", &Setting::enabled).server_default("true"),
  column("grade", &Setting::grade).server_default("3"),
  column("tier", &Setting::tier).default_value(9),
  column("stamped", &Setting::stamped).default_now());

namespace {

using namespace crucible;

class OrmDefaults : public OrmSuite {};

TEST_P(OrmDefaults, AnExplicitZeroOrFalseIsWrittenAsGiven) {
  Session s(engine());
  auto given = s.add(Setting{.name = "zero", .views = 0, .enabled = false, .grade = 0, .tier = 0,
                             .stamped = DateTime{}});
  s.commit();
  const std::string where = " FROM os_settings WHERE id = " + std::to_string(given->id);
  EXPECT_EQ(scalar("SELECT views" + where), 0);
  EXPECT_EQ(scalar("SELECT CASE WHEN enabled THEN 1 ELSE 0 END" + where), 0);
  EXPECT_EQ(scalar("SELECT grade" + where), 0);
  EXPECT_EQ(scalar("SELECT tier" + where), 0);
  Session other(engine());
  auto loaded = other.get<Setting>(given->id);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->stamped, DateTime{});  // the epoch, as given
  EXPECT_EQ(loaded->grade, 0);
  EXPECT_FALSE(loaded->enabled);
}

TEST_P(OrmDefaults, NotGivenLetsEachDefaultActAndComesBack) {
  Session s(engine());
  auto d = s.add(Setting{.name = "defaults"});
  s.flush();
  EXPECT_EQ(d->views, 5);
  EXPECT_TRUE(d->enabled);
  EXPECT_EQ(d->grade, 3);  // the server's, fetched back
  EXPECT_EQ(d->tier, 9);   // the client default, set before the INSERT
  ASSERT_TRUE(d->stamped.has_value());
  EXPECT_GT(d->stamped->date.year, 2000);
  s.commit();
  const std::string where = " FROM os_settings WHERE id = " + std::to_string(d->id);
  EXPECT_EQ(scalar("SELECT views" + where), 5);
  EXPECT_EQ(scalar("SELECT grade" + where), 3);
  EXPECT_EQ(scalar("SELECT tier" + where), 9);
}

TEST_P(OrmDefaults, RowsGivingAndNotGivingAColumnShareAFlush) {
  Session s(engine());
  auto a = s.add(Setting{.name = "a", .grade = 1});
  auto b = s.add(Setting{.name = "b"});
  auto c = s.add(Setting{.name = "c", .grade = 0});
  s.commit();
  EXPECT_EQ(a->grade, 1);
  EXPECT_EQ(b->grade, 3);
  EXPECT_EQ(c->grade, 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM os_settings WHERE grade = 3"), 1);
}

CRUCIBLE_DIALECT_SUITE(OrmDefaults);

}  // namespace
}  // namespace orm_suite
