// SPDX-License-Identifier: MIT
// PostgreSQL isolation levels as the server shows them (SHOW transaction_isolation), its default
// and the engine's option. Transactions on every backend are in tests/dialect_suite/.
#include <string>

#include "engine/server_support.hpp"

namespace crucible {
namespace {

class PostgresqlTransactions : public testkit::PostgresqlTest {};

TEST_F(PostgresqlTransactions, IsolationLevelsAsTheServerShowsThem) {
  auto eng = engine();
  EXPECT_EQ(eng.connect().isolation_level(), IsolationLevel::read_committed);  // the server's default
  testkit::expect_isolation_levels_shown(eng, "SHOW transaction_isolation", "read committed",
                                         {{IsolationLevel::serializable, "serializable"},
                                          {IsolationLevel::repeatable_read, "repeatable read"},
                                          {IsolationLevel::read_uncommitted, "read uncommitted"},
                                          {IsolationLevel::read_committed, "read committed"}});
  auto repeatable = engine({.isolation_level = IsolationLevel::repeatable_read}).connect();
  EXPECT_EQ(repeatable.scalar<std::string>("SHOW transaction_isolation"), "repeatable read");
}

}  // namespace
}  // namespace crucible
