// SPDX-License-Identifier: MIT
// Result::inserted_primary_key() on every backend: the generated key where the backend reports
// one (SQLite rowid, MariaDB AUTO_INCREMENT), nullopt where it has none (PostgreSQL, which
// returns keys through INSERT ... RETURNING instead) and for anything that is not an insert;
// never a placeholder such as 0.
#include <cstdint>
#include <optional>
#include <string>

#include "dialect_suite/fixture.hpp"

namespace crucible {
namespace {

class InsertedKeys : public testkit::DialectSuite {
 protected:
  void SetUp() override {
    DialectSuite::SetUp();
    if (IsSkipped()) return;
    notes_ = &metadata_.table(table_name("notes"), Column("id", BigInteger()).primary_key(),
                              Column("body", String(40)).nullable(false));
    create_tables();
  }
  Expr<std::int64_t> id() const { return notes_->c<std::int64_t>("id"); }
  Expr<std::string> body() const { return notes_->c<std::string>("body"); }

  const Table* notes_ = nullptr;
};

TEST_P(InsertedKeys, TheRealKeyOrNothing) {
  auto conn = engine().connect();
  conn.execute(insert(*notes_).values(set(body(), "first")));  // the next key is not 1 by chance alone
  const std::optional<std::int64_t> key = conn.execute(insert(*notes_).values(set(body(), "second"))).inserted_primary_key();
  const auto actual = conn.scalar<std::int64_t>(select(id()).where(body() == "second"));
  if (key) {
    EXPECT_EQ(*key, actual);
  } else {
    // A backend without a last-insert id gives keys through RETURNING.
    EXPECT_TRUE(features().supports_insert_returning) << backend() << " has no way to report keys";
    EXPECT_EQ(conn.execute(insert(*notes_).values(set(body(), "third")).returning(id())).scalar<std::int64_t>(),
              actual + 1);
  }
  conn.rollback();
}

TEST_P(InsertedKeys, NothingForStatementsThatAreNotInserts) {
  auto conn = engine().connect();
  conn.execute(insert(*notes_).values(set(body(), "x")));
  EXPECT_EQ(conn.execute(update(*notes_).values(set(body(), "y"))).inserted_primary_key(), std::nullopt);
  EXPECT_EQ(conn.execute(select(id())).inserted_primary_key(), std::nullopt);
  EXPECT_EQ(conn.execute(delete_(*notes_)).inserted_primary_key(), std::nullopt);
  conn.rollback();
}

CRUCIBLE_DIALECT_SUITE(InsertedKeys);

}  // namespace
}  // namespace crucible
