// SPDX-License-Identifier: MIT
// Errors translated the same way on every backend, the connection usable after them,
// create_all / drop_all idempotence, and the Result API.
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "dialect_suite/fixture.hpp"

namespace crucible {
namespace {

class ErrorsAndResults : public testkit::DialectSuite {
 protected:
  void SetUp() override {
    DialectSuite::SetUp();
    if (IsSkipped()) return;
    parents_ = &metadata_.table(table_name("parents"), Column("id", BigInteger()).primary_key().autoincrement(false),
                                Column("name", String(40)).nullable(false).unique(), CheckConstraint("id < 1000"));
    children_ = &metadata_.table(table_name("children"), Column("id", BigInteger()).primary_key().autoincrement(false),
                                 Column("parent_id", BigInteger()).nullable(false).references(parents_->name() + ".id"),
                                 Column("note", String(40)));
    create_tables();
    auto conn = engine().connect();
    conn.execute(insert(*parents_).values(set(parent_id(), std::int64_t{1}), set(name(), "one")));
    conn.execute(insert(*parents_).values(set(parent_id(), std::int64_t{2}), set(name(), "two")));
    conn.commit();
  }

  Expr<std::int64_t> parent_id() const { return parents_->c<std::int64_t>("id"); }
  Expr<std::string> name() const { return parents_->c<std::string>("name"); }
  Expr<std::int64_t> child_id() const { return children_->c<std::int64_t>("id"); }
  Expr<std::int64_t> child_parent() const { return children_->c<std::int64_t>("parent_id"); }

  // After an error: roll back (every backend accepts it; PostgreSQL requires it) and check the
  // connection still works.
  void expect_usable(Connection& conn) {
    conn.rollback();
    EXPECT_EQ(count_rows(conn, *parents_), 2);
    conn.execute(insert(*parents_).values(set(parent_id(), std::int64_t{3}), set(name(), "three")));
    conn.rollback();
  }

  const Table* parents_ = nullptr;
  const Table* children_ = nullptr;
};

TEST_P(ErrorsAndResults, UniqueViolationIsAnIntegrityErrorCarryingTheSql) {
  auto conn = engine().connect();
  try {
    conn.execute(insert(*parents_).values(set(parent_id(), std::int64_t{10}), set(name(), "one")));
    FAIL() << "duplicate name accepted";
  } catch (const IntegrityError& e) {
    EXPECT_NE(e.sql().find("INSERT INTO"), std::string::npos) << e.sql();
    EXPECT_NE(e.sql().find(parents_->name()), std::string::npos) << e.sql();
    EXPECT_NE(std::string(e.what()).find(parents_->name()), std::string::npos) << e.what();
    EXPECT_EQ(e.info().backend, backend());
    EXPECT_FALSE(e.is_disconnect());
  }
  expect_usable(conn);
  // Primary key too.
  EXPECT_THROW(conn.execute(insert(*parents_).values(set(parent_id(), std::int64_t{1}), set(name(), "uno"))),
               IntegrityError);
  expect_usable(conn);
  // Through text SQL: the message quotes the statement as sent (the dialect's placeholders) and
  // the parameters; a constraint violation is final, not worth a retry.
  try {
    conn.execute("INSERT INTO " + parents_->name() + " (id, name) VALUES (:id, :name)",
                 {{"id", 11}, {"name", "two"}});
    FAIL() << "duplicate name accepted";
  } catch (const IntegrityError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("INSERT INTO " + parents_->name() + " (id, name) VALUES (" + placeholder(1) + ", " +
                           placeholder(2) + ")"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("'two'"), std::string::npos) << message;  // parameters shown
    EXPECT_FALSE(e.retryable()) << message;
    EXPECT_FALSE(e.is_disconnect()) << message;
    EXPECT_EQ(e.info().backend, backend());
  }
  expect_usable(conn);
}

TEST_P(ErrorsAndResults, ForeignKeyViolationIsAnIntegrityError) {
  auto conn = engine().connect();
  EXPECT_THROW(
      conn.execute(insert(*children_).values(set(child_id(), std::int64_t{1}), set(child_parent(), std::int64_t{99}))),
      IntegrityError);
  expect_usable(conn);
  conn.execute(insert(*children_).values(set(child_id(), std::int64_t{1}), set(child_parent(), std::int64_t{1})));
  conn.commit();
  EXPECT_THROW(conn.execute(delete_(*parents_).where(parent_id() == 1)), IntegrityError);  // still referenced
  expect_usable(conn);
}

TEST_P(ErrorsAndResults, NotNullViolationIsAnIntegrityError) {
  auto conn = engine().connect();
  EXPECT_THROW(conn.execute("INSERT INTO " + parents_->name() + " (id, name) VALUES (:id, :name)",
                            {{"id", 5}, {"name", Value()}}),
               IntegrityError);
  expect_usable(conn);
  const auto nullable_name = parents_->c<std::optional<std::string>>("name");
  EXPECT_THROW(
      conn.execute(update(*parents_).values(set(nullable_name, std::optional<std::string>())).where(parent_id() == 1)),
      IntegrityError);
  expect_usable(conn);
}

TEST_P(ErrorsAndResults, CheckViolationIsAnIntegrityError) {
  auto conn = engine().connect();
  EXPECT_THROW(conn.execute(insert(*parents_).values(set(parent_id(), std::int64_t{5000}), set(name(), "big"))),
               IntegrityError);
  expect_usable(conn);
  EXPECT_THROW(conn.execute(update(*parents_).values(set(parent_id(), std::int64_t{1000})).where(parent_id() == 2)),
               IntegrityError);
  expect_usable(conn);
}

TEST_P(ErrorsAndResults, SyntaxErrorIsAProgrammingError) {
  auto conn = engine().connect();
  try {
    conn.execute("SELEC name FROM " + parents_->name());
    FAIL() << "bad SQL accepted";
  } catch (const ProgrammingError& e) {
    EXPECT_NE(e.sql().find("SELEC name"), std::string::npos) << e.sql();
  }
  expect_usable(conn);
  // Also inside a transaction with work in it: the work is lost, the connection is not.
  conn.execute(insert(*parents_).values(set(parent_id(), std::int64_t{4}), set(name(), "four")));
  EXPECT_THROW(conn.execute("SELECT no_such_column FROM " + parents_->name()), ProgrammingError);
  expect_usable(conn);
  EXPECT_THROW(conn.execute("SELECT * FROM " + table_name("missing")), ProgrammingError);  // no such table
  expect_usable(conn);
  EXPECT_EQ(conn.execute(select(name()).where(parent_id() == 4)).first(), std::nullopt);
}

TEST_P(ErrorsAndResults, CreateAndDropAllAreIdempotentWithCheckfirst) {
  auto conn = engine().connect();
  EXPECT_TRUE(has_table(conn, parents_->name()));
  conn.rollback();
  create_all(engine(), metadata_);  // already there: skipped
  EXPECT_EQ(count_rows(conn, *parents_), 2);
  conn.rollback();
  EXPECT_THROW(create_all(engine(), metadata_, false), DatabaseError);  // no checkfirst: the database objects
  drop_all(engine(), metadata_);
  EXPECT_FALSE(has_table(conn, parents_->name()));
  EXPECT_FALSE(has_table(conn, children_->name()));
  conn.rollback();
  drop_all(engine(), metadata_);  // already gone: skipped
  EXPECT_THROW(drop_all(engine(), metadata_, false), DatabaseError);
  create_all(engine(), metadata_);
  EXPECT_TRUE(has_table(conn, children_->name()));
  EXPECT_EQ(count_rows(conn, *parents_), 0);
  conn.rollback();
}

TEST_P(ErrorsAndResults, ResultOneFirstScalarsAll) {
  auto conn = engine().connect();
  const auto by_id = select(parent_id(), name()).order_by(parent_id());
  Row row = conn.execute(select(parent_id(), name()).where(parent_id() == 2)).one();
  EXPECT_EQ(row.get<std::int64_t>(0), 2);
  EXPECT_EQ(row.get<std::string>("name"), "two");
  EXPECT_EQ(row[1], Value("two"));
  EXPECT_THROW(conn.execute(by_id).one(), MultipleResultsFound);
  EXPECT_THROW(conn.execute(by_id.where(parent_id() == 9)).one(), NoResultFound);
  EXPECT_EQ(conn.execute(by_id.where(parent_id() == 9)).one_or_none(), std::nullopt);
  EXPECT_THROW(conn.execute(by_id).one_or_none(), MultipleResultsFound);
  EXPECT_EQ(conn.execute(by_id.where(parent_id() == 1)).one_or_none()->get<std::string>(1), "one");
  EXPECT_EQ(conn.execute(by_id).first()->get<std::string>(1), "one");
  EXPECT_EQ(conn.execute(by_id.where(parent_id() == 9)).first(), std::nullopt);
  EXPECT_EQ(conn.execute(by_id).scalars<std::int64_t>(), (std::vector<std::int64_t>{1, 2}));
  EXPECT_THROW(conn.execute(by_id.where(parent_id() == 9)).scalar<std::int64_t>(), NoResultFound);
  EXPECT_EQ(conn.execute(by_id.where(parent_id() == 9)).scalar<std::optional<std::int64_t>>(), std::nullopt);
  const auto all = conn.execute(by_id).all();  // owning rows outlive the result
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].get<std::string>("name"), "two");
  EXPECT_EQ(conn.execute(by_id).keys(), (std::vector<std::string>{"id", "name"}));
  EXPECT_EQ(conn.execute(by_id.where(parent_id() == 9)).all().size(), 0u);
  std::vector<std::tuple<std::int64_t, std::string>> typed;
  for (auto [i, n] : conn.execute(by_id).as<std::int64_t, std::string>()) typed.emplace_back(i, n);
  EXPECT_EQ(typed, (std::vector<std::tuple<std::int64_t, std::string>>{{1, "one"}, {2, "two"}}));
  EXPECT_EQ(conn.execute(update(*parents_).values(set(name(), "uno")).where(parent_id() == 1)).rows_affected(), 1);
  EXPECT_FALSE(conn.execute(update(*parents_).values(set(name(), "one")).where(parent_id() == 1)).returns_rows());
  conn.rollback();
}

TEST_P(ErrorsAndResults, RowsHintIsExactWhereTheDriverHoldsTheResult) {
  auto conn = engine().connect();
  for (std::int64_t id = 3; id <= 5; ++id)
    conn.execute(insert(*parents_).values(set(parent_id(), id), set(name(), "p" + std::to_string(id))));
  Result r = conn.execute(select(parent_id()).order_by(parent_id()));
  ASSERT_TRUE(r.advance());
  // The servers' drivers hold all five rows after the first step; SQLite (in process) steps
  // row by row and cannot tell.
  const bool held = !features().in_process;
  EXPECT_EQ(r.rows_hint(), held ? 5u : 1u);
  ASSERT_TRUE(r.advance());
  EXPECT_EQ(r.rows_hint(), held ? 4u : 1u);
  EXPECT_EQ(r.scalars<std::int64_t>(), (std::vector<std::int64_t>{3, 4, 5}));  // from the third row on
  const auto typed = conn.execute(select(parent_id(), name()).order_by(parent_id())).as<std::int64_t, std::string>().all();
  ASSERT_EQ(typed.size(), 5u);
  EXPECT_EQ(typed[4], (std::tuple<std::int64_t, std::string>{5, "p5"}));
  EXPECT_TRUE(conn.execute(select(parent_id()).where(parent_id() == 9)).as<std::int64_t>().all().empty());
  conn.rollback();
}

TEST_P(ErrorsAndResults, WrongTypedReadsAreTypeErrors) {
  auto conn = engine().connect();
  const auto by_id = select(parent_id(), name()).order_by(parent_id());
  Row row = conn.execute(by_id).first().value();
  EXPECT_THROW(row.get<std::int64_t>("name"), TypeError);
  EXPECT_THROW(row.get<std::string>(5), InvalidRequestError);
  EXPECT_THROW(row.get<std::string>("no_such_column"), Error);
  EXPECT_THROW(conn.execute(by_id).as<std::int64_t>(), TypeError);          // arity
  EXPECT_THROW(((void)by_id.as<std::int64_t, std::int64_t>()), TypeError);  // declared types
  EXPECT_THROW((void)parents_->c<std::int64_t>("name"), TypeError);
  EXPECT_THROW((void)parents_->c<std::int64_t>("missing"), ArgumentError);
  EXPECT_THROW(conn.execute(select(name())).as<std::int64_t>().all(), TypeError);
  // The connection is fine after client-side errors.
  EXPECT_EQ(count_rows(conn, *parents_), 2);
}

CRUCIBLE_DIALECT_SUITE(ErrorsAndResults);

}  // namespace
}  // namespace crucible
