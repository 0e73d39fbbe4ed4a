// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "crucible/dialects/sqlite/driver.hpp"

using namespace crucible;
using namespace crucible::dialects;

namespace {
std::unique_ptr<DriverConnection> memory() { return open_sqlite({}); }
}  // namespace

TEST(SqliteDriver, PrepareBindStepRead) {
  auto c = memory();
  c->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB)");
  auto ins = c->acquire("INSERT INTO t (name, score, data) VALUES (?, ?, ?)");
  ins->bind_text(0, "alice");
  ins->bind_double(1, 1.5);
  const unsigned char bytes[] = {0, 1, 255};
  ins->bind_blob(2, bytes);
  EXPECT_FALSE(ins->step());
  EXPECT_EQ(ins->changes(), 1);
  EXPECT_EQ(c->last_insert_id(), 1);
  ins.release();

  auto sel = c->acquire("SELECT id, name, score, data FROM t");
  ASSERT_EQ(sel->column_count(), 4);
  EXPECT_EQ(sel->column_name(1), "name");
  ASSERT_TRUE(sel->step());
  EXPECT_EQ(sel->get_int64(0), 1);
  EXPECT_EQ(sel->get_text(1), "alice");
  EXPECT_DOUBLE_EQ(sel->get_double(2), 1.5);
  EXPECT_EQ(sel->get_blob(3).size(), 3u);
  EXPECT_EQ(sel->column_type(1), CellKind::text);
  EXPECT_FALSE(sel->step());
}

// run(): one whole execution per call, each kind of parameter bound straight to libsqlite3.
TEST(SqliteDriver, RunBindsEveryKindAndCountsChanges) {
  auto c = memory();
  c->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, flag, n, r, label, name, data, v)");
  auto ins = c->acquire("INSERT INTO t (flag, n, r, label, name, data, v) VALUES (?, ?, ?, ?, ?, ?, ?)");
  const std::string name = "from a string";
  const unsigned char bytes[] = {0, 7, 255};
  const Value date(Date{2024, 2, 29});
  const ParamRef first[] = {ParamRef::of_bool(true), ParamRef::of_integer(-5), ParamRef::of_real(2.5),
                            ParamRef::of_text("a view"), ParamRef::of_string(name), ParamRef::of_blob(bytes),
                            ParamRef::of_value(date)};
  EXPECT_EQ(ins->run(first), 1);
  // Empty text and blob stay empty, not NULL; a default ParamRef is NULL.
  const ParamRef second[] = {ParamRef(), ParamRef::of_integer(0), ParamRef(), ParamRef::of_text(std::string_view()),
                             ParamRef::of_text(""), ParamRef::of_blob({}), ParamRef()};
  EXPECT_EQ(ins->run(second), 1);
  ins.release();

  auto sel = c->acquire("SELECT flag, n, r, label, name, data, v, typeof(label), typeof(data) FROM t ORDER BY id");
  ASSERT_TRUE(sel->step());
  EXPECT_EQ(sel->get_int64(0), 1);
  EXPECT_EQ(sel->get_int64(1), -5);
  EXPECT_DOUBLE_EQ(sel->get_double(2), 2.5);
  EXPECT_EQ(sel->get_text(3), "a view");
  EXPECT_EQ(sel->get_text(4), "from a string");
  ASSERT_EQ(sel->get_blob(5).size(), 3u);
  EXPECT_EQ(sel->get_blob(5)[2], 255);
  EXPECT_EQ(sel->get_text(6), "2024-02-29");
  ASSERT_TRUE(sel->step());
  EXPECT_EQ(sel->column_type(0), CellKind::null_value);
  EXPECT_EQ(sel->get_text(7), "text");
  EXPECT_EQ(sel->get_text(8), "blob");
  EXPECT_EQ(sel->column_type(6), CellKind::null_value);
  EXPECT_FALSE(sel->step());
  sel.release();

  // An UPDATE counts the rows it matched, none included; a statement that is not INSERT,
  // UPDATE or DELETE reports none, however many the last one changed.
  auto upd = c->acquire("UPDATE t SET n = n + 1 WHERE n >= ?");
  const ParamRef none[] = {ParamRef::of_integer(100)};
  EXPECT_EQ(upd->run(none), 0);
  const ParamRef all[] = {ParamRef::of_integer(-100)};
  EXPECT_EQ(upd->run(all), 2);
  EXPECT_EQ(upd->run(none), 0);
  upd.release();
  auto ddl = c->acquire("CREATE TABLE u (x)");
  EXPECT_EQ(ddl->run({}), 0);
  ddl.release();
  auto query = c->acquire("SELECT n FROM t");
  EXPECT_EQ(query->run({}), 0);
}

TEST(SqliteDriver, StatementCacheNeverReprepares) {
  auto c = memory();
  c->exec("CREATE TABLE t (x)");
  for (int i = 0; i < 50; ++i) {
    auto s = c->acquire("INSERT INTO t VALUES (?)");
    s->bind_int64(0, i);
    s->step();
  }
  EXPECT_EQ(c->statements_prepared(), 1u);
  // A statement still in use gets a private twin instead of being reset under its reader.
  auto a = c->acquire("SELECT x FROM t");
  ASSERT_TRUE(a->step());
  auto b = c->acquire("SELECT x FROM t");
  EXPECT_NE(a.get(), b.get());
  ASSERT_TRUE(b->step());
  EXPECT_EQ(a->get_int64(0), b->get_int64(0));
}

TEST(SqliteDriver, LruEvictsOldest) {
  auto c = memory();
  c->set_statement_cache_size(2);
  c->acquire("SELECT 1");
  c->acquire("SELECT 2");
  c->acquire("SELECT 3");
  EXPECT_EQ(c->statement_cache_size(), 2u);
  c->acquire("SELECT 3");
  EXPECT_EQ(c->statements_prepared(), 3u);
  c->acquire("SELECT 1");  // evicted earlier: prepared again
  EXPECT_EQ(c->statements_prepared(), 4u);
}

TEST(SqliteDriver, ErrorsCarryExtendedCodesAndLeaveStatementUsable) {
  auto c = memory();
  c->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL)");
  c->exec("INSERT INTO t (name) VALUES ('a')");
  auto s = c->acquire("INSERT INTO t (name) VALUES (?)");
  s->bind_text(0, "a");
  try {
    s->step();
    FAIL() << "expected a constraint error";
  } catch (const DriverException& e) {
    EXPECT_EQ(e.info().native_code, 2067);  // SQLITE_CONSTRAINT_UNIQUE
    EXPECT_NE(e.info().driver_message.find("UNIQUE"), std::string::npos);
  }
  s->reset();
  s->bind_text(0, "b");
  EXPECT_FALSE(s->step());
  EXPECT_THROW(c->prepare("SELEC nonsense", false), DriverException);
  EXPECT_THROW(c->prepare("SELECT 1; SELECT 2", false), DriverException);
}

TEST(SqliteDriver, ForeignKeysOnAndBusyTimeoutOption) {
  auto c = memory();
  auto s = c->acquire("PRAGMA foreign_keys");
  ASSERT_TRUE(s->step());
  EXPECT_EQ(s->get_int64(0), 1);
  auto off = open_sqlite({.foreign_keys = false});
  auto s2 = off->acquire("PRAGMA foreign_keys");
  ASSERT_TRUE(s2->step());
  EXPECT_EQ(s2->get_int64(0), 0);
}

TEST(SqliteDriver, BindValueStorageForms) {
  auto c = memory();
  auto s = c->acquire("SELECT ?, ?, ?, ?, ?, typeof(?)");
  s->bind(0, Value(true));
  s->bind(1, Value(DateTime{{2024, 2, 29}, {13, 5, 9, 120}, true}));
  s->bind(2, Value(Time{1, 2, 3, 0}));
  s->bind(3, Value(Decimal("-12.50")));
  s->bind(4, Value(Json{{"a", 1}}));
  s->bind(5, Value(std::string()));
  ASSERT_TRUE(s->step());
  EXPECT_EQ(s->get_int64(0), 1);
  EXPECT_EQ(s->get_text(1), "2024-02-29 13:05:09.000120+00:00");
  EXPECT_EQ(s->get_text(2), "01:02:03.000000");
  EXPECT_EQ(s->get_text(3), "-12.50");
  EXPECT_EQ(s->get_text(4), "{\"a\":1}");
  EXPECT_EQ(s->get_text(5), "text");  // an empty string is not NULL
}

TEST(SqliteDriver, TransactionsAndSavepoints) {
  auto c = memory();
  c->exec("CREATE TABLE t (x)");
  EXPECT_FALSE(c->in_transaction());
  c->begin();
  EXPECT_TRUE(c->in_transaction());
  c->exec("INSERT INTO t VALUES (1)");
  c->savepoint("sp1");
  c->exec("INSERT INTO t VALUES (2)");
  c->rollback_to_savepoint("sp1");
  c->release_savepoint("sp1");
  c->commit();
  auto s = c->acquire("SELECT count(*) FROM t");
  ASSERT_TRUE(s->step());
  EXPECT_EQ(s->get_int64(0), 1);
  EXPECT_TRUE(c->ping());
  c->close();
  EXPECT_FALSE(c->is_alive());
  EXPECT_FALSE(c->ping());
}

TEST(SqliteDriver, ReturningWhenSupported) {
  if (sqlite_library_version() < 3035000) GTEST_SKIP() << "RETURNING needs SQLite 3.35";
  auto c = memory();
  c->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)");
  auto s = c->acquire("INSERT INTO t (name) VALUES ('x') RETURNING id");
  ASSERT_TRUE(s->step());
  EXPECT_EQ(s->get_int64(0), 1);
}

TEST(SqliteDriver, OpenFailureThrows) {
  EXPECT_THROW(open_sqlite({.path = "/nonexistent-dir/x/y.db"}), DriverException);
}
