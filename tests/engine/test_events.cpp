// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include "crucible/engine/engine.hpp"

using namespace crucible;

TEST(Events, BeforeAfterExecuteAndRemoval) {
  auto engine = create_engine("sqlite://");
  std::vector<std::string> seen;
  std::int64_t rows = -2;
  auto before = engine.events().on_before_execute([&](const ExecuteInfo& i) {
    seen.emplace_back(i.sql);
    if (!i.parameters.empty()) seen.push_back(i.parameters[0].to_display());
  });
  engine.events().on_after_execute([&](const ExecuteInfo&, const ExecuteStats& s) { rows = s.rows_affected; });
  auto conn = engine.connect();
  conn.execute("CREATE TABLE t (x)");
  conn.execute("INSERT INTO t VALUES (:x)", {{"x", 7}});
  EXPECT_EQ(rows, 1);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[1], "INSERT INTO t VALUES (?)");
  EXPECT_EQ(seen[2], "7");
  before.remove();
  conn.execute("SELECT 1");
  EXPECT_EQ(seen.size(), 3u);
}

TEST(Events, PoolEventsThroughEngine) {
  auto engine = create_engine("sqlite://");
  int connects = 0, checkouts = 0, checkins = 0;
  engine.events().on_connect([&](auto&) { ++connects; });
  engine.events().on_checkout([&](auto&) { ++checkouts; });
  engine.events().on_checkin([&](auto&) { ++checkins; });
  engine.connect().close();
  engine.connect().close();
  EXPECT_EQ(connects, 1);
  EXPECT_EQ(checkouts, 2);
  EXPECT_EQ(checkins, 2);
}

TEST(Events, EchoThroughLogger) {
  std::vector<std::string> lines;
  auto engine = create_engine("sqlite://", {.echo = true, .logger = [&](std::string_view l) { lines.emplace_back(l); }});
  auto conn = engine.connect();
  conn.execute("SELECT :a", {{"a", "it's"}});
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "SELECT ?");
  EXPECT_NE(lines[1].find("it"), std::string::npos);
}

TEST(Events, ErrorEventSeesTranslatedError) {
  auto engine = create_engine("sqlite://");
  std::string caught;
  engine.events().on_error([&](const DBAPIError& e) { caught = e.sql(); });
  auto conn = engine.connect();
  EXPECT_THROW(conn.execute("SELECT * FROM missing"), ProgrammingError);
  EXPECT_EQ(caught, "SELECT * FROM missing");
}
