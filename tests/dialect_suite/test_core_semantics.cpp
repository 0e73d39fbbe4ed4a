// SPDX-License-Identifier: MIT
// One answer on every backend: division, NUMERIC values, INSERT ... SELECT defaults, closed
// results, FROM inferred from WHERE (issue 20).
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "dialect_suite/fixture.hpp"

namespace crucible {
namespace {

class CoreSemantics : public testkit::DialectSuite {
 protected:
  void SetUp() override {
    DialectSuite::SetUp();
    if (IsSkipped()) return;
    nums_ = &metadata_.table(table_name("nums"), Column("id", BigInteger()).primary_key().autoincrement(false),
                             Column("n53", Numeric(5, 3)), Column("n1812", Numeric(18, 12)),
                             Column("n1814", Numeric(18, 14)), Column("n184", Numeric(18, 4)));
    people_ = &metadata_.table(table_name("people"), Column("id", BigInteger()).primary_key().autoincrement(false),
                               Column("name", String(40)).nullable(false));
    archive_ = &metadata_.table(table_name("archive"), Column("id", BigInteger()).primary_key().autoincrement(false),
                                Column("name", String(40)),
                                Column("kind", String(10)).nullable(false).default_value(Value("old")),
                                Column("moved_at", DateTimeType()).nullable(false).default_now());
    counters_ = &metadata_.table(table_name("counters"), Column("id", BigInteger()).primary_key(),
                                 Column("label", String(10)),
                                 Column("hits", Integer()).nullable(false).server_default("0"));
    create_tables();
  }

  // Stores `value` in `column` of a new row and reads it back on a fresh connection.
  Decimal numeric_round_trip(const std::string& column, const Decimal& value) {
    const std::int64_t key = ++next_id_;
    const auto id = nums_->c<std::int64_t>("id");
    const auto col = nums_->c<Decimal>(column);
    {
      auto conn = engine().connect();
      conn.execute(insert(*nums_).values(set(id, key), set(col, value)));
      conn.commit();
    }
    auto conn = engine().connect();
    return conn.scalar<Decimal>(select(col).where(id == key));
  }

  const Table* nums_ = nullptr;
  const Table* people_ = nullptr;
  const Table* archive_ = nullptr;
  const Table* counters_ = nullptr;
  std::int64_t next_id_ = 0;
};

// Issue 20.1: literal(15) / literal(10) gave 1 on SQLite and PostgreSQL and "1.5000" on MariaDB.
TEST_P(CoreSemantics, IntegerDivisionIsTrueDivisionEverywhere) {
  auto conn = engine().connect();
  EXPECT_EQ(conn.scalar<double>(select(literal(15) / literal(10))), 1.5);
  EXPECT_EQ(conn.scalar<double>(select(literal(1) / literal(3))), 1.0 / 3.0);
  EXPECT_EQ(conn.scalar<double>(select(literal(-7) / literal(2))), -3.5);
  const auto id = people_->c<std::int64_t>("id");
  conn.execute(insert(*people_).values(set(id, std::int64_t{9}), set(people_->c<std::string>("name"), "n")));
  EXPECT_EQ(conn.scalar<double>(select(id / 4)), 2.25);
  EXPECT_EQ(conn.execute(select(id / 2)).one()[0], Value(4.5));
}

TEST_P(CoreSemantics, FloorDivisionRoundsTowardsMinusInfinityEverywhere) {
  auto conn = engine().connect();
  const std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t>> cases = {
      {7, 2, 3}, {-7, 2, -4}, {7, -2, -4}, {-7, -2, 3}, {6, 3, 2}, {-6, 3, -2}, {0, 5, 0},
      {9007199254740993, 1, 9007199254740993},  // past 2^53: no trip through a double
      {INT64_MAX, 2, INT64_MAX / 2}};
  for (const auto& [a, b, want] : cases)
    EXPECT_EQ(conn.scalar<std::int64_t>(select(floordiv(literal(a), literal(b)))), want) << a << " // " << b;
}

// Issue 20.7: SQLite read NUMERIC(5, 3)'s 1.000 as 1, 54.23424645165 as 54.234246451650002,
// and could not read NUMERIC(18, 14)'s 0.00001 at all.
TEST_P(CoreSemantics, NumericValuesReadBackAtTheirDeclaredScale) {
  EXPECT_EQ(numeric_round_trip("n53", Decimal("1.000")).str(), "1.000");
  EXPECT_EQ(numeric_round_trip("n53", Decimal("1")).str(), "1.000");
  EXPECT_EQ(numeric_round_trip("n53", Decimal("-12.5")).str(), "-12.500");
  EXPECT_EQ(numeric_round_trip("n1812", Decimal("54.23424645165")).str(), "54.234246451650");
  EXPECT_EQ(numeric_round_trip("n1814", Decimal("0.00001")).str(), "0.00001000000000");
  EXPECT_EQ(numeric_round_trip("n1814", Decimal("0.00000000000001")).str(), "0.00000000000001");
  EXPECT_EQ(numeric_round_trip("n184", Decimal("12345678901.2345")).str(), "12345678901.2345");  // 15 digits
  // Whole numbers keep every digit: a 64-bit integer is exact everywhere.
  EXPECT_EQ(numeric_round_trip("n184", Decimal("12345678901234.0000")).str(), "12345678901234.0000");
}

TEST_P(CoreSemantics, NumericDigitsPastWhatTheBackendKeepsAreRefusedNotRounded) {
  const Decimal many("12345678901234.5678");  // 18 significant digits
  if (features().numeric_significant_digits == 0) {
    EXPECT_EQ(numeric_round_trip("n184", many), many);
    return;
  }
  EXPECT_THROW(numeric_round_trip("n184", many), DataError);
  auto conn = engine().connect();
  EXPECT_EQ(count_rows(conn, *nums_), 0);
  // Through execute_many's tuples as well.
  const auto id = nums_->c<std::int64_t>("id");
  const auto n184 = nums_->c<Decimal>("n184");
  std::vector<std::tuple<std::int64_t, Decimal>> rows = {{1, Decimal("1.5")}, {2, many}};
  EXPECT_THROW(conn.execute_many(insert(*nums_).columns(id, n184), rows), DataError);
}

// Issue 20.3: INSERT ... SELECT left the client-side defaults out.
TEST_P(CoreSemantics, InsertFromSelectFillsClientDefaults) {
  auto conn = engine().connect();
  const auto pid = people_->c<std::int64_t>("id");
  const auto pname = people_->c<std::string>("name");
  conn.execute(insert(*people_).values(set(pid, std::int64_t{1}), set(pname, "ann")));
  conn.execute(insert(*people_).values(set(pid, std::int64_t{2}), set(pname, "bob")));
  const auto aid = archive_->c<std::int64_t>("id");
  const auto aname = archive_->c<std::string>("name");
  const auto kind = archive_->c<std::string>("kind");
  const auto moved = archive_->c<DateTime>("moved_at");
  const DateTime before = DateTime::now_naive();
  conn.execute(insert(*archive_).from_select(select(pid, pname), aid, aname));
  const auto rows = conn.execute(select(aid, kind, moved).order_by(aid)).as<std::int64_t, std::string, DateTime>().all();
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& [id, k, at] : rows) {
    EXPECT_EQ(k, "old") << id;
    EXPECT_GE(at.epoch_microseconds() + 1'000'000, before.epoch_microseconds()) << id;
  }
  EXPECT_EQ(std::get<2>(rows[0]), std::get<2>(rows[1]));  // one value per execution
}

// Issue 20, small gaps: insert(t) alone meant "every column as a named parameter", so running it
// without parameters failed. Now, as in SQLAlchemy, it inserts the columns its parameters name
// (client-side defaults fill the others), and with none it is DEFAULT VALUES.
TEST_P(CoreSemantics, AnInsertWithoutValuesTakesItsColumnsFromItsParameters) {
  auto conn = engine().connect();
  const auto cid = counters_->c<std::int64_t>("id");
  const auto label = counters_->c<std::optional<std::string>>("label");
  const auto hits = counters_->c<int>("hits");
  // No parameters (and no client-side default): DEFAULT VALUES, the key generated and the server
  // default acting.
  EXPECT_TRUE(conn.dialect().compile(insert(*counters_))->binds.empty());
  conn.execute(insert(*counters_));
  conn.execute(insert(*counters_));
  using CounterRow = std::tuple<std::int64_t, std::optional<std::string>, int>;
  const auto counters = conn.execute(select(cid, label, hits).order_by(cid)).as<std::int64_t, std::optional<std::string>, int>().all();
  EXPECT_EQ(counters, (std::vector<CounterRow>{{1, std::nullopt, 0}, {2, std::nullopt, 0}}));

  const auto aid = archive_->c<std::int64_t>("id");
  const auto aname = archive_->c<std::optional<std::string>>("name");
  const auto kind = archive_->c<std::string>("kind");
  // One set: the columns it names; kind and moved_at take their client-side defaults.
  conn.execute(insert(*archive_), {{"id", 1}, {"name", "one"}});
  // Several sets: the first set's columns, client-side defaults per set.
  conn.execute_many(insert(*archive_), std::vector<Params>{{{"id", 2}, {"kind", "new"}}, {{"id", 3}, {"kind", "newer"}}});
  // Tuples: every column, in table order.
  conn.execute_many(insert(*archive_), std::vector<std::tuple<std::int64_t, std::string, std::string, DateTime>>{
                                           {4, "four", "t", DateTime::now_naive()}});
  using ArchiveRow = std::tuple<std::int64_t, std::optional<std::string>, std::string>;
  const auto archived =
      conn.execute(select(aid, aname, kind).order_by(aid)).as<std::int64_t, std::optional<std::string>, std::string>().all();
  EXPECT_EQ(archived, (std::vector<ArchiveRow>{{1, "one", "old"}, {2, std::nullopt, "new"}, {3, std::nullopt, "newer"},
                                               {4, "four", "t"}}));
  // A name that is no column is an error, and nothing runs.
  EXPECT_THROW(conn.execute(insert(*archive_), {{"id", 5}, {"nope", 1}}), ArgumentError);
  EXPECT_THROW(conn.execute_many(insert(*archive_), std::vector<Params>{{{"id", 5}, {"nope", 1}}}), ArgumentError);
  // A later set without a column the first one names.
  EXPECT_THROW(conn.execute_many(insert(*archive_), std::vector<Params>{{{"id", 6}, {"name", "x"}}, {{"id", 7}}}),
               ArgumentError);
  EXPECT_EQ(conn.scalar<std::int64_t>(select(func::count()).select_from(*archive_).where(aid >= 5)), 0);
}

// Issue 20.6: all() after first() or scalar() returned an empty list.
TEST_P(CoreSemantics, ReadingAClosedResultIsAResourceClosedError) {
  auto conn = engine().connect();
  const auto pid = people_->c<std::int64_t>("id");
  conn.execute(insert(*people_).values(set(pid, std::int64_t{1}), set(people_->c<std::string>("name"), "ann")));
  conn.execute(insert(*people_).values(set(pid, std::int64_t{2}), set(people_->c<std::string>("name"), "bob")));
  const auto ids = select(pid).order_by(pid);
  {
    Result r = conn.execute(ids);
    EXPECT_TRUE(r.first().has_value());
    EXPECT_TRUE(r.closed());
    EXPECT_THROW(r.all(), ResourceClosedError);
    EXPECT_THROW(r.scalars<std::int64_t>(), ResourceClosedError);
  }
  {
    Result r = conn.execute(ids);
    EXPECT_EQ(r.scalar<std::int64_t>(), 1);
    EXPECT_THROW(r.all(), ResourceClosedError);
    EXPECT_THROW((void)r.begin(), ResourceClosedError);
  }
  {
    Result r = conn.execute(ids.where(pid == 1));
    EXPECT_EQ(r.one().get<std::int64_t>(0), 1);
    EXPECT_THROW(r.one(), ResourceClosedError);
  }
  {
    Result r = conn.execute(ids.where(pid == 7));
    EXPECT_EQ(r.first(), std::nullopt);  // no row: closed all the same
    EXPECT_THROW(r.all(), ResourceClosedError);
  }
  {
    Result r = conn.execute(ids);
    r.close();
    EXPECT_THROW(r.all(), ResourceClosedError);
  }
  {
    // Read to the end is exhausted, not closed: reading again gives no rows.
    Result r = conn.execute(ids);
    EXPECT_EQ(r.all().size(), 2u);
    EXPECT_TRUE(r.all().empty());
    EXPECT_FALSE(r.closed());
  }
}

// Issue 20.14: select(scalar_subquery).where(users.id == 1) rendered no FROM users.
TEST_P(CoreSemantics, FromIsInferredFromTheWhereClause) {
  auto conn = engine().connect();
  const auto pid = people_->c<std::int64_t>("id");
  const auto pname = people_->c<std::string>("name");
  conn.execute(insert(*people_).values(set(pid, std::int64_t{1}), set(pname, "ann")));
  conn.execute(insert(*people_).values(set(pid, std::int64_t{2}), set(pname, "bob")));
  const auto total = select(func::count()).select_from(*people_).scalar_subquery<std::int64_t>();
  EXPECT_EQ(conn.execute(select(total).where(pid == 1)).scalars<std::int64_t>(), (std::vector<std::int64_t>{2}));
  EXPECT_EQ(conn.execute(select(total).where(pid > 5)).all().size(), 0u);
}

TEST_P(CoreSemantics, EscapedColonInsideQuotesAndOutside) {
  auto conn = engine().connect();
  EXPECT_EQ(conn.scalar<std::string>(text("SELECT ':name' AS c")), ":name");
  if (features().colon_names_are_parameters) {
    EXPECT_THROW(conn.execute(text("SELECT 1 AS \\:x")), CompileError);
  }
}

// Issue 20, small gaps: execute_many's parameter sets reach the execute events.
TEST_P(CoreSemantics, ExecuteManySetsAreVisibleToExecuteEvents) {
  std::vector<std::vector<std::vector<Value>>> seen;
  auto handle = engine().events().on_before_execute([&](const ExecuteInfo& info) {
    if (info.batch_size > 1 || !info.parameter_sets.empty())
      seen.emplace_back(info.parameter_sets.begin(), info.parameter_sets.end());
  });
  auto conn = engine().connect();
  const auto pid = people_->c<std::int64_t>("id");
  const auto pname = people_->c<std::string>("name");
  std::vector<std::tuple<std::int64_t, std::string>> rows = {{1, "ann"}, {2, "bob"}};
  conn.execute_many(insert(*people_).columns(pid, pname), rows);
  conn.execute_many(update(*people_).values(set(pname, bindparam<std::string>("n"))).where(pid == bindparam<std::int64_t>("i")),
                    std::vector<Params>{{{"n", "x"}, {"i", 1}}, {{"n", "y"}, {"i", 2}}});
  // A literal of the statement stands in its placeholder's place in every set.
  std::vector<std::tuple<std::int64_t>> ids = {{1}, {2}};
  conn.execute_many(update(*people_).values(set(pname, "z")).where(pid == bindparam<std::int64_t>("i")), ids);
  handle.remove();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], (std::vector<std::vector<Value>>{{1, "ann"}, {2, "bob"}}));
  EXPECT_EQ(seen[1], (std::vector<std::vector<Value>>{{"x", 1}, {"y", 2}}));
  EXPECT_EQ(seen[2], (std::vector<std::vector<Value>>{{"z", 1}, {"z", 2}}));
  EXPECT_EQ(count_rows(conn, *people_), 2);
}

// Issue 20, small gaps: a row read by the column object it selected, as well as by index and
// name; two columns of one name from two tables are told apart.
TEST_P(CoreSemantics, RowsReadByColumnObject) {
  auto conn = engine().connect();
  const auto pid = people_->c<std::int64_t>("id");
  const auto pname = people_->c<std::string>("name");
  const auto aid = archive_->c<std::int64_t>("id");
  const auto aname = archive_->c<std::string>("name");
  conn.execute(insert(*people_).values(set(pid, std::int64_t{1}), set(pname, "ann")));
  conn.execute(insert(*archive_).values(set(aid, std::int64_t{7}), set(aname, "old ann")));
  const auto stmt = select(pid, pname, aid, aname.label("archived")).where(pid == 1, aid == 7);
  for (const Row& row : conn.execute(stmt)) {  // a view row
    EXPECT_EQ(row.get(pid), 1);
    EXPECT_EQ(row.get(aid), 7);
    EXPECT_EQ(row.get<std::string>(pname), "ann");
    EXPECT_EQ(row[aname], Value("old ann"));  // labelled in the select: still its column
    EXPECT_THROW((void)row.get(archive_->c<std::string>("kind")), InvalidRequestError);
  }
  const Row owned = conn.execute(stmt).one();  // an owning row
  EXPECT_EQ(owned.get(aid), 7);
  EXPECT_EQ(owned.get(pname), "ann");
}

CRUCIBLE_DIALECT_SUITE(CoreSemantics);

}  // namespace
}  // namespace crucible
