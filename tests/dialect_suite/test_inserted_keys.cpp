// SPDX-License-Identifier: MIT
// Result::inserted_primary_key() on every backend: the generated key where the backend reports
// one (SQLite rowid, MariaDB AUTO_INCREMENT) for an INSERT of exactly one row, nullopt where it
// has none (PostgreSQL, which returns keys through INSERT ... RETURNING instead), for several
// rows, INSERT ... SELECT, INSERT ... RETURNING and anything that is not an insert; never a
// placeholder such as 0 or an earlier statement's key.
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

// INSERT ... SELECT inserts any number of rows: no single key, whatever the count (SQLite used to
// say the last row's rowid or, for no row, the previous insert's; MariaDB the first row's).
TEST_P(InsertedKeys, NoSingleKeyForInsertFromSelect) {
  auto conn = engine().connect();
  conn.execute(insert(*notes_).values(set(body(), "a")));
  conn.execute(insert(*notes_).values(set(body(), "b")));
  for (const char* wanted : {"a", "b", "none"}) {  // one row, one row, no row
    Result r = conn.execute(insert(*notes_).from_select(select(body()).where(body() == std::string(wanted)), body()));
    EXPECT_EQ(r.inserted_primary_key(), std::nullopt) << wanted;
  }
  Result all = conn.execute(insert(*notes_).from_select(select(body()), body()));
  EXPECT_EQ(all.rows_affected(), 4);
  EXPECT_EQ(all.inserted_primary_key(), std::nullopt);
  // Text SQL is read the same way.
  Result text_sql = conn.execute("INSERT INTO " + notes_->name() + " (body) SELECT body FROM " + notes_->name() +
                                 " WHERE body = 'a' AND id = (SELECT MIN(id) FROM " + notes_->name() + ")");
  EXPECT_EQ(text_sql.inserted_primary_key(), std::nullopt);
  // An INSERT ... VALUES after them reports its key again.
  const auto key = conn.execute(insert(*notes_).values(set(body(), "c"))).inserted_primary_key();
  if (key) {
    EXPECT_EQ(*key, conn.scalar<std::int64_t>(select(id()).where(body() == "c")));
  }
  conn.rollback();
}

TEST_P(InsertedKeys, NoSingleKeyForSeveralRows) {
  auto conn = engine().connect();
  Result r = conn.execute(insert(*notes_).values(set(body(), "a")).values(set(body(), "b")));
  EXPECT_EQ(r.rows_affected(), 2);
  EXPECT_EQ(r.inserted_primary_key(), std::nullopt);
  conn.rollback();
}

// INSERT ... RETURNING read to the end: the keys are in the rows; inserted_primary_key() is empty
// on every backend (MariaDB used to say 0, or the previous statement's key).
TEST_P(InsertedKeys, ReturningRowsCarryTheKeys) {
  CRUCIBLE_REQUIRE(features().supports_insert_returning);
  auto conn = engine().connect();
  conn.execute(insert(*notes_).values(set(body(), "first")));
  Result r = conn.execute(insert(*notes_).values(set(body(), "second")).returning(id()));
  const auto rows = r.all();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].get<std::int64_t>(0), conn.scalar<std::int64_t>(select(id()).where(body() == "second")));
  EXPECT_EQ(r.inserted_primary_key(), std::nullopt);
  conn.rollback();
}

CRUCIBLE_DIALECT_SUITE(InsertedKeys);

}  // namespace
}  // namespace crucible
