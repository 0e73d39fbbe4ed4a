// SPDX-License-Identifier: MIT
#include "blog/services.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <sstream>
#include <utility>

namespace blog {

using namespace crucible;

// ---- models' behaviour ----------------------------------------------------------------------------

const Table& post_tags() {
  static const Table& table = default_registry().metadata().add_table(
      "post_tags", {Column("post_id", BigInteger()).references("posts.id").on_delete("CASCADE").primary_key(),
                    Column("tag_id", BigInteger()).references("tags.id").on_delete("CASCADE").primary_key()});
  return table;
}

bool User::is_following(const User& other) const {
  return following.where(col(&User::id) == other.id).count() > 0;
}

void User::follow(const std::shared_ptr<User>& other) {
  if (other->id == id && id != 0) return;
  if (is_following(*other)) return;
  following.append(other);
  ++following_count;
  ++other->followers_count;
}

void User::unfollow(const std::shared_ptr<User>& other) {
  if (!is_following(*other)) return;
  following.remove(other);
  --following_count;
  --other->followers_count;
}

void Post::publish() {
  status = PostStatus::published;
  published_at = DateTime::now_naive();
  ++author->posts_count;
}

int reading_time(const Post& post) {
  std::istringstream words(post.content);
  std::size_t count = 0;
  for (std::string w; words >> w;) ++count;
  return std::max(1, static_cast<int>(count / 200));
}

namespace {
DateTime thirty_days_ago() {
  return DateTime::from_epoch_microseconds(DateTime::now_naive().epoch_microseconds() - 30LL * 86400 * 1000000, false);
}
}  // namespace

const Hybrid<User, bool> is_active_user{
    [](const User& u) { return u.posts_count > 0 && u.last_login && *u.last_login > thirty_days_ago(); },
    [] { return col(&User::posts_count) > 0 && col(&User::last_login) > thirty_days_ago(); }};

// ---- configuration ------------------------------------------------------------------------------------

Environment parse_environment(const std::string& name) {
  if (name == "development") return Environment::development;
  if (name == "testing") return Environment::testing;
  if (name == "production") return Environment::production;
  throw ArgumentError("unknown environment '" + name + "' (development, testing or production)");
}

std::string database_url(Environment env) {
  switch (env) {
    case Environment::development: return "sqlite:///blog_dev.db";
    case Environment::testing: return "sqlite:///:memory:";
    case Environment::production:
      if (const char* url = std::getenv("DATABASE_URL"); url && *url) return url;
      throw ArgumentError("production configuration: DATABASE_URL is not set");
  }
  return {};
}

namespace {
long env_number(const char* name, long fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  if (*end != '\0' || n < 0) throw ArgumentError(std::string(name) + " must be a non-negative integer (got '" + v + "')");
  return n;
}
}  // namespace

EngineOptions engine_options(Environment env) {
  EngineOptions o;
  o.pool_size = static_cast<std::size_t>(env_number("CRUCIBLE_POOL_SIZE", 10));
  o.max_overflow = static_cast<int>(env_number("CRUCIBLE_MAX_OVERFLOW", 20));
  o.pool_timeout = std::chrono::seconds(env_number("CRUCIBLE_POOL_TIMEOUT", 30));
  o.pool_recycle = static_cast<int>(env_number("CRUCIBLE_POOL_RECYCLE", 3600));
  o.echo = env_number("CRUCIBLE_ECHO", 0) != 0;
  // Testing, as the seed configures it: NullPool, a connection per checkout. The engine keeps
  // the in-memory database alive between them (docs/core.md, section 9).
  if (env == Environment::testing) o.pool_class = PoolClass::null_pool;
  if (env == Environment::production) o.pool_pre_ping = true;
  return o;
}

// ---- services -----------------------------------------------------------------------------------------

std::vector<std::shared_ptr<Post>> featured_posts(Session& session, int limit) {
  return session.query<Post>()
      .options(joinedload(&Post::author))
      .where(col(&Post::is_featured) == true && col(&Post::status) == PostStatus::published)
      .order_by(desc(&Post::created_at), desc(&Post::id))
      .limit(limit)
      .all();
}

std::vector<PostStats> posts_with_stats(Session& session) {
  const auto comments = func::count(col(&Comment::id));
  auto rows = session.execute(select(col(&Post::id), col(&Post::title), col(&Post::views_count), col(&User::username),
                                     comments)
                                  .select_from(mapper_of<Post>().table())
                                  .join(mapper_of<User>().table(), col(&User::id) == col(&Post::user_id))
                                  .outerjoin(mapper_of<Comment>().table(), col(&Comment::post_id) == col(&Post::id))
                                  .group_by(col(&Post::id), col(&Post::title), col(&Post::views_count), col(&User::username))
                                  .order_by(desc(&Post::views_count), col(&Post::id)));
  std::vector<PostStats> out;
  for (auto [id, title, views, author, n] : rows.as<std::int64_t, std::string, int, std::string, std::int64_t>())
    out.push_back({id, std::move(title), views, std::move(author), n});
  return out;
}

std::vector<std::shared_ptr<Post>> search_posts(Session& session, const std::string& keyword,
                                                std::optional<std::int64_t> category_id,
                                                const std::vector<std::string>& tag_names) {
  auto q = session.query<Post>()
               .options(joinedload(&Post::author), selectinload(&Post::tags))
               .where(col(&Post::status) == PostStatus::published);
  if (!keyword.empty()) q = q.where(col(&Post::title).contains(keyword) || col(&Post::content).contains(keyword));
  if (category_id) q = q.where(col(&Post::category_id) == *category_id);
  if (!tag_names.empty()) {
    // Posts having any of the tags, as a subquery: each post once however many tags match.
    const Table& pt = post_tags();
    auto tagged = select(pt.c<std::int64_t>("post_id"))
                      .join(mapper_of<Tag>().table(), pt.c<std::int64_t>("tag_id") == col(&Tag::id))
                      .where(col(&Tag::name).in_(tag_names));
    q = q.where(col(&Post::id).in_(tagged));
  }
  return q.order_by(desc(&Post::created_at), desc(&Post::id)).all();
}

Page<Post> user_timeline(Session& session, std::int64_t user_id, std::int64_t page, std::int64_t per_page,
                         bool error_out) {
  auto followed = select(col(&Follow::followed_id)).where(col(&Follow::follower_id) == user_id);
  return session.query<Post>()
      .options(joinedload(&Post::author))
      .where(col(&Post::user_id).in_(followed), col(&Post::status) == PostStatus::published)
      .order_by(desc(&Post::created_at), desc(&Post::id))
      .paginate(page, per_page, error_out);
}

PointsTransfer transfer_points(Session& session, std::int64_t from_user_id, std::int64_t to_user_id, std::int64_t points,
                               const RetryOptions& retry) {
  if (points <= 0) throw TransferError("transfer: the amount must be positive (got " + std::to_string(points) + ")");
  if (from_user_id == to_user_id) throw TransferError("transfer: a user cannot transfer points to themselves");
  // The transfer is a transaction of its own: what the caller has read or changed ends first.
  if (session.in_transaction() || session.new_count() > 0 || session.deleted_count() > 0) session.commit();
  auto log = retry_on_deadlock(session, [&](Session& s) {
    // Both rows locked in one statement, in id order, so two transfers between the same users
    // queue up instead of deadlocking; populate_existing: decide on the locked values, not on
    // what the session loaded earlier.
    auto users = s.query<User>()
                     .where(col(&User::id).in_({from_user_id, to_user_id}))
                     .order_by(col(&User::id))
                     .with_for_update()
                     .populate_existing()
                     .all();
    std::shared_ptr<User> from, to;
    for (auto& u : users) (u->id == from_user_id ? from : to) = u;
    if (!from) throw TransferError("transfer: no user " + std::to_string(from_user_id));
    if (!to) throw TransferError("transfer: no user " + std::to_string(to_user_id));
    if (from->points < points)
      throw TransferError("transfer: user " + std::to_string(from_user_id) + " has fewer than " +
                          std::to_string(points) + " points");
    from->points -= points;
    to->points += points;
    return s.add(PointsTransfer{.from_user_id = from_user_id, .to_user_id = to_user_id, .points = points});
  }, retry);
  return *log;
}

// ---- seeding ----------------------------------------------------------------------------------------------

SeedCounts seed(Session& session, int scale, const std::function<void(std::size_t, std::size_t)>& progress) {
  if (scale < 1) throw ArgumentError("seed: scale must be at least 1 (got " + std::to_string(scale) + ")");
  SeedCounts counts;
  const std::size_t n_users = 10 * static_cast<std::size_t>(scale);
  const std::size_t n_follows = n_users * std::min<std::size_t>(3, n_users - 1);
  // Progress counts rows inserted, and a row counts once a flush has written it: the bar moves
  // with the database's work, not with objects piling up in the session. Rows: categories and
  // tags; a user and a profile each; per user 5 posts with 2 tag rows each; 2 comments on each
  // of the 4 published posts of a user; the follows.
  const std::size_t total = 4 + 8 + n_users * (2 + 5 * 3 + 4 * 2) + n_follows;
  std::size_t done = 0, pending = 0;
  auto flush = [&] {
    session.flush();
    done += std::exchange(pending, 0);
    if (progress) progress(done, total);
  };
  // Each phase is flushed in parts, so the bar moves during a large seed: parts of at least 20
  // users or 100 posts (at scale 1 each phase is one flush), and at most `steps` of them. A
  // bounded number, not one every so many rows: a flush compares every object the session holds
  // with its snapshot (C++ cannot see a member write), so flushing every k rows would make the
  // seed quadratic in its size.
  constexpr std::size_t steps = 16;
  auto step_ends = [&](std::size_t i, std::size_t n, std::size_t least) {  // does item i end a part?
    const std::size_t per = std::max(least, (n + steps - 1) / steps);
    return (i + 1) % per == 0 || i + 1 == n;
  };
  // Deterministic times: one hour apart from a fixed start, so "newest first" is stable.
  const std::int64_t start = DateTime{Date{2026, 1, 1}, Time{9, 0, 0, 0}, false}.epoch_microseconds();
  auto at = [&](std::size_t hours) {
    return DateTime::from_epoch_microseconds(start + static_cast<std::int64_t>(hours) * 3600LL * 1000000, false);
  };

  const std::vector<std::pair<std::string, std::string>> category_names{
      {"C++", "cpp"}, {"Databases", "databases"}, {"Systems", "systems"}, {"Life", "life"}};
  std::vector<std::shared_ptr<Category>> categories;
  for (const auto& [name, slug] : category_names)
    categories.push_back(session.add(Category{.name = name, .slug = slug, .description = name + " posts"}));
  const std::vector<std::string> tag_names{"sql", "orm", "performance", "tutorial", "c++20", "sqlite", "postgres", "mariadb"};
  std::vector<std::shared_ptr<Tag>> tags;
  for (std::size_t i = 0; i < tag_names.size(); ++i)
    tags.push_back(session.add(Tag{.name = tag_names[i], .color = "#" + std::to_string(100000 + i * 11111)}));
  counts.categories = categories.size();
  counts.tags = tags.size();
  pending += categories.size() + tags.size();

  const std::vector<std::string> first{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"};
  std::vector<std::shared_ptr<User>> users;
  for (std::size_t u = 0; u < n_users; ++u) {
    const std::string name = first[u % first.size()] + (u < first.size() ? "" : std::to_string(u / first.size()));
    auto user = session.add(User{.username = name,
                                 .email = name + "@example.com",
                                 .password_hash = "pbkdf2$" + name,
                                 .points = 100,
                                 .created_at = at(u),
                                 .last_login = at(24 * 30 + u)});
    user->profile = make_instance(UserProfile{.full_name = name, .bio = "Writes about " + tag_names[u % tag_names.size()],
                                              .social_links = Json{{"site", "https://" + name + ".example.com"}}});
    users.push_back(user);
    pending += 2;
  }
  flush();

  std::size_t post_no = 0;
  for (std::size_t u = 0; u < n_users; ++u) {
    for (int k = 0; k < 5; ++k, ++post_no) {
      const std::string title = "Post " + std::to_string(post_no) + ": " + tag_names[post_no % tag_names.size()] +
                                (post_no % 7 == 0 ? " at 100% speed_up" : " notes");
      Post p{.title = title,
             .slug = "post-" + std::to_string(post_no),
             .content = "About " + tag_names[post_no % tag_names.size()] + " and " +
                        tag_names[(post_no + 3) % tag_names.size()] + ". " + std::string(post_no % 5 * 40, 'x'),
             .summary = "Summary of post " + std::to_string(post_no),
             .views_count = static_cast<int>((post_no * 37) % 1000),
             .likes_count = static_cast<int>(post_no % 13),
             .is_featured = post_no % 4 == 0,
             .created_at = at(100 + post_no),
             .user_id = users[u]->id,
             .category_id = categories[post_no % categories.size()]->id};
      auto post = session.add(std::move(p));
      post->author = users[u];
      post->tags.push_back(tags[post_no % tags.size()]);
      post->tags.push_back(tags[(post_no + 1) % tags.size()]);
      if (k != 4) post->publish();  // the last post of each user stays a draft
      ++counts.posts;
      pending += 3;
    }
    if (step_ends(u, n_users, 20)) flush();
  }

  // Comments: two on each published post, the second a reply to the first.
  auto posts = session.query<Post>().where(col(&Post::status) == PostStatus::published).order_by(col(&Post::id)).all();
  for (std::size_t i = 0; i < posts.size(); ++i) {
    const auto& post = posts[i];
    auto first_comment = session.add(Comment{.content = "Nice post!", .created_at = at(1000 + i),
                                             .user_id = users[(i + 1) % users.size()]->id, .post_id = post->id});
    first_comment->replies.emplace(Comment{.content = "Thanks!", .created_at = at(1001 + i), .user_id = post->user_id,
                                           .post_id = post->id});
    post->comments_count += 2;
    counts.comments += 2;
    pending += 2;
    if (step_ends(i, posts.size(), 100)) flush();
  }

  // Follows: each user follows the next three (a ring, so there are cycles).
  for (std::size_t u = 0; u < n_users; ++u) {
    for (std::size_t d = 1; d <= 3 && d < n_users; ++d) {
      users[u]->follow(users[(u + d) % n_users]);
      ++counts.follows;
      ++pending;
    }
    if (step_ends(u, n_users, 20) && u + 1 != n_users) flush();
  }
  session.commit();  // the last follows
  done += std::exchange(pending, 0);
  counts.users = users.size();
  if (progress) progress(done, total);
  return counts;
}

}  // namespace blog
