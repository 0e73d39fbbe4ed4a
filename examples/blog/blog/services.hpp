// SPDX-License-Identifier: MIT
//
// The seed chapter's services (PostService, the timeline, transfer_points) over a Session, and
// the blog's configuration (DatabaseConfig). Each service states how many statements it costs.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "blog/models.hpp"
#include "crucible/orm/retry.hpp"

namespace blog {

// ---- configuration (the seed's DatabaseConfig) ---------------------------------------------------

enum class Environment { development, testing, production };

// "development" -> sqlite:///blog_dev.db, "testing" -> in-memory SQLite with NullPool,
// "production" -> $DATABASE_URL (crucible::ArgumentError when unset).
std::string database_url(Environment env);
// Pool and echo options from the environment: CRUCIBLE_POOL_SIZE, CRUCIBLE_MAX_OVERFLOW,
// CRUCIBLE_POOL_TIMEOUT (seconds), CRUCIBLE_POOL_RECYCLE (seconds), CRUCIBLE_ECHO=1.
crucible::EngineOptions engine_options(Environment env);
Environment parse_environment(const std::string& name);  // ArgumentError for an unknown name

// ---- services ---------------------------------------------------------------------------------------

// Featured, published posts with their authors, newest first: one statement (joined loading).
std::vector<std::shared_ptr<Post>> featured_posts(crucible::Session& session, int limit = 10);

struct PostStats {
  std::int64_t id = 0;
  std::string title{};
  int views = 0;
  std::string author{};
  std::int64_t comments = 0;
};
// Every post with its author's name and comment count (outer join, group by), most viewed first.
std::vector<PostStats> posts_with_stats(crucible::Session& session);

// Published posts matching all given criteria, newest first, authors joined and tags selectin-
// loaded (two statements). The keyword matches title or content literally ('%', '_' and quotes
// are plain characters); a post with several of the requested tags appears once.
std::vector<std::shared_ptr<Post>> search_posts(crucible::Session& session, const std::string& keyword,
                                                std::optional<std::int64_t> category_id = std::nullopt,
                                                const std::vector<std::string>& tag_names = {});

// Published posts of the users `user_id` follows, newest first, one page (count + page query).
// error_out as Query::paginate: a page past the end is NoResultFound, or empty without it.
crucible::Page<Post> user_timeline(crucible::Session& session, std::int64_t user_id, std::int64_t page = 1,
                                   std::int64_t per_page = 20, bool error_out = true);

// A transfer refused: unknown user, not enough points, or a non-positive amount. Nothing written.
class TransferError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// Moves points between users and logs the transfer, as one transaction of its own (the session's
// earlier work is committed first). Both users' rows are locked (SELECT ... FOR UPDATE) before
// the balance is checked, so concurrent transfers cannot overdraw; a deadlock or lock timeout
// re-runs the transaction (retry_on_deadlock, with `retry`). TransferError for an unknown user,
// an overdraft or a non-positive amount: nothing is written.
PointsTransfer transfer_points(crucible::Session& session, std::int64_t from_user_id, std::int64_t to_user_id,
                               std::int64_t points, const crucible::RetryOptions& retry = {});

// ---- seeding ------------------------------------------------------------------------------------------

struct SeedCounts {
  std::size_t users = 0, posts = 0, comments = 0, tags = 0, categories = 0, follows = 0;
};
// A deterministic data set: 10 * scale users, 5 posts each, tags, categories, comments with
// replies and follows. `progress(done, total)` (may be empty) is called after each flush with the
// rows written so far and the rows the seed writes in all; a large seed flushes every 20 users.
SeedCounts seed(crucible::Session& session, int scale, const std::function<void(std::size_t, std::size_t)>& progress = {});

}  // namespace blog
