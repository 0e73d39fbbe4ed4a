// SPDX-License-Identifier: MIT
//
// The examples of docs/migrations.md, run against a real SQLite file: if the guide drifts from
// the API, this stops compiling or fails. (Every backend: tests/dialect_suite/test_inspector.cpp.)
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "crucible/crucible.hpp"
#include "support/temp_dir.hpp"

using namespace crucible;

namespace {

class MigrationsGuide : public ::testing::Test {
 protected:
  void SetUp() override { create_all(engine, metadata); }
  void TearDown() override { engine.dispose(); }

  testkit::TempDir temp;
  Engine engine = create_engine(temp.url("guide.db"));
  MetaData metadata;
  Table& users_table = metadata.table("users", Column("id", BigInteger()).primary_key(),
                                      Column("username", String(80)).nullable(false).unique(),
                                      Column("karma", Integer()).server_default("10"));
};

TEST_F(MigrationsGuide, TheInspector) {
  std::ostringstream captured;
  auto* saved = std::cout.rdbuf(captured.rdbuf());
  {
    crucible::migrate::Inspector inspector(engine);
    for (const std::string& name : inspector.table_names()) std::cout << name << "\n";
    for (const crucible::migrate::ReflectedTable& table : inspector.tables()) {
      std::cout << table.name << " (key: " << table.primary_key.columns.size() << " columns)\n";
      for (const crucible::migrate::ReflectedColumn& c : table.columns)
        std::cout << "  " << c.name << " " << crucible::type_display(c.type) << " as " << c.type_sql
                  << (c.nullable ? "" : " NOT NULL") << (c.autoincrement ? " generated" : "") << "\n";
    }
    auto users = inspector.table("users");  // NoSuchTableError when there is none
    EXPECT_EQ(users.column("karma")->server_default, "10");
  }
  std::cout.rdbuf(saved);
  EXPECT_EQ(captured.str(),
            "users\n"
            "users (key: 1 columns)\n"
            "  id BigInteger as INTEGER NOT NULL generated\n"
            "  username String(80) as VARCHAR(80) NOT NULL\n"
            "  karma Integer as INTEGER\n");
}

TEST_F(MigrationsGuide, ReflectedTables) {
  engine.connect().execute(insert(users_table).values(set(users_table.c<std::string>("username"), "ann")));
  {
    auto conn = engine.connect();
    conn.execute(insert(users_table).values(set(users_table.c<std::string>("username"), "bob")));
    conn.commit();
  }
  crucible::MetaData reflected;
  crucible::migrate::reflect(engine, reflected);
  const crucible::Table& users = reflected.get_table("users");
  auto names = engine.connect().execute(crucible::select(users.c<std::string>("username"))).scalars<std::string>();
  EXPECT_EQ(names, std::vector<std::string>{"bob"});  // ann's insert was never committed
  EXPECT_EQ(users.unique_constraints().size(), 1u);
}

TEST_F(MigrationsGuide, Operations) {
  namespace m = crucible::migrate;
  auto conn = engine.connect();
  m::Operations op(conn, crucible::NamingConvention::recommended());
  op.run(m::AddColumn{"users", crucible::Column("bio", crucible::Text())});
  m::AlterColumn widen;
  widen.table = "users";
  widen.column = "username";
  widen.type = crucible::String(200);
  op.run(widen);
  op.run(m::AddConstraint{"users", crucible::CheckConstraint("karma >= 0", "karma")});  // ck_users_karma
  op.run(m::CreateIndex{"users", crucible::Index("ix_users_karma", {"karma"})});
  op.run(m::ExecuteSql{"UPDATE users SET karma = :k WHERE karma IS NULL", {{"k", 0}}, {}, {}});
  conn.commit();

  const auto users = m::Inspector(engine).table("users");
  EXPECT_EQ(users.column("username")->type, crucible::String(200));
  ASSERT_EQ(users.check_constraints.size(), 1u);
  EXPECT_EQ(users.check_constraints[0].name, "ck_users_karma");
  EXPECT_NE(users.column("bio"), nullptr);

  std::ostringstream captured;
  auto* saved = std::cout.rdbuf(captured.rdbuf());
  for (const std::string& sql : m::render(m::AddColumn{"users", crucible::Column("karma2", crucible::Integer())},
                                          engine.dialect()))
    std::cout << sql << ";\n";  // ALTER TABLE users ADD COLUMN karma2 INTEGER;
  std::cout.rdbuf(saved);
  EXPECT_EQ(captured.str(), "ALTER TABLE users ADD COLUMN karma2 INTEGER;\n");
}

TEST_F(MigrationsGuide, ApplyingRevisions) {
  testkit::TempDir migrations;
  std::ofstream(migrations.path() / "001.toml") << "revision = \"aaaa00000001\"\nparents = []\nmessage = \"bio\"\n"
                                                   "[[upgrade]]\nop = \"add_column\"\ntable = \"users\"\n"
                                                   "column = { name = \"bio\", type = \"Text\" }\n";
  std::ostringstream captured;
  auto* saved = std::cout.rdbuf(captured.rdbuf());
  {
    namespace m = crucible::migrate;
    m::Migrator migrator(engine, m::RevisionGraph::load(migrations.path()));
    migrator.upgrade("head");        // or "heads", a revision id or prefix, "+1"
    migrator.downgrade("-1");        // or "base", a revision
    migrator.stamp("head");          // record without running
    for (const auto& id : migrator.current()) std::cout << id << "\n";
  }
  std::cout.rdbuf(saved);
  EXPECT_EQ(captured.str(), "aaaa00000001\n");
  EXPECT_EQ(crucible::migrate::Inspector(engine).table("users").column("bio"), nullptr) << "stamped, not run";
}

}  // namespace
