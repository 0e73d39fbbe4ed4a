// SPDX-License-Identifier: MIT
// Echo shows the parameters of the ORM's own statements: an INSERT, UPDATE or DELETE of one row
// its values, a batch its sets (the first ten, then how many), as Core's statements do.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crucible/crucible.hpp"
#include "orm_suite/models.hpp"
#include "support/temp_dir.hpp"

namespace orm_suite {
namespace {

using namespace crucible;

TEST(OrmEcho, InsertUpdateAndDeleteShowTheirParameters) {
  testkit::TempDir dir;
  std::vector<std::string> lines;
  auto engine = create_engine(dir.url("echo.db"), EngineOptions{.echo = true, .logger = [&](std::string_view l) {
                                                                  lines.emplace_back(l);
                                                                }});
  create_all(engine, default_registry().metadata());
  auto after = [&](const std::string& verb) {
    for (std::size_t i = 0; i + 1 < lines.size(); ++i)
      if (lines[i].rfind(verb, 0) == 0) return lines[i + 1];
    return std::string("(no " + verb + ")");
  };
  Session s(engine);
  auto u = s.add(User{.username = "echoed", .email = "e@x"});
  s.flush();
  EXPECT_NE(after("INSERT").find("'echoed'"), std::string::npos) << after("INSERT");
  lines.clear();
  u->email = "changed@x";
  s.flush();
  EXPECT_NE(after("UPDATE").find("'changed@x'"), std::string::npos) << after("UPDATE");
  lines.clear();
  s.delete_(u);
  s.flush();
  EXPECT_NE(after("DELETE").find(std::to_string(u->id)), std::string::npos) << after("DELETE");
  lines.clear();
  // Twelve rows that run as a batch of single-row INSERTs on SQLite (only the key comes back):
  // the first ten sets and the count. (Rows that also fetch a server default go as one multi-row
  // INSERT ... RETURNING, one statement whose parameters are all shown.)
  std::vector<Account> many;
  for (int i = 0; i < 12; ++i) many.push_back(Account{.balance = 1000 + i});
  s.add_all(std::move(many));
  s.flush();
  const std::string batch = after("INSERT");
  EXPECT_NE(batch.find("1000"), std::string::npos) << batch;
  EXPECT_NE(batch.find("1009"), std::string::npos) << batch;
  EXPECT_EQ(batch.find("1010"), std::string::npos) << batch;
  EXPECT_NE(batch.find("10 of 12 parameter sets shown"), std::string::npos) << batch;
  s.commit();
}

}  // namespace
}  // namespace orm_suite
