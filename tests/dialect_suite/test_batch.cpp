// SPDX-License-Identifier: MIT
// execute_many on every backend: what the batch paths (PostgreSQL pipeline mode, MariaDB array
// binding, multi-row INSERT ... RETURNING) must keep exactly as one execution per set would:
// results, rows affected, the failing set named, nothing half-applied, one execute event pair.
#include <gmock/gmock.h>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "crucible/engine/events.hpp"
#include "dialect_suite/fixture.hpp"

namespace crucible {
namespace {

using ::testing::HasSubstr;

class BatchExecution : public testkit::DialectSuite {
 protected:
  void SetUp() override {
    DialectSuite::SetUp();
    if (IsSkipped()) return;
    items_ = &metadata_.table(table_name("items"), Column("id", BigInteger()).primary_key().autoincrement(false),
                              Column("name", Text()), Column("code", Integer()).unique(),
                              Column("score", Double()), Column("data", LargeBinary()));
    // A generated key, for INSERT ... RETURNING.
    notes_ = &metadata_.table(table_name("notes"), Column("id", BigInteger()).primary_key(),
                              Column("body", String(100)).nullable(false), Column("rank", Integer()));
    create_tables();
  }

  Expr<std::int64_t> id() const { return items_->c<std::int64_t>("id"); }
  Expr<std::optional<std::string>> name() const { return items_->c<std::optional<std::string>>("name"); }
  Expr<std::optional<int>> code() const { return items_->c<std::optional<int>>("code"); }
  Expr<std::optional<double>> score() const { return items_->c<std::optional<double>>("score"); }
  Expr<std::optional<Blob>> data() const { return items_->c<std::optional<Blob>>("data"); }
  Expr<std::int64_t> note_id() const { return notes_->c<std::int64_t>("id"); }
  Expr<std::string> body() const { return notes_->c<std::string>("body"); }
  Expr<std::optional<int>> rank() const { return notes_->c<std::optional<int>>("rank"); }

  using Item = std::tuple<std::int64_t, std::optional<std::string>, std::optional<int>>;
  // Items 1..n, code = id.
  static std::vector<Item> items(int n) {
    std::vector<Item> rows;
    for (int i = 1; i <= n; ++i) rows.emplace_back(i, "item " + std::to_string(i), i);
    return rows;
  }
  Insert insert_items() const { return insert(*items_).columns(id(), name(), code()); }

  const Table* items_ = nullptr;
  const Table* notes_ = nullptr;
};

TEST_P(BatchExecution, RowsAffectedAreExactPerStatementKind) {
  auto conn = engine().connect();
  EXPECT_EQ(conn.execute_many(insert_items(), items(300)).rows_affected(), 300);
  // UPDATE by key: 150 keys that exist, 50 that do not.
  std::vector<std::tuple<std::string, std::int64_t>> renames;
  for (std::int64_t k = 1; k <= 300; k += 2) renames.emplace_back("odd " + std::to_string(k), k);
  for (std::int64_t k = 1001; k <= 1050; ++k) renames.emplace_back("missing", k);
  const auto rename = update(*items_).values(set(name(), bindparam<std::string>("new_name")))
                          .where(id() == bindparam<std::int64_t>("key"));
  EXPECT_EQ(conn.execute_many(rename, renames).rows_affected(), 150);
  // An UPDATE that changes nothing still counts the rows it matched (the ORM's stale-row check
  // relies on it).
  std::vector<std::tuple<std::string, std::int64_t>> same{{"odd 1", 1}, {"odd 3", 3}, {"odd 5", 5}};
  EXPECT_EQ(conn.execute_many(rename, same).rows_affected(), 3);
  // One set matching many rows counts them all.
  std::vector<Params> ranges{{{"low", 1}, {"high", 10}}, {{"low", 291}, {"high", 400}}};
  EXPECT_EQ(conn.execute_many(text("UPDATE " + items_->name() + " SET score = 1.5 WHERE id BETWEEN :low AND :high"),
                              ranges)
                .rows_affected(),
            20);
  std::vector<Params> deletes;
  for (std::int64_t k = 2; k <= 300; k += 3) deletes.push_back({{"key", k}});
  deletes.push_back({{"key", 999}});
  EXPECT_EQ(conn.execute_many(delete_(*items_).where(id() == bindparam<std::int64_t>("key")), deletes).rows_affected(),
            100);
  conn.commit();
  EXPECT_EQ(count_rows(conn, *items_), 200);
  EXPECT_EQ(conn.scalar<std::optional<std::string>>(select(name()).where(id() == 7)), "odd 7");
  EXPECT_EQ(conn.scalar<std::optional<std::string>>(select(name()).where(id() == 4)), "item 4");
  EXPECT_EQ(conn.scalar<std::optional<double>>(select(score()).where(id() == 298)), 1.5);
}

// Tuple element k feeds the k-th distinct parameter name: a name used twice takes one element,
// and a literal in the statement sits between placeholders without taking one.
TEST_P(BatchExecution, TupleSetsWithLiteralsAndARepeatedName) {
  auto conn = engine().connect();
  conn.execute_many(insert_items(), items(20));
  const auto rescore = update(*items_)
                           .values(set(score(), 2.5), set(name(), bindparam<std::string>("label")))
                           .where(id() >= bindparam<std::int64_t>("key") && id() <= bindparam<std::int64_t>("key"));
  const std::vector<std::tuple<std::string, std::int64_t>> sets{{"three", 3}, {"seven", 7}, {"none", 99}};
  EXPECT_EQ(conn.execute_many(rescore, sets).rows_affected(), 2);
  conn.commit();
  conn.set_isolation_level(IsolationLevel::autocommit);  // one execution per set on every backend
  const std::vector<std::tuple<std::string, std::int64_t>> more{{"nine", 9}};
  EXPECT_EQ(conn.execute_many(rescore, more).rows_affected(), 1);
  auto other = engine().connect();
  const auto changed = other.execute(select(id(), name(), score()).where(score() == 2.5).order_by(id()))
                           .as<std::int64_t, std::optional<std::string>, std::optional<double>>()
                           .all();
  const std::vector<std::tuple<std::int64_t, std::optional<std::string>, std::optional<double>>> expected{
      {3, "three", 2.5}, {7, "seven", 2.5}, {9, "nine", 2.5}};
  EXPECT_EQ(changed, expected);
}

TEST_P(BatchExecution, UniqueViolationInSet57NamesItAndRollsBackToNothing) {
  auto conn = engine().connect();
  conn.execute_many(insert_items(), items(3));
  conn.commit();
  auto rows = items(100);
  for (auto& [key, label, c] : rows) key += 1000;  // new keys; codes 1..100 clash with 1..3 at first
  for (auto& [key, label, c] : rows) c = *c + 1000;
  std::get<2>(rows[56]) = 2;  // set 57 repeats item 2's code
  try {
    conn.execute_many(insert_items(), rows);
    FAIL() << "expected an IntegrityError";
  } catch (const IntegrityError& e) {
    EXPECT_THAT(e.what(), HasSubstr("(in parameter set 57)"));
    EXPECT_THAT(e.what(), HasSubstr("'item 57'"));  // the failing set's values
  }
  conn.rollback();
  EXPECT_EQ(count_rows(conn, *items_), 3);

  // The same through Params and an UPDATE: nothing of the batch survives the rollback.
  conn.execute_many(insert_items(), std::vector<Item>(rows.begin(), rows.begin() + 56));
  conn.commit();
  std::vector<Params> recode;
  for (std::int64_t k = 1001; k <= 1056; ++k) recode.push_back({{"c", k + 5000}, {"key", k}});
  recode[40] = Params{{"c", 3}, {"key", 1041}};  // set 41 takes item 3's code
  try {
    conn.execute_many(
        update(*items_).values(set(code(), bindparam<int>("c"))).where(id() == bindparam<std::int64_t>("key")),
        recode);
    FAIL() << "expected an IntegrityError";
  } catch (const IntegrityError& e) {
    EXPECT_THAT(e.what(), HasSubstr("(in parameter set 41)"));
  }
  conn.rollback();
  EXPECT_EQ(conn.scalar<std::int64_t>(select(func::count()).select_from(*items_).where(code() > 6000)), 0);
  EXPECT_EQ(conn.scalar<std::optional<int>>(select(code()).where(id() == 1040)), 1040);
}

TEST_P(BatchExecution, FailureInsideASavepointKeepsTheOuterWork) {
  auto conn = engine().connect();
  auto tx = conn.begin();
  conn.execute_many(insert_items(), items(10));
  {
    auto sp = conn.begin_nested();
    auto clash = items(20);  // 1..10 exist
    EXPECT_THROW(conn.execute_many(insert_items(), std::vector<Item>(clash.begin() + 5, clash.end())), IntegrityError);
    sp.rollback();
  }
  conn.execute_many(insert_items(), std::vector<Item>{{11, "eleven", 11}, {12, "twelve", 12}});
  tx.commit();
  EXPECT_EQ(count_rows(conn, *items_), 12);
}

TEST_P(BatchExecution, OneEventPairPerExecuteManyWithTheBatchSize) {
  auto conn = engine().connect();
  int before = 0, after = 0;
  std::size_t before_size = 0, after_size = 0;
  std::int64_t affected = -2;
  std::string sql;
  auto h1 = engine().events().on_before_execute([&](const ExecuteInfo& info) {
    ++before;
    before_size = info.batch_size;
    sql = std::string(info.sql);
  });
  auto h2 = engine().events().on_after_execute([&](const ExecuteInfo& info, const ExecuteStats& stats) {
    ++after;
    after_size = info.batch_size;
    affected = stats.rows_affected;
  });
  conn.execute_many(insert_items(), items(250));
  EXPECT_EQ(before, 1);
  EXPECT_EQ(after, 1);
  EXPECT_EQ(before_size, 250u);
  EXPECT_EQ(after_size, 250u);
  EXPECT_EQ(affected, 250);
  EXPECT_THAT(sql, HasSubstr("INSERT INTO"));

  before = after = 0;
  std::vector<std::tuple<std::string>> bodies;
  for (int i = 0; i < 2100; ++i) bodies.emplace_back("note " + std::to_string(i));
  if (features().supports_insert_returning) {
    auto result = conn.execute_many(insert(*notes_).columns(body()).returning(note_id()), bodies);
    EXPECT_EQ(before, 1);  // one pair, though it ran as several multi-row statements
    EXPECT_EQ(after, 1);
    EXPECT_EQ(after_size, 2100u);
    EXPECT_EQ(affected, 2100);
    EXPECT_EQ(result.scalars<std::int64_t>().size(), 2100u);
  }
  h1.remove();
  h2.remove();
  conn.commit();
}

TEST_P(BatchExecution, HostileValuesRoundTripInABatch) {
  const std::vector<std::optional<std::string>> names{
      std::nullopt,
      "it's",
      "''; DROP TABLE users; --",
      "back\\slash \\' \\\\",
      "",
      "naïve café ünïcödé",
      "emoji 🎉🚀 and CJK 漢字",
      "tab\tnew\nline\rcarriage",
      std::string(5000, 'x') + "end",
      "$1 ? :name %s",
  };
  const std::vector<std::optional<Blob>> blobs{
      Blob{0, 1, 2, 0, 255}, std::nullopt, Blob{}, Blob{'\'', '\\', 0, '"'}, Blob(3000, 0xAB),
      std::nullopt, Blob{0}, Blob{0xFF, 0xFE}, Blob{1}, std::nullopt,
  };
  using Row = std::tuple<std::int64_t, std::optional<std::string>, std::optional<int>, std::optional<double>,
                         std::optional<Blob>>;
  std::vector<Row> rows;
  for (std::size_t i = 0; i < names.size(); ++i) {
    // The leading sets leave code and score NULL: their type is only known later in the batch.
    const std::optional<int> c = i < 3 ? std::nullopt : std::optional<int>(static_cast<int>(i) * -7);
    const std::optional<double> s = i < 5 ? std::nullopt : std::optional<double>(0.1 * static_cast<double>(i));
    rows.emplace_back(static_cast<std::int64_t>(i) + 1, names[i], c, s, blobs[i]);
  }
  auto conn = engine().connect();
  EXPECT_EQ(conn.execute_many(insert(*items_).columns(id(), name(), code(), score(), data()), rows).rows_affected(),
            static_cast<std::int64_t>(rows.size()));
  conn.commit();
  const auto back = conn.execute(select(id(), name(), code(), score(), data()).order_by(id()))
                        .as<std::int64_t, std::optional<std::string>, std::optional<int>, std::optional<double>,
                            std::optional<Blob>>()
                        .all();
  EXPECT_EQ(back, rows);
}

TEST_P(BatchExecution, ParamsWithMixedValueTypesInOneColumn) {
  // One placeholder bound as an integer in some sets and as a real or text in others (MariaDB
  // cannot array-bind that: it runs those sets one by one).
  std::vector<Params> rows;
  for (std::int64_t i = 1; i <= 40; ++i) {
    Value s = i % 3 == 0 ? Value(static_cast<double>(i) + 0.5) : (i % 3 == 1 ? Value(i) : Value());
    rows.push_back({{"id", i}, {"name", i % 2 ? Value("n" + std::to_string(i)) : Value()}, {"code", i}, {"score", s}});
  }
  auto conn = engine().connect();
  EXPECT_EQ(conn.execute_many(insert(*items_).columns(id(), name(), code(), score()), rows).rows_affected(), 40);
  conn.commit();
  EXPECT_EQ(conn.scalar<std::optional<double>>(select(score()).where(id() == 3)), 3.5);
  EXPECT_EQ(conn.scalar<std::optional<double>>(select(score()).where(id() == 4)), 4.0);
  EXPECT_EQ(conn.scalar<std::optional<double>>(select(score()).where(id() == 5)), std::nullopt);
  EXPECT_EQ(conn.scalar<std::optional<std::string>>(select(name()).where(id() == 39)), "n39");
  EXPECT_EQ(conn.scalar<std::optional<std::string>>(select(name()).where(id() == 40)), std::nullopt);
}

TEST_P(BatchExecution, BatchesLargerThanTheParameterLimits) {
  // 25,000 sets x 3 placeholders: more values than one statement may carry anywhere.
  constexpr int n = 25'000;
  std::vector<Item> rows = items(n);
  auto conn = engine().connect();
  EXPECT_EQ(conn.execute_many(insert_items(), rows).rows_affected(), n);
  std::vector<std::tuple<double, std::int64_t>> scores;
  for (std::int64_t k = 1; k <= n; ++k) scores.emplace_back(static_cast<double>(k) / 4, k);
  EXPECT_EQ(conn.execute_many(update(*items_).values(set(score(), bindparam<double>("s")))
                                  .where(id() == bindparam<std::int64_t>("k")),
                              scores)
                .rows_affected(),
            n);
  conn.commit();
  EXPECT_EQ(count_rows(conn, *items_), n);
  EXPECT_EQ(conn.scalar<double>(select(func::sum(score())).select_from(*items_)), n * (n + 1.0) / 8);
}

TEST_P(BatchExecution, InsertReturningYieldsOneRowPerSetInOrder) {
  CRUCIBLE_REQUIRE(features().supports_insert_returning);
  auto conn = engine().connect();
  std::vector<std::tuple<std::string, std::optional<int>>> rows;
  for (int i = 0; i < 2'345; ++i)  // more than one multi-row statement, and a partial last one
    rows.emplace_back("body " + std::to_string(i), i % 5 ? std::optional<int>(i) : std::nullopt);
  auto result = conn.execute_many(insert(*notes_).columns(body(), rank()).returning(note_id(), body(), rank()), rows);
  EXPECT_TRUE(result.returns_rows());
  EXPECT_EQ(result.keys(), (std::vector<std::string>{"id", "body", "rank"}));
  std::int64_t previous = 0;
  std::size_t i = 0;
  for (auto [key, text, r] : result.as<std::int64_t, std::string, std::optional<int>>()) {
    ASSERT_LT(i, rows.size());
    EXPECT_EQ(text, std::get<0>(rows[i]));
    EXPECT_EQ(r, std::get<1>(rows[i]));
    EXPECT_GT(key, previous);  // generated keys ascend in set order
    previous = key;
    ++i;
  }
  EXPECT_EQ(i, rows.size());
  conn.commit();
  EXPECT_EQ(count_rows(conn, *notes_), 2'345);
  // The keys returned are the stored ones.
  EXPECT_EQ(conn.scalar<std::string>(select(body()).where(note_id() == previous)), "body 2344");

  // Keys given by the sets (no generated key to sort by): the rows still come in set order.
  std::vector<std::tuple<std::int64_t, std::optional<std::string>, std::optional<int>>> given;
  for (std::int64_t k = 500; k >= 1; --k) given.emplace_back(k * 3, "k" + std::to_string(k), static_cast<int>(k));
  const auto back = conn.execute_many(insert_items().returning(id(), name()), given)
                        .as<std::int64_t, std::optional<std::string>>()
                        .all();
  ASSERT_EQ(back.size(), given.size());
  for (std::size_t j = 0; j < back.size(); ++j) EXPECT_EQ(std::get<0>(back[j]), std::get<0>(given[j]));
  conn.commit();
}

TEST_P(BatchExecution, InsertReturningOverTheParameterLimit) {
  CRUCIBLE_REQUIRE(features().supports_insert_returning);
  // 40 placeholders a row: SQLite takes 819 rows a statement, the servers 1,000.
  std::vector<TableItem> columns;
  columns.emplace_back(Column("id", BigInteger()).primary_key());
  for (int c = 0; c < 40; ++c) columns.emplace_back(Column("c" + std::to_string(c), Integer()));
  Table& wide = metadata_.add_table(table_name("wide"), std::move(columns));
  create_tables();
  std::vector<Params> rows;
  for (int r = 0; r < 2'000; ++r) {
    Params p;
    for (int c = 0; c < 40; ++c) p.set("c" + std::to_string(c), r * 100 + c);
    rows.push_back(std::move(p));
  }
  std::vector<ExprArg> cols;
  for (int c = 0; c < 40; ++c) cols.emplace_back(wide.c<int>("c" + std::to_string(c)));
  auto conn = engine().connect();
  const auto stmt = insert(wide).columns(cols).returning(wide.c<std::int64_t>("id"), wide.c<int>("c7"));
  const auto back = conn.execute_many(stmt, rows).as<std::int64_t, int>().all();
  ASSERT_EQ(back.size(), rows.size());
  for (std::size_t r = 0; r < back.size(); ++r) EXPECT_EQ(std::get<1>(back[r]), static_cast<int>(r) * 100 + 7);
  conn.commit();
  EXPECT_EQ(count_rows(conn, wide), 2'000);
}

TEST_P(BatchExecution, InsertReturningFailureNamesTheSetsAndAppliesNothing) {
  CRUCIBLE_REQUIRE(features().supports_insert_returning);
  auto conn = engine().connect();
  std::vector<std::tuple<std::int64_t, std::optional<std::string>, std::optional<int>>> rows;
  for (std::int64_t k = 1; k <= 1500; ++k) rows.emplace_back(k, "r", static_cast<int>(k));
  std::get<2>(rows[1200]) = 5;  // set 1201 repeats set 5's code, in the second statement
  try {
    conn.execute_many(insert_items().returning(id()), rows);
    FAIL() << "expected an IntegrityError";
  } catch (const IntegrityError& e) {
    EXPECT_THAT(e.what(), HasSubstr("(in parameter sets 1001 to 1500"));
  }
  conn.rollback();
  EXPECT_EQ(count_rows(conn, *items_), 0);
}

TEST_P(BatchExecution, AutocommitKeepsEachSetOnItsOwn) {
  // In autocommit mode each set commits as it runs: a failure keeps the sets before it.
  auto conn = engine().connect();
  conn.set_isolation_level(IsolationLevel::autocommit);
  auto rows = items(30);
  std::get<2>(rows[19]) = 1;  // set 20 repeats set 1's code
  EXPECT_THROW(conn.execute_many(insert_items(), rows), IntegrityError);
  auto other = engine().connect();
  EXPECT_EQ(count_rows(other, *items_), 19);
}

TEST_P(BatchExecution, EmptyAndSingleSetBatches) {
  auto conn = engine().connect();
  EXPECT_EQ(conn.execute_many(insert_items(), std::vector<Item>{}).rows_affected(), 0);
  EXPECT_EQ(conn.execute_many(insert_items(), items(1)).rows_affected(), 1);
  if (features().supports_insert_returning) {
    EXPECT_TRUE(conn.execute_many(insert(*notes_).columns(body()).returning(note_id()),
                                  std::vector<std::tuple<std::string>>{})
                    .scalars<std::int64_t>()
                    .empty());
    EXPECT_EQ(conn.execute_many(insert(*notes_).columns(body()).returning(body()),
                                std::vector<std::tuple<std::string>>{{"only"}})
                  .scalars<std::string>(),
              std::vector<std::string>{"only"});
  }
  conn.commit();
  EXPECT_EQ(count_rows(conn, *items_), 1);
}

// The ORM's path: a binder filling the driver statement itself (UPDATE batches like the rest).
class RenameBinder final : public detail::StatementBinder {
 public:
  explicit RenameBinder(std::vector<std::int64_t> keys) : keys_(std::move(keys)) {}
  std::size_t size() const override { return keys_.size(); }
  void bind(dialects::DriverStatement& stmt, std::size_t row) const override {
    stmt.bind(0, Value("bound " + std::to_string(keys_[row])));
    stmt.bind_int64(1, keys_[row]);
  }
  std::vector<Value> values(std::size_t row) const override { return {Value(keys_[row])}; }
  void executed(std::size_t, std::int64_t) const override { ++executed_; }
  mutable std::size_t executed_ = 0;

 private:
  std::vector<std::int64_t> keys_;
};

TEST_P(BatchExecution, BoundUpdatesCountMatchedRows) {
  auto conn = engine().connect();
  conn.execute_many(insert_items(), items(100));
  const auto stmt =
      update(*items_).values(set(name(), bindparam<std::string>("n"))).where(id() == bindparam<std::int64_t>("k"));
  const auto compiled = engine().dialect().compile(stmt);
  std::vector<std::int64_t> keys;
  for (std::int64_t k = 1; k <= 120; ++k) keys.push_back(k);  // 20 keys do not exist
  RenameBinder binder(keys);
  EXPECT_EQ(conn.execute_many_bound(compiled, binder).rows_affected(), 100);
  EXPECT_EQ(binder.executed_, 120u);
  conn.commit();
  EXPECT_EQ(conn.scalar<std::optional<std::string>>(select(name()).where(id() == 42)), "bound 42");
}

CRUCIBLE_DIALECT_SUITE(BatchExecution);

}  // namespace
}  // namespace crucible
