// SPDX-License-Identifier: MIT
// Migration operations (issue 21): each operation run on every backend and checked by
// reflection with rows in the tables; names from a naming convention; reverse() undoing what
// ran; offline rendering; SQLite's batch copy keeping rows, indexes, triggers and the rows of
// tables that refer to the copied one.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "crucible/migrate/inspector.hpp"
#include "crucible/migrate/operations.hpp"
#include "dialect_suite/fixture.hpp"

namespace crucible {
namespace {

using migrate::AddColumn;
using migrate::AddConstraint;
using migrate::AlterColumn;
using migrate::BulkInsert;
using migrate::CreateIndex;
using migrate::CreateTable;
using migrate::DropColumn;
using migrate::DropConstraint;
using migrate::DropIndex;
using migrate::ExecuteSql;
using migrate::Inspector;
using migrate::Operation;
using migrate::Operations;
using migrate::ReflectedTable;

class MigrationOperations : public testkit::DialectSuite {
 protected:
  void TearDown() override {
    try {
      auto conn = engine().connect();
      for (auto it = made_.rbegin(); it != made_.rend(); ++it)
        conn.execute(text("DROP TABLE IF EXISTS " + engine().dialect().quote_identifier(*it)));
      conn.commit();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "dropping the test tables failed: " << e.what();
    }
    DialectSuite::TearDown();
  }
  // A table name the test makes through operations (dropped in TearDown, last made first).
  std::string made(std::string_view stem) {
    made_.push_back(table_name(stem));
    return made_.back();
  }
  ReflectedTable reflect(const std::string& name) { return Inspector(engine()).table(name); }
  template <typename T>
  static std::vector<std::string> names(const std::vector<T>& items) {
    std::vector<std::string> out;
    for (const auto& i : items) out.push_back(i.name);
    std::sort(out.begin(), out.end());
    return out;
  }
  std::int64_t count(const std::string& table, const std::string& where = "1 = 1") {
    auto conn = engine().connect();
    return conn.scalar<std::int64_t>("SELECT count(*) FROM " + table + " WHERE " + where);
  }
  void run_all(const std::vector<Operation>& ops, NamingConvention convention = {}) {
    auto conn = engine().connect();
    Operations op(conn, std::move(convention));
    for (const auto& o : ops) op.run(o);
    conn.commit();
  }

  std::vector<std::string> made_;
};

TEST_P(MigrationOperations, ColumnsAreAddedAlteredRenamedAndDroppedWithTheRowsIntact) {
  const std::string t = made("people");
  run_all({CreateTable{t, {Column("id", BigInteger()).primary_key(), Column("name", String(50)).nullable(false)}},
           BulkInsert{t, {"id", "name"}, {{Value(1), Value("ada")}, {Value(2), Value("grace")}, {Value(3), Value("o'hara")}}}});

  run_all({AddColumn{t, Column("karma", Integer()).nullable(false).server_default("0")}});
  ReflectedTable r = reflect(t);
  ASSERT_NE(r.column("karma"), nullptr);
  EXPECT_FALSE(r.column("karma")->nullable);
  EXPECT_EQ(r.column("karma")->type, Integer());
  EXPECT_EQ(count(t, "karma = 0"), 3) << "the server default fills the existing rows";

  AlterColumn widen;
  widen.table = t;
  widen.column = "name";
  widen.type = String(200);
  widen.nullable = true;
  run_all({widen});
  r = reflect(t);
  EXPECT_EQ(r.column("name")->type, String(200));
  EXPECT_TRUE(r.column("name")->nullable);
  EXPECT_FALSE(r.column("karma")->nullable) << "altering one column leaves the others";

  AlterColumn rename;
  rename.table = t;
  rename.column = "karma";
  rename.new_name = "score";
  rename.server_default = std::optional<std::string>("5");
  run_all({rename});
  r = reflect(t);
  EXPECT_EQ(r.column("karma"), nullptr);
  ASSERT_NE(r.column("score"), nullptr);
  ASSERT_TRUE(r.column("score")->server_default.has_value());
  EXPECT_NE(r.column("score")->server_default->find('5'), std::string::npos);
  EXPECT_FALSE(r.column("score")->nullable) << "a rename keeps NOT NULL";
  EXPECT_EQ(count(t, "score = 0"), 3) << "a rename keeps the values";

  run_all({DropColumn{t, "score", std::nullopt}});
  r = reflect(t);
  EXPECT_EQ(r.column("score"), nullptr);
  EXPECT_EQ(r.columns.size(), 2u);
  EXPECT_EQ(count(t, "name = 'o''hara'"), 1);
  EXPECT_EQ(count(t), 3);
}

TEST_P(MigrationOperations, ConstraintsAndIndexesTakeTheConventionsNamesAndDropByThem) {
  const std::string parent = made("parent");
  const std::string child = made("child");
  const NamingConvention convention = NamingConvention::recommended();
  run_all({CreateTable{parent, {Column("id", BigInteger()).primary_key()}},
           CreateTable{child, {Column("id", BigInteger()).primary_key(), Column("parent_id", BigInteger()),
                               Column("code", String(20)), Column("qty", Integer())}},
           BulkInsert{parent, {"id"}, {{Value(1)}, {Value(2)}}},
           BulkInsert{child, {"id", "parent_id", "code", "qty"}, {{Value(1), Value(1), Value("a"), Value(3)}}}},
          convention);

  run_all({AddConstraint{child, ForeignKeyConstraint({"parent_id"}, parent, {"id"}, "CASCADE")},
           AddConstraint{child, UniqueConstraint({"code"})},
           AddConstraint{child, CheckConstraint("qty > 0", "positive")},
           CreateIndex{child, Index("ix_" + child + "_qty", {"qty"})}},
          convention);
  ReflectedTable r = reflect(child);
  const std::string fk = "fk_" + child + "_parent_id_" + parent;
  const std::string uq = "uq_" + child + "_code";
  const std::string ck = "ck_" + child + "_positive";
  ASSERT_EQ(r.foreign_keys.size(), 1u);
  EXPECT_EQ(r.foreign_keys[0].name, fk);
  EXPECT_EQ(r.foreign_keys[0].on_delete, "CASCADE");
  ASSERT_FALSE(r.unique_constraints.empty());
  EXPECT_EQ(r.unique_constraints[0].name, uq);
  const bool check_named =
      std::any_of(r.check_constraints.begin(), r.check_constraints.end(), [&](const auto& c) { return c.name == ck; });
  EXPECT_TRUE(check_named);
  const auto index_names = names(r.indexes);
  EXPECT_NE(std::find(index_names.begin(), index_names.end(), "ix_" + child + "_qty"), index_names.end());
  EXPECT_EQ(count(child), 1) << "constraints added around the rows";
  {
    auto conn = engine().connect();
    EXPECT_THROW(conn.execute(text("INSERT INTO " + child + " (id, parent_id, code, qty) VALUES (2, 1, 'a', 1)")),
                 IntegrityError);
    conn.rollback();
    EXPECT_THROW(conn.execute(text("INSERT INTO " + child + " (id, parent_id, code, qty) VALUES (3, 1, 'b', -1)")),
                 IntegrityError);
    conn.rollback();
  }

  run_all({DropConstraint{child, fk, ConstraintKind::foreign_key, std::nullopt},
           DropConstraint{child, uq, ConstraintKind::unique, std::nullopt},
           DropConstraint{child, ck, ConstraintKind::check, std::nullopt},
           DropIndex{child, "ix_" + child + "_qty", std::nullopt}},
          convention);
  r = reflect(child);
  EXPECT_TRUE(r.foreign_keys.empty());
  const bool unique_left =
      std::any_of(r.unique_constraints.begin(), r.unique_constraints.end(), [&](const auto& u) { return u.name == uq; });
  EXPECT_FALSE(unique_left);
  const bool check_left =
      std::any_of(r.check_constraints.begin(), r.check_constraints.end(), [&](const auto& c) { return c.name == ck; });
  EXPECT_FALSE(check_left);
  EXPECT_EQ(count(child), 1);
}

// What a revision's downgrade does: each operation's reverse, last first, returns the schema
// to where it started.
TEST_P(MigrationOperations, ReversedOperationsReturnTheSchemaToWhereItStarted) {
  const std::string t = made("accounts");
  run_all({CreateTable{t, {Column("id", BigInteger()).primary_key(), Column("email", String(100)).nullable(false),
                           Column("note", String(40))}},
           BulkInsert{t, {"id", "email", "note"}, {{Value(1), Value("a@x"), Value("n")}}}});
  const ReflectedTable before = reflect(t);

  AlterColumn alter;
  alter.table = t;
  alter.column = "note";
  alter.type = Text();
  alter.existing_type = String(40);
  alter.nullable = false;
  alter.existing_nullable = true;
  alter.server_default = std::optional<std::string>("'none'");
  alter.existing_server_default = std::optional<std::string>();
  const std::vector<Operation> ops{
      AddColumn{t, Column("karma", Integer()).server_default("0").index()},
      alter,
      AddConstraint{t, UniqueConstraint({"email"}, "uq_" + t + "_email")},
      CreateIndex{t, Index("ix_" + t + "_email_note", {"email", "karma"})},
  };
  run_all(ops);
  EXPECT_EQ(reflect(t).column("note")->type, Text());

  std::vector<Operation> back;
  for (auto it = ops.rbegin(); it != ops.rend(); ++it) back.push_back(migrate::reverse(*it));
  run_all(back);
  const ReflectedTable after = reflect(t);
  ASSERT_EQ(after.columns.size(), before.columns.size());
  for (std::size_t i = 0; i < before.columns.size(); ++i) {
    EXPECT_EQ(after.columns[i].name, before.columns[i].name);
    EXPECT_EQ(after.columns[i].type, before.columns[i].type) << after.columns[i].name;
    EXPECT_EQ(after.columns[i].nullable, before.columns[i].nullable) << after.columns[i].name;
    EXPECT_EQ(after.columns[i].server_default.has_value(), before.columns[i].server_default.has_value())
        << after.columns[i].name;
  }
  EXPECT_EQ(names(after.indexes), names(before.indexes));
  EXPECT_EQ(names(after.unique_constraints), names(before.unique_constraints));
  EXPECT_EQ(count(t, "email = 'a@x' AND note = 'n'"), 1);

  EXPECT_THROW((void)migrate::reverse(DropColumn{t, "x", std::nullopt}), migrate::MigrationError);
  AlterColumn unknown;
  unknown.table = t;
  unknown.column = "note";
  unknown.type = Text();
  EXPECT_THROW((void)migrate::reverse(unknown), migrate::MigrationError);
}

TEST_P(MigrationOperations, SqlRunsWithBoundValuesOnTheDialectsItNames) {
  const std::string t = made("events");
  const std::string here(engine().dialect().name());
  run_all({CreateTable{t, {Column("id", BigInteger()).primary_key(), Column("kind", String(30))}},
           ExecuteSql{"INSERT INTO " + t + " (id, kind) VALUES (:id, :kind)", {{"id", 1}, {"kind", "it's bound"}}, {}, {}},
           ExecuteSql{"INSERT INTO " + t + " (id, kind) VALUES (2, 'mine')", {}, {here}, {}},
           ExecuteSql{"INSERT INTO " + t + " (id, kind) VALUES (3, 'elsewhere')", {}, {"no-such-dialect"}, {}}});
  EXPECT_EQ(count(t, "kind = 'it''s bound'"), 1);
  EXPECT_EQ(count(t, "id = 2"), 1);
  EXPECT_EQ(count(t, "id = 3"), 0) << "SQL for another dialect does not run here";
}

// Offline SQL: what render() writes runs as it is and stores the same values.
TEST_P(MigrationOperations, RenderedSqlWritesValuesAsSafeLiterals) {
  const std::string t = made("offline");
  const std::vector<Operation> ops{
      CreateTable{t, {Column("id", BigInteger()).primary_key(), Column("label", String(40)), Column("n", Integer())}},
      BulkInsert{t, {"id", "label", "n"}, {{Value(1), Value("it's"), Value(-4)}, {Value(2), Value("back\\slash"), Value()}}},
      ExecuteSql{"UPDATE " + t + " SET n = :n WHERE id = :id", {{"n", 9}, {"id", 2}}, {}, {}},
      AddColumn{t, Column("extra", Integer())},
  };
  auto conn = engine().connect();
  for (const auto& op : ops)
    for (const auto& sql : migrate::render(op, engine().dialect())) conn.execute(engine().dialect().compile(text(sql)));
  conn.commit();
  EXPECT_EQ(count(t, "label = 'it''s' AND n = -4"), 1);
  EXPECT_EQ(count(t, "id = 2 AND n = 9"), 1);
  auto labels = engine().connect().execute(text("SELECT label FROM " + t + " WHERE id = 2")).scalars<std::string>();
  ASSERT_EQ(labels.size(), 1u);
  EXPECT_EQ(labels[0], "back\\slash");
  EXPECT_THROW((void)migrate::render(ExecuteSql{"SELECT :missing", {}, {}, {}}, engine().dialect()), ArgumentError);
}

TEST_P(MigrationOperations, DescribeAndHazardsNameWhatAStepDoes) {
  EXPECT_EQ(migrate::describe(DropColumn{"users", "email", std::nullopt}), "drop column users.email");
  EXPECT_EQ(migrate::describe(CreateIndex{"users", Index("ix_users_name", {"name"}).unique()}),
            "create unique index ix_users_name on users (name)");
  EXPECT_FALSE(migrate::hazard(migrate::DropTable{"users", {}}, engine().dialect()).empty());
  EXPECT_FALSE(migrate::hazard(DropColumn{"users", "email", std::nullopt}, engine().dialect()).empty());
  EXPECT_FALSE(migrate::hazard(AddColumn{"users", Column("n", Integer()).nullable(false)}, engine().dialect()).empty());
  EXPECT_TRUE(migrate::hazard(AddColumn{"users", Column("n", Integer()).nullable(false).server_default("0")},
                              engine().dialect())
                  .empty());
  AlterColumn narrow;
  narrow.table = "users";
  narrow.column = "name";
  narrow.type = String(10);
  narrow.existing_type = String(50);
  EXPECT_FALSE(migrate::hazard(narrow, engine().dialect()).empty());
  narrow.type = String(100);
  EXPECT_TRUE(migrate::hazard(narrow, engine().dialect()).empty());
  const bool blocks = engine().dialect().features().index_build_blocks_writes;
  EXPECT_EQ(migrate::hazard(CreateIndex{"users", Index("ix", {"name"})}, engine().dialect()).empty(), !blocks);
  EXPECT_TRUE(migrate::hazard(CreateIndex{"users", Index("ix", {"name"}), true}, engine().dialect()).empty());
}

TEST_P(MigrationOperations, ConcurrentIndexBuildsOutsideTheTransaction) {
  const std::string t = made("big");
  run_all({CreateTable{t, {Column("id", BigInteger()).primary_key(), Column("v", Integer())}}});
  auto conn = engine().connect();
  Operations op(conn);
  op.run(BulkInsert{t, {"id", "v"}, {{Value(1), Value(10)}}});
  op.run(CreateIndex{t, Index("ix_" + t + "_v", {"v"}), true});
  op.run(migrate::DropIndex{t, "ix_" + t + "_v", std::nullopt, true});
  op.run(CreateIndex{t, Index("ix_" + t + "_v2", {"v"}), true});
  conn.commit();
  const auto index_names = names(reflect(t).indexes);
  EXPECT_EQ(index_names, std::vector<std::string>{"ix_" + t + "_v2"});
  EXPECT_EQ(count(t), 1);
}

// SQLite's batch copy (what its ALTER TABLE cannot do): rows, indexes, triggers, foreign keys
// and the rows of the tables that refer to the copied one all survive.
TEST_P(MigrationOperations, BatchCopyKeepsRowsIndexesTriggersAndReferringRows) {
  CRUCIBLE_REQUIRE(!features().supports_alter_column);
  const std::string parent = made("bparent");
  const std::string child = made("bchild");
  const std::string audit = made("baudit");
  run_all({CreateTable{parent, {Column("id", BigInteger()).primary_key(), Column("name", String(20)),
                                Column("rank", Integer()), Index("ix_" + parent + "_name", {"name"})}},
           CreateTable{child, {Column("id", BigInteger()).primary_key(),
                               Column("parent_id", BigInteger()).references(parent + ".id").on_delete("CASCADE")}},
           CreateTable{audit, {Column("id", BigInteger()).primary_key(), Column("what", String(40))}},
           ExecuteSql{"CREATE TRIGGER " + parent + "_ins AFTER INSERT ON " + parent + " BEGIN INSERT INTO " + audit +
                          " (what) VALUES (NEW.name); END",
                      {}, {}, {}},
           BulkInsert{parent, {"id", "name", "rank"}, {{Value(1), Value("a"), Value(1)}, {Value(2), Value("b"), Value(2)}}},
           BulkInsert{child, {"id", "parent_id"}, {{Value(1), Value(1)}, {Value(2), Value(2)}}}});
  ASSERT_EQ(count(audit), 2);

  AlterColumn alter;
  alter.table = parent;
  alter.column = "rank";
  alter.type = BigInteger();
  alter.nullable = false;
  run_all({alter, AddConstraint{parent, UniqueConstraint({"name"}, "uq_" + parent + "_name")},
           AddConstraint{parent, CheckConstraint("rank > 0", "ck_" + parent + "_rank")}});

  EXPECT_EQ(count(child), 2) << "the copy's DROP TABLE did not cascade to the referring rows";
  EXPECT_EQ(count(parent, "name = 'b' AND rank = 2"), 1);
  const ReflectedTable r = reflect(parent);
  EXPECT_EQ(r.column("rank")->type, BigInteger());
  EXPECT_FALSE(r.column("rank")->nullable);
  EXPECT_EQ(names(r.unique_constraints), std::vector<std::string>{"uq_" + parent + "_name"});
  EXPECT_EQ(names(r.indexes), std::vector<std::string>{"ix_" + parent + "_name"});
  EXPECT_TRUE(r.column("id")->autoincrement) << "still the rowid";
  {
    auto conn = engine().connect();
    conn.execute(text("INSERT INTO " + parent + " (name, rank) VALUES ('c', 3)"));
    conn.commit();
    EXPECT_THROW(conn.execute(text("INSERT INTO " + parent + " (name, rank) VALUES ('d', 0)")), IntegrityError);
    conn.rollback();
    EXPECT_THROW(conn.execute(text("INSERT INTO " + child + " (id, parent_id) VALUES (9, 99)")), IntegrityError)
        << "foreign keys are enforced again after the copy";
    conn.rollback();
  }
  EXPECT_EQ(count(audit), 3) << "the trigger was re-created";
  EXPECT_EQ(engine().connect().scalar<std::string>("PRAGMA integrity_check"), "ok");

  run_all({DropConstraint{parent, "uq_" + parent + "_name", ConstraintKind::unique, std::nullopt},
           DropColumn{parent, "name", std::nullopt}});
  const ReflectedTable dropped = reflect(parent);
  EXPECT_EQ(dropped.column("name"), nullptr);
  EXPECT_TRUE(dropped.indexes.empty()) << "the index on the dropped column went with it";
  EXPECT_EQ(count(child), 2);

  // A NOT NULL that rows break fails whole: nothing is half-copied.
  run_all({AddColumn{parent, Column("tag", String(10))}});
  AlterColumn required;
  required.table = parent;
  required.column = "tag";
  required.nullable = false;
  EXPECT_THROW(run_all({required}), IntegrityError);
  EXPECT_TRUE(reflect(parent).column("tag")->nullable);
  EXPECT_EQ(count(parent), 3);

  // Inside a transaction with foreign keys enforced, copying a table others refer to is refused
  // (dropping it would run their ON DELETE CASCADE).
  auto conn = engine().connect();
  auto tx = conn.begin();
  Operations op(conn);
  EXPECT_THROW(op.run(AddConstraint{parent, CheckConstraint("rank < 100", "ck_small")}), migrate::MigrationError);
  tx.rollback();
  EXPECT_EQ(count(child), 2);
}

// The size: 100,000 rows with a foreign key and two indexes, altered by a batch copy
// that keeps every row, both indexes and the key.
TEST_P(MigrationOperations, BatchCopyOfAHundredThousandRows) {
  CRUCIBLE_REQUIRE(!features().supports_alter_column);
  const std::string owners = made("owners");
  const std::string items = made("items");
  run_all({CreateTable{owners, {Column("id", BigInteger()).primary_key(), Column("name", String(20))}},
           CreateTable{items, {Column("id", BigInteger()).primary_key(),
                               Column("owner_id", BigInteger()).references(owners + ".id"),
                               Column("code", String(20)), Index("ix_" + items + "_owner", {"owner_id"}),
                               Index("ix_" + items + "_code", {"code"})}}});
  {
    auto conn = engine().connect();
    conn.execute(text("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) "
                      "INSERT INTO " + owners + " SELECT i, 'owner' FROM n"));
    conn.execute(text("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) "
                      "INSERT INTO " + items + " SELECT i, 1 + i % 100, 'c' || i FROM n"));
    conn.commit();
  }
  AlterColumn required;
  required.table = items;
  required.column = "code";
  required.nullable = false;
  run_all({required});
  EXPECT_EQ(count(items), 100000);
  EXPECT_EQ(count(items, "code = 'c77777' AND owner_id = 78"), 1);
  const ReflectedTable r = reflect(items);
  EXPECT_FALSE(r.column("code")->nullable);
  EXPECT_EQ(names(r.indexes), (std::vector<std::string>{"ix_" + items + "_code", "ix_" + items + "_owner"}));
  ASSERT_EQ(r.foreign_keys.size(), 1u);
  EXPECT_EQ(r.foreign_keys[0].referred_table, owners);
  auto conn = engine().connect();
  EXPECT_THROW(conn.execute(text("INSERT INTO " + items + " (id, owner_id, code) VALUES (200000, 999, 'x')")),
               IntegrityError);
  conn.rollback();
  EXPECT_EQ(conn.scalar<std::string>("PRAGMA integrity_check"), "ok");
}

CRUCIBLE_DIALECT_SUITE(MigrationOperations);

}  // namespace
}  // namespace crucible
