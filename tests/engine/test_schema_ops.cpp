// SPDX-License-Identifier: MIT
// create_all / drop_all on real SQLite files: order, checkfirst, indexes, constraints.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "crucible/engine/engine.hpp"
#include "crucible/engine/schema.hpp"
#include "crucible/sql/text.hpp"
#include "support.hpp"

using namespace crucible;

namespace {

// The child table is declared before its parent: only sorting gets the order right.
struct BlogSchema {
  MetaData metadata;
  BlogSchema() {
    metadata.table("comments", Column("id", BigInteger()).primary_key(),
                   Column("post_id", BigInteger()).references("posts.id").on_delete("CASCADE"),
                   Column("body", Text()).nullable(false));
    metadata.table("posts", Column("id", BigInteger()).primary_key(),
                   Column("user_id", BigInteger()).references("users.id").nullable(false),
                   Column("slug", String(80)).nullable(false).unique(),
                   Column("title", String(200)).nullable(false).index(),
                   Index("ix_posts_user_title", {"user_id", "title"}),
                   UniqueConstraint({"user_id", "title"}, "uq_posts_user_title"));
    metadata.table("users", Column("id", BigInteger()).primary_key(),
                   Column("email", String(120)).nullable(false).unique());
  }
};

// Every statement an engine runs, in order.
struct StatementLog {
  std::vector<std::string> sql;
  EventHandle handle;
  explicit StatementLog(const Engine& engine)
      : handle(engine.events().on_before_execute(
            [this](const ExecuteInfo& info) { sql.emplace_back(info.sql); })) {}
  std::vector<std::string> starting_with(std::string_view prefix) const {
    std::vector<std::string> out;
    for (const auto& s : sql)
      if (s.rfind(prefix, 0) == 0) out.push_back(s);
    return out;
  }
};

std::vector<std::string> tables_in(Connection& conn) {
  return conn
      .execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
               "ORDER BY name")
      .scalars<std::string>();
}

std::size_t position_of(const std::vector<std::string>& statements, std::string_view needle) {
  auto it = std::find_if(statements.begin(), statements.end(), [&](const std::string& s) {
    return s.find(needle) != std::string::npos;
  });
  return static_cast<std::size_t>(it - statements.begin());
}

}  // namespace

TEST(SchemaOps, CreateAllOrdersParentsBeforeChildren) {
  testkit::TempDir dir;
  BlogSchema schema;
  auto engine = create_engine(dir.url("order.db"));
  StatementLog log(engine);
  create_all(engine, schema.metadata);

  const auto creates = log.starting_with("CREATE TABLE");
  ASSERT_EQ(creates.size(), 3u);
  EXPECT_LT(position_of(creates, "users"), position_of(creates, "posts"));
  EXPECT_LT(position_of(creates, "posts"), position_of(creates, "comments"));
  // Each table's indexes follow it, before the next table.
  const auto all = log.sql;
  const auto posts = position_of(all, "CREATE TABLE posts");
  const auto index = position_of(all, "ix_posts_user_title");
  const auto comments = position_of(all, "CREATE TABLE comments");
  EXPECT_LT(posts, index);
  EXPECT_LT(index, comments);

  // Committed: another connection sees the tables.
  auto conn = engine.connect();
  EXPECT_EQ(tables_in(conn), (std::vector<std::string>{"comments", "posts", "users"}));
  EXPECT_TRUE(has_table(conn, "posts"));
  EXPECT_FALSE(has_table(conn, "nope"));
}

TEST(SchemaOps, CheckfirstTwiceIsIdempotent) {
  testkit::TempDir dir;
  BlogSchema schema;
  auto engine = create_engine(dir.url("twice.db"));
  create_all(engine, schema.metadata);
  {
    auto conn = engine.connect();
    conn.execute("INSERT INTO users (id, email) VALUES (1, 'a@example.com')");
    conn.commit();
  }
  StatementLog log(engine);
  EXPECT_NO_THROW(create_all(engine, schema.metadata));
  EXPECT_TRUE(log.starting_with("CREATE").empty());
  auto conn = engine.connect();
  EXPECT_EQ(conn.scalar<std::int64_t>("SELECT count(*) FROM users"), 1);  // nothing recreated
  EXPECT_EQ(tables_in(conn).size(), 3u);

  // Without checkfirst the database itself reports the existing table.
  conn.close();
  EXPECT_THROW(create_all(engine, schema.metadata, false), ProgrammingError);
}

TEST(SchemaOps, CheckfirstCreatesOnlyMissingTables) {
  testkit::TempDir dir;
  BlogSchema schema;
  auto engine = create_engine(dir.url("partial.db"));
  {
    auto conn = engine.connect();
    conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL)");
    conn.commit();
  }
  StatementLog log(engine);
  create_all(engine, schema.metadata);
  const auto creates = log.starting_with("CREATE TABLE");
  ASSERT_EQ(creates.size(), 2u);
  EXPECT_EQ(position_of(creates, "CREATE TABLE users"), creates.size());
}

TEST(SchemaOps, DropAllDropsChildrenFirst) {
  testkit::TempDir dir;
  BlogSchema schema;
  auto engine = create_engine(dir.url("drop.db"));
  create_all(engine, schema.metadata);
  {
    auto conn = engine.connect();
    conn.execute("INSERT INTO users (id, email) VALUES (1, 'a@example.com')");
    conn.execute("INSERT INTO posts (id, user_id, slug, title) VALUES (1, 1, 's', 't')");
    conn.execute("INSERT INTO comments (id, post_id, body) VALUES (1, 1, 'b')");
    conn.commit();
  }
  StatementLog log(engine);
  drop_all(engine, schema.metadata);  // parents first would violate the enforced foreign keys
  const auto drops = log.starting_with("DROP TABLE");
  ASSERT_EQ(drops.size(), 3u);
  EXPECT_LT(position_of(drops, "comments"), position_of(drops, "posts"));
  EXPECT_LT(position_of(drops, "posts"), position_of(drops, "users"));
  auto conn = engine.connect();
  EXPECT_TRUE(tables_in(conn).empty());
  conn.close();

  // checkfirst: dropping again finds nothing to drop; without it the database complains.
  EXPECT_NO_THROW(drop_all(engine, schema.metadata));
  EXPECT_THROW(drop_all(engine, schema.metadata, false), ProgrammingError);
}

TEST(SchemaOps, IndexesAndUniqueConstraintsExist) {
  testkit::TempDir dir;
  BlogSchema schema;
  auto engine = create_engine(dir.url("indexes.db"));
  create_all(engine, schema.metadata);
  auto conn = engine.connect();

  const auto named = conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND "
                                  "tbl_name = 'posts' AND sql IS NOT NULL ORDER BY name")
                         .scalars<std::string>();
  EXPECT_NE(std::find(named.begin(), named.end(), "ix_posts_user_title"), named.end());
  EXPECT_NE(std::find(named.begin(), named.end(), "ix_posts_title"), named.end());

  // PRAGMA index_list: (seq, name, unique, origin, partial). Unique constraints show as
  // origin 'u' (auto-indexes), created indexes as 'c'.
  int unique_constraints = 0, created = 0;
  for (const Row& row : conn.execute("PRAGMA index_list('posts')")) {
    const auto origin = row.get<std::string>(3);
    if (origin == "u") {
      EXPECT_EQ(row.get<std::int64_t>(2), 1);
      ++unique_constraints;
    }
    if (origin == "c") ++created;
  }
  EXPECT_EQ(unique_constraints, 2);  // slug, (user_id, title)
  EXPECT_EQ(created, 2);

  conn.execute("INSERT INTO users (id, email) VALUES (1, 'a@example.com')");
  EXPECT_THROW(conn.execute("INSERT INTO users (id, email) VALUES (2, 'a@example.com')"),
               IntegrityError);
  conn.execute("INSERT INTO posts (id, user_id, slug, title) VALUES (1, 1, 's1', 't')");
  EXPECT_THROW(conn.execute("INSERT INTO posts (id, user_id, slug, title) VALUES (2, 1, 's1', 'u')"),
               IntegrityError);
  EXPECT_THROW(conn.execute("INSERT INTO posts (id, user_id, slug, title) VALUES (3, 1, 's3', 't')"),
               IntegrityError);
}

TEST(SchemaOps, ForeignKeysAreEnforced) {
  testkit::TempDir dir;
  BlogSchema schema;
  auto engine = create_engine(dir.url("fk.db"));
  create_all(engine, schema.metadata);
  auto conn = engine.connect();
  EXPECT_THROW(conn.execute("INSERT INTO posts (id, user_id, slug, title) VALUES (1, 99, 's', 't')"),
               IntegrityError);
  conn.execute("INSERT INTO users (id, email) VALUES (1, 'a@example.com')");
  conn.execute("INSERT INTO posts (id, user_id, slug, title) VALUES (1, 1, 's', 't')");
  conn.execute("INSERT INTO comments (id, post_id, body) VALUES (1, 1, 'b')");
  EXPECT_THROW(conn.execute("DELETE FROM users WHERE id = 1"), IntegrityError);
  conn.execute("DELETE FROM posts WHERE id = 1");  // ON DELETE CASCADE
  EXPECT_EQ(conn.scalar<std::int64_t>("SELECT count(*) FROM comments"), 0);
}

TEST(SchemaOps, ConnectionOverloadsRunInTheCallersTransaction) {
  testkit::TempDir dir;
  BlogSchema schema;
  auto engine = create_engine(dir.url("tx.db"));
  {
    auto conn = engine.connect();
    auto tx = conn.begin();
    create_all(conn, schema.metadata);
    EXPECT_TRUE(conn.in_transaction());
    EXPECT_EQ(tables_in(conn).size(), 3u);
    tx.rollback();  // SQLite DDL is transactional: nothing stays
  }
  {
    auto conn = engine.connect();
    EXPECT_TRUE(tables_in(conn).empty());
  }
  {
    auto conn = engine.connect();
    create_all(conn, schema.metadata);
    conn.commit();
  }
  auto conn = engine.connect();
  EXPECT_EQ(tables_in(conn).size(), 3u);
  drop_all(conn, schema.metadata);
  EXPECT_TRUE(tables_in(conn).empty());
  conn.rollback();
  EXPECT_EQ(tables_in(conn).size(), 3u);
}

TEST(SchemaOps, FailureRollsBackTheWholeCreate) {
  testkit::TempDir dir;
  MetaData metadata;
  metadata.table("a", Column("id", BigInteger()).primary_key());
  metadata.table("b", Column("id", BigInteger()).primary_key(),
                 Column("a_id", BigInteger()).references("a.id"));
  auto engine = create_engine(dir.url("atomic.db"));
  {
    auto conn = engine.connect();
    // Creating "b" collides with it (without checkfirst, which counts views as tables).
    conn.execute("CREATE VIEW b AS SELECT 1 AS id");
    conn.commit();
  }
  EXPECT_THROW(create_all(engine, metadata, false), ProgrammingError);
  auto conn = engine.connect();
  EXPECT_TRUE(tables_in(conn).empty());  // "a" was rolled back with the failure
}
