// SPDX-License-Identifier: MIT
// INSERT, UPDATE, DELETE, RETURNING, upsert, execute_many and text() end to end on every backend
// (blog_fixture.hpp has the rows).
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "dialect_suite/blog_fixture.hpp"

namespace crucible {
namespace {

using Names = std::vector<std::string>;
using Ids = std::vector<std::int64_t>;

class DmlStatements : public testkit::BlogSuite {};

TEST_P(DmlStatements, InsertMultiRow) {
  CRUCIBLE_REQUIRE(features().supports_multirow_insert);
  auto conn = engine().connect();
  auto result =
      conn.execute(insert(*users_)
                       .values(set(user_id(), std::int64_t{5}), set(name(), "eve"), set(age(), 22))
                       .values(set(user_id(), std::int64_t{6}), set(name(), "frank"), set(age(), std::optional<int>()))
                       .values(set(user_id(), std::int64_t{7}), set(name(), "grace"), set(age(), 50)));
  EXPECT_EQ(result.rows_affected(), 3);
  conn.commit();
  EXPECT_EQ(conn.execute(select(name()).where(user_id() >= 5).order_by(user_id())).scalars<std::string>(),
            (Names{"eve", "frank", "grace"}));
  EXPECT_EQ(conn.scalar<std::optional<int>>(select(age()).where(user_id() == 6)), std::nullopt);
}

TEST_P(DmlStatements, InsertGeneratesKeys) {
  auto conn = engine().connect();
  const auto stmt = insert(*archive_).values(set(archive_name(), "generated"));
  std::int64_t first = 0;
  if (features().supports_insert_returning) {
    first = conn.execute(stmt.returning(archive_id())).scalar<std::int64_t>();
  } else {
    const auto key = conn.execute(stmt).inserted_primary_key();
    ASSERT_TRUE(key.has_value());
    first = *key;
  }
  EXPECT_GT(first, 0);
  conn.execute(insert(*archive_).values(set(archive_name(), "second")));
  conn.commit();
  EXPECT_EQ(conn.scalar<std::int64_t>(select(archive_id()).where(archive_name() == "generated")), first);
  const auto second = conn.scalar<std::int64_t>(select(archive_id()).where(archive_name() == "second"));
  EXPECT_GT(second, first);
}

TEST_P(DmlStatements, InsertFromSelect) {
  auto conn = engine().connect();
  const auto result = conn.execute(
      insert(*archive_).from_select(select(user_id(), name()).where(city() == "Paris"), archive_id(), archive_name()));
  EXPECT_EQ(result.rows_affected(), 2);
  conn.commit();
  EXPECT_EQ(conn.execute(select(archive_name()).order_by(archive_id())).scalars<std::string>(),
            (Names{"alice", "dave"}));
}

TEST_P(DmlStatements, UpdateAndDeleteCountRows) {
  auto conn = engine().connect();
  EXPECT_EQ(conn.execute(update(*posts_).values(set(score(), score() + 10)).where(author() == 1)).rows_affected(), 2);
  EXPECT_EQ(conn.execute(update(*posts_).values(set(score(), 0)).where(post_id() == 999)).rows_affected(), 0);
  EXPECT_EQ(conn.execute(update(*users_).values(set(city(), "Rome"), set(age(), 31)).where(name() == "alice"))
                .rows_affected(),
            1);
  conn.commit();
  EXPECT_EQ(conn.execute(select(score()).where(author() == 1).order_by(post_id())).scalars<int>(),
            (std::vector<int>{15, 17}));
  EXPECT_EQ(conn.scalar<std::optional<std::string>>(select(city()).where(user_id() == 1)), "Rome");

  // Leaves first: InnoDB checks a self-referencing foreign key row by row, not per statement.
  EXPECT_EQ(conn.execute(delete_(*comments_).where(comment_id().in_({102, 103}))).rows_affected(), 2);
  EXPECT_EQ(conn.execute(delete_(*comments_).where(comment_id() == 999)).rows_affected(), 0);
  EXPECT_EQ(conn.execute(delete_(*comments_).where(parent() != null)).rows_affected(), 1);
  EXPECT_EQ(conn.execute(delete_(*comments_)).rows_affected(), 2);
  conn.commit();
  EXPECT_EQ(count_rows(conn, *comments_), 0);
}

TEST_P(DmlStatements, UpdateCountsMatchedRowsEvenWhenUnchanged) {
  // As SQLAlchemy: rows_affected counts the rows the WHERE matched (stale-data checks rely on
  // it), also where the new value equals the old one.
  auto conn = engine().connect();
  EXPECT_EQ(conn.execute(update(*posts_).values(set(score(), 7)).where(score() == 7)).rows_affected(), 2);
  EXPECT_EQ(conn.execute(text("UPDATE " + posts_->name() + " SET score = :s WHERE id = :id"), {{"s", 5}, {"id", 10}})
                .rows_affected(),
            1);
}

TEST_P(DmlStatements, InsertReturning) {
  CRUCIBLE_REQUIRE(features().supports_insert_returning);
  auto conn = engine().connect();
  const auto rows = conn.execute(insert(*users_)
                                     .values(set(user_id(), std::int64_t{8}), set(name(), "heidi"))
                                     .values(set(user_id(), std::int64_t{9}), set(name(), "ivan"))
                                     .returning(user_id(), name()))
                        .as<std::int64_t, std::string>()
                        .all();
  EXPECT_EQ(rows, (std::vector<std::tuple<std::int64_t, std::string>>{{8, "heidi"}, {9, "ivan"}}));
}

// Text SQL with RETURNING: the rows come back in order with their generated keys; row counts are
// exact, an UPDATE counting the rows it matched whether it changed them or not.
TEST_P(DmlStatements, TextInsertReturningRowsAndRowCounts) {
  CRUCIBLE_REQUIRE(features().supports_insert_returning);
  const std::string archive = archive_->name();
  auto conn = engine().connect();
  auto result = conn.execute("INSERT INTO " + archive + " (name) VALUES (:a), (:b) RETURNING id, name",
                             {{"a", "first"}, {"b", "second"}});
  Names seen;
  Ids ids;
  for (const Row& row : result) {
    ids.push_back(row.get<std::int64_t>("id"));
    seen.push_back(row.get<std::string>("name"));
  }
  EXPECT_EQ(seen, (Names{"first", "second"}));
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[1], ids[0] + 1);
  EXPECT_EQ(result.rows_affected(), 2);
  EXPECT_EQ(conn.execute("INSERT INTO " + archive + " (name) VALUES ('x'), ('y'), ('z')").rows_affected(), 3);
  EXPECT_EQ(conn.execute("UPDATE " + archive + " SET name = 'same'").rows_affected(), 5);
  EXPECT_EQ(conn.execute("UPDATE " + archive + " SET name = 'same'").rows_affected(), 5);  // matched, unchanged
  EXPECT_EQ(conn.execute("DELETE FROM " + archive + " WHERE id = :id", {{"id", ids[0]}}).rows_affected(), 1);
  if (features().supports_delete_returning) {
    EXPECT_EQ(conn.execute("DELETE FROM " + archive + " WHERE id = :id RETURNING id", {{"id", ids[1]}})
                  .scalars<std::int64_t>(),
              Ids{ids[1]});
  }
  conn.commit();
}

TEST_P(DmlStatements, UpdateReturning) {
  CRUCIBLE_REQUIRE(features().supports_update_returning);
  auto conn = engine().connect();
  auto result = conn.execute(
      update(*posts_).values(set(score(), score() * 2)).where(author() == 1).returning(post_id(), score()));
  auto rows = result.as<std::int64_t, int>().all();
  std::sort(rows.begin(), rows.end());
  EXPECT_EQ(rows, (std::vector<std::tuple<std::int64_t, int>>{{10, 10}, {11, 14}}));
  EXPECT_EQ(result.rows_affected(), 2);
}

TEST_P(DmlStatements, DeleteReturning) {
  CRUCIBLE_REQUIRE(features().supports_delete_returning);
  auto conn = engine().connect();
  // Leaves only (InnoDB checks the self-referencing key row by row).
  auto ids = conn.execute(delete_(*comments_).where(comment_post() == 10, comment_id() > 101).returning(comment_id()))
                 .scalars<std::int64_t>();
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (Ids{102, 103}));
  EXPECT_EQ(count_rows(conn, *comments_), 3);
}

TEST_P(DmlStatements, UpsertDoNothing) {
  CRUCIBLE_REQUIRE(features().supports_on_conflict || features().supports_on_duplicate_key);
  auto conn = engine().connect();
  conn.execute(insert(*users_)
                   .values(set(user_id(), std::int64_t{1}), set(name(), "alice"), set(age(), 99))
                   .on_conflict_do_nothing(user_id()));
  conn.execute(insert(*users_)
                   .values(set(user_id(), std::int64_t{5}), set(name(), "eve"), set(age(), 20))
                   .on_conflict_do_nothing(user_id()));
  conn.commit();
  EXPECT_EQ(conn.scalar<std::optional<int>>(select(age()).where(user_id() == 1)), 30);
  EXPECT_EQ(conn.scalar<std::optional<int>>(select(age()).where(user_id() == 5)), 20);
  EXPECT_EQ(count_rows(conn, *users_), 5);
}

TEST_P(DmlStatements, UpsertDoUpdate) {
  CRUCIBLE_REQUIRE(features().supports_on_conflict || features().supports_on_duplicate_key);
  auto conn = engine().connect();
  const auto upsert = [&](std::int64_t id, const std::string& who, int years) {
    conn.execute(insert(*users_)
                     .values(set(user_id(), id), set(name(), who), set(age(), years))
                     .on_conflict_do_update({user_id()}, {set(age(), excluded(age())), set(name(), excluded(name()))}));
  };
  upsert(2, "bobby", 26);  // exists: updated
  upsert(6, "frank", 60);  // new: inserted
  conn.commit();
  const auto rows = conn.execute(select(user_id(), name(), age()).where(user_id().in_({2, 6})).order_by(user_id()))
                        .as<std::int64_t, std::string, std::optional<int>>()
                        .all();
  EXPECT_EQ(rows, (std::vector<std::tuple<std::int64_t, std::string, std::optional<int>>>{{2, "bobby", 26},
                                                                                          {6, "frank", 60}}));
  EXPECT_EQ(count_rows(conn, *users_), 5);
}

TEST_P(DmlStatements, ExecuteManyWithTuplesAndParams) {
  auto conn = engine().connect();
  std::vector<std::tuple<std::int64_t, std::string>> rows;
  for (std::int64_t i = 0; i < 50; ++i) rows.emplace_back(1000 + i, "row " + std::to_string(i));
  EXPECT_EQ(conn.execute_many(insert(*archive_).columns(archive_id(), archive_name()), rows).rows_affected(), 50);
  // Params through a typed statement with named binds.
  std::vector<Params> updates;
  for (std::int64_t i = 0; i < 10; ++i)
    updates.push_back({{"new_name", "renamed " + std::to_string(i)}, {"key", 1000 + i}});
  EXPECT_EQ(conn.execute_many(update(*archive_)
                                  .values(set(archive_name(), bindparam<std::string>("new_name")))
                                  .where(archive_id() == bindparam<std::int64_t>("key")),
                              updates)
                .rows_affected(),
            10);
  // Params through text().
  EXPECT_EQ(conn.execute_many(text("DELETE FROM " + archive_->name() + " WHERE id = :id"),
                              std::vector<Params>{{{"id", 1040}}, {{"id", 1041}}, {{"id", 5}}})
                .rows_affected(),
            2);
  conn.commit();
  EXPECT_EQ(count_rows(conn, *archive_), 48);
  EXPECT_EQ(conn.scalar<std::string>(select(archive_name()).where(archive_id() == 1009)), "renamed 9");
  EXPECT_EQ(conn.scalar<std::string>(select(archive_name()).where(archive_id() == 1010)), "row 10");
}

TEST_P(DmlStatements, TextWithNamedBinds) {
  auto conn = engine().connect();
  const auto stmt = text("SELECT name FROM " + users_->name() +
                         " WHERE (age >= :low AND age <= :high) OR name = :who OR id = :low ORDER BY name");
  EXPECT_EQ(conn.execute(stmt, {{"low", 1}, {"high", 26}, {"who", "carol"}}).scalars<std::string>(),
            (Names{"alice", "bob", "carol"}));
  // Quoted text that looks like a bind is left alone.
  EXPECT_EQ(conn.scalar<std::string>("SELECT ':not_a_bind' FROM " + users_->name() + " WHERE id = :id", {{"id", 1}}),
            ":not_a_bind");
  conn.execute("UPDATE " + users_->name() + " SET city = :c WHERE name = :n", {{"c", "Oslo"}, {"n", "carol"}});
  EXPECT_EQ(conn.scalar<std::optional<std::string>>(select(city()).where(user_id() == 3)), "Oslo");
  Params params;
  params.set("pattern", "%o%");
  EXPECT_EQ(conn.execute("SELECT title FROM " + posts_->name() + " WHERE title LIKE :pattern ORDER BY id", params)
                .scalars<std::string>(),
            (Names{"Hello", "World", "Bob's post"}));
}

CRUCIBLE_DIALECT_SUITE(DmlStatements);

}  // namespace
}  // namespace crucible
