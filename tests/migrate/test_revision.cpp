// SPDX-License-Identifier: MIT
// Revision files and the revision graph (issue 21): every operation written and read back,
// strict parsing with file and line in each error, checksums that follow meaning rather than
// layout, and the graph's checks (heads, merges, cycles, missing parents, squashes).
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "crucible/migrate/graph.hpp"
#include "crucible/migrate/revision.hpp"
#include "support/temp_dir.hpp"

namespace crucible::migrate {
namespace {

std::string error_of(const std::string& text) {
  try {
    (void)parse_revision(text, "versions/r.toml");
  } catch (const MigrationError& e) {
    return e.what();
  }
  return "(no error)";
}

Revision every_operation() {
  Revision r;
  r.id = "a1b2c3d4e5f6";
  r.parents = {"000000000001"};
  r.message = "every operation";
  r.created = "2026-12-07T12:00:00Z";
  auto status = std::make_shared<EnumInfo>();
  status->name = "post_status";
  status->labels = {"draft", "published"};
  SqlType enum_type = String();
  enum_type.kind = TypeKind::enumeration;
  enum_type.enum_info = status;
  r.upgrade.push_back({CreateTable{"points",
                                   {Column("id", BigInteger()).primary_key(),
                                    Column("user_id", BigInteger()).nullable(false).references("users.id").on_delete("CASCADE"),
                                    Column("points", Integer()).server_default("0").comment("it's \"quoted\""),
                                    Column("status", enum_type), Column("price", Numeric(10, 2)),
                                    Column("at", DateTimeType(true)), UniqueConstraint({"user_id"}, "uq_points_user"),
                                    CheckConstraint("points >= 0", "ck_points"), Index("ix_points_points", {"points"}).where("points > 0"),
                                    TableComment("per user")}},
                       "", 0, ""});
  AlterColumn alter;
  alter.table = "points";
  alter.column = "points";
  alter.type = BigInteger();
  alter.existing_type = Integer();
  alter.nullable = false;
  alter.server_default = std::optional<std::string>();
  alter.existing_server_default = std::optional<std::string>("0");
  alter.new_name = "score";
  r.upgrade.push_back({alter, "scores outgrow 32 bits", 0, ""});
  r.upgrade.push_back({AddColumn{"points", Column("note", Text()).index()}, "", 0, ""});
  r.upgrade.push_back({DropColumn{"points", "note", Column("note", Text())}, "no longer used", 0, ""});
  r.upgrade.push_back({RenameTable{"points", "user_points"}, "", 0, ""});
  r.upgrade.push_back({CreateIndex{"user_points", Index("ix_up_score", {"score", "user_id"}).unique(), true}, "", 0, ""});
  r.upgrade.push_back({DropIndex{"user_points", "ix_up_score", Index("ix_up_score", {"score"}), false}, "", 0, ""});
  r.upgrade.push_back(
      {AddConstraint{"user_points", ForeignKeyConstraint({"user_id"}, "users", {"id"}, "SET NULL", "CASCADE", "fk_x")}, "", 0, ""});
  r.upgrade.push_back(
      {DropConstraint{"user_points", "ck_points", ConstraintKind::check, CheckConstraint("points >= 0", "ck_points")}, "", 0, ""});
  r.upgrade.push_back({SetTableComment{"user_points", "", std::string("per user")}, "", 0, ""});
  r.upgrade.push_back({ExecuteSql{"INSERT INTO user_points (user_id)\nSELECT id FROM users WHERE name <> :skip",
                                  {{"skip", "it's"}},
                                  {"mysql"},
                                  "DELETE FROM user_points"},
                       "", 0, ""});
  Blob bytes{0, 1, 254};
  r.upgrade.push_back({BulkInsert{"user_points",
                                  {"a", "b", "c", "d", "e", "f"},
                                  {{Value(1), Value(2.5), Value("x\ny"), Value(), Value(true), Value(Date{2024, 2, 29})},
                                   {Value(Decimal("12.30")), Value(std::move(bytes)), Value(DateTime::from_string("2024-01-02 03:04:05.5+00:00")),
                                    Value(Time{1, 2, 3, 0}), Value(Json::parse(R"({"k":[1,2]})")), Value(-7)}}},
                       "", 0, ""});
  r.downgrade_written = true;
  r.downgrade.push_back({DropTable{"user_points", {}}, "", 0, ""});
  return r;
}

TEST(RevisionFile, EveryOperationIsWrittenAndReadBack) {
  const Revision original = every_operation();
  const std::string text = write_revision(original);
  const Revision back = parse_revision(text, "r.toml");
  EXPECT_EQ(back.id, original.id);
  EXPECT_EQ(back.parents, original.parents);
  EXPECT_EQ(back.message, original.message);
  EXPECT_EQ(back.created, original.created);
  ASSERT_EQ(back.upgrade.size(), original.upgrade.size());
  ASSERT_EQ(back.downgrade.size(), 1u);
  EXPECT_TRUE(back.downgrade_written);
  // Written again, the text is the same: nothing was lost or changed on the way.
  EXPECT_EQ(write_revision(back), text);
  EXPECT_EQ(back.checksum(), original.checksum());
  for (std::size_t i = 0; i < back.upgrade.size(); ++i) {
    EXPECT_EQ(describe(back.upgrade[i].operation), describe(original.upgrade[i].operation)) << i;
    EXPECT_EQ(back.upgrade[i].intended, original.upgrade[i].intended) << i;
    EXPECT_GT(back.upgrade[i].line, 0) << i;
  }
  const auto& rows = std::get<BulkInsert>(back.upgrade.back().operation).rows;
  EXPECT_TRUE(rows[0][3].is_null());
  EXPECT_EQ(rows[0][2], Value("x\ny"));
  EXPECT_EQ(rows[1][0], Value(Decimal("12.30")));
  EXPECT_EQ(rows[0][5], Value(Date{2024, 2, 29}));
  const auto& alter = std::get<AlterColumn>(back.upgrade[1].operation);
  ASSERT_TRUE(alter.server_default.has_value());
  EXPECT_FALSE(alter.server_default->has_value()) << "a dropped default stays a dropped default";
  const auto& create = std::get<CreateTable>(back.upgrade[0].operation);
  const auto& status = std::get<Column>(create.items[3]);
  ASSERT_TRUE(status.type().enum_info);
  EXPECT_EQ(status.type().enum_info->labels, (std::vector<std::string>{"draft", "published"}));
  const auto& exec = std::get<ExecuteSql>(back.upgrade[10].operation);
  EXPECT_EQ(exec.sql, "INSERT INTO user_points (user_id)\nSELECT id FROM users WHERE name <> :skip");
  EXPECT_NE(text.find("'''\nINSERT INTO user_points"), std::string::npos) << "SQL over lines stays readable:\n" << text;
}

TEST(RevisionFile, ChecksumFollowsMeaningNotLayout) {
  const std::string text = R"(revision = "abc123"
parents = []
message = "first"
created = "2026-12-07T12:00:00Z"

[[upgrade]]
op = "add_column"
table = "users"
column = { name = "karma", type = "Integer", server_default = "0" }
)";
  const std::string reformatted = R"(# a comment a reviewer added
message = "first, reworded"
revision = "abc123"
parents = [ ]
created = "2026-12-07T12:00:00Z"
[[upgrade]]
column = {type="Integer",name="karma",server_default="0"}   # same step
table = "users"
op = "add_column"
)";
  const std::string edited = R"(revision = "abc123"
parents = []
message = "first"
created = "2026-12-07T12:00:00Z"

[[upgrade]]
op = "add_column"
table = "users"
column = { name = "karma", type = "BigInteger", server_default = "0" }
)";
  const std::string sum = parse_revision(text, "a").checksum();
  EXPECT_EQ(sum.size(), 64u);
  EXPECT_EQ(parse_revision(reformatted, "b").checksum(), sum);
  EXPECT_NE(parse_revision(edited, "c").checksum(), sum);
}

TEST(RevisionFile, MistakesNameTheFileLineAndKey) {
  const std::string head = "revision = \"abc123\"\nparents = []\n\n[[upgrade]]\n";
  EXPECT_EQ(error_of(head + "op = \"add_column\"\ntable = \"t\"\ncolumn = { name = \"x\", type = \"Integer\", nulable = false }\n"),
            "versions/r.toml:7: upgrade step 1, column: unknown key 'nulable'");
  EXPECT_EQ(error_of(head + "op = \"drop_colum\"\ntable = \"t\"\n").substr(0, 48),
            "versions/r.toml:5: upgrade step 1: unknown op 'd");
  EXPECT_EQ(error_of(head + "op = \"add_column\"\ntable = \"t\"\ncolumn = { name = \"x\", type = \"Integr\" }\n")
                .substr(0, 64),
            "versions/r.toml:7: upgrade step 1, column: unknown type 'Integr'");
  EXPECT_EQ(error_of(head + "op = \"drop_column\"\ntable = 5\ncolumn = \"x\"\n"),
            "versions/r.toml:6: upgrade step 1: 'table' must be a string");
  EXPECT_EQ(error_of(head + "op = \"drop_column\"\ntable = \"t\"\n"), "versions/r.toml:4: upgrade step 1: 'column' is missing");
  EXPECT_EQ(error_of("revision = \"abc\"\nparents = [\n"), "versions/r.toml:2: not valid TOML: Error while parsing array: encountered end-of-file");
  EXPECT_EQ(error_of("parents = []\n"), "versions/r.toml:1: revision: 'revision' is missing");
  EXPECT_EQ(error_of("revision = \"a b\"\n"), "versions/r.toml:1: revision: 'revision' must be letters, digits, '_' or '-'");
  EXPECT_EQ(error_of(head + "op = \"execute\"\nsql = \"x\"\ndialects = [\"oracle\"]\n"),
            "versions/r.toml:4: upgrade step 1: unknown dialect 'oracle' (sqlite, postgresql, mysql or mariadb)");
  EXPECT_EQ(error_of(head + "op = \"bulk_insert\"\ntable = \"t\"\ncolumns = [\"a\", \"b\"]\nrows = [[1]]\n"),
            "versions/r.toml:8: upgrade step 1: a row has 1 values for 2 columns");
  EXPECT_EQ(error_of(head + "op = \"alter_column\"\ntable = \"t\"\ncolumn = \"c\"\n"),
            "versions/r.toml:4: upgrade step 1: alter_column changes nothing");
}

TEST(RevisionFile, DowngradeDefaultsToTheReversedUpgrade) {
  Revision r = parse_revision(R"(revision = "abc123"
parents = []
[[upgrade]]
op = "create_table"
table = "t"
columns = [{ name = "id", type = "BigInteger", primary_key = true }]
[[upgrade]]
op = "create_index"
table = "t"
name = "ix_t_id"
columns = ["id"]
)",
                              "r");
  const auto steps = r.downgrade_steps();
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(describe(steps[0].operation), "drop index ix_t_id on t");
  EXPECT_EQ(describe(steps[1].operation), "drop table t");
  r.upgrade.push_back({DropColumn{"t", "x", std::nullopt}, "", 12, ""});
  try {
    (void)r.downgrade_steps();
    ADD_FAILURE() << "an irreversible step must be reported";
  } catch (const MigrationError& e) {
    EXPECT_NE(std::string(e.what()).find("write its downgrade in the file"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(parse_revision("revision = \"x1\"\ndowngrade = []\n", "r").downgrade_written);
}

TEST(RevisionFile, TypesAreSpelledAsCoreNamesThem) {
  for (const SqlType& t : {Integer(), BigInteger(), SmallInteger(), Boolean(), Float(), Double(), Numeric(10, 2),
                           String(), String(80), Text(), DateType(), TimeType(), DateTimeType(), DateTimeType(true),
                           JSONType(), UUIDType(), LargeBinary()})
    EXPECT_EQ(parse_type(type_spelling(t)), t) << type_spelling(t);
  EXPECT_EQ(parse_type("Numeric( 12 , 4 )"), Numeric(12, 4));
  EXPECT_THROW((void)parse_type("String(x)"), MigrationError);
  EXPECT_THROW((void)parse_type("Integer(3)"), MigrationError);
  EXPECT_THROW((void)parse_type("DateTime(utc)"), MigrationError);
  EXPECT_EQ(slug("Add user points! (v2)"), "add_user_points_v2");
  EXPECT_EQ(new_revision_id().size(), 12u);
  EXPECT_NE(new_revision_id(), new_revision_id());
}

Revision rev(std::string id, std::vector<std::string> parents, std::string created = "2026-01-01") {
  Revision r;
  r.id = std::move(id);
  r.parents = std::move(parents);
  r.created = std::move(created);
  return r;
}

TEST(RevisionGraphTest, HeadsMergesAndOrder) {
  const RevisionGraph g({rev("c1", {"b1"}, "3"), rev("a1", {}, "1"), rev("b1", {"a1"}, "2"), rev("b2", {"a1"}, "2"),
                         rev("m1", {"c1", "b2"}, "4")});
  std::vector<std::string> order;
  for (const auto& r : g.revisions()) order.push_back(r.id);
  EXPECT_EQ(order, (std::vector<std::string>{"a1", "b1", "b2", "c1", "m1"}));
  EXPECT_EQ(g.heads(), std::vector<std::string>{"m1"});
  EXPECT_EQ(g.bases(), std::vector<std::string>{"a1"});
  EXPECT_EQ(g.head(), "m1");
  EXPECT_EQ(g.ancestors("c1"), (std::set<std::string>{"a1", "b1", "c1"}));
  EXPECT_EQ(g.descendants("b2"), (std::set<std::string>{"b2", "m1"}));

  const RevisionGraph branched({rev("a1", {}), rev("b1", {"a1"}), rev("b2", {"a1"})});
  try {
    (void)branched.head();
    ADD_FAILURE();
  } catch (const MigrationError& e) {
    EXPECT_EQ(std::string(e.what()), "there are several heads (b1, b2): merge them (crucible merge) or name the one to use");
  }
}

TEST(RevisionGraphTest, BrokenGraphsAreErrors) {
  EXPECT_THROW(RevisionGraph({rev("a1", {}), rev("b1", {"zz"})}), MigrationError);
  EXPECT_THROW(RevisionGraph({rev("a1", {"b1"}), rev("b1", {"a1"})}), MigrationError);
  EXPECT_THROW(RevisionGraph({rev("a1", {}), rev("a1", {})}), MigrationError);
  const RevisionGraph g({rev("abcd1111", {}), rev("abcd2222", {"abcd1111"})});
  EXPECT_EQ(g.get("abcd2").id, "abcd2222");
  EXPECT_THROW((void)g.get("abcd"), MigrationError) << "ambiguous";
  EXPECT_THROW((void)g.get("zzzz"), MigrationError);
}

TEST(RevisionGraphTest, ASquashStandsForTheRevisionsItReplaces) {
  Revision squash = rev("s1", {}, "0");
  squash.replaces = {"a1", "b1"};
  const RevisionGraph g({rev("a1", {}), rev("b1", {"a1"}), squash, rev("c1", {"b1"})});
  std::vector<std::string> order;
  for (const auto& r : g.revisions()) order.push_back(r.id);
  EXPECT_EQ(order, (std::vector<std::string>{"s1", "c1"}));
  EXPECT_EQ(g.find("c1")->parents, std::vector<std::string>{"s1"});
  EXPECT_EQ(g.replaced_by("b1"), "s1");
  EXPECT_EQ(g.get("b1").id, "s1");
}

TEST(RevisionGraphTest, LoadsADirectoryAndNamesTheBadFile) {
  testkit::TempDir dir;
  std::ofstream(dir.path() / "001_first.toml") << "revision = \"aaa111\"\nparents = []\n";
  std::ofstream(dir.path() / "002_second.toml") << "revision = \"bbb222\"\nparents = [\"aaa111\"]\n";
  std::ofstream(dir.path() / "notes.txt") << "not a revision";
  const RevisionGraph g = RevisionGraph::load(dir.path());
  EXPECT_EQ(g.head(), "bbb222");
  EXPECT_EQ(g.find("bbb222")->path, dir.path() / "002_second.toml");
  std::ofstream(dir.path() / "003_bad.toml") << "revision = \"ccc333\"\nparents = [\"bbb222\"]\nmesage = \"typo\"\n";
  try {
    (void)RevisionGraph::load(dir.path());
    ADD_FAILURE();
  } catch (const MigrationError& e) {
    EXPECT_EQ(std::string(e.what()), (dir.path() / "003_bad.toml").string() + ":3: revision: unknown key 'mesage'");
  }
  EXPECT_THROW((void)RevisionGraph::load(dir.path() / "missing"), MigrationError);
}

}  // namespace
}  // namespace crucible::migrate
