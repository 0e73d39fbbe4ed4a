// SPDX-License-Identifier: MIT
// Schema reflection, first part (issue 21): table and view names, columns mapped back to the
// types Core declared, nullability, server defaults, autoincrement, primary keys, on every
// backend, and a whole schema in a fixed number of catalog queries.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "crucible/migrate/inspector.hpp"
#include "dialect_suite/fixture.hpp"

namespace crucible {
namespace {

using migrate::Inspector;
using migrate::ReflectedTable;

class Reflection : public testkit::DialectSuite {
 protected:
  bool has(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  }
  const ReflectedTable* find(const std::vector<ReflectedTable>& tables, const std::string& name) {
    for (const auto& t : tables)
      if (t.name == name) return &t;
    return nullptr;
  }
};

TEST_P(Reflection, ColumnsReadBackAsCoreDeclaredThem) {
  const Table& t = metadata_.table(
      table_name("typed"), Column("id", BigInteger()).primary_key(), Column("small", SmallInteger()),
      Column("whole", Integer()).nullable(false).server_default("7"), Column("flag", Boolean()).nullable(false),
      Column("ratio", Double()), Column("price", Numeric(10, 2)), Column("name", String(80)).nullable(false),
      Column("body", Text()), Column("born", DateType()), Column("at", TimeType()), Column("stamp", DateTimeType()),
      Column("bytes", LargeBinary()));
  create_tables();
  Inspector inspector(engine());
  EXPECT_TRUE(has(inspector.table_names(), t.name()));
  EXPECT_FALSE(has(inspector.view_names(), t.name()));

  const ReflectedTable r = inspector.table(t.name());
  ASSERT_EQ(r.columns.size(), t.columns().size());
  for (std::size_t i = 0; i < r.columns.size(); ++i) {
    const auto& c = r.columns[i];
    const Column& declared = t.columns()[i];
    EXPECT_EQ(c.name, declared.name());
    // Booleans are TINYINT(1) on MariaDB and BOOLEAN elsewhere: each reads back as Boolean.
    EXPECT_EQ(c.type, declared.type()) << c.name << " read back from " << c.type_sql << " as " << type_display(c.type);
    EXPECT_EQ(c.nullable, declared.is_nullable()) << c.name;
  }
  EXPECT_EQ(r.primary_key.columns, std::vector<std::string>{"id"});
  EXPECT_TRUE(r.column("id")->autoincrement);
  EXPECT_FALSE(r.column("whole")->autoincrement);
  ASSERT_TRUE(r.column("whole")->server_default.has_value());
  EXPECT_NE(r.column("whole")->server_default->find('7'), std::string::npos) << *r.column("whole")->server_default;
  EXPECT_FALSE(r.column("name")->server_default.has_value());
  EXPECT_EQ(r.column("nope"), nullptr);
  EXPECT_THROW((void)inspector.table(table_name("missing")), NoSuchTableError);
}

TEST_P(Reflection, CompositeKeysKeepTheirOrderAndViewsAreListedApart) {
  const Table& t = metadata_.table(table_name("pairs"), Column("b", Integer()).primary_key(),
                                   Column("a", Integer()).primary_key(), Column("note", String(20)).comment("why it is"));
  create_tables();
  const std::string view = table_name("pairs_view");
  {
    auto conn = engine().connect();
    conn.execute(text("CREATE VIEW " + view + " AS SELECT a, b FROM " + t.name()));
    conn.commit();
  }
  Inspector inspector(engine());
  const auto views = inspector.view_names();
  const auto tables = inspector.table_names();
  EXPECT_TRUE(has(views, view));
  EXPECT_FALSE(has(tables, view));
  const ReflectedTable r = inspector.table(t.name());
  EXPECT_EQ(r.primary_key.columns, (std::vector<std::string>{"b", "a"}));
  EXPECT_FALSE(r.column("a")->autoincrement);
  EXPECT_EQ(r.column("note")->comment, features().supports_comments ? "why it is" : "");
  EXPECT_EQ(r.column("a")->comment, "");
  auto conn = engine().connect();
  conn.execute(text("DROP VIEW " + view));
  conn.commit();
}

TEST_P(Reflection, ForeignKeysNameTheirColumnsTargetsAndActions) {
  const Table& parent = metadata_.table(table_name("parent"), Column("id", BigInteger()).primary_key(),
                                        Column("code", Integer()).nullable(false).unique(),
                                        Column("part", Integer()).nullable(false),
                                        UniqueConstraint({"code", "part"}));
  const Table& child = metadata_.table(
      table_name("child"), Column("id", BigInteger()).primary_key(),
      Column("parent_id", BigInteger()).references(parent.name() + ".id").on_delete("CASCADE"),
      Column("owner_id", BigInteger()).references(parent.name() + ".id"), Column("code", Integer()),
      Column("part", Integer()),
      ForeignKeyConstraint({"code", "part"}, parent.name(), {"code", "part"}, "SET NULL", "CASCADE"));
  create_tables();
  const ReflectedTable r = Inspector(engine()).table(child.name());
  ASSERT_EQ(r.foreign_keys.size(), 3u);
  auto by_first_column = [&](const std::string& column) -> const migrate::ReflectedForeignKey* {
    for (const auto& fk : r.foreign_keys)
      if (!fk.columns.empty() && fk.columns.front() == column) return &fk;
    return nullptr;
  };
  const auto* cascade = by_first_column("parent_id");
  const auto* plain = by_first_column("owner_id");
  const auto* composite = by_first_column("code");
  ASSERT_TRUE(cascade && plain && composite);
  EXPECT_EQ(cascade->referred_table, parent.name());
  EXPECT_EQ(cascade->referred_schema, "");
  EXPECT_EQ(cascade->referred_columns, std::vector<std::string>{"id"});
  EXPECT_EQ(cascade->on_delete, "CASCADE");
  EXPECT_EQ(cascade->on_update, "");
  EXPECT_EQ(plain->on_delete, "");
  EXPECT_EQ(composite->columns, (std::vector<std::string>{"code", "part"}));
  EXPECT_EQ(composite->referred_columns, (std::vector<std::string>{"code", "part"}));
  EXPECT_EQ(composite->on_delete, "SET NULL");
  EXPECT_EQ(composite->on_update, "CASCADE");
  EXPECT_TRUE(Inspector(engine()).table(parent.name()).foreign_keys.empty());
}

TEST_P(Reflection, IndexesAndUniqueConstraints) {
  const std::string name = table_name("indexed");
  const std::string pair_index = name + "_pair";
  const std::string code_unique = name + "_uq";
  std::vector<TableItem> items{Column("id", BigInteger()).primary_key(), Column("a", Integer()).index(),
                               Column("b", Integer()), Column("c", Integer()).unique(), Column("d", Integer()),
                               Column("e", Integer()), UniqueConstraint({"d", "e"}, code_unique),
                               Index(pair_index, {"b", "a"}).unique()};
  const std::string partial = name + "_partial";
  if (features().supports_partial_indexes) items.push_back(Index(partial, {"d"}).where("d > 0"));
  const Table& t = metadata_.add_table(name, std::move(items));
  create_tables();
  const ReflectedTable r = Inspector(engine()).table(t.name());
  auto index = [&](const std::string& wanted) -> const migrate::ReflectedIndex* {
    for (const auto& ix : r.indexes)
      if (ix.name == wanted) return &ix;
    return nullptr;
  };
  auto unique_on = [&](const std::vector<std::string>& columns) -> const migrate::ReflectedUniqueConstraint* {
    for (const auto& u : r.unique_constraints)
      if (u.columns == columns) return &u;
    return nullptr;
  };
  const auto* by_column = index("ix_" + name + "_a");
  ASSERT_NE(by_column, nullptr);
  EXPECT_EQ(by_column->columns, std::vector<std::string>{"a"});
  EXPECT_FALSE(by_column->unique);
  EXPECT_EQ(by_column->where, "");
  const auto* pair = index(pair_index);
  ASSERT_NE(pair, nullptr);
  EXPECT_EQ(pair->columns, (std::vector<std::string>{"b", "a"}));
  EXPECT_TRUE(pair->unique);
  if (features().supports_partial_indexes) {
    const auto* p = index(partial);
    ASSERT_NE(p, nullptr);
    EXPECT_NE(p->where.find('0'), std::string::npos) << p->where;
    EXPECT_NE(p->where.find('d'), std::string::npos) << p->where;
  }
  ASSERT_NE(unique_on({"c"}), nullptr);
  const auto* named = unique_on({"d", "e"});
  ASSERT_NE(named, nullptr);
  EXPECT_TRUE(named->name.empty() || named->name == code_unique) << named->name;
  // Neither the primary key's index nor (where the two differ) a constraint's is an index.
  EXPECT_EQ(index("PRIMARY"), nullptr);
  for (const auto& ix : r.indexes) EXPECT_NE(ix.columns, std::vector<std::string>{"id"}) << ix.name;
}

TEST_P(Reflection, CheckConstraints) {
  const std::string name = table_name("checked");
  const std::string named = name + "_ck_v";
  const Table& t = metadata_.table(name, Column("id", BigInteger()).primary_key(), Column("v", Integer()),
                                   Column("w", String(10)), CheckConstraint("v > 0", named),
                                   CheckConstraint("w <> 'x)'"));
  create_tables();
  const ReflectedTable r = Inspector(engine()).table(t.name());
  const migrate::ReflectedCheckConstraint* by_name = nullptr;
  const migrate::ReflectedCheckConstraint* with_literal = nullptr;
  for (const auto& ck : r.check_constraints) {
    if (ck.name == named) by_name = &ck;
    if (ck.sql.find("'x)'") != std::string::npos) with_literal = &ck;  // a literal's ")" is not the end
  }
  ASSERT_NE(by_name, nullptr);
  EXPECT_NE(by_name->sql.find('v'), std::string::npos) << by_name->sql;
  EXPECT_NE(by_name->sql.find('0'), std::string::npos) << by_name->sql;
  EXPECT_EQ(by_name->sql.rfind("CHECK", 0), std::string::npos) << by_name->sql;
  ASSERT_NE(with_literal, nullptr);
  EXPECT_NE(with_literal, by_name);
}

// MetaData::reflect's equivalent: reflected tables serve Core statements like declared ones.
TEST_P(Reflection, ReflectedTablesServeCoreStatements) {
  const Table& parent = metadata_.table(table_name("owner"), Column("id", BigInteger()).primary_key(),
                                        Column("name", String(40)).nullable(false).unique());
  const Table& child = metadata_.table(
      table_name("owned"), Column("id", BigInteger()).primary_key(),
      Column("owner_id", BigInteger()).references(parent.name() + ".id").on_delete("CASCADE").index(),
      Column("price", Numeric(10, 2)), Column("qty", Integer()).nullable(false).server_default("1"),
      CheckConstraint("qty > 0", table_name("ck_qty")));
  create_tables();
  MetaData reflected;
  const auto tables = migrate::reflect(engine(), reflected);
  const Table& owner = reflected.get_table(parent.name());
  const Table& owned = reflected.get_table(child.name());
  EXPECT_GE(tables.size(), 2u);
  ASSERT_EQ(owned.columns().size(), child.columns().size());
  for (std::size_t i = 0; i < owned.columns().size(); ++i) {
    EXPECT_EQ(owned.columns()[i].name(), child.columns()[i].name());
    EXPECT_EQ(owned.columns()[i].type(), child.columns()[i].type()) << owned.columns()[i].name();
    EXPECT_EQ(owned.columns()[i].is_nullable(), child.columns()[i].is_nullable()) << owned.columns()[i].name();
  }
  ASSERT_EQ(owned.foreign_keys().size(), 1u);
  EXPECT_EQ(owned.foreign_keys()[0].target_table, parent.name());
  EXPECT_EQ(owned.foreign_keys()[0].on_delete, "CASCADE");
  EXPECT_TRUE(std::any_of(owned.check_constraints().begin(), owned.check_constraints().end(),
                          [](const CheckConstraint& ck) { return ck.sql.find("qty") != std::string::npos; }));

  auto conn = engine().connect();
  const auto owner_id = owner.c<std::int64_t>("id");
  const auto owner_name = owner.c<std::string>("name");
  const auto owned_owner = owned.c<std::int64_t>("owner_id");
  const auto qty = owned.c<int>("qty");
  const auto price = owned.c<Decimal>("price");
  conn.execute(insert(owner).values(set(owner_id, std::int64_t{1}), set(owner_name, "ann")));
  conn.execute(insert(owned).values(set(owned_owner, std::int64_t{1}), set(price, Decimal("2.50"))));
  conn.commit();
  // The server default acted, the generated key came, the join's ON came from the reflected key.
  const auto rows = conn.execute(select(owner_name, qty, price).select_from(owned).join(owner))
                        .as<std::string, int, Decimal>()
                        .all();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(std::get<0>(rows[0]), "ann");
  EXPECT_EQ(std::get<1>(rows[0]), 1);
  EXPECT_EQ(std::get<2>(rows[0]).str(), "2.50");
  // A table the MetaData already has: an error, nothing added.
  MetaData again;
  again.table(parent.name(), Column("id", BigInteger()).primary_key());
  EXPECT_THROW(migrate::reflect(engine(), again), ArgumentError);
  EXPECT_EQ(again.tables().size(), 1u);
}

// The statement count does not grow with the number of tables.
TEST_P(Reflection, AWholeSchemaTakesAFixedNumberOfQueries) {
  std::vector<std::string> names;
  auto declare = [&](int n) {
    for (int i = 0; i < n; ++i) {
      names.push_back(table_name("bulk"));
      metadata_.table(names.back(), Column("id", BigInteger()).primary_key(), Column("v", String(10)));
    }
  };
  auto count_queries = [&] {
    std::size_t executed = 0;
    auto handle = engine().events().on_before_execute([&](const ExecuteInfo&) { ++executed; });
    const auto tables = Inspector(engine()).tables();
    handle.remove();
    for (const auto& name : names) {
      const ReflectedTable* t = find(tables, name);
      EXPECT_NE(t, nullptr) << name;
      if (t) {
        EXPECT_EQ(t->columns.size(), 2u) << name;
      }
    }
    return executed;
  };
  declare(10);
  create_tables();
  const std::size_t for_10 = count_queries();
  declare(190);
  create_tables();
  const std::size_t for_200 = count_queries();
  EXPECT_EQ(for_10, for_200);
  EXPECT_LE(for_200, 5u);
}

CRUCIBLE_DIALECT_SUITE(Reflection);

}  // namespace
}  // namespace crucible
