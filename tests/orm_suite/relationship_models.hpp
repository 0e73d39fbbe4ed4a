// SPDX-License-Identifier: MIT
// The relationship models of the ORM tests (the seed blog's shapes, tables prefixed os_r_; the one
// set of them, as models.hpp): many-to-one / one-to-many with back_populates, one-to-one
// by backref, many-to-many through a Core table, self-referential one-to-many (replies) and
// many-to-many (following / followers, Dynamic) through an association object with its own
// column, passive deletes over ON DELETE CASCADE, relationships whose default strategy is
// eager (shelves and books), and columns named by reserved words (queues and entries).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "crucible/crucible.hpp"

namespace orm_suite {

struct Author;
struct Article;
struct Tag;
struct Profile;
struct Remark;
struct Follow;

// The association object: a row of os_r_follows, with its own column.
struct Follow {
  std::int64_t follower_id = 0;
  std::int64_t followed_id = 0;
  std::optional<crucible::DateTime> created_at{};  // nullopt: default_now() fills it
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

CRUCIBLE_MAPPING(Follow, "os_r_follows",
  column("follower_id", &Follow::follower_id).references("os_r_authors.id"),
  column("followed_id", &Follow::followed_id).references("os_r_authors.id"),
  column("created_at", &Follow::created_at).default_now(),
  PrimaryKeyConstraint({"follower_id", "followed_id"}),
  relationship("follower", &Follow::follower).foreign_key("follower_id"),
  relationship("followed", &Follow::followed).foreign_key("followed_id"));

// A Core table for the plain many-to-many.
inline const crucible::Table& article_tags() {
  using namespace crucible;
  static const Table& table = default_registry().metadata().add_table(
      "os_r_article_tags",
      {Column("article_id", BigInteger()).references("os_r_articles.id").primary_key(),
       Column("tag_id", BigInteger()).references("os_r_tags.id").primary_key()});
  return table;
}

CRUCIBLE_MAPPING(Author, "os_r_authors",
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

CRUCIBLE_MAPPING(Profile, "os_r_profiles",
  column("id", &Profile::id).primary_key(),
  column("author_id", &Profile::author_id).references("os_r_authors.id").unique(),
  column("bio", &Profile::bio, Text()));

CRUCIBLE_MAPPING(Article, "os_r_articles",
  column("id", &Article::id).primary_key(),
  column("author_id", &Article::author_id).references("os_r_authors.id"),
  column("title", &Article::title, String(200)),
  relationship("author", &Article::author).back_populates("articles"),
  relationship("tags", &Article::tags).secondary(article_tags()).backref("articles", &Tag::articles)
      .order_by(crucible::col(&Tag::name)),
  relationship("remarks", &Article::remarks).cascade("save-update"));

CRUCIBLE_MAPPING(Tag, "os_r_tags",
  column("id", &Tag::id).primary_key(),
  column("name", &Tag::name, String(40)).unique());

CRUCIBLE_MAPPING(Remark, "os_r_remarks",
  column("id", &Remark::id).primary_key(),
  column("article_id", &Remark::article_id).references("os_r_articles.id"),
  column("author_id", &Remark::author_id).references("os_r_authors.id").on_delete("CASCADE"),
  column("parent_id", &Remark::parent_id).references("os_r_remarks.id"),
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

// Relationships whose default strategy is eager: selectin one way, joined the other.
struct Book;
struct Shelf {
  std::int64_t id = 0;
  std::string name{};
  crucible::Many<Book> books{};
};
struct Book {
  std::int64_t id = 0;
  std::int64_t shelf_id = 0;
  std::string title{};
  crucible::One<Shelf> shelf{};
};
CRUCIBLE_MAPPING(Shelf, "os_r_shelves",
  column("id", &Shelf::id).primary_key(),
  column("name", &Shelf::name, String(40)),
  relationship("books", &Shelf::books).back_populates("shelf").lazy(Loading::selectin)
      .order_by(crucible::col(&Book::title)));
CRUCIBLE_MAPPING(Book, "os_r_books",
  column("id", &Book::id).primary_key(),
  column("shelf_id", &Book::shelf_id).references("os_r_shelves.id"),
  column("title", &Book::title, String(80)),
  relationship("shelf", &Book::shelf).back_populates("books").lazy(Loading::joined));

// Column names that are reserved words somewhere (ORDER and GROUP everywhere, KEY on MariaDB,
// USER on PostgreSQL): every statement the session writes must quote them.
struct Entry;
struct Queue {
  std::int64_t id = 0;
  std::string key{};
  crucible::Many<Entry> entries{};
};
struct Entry {
  std::int64_t id = 0;
  std::int64_t user = 0;
  std::optional<int> order{};  // nullopt: the server default (7)
  std::string group{};
  std::int64_t desc = 0;
  crucible::One<Queue> queue{};
};
CRUCIBLE_MAPPING(Queue, "os_r_queues",
  column("id", &Queue::id).primary_key(),
  column("key", &Queue::key, String(20)).unique(),
  relationship("entries", &Queue::entries).back_populates("queue").order_by(crucible::col(&Entry::order)));
CRUCIBLE_MAPPING(Entry, "os_r_entries",
  column("id", &Entry::id).primary_key(),
  column("user", &Entry::user).references("os_r_queues.id"),
  column("order", &Entry::order).server_default("7"),
  column("group", &Entry::group, String(20)),
  column("desc", &Entry::desc).version_id(),
  relationship("queue", &Entry::queue).back_populates("entries"));

}  // namespace orm_suite
