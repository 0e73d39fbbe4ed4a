// SPDX-License-Identifier: MIT
// Autogenerate (issue 21) on every backend: nothing proposed against a database that matches
// the models (twice: nothing re-proposed), each kind of change found, renames proposed as
// renames, and the generated steps, applied, bring the database to the models with the rows kept.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "crucible/migrate/autogenerate.hpp"
#include "crucible/migrate/inspector.hpp"
#include "dialect_suite/fixture.hpp"

namespace crucible {
namespace {

using migrate::Step;

enum class Shade { red, green, blue };

}  // namespace
}  // namespace crucible

template <>
struct crucible::EnumNames<crucible::Shade> {
  static constexpr std::array names{"red", "green", "blue"};
};

namespace crucible {
namespace {

class Autogenerate : public testkit::DialectSuite {
 protected:
  void SetUp() override {
    DialectSuite::SetUp();
    if (IsSkipped()) return;
    parent_ = table_name("ag_parent");
    child_ = table_name("ag_child");
  }
  void TearDown() override {
    if (!IsSkipped()) {
      try {
        auto conn = engine().connect();
        for (const auto& t : std::vector<std::string>{child_, child_ + "_renamed", extra_, parent_})
          if (!t.empty()) conn.execute(text("DROP TABLE IF EXISTS " + engine().dialect().quote_identifier(t)));
        conn.commit();
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
      }
    }
    DialectSuite::TearDown();
  }
  // The models, version 1 or 2 (2 changes every kind of thing 1 declares).
  void declare(MetaData& m, int version) {
    m.table(parent_, Column("id", BigInteger()).primary_key(), Column("name", String(50)).nullable(false).unique(),
            TableComment(version == 1 ? "people" : "people and teams"));
    if (version == 1) {
      m.table(child_, Column("id", BigInteger()).primary_key(),
              Column("parent_id", BigInteger()).references(parent_ + ".id").on_delete("CASCADE"),
              Column("label", String(50)).nullable(false).server_default("'none'"),
              Column("qty", Integer()).nullable(false).server_default("0"), Column("price", Numeric(10, 2)),
              Column("flag", Boolean()).nullable(false).server_default("FALSE"), Column("shade", Enum<Shade>()),
              Column("at", DateTimeType()), Column("old_note", Text()), Column("gone", Integer()),
              CheckConstraint("qty >= 0", "ck_" + child_ + "_qty"), Index("ix_" + child_ + "_label", {"label"}));
    } else {
      m.table(child_, Column("id", BigInteger()).primary_key(),
              Column("parent_id", BigInteger()).references(parent_ + ".id").on_delete("CASCADE"),
              Column("label", String(120)).nullable(false).server_default("'none'"),  // wider
              Column("qty", Integer()).nullable(false).server_default("1"),            // new default
              Column("price", Numeric(10, 2)).nullable(false).server_default("0"),    // NOT NULL
              Column("flag", Boolean()).nullable(false).server_default("FALSE"), Column("shade", Enum<Shade>()),
              Column("at", DateTimeType()), Column("note", Text()),                    // old_note renamed
              Column("added", String(10)).comment("new"),                              // gone dropped, added added
              Index("ix_" + child_ + "_qty", {"qty"}));                                // index swapped, check dropped
    }
  }
  migrate::AutogenerateOptions options() {
    migrate::AutogenerateOptions o;
    o.include_table = [this](const std::string& name) { return name == parent_ || name == child_ || name == extra_; };
    return o;
  }
  std::vector<std::string> described(const std::vector<Step>& steps) {
    std::vector<std::string> out;
    for (const auto& s : steps) out.push_back(migrate::describe(s.operation));
    return out;
  }
  bool has(const std::vector<std::string>& lines, const std::string& prefix) {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.rfind(prefix, 0) == 0; });
  }

  std::string parent_, child_, extra_;
};

// Also the reflection round trip: every type, key, constraint and index kind Core declares is
// created, reflected and found equal to its declaration.
TEST_P(Autogenerate, ADatabaseThatMatchesTheModelsGivesNoStepsTwice) {
  MetaData models;
  declare(models, 1);
  extra_ = table_name("ag_all");
  std::vector<TableItem> all{
      Column("a", Integer()), Column("b", String(20)), Column("small", SmallInteger()), Column("big", BigInteger()),
      Column("f", Float()), Column("d", Double()), Column("n", Numeric(12, 3)), Column("s", String(255)),
      Column("t", Text()).comment("long text"), Column("day", DateType()), Column("clock", TimeType()),
      Column("naive", DateTimeType()), Column("aware", DateTimeType(true)), Column("j", JSONType()),
      Column("u", UUIDType()), Column("bytes", LargeBinary()), Column("yes", Boolean()).nullable(false).server_default("TRUE"),
      Column("shade", Enum<Shade>()).nullable(false), Column("owner", BigInteger()),
      PrimaryKeyConstraint({"a", "b"}), UniqueConstraint({"small", "big"}, "uq_" + extra_ + "_pair"),
      ForeignKeyConstraint({"owner"}, parent_, {"id"}, "SET NULL", "", "fk_" + extra_ + "_owner"),
      CheckConstraint("n >= 0", "ck_" + extra_ + "_n"), Index("ix_" + extra_ + "_day", {"day", "naive"}),
      Index("ix_" + extra_ + "_s", {"s"}).unique(), TableComment("everything")};
  if (features().supports_partial_indexes) all.push_back(Index("ix_" + extra_ + "_partial", {"d"}).where("d > 0"));
  models.add_table(extra_, std::move(all));
  create_all(engine(), models);
  const auto first = migrate::autogenerate(engine(), models, options());
  EXPECT_TRUE(first.empty()) << ::testing::PrintToString(described(first));
  const auto second = migrate::autogenerate(engine(), models, options());
  EXPECT_TRUE(second.empty()) << ::testing::PrintToString(described(second));
}

TEST_P(Autogenerate, EveryChangeIsFoundAndTheStepsBringTheDatabaseToTheModels) {
  {
    MetaData v1;
    declare(v1, 1);
    create_all(engine(), v1);
    auto conn = engine().connect();
    conn.execute(text("INSERT INTO " + parent_ + " (id, name) VALUES (1, 'ann')"));
    conn.execute(text("INSERT INTO " + child_ + " (id, parent_id, price, old_note) VALUES (1, 1, 2.5, 'kept')"));
    conn.commit();
  }
  MetaData v2;
  declare(v2, 2);
  const auto steps = migrate::autogenerate(engine(), v2, options());
  const auto lines = described(steps);
  const std::string c = child_;
  EXPECT_TRUE(has(lines, "alter column " + c + ".old_note (rename to note)")) << ::testing::PrintToString(lines);
  const bool noted = std::any_of(steps.begin(), steps.end(), [](const Step& s) { return s.note.find("rename") != std::string::npos; });
  EXPECT_TRUE(noted);
  EXPECT_TRUE(has(lines, "alter column " + c + ".label (type String(120))")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has(lines, "alter column " + c + ".qty (default 1)")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has(lines, "alter column " + c + ".price (not null, default 0)")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has(lines, "add column " + c + ".added")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has(lines, "drop column " + c + ".gone")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has(lines, "create index ix_" + c + "_qty")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has(lines, "drop index ix_" + c + "_label")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has(lines, "drop check constraint ck_" + c + "_qty")) << ::testing::PrintToString(lines);
  EXPECT_EQ(has(lines, "set comment on table " + parent_), features().supports_comments) << ::testing::PrintToString(lines);

  {
    auto conn = engine().connect();
    migrate::Operations op(conn);
    for (const auto& s : steps) op.run(s.operation);
    conn.commit();
  }
  const auto after = migrate::autogenerate(engine(), v2, options());
  EXPECT_TRUE(after.empty()) << "applied, the steps leave nothing to do: " << ::testing::PrintToString(described(after));
  auto conn = engine().connect();
  EXPECT_EQ(conn.scalar<std::string>("SELECT note FROM " + c + " WHERE id = 1"), "kept") << "the rename kept the values";
}

TEST_P(Autogenerate, TablesAppearDisappearAndAreRenamed) {
  extra_ = table_name("ag_extra");
  {
    MetaData v1;
    v1.table(parent_, Column("id", BigInteger()).primary_key(), Column("name", String(50)).nullable(false));
    v1.table(extra_, Column("id", BigInteger()).primary_key(), Column("v", Integer()));
    create_all(engine(), v1);
  }
  MetaData v2;
  v2.table(parent_ + "_x", Column("id", BigInteger()).primary_key(), Column("name", String(50)).nullable(false));
  v2.table(child_, Column("id", BigInteger()).primary_key(), Column("w", String(10)));
  const auto lines = described(migrate::autogenerate(engine(), v2, [&] {
    auto o = options();
    o.include_table = [&](const std::string& n) { return n == parent_ || n == extra_; };
    return o;
  }()));
  EXPECT_TRUE(has(lines, "rename table " + parent_ + " to " + parent_ + "_x")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has(lines, "create table " + child_)) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has(lines, "drop table " + extra_)) << ::testing::PrintToString(lines);
  auto conn = engine().connect();
  conn.execute(text("DROP TABLE IF EXISTS " + parent_ + "_x"));
  conn.commit();
}

// Alembic's longest-standing gap: an enum that gains (or loses) a value. Where the values live
// in a CHECK (SQLite, PostgreSQL) the CHECK is replaced; MariaDB's native ENUM is MODIFYed.
TEST_P(Autogenerate, AnEnumGainingAValueIsFoundAndApplied) {
  {
    MetaData v1;
    v1.table(child_, Column("id", BigInteger()).primary_key(), Column("shade", Enum<Shade>()).nullable(false));
    create_all(engine(), v1);
    auto conn = engine().connect();
    conn.execute(text("INSERT INTO " + child_ + " (id, shade) VALUES (1, 'red')"));
    conn.commit();
  }
  SqlType wider = Enum<Shade>();
  auto info = std::make_shared<EnumInfo>(*wider.enum_info);
  info->labels.push_back("purple");
  wider.enum_info = info;
  MetaData v2;
  v2.table(child_, Column("id", BigInteger()).primary_key(), Column("shade", wider).nullable(false));
  const auto steps = migrate::autogenerate(engine(), v2, options());
  ASSERT_FALSE(steps.empty()) << "the new value is found";
  {
    auto conn = engine().connect();
    migrate::Operations op(conn);
    for (const auto& s : steps) op.run(s.operation);
    conn.commit();
  }
  const auto after = migrate::autogenerate(engine(), v2, options());
  EXPECT_TRUE(after.empty()) << ::testing::PrintToString(described(after));
  auto conn = engine().connect();
  conn.execute(text("INSERT INTO " + child_ + " (id, shade) VALUES (2, 'purple')"));
  conn.commit();
  EXPECT_ANY_THROW(conn.execute(text("INSERT INTO " + child_ + " (id, shade) VALUES (3, 'mauve')")))
      << "the values are still enforced";
  conn.rollback();
  EXPECT_EQ(conn.scalar<std::int64_t>("SELECT count(*) FROM " + child_), 2);
}

TEST(NormalizeDefault, OneSpellingPerDefault) {
  EXPECT_EQ(migrate::normalize_default("'x'::character varying"), "'x'");
  EXPECT_EQ(migrate::normalize_default("('x')"), "'x'");
  EXPECT_EQ(migrate::normalize_default("0"), "0");
  EXPECT_EQ(migrate::normalize_default("'0'"), "0");
  EXPECT_EQ(migrate::normalize_default("0.00"), "0");
  EXPECT_EQ(migrate::normalize_default("(0)::numeric"), "0");
  EXPECT_EQ(migrate::normalize_default("CURRENT_TIMESTAMP"), "current_timestamp");
  EXPECT_EQ(migrate::normalize_default("current_timestamp()"), "current_timestamp");
  EXPECT_EQ(migrate::normalize_default("now()"), "current_timestamp");
  EXPECT_EQ(migrate::normalize_default("FALSE"), "0");
  EXPECT_EQ(migrate::normalize_default("false"), "0");
  EXPECT_EQ(migrate::normalize_default("'It''s'"), "'It''s'");
}

CRUCIBLE_DIALECT_SUITE(Autogenerate);

}  // namespace
}  // namespace crucible
