// SPDX-License-Identifier: MIT
// Golden tests: SELECT ... FOR UPDATE / FOR SHARE and their options on every dialect, MariaDB
// included (it spells a shared lock LOCK IN SHARE MODE and has no OF).
#include "sql/support.hpp"

namespace crucible::testing {
namespace {

class LockingTest : public ::testing::Test, protected Blog {
 protected:
  // Expected SQL on PostgreSQL, MySQL 8 (the MysqlDialect default) and MariaDB; SQLite always
  // renders the statement without a locking clause.
  void expect_locking(const Select& stmt, const std::string& sqlite_sql, const std::string& pg,
                      const std::string& mysql_sql, const std::string& mariadb_sql) {
    expect_sql(stmt, Expected{sqlite_sql, pg, mysql_sql});
    EXPECT_EQ(mariadb().compile(stmt)->sql, mariadb_sql) << "dialect: mariadb";
  }
};

TEST_F(LockingTest, ForUpdate) {
  auto stmt = select(u_id, u_name).where(u_id == 5).with_for_update();
  expect_locking(stmt, "SELECT users.id, users.name FROM users WHERE users.id = ?",
                 "SELECT users.id, users.name FROM users WHERE users.id = $1 FOR UPDATE",
                 "SELECT users.id, users.name FROM users WHERE users.id = ? FOR UPDATE",
                 "SELECT users.id, users.name FROM users WHERE users.id = ? FOR UPDATE");
  auto compiled = postgresql().compile(stmt);
  EXPECT_TRUE(compiled->returns_rows);
  EXPECT_EQ(compiled->kind, sql::StatementKind::select);
  EXPECT_EQ(literals_of(stmt), (std::vector<Value>{5}));
}

TEST_F(LockingTest, ReadIsAShareLock) {
  auto stmt = select(u_id).where(u_id == 5).with_for_update({.read = true});
  expect_locking(stmt, "SELECT users.id FROM users WHERE users.id = ?",
                 "SELECT users.id FROM users WHERE users.id = $1 FOR SHARE",
                 "SELECT users.id FROM users WHERE users.id = ? FOR SHARE",
                 "SELECT users.id FROM users WHERE users.id = ? LOCK IN SHARE MODE");
}

TEST_F(LockingTest, Nowait) {
  auto stmt = select(u_id).where(u_id == 5).with_for_update({.nowait = true});
  expect_locking(stmt, "SELECT users.id FROM users WHERE users.id = ?",
                 "SELECT users.id FROM users WHERE users.id = $1 FOR UPDATE NOWAIT",
                 "SELECT users.id FROM users WHERE users.id = ? FOR UPDATE NOWAIT",
                 "SELECT users.id FROM users WHERE users.id = ? FOR UPDATE NOWAIT");
  auto shared = select(u_id).with_for_update({.read = true, .nowait = true});
  expect_locking(shared, "SELECT users.id FROM users", "SELECT users.id FROM users FOR SHARE NOWAIT",
                 "SELECT users.id FROM users FOR SHARE NOWAIT",
                 "SELECT users.id FROM users LOCK IN SHARE MODE NOWAIT");
}

TEST_F(LockingTest, SkipLockedComesAfterLimit) {
  // The job-queue pattern: take the first row nobody else holds.
  auto stmt = select(p_id).where(p_views == 0).order_by(p_id).limit(1).with_for_update({.skip_locked = true});
  expect_locking(stmt, "SELECT posts.id FROM posts WHERE posts.views = ? ORDER BY posts.id LIMIT ?",
                 "SELECT posts.id FROM posts WHERE posts.views = $1 ORDER BY posts.id LIMIT $2 FOR UPDATE SKIP LOCKED",
                 "SELECT posts.id FROM posts WHERE posts.views = ? ORDER BY posts.id LIMIT ? FOR UPDATE SKIP LOCKED",
                 "SELECT posts.id FROM posts WHERE posts.views = ? ORDER BY posts.id LIMIT ? FOR UPDATE SKIP LOCKED");
}

TEST_F(LockingTest, OfNamesTablesAndAliases) {
  auto stmt = select(u_name, p_title).select_from(users).join(posts).with_for_update({.of = {posts}});
  const std::string body = "SELECT users.name, posts.title FROM users JOIN posts ON posts.user_id = users.id";
  EXPECT_EQ(postgresql().compile(stmt)->sql, body + " FOR UPDATE OF posts");
  EXPECT_EQ(mysql().compile(stmt)->sql, body + " FOR UPDATE OF posts");
  EXPECT_EQ(sqlite().compile(stmt)->sql, body);
  try {
    (void)mariadb().compile(stmt);
    FAIL() << "MariaDB has no FOR UPDATE OF";
  } catch (const CompileError& e) {
    EXPECT_STREQ(e.what(), "FOR UPDATE OF is not supported on mariadb");
  }

  auto u = alias(users, "u");
  auto aliased = select(u.c<std::int64_t>("id"), p_id)
                     .join(posts, p_user_id == u.c<std::int64_t>("id"))
                     .with_for_update({.read = true, .nowait = true, .of = {u, posts}});
  EXPECT_EQ(postgresql().compile(aliased)->sql,
            "SELECT u.id, posts.id FROM users AS u JOIN posts ON posts.user_id = u.id FOR SHARE OF u, posts NOWAIT");
  EXPECT_EQ(mysql().compile(aliased)->sql,
            "SELECT u.id, posts.id FROM users AS u JOIN posts ON posts.user_id = u.id FOR SHARE OF u, posts NOWAIT");
}

TEST_F(LockingTest, OfQuotesLikeFrom) {
  MetaData md;
  auto& order = md.table("order", Column("id", Integer()).primary_key());
  auto stmt = select(order.c<int>("id")).with_for_update({.of = {order}});
  EXPECT_EQ(postgresql().compile(stmt)->sql, R"(SELECT "order".id FROM "order" FOR UPDATE OF "order")");
  EXPECT_EQ(mysql().compile(stmt)->sql, "SELECT `order`.id FROM `order` FOR UPDATE OF `order`");
}

TEST_F(LockingTest, InsideASubquery) {
  auto stmt = select(u_name).where(u_id.in_(select(p_user_id).where(p_views > 10).with_for_update()));
  EXPECT_EQ(postgresql().compile(stmt)->sql,
            "SELECT users.name FROM users WHERE users.id IN (SELECT posts.user_id FROM posts WHERE posts.views > $1 "
            "FOR UPDATE)");
  EXPECT_EQ(sqlite().compile(stmt)->sql,
            "SELECT users.name FROM users WHERE users.id IN (SELECT posts.user_id FROM posts WHERE posts.views > ?)");
}

TEST_F(LockingTest, OptionsTheServerLacksAreCompileErrors) {
  dialects::MysqlDialect mysql57;
  mysql57.set_server_version("5.7.44");
  auto base = select(u_id).where(u_id == 1);
  EXPECT_EQ(mysql57.compile(base.with_for_update())->sql, "SELECT users.id FROM users WHERE users.id = ? FOR UPDATE");
  EXPECT_EQ(mysql57.compile(base.with_for_update({.read = true}))->sql,
            "SELECT users.id FROM users WHERE users.id = ? LOCK IN SHARE MODE");
  try {
    (void)mysql57.compile(base.with_for_update({.nowait = true}));
    FAIL() << "MySQL 5.7 has no NOWAIT";
  } catch (const CompileError& e) {
    EXPECT_STREQ(e.what(), "FOR UPDATE NOWAIT is not supported on mysql");
  }
  EXPECT_THROW((void)mysql57.compile(base.with_for_update({.skip_locked = true})), CompileError);

  dialects::MariadbDialect maria105;
  maria105.set_server_version("10.5.23-MariaDB");
  EXPECT_EQ(maria105.compile(base.with_for_update({.nowait = true}))->sql,
            "SELECT users.id FROM users WHERE users.id = ? FOR UPDATE NOWAIT");
  EXPECT_THROW((void)maria105.compile(base.with_for_update({.skip_locked = true})), CompileError);

  // SQLite has no row locks at all: every option renders nothing rather than failing.
  EXPECT_EQ(sqlite().compile(base.with_for_update({.skip_locked = true, .of = {users}}))->sql,
            "SELECT users.id FROM users WHERE users.id = ?");
}

TEST_F(LockingTest, NowaitAndSkipLockedExcludeEachOther) {
  try {
    (void)select(u_id).with_for_update({.nowait = true, .skip_locked = true});
    FAIL() << "expected ArgumentError";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("nowait and skip_locked"), std::string::npos) << e.what();
  }
  auto sub = select(u_id).subquery("s");
  EXPECT_THROW((void)select(sub.c<std::int64_t>("id")).with_for_update({.of = {sub}}), ArgumentError);
}

TEST_F(LockingTest, TheClauseIsPartOfTheCacheKey) {
  auto base = select(u_id).where(u_id == 1);
  const std::string plain = key_of(base);
  const std::string update = key_of(base.with_for_update());
  EXPECT_NE(plain, update);
  EXPECT_NE(update, key_of(base.with_for_update({.read = true})));
  EXPECT_NE(update, key_of(base.with_for_update({.nowait = true})));
  EXPECT_NE(update, key_of(base.with_for_update({.skip_locked = true})));
  EXPECT_NE(update, key_of(base.with_for_update({.of = {users}})));
  EXPECT_NE(key_of(base.with_for_update({.of = {users}})), key_of(base.with_for_update({.of = {posts}})));
  // Same shape, other literal: one key.
  EXPECT_EQ(update, key_of(select(u_id).where(u_id == 2).with_for_update()));
  // The builder does not change the statement it was called on.
  EXPECT_EQ(postgresql().compile(base)->sql, "SELECT users.id FROM users WHERE users.id = $1");
}

}  // namespace
}  // namespace crucible::testing
