// SPDX-License-Identifier: MIT
// Revisions applied to real databases (issue 21): the seed's user_points migration up, down and
// up again, checked by reflection; a revision failing half-way; two upgrades at once; an edited
// applied revision; relative targets, stamp and a database ahead of its scripts; hazards
// refused unless intended; offline SQL that runs as written.
#include <algorithm>
#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "crucible/migrate/inspector.hpp"
#include "crucible/migrate/migrator.hpp"
#include "dialect_suite/fixture.hpp"
#include "support/temp_dir.hpp"

namespace crucible {
namespace {

using migrate::Inspector;
using migrate::MigrationError;
using migrate::Migrator;
using migrate::MigratorOptions;
using migrate::RevisionGraph;

// Replaces every "{name}" in `text` with its value.
std::string fill(std::string text, const std::vector<std::pair<std::string, std::string>>& names) {
  for (const auto& [key, value] : names)
    for (std::size_t at = text.find("{" + key + "}"); at != std::string::npos; at = text.find("{" + key + "}", at))
      text.replace(at, key.size() + 2, value);
  return text;
}

class Migrations : public testkit::DialectSuite {
 protected:
  void SetUp() override {
    DialectSuite::SetUp();
    if (IsSkipped()) return;
    names_ = {{"users", table_name("users")},   {"points", table_name("user_points")},
              {"trigger", table_name("trg")},   {"t1", table_name("m1")},
              {"t2", table_name("m2")},         {"t3", table_name("m3")},
              {"version", table_name("version")}};
    options_.version_table = name("version");
  }
  void TearDown() override {
    if (engine_ready()) {
      try {
        auto conn = engine().connect();
        for (const char* t : {"points", "t3", "t2", "t1", "users", "version"})
          conn.execute(text("DROP TABLE IF EXISTS " + name(t)));
        conn.commit();
      } catch (const std::exception& e) {
        ADD_FAILURE() << "dropping the test tables failed: " << e.what();
      }
    }
    DialectSuite::TearDown();
  }
  bool engine_ready() { return !IsSkipped() && !names_.empty(); }
  const std::string& name(std::string_view key) const {
    for (const auto& [k, v] : names_)
      if (k == key) return v;
    throw std::logic_error("no test name " + std::string(key));
  }
  // Writes a revision file (placeholders {users}, {points}, ... filled in).
  void write(const std::string& file, const std::string& body) {
    std::ofstream(dir_.path() / file) << fill(body, names_);
  }
  Migrator migrator() { return Migrator(engine(), RevisionGraph::load(dir_.path()), options_); }
  std::int64_t count(const std::string& sql) { return engine().connect().scalar<std::int64_t>(fill(sql, names_)); }

  // The seed's users table with three users.
  void users_with_rows() {
    auto conn = engine().connect();
    Operations op(conn);
    op.run(migrate::CreateTable{name("users"),
                                {Column("id", BigInteger()).primary_key(), Column("username", String(80)).nullable(false),
                                 Column("created_at", DateTimeType())}});
    op.run(migrate::BulkInsert{name("users"),
                               {"username", "created_at"},
                               {{Value("ann"), Value(DateTime::from_string("2024-01-01 10:00:00"))},
                                {Value("bob"), Value(DateTime::from_string("2024-01-02 10:00:00"))},
                                {Value("cy"), Value(DateTime::from_string("2024-01-03 10:00:00"))}}});
    conn.commit();
  }
  // The seed's section 6.5 revision, as a file.
  void seed_revision() {
    write("001_user_points.toml", R"(revision = "5eed00000001"
parents = []
message = "add the user points system"
created = "2024-01-15T10:30:00Z"

[[upgrade]]
op = "create_table"
table = "{points}"
columns = [
  { name = "id", type = "Integer", primary_key = true },
  { name = "user_id", type = "BigInteger", nullable = false },
  { name = "points", type = "Integer", server_default = "0" },
  { name = "total_earned", type = "Integer", server_default = "0" },
  { name = "total_spent", type = "Integer", server_default = "0" },
  { name = "created_at", type = "DateTime" },
  { name = "updated_at", type = "DateTime" },
]
foreign_keys = [{ name = "fk_{points}_user", columns = ["user_id"], references = "{users}", referred_columns = ["id"], on_delete = "CASCADE" }]
unique = [{ name = "uq_{points}_user", columns = ["user_id"] }]

[[upgrade]]
op = "create_index"
table = "{points}"
name = "ix_{points}_user_id"
columns = ["user_id"]
intended = "a new, empty table: nothing to block"

[[upgrade]]
op = "create_index"
table = "{points}"
name = "ix_{points}_points"
columns = ["points"]
intended = "a new, empty table: nothing to block"

[[upgrade]]
op = "execute"
sql = '''
INSERT INTO {points} (user_id, points, created_at, updated_at)
SELECT id, :start, created_at, created_at FROM {users}
'''
params = { start = 0 }

[[upgrade]]
op = "execute"
dialects = ["mysql"]
sql = '''
CREATE TRIGGER {trigger}
BEFORE UPDATE ON {points}
FOR EACH ROW
SET NEW.updated_at = NOW()
'''

[[downgrade]]
op = "execute"
dialects = ["mysql"]
sql = "DROP TRIGGER IF EXISTS {trigger}"

[[downgrade]]
op = "drop_index"
table = "{points}"
name = "ix_{points}_points"

[[downgrade]]
op = "drop_index"
table = "{points}"
name = "ix_{points}_user_id"

[[downgrade]]
op = "drop_table"
table = "{points}"
)");
  }
  std::string shape(const std::string& table) {
    const auto t = Inspector(engine()).table(table);
    std::string out;
    for (const auto& c : t.columns) out += c.name + ":" + type_display(c.type) + (c.nullable ? "" : "!") + " ";
    for (const auto& fk : t.foreign_keys) out += "fk(" + fk.columns.front() + "->" + fk.referred_table + " " + fk.on_delete + ") ";
    for (const auto& u : t.unique_constraints) out += "uq(" + u.columns.front() + ") ";
    std::vector<std::string> indexes;
    for (const auto& i : t.indexes)
      if (i.name.find("ix_") == 0) indexes.push_back(i.name);
    std::sort(indexes.begin(), indexes.end());
    for (const auto& i : indexes) out += i + " ";
    return out;
  }
  bool has(const std::string& table) {
    const auto names = Inspector(engine()).table_names();
    return std::find(names.begin(), names.end(), table) != names.end();
  }
  // Three linear revisions, each creating one table.
  void three_revisions() {
    write("001.toml", "revision = \"aaaa00000001\"\nparents = []\nmessage = \"one\"\ncreated = \"1\"\n"
                      "[[upgrade]]\nop = \"create_table\"\ntable = \"{t1}\"\ncolumns = [{ name = \"id\", type = \"Integer\", primary_key = true }]\n");
    write("002.toml", "revision = \"bbbb00000002\"\nparents = [\"aaaa00000001\"]\nmessage = \"two\"\ncreated = \"2\"\n"
                      "[[upgrade]]\nop = \"create_table\"\ntable = \"{t2}\"\ncolumns = [{ name = \"id\", type = \"Integer\", primary_key = true }]\n");
    write("003.toml", "revision = \"cccc00000003\"\nparents = [\"bbbb00000002\"]\nmessage = \"three\"\ncreated = \"3\"\n"
                      "[[upgrade]]\nop = \"create_table\"\ntable = \"{t3}\"\ncolumns = [{ name = \"id\", type = \"Integer\", primary_key = true }]\n");
  }

  using Operations = migrate::Operations;
  testkit::TempDir dir_;
  MigratorOptions options_;
  std::vector<std::pair<std::string, std::string>> names_;
};

TEST_P(Migrations, TheSeedsMigrationGoesUpDownAndUpAgain) {
  users_with_rows();
  seed_revision();
  Migrator m = migrator();
  EXPECT_TRUE(m.current().empty());
  EXPECT_EQ(m.pending().size(), 1u);
  const auto ran = m.upgrade("head");
  ASSERT_EQ(ran.size(), 1u);
  EXPECT_EQ(m.current(), std::vector<std::string>{"5eed00000001"});
  EXPECT_TRUE(m.pending().empty());
  const std::string up = shape(name("points"));
  EXPECT_NE(up.find("user_id:BigInteger!"), std::string::npos) << up;
  EXPECT_NE(up.find("on_delete") == std::string::npos ? up.find("CASCADE") : 0, std::string::npos) << up;
  EXPECT_NE(up.find("ix_" + name("points") + "_points"), std::string::npos) << up;
  EXPECT_NE(up.find("uq(user_id)"), std::string::npos) << up;
  EXPECT_EQ(count("SELECT count(*) FROM {points} WHERE points = 0"), 3) << "the data migration copied every user";
  const bool trigger_here = engine().dialect().name() == "mysql";  // the revision names its dialect
  {
    auto conn = engine().connect();
    conn.execute(text(fill("UPDATE {points} SET points = 5", names_)));
    conn.commit();
  }
  EXPECT_EQ(count("SELECT count(*) FROM {points} WHERE updated_at = created_at"), trigger_here ? 0 : 3)
      << "the MariaDB-only trigger runs there and only there";

  EXPECT_EQ(m.downgrade("base").size(), 1u);
  EXPECT_FALSE(has(name("points")));
  EXPECT_TRUE(m.current().empty());
  EXPECT_TRUE(m.applied().empty());

  m.upgrade("head");
  EXPECT_EQ(shape(name("points")), up) << "the second upgrade builds the same schema";
  const auto rows = m.applied();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].message, "add the user points system");
  EXPECT_EQ(rows[0].checksum, m.graph().get("5eed").checksum());
  EXPECT_FALSE(rows[0].applied_at.empty());
  EXPECT_TRUE(m.edited().empty());
}

TEST_P(Migrations, ARevisionFailingHalfWaySaysWhereTheDatabaseStands) {
  users_with_rows();
  write("001.toml", R"(revision = "aaaa00000001"
parents = []
message = "karma"
[[upgrade]]
op = "add_column"
table = "{users}"
column = { name = "karma", type = "Integer", server_default = "0" }
[[upgrade]]
op = "execute"
sql = "UPDATE {users} SET no_such_column = 1"
)");
  Migrator m = migrator();
  try {
    m.upgrade();
    ADD_FAILURE() << "the upgrade must fail";
  } catch (const MigrationError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("revision aaaa00000001 (karma), upgrade step 2 of 2"), std::string::npos) << message;
    if (features().supports_transactional_ddl) {
      EXPECT_NE(message.find("rolled back"), std::string::npos) << message;
    } else {
      EXPECT_NE(message.find("1. add column " + name("users") + ".karma"), std::string::npos) << message;
      EXPECT_NE(message.find("does not list aaaa00000001"), std::string::npos) << message;
    }
  }
  EXPECT_TRUE(m.current().empty()) << "a failed revision is not recorded";
  const bool column_added = Inspector(engine()).table(name("users")).column("karma") != nullptr;
  EXPECT_EQ(column_added, !features().supports_transactional_ddl)
      << "transactional DDL undoes the first step; MariaDB keeps it, and says so";
  EXPECT_EQ(count("SELECT count(*) FROM {users}"), 3);
}

TEST_P(Migrations, TwoUpgradesAtOnceRunEachRevisionOnce) {
  three_revisions();
  std::atomic<int> ran{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i)
    threads.emplace_back([&] {
      try {
        Migrator m = migrator();
        ran += static_cast<int>(m.upgrade("head").size());
      } catch (const std::exception& e) {
        ++failures;
        ADD_FAILURE() << e.what();
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(ran.load(), 3) << "one process ran the three revisions; the other found nothing to do";
  EXPECT_EQ(migrator().current(), std::vector<std::string>{"cccc00000003"});
  EXPECT_EQ(migrator().applied().size(), 3u);
}

TEST_P(Migrations, RelativeTargetsStampAndADatabaseAheadOfItsScripts) {
  three_revisions();
  Migrator m = migrator();
  EXPECT_EQ(m.upgrade("+1").size(), 1u);
  EXPECT_EQ(m.current(), std::vector<std::string>{"aaaa00000001"});
  EXPECT_EQ(m.upgrade("+2").size(), 2u);
  EXPECT_EQ(m.current(), std::vector<std::string>{"cccc00000003"});
  EXPECT_THROW(m.upgrade("+1"), MigrationError);
  EXPECT_EQ(m.downgrade("-1").size(), 1u);
  EXPECT_FALSE(has(name("t3")));
  EXPECT_EQ(m.current(), std::vector<std::string>{"bbbb00000002"});
  EXPECT_EQ(m.downgrade("aaaa").size(), 1u);
  EXPECT_EQ(m.current(), std::vector<std::string>{"aaaa00000001"});

  m.stamp("cccc00000003");  // recorded, not run
  EXPECT_EQ(m.current(), std::vector<std::string>{"cccc00000003"});
  EXPECT_FALSE(has(name("t2")));
  m.stamp("aaaa00000001");
  EXPECT_EQ(m.current(), std::vector<std::string>{"aaaa00000001"});
  m.upgrade();
  EXPECT_TRUE(has(name("t3")));

  std::filesystem::remove(dir_.path() / "003.toml");
  Migrator behind = migrator();
  EXPECT_EQ(behind.unknown_applied(), std::vector<std::string>{"cccc00000003"});
  try {
    behind.upgrade();
    ADD_FAILURE() << "a database ahead of its scripts must be refused";
  } catch (const MigrationError& e) {
    EXPECT_NE(std::string(e.what()).find("ahead of these scripts"), std::string::npos) << e.what();
  }
}

TEST_P(Migrations, AnEditedAppliedRevisionIsReported) {
  three_revisions();
  migrator().upgrade();
  EXPECT_TRUE(migrator().edited().empty());
  write("002.toml", "# reviewed again\nrevision = \"bbbb00000002\"\nparents = [\"aaaa00000001\"]\nmessage = \"two, reworded\"\n"
                    "created = \"2\"\n[[upgrade]]\nop = \"create_table\"\ntable = \"{t2}\"\n"
                    "columns = [{ name = \"id\", type = \"Integer\", primary_key = true }]\n");
  EXPECT_TRUE(migrator().edited().empty()) << "comments and the message do not change what it does";
  write("002.toml", "revision = \"bbbb00000002\"\nparents = [\"aaaa00000001\"]\nmessage = \"two\"\ncreated = \"2\"\n"
                    "[[upgrade]]\nop = \"create_table\"\ntable = \"{t2}\"\n"
                    "columns = [{ name = \"id\", type = \"BigInteger\", primary_key = true }]\n");
  const auto edited = migrator().edited();
  ASSERT_EQ(edited.size(), 1u);
  EXPECT_EQ(edited[0], "bbbb00000002: " + (dir_.path() / "002.toml").string());
}

TEST_P(Migrations, HazardousStepsRunOnlyWhenMarkedIntended) {
  users_with_rows();
  write("001.toml", "revision = \"aaaa00000001\"\nparents = []\nmessage = \"drop\"\n"
                    "[[upgrade]]\nop = \"drop_column\"\ntable = \"{users}\"\ncolumn = \"created_at\"\n");
  try {
    migrator().upgrade();
    ADD_FAILURE() << "an unmarked drop must be refused";
  } catch (const MigrationError& e) {
    EXPECT_NE(std::string(e.what()).find("drops column " + name("users") + ".created_at and its values"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("001.toml:4"), std::string::npos) << e.what();
  }
  EXPECT_NE(Inspector(engine()).table(name("users")).column("created_at"), nullptr) << "nothing ran";
  write("001.toml", "revision = \"aaaa00000001\"\nparents = []\nmessage = \"drop\"\n"
                    "[[upgrade]]\nop = \"drop_column\"\ntable = \"{users}\"\ncolumn = \"created_at\"\n"
                    "intended = \"the column moved to user_points\"\n");
  migrator().upgrade();
  EXPECT_EQ(Inspector(engine()).table(name("users")).column("created_at"), nullptr);
  EXPECT_EQ(count("SELECT count(*) FROM {users}"), 3);
}

// Offline SQL for a DBA: run statement by statement, it leaves the database where an online
// upgrade would, version table included.
TEST_P(Migrations, OfflineSqlRunsAsWrittenAndRecordsTheRevisions) {
  users_with_rows();
  seed_revision();
  Migrator m = migrator();
  const auto statements = m.upgrade_sql("base", "head", engine().dialect());
  ASSERT_FALSE(statements.empty());
  {
    auto conn = engine().connect();
    for (const auto& sql : statements)
      if (sql.rfind("--", 0) != 0) conn.exec_driver_sql(sql);
  }
  EXPECT_EQ(m.current(), std::vector<std::string>{"5eed00000001"});
  EXPECT_EQ(count("SELECT count(*) FROM {points}"), 3);
  EXPECT_TRUE(m.edited().empty());
  const bool trigger_written = std::any_of(statements.begin(), statements.end(), [](const std::string& s) {
    return s.find("CREATE TRIGGER") != std::string::npos;
  });
  EXPECT_EQ(trigger_written, engine().dialect().name() == "mysql");

  // And back: the offline downgrade, run as written, leaves the version table empty.
  {
    auto conn = engine().connect();
    for (const auto& sql : m.downgrade_sql("head", "base", engine().dialect()))
      if (sql.rfind("--", 0) != 0) conn.exec_driver_sql(sql);
  }
  EXPECT_TRUE(m.current().empty());
  EXPECT_FALSE(has(name("points")));
}

CRUCIBLE_DIALECT_SUITE(Migrations);

}  // namespace
}  // namespace crucible
