// SPDX-License-Identifier: MIT
// The schema as the session sees it, on every backend: has_table() finds views and temporary
// tables (not only base tables of the catalog), and a statement prepared before a table was
// dropped and re-created with other column types runs against the new table, whether the DDL
// ran on the same connection or on another one (PostgreSQL: "cached plan must not change
// result type").
#include <cstdint>
#include <string>
#include <vector>

#include "dialect_suite/fixture.hpp"

namespace crucible {
namespace {

class SchemaChanges : public testkit::DialectSuite {
 protected:
  void SetUp() override {
    DialectSuite::SetUp();
    if (IsSkipped()) return;
    base_ = &metadata_.table(table_name("base"), Column("id", BigInteger()).primary_key(),
                             Column("v", Integer()));
    create_tables();
  }
  void TearDown() override {
    if (!IsSkipped()) {
      try {
        auto conn = engine().connect();
        for (const auto& [kind, name] : made_) conn.execute("DROP " + kind + " IF EXISTS " + name);
        conn.commit();
      } catch (const std::exception& e) {
        ADD_FAILURE() << "cleaning up failed: " << e.what();
      }
    }
    DialectSuite::TearDown();
  }
  // A name dropped (as `kind`: TABLE, VIEW) in TearDown whatever happens in the test.
  std::string made(std::string kind, std::string_view stem) {
    made_.emplace_back(std::move(kind), table_name(stem));
    return made_.back().second;
  }

  const Table* base_ = nullptr;
  std::vector<std::pair<std::string, std::string>> made_;
};

TEST_P(SchemaChanges, HasTableSeesViews) {
  auto conn = engine().connect();
  const std::string view = made("VIEW", "view");
  conn.execute("CREATE VIEW " + view + " AS SELECT id FROM " + base_->name());
  conn.commit();
  EXPECT_TRUE(has_table(conn, view));
  EXPECT_TRUE(has_table(conn, base_->name()));
  EXPECT_FALSE(has_table(conn, table_name("missing")));
  conn.execute("DROP VIEW " + view);
  conn.commit();
  EXPECT_FALSE(has_table(conn, view));
}

TEST_P(SchemaChanges, HasTableSeesTemporaryTables) {
  auto conn = engine().connect();
  const std::string temp = table_name("temp");  // gone with the connection at the latest
  EXPECT_FALSE(has_table(conn, temp));
  conn.execute("CREATE TEMPORARY TABLE " + temp + " (id INTEGER)");
  EXPECT_TRUE(has_table(conn, temp));
  // The probe (MariaDB) leaves the transaction usable.
  conn.execute("INSERT INTO " + temp + " (id) VALUES (1)");
  EXPECT_EQ(conn.execute("SELECT COUNT(*) FROM " + temp).scalar<std::int64_t>(), 1);
  conn.execute("DROP TABLE " + temp);
  EXPECT_FALSE(has_table(conn, temp));
  conn.rollback();
}

// The same SELECT, prepared and cached, after DROP + CREATE with another column type on the
// same connection: the connection's prepared statements go with the DDL.
TEST_P(SchemaChanges, SameStatementAfterDdlOnTheSameConnection) {
  const std::string name = made("TABLE", "shape");
  const std::string query = "SELECT v FROM " + name + " WHERE id = 1";
  auto conn = engine().connect();
  conn.execute("CREATE TABLE " + name + " (id INTEGER PRIMARY KEY, v INTEGER)");
  conn.execute("INSERT INTO " + name + " (id, v) VALUES (1, 42)");
  conn.commit();
  EXPECT_EQ(conn.execute(query).scalar<std::int64_t>(), 42);
  EXPECT_EQ(conn.execute(query).scalar<std::int64_t>(), 42);  // the cached statement
  conn.commit();
  conn.execute("DROP TABLE " + name);
  conn.execute("CREATE TABLE " + name + " (id INTEGER PRIMARY KEY, v VARCHAR(20))");
  conn.execute("INSERT INTO " + name + " (id, v) VALUES (1, 'forty-two')");
  EXPECT_EQ(conn.execute(query).scalar<std::string>(), "forty-two");
  conn.commit();
}

// The same, with the DDL on another connection: the first statement of the pooled connection's
// next transaction meets the changed table (and is run once more, prepared afresh).
TEST_P(SchemaChanges, SameStatementAfterDdlOnAnotherConnection) {
  const std::string name = made("TABLE", "shape");
  const std::string query = "SELECT v FROM " + name + " WHERE id = 1";
  auto reader = engine().connect();
  {
    auto other = engine().connect();
    other.execute("CREATE TABLE " + name + " (id INTEGER PRIMARY KEY, v INTEGER)");
    other.execute("INSERT INTO " + name + " (id, v) VALUES (1, 42)");
    other.commit();
  }
  EXPECT_EQ(reader.execute(query).scalar<std::int64_t>(), 42);
  EXPECT_EQ(reader.execute(query).scalar<std::int64_t>(), 42);
  reader.commit();
  {
    auto other = engine().connect();
    other.execute("DROP TABLE " + name);
    other.execute("CREATE TABLE " + name + " (id INTEGER PRIMARY KEY, v VARCHAR(20))");
    other.execute("INSERT INTO " + name + " (id, v) VALUES (1, 'forty-two')");
    other.commit();
  }
  EXPECT_EQ(reader.execute(query).scalar<std::string>(), "forty-two");
  reader.commit();
}

CRUCIBLE_DIALECT_SUITE(SchemaChanges);

}  // namespace
}  // namespace crucible
