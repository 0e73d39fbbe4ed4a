// SPDX-License-Identifier: MIT
//
// crucible-blog: the seed chapter's blog, run end to end.
//
//   crucible-blog demo [--reset] [--scale N] [--url URL] [--env NAME] [--echo] [--migrations DIR]
//       brings the schema up through the blog's revisions (migrations/, as `upgrade head`), seeds
//       a deterministic data set and runs every service; on a database that already has the
//       blog's tables it refuses unless --reset (drop them and their rows)
//   crucible-blog db COMMAND ...    the `crucible` migration commands on the blog's database,
//       with the blog's revisions and models (crucible-blog db --help)
//   crucible-blog timeline USERNAME [--page N] [--url URL]    a user's timeline page
//   crucible-blog transfer FROM TO POINTS [--url URL]         moves points between users
//   crucible-blog stats [--url URL]
//       runs the read-only services once on the existing database with a QueryMonitor attached:
//       per-statement counts and timings, the pool, the slow statements, and the plans of the
//       featured-posts and timeline queries
//
// The database is the environment's (development: sqlite:///blog_dev.db; production:
// $DATABASE_URL) unless --url names one. --slow-ms N sets the slow-query threshold of demo and
// stats (default 100). Errors print one line and exit with status 1; usage errors (an unknown
// option or environment, a number out of its range) print one line and the usage, and exit 2.
// The commands other than demo need the blog's tables: without them they say how to create them.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "blog/services.hpp"

using namespace crucible;

namespace {

struct Options {
  std::string command;
  std::vector<std::string> args;
  std::optional<std::string> url;
  blog::Environment env = blog::Environment::development;
  int scale = 1;
  std::int64_t page = 1;
  std::int64_t slow_ms = 100;
  bool echo = false;
  bool reset = false;
  std::string migrations = CRUCIBLE_BLOG_MIGRATIONS;
};

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

constexpr std::int64_t max_int64 = std::numeric_limits<std::int64_t>::max();

// A whole number from `min` to `max`; anything else (text, a value out of range, one that does
// not fit 64 bits) is a usage error, never a silently wrapped or clamped number.
std::int64_t parse_number(const std::string& text, const char* what, std::int64_t min, std::int64_t max) {
  std::int64_t n = 0;
  const char* const end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, n);
  if (text.empty() || error != std::errc() || stop != end || n < min || n > max)
    throw UsageError(std::string(what) + " must be a whole number from " + std::to_string(min) + " to " +
                     std::to_string(max) + " (got '" + text + "')");
  return n;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw UsageError(a + " needs a value");
      return argv[++i];
    };
    if (a == "--url") o.url = value();
    else if (a == "--env") {
      try {
        o.env = blog::parse_environment(value());
      } catch (const ArgumentError& e) {
        throw UsageError(e.what());
      }
    }
    else if (a == "--scale") o.scale = static_cast<int>(parse_number(value(), "--scale", 1, 10000));
    else if (a == "--page") o.page = parse_number(value(), "--page", 1, max_int64);
    // Up to a day: the threshold is compared with durations in nanoseconds.
    else if (a == "--slow-ms") o.slow_ms = parse_number(value(), "--slow-ms", 0, 86'400'000);
    else if (a == "--echo") o.echo = true;
    else if (a == "--reset") o.reset = true;
    else if (a == "--migrations") o.migrations = value();
    else if (a == "-h" || a == "--help") o.command = "help";
    else if (a.rfind("--", 0) == 0) throw UsageError("unknown option " + a);
    else if (o.command.empty()) o.command = a;
    else o.args.push_back(a);
  }
  if (o.command.empty()) o.command = "help";
  return o;
}

void usage(std::FILE* to) {
  std::fputs(
      "usage: crucible-blog demo [--reset] [--scale N] [--url URL] [--env development|testing|production] [--echo]\n"
      "                          [--slow-ms N] [--migrations DIR]\n"
      "       crucible-blog db COMMAND ...   (migrations: crucible-blog db --help)\n"
      "       crucible-blog timeline USERNAME [--page N] [--url URL]\n"
      "       crucible-blog transfer FROM TO POINTS [--url URL]\n"
      "       crucible-blog stats [--url URL] [--slow-ms N]\n",
      to);
}

// ---- output ---------------------------------------------------------------------------------------------

void heading(const std::string& title, std::size_t statements) {
  std::printf("\n== %s  (%zu statement%s)\n", title.c_str(), statements, statements == 1 ? "" : "s");
}

// A plain text table: columns sized to their widest cell.
void table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& r : rows)
    for (std::size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out = " ";
    for (std::size_t c = 0; c < cells.size(); ++c) {
      std::string cell = cells[c];
      cell.resize(width[c], ' ');
      out += " " + cell + (c + 1 < cells.size() ? "  |" : "");
    }
    std::puts(out.c_str());
  };
  line(header);
  std::string rule = " ";
  for (std::size_t c = 0; c < header.size(); ++c) rule += std::string(width[c] + 3, '-');
  std::puts(rule.c_str());
  for (const auto& r : rows) line(r);
  if (rows.empty()) std::puts("  (none)");
}

// A table of posts: title, author and one more column, the first `limit` of them.
template <typename Extra>
void post_table(const std::vector<std::shared_ptr<blog::Post>>& posts, const std::string& extra_header, Extra&& extra,
                std::size_t limit = static_cast<std::size_t>(-1)) {
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < posts.size() && i < limit; ++i)
    rows.push_back({posts[i]->title, posts[i]->author->username, extra(*posts[i])});
  table({"title", "author", extra_header}, rows);
}

std::string created_of(const blog::Post& p) { return p.created_at ? p.created_at->to_string() : std::string(); }

std::string tags_of(const blog::Post& p) {
  std::string out;
  for (const blog::Tag& t : p.tags) out += (out.empty() ? "" : ", ") + t.name;
  return out;
}

// Counts statements between two calls of take().
class StatementCounter {
 public:
  explicit StatementCounter(const Engine& engine)
      : handle_(engine.events().on_before_execute([this](const ExecuteInfo&) { ++count_; })) {}
  ~StatementCounter() { handle_.remove(); }
  StatementCounter(const StatementCounter&) = delete;
  StatementCounter& operator=(const StatementCounter&) = delete;
  std::size_t take() { return std::exchange(count_, 0); }

 private:
  std::size_t count_ = 0;
  EventHandle handle_;
};

// Remembers the last statement run, its SQL and values, so that it can be explained afterwards
// exactly as it ran (explain_sql).
class LastStatement {
 public:
  struct Seen {
    std::string sql;
    std::vector<Value> values;
  };
  explicit LastStatement(const Engine& engine)
      : handle_(engine.events().on_before_execute([this](const ExecuteInfo& i) {
          last_.sql = std::string(i.sql);
          last_.values.assign(i.parameters.begin(), i.parameters.end());
        })) {}
  ~LastStatement() { handle_.remove(); }
  LastStatement(const LastStatement&) = delete;
  LastStatement& operator=(const LastStatement&) = delete;
  Seen take() { return std::exchange(last_, {}); }

 private:
  Seen last_;
  EventHandle handle_;
};

// The monitor of demo and stats: slow statements are kept for the summary, not printed as they
// happen (they would break into the tables and the progress bar).
QueryMonitorOptions monitor_options(const Options& o) {
  return {.slow_threshold = std::chrono::milliseconds(o.slow_ms), .slow_sink = [](const SlowQuery&) {}};
}

Engine open(const Options& o) {
  EngineOptions options = blog::engine_options(o.env);
  options.echo = options.echo || o.echo;
  return create_engine(o.url ? *o.url : blog::database_url(o.env), options);
}

// The table the blog's revisions keep beside the models': a reset drops it too.
const std::vector<std::string> migration_tables{"crucible_version"};

// The blog's tables that `engine`'s database has, in creation order.
std::vector<std::string> blog_tables_present(const Engine& engine, bool with_migration_tables = false) {
  auto conn = engine.connect();
  std::vector<std::string> present;
  for (const Table* t : default_registry().metadata().sorted_tables())
    if (has_table(conn, t->name())) present.push_back(t->name());
  if (with_migration_tables)
    for (const auto& name : migration_tables)
      if (has_table(conn, name)) present.push_back(name);
  return present;
}

// The schema through the blog's revision files, as `crucible-blog db upgrade head` would.
std::size_t upgrade_schema(const Engine& engine, const std::string& migrations) {
  migrate::Migrator migrator(engine, migrate::RevisionGraph::load(migrations));
  return migrator.upgrade("head").size();
}

// The commands that read and write an existing blog: without its tables (a new SQLite file, a
// fresh server database) they would fail on "no such table"; say what is missing and how to
// create it instead.
void require_schema(const Engine& engine) {
  const auto present = blog_tables_present(engine);
  const auto all = default_registry().metadata().sorted_tables();
  if (present.size() == all.size()) return;
  std::string missing;
  for (const Table* t : all)
    if (std::find(present.begin(), present.end(), t->name()) == present.end())
      missing += (missing.empty() ? "" : ", ") + t->name();
  if (present.empty())
    throw std::runtime_error(engine.url().to_string() + " has no blog schema: crucible-blog demo creates and seeds it");
  throw std::runtime_error(engine.url().to_string() + " lacks the blog's tables " + missing +
                           ": crucible-blog demo --reset re-creates and seeds them");
}

std::shared_ptr<blog::User> user_named(Session& session, const std::string& name) {
  auto u = session.query<blog::User>().where(col(&blog::User::username) == name).first();
  if (!u) throw blog::TransferError("no user named '" + name + "'");
  return u;
}

// ---- commands -----------------------------------------------------------------------------------------------

int demo(const Options& o) {
  if (!o.args.empty()) throw UsageError("demo takes no arguments");
  Engine engine = open(o);
  // The demo seeds a fresh schema: existing blog tables (and their rows) go only when asked.
  if (const auto present = blog_tables_present(engine, true); !present.empty()) {
    if (!o.reset)
      throw std::runtime_error(engine.url().to_string() + " already has " + std::to_string(present.size()) +
                               " of the blog's tables: crucible-blog demo --reset drops them and their rows first");
    drop_all(engine, default_registry().metadata());
    {
      auto conn = engine.connect();
      conn.execute("DROP TABLE IF EXISTS crucible_version");
      conn.commit();
    }
    std::printf("reset: dropped the blog's %zu tables and their rows in %s\n", present.size(),
                engine.url().to_string().c_str());
  }
  const std::size_t revisions = upgrade_schema(engine, o.migrations);
  std::printf("schema: upgraded to head through %zu revision(s) from %s (crucible-blog db history lists them)\n",
              revisions, o.migrations.c_str());
  QueryMonitor monitor(engine, monitor_options(o));
  StatementCounter counter(engine);
  Session session(engine);

  const bool bar = o.scale > 1;
  auto counts = blog::seed(session, o.scale, [&](std::size_t done, std::size_t total) {
    if (!bar) return;
    const int filled = static_cast<int>(40.0 * static_cast<double>(done) / static_cast<double>(total));
    std::fprintf(stderr, "\rseeding [%s%s] %zu/%zu", std::string(static_cast<std::size_t>(filled), '#').c_str(),
                 std::string(static_cast<std::size_t>(40 - filled), ' ').c_str(), done, total);
    if (done == total) std::fputc('\n', stderr);
  });
  std::printf("Crucible blog on %s\n", engine.url().to_string().c_str());
  std::printf("seeded %zu users, %zu posts, %zu comments, %zu tags, %zu categories, %zu follows (%zu statements)\n",
              counts.users, counts.posts, counts.comments, counts.tags, counts.categories, counts.follows, counter.take());
  session.close();

  {
    auto posts = blog::featured_posts(session, 5);
    std::vector<std::vector<std::string>> rows;
    for (const auto& p : posts)
      rows.push_back({p->title, p->author->username, std::to_string(p->views_count), std::to_string(blog::reading_time(*p)) + " min"});
    heading("Featured posts with their authors (joined loading)", counter.take());
    table({"title", "author", "views", "reading"}, rows);
  }
  {
    auto stats = blog::posts_with_stats(session);
    std::vector<std::vector<std::string>> rows;
    for (std::size_t i = 0; i < stats.size() && i < 5; ++i)
      rows.push_back({stats[i].title, stats[i].author, std::to_string(stats[i].views), std::to_string(stats[i].comments)});
    heading("Most viewed posts with comment counts (outer join, group by)", counter.take());
    table({"title", "author", "views", "comments"}, rows);
  }
  {
    auto found = blog::search_posts(session, "100%");
    heading("Search: keyword \"100%\" (matched literally)", counter.take());
    post_table(found, "tags", tags_of);
  }
  {
    auto found = blog::search_posts(session, "", std::nullopt, {"sql", "orm"});
    heading("Search: tagged sql or orm (" + std::to_string(found.size()) + " posts, each once; first 5)", counter.take());
    post_table(found, "tags", tags_of, 5);
  }
  {
    auto alice = user_named(session, "alice");
    counter.take();
    auto page = blog::user_timeline(session, alice->id, 1, 5);
    heading("alice's timeline, page 1 of " + std::to_string(page.pages()) + " (" + std::to_string(page.total) + " posts)",
            counter.take());
    post_table(page.items, "created", created_of);
  }
  {
    auto alice = user_named(session, "alice");
    auto bob = user_named(session, "bob");
    counter.take();
    auto t = blog::transfer_points(session, alice->id, bob->id, 30);
    heading("Transfer: alice -> bob, 30 points (one transaction)", counter.take());
    table({"transfer", "from", "to", "points"}, {{std::to_string(t.id), alice->username, bob->username, std::to_string(t.points)}});
    std::printf("  balances: alice %lld, bob %lld\n", static_cast<long long>(alice->points), static_cast<long long>(bob->points));
    try {
      blog::transfer_points(session, alice->id, bob->id, 1000);
    } catch (const blog::TransferError& e) {
      std::printf("  refused: %s (nothing written)\n", e.what());
    }
  }
  {
    const MonitorTotals t = monitor.totals();
    const auto statements = monitor.statements();
    std::printf("\n== Monitoring  (QueryMonitor, slow at >= %lld ms)\n", static_cast<long long>(o.slow_ms));
    std::printf("  %llu executions of %llu statements, %s in the database, %llu slow\n",
                static_cast<unsigned long long>(t.executions), static_cast<unsigned long long>(t.statements),
                format_duration(t.total).c_str(), static_cast<unsigned long long>(t.slow));
    if (!statements.empty()) {
      const StatementStats& top = statements.front();
      std::printf("  most time: %s in %llu call%s of %s\n", format_duration(top.total).c_str(),
                  static_cast<unsigned long long>(top.executions), top.executions == 1 ? "" : "s",
                  summarize_sql(top.sql, 60).c_str());
    }
    std::printf("  pool: %s\n", pool_status(engine).to_string().c_str());
    std::printf("  (crucible-blog stats prints every statement and the query plans)\n");
  }
  return 0;
}

int timeline(const Options& o) {
  if (o.args.size() != 1) throw UsageError("timeline takes one USERNAME");
  Engine engine = open(o);
  require_schema(engine);
  Session session(engine);
  auto user = user_named(session, o.args[0]);
  // A page past the end shows as empty, with the number of pages there are.
  auto page = blog::user_timeline(session, user->id, o.page, 10, false);
  std::printf("%s's timeline, page %lld of %lld\n", user->username.c_str(), static_cast<long long>(page.page),
              static_cast<long long>(page.pages()));
  post_table(page.items, "created", created_of);
  return 0;
}

int transfer(const Options& o) {
  if (o.args.size() != 3) throw UsageError("transfer takes FROM TO POINTS");
  // Any 64-bit number: the service refuses a non-positive amount itself (TransferError).
  const std::int64_t points = parse_number(o.args[2], "POINTS", std::numeric_limits<std::int64_t>::min(), max_int64);
  Engine engine = open(o);
  require_schema(engine);
  Session session(engine);
  auto from = user_named(session, o.args[0]);
  auto to = user_named(session, o.args[1]);
  auto t = blog::transfer_points(session, from->id, to->id, points);
  std::printf("transfer %lld: %s -> %s, %lld points\n", static_cast<long long>(t.id), from->username.c_str(),
              to->username.c_str(), static_cast<long long>(t.points));
  return 0;
}

void print_plan(Connection& conn, const std::string& title, const LastStatement::Seen& seen) {
  std::printf("\n== Plan: %s\n", title.c_str());
  if (seen.sql.empty()) {
    std::puts("  (no statement ran)");
    return;
  }
  std::printf("  %s\n", summarize_sql(seen.sql, 160).c_str());
  for (const std::string& line : explain_sql(conn, seen.sql, seen.values)) std::printf("    %s\n", line.c_str());
}

int stats(const Options& o) {
  if (!o.args.empty()) throw UsageError("stats takes no arguments");
  Engine engine = open(o);
  require_schema(engine);
  QueryMonitor monitor(engine, monitor_options(o));
  LastStatement last(engine);
  Session session(engine);

  // The read-only services, once each (the transfer writes, so it is left out).
  blog::featured_posts(session, 5);
  const auto featured = last.take();
  blog::posts_with_stats(session);
  blog::search_posts(session, "100%");
  blog::search_posts(session, "", std::nullopt, {"sql", "orm"});
  auto user = session.query<blog::User>().where(col(&blog::User::username) == "alice").first();
  if (!user) user = session.query<blog::User>().order_by(col(&blog::User::id)).first();
  if (!user) throw std::runtime_error("no users in " + engine.url().to_string() + " (crucible-blog demo seeds some)");
  last.take();
  blog::user_timeline(session, user->id, 1, 5);
  const auto timeline = last.take();
  session.close();

  const MonitorTotals t = monitor.totals();
  const auto statements = monitor.statements();
  std::printf("Crucible blog statistics on %s\n", engine.url().to_string().c_str());
  std::printf("ran featured posts, posts with stats, two searches and %s's timeline: %llu executions of %llu statements, %s in the database\n",
              user->username.c_str(), static_cast<unsigned long long>(t.executions),
              static_cast<unsigned long long>(t.statements), format_duration(t.total).c_str());

  std::printf("\n== Statements by total time\n");
  std::vector<std::vector<std::string>> rows;
  for (const StatementStats& s : statements)
    rows.push_back({std::to_string(s.executions), format_duration(s.total), format_duration(s.mean()),
                    format_duration(s.max), s.rows_affected ? std::to_string(s.rows_affected) : "-", summarize_sql(s.sql, 90)});
  table({"calls", "total", "mean", "max", "rows", "SQL"}, rows);

  std::printf("\n== Pool\n  %s\n  %llu connection%s opened, %llu checkout%s, %llu invalidated\n",
              pool_status(engine).to_string().c_str(), static_cast<unsigned long long>(t.connects),
              t.connects == 1 ? "" : "s", static_cast<unsigned long long>(t.checkouts), t.checkouts == 1 ? "" : "s",
              static_cast<unsigned long long>(t.invalidations));

  std::printf("\n== Slow statements (>= %lld ms)\n", static_cast<long long>(o.slow_ms));
  const auto slow = monitor.slow_queries();
  for (const SlowQuery& q : slow) std::printf("  %10s  %s\n", format_duration(q.duration).c_str(), summarize_sql(q.sql, 100).c_str());
  if (slow.empty()) std::puts("  (none)");

  // The plans of the statements exactly as they ran: same SQL, same values, bound.
  auto conn = engine.connect();
  print_plan(conn, "featured posts", featured);
  print_plan(conn, user->username + "'s timeline, page 1", timeline);
  return 0;
}

std::string first_line(const char* text) {
  std::string s = text;
  return s.substr(0, s.find('\n'));
}

// `crucible-blog db ...`: the crucible program's commands, given the blog's models and revisions.
int db(int argc, char** argv) {
  migrate::CommandLineOptions options;
  options.program = "crucible-blog db";
  options.metadata = &default_registry().metadata();
  options.migrations = CRUCIBLE_BLOG_MIGRATIONS;
  options.default_url = blog::database_url(blog::Environment::development);
  return migrate::command_line(argc, argv, options);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "db") == 0) return db(argc - 1, argv + 1);
  try {
    const Options o = parse(argc, argv);
    if (o.command == "demo") return demo(o);
    if (o.command == "timeline") return timeline(o);
    if (o.command == "transfer") return transfer(o);
    if (o.command == "stats") return stats(o);
    if (o.command == "help") {
      usage(stdout);
      return 0;
    }
    throw UsageError("unknown command '" + o.command + "'");
  } catch (const UsageError& e) {
    std::fprintf(stderr, "crucible-blog: %s\n", e.what());
    usage(stderr);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "crucible-blog: %s\n", first_line(e.what()).c_str());
    return 1;
  }
}
