// SPDX-License-Identifier: MIT
// Models with every kind of relationship (the seed blog's shapes, tables prefixed r_ so they
// live beside models.hpp's): many-to-one / one-to-many with back_populates, one-to-one by
// backref, many-to-many through a Core table, self-referential one-to-many (replies) and
// many-to-many (following / followers, Dynamic) through an association object with its own column.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "orm/models.hpp"

namespace rel_test {

struct Author;
struct Article;
struct Tag;
struct Profile;
struct Remark;
struct Follow;

// The association object: a row of r_follows, with its own column.
struct Follow {
  std::int64_t follower_id = 0;
  std::int64_t followed_id = 0;
  crucible::DateTime created_at{};
  crucible::One<Author> follower{};
  crucible::One<Author> followed{};
};

struct Author {
  std::int64_t id = 0;
  std::string name{};
  int followers_count = 0;
  int following_count = 0;
  crucible::Many<Article> articles{};
  crucible::One<Profile> profile{};
  crucible::Dynamic<Author> following{};
  crucible::Dynamic<Author> followers{};
  crucible::Dynamic<Article> article_query{};
  crucible::Many<Remark> remarks{};

  bool is_following(const std::shared_ptr<Author>& other) const;
  void follow(const std::shared_ptr<Author>& other);
  void unfollow(const std::shared_ptr<Author>& other);
};

struct Profile {
  std::int64_t id = 0;
  std::int64_t author_id = 0;
  std::string bio{};
  crucible::One<Author> author{};
};

struct Article {
  std::int64_t id = 0;
  std::optional<std::int64_t> author_id{};
  std::string title{};
  crucible::One<Author> author{};
  crucible::Many<Tag> tags{};
  crucible::Many<Remark> remarks{};
};

struct Tag {
  std::int64_t id = 0;
  std::string name{};
  crucible::Many<Article> articles{};
};

struct Remark {
  std::int64_t id = 0;
  std::optional<std::int64_t> article_id{};
  std::optional<std::int64_t> author_id{};
  std::optional<std::int64_t> parent_id{};
  std::string body{};
  crucible::One<Remark> parent{};
  crucible::Many<Remark> replies{};
};

CRUCIBLE_MAPPING(Follow, "r_follows",
  column("follower_id", &Follow::follower_id).references("r_authors.id"),
  column("followed_id", &Follow::followed_id).references("r_authors.id"),
  column("created_at", &Follow::created_at).default_now(),
  PrimaryKeyConstraint({"follower_id", "followed_id"}),
  relationship("follower", &Follow::follower).foreign_key("follower_id"),
  relationship("followed", &Follow::followed).foreign_key("followed_id"));

// A Core table for the plain many-to-many (the seed's post_tags).
inline const crucible::Table& article_tags() {
  using namespace crucible;
  static const Table& table = default_registry().metadata().add_table(
      "r_article_tags",
      {Column("article_id", BigInteger()).references("r_articles.id").primary_key(),
       Column("tag_id", BigInteger()).references("r_tags.id").primary_key()});
  return table;
}

CRUCIBLE_MAPPING(Author, "r_authors",
  column("id", &Author::id).primary_key(),
  column("name", &Author::name, String(80)).unique(),
  column("followers_count", &Author::followers_count),
  column("following_count", &Author::following_count),
  relationship("articles", &Author::articles).back_populates("author").cascade("all, delete-orphan"),
  relationship("profile", &Author::profile).backref("author", &Profile::author).cascade("all, delete-orphan"),
  relationship("following", &Author::following)
      .secondary(crucible::mapper_of<Follow>().table(), "follower_id", "followed_id")
      .back_populates("followers"),
  relationship("followers", &Author::followers)
      .secondary(crucible::mapper_of<Follow>().table(), "followed_id", "follower_id")
      .back_populates("following"),
  relationship("article_query", &Author::article_query).order_by(crucible::col(&Article::id)),
  relationship("remarks", &Author::remarks).passive_deletes());

CRUCIBLE_MAPPING(Profile, "r_profiles",
  column("id", &Profile::id).primary_key(),
  column("author_id", &Profile::author_id).references("r_authors.id").unique(),
  column("bio", &Profile::bio, Text()));

CRUCIBLE_MAPPING(Article, "r_articles",
  column("id", &Article::id).primary_key(),
  column("author_id", &Article::author_id).references("r_authors.id"),
  column("title", &Article::title, String(200)),
  relationship("author", &Article::author).back_populates("articles"),
  relationship("tags", &Article::tags).secondary(article_tags()).backref("articles", &Tag::articles)
      .order_by(crucible::col(&Tag::name)),
  relationship("remarks", &Article::remarks).cascade("save-update"));

CRUCIBLE_MAPPING(Tag, "r_tags",
  column("id", &Tag::id).primary_key(),
  column("name", &Tag::name, String(40)).unique());

CRUCIBLE_MAPPING(Remark, "r_remarks",
  column("id", &Remark::id).primary_key(),
  column("article_id", &Remark::article_id).references("r_articles.id"),
  column("author_id", &Remark::author_id).references("r_authors.id").on_delete("CASCADE"),
  column("parent_id", &Remark::parent_id).references("r_remarks.id"),
  column("body", &Remark::body, Text()),
  relationship("parent", &Remark::parent).back_populates("replies"),
  relationship("replies", &Remark::replies).back_populates("parent").cascade("all, delete-orphan"));

// The seed's follow / unfollow / is_following, keeping the counters right.
inline bool Author::is_following(const std::shared_ptr<Author>& other) const {
  return following.where(crucible::col(&Author::id) == other->id).count() > 0;
}
inline void Author::follow(const std::shared_ptr<Author>& other) {
  if (is_following(other)) return;
  following.append(other);
  ++following_count;
  ++other->followers_count;
}
inline void Author::unfollow(const std::shared_ptr<Author>& other) {
  if (!is_following(other)) return;
  following.remove(other);
  --following_count;
  --other->followers_count;
}

}  // namespace rel_test
