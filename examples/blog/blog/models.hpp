// SPDX-License-Identifier: MIT
//
// The seed chapter's blog models, in Crucible: users who follow each other, their profiles,
// posts in categories with tags, threaded comments, points and their transfers, and activity.
// Every mapping is declared once here; create_all(engine, crucible::default_registry().metadata())
// creates the tables in foreign-key order.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "crucible/crucible.hpp"

namespace blog {

enum class PostStatus { draft, published, archived };

}  // namespace blog

template <>
struct crucible::EnumNames<blog::PostStatus> {
  static constexpr std::array names{"draft", "published", "archived"};
};

namespace blog {

struct User;
struct UserProfile;
struct Post;
struct Category;
struct Tag;
struct Comment;
struct Follow;

// A row of user_follows, mapped so that a follow carries when it was made (association object).
struct Follow {
  std::int64_t follower_id = 0;
  std::int64_t followed_id = 0;
  std::optional<crucible::DateTime> created_at{};  // nullopt: default_now() fills it
  crucible::One<User> follower{};
  crucible::One<User> followed{};
};

struct User {
  std::int64_t id = 0;
  std::string username{};
  std::string email{};
  std::string password_hash{};
  bool is_active = true;
  int posts_count = 0;
  int followers_count = 0;
  int following_count = 0;
  std::int64_t points = 0;
  std::optional<crucible::DateTime> created_at{};  // nullopt: default_now() fills it
  std::optional<crucible::DateTime> last_login{};

  crucible::Dynamic<Post> posts{};          // lazy="dynamic": user->posts.where(...).count()
  crucible::One<UserProfile> profile{};     // one-to-one (uselist=False)
  crucible::Dynamic<User> following{};      // self-referential many-to-many
  crucible::Dynamic<User> followers{};

  // The seed's follow / unfollow / is_following: the counters follow the rows.
  bool is_following(const User& other) const;
  void follow(const std::shared_ptr<User>& other);
  void unfollow(const std::shared_ptr<User>& other);
};

struct UserProfile {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string full_name{};
  std::string bio{};
  std::string avatar_url{};
  std::string website{};
  crucible::Json social_links{};
  crucible::One<User> user{};
};

struct Category {
  std::int64_t id = 0;
  std::string name{};
  std::string slug{};
  std::string description{};
  int posts_count = 0;
};

struct Tag {
  std::int64_t id = 0;
  std::string name{};
  std::string color{};
  int usage_count = 0;
  crucible::Dynamic<Post> posts{};
};

struct Post {
  std::int64_t id = 0;
  std::string title{};
  std::string slug{};
  std::string content{};
  std::string summary{};
  int views_count = 0;
  int likes_count = 0;
  int comments_count = 0;
  PostStatus status = PostStatus::draft;
  bool is_featured = false;
  std::optional<crucible::DateTime> created_at{};  // nullopt: default_now() fills it
  std::optional<crucible::DateTime> updated_at{};
  std::optional<crucible::DateTime> published_at{};
  std::int64_t user_id = 0;
  std::optional<std::int64_t> category_id{};

  crucible::One<User> author{};
  crucible::One<Category> category{};
  crucible::Many<Tag> tags{};
  crucible::Dynamic<Comment> comments{};

  // Sets the status and publication time, and counts the post for its author.
  void publish();
};

struct Comment {
  std::int64_t id = 0;
  std::string content{};
  std::optional<crucible::DateTime> created_at{};  // nullopt: default_now() fills it
  std::int64_t user_id = 0;
  std::int64_t post_id = 0;
  std::optional<std::int64_t> parent_id{};
  crucible::One<User> author{};
  crucible::One<Comment> parent{};
  crucible::Many<Comment> replies{};
};

struct PointsTransfer {
  std::int64_t id = 0;
  std::int64_t from_user_id = 0;
  std::int64_t to_user_id = 0;
  std::int64_t points = 0;
  std::optional<crucible::DateTime> created_at{};  // nullopt: default_now() fills it
};

struct UserActivity {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string activity_type{};
  std::optional<crucible::DateTime> created_at{};  // nullopt: default_now() fills it
};

// The seed's points ledger (its section 6.5 migration): a row per user, made and first filled by
// the blog's second revision (migrations/0002_5eed00000002_user_points.toml), mapped so that
// the models say what the database holds (autogenerate and `crucible-blog db check` compare
// them). The services keep points on User; nothing here writes the ledger.
struct UserPoints {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::optional<int> points{};        // nullopt: the server default, 0
  std::optional<int> total_earned{};
  std::optional<int> total_spent{};
  std::optional<crucible::DateTime> created_at{};
  std::optional<crucible::DateTime> updated_at{};
};

// The seed's hybrid properties: one name for the C++ computation and its SQL form.
// reading_time: minutes at 200 words a minute, at least 1 (C++ side only: word counting has no
// portable SQL form).
int reading_time(const Post& post);
// is_active_user: has posts and logged in within the last 30 days.
extern const crucible::Hybrid<User, bool> is_active_user;

// The post_tags association table (Core: it has no columns of its own).
const crucible::Table& post_tags();

CRUCIBLE_MAPPING(Follow, "user_follows",
  column("follower_id", &Follow::follower_id).references("users.id").on_delete("CASCADE"),
  column("followed_id", &Follow::followed_id).references("users.id").on_delete("CASCADE"),
  column("created_at", &Follow::created_at).nullable(false).default_now(),
  PrimaryKeyConstraint({"follower_id", "followed_id"}),
  relationship("follower", &Follow::follower).foreign_key("follower_id"),
  relationship("followed", &Follow::followed).foreign_key("followed_id"));

CRUCIBLE_MAPPING(User, "users",
  column("id", &User::id).primary_key(),
  column("username", &User::username, String(80)).unique().index(),
  column("email", &User::email, String(120)).unique().index(),
  column("password_hash", &User::password_hash, String(255)),
  column("is_active", &User::is_active),
  column("posts_count", &User::posts_count),
  column("followers_count", &User::followers_count),
  column("following_count", &User::following_count),
  column("points", &User::points),
  column("created_at", &User::created_at).nullable(false).default_now().index(),
  column("last_login", &User::last_login),
  Index("ix_user_status_created", {"is_active", "created_at"}),
  relationship("posts", &User::posts).back_populates("author").cascade("all, delete-orphan"),
  relationship("profile", &User::profile).backref("user", &UserProfile::user).cascade("all, delete-orphan"),
  relationship("following", &User::following)
      .secondary(crucible::mapper_of<Follow>().table(), "follower_id", "followed_id")
      .back_populates("followers").passive_deletes(),
  relationship("followers", &User::followers)
      .secondary(crucible::mapper_of<Follow>().table(), "followed_id", "follower_id")
      .back_populates("following").passive_deletes());

CRUCIBLE_MAPPING(UserProfile, "user_profiles",
  column("id", &UserProfile::id).primary_key(),
  column("user_id", &UserProfile::user_id).references("users.id").on_delete("CASCADE").unique(),
  column("full_name", &UserProfile::full_name, String(120)),
  column("bio", &UserProfile::bio, Text()),
  column("avatar_url", &UserProfile::avatar_url, String(255)),
  column("website", &UserProfile::website, String(255)),
  column("social_links", &UserProfile::social_links));

CRUCIBLE_MAPPING(Category, "categories",
  column("id", &Category::id).primary_key(),
  column("name", &Category::name, String(80)).unique(),
  column("slug", &Category::slug, String(80)).unique(),
  column("description", &Category::description, Text()),
  column("posts_count", &Category::posts_count));

CRUCIBLE_MAPPING(Tag, "tags",
  column("id", &Tag::id).primary_key(),
  column("name", &Tag::name, String(50)).unique(),
  column("color", &Tag::color, String(7)),
  column("usage_count", &Tag::usage_count),
  relationship("posts", &Tag::posts).secondary(post_tags()).back_populates("tags"));

CRUCIBLE_MAPPING(Post, "posts",
  column("id", &Post::id).primary_key(),
  column("title", &Post::title, String(200)),
  column("slug", &Post::slug, String(200)).unique(),
  column("content", &Post::content, Text()),
  column("summary", &Post::summary, String(500)),
  column("views_count", &Post::views_count),
  column("likes_count", &Post::likes_count),
  column("comments_count", &Post::comments_count),
  column("status", &Post::status),
  column("is_featured", &Post::is_featured),
  column("created_at", &Post::created_at).nullable(false).default_now(),
  column("updated_at", &Post::updated_at).onupdate_now(),
  column("published_at", &Post::published_at),
  column("user_id", &Post::user_id).references("users.id").on_delete("CASCADE"),
  column("category_id", &Post::category_id).references("categories.id"),
  Index("ix_post_status_created", {"status", "created_at"}),
  Index("ix_post_user_status", {"user_id", "status"}),
  Index("ix_post_category_status_created", {"category_id", "status", "created_at"}),
  Index("ix_post_featured_status", {"is_featured", "status"}),
  relationship("author", &Post::author).back_populates("posts"),
  relationship("category", &Post::category),
  relationship("tags", &Post::tags).secondary(post_tags()).back_populates("posts").order_by(crucible::col(&Tag::name)),
  relationship("comments", &Post::comments).cascade("all, delete-orphan").passive_deletes());

CRUCIBLE_MAPPING(Comment, "comments",
  column("id", &Comment::id).primary_key(),
  column("content", &Comment::content, Text()),
  column("created_at", &Comment::created_at).nullable(false).default_now(),
  column("user_id", &Comment::user_id).references("users.id").on_delete("CASCADE"),
  column("post_id", &Comment::post_id).references("posts.id").on_delete("CASCADE"),
  column("parent_id", &Comment::parent_id).references("comments.id").on_delete("CASCADE"),
  relationship("author", &Comment::author),
  relationship("parent", &Comment::parent).back_populates("replies"),
  relationship("replies", &Comment::replies).back_populates("parent").cascade("all, delete-orphan"));

CRUCIBLE_MAPPING(PointsTransfer, "points_transfers",
  column("id", &PointsTransfer::id).primary_key(),
  column("from_user_id", &PointsTransfer::from_user_id).references("users.id"),
  column("to_user_id", &PointsTransfer::to_user_id).references("users.id"),
  column("points", &PointsTransfer::points),
  column("created_at", &PointsTransfer::created_at).nullable(false).default_now(),
  CheckConstraint("points > 0", "ck_transfer_positive"));

CRUCIBLE_MAPPING(UserActivity, "user_activities",
  column("id", &UserActivity::id).primary_key(),
  column("user_id", &UserActivity::user_id).references("users.id").on_delete("CASCADE"),
  column("activity_type", &UserActivity::activity_type, String(50)),
  column("created_at", &UserActivity::created_at).nullable(false).default_now(),
  Index("ix_activity_user_time", {"user_id", "created_at"}),
  Index("ix_activity_type_time", {"activity_type", "created_at"}));

CRUCIBLE_MAPPING(UserPoints, "user_points",
  column("id", &UserPoints::id).primary_key(),
  column("user_id", &UserPoints::user_id).references("users.id").on_delete("CASCADE"),
  column("points", &UserPoints::points).server_default("0"),
  column("total_earned", &UserPoints::total_earned).server_default("0"),
  column("total_spent", &UserPoints::total_spent).server_default("0"),
  column("created_at", &UserPoints::created_at),
  column("updated_at", &UserPoints::updated_at),
  UniqueConstraint({"user_id"}, "uq_user_points_user_id"),
  Index("ix_user_points_user_id", {"user_id"}),
  Index("ix_user_points_points", {"points"}));

}  // namespace blog
