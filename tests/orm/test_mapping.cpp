// SPDX-License-Identifier: MIT
// Mapping, with no database: struct + declaration -> Core Table in the registry's MetaData; type
// inference and overrides; col() yields the Core typed column; relationships configured from the
// foreign keys; cascade words. The models are the ORM suite's (tests/orm_suite), whose cases run
// the behaviour on every backend.
#include <gtest/gtest.h>

#include <type_traits>

#include "crucible/crucible.hpp"
#include "crucible/sql/dialect.hpp"
#include "orm_suite/models.hpp"
#include "orm_suite/relationship_models.hpp"

namespace orm_suite {
namespace {

using namespace crucible;

TEST(Mapping, BuildsACoreTableInTheRegistry) {
  const Mapper& m = mapper_of<User>();
  EXPECT_EQ(m.class_name(), "User");
  EXPECT_EQ(m.table().name(), "os_users");
  EXPECT_EQ(default_registry().metadata().find_table("os_users"), &m.table());
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
  EXPECT_EQ(posts.foreign_keys()[0].target_table, "os_users");
  bool composite_index = false;
  for (const auto& i : posts.indexes()) composite_index |= i.name() == "ix_os_posts_author_status";
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
  EXPECT_NE(sql.find("os_posts.views_count > ?"), std::string::npos) << sql;
  EXPECT_NE(sql.find("os_posts.status = ?"), std::string::npos) << sql;
  EXPECT_EQ(&attribute_of(&User::email), &mapper_of<User>().attribute("email"));
}

TEST(Mapping, RelationshipsAreConfiguredFromForeignKeys) {
  const Relationship* articles = mapper_of<Author>().find_relationship("articles");
  ASSERT_NE(articles, nullptr);
  EXPECT_EQ(articles->direction(), RelationshipDirection::one_to_many);
  EXPECT_EQ(articles->reverse(), mapper_of<Article>().find_relationship("author"));
  EXPECT_EQ(mapper_of<Article>().find_relationship("author")->direction(), RelationshipDirection::many_to_one);
  EXPECT_EQ(mapper_of<Author>().find_relationship("profile")->direction(), RelationshipDirection::one_to_many);
  EXPECT_FALSE(mapper_of<Author>().find_relationship("profile")->collection());
  // backref declared the other side.
  const Relationship* back = mapper_of<Profile>().find_relationship("author");
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(back->direction(), RelationshipDirection::many_to_one);
  EXPECT_EQ(back->reverse(), mapper_of<Author>().find_relationship("profile"));
  const Relationship* tags = mapper_of<Article>().find_relationship("tags");
  EXPECT_EQ(tags->direction(), RelationshipDirection::many_to_many);
  EXPECT_EQ(tags->reverse(), mapper_of<Tag>().find_relationship("articles"));
  EXPECT_EQ(mapper_of<Remark>().find_relationship("parent")->direction(), RelationshipDirection::many_to_one);
  EXPECT_EQ(mapper_of<Remark>().find_relationship("replies")->direction(), RelationshipDirection::one_to_many);
  EXPECT_EQ(mapper_of<Author>().find_relationship("articles")->name(), "Author.articles");
}

TEST(CascadeOptions, ParseSqlalchemyWords) {
  const Cascade all = Cascade::parse("all, delete-orphan");
  EXPECT_TRUE(all.save_update && all.merge && all.delete_ && all.delete_orphan && all.expunge);
  const Cascade none = Cascade::parse("none");
  EXPECT_FALSE(none.save_update || none.delete_ || none.delete_orphan);
  EXPECT_TRUE(Cascade{}.save_update);
  EXPECT_FALSE(Cascade{}.delete_);
  EXPECT_THROW(Cascade::parse("save-update, explode"), ArgumentError);
}

// Mappings built into a registry of their own: a refused one must not reach the default registry.
struct Counter {
  std::int64_t id = 0;
  int views = 0;
  bool active = false;
  DateTime stamped{};
  std::optional<int> maybe{};
};

template <typename... Items>
void map_counter(Items&&... items) {
  Registry registry;
  detail::MappingParts parts;
  (detail::add_mapping_item<Counter>(parts, items), ...);
  detail::finish_mapping(registry, "Counter", "counters", std::move(parts),
                         [](const Mapper& m, const std::shared_ptr<detail::ObjectGraph>& g, bool links) {
                           return std::shared_ptr<detail::InstanceState>(detail::new_state<Counter>(m, g, links));
                         });
}

TEST(MappingDefaults, ADefaultAPlainMemberCouldNeverTakeIsAnArgumentError) {
  auto id = [] {
    auto key = column("id", &Counter::id);
    key.primary_key();
    return key;
  };
  // The ORM writes what a plain member holds: a default other than its initialiser would never act.
  EXPECT_THROW(map_counter(id(), column("views", &Counter::views).default_value(5)), ArgumentError);
  EXPECT_THROW(map_counter(id(), column("views", &Counter::views).server_default("5")), ArgumentError);
  EXPECT_THROW(map_counter(id(), column("active", &Counter::active).server_default("true")), ArgumentError);
  EXPECT_THROW(map_counter(id(), column("stamped", &Counter::stamped).default_now()), ArgumentError);
  EXPECT_THROW(map_counter(id(), column("stamped", &Counter::stamped).server_default("CURRENT_TIMESTAMP")),
               ArgumentError);
  // Defaults equal to the initialiser, and any default on a std::optional member, are accepted.
  EXPECT_NO_THROW(map_counter(id(), column("views", &Counter::views).default_value(0),
                              column("active", &Counter::active).server_default("false")));
  EXPECT_NO_THROW(map_counter(id(), column("views", &Counter::views).server_default("(0)"),
                              column("maybe", &Counter::maybe).server_default("CURRENT_TIMESTAMP")));
  EXPECT_NO_THROW(map_counter(id(), column("maybe", &Counter::maybe).default_value(7)));
  try {
    map_counter(id(), column("views", &Counter::views).default_value(5));
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("'views'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("std::optional"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace orm_suite
