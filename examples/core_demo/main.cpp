// SPDX-License-Identifier: MIT
//
// A tour of Crucible Core on SQLite: declare tables, create them, insert, query with joins and
// aggregates, update, upsert, and roll a transaction back. Run by `make demo`.
//
// Usage: crucible_core_demo [URL]   (default sqlite:///crucible_demo.db, recreated on each run)
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "crucible/crucible.hpp"

using namespace crucible;

namespace {

void heading(const char* text) { std::printf("\n== %s ==\n", text); }

}  // namespace

int main(int argc, char** argv) try {
  const std::string url = argc > 1 ? argv[1] : "sqlite:///crucible_demo.db";
  if (argc <= 1) std::filesystem::remove("crucible_demo.db");

  // The schema, declared once: tables know their columns, keys and indexes.
  MetaData metadata;
  auto& users = metadata.table("users",
      Column("id", BigInteger()).primary_key(),
      Column("username", String(80)).nullable(false).unique(),
      Column("email", String(120)).nullable(false),
      Column("points", Integer()).nullable(false).server_default("0"),
      Column("created_at", DateTimeType()).default_now());
  auto& posts = metadata.table("posts",
      Column("id", BigInteger()).primary_key(),
      Column("author_id", BigInteger()).nullable(false).references("users.id").on_delete("CASCADE"),
      Column("title", String(200)).nullable(false),
      Column("views", Integer()).nullable(false).server_default("0"),
      Index("ix_posts_author_views", {"author_id", "views"}));

  const auto user_id = users.c<std::int64_t>("id");
  const auto username = users.c<std::string>("username");
  const auto points = users.c<int>("points");
  const auto post_id = posts.c<std::int64_t>("id");
  const auto author_id = posts.c<std::int64_t>("author_id");
  const auto title = posts.c<std::string>("title");
  const auto views = posts.c<int>("views");

  auto engine = create_engine(url);
  create_all(engine, metadata);
  auto conn = engine.connect();

  heading("insert ... returning");
  for (const char* name : {"alice", "bob", "carol"}) {
    auto stmt = insert(users)
                    .values(set(username, std::string(name)),
                            set(users.c<std::string>("email"), std::string(name) + "@example.com"))
                    .returning(user_id, username);
    auto [id, who] = conn.execute(stmt).one().as<std::int64_t, std::string>();
    std::printf("  user %-6s id=%lld\n", who.c_str(), static_cast<long long>(id));
  }

  heading("execute_many: 7 posts in one prepared statement");
  const std::vector<std::tuple<std::int64_t, std::string, int>> new_posts = {
      {1, "Hello, Crucible", 120}, {1, "Typed rows in C++20", 340}, {2, "Why 100% of bugs?", 15},
      {2, "Indexes that matter", 210}, {3, "It's about 'quotes'", 42},
      {3, "Window functions", 95}, {1, "Savepoints explained", 77}};
  conn.execute_many(insert(posts).columns(author_id, title, views), new_posts);
  conn.commit();
  std::printf("  %lld posts stored\n",
              static_cast<long long>(conn.scalar<std::int64_t>(select(func::count()).select_from(posts))));

  heading("join + group by: posts and views per author");
  auto per_author = select(username, func::count(post_id).label("posts"),
                           func::sum(views).label("views"))
                        .select_from(users)
                        .outerjoin(posts)  // ON inferred from the single foreign key
                        .group_by(username)
                        .order_by(username);
  std::printf("  %-8s %6s %6s\n", "author", "posts", "views");
  for (auto [who, n, total] :
       conn.execute(per_author).as<std::string, std::int64_t, std::optional<int>>())
    std::printf("  %-8s %6lld %6d\n", who.c_str(), static_cast<long long>(n), total.value_or(0));

  heading("search: titles containing a literal '%' (escaped, not a wildcard)");
  for (auto [t] : conn.execute(select(title).where(title.contains("100%"))).as<std::string>())
    std::printf("  %s\n", t.c_str());

  heading("top posts with a window function");
  auto ranked = select(title, views,
                       func::rank().over(partition_by(author_id), order_by(views.desc())).label("rank"))
                    .order_by(views.desc())
                    .limit(3);
  for (auto [t, v, r] : conn.execute(ranked).as<std::string, int, std::int64_t>())
    std::printf("  %-24s views=%-4d rank in author=%lld\n", t.c_str(), v, static_cast<long long>(r));

  heading("update + upsert");
  conn.execute(update(users).values(set(points, 100)).where(username == std::string("alice")));
  conn.execute(insert(users)
                   .values(set(user_id, std::int64_t{2}), set(username, std::string("bob")),
                           set(users.c<std::string>("email"), std::string("bob@example.org")))
                   .on_conflict_do_update({user_id}, {set(users.c<std::string>("email"),
                                                          excluded(users.c<std::string>("email")))}));
  conn.commit();
  for (auto [who, email, p] :
       conn.execute(select(username, users.c<std::string>("email"), points).order_by(user_id))
           .as<std::string, std::string, int>())
    std::printf("  %-6s %-18s points=%d\n", who.c_str(), email.c_str(), p);

  heading("a failed transfer rolls back");
  conn.commit();  // ends the transaction the reads above autobegan ("commit as you go")
  try {
    auto tx = conn.begin();
    conn.execute(update(users).values(set(points, points - 150)).where(username == std::string("alice")));
    if (conn.scalar<int>(select(points).where(username == std::string("alice"))) < 0)
      throw InvalidRequestError("insufficient points");
    tx.commit();
  } catch (const InvalidRequestError& e) {
    std::printf("  refused: %s\n", e.what());
  }
  std::printf("  alice still has %d points\n",
              conn.scalar<int>(select(points).where(username == std::string("alice"))));

  heading("a constraint violation is a typed error");
  try {
    conn.execute(insert(users).values(set(username, std::string("alice")),
                                      set(users.c<std::string>("email"), std::string("x@y"))));
  } catch (const IntegrityError& e) {
    std::printf("  IntegrityError: %s\n", e.info().driver_message.c_str());
  }
  conn.rollback();
  std::printf("\ndone: %s\n", url.c_str());
  return 0;
} catch (const Error& e) {
  std::fprintf(stderr, "crucible_core_demo: %s\n", e.what());
  return 1;
}
