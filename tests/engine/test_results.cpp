// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include <thread>

#include "crucible/engine/engine.hpp"
#include "crucible/sql/dialect.hpp"

using namespace crucible;

enum class Status { draft, published };
template <>
struct crucible::EnumNames<Status> {
  static constexpr std::array names{"draft", "published"};
};

namespace {
struct Results : ::testing::Test {
  Engine engine = create_engine("sqlite://");
  Connection conn = engine.connect();
  void SetUp() override {
    conn.execute("CREATE TABLE p (id INTEGER PRIMARY KEY, title TEXT, score REAL, status TEXT, note TEXT)");
    conn.execute("INSERT INTO p VALUES (1, 'a', 1.5, 'draft', NULL), (2, 'b', 2.5, 'published', 'n')");
  }
};
}  // namespace

TEST_F(Results, TypedTuplesAndStructuredBindings) {
  std::vector<std::string> titles;
  for (auto [id, title] : conn.execute("SELECT id, title FROM p ORDER BY id").as<std::int64_t, std::string>())
    titles.push_back(std::to_string(id) + title);
  EXPECT_EQ(titles, (std::vector<std::string>{"1a", "2b"}));
  auto all = conn.execute("SELECT status, note FROM p ORDER BY id").as<Status, std::optional<std::string>>().all();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(std::get<0>(all[1]), Status::published);
  EXPECT_EQ(std::get<1>(all[0]), std::nullopt);
}

TEST_F(Results, RowAccessByIndexNameAndValue) {
  Row row = conn.execute("SELECT id, title, score FROM p WHERE id = 2").one();
  EXPECT_EQ(row.size(), 3u);
  EXPECT_EQ(row[0], Value(std::int64_t{2}));
  EXPECT_EQ(row.get<std::string>("title"), "b");
  EXPECT_DOUBLE_EQ(row.get<double>(2), 2.5);
  EXPECT_EQ(row.get<std::int32_t>(0), 2);
  EXPECT_EQ(row.keys(), (std::vector<std::string>{"id", "title", "score"}));
  auto [id, title, score] = row.as<std::int64_t, std::string, double>();
  EXPECT_EQ(id, 2);
  EXPECT_EQ(title, "b");
  EXPECT_DOUBLE_EQ(score, 2.5);
  EXPECT_THROW(row.get<int>("nope"), InvalidRequestError);
}

TEST_F(Results, OneFirstAllScalars) {
  EXPECT_THROW(conn.execute("SELECT id FROM p WHERE id = 9").one(), NoResultFound);
  EXPECT_THROW(conn.execute("SELECT id FROM p").one(), MultipleResultsFound);
  EXPECT_THROW(conn.execute("SELECT id FROM p").one_or_none(), MultipleResultsFound);
  EXPECT_FALSE(conn.execute("SELECT id FROM p WHERE id = 9").one_or_none().has_value());
  EXPECT_EQ(conn.execute("SELECT id FROM p ORDER BY id DESC").first()->get<int>(0), 2);
  EXPECT_FALSE(conn.execute("SELECT id FROM p WHERE 0").first());
  auto rows = conn.execute("SELECT id, title FROM p ORDER BY id").all();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].get<std::string>("title"), "b");  // owning rows outlive the result
  EXPECT_EQ(conn.execute("SELECT title FROM p ORDER BY id").scalars<std::string>(),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_THROW(conn.scalar<std::int64_t>("SELECT id FROM p WHERE 0"), NoResultFound);
  EXPECT_EQ(conn.scalar<std::optional<std::int64_t>>("SELECT id FROM p WHERE 0"), std::nullopt);
  EXPECT_EQ(conn.execute("UPDATE p SET score = 0").rows_affected(), 2);
  EXPECT_EQ(conn.execute("SELECT 1").rows_affected(), -1);
}

TEST_F(Results, TypedOneOneOrNoneFirst) {
  auto [id, title, note] =
      conn.execute("SELECT id, title, note FROM p WHERE id = :id", {{"id", 2}})
          .one<std::int64_t, std::string, std::optional<std::string>>();
  EXPECT_EQ(id, 2);
  EXPECT_EQ(title, "b");
  EXPECT_EQ(note, "n");
  EXPECT_THROW(conn.execute("SELECT id FROM p WHERE id = 9").one<std::int64_t>(), NoResultFound);
  EXPECT_THROW(conn.execute("SELECT id FROM p").one<std::int64_t>(), MultipleResultsFound);
  EXPECT_THROW(conn.execute("SELECT id, title FROM p WHERE id = 1").one<std::int64_t>(), TypeError);
  EXPECT_THROW(conn.execute("SELECT title FROM p WHERE id = 1").one<std::int64_t>(), TypeError);
  EXPECT_EQ(conn.execute("SELECT id FROM p WHERE id = 9").one_or_none<std::int64_t>(), std::nullopt);
  EXPECT_EQ(conn.execute("SELECT title FROM p WHERE id = 1").one_or_none<std::string>(),
            std::make_tuple(std::string("a")));
  EXPECT_THROW(conn.execute("SELECT id FROM p").one_or_none<std::int64_t>(), MultipleResultsFound);
  EXPECT_EQ(conn.execute("SELECT id FROM p ORDER BY id DESC").first<std::int64_t>(),
            std::make_tuple(std::int64_t{2}));
  EXPECT_EQ(conn.execute("SELECT id FROM p WHERE 0").first<std::int64_t>(), std::nullopt);
  // A built statement run in a loop (memoised compile, cached driver statement): each typed
  // one() closes its result, so the next execute reuses the same prepared statement.
  auto& driver = conn.driver_connection();
  const auto prepared = driver.statements_prepared();
  Result r = conn.execute("SELECT id FROM p WHERE id = 1");
  EXPECT_EQ(r.one<std::int64_t>(), std::make_tuple(std::int64_t{1}));
  EXPECT_THROW(r.advance(), ResourceClosedError);  // closed by one()
  for (int i = 1; i <= 2; ++i)
    EXPECT_EQ(std::get<0>(conn.execute("SELECT title FROM p WHERE id = :id", {{"id", i}})
                              .one<std::string>()),
              i == 1 ? "a" : "b");
  EXPECT_LE(driver.statements_prepared(), prepared + 2);
}

TEST_F(Results, WrongReadsAreTypeErrors) {
  auto expect_type_error = [&](auto read, const std::string& needle) {
    try {
      read();
      ADD_FAILURE() << "expected TypeError containing " << needle;
    } catch (const TypeError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_type_error([&] { conn.execute("SELECT title FROM p").first()->get<std::int64_t>(0); },
                    "column 0 'title' holding text as int64");
  expect_type_error([&] { conn.execute("SELECT note FROM p WHERE id = 1").one().get<std::string>(0); },
                    "holding NULL as string");
  expect_type_error([&] { conn.execute("SELECT 100000").one().get<std::int16_t>(0); }, "out of range");
  expect_type_error([&] { conn.execute("SELECT id, title FROM p").as<std::int64_t>(); },
                    "2 columns but the tuple has 1");
  expect_type_error([&] { conn.execute("SELECT 'x'").one().get<Status>(0); }, "unknown label 'x'");
  expect_type_error([&] { conn.execute("SELECT 'nope'").one().get<Date>(0); }, "as Date");
}

TEST_F(Results, ReturningAndRowsAffected) {
  if (!engine.dialect().features().supports_returning) GTEST_SKIP();
  auto r = conn.execute("INSERT INTO p (title) VALUES ('c'), ('d') RETURNING id");
  EXPECT_EQ(r.scalars<std::int64_t>(), (std::vector<std::int64_t>{3, 4}));
  EXPECT_EQ(r.rows_affected(), 2);
}

TEST_F(Results, ClosingConnectionClosesResults) {
  auto r = conn.execute("SELECT id FROM p");
  conn.close();
  EXPECT_FALSE(r.advance());
}

TEST_F(Results, ClosedResultsKeepTheirNamesAndCounts) {
  // A closed Result still answers keys() after its cached statement is gone from the
  // connection's cache (evicted here by a small cache and other statements).
  conn.driver_connection().set_statement_cache_size(2);
  Result read = conn.execute("SELECT id, title FROM p ORDER BY id");
  EXPECT_EQ(read.all().size(), 2u);
  Result closed_early = conn.execute("SELECT title, id FROM p");
  closed_early.close();
  conn.commit();
  Result ended_by_commit = conn.execute("SELECT score FROM p");
  conn.commit();  // the transaction's results end with it
  EXPECT_FALSE(ended_by_commit.advance());
  for (int i = 0; i < 4; ++i) conn.execute("SELECT " + std::to_string(i)).all();
  EXPECT_EQ(read.keys(), (std::vector<std::string>{"id", "title"}));
  EXPECT_EQ(read.rows_affected(), -1);
  EXPECT_EQ(closed_early.keys(), (std::vector<std::string>{"title", "id"}));
  EXPECT_EQ(ended_by_commit.keys(), (std::vector<std::string>{"score"}));
  EXPECT_FALSE(read.advance());
  EXPECT_TRUE(read.row().empty());
  // A Result moved from keeps nothing; the one moved to carries on.
  Result moved = conn.execute("SELECT id FROM p ORDER BY id");
  Result target = std::move(moved);
  EXPECT_EQ(target.first<std::int64_t>(), std::make_tuple(std::int64_t{1}));
  EXPECT_EQ(target.keys(), (std::vector<std::string>{"id"}));
}

TEST_F(Results, ACursorServesTheNextStatementWithNothingLeftOfTheLast) {
  // One execution's cursor is kept when its Result goes and reopened by the next execute, even
  // for another statement: nothing of the last one may show through.
  if (engine.dialect().features().supports_returning) {
    auto inserted = conn.execute("INSERT INTO p (title) VALUES ('c'), ('d') RETURNING id, title");
    EXPECT_EQ(inserted.all().size(), 2u);
    EXPECT_EQ(inserted.rows_affected(), 2);
  }
  {
    auto counted = conn.execute("SELECT count(*) AS n FROM p");
    EXPECT_EQ(counted.keys(), (std::vector<std::string>{"n"}));
    EXPECT_EQ(counted.scalar<std::int64_t>(), 4);
    EXPECT_EQ(counted.rows_affected(), -1);
    EXPECT_EQ(counted.inserted_primary_key(), std::nullopt);
  }
  // A Result dropped with rows left gives its statement back: the same statement runs again
  // from its first row, from the cache.
  auto& driver = conn.driver_connection();
  const auto by_id = "SELECT id, title FROM p ORDER BY id";
  EXPECT_EQ(std::get<0>(*(conn.execute(by_id).first<std::int64_t, std::string>())), 1);
  const auto prepared = driver.statements_prepared();
  {
    Result dropped = conn.execute(by_id);
    ASSERT_TRUE(dropped.advance());
  }
  EXPECT_EQ((conn.execute(by_id).as<std::int64_t, std::string>().all().size()), 4u);
  EXPECT_EQ(driver.statements_prepared(), prepared);
  // Two open at once: the second is a cursor of its own, over a private twin of the statement.
  Result first = conn.execute(by_id);
  Result second = conn.execute(by_id);
  ASSERT_TRUE(first.advance());
  ASSERT_TRUE(second.advance());
  ASSERT_TRUE(second.advance());
  EXPECT_EQ(first.row().get<std::int64_t>(0), 1);
  EXPECT_EQ(second.row().get<std::int64_t>(0), 2);
}

TEST_F(Results, ResultsOnAnotherThreadLeaveNothingBehindWhenItEnds) {
  // Each thread keeps its last cursor; the thread's end deletes it (the leak checker of the
  // sanitizer build sees anything left). The connection moves to the worker while this thread
  // waits for it.
  std::int64_t total = 0;
  std::thread worker([&] {
    for (int i = 1; i <= 2; ++i)
      total += std::get<0>(conn.execute("SELECT id FROM p WHERE id = :id", {{"id", i}}).one<std::int64_t>());
  });
  worker.join();
  EXPECT_EQ(total, 3);
}
