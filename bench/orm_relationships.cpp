// SPDX-License-Identifier: MIT
//
// Relationship loading on SQLite against the raw libsqlite3 C API, same process, one file
// database read by both sides. 1,000 parents with 10 children each are loaded whole, and every
// parent's and child's mapped fields are read (summed into a checksum both sides must agree on).
// Prints:
//   BENCH workload=<name> backend=sqlite rows=<children> crucible_ms=<t> raw_ms=<t> ratio=<c/r>
// Workloads (a fresh Session per round, so the identity map starts empty):
//   selectin_load  query<Parent>().options(selectinload(children)): 1 + 2 statements (IN, 500
//                  keys each) against the raw two-query loop below.
//   joined_load    .options(joinedload(children)).order_by(id): one LEFT OUTER JOIN against a
//                  raw loop over the same join, grouping consecutive rows by parent id.
//   lazy_load      plain .all(), then each parent's children on access: 1 + 1,000 statements,
//                  against the same raw two-query loop (the N+1 cost, statements and the
//                  autoflush before each lazy load, shows in its ratio).
// The raw two-query loop: SELECT the parents into a vector (plus an id -> index hash map), then
// SELECT the children WHERE parent_id IN (?, ... ?) with 500 bound keys per execution, as
// Crucible batches selectin, appending each child to its parent's std::vector. Statement
// preparation and the result's destruction are inside the timings on both sides. Rounds
// time raw then ours; the medians count (15 rounds by default: one round is a few milliseconds,
// so a busy machine disturbs many of them).
//
// Before timing, each Crucible workload runs once with a statement counter; the counts are
// printed as "# ..." lines (not BENCH lines) so a change of strategy cannot go unnoticed.
//
// Usage: bench_orm_relationships [--rounds N] [--dir DIR] [--only WORKLOAD]
// (--only runs one workload: handy under a profiler, where lazy_load would dominate.)
#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bench_support.hpp"
#include "crucible/crucible.hpp"

namespace bench {

struct Child;

// Table names start with b_ so that they cannot meet another program's models.
struct Parent {
  std::int64_t id = 0;
  std::int64_t score = 0;
  std::string name{};
  crucible::Many<Child> children{};
};

struct Child {
  std::int64_t id = 0;
  std::int64_t parent_id = 0;
  std::int64_t score = 0;
  std::string label{};
  crucible::One<Parent> parent{};
};

CRUCIBLE_MAPPING(Parent, "b_parents",
  column("id", &Parent::id).primary_key(),
  column("score", &Parent::score),
  column("name", &Parent::name, String(60)),
  relationship("children", &Parent::children).back_populates("parent"));

CRUCIBLE_MAPPING(Child, "b_children",
  column("id", &Child::id).primary_key(),
  column("parent_id", &Child::parent_id).references("b_parents.id").index(),
  column("score", &Child::score),
  column("label", &Child::label, String(60)),
  relationship("parent", &Child::parent).back_populates("children"));

}  // namespace bench

namespace {

using bench::Child;
using bench::Parent;

constexpr int kParents = 1'000;
constexpr int kChildrenEach = 10;
constexpr int kChildren = kParents * kChildrenEach;
constexpr std::size_t kInBatch = 500;  // Crucible's selectin batch (src/orm/loading.cpp)

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    std::fprintf(stderr, "raw sqlite %s failed: %s\n", what, sqlite3_errmsg(db));
    std::exit(1);
  }
}

struct RawDb {
  sqlite3* db = nullptr;
  explicit RawDb(const std::string& path) {
    check(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                          nullptr),
          db, "open");
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;
  ~RawDb() { sqlite3_close_v2(db); }
  void exec(const char* sql) const { check(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), db, sql); }
  sqlite3_stmt* prepare(const std::string& sql) const {
    sqlite3_stmt* stmt = nullptr;
    check(sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr), db, sql.c_str());
    return stmt;
  }
};

std::string text(sqlite3_stmt* s, int i) {
  return std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, i)),
                     static_cast<std::size_t>(sqlite3_column_bytes(s, i)));
}

// ---- seeding (not timed) ------------------------------------------------------------------------

// Children go in round-robin (child k of every parent, then k + 1), so one parent's rows are
// spread over the table as rows written over time would be.
void seed(RawDb& raw) {
  raw.exec("BEGIN");
  sqlite3_stmt* p = raw.prepare("INSERT INTO b_parents (id, score, name) VALUES (?, ?, ?)");
  for (int i = 1; i <= kParents; ++i) {
    const std::string name = "parent number " + std::to_string(i);
    sqlite3_bind_int64(p, 1, i);
    sqlite3_bind_int64(p, 2, i * 3);
    sqlite3_bind_text(p, 3, name.data(), static_cast<int>(name.size()), SQLITE_TRANSIENT);
    check(sqlite3_step(p), raw.db, "insert parent");
    sqlite3_reset(p);
  }
  sqlite3_finalize(p);
  sqlite3_stmt* c = raw.prepare("INSERT INTO b_children (parent_id, score, label) VALUES (?, ?, ?)");
  for (int k = 0; k < kChildrenEach; ++k) {
    for (int i = 1; i <= kParents; ++i) {
      const std::string label = "child " + std::to_string(k) + " of parent " + std::to_string(i);
      sqlite3_bind_int64(c, 1, i);
      sqlite3_bind_int64(c, 2, i * 100 + k);
      sqlite3_bind_text(c, 3, label.data(), static_cast<int>(label.size()), SQLITE_TRANSIENT);
      check(sqlite3_step(c), raw.db, "insert child");
      sqlite3_reset(c);
    }
  }
  sqlite3_finalize(c);
  raw.exec("COMMIT");
  raw.exec("ANALYZE");
}

// ---- the raw side ---------------------------------------------------------------------------------

struct RawChild {
  std::int64_t id = 0;
  std::int64_t parent_id = 0;
  std::int64_t score = 0;
  std::string label;
};

struct RawParent {
  std::int64_t id = 0;
  std::int64_t score = 0;
  std::string name;
  std::vector<RawChild> children;
};

// What both sides compute from the loaded graph: every field of every object is read.
struct Checksum {
  std::int64_t parents = 0, children = 0, sum = 0;
  bool operator==(const Checksum&) const = default;
  void parent(std::int64_t id, std::int64_t score, const std::string& name) {
    ++parents;
    sum += id + score + static_cast<std::int64_t>(name.size());
  }
  void child(std::int64_t id, std::int64_t parent_id, std::int64_t score, const std::string& label) {
    ++children;
    sum += id + parent_id + score + static_cast<std::int64_t>(label.size());
  }
};

Checksum touch(const std::vector<RawParent>& parents) {
  Checksum sum;
  for (const RawParent& p : parents) {
    sum.parent(p.id, p.score, p.name);
    for (const RawChild& c : p.children) sum.child(c.id, c.parent_id, c.score, c.label);
  }
  return sum;
}

std::string in_list_sql(std::size_t n) {
  std::string sql = "SELECT id, parent_id, score, label FROM b_children WHERE parent_id IN (";
  for (std::size_t i = 0; i < n; ++i) sql += i ? ", ?" : "?";
  sql += ")";
  return sql;
}

// Parents, then their children by IN batches of kInBatch bound keys (one prepared statement per
// batch size, re-bound for each batch of that size).
std::vector<RawParent> raw_two_queries(const RawDb& raw) {
  std::vector<RawParent> parents;
  std::unordered_map<std::int64_t, std::size_t> by_id;
  sqlite3_stmt* s = raw.prepare("SELECT id, score, name FROM b_parents");
  while (sqlite3_step(s) == SQLITE_ROW) {
    parents.push_back(RawParent{sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1), text(s, 2), {}});
    by_id.emplace(parents.back().id, parents.size() - 1);
  }
  sqlite3_finalize(s);
  sqlite3_stmt* batch = nullptr;
  std::size_t batch_size = 0;
  for (std::size_t at = 0; at < parents.size(); at += kInBatch) {
    const std::size_t n = std::min(kInBatch, parents.size() - at);
    if (n != batch_size) {
      sqlite3_finalize(batch);
      batch = raw.prepare(in_list_sql(n));
      batch_size = n;
    }
    for (std::size_t i = 0; i < n; ++i) sqlite3_bind_int64(batch, static_cast<int>(i + 1), parents[at + i].id);
    while (sqlite3_step(batch) == SQLITE_ROW) {
      const std::int64_t parent_id = sqlite3_column_int64(batch, 1);
      parents[by_id.at(parent_id)].children.push_back(
          RawChild{sqlite3_column_int64(batch, 0), parent_id, sqlite3_column_int64(batch, 2), text(batch, 3)});
    }
    sqlite3_reset(batch);
  }
  sqlite3_finalize(batch);
  return parents;
}

// One LEFT OUTER JOIN ordered by the parent's id: a new parent starts when the id changes; a
// parent without children has one row with NULL child columns.
std::vector<RawParent> raw_join(const RawDb& raw) {
  std::vector<RawParent> parents;
  sqlite3_stmt* s = raw.prepare(
      "SELECT p.id, p.score, p.name, c.id, c.parent_id, c.score, c.label FROM b_parents AS p "
      "LEFT OUTER JOIN b_children AS c ON c.parent_id = p.id ORDER BY p.id");
  while (sqlite3_step(s) == SQLITE_ROW) {
    const std::int64_t id = sqlite3_column_int64(s, 0);
    if (parents.empty() || parents.back().id != id)
      parents.push_back(RawParent{id, sqlite3_column_int64(s, 1), text(s, 2), {}});
    if (sqlite3_column_type(s, 3) == SQLITE_NULL) continue;
    parents.back().children.push_back(
        RawChild{sqlite3_column_int64(s, 3), sqlite3_column_int64(s, 4), sqlite3_column_int64(s, 5), text(s, 6)});
  }
  sqlite3_finalize(s);
  return parents;
}

// ---- the Crucible side ------------------------------------------------------------------------------

Checksum touch(const std::vector<std::shared_ptr<Parent>>& parents) {
  Checksum sum;
  for (const auto& p : parents) {
    sum.parent(p->id, p->score, p->name);
    for (const Child& c : p->children) sum.child(c.id, c.parent_id, c.score, c.label);
  }
  return sum;
}

Checksum orm_selectin(crucible::Engine& engine) {
  crucible::Session session(engine);
  return touch(session.query<Parent>().options(crucible::selectinload(&Parent::children)).all());
}

Checksum orm_joined(crucible::Engine& engine) {
  crucible::Session session(engine);
  return touch(session.query<Parent>()
                   .options(crucible::joinedload(&Parent::children))
                   .order_by(crucible::col(&Parent::id))
                   .all());
}

Checksum orm_lazy(crucible::Engine& engine) {
  crucible::Session session(engine);
  return touch(session.query<Parent>().all());
}

// ---- running ------------------------------------------------------------------------------------------

double thread_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

using OrmFn = Checksum (*)(crucible::Engine&);
using RawFn = std::vector<RawParent> (*)(const RawDb&);

// Runs both sides once untimed (warming the page cache and proving they agree, and counting
// Crucible's statements), then `rounds` alternating timed rounds.
void run(const char* workload, int rounds, crucible::Engine& engine, const RawDb& raw, OrmFn ours, RawFn theirs) {
  std::size_t statements = 0;
  std::vector<std::string> sql;  // the first two statements, shortened
  Checksum expected, got;
  {
    auto handle = engine.events().on_before_execute([&](const crucible::ExecuteInfo& info) {
      if (++statements > 2) return;
      sql.emplace_back(info.sql.substr(0, 150));
      if (info.sql.size() > 150) sql.back() += "...";
    });
    got = ours(engine);
    handle.remove();
  }
  expected = touch(theirs(raw));
  std::printf("# %s: %zu statements\n", workload, statements);
  for (const auto& s : sql) std::printf("#   %s\n", s.c_str());
  if (!(got == expected) || expected.children != kChildren || expected.parents != kParents) {
    std::fprintf(stderr, "%s: results differ: crucible %lld parents %lld children sum %lld, raw %lld %lld %lld\n",
                 workload, static_cast<long long>(got.parents), static_cast<long long>(got.children),
                 static_cast<long long>(got.sum), static_cast<long long>(expected.parents),
                 static_cast<long long>(expected.children), static_cast<long long>(expected.sum));
    std::exit(1);
  }

  bench::Rounds wall, cpu;
  for (int r = 0; r < rounds; ++r) {
    Checksum a, b;
    double cpu_start = thread_cpu_ms();
    wall.raw(bench::time_ms([&] { a = touch(theirs(raw)); }));
    cpu.raw(thread_cpu_ms() - cpu_start);
    cpu_start = thread_cpu_ms();
    wall.ours(bench::time_ms([&] { b = ours(engine); }));
    cpu.ours(thread_cpu_ms() - cpu_start);
    if (!(a == expected) || !(b == expected)) std::exit(1);
  }
  bench::report(workload, "sqlite", kChildren, wall);
  // On a shared machine a round of a few milliseconds is often preempted; the thread's CPU time
  // leaves that out, so this line is the steadier comparison (informational, not a BENCH line).
  std::printf("# %s cpu time: crucible_ms=%.2f raw_ms=%.2f ratio=%.3f\n", workload, cpu.ours_ms(), cpu.raw_ms(),
              cpu.ratio());
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = bench::parse_options(argc, argv, 15);
  std::string_view only;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string_view(argv[i]) == "--only") only = argv[i + 1];
  // A directory of our own: other bench programs may run beside this one.
  const auto dir = options.dir / ("crucible_bench_relationships_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto path = (dir / "relationships.db").string();
  {
    auto engine = crucible::create_engine("sqlite:///" + path);
    crucible::create_all(engine, crucible::default_registry().metadata());
    RawDb raw(path);
    seed(raw);
    auto wanted = [&](std::string_view workload) { return only.empty() || only == workload; };
    if (wanted("selectin_load")) run("selectin_load", options.rounds, engine, raw, orm_selectin, raw_two_queries);
    if (wanted("joined_load")) run("joined_load", options.rounds, engine, raw, orm_joined, raw_join);
    if (wanted("lazy_load")) run("lazy_load", options.rounds, engine, raw, orm_lazy, raw_two_queries);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
