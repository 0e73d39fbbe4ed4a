// SPDX-License-Identifier: MIT
// Mapping: struct + declaration -> Core Table in the registry's MetaData; type inference and
// overrides; col() yields the Core typed column.
#include "orm/models.hpp"

#include "crucible/sql/dialect.hpp"

namespace orm_test {
namespace {

using namespace crucible;

TEST(Mapping, BuildsACoreTableInTheRegistry) {
  const Mapper& m = mapper_of<User>();
  EXPECT_EQ(m.class_name(), "User");
  EXPECT_EQ(m.table().name(), "users");
  EXPECT_EQ(default_registry().metadata().find_table("users"), &m.table());
  ASSERT_EQ(m.attributes().size(), m.table().columns().size());
  EXPECT_EQ(m.primary_key().size(), 1u);
  EXPECT_TRUE(m.integer_primary_key());
  EXPECT_EQ(m.generated_key(), &m.attribute("id"));
}

TEST(Mapping, InfersTypesFromMembersWithOverrides) {
  const Table& t = mapper_of<User>().table();
  EXPECT_EQ(t.column("id").type().kind, TypeKind::big_integer);
  EXPECT_EQ(t.column("username").type().kind, TypeKind::string);
  EXPECT_EQ(t.column("username").type().length, 80);
  EXPECT_EQ(t.column("posts_count").type().kind, TypeKind::integer);
  EXPECT_EQ(t.column("created_at").type().kind, TypeKind::date_time);
  EXPECT_FALSE(t.column("created_at").is_nullable());
  EXPECT_TRUE(t.column("last_login").is_nullable());
  EXPECT_TRUE(t.column("username").is_unique());
  EXPECT_TRUE(t.column("username").is_indexed());
  EXPECT_TRUE(t.column("created_at").has_default());
  EXPECT_TRUE(t.column("updated_at").has_onupdate());
  EXPECT_EQ(t.column("karma").server_default_sql().value_or(""), "10");
  const Table& posts = mapper_of<Post>().table();
  EXPECT_EQ(posts.column("status").type().kind, TypeKind::enumeration);
  EXPECT_EQ(posts.column("content").type().kind, TypeKind::text);
  EXPECT_EQ(posts.column("is_featured").type().kind, TypeKind::boolean);
  ASSERT_EQ(posts.foreign_keys().size(), 1u);
  EXPECT_EQ(posts.foreign_keys()[0].target_table, "users");
  bool composite_index = false;
  for (const auto& i : posts.indexes()) composite_index |= i.name() == "ix_posts_author_status";
  EXPECT_TRUE(composite_index);
}

TEST(Mapping, CompositePrimaryKey) {
  const Mapper& m = mapper_of<Membership>();
  ASSERT_EQ(m.primary_key().size(), 2u);
  EXPECT_FALSE(m.integer_primary_key());
  EXPECT_EQ(m.generated_key(), nullptr);
  EXPECT_EQ(m.primary_key()[0]->key(), "group_name");
}

TEST(Mapping, VersionColumn) {
  EXPECT_EQ(mapper_of<Account>().version_attribute(), &mapper_of<Account>().attribute("version"));
}

TEST(Mapping, ColYieldsTheCoreTypedColumn) {
  auto cond = col(&Post::views_count) > 10 && col(&Post::status) == PostStatus::published;
  static_assert(std::is_same_v<decltype(col(&Post::views_count)), Expr<int>>);
  static_assert(std::is_same_v<decltype(col(&Post::title)), Expr<std::string>>);
  auto sql = create_engine("sqlite:///:memory:").dialect().compile(select(mapper_of<Post>().table()).where(cond))->sql;
  EXPECT_NE(sql.find("posts.views_count > ?"), std::string::npos) << sql;
  EXPECT_NE(sql.find("posts.status = ?"), std::string::npos) << sql;
  EXPECT_EQ(&attribute_of(&User::email), &mapper_of<User>().attribute("email"));
}

TEST(Mapping, CreateAllWorksOnMappedTables) {
  testkit::TempDir dir;
  auto engine = create_engine(dir.url("m.db"));
  create_all(engine, default_registry().metadata());
  auto conn = engine.connect();
  EXPECT_TRUE(has_table(conn, "users"));
  EXPECT_TRUE(has_table(conn, "posts"));
  // Core statements work on the mapped table.
  conn.execute(insert(mapper_of<User>().table())
                   .values(set(col(&User::username), "core"), set(col(&User::email), "c@x"),
                           set(col(&User::posts_count), 0), set(col(&User::karma), 1)));
  EXPECT_EQ(conn.scalar<std::int64_t>(select(func::count()).select_from(mapper_of<User>().table())), 1);
}

}  // namespace
}  // namespace orm_test
