// SPDX-License-Identifier: MIT
// Hostile strings: every value is a bound parameter, so whatever the bytes, they come back
// byte for byte, through Params and through typed tuples alike; LIKE wildcards in contains()
// match literally.
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "dialect_suite/fixture.hpp"

namespace crucible {
namespace {

std::vector<std::string> hostile_strings() {
  std::string controls;
  for (int c = 1; c < 32; ++c) controls += static_cast<char>(c);
  controls += '\x7f';
  return {
      "",
      "'",
      "''",
      "\"",
      "\"\"'",
      "\\",
      "\\\\'\\",
      "\\x00 \\0 \\n",
      "it's a \"test\" \\ of 'quotes'",
      "'; DROP TABLE users; --",
      "\"; DROP TABLE users; --",
      "?, $1, :s, %s, {}",
      "/* not a comment */ -- nor this",
      controls,
      "tab\there\r\nnewline",
      "emoji \xF0\x9F\x98\x80 family \xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7 math \xF0\x9D\x94\xB8",
      "\xC3\xBC\xC3\xB1\xC3\xAF \xE2\x80\xA8 \xE4\xB8\xAD\xE6\x96\x87 \xD8\xB9\xD8\xB1\xD8\xA8\xD9\x8A",
      "100%_done",
      std::string(1 << 20, 'x') + "\xF0\x9F\x98\x80" + std::string(1000, 'y'),
      // Each backend's own escapes and placeholders, which a client that spliced values into the
      // SQL would trip over.
      "\\\\'",
      "\\0",
      "\\x00",
      "?",
      ":v",
      "`",
      "%_",
      "$1",
      "$$",
      "E'\\''",
      "emoji \xF0\x9F\x98\x80 family \xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7",
      "\xC3\xBC\xC3\xB1\xC3\xAF\xE2\x80\xA8",
      std::string(1 << 20, 'x') + "\xE2\x82\xAC",
  };
}

class HostileStrings : public testkit::DialectSuite {
 protected:
  void SetUp() override {
    DialectSuite::SetUp();
    if (IsSkipped()) return;
    strings_ = &metadata_.table(table_name("strs"), Column("id", BigInteger()).primary_key().autoincrement(false),
                                Column("s", Text()).nullable(false));
    create_tables();
  }

  Expr<std::int64_t> id() const { return strings_->c<std::int64_t>("id"); }
  Expr<std::string> s() const { return strings_->c<std::string>("s"); }

  // Every stored string, by id.
  std::vector<std::tuple<std::int64_t, std::string>> stored() {
    auto conn = engine().connect();
    return conn.execute(select(id(), s()).order_by(id())).as<std::int64_t, std::string>().all();
  }

  void expect_stored(const std::vector<std::string>& cases) {
    const auto rows = stored();
    ASSERT_EQ(rows.size(), cases.size());
    for (std::size_t i = 0; i < cases.size(); ++i) {
      EXPECT_EQ(std::get<0>(rows[i]), static_cast<std::int64_t>(i));
      EXPECT_TRUE(std::get<1>(rows[i]) == cases[i])
          << "case " << i << " (" << cases[i].size() << " bytes) came back as " << std::get<1>(rows[i]).size()
          << " bytes";
    }
  }

  const Table* strings_ = nullptr;
};

TEST_P(HostileStrings, RoundTripThroughTextSqlWithParams) {
  const auto cases = hostile_strings();
  {
    auto conn = engine().connect();
    const auto stmt = text("INSERT INTO " + strings_->name() + " (id, s) VALUES (:id, :s)");
    for (std::size_t i = 0; i < cases.size(); ++i)
      conn.execute(stmt, {{"id", static_cast<std::int64_t>(i)}, {"s", cases[i]}});
    conn.commit();
  }
  expect_stored(cases);
  // And back out through Params in a WHERE clause: each string finds exactly its own row.
  auto conn = engine().connect();
  const auto lookup = text("SELECT id FROM " + strings_->name() + " WHERE s = :s AND id = :id");
  for (std::size_t i = 0; i < cases.size(); ++i)
    EXPECT_EQ(conn.execute(lookup, {{"s", cases[i]}, {"id", static_cast<std::int64_t>(i)}}).scalars<std::int64_t>(),
              std::vector<std::int64_t>{static_cast<std::int64_t>(i)})
        << "case " << i;
}

TEST_P(HostileStrings, RoundTripThroughExecuteManyWithTuples) {
  const auto cases = hostile_strings();
  std::vector<std::tuple<std::int64_t, std::string>> rows;
  for (std::size_t i = 0; i < cases.size(); ++i) rows.emplace_back(static_cast<std::int64_t>(i), cases[i]);
  {
    auto conn = engine().connect();
    EXPECT_EQ(conn.execute_many(insert(*strings_).columns(id(), s()), rows).rows_affected(),
              static_cast<std::int64_t>(cases.size()));
    conn.commit();
  }
  expect_stored(cases);
}

TEST_P(HostileStrings, RoundTripThroughTypedStatements) {
  const auto cases = hostile_strings();
  auto conn = engine().connect();
  for (std::size_t i = 0; i < cases.size(); ++i)
    conn.execute(insert(*strings_).values(set(id(), static_cast<std::int64_t>(i)), set(s(), cases[i])));
  conn.commit();
  expect_stored(cases);
  for (std::size_t i = 0; i < cases.size(); ++i)
    EXPECT_EQ(
        conn.execute(select(id()).where(s() == cases[i], id() == static_cast<std::int64_t>(i))).scalars<std::int64_t>(),
        std::vector<std::int64_t>{static_cast<std::int64_t>(i)})
        << "case " << i;
  // Updating to a hostile value and back.
  conn.execute(update(*strings_).values(set(s(), cases[9])).where(id() == 0));
  EXPECT_EQ(conn.scalar<std::string>(select(s()).where(id() == 0)), cases[9]);
}

TEST_P(HostileStrings, ContainsMatchesWildcardsLiterally) {
  const std::vector<std::string> values = {"100%_done",    "100ab_done", "100%xdone",   "100a_done",  "path/to\\file",
                                           "pathXtoXfile", "O'Brien",    "under_score", "underXscore"};
  auto conn = engine().connect();
  for (std::size_t i = 0; i < values.size(); ++i)
    conn.execute(insert(*strings_).values(set(id(), static_cast<std::int64_t>(i)), set(s(), values[i])));
  conn.commit();
  const auto matching = [&](const Expr<bool>& condition) {
    return conn.execute(select(s()).where(condition).order_by(id())).scalars<std::string>();
  };
  EXPECT_EQ(matching(s().contains("%_")), std::vector<std::string>{"100%_done"});
  EXPECT_EQ(matching(s().contains("%")), (std::vector<std::string>{"100%_done", "100%xdone"}));
  EXPECT_EQ(matching(s().contains("_")),
            (std::vector<std::string>{"100%_done", "100ab_done", "100a_done", "under_score"}));
  EXPECT_EQ(matching(s().contains("/to\\")), std::vector<std::string>{"path/to\\file"});
  EXPECT_EQ(matching(s().contains("'")), std::vector<std::string>{"O'Brien"});
  EXPECT_EQ(matching(s().startswith("under_")), std::vector<std::string>{"under_score"});
  EXPECT_EQ(matching(s().endswith("%xdone")), std::vector<std::string>{"100%xdone"});
  // A plain LIKE pattern keeps its wildcards.
  EXPECT_EQ(matching(s().like("100_\\_done", '\\')), (std::vector<std::string>{"100%_done", "100a_done"}));
  EXPECT_EQ(matching(s().like("under_score")), (std::vector<std::string>{"under_score", "underXscore"}));
}

CRUCIBLE_DIALECT_SUITE(HostileStrings);

}  // namespace
}  // namespace crucible
