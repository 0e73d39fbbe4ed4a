// SPDX-License-Identifier: MIT
//
// The ORM on SQLite against the raw libsqlite3 C API, same process, file databases. Prints:
//   BENCH workload=<name> backend=sqlite rows=<n> crucible_ms=<t> raw_ms=<t> ratio=<c/r>
//   BENCH workload=orm_load_memory backend=sqlite rows=<n> crucible_mb=<m> raw_mb=<m> ratio=<r>
// Workloads: orm_insert (add_all + commit of 100,000 new objects, keys generated), orm_load
// (100,000 rows as objects), orm_get (10,000 get<T>(pk) of keys not loaded), orm_update (load
// 10,000 objects, change one field on each, commit). Each round times raw then ours; the
// medians count. Memory is the heap in use (mallinfo2) held by the loaded result, raw tuples
// against objects + session.
// autoflush_query: 10,000 ORM count() queries of another table by key in a session holding
// 100,000 clean objects, with autoflush on (crucible_ms) against the same queries with autoflush off (raw_ms):
// what autoflush costs for objects that cannot change the result. autoflush_query_same_table:
// 1,000 queries of the held objects' own table by key and a non-key column (score), likewise:
// there autoflush compares that member of every held object with its snapshot (C++ cannot see a
// member write), so it grows with them; other members and keys are not compared.
//
// Usage: bench_orm_sqlite [--rounds N] [--dir DIR] [--only WORKLOAD]
// (--only runs one workload, after an untimed insert round that fills both databases: handy
// under a profiler.)
#include <malloc.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "bench_support.hpp"
#include "crucible/crucible.hpp"
#include "orm_item.hpp"


namespace bench {
// A second table for autoflush_query: queries of it cannot be changed by edits to Items.
struct Tally {
  std::int64_t id = 0;
  std::int64_t n = 0;
};
CRUCIBLE_MAPPING(Tally, "bench_orm_tallies",
  column("id", &Tally::id).primary_key(),
  column("n", &Tally::n));
}  // namespace bench

namespace {

using bench::Item;
using bench::Tally;
constexpr int kTallies = 100;
constexpr int kAutoflushQueries = 10'000;
constexpr int kSameTableQueries = 1'000;
using RawRow = std::tuple<std::int64_t, std::string, std::string, std::int64_t>;
constexpr int kRows = 100'000;
constexpr int kGets = 10'000;
constexpr int kUpdates = 10'000;

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
    exec("PRAGMA foreign_keys=ON");
  }
  ~RawDb() { sqlite3_close_v2(db); }
  void exec(const char* sql) const { check(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), db, sql); }
  sqlite3_stmt* prepare(const char* sql) const {
    sqlite3_stmt* stmt = nullptr;
    check(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), db, sql);
    return stmt;
  }
};

std::string text(sqlite3_stmt* s, int i) {
  return std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, i)),
                     static_cast<std::size_t>(sqlite3_column_bytes(s, i)));
}

// Raw: prepared INSERT per row, generated ids read back with sqlite3_last_insert_rowid.
void raw_insert(RawDb& raw, std::vector<Item>& items) {
  raw.exec("BEGIN");
  sqlite3_stmt* stmt = raw.prepare("INSERT INTO bench_orm_items (name, description, score) VALUES (?, ?, ?)");
  for (auto& it : items) {
    sqlite3_bind_text(stmt, 1, it.name.data(), static_cast<int>(it.name.size()), SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, it.description.data(), static_cast<int>(it.description.size()), SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 3, it.score);
    check(sqlite3_step(stmt), raw.db, "insert");
    it.id = sqlite3_last_insert_rowid(raw.db);
    sqlite3_reset(stmt);
  }
  sqlite3_finalize(stmt);
  raw.exec("COMMIT");
}

std::vector<RawRow> raw_load(RawDb& raw) {
  std::vector<RawRow> out;
  sqlite3_stmt* s = raw.prepare("SELECT id, name, description, score FROM bench_orm_items");
  while (sqlite3_step(s) == SQLITE_ROW)
    out.emplace_back(sqlite3_column_int64(s, 0), text(s, 1), text(s, 2), sqlite3_column_int64(s, 3));
  sqlite3_finalize(s);
  return out;
}

std::int64_t raw_get(RawDb& raw) {
  std::int64_t sum = 0;
  raw.exec("BEGIN");
  sqlite3_stmt* s = raw.prepare("SELECT id, name, description, score FROM bench_orm_items WHERE id = ?");
  for (int i = 0; i < kGets; ++i) {
    sqlite3_bind_int64(s, 1, (i * 7919) % kRows + 1);
    if (sqlite3_step(s) != SQLITE_ROW) std::exit(1);
    RawRow row{sqlite3_column_int64(s, 0), text(s, 1), text(s, 2), sqlite3_column_int64(s, 3)};
    sum += std::get<3>(row);
    sqlite3_reset(s);
  }
  sqlite3_finalize(s);
  raw.exec("COMMIT");
  return sum;
}

void raw_update(RawDb& raw) {
  raw.exec("BEGIN");
  std::vector<RawRow> rows;
  sqlite3_stmt* s = raw.prepare("SELECT id, name, description, score FROM bench_orm_items WHERE id <= ?");
  sqlite3_bind_int64(s, 1, kUpdates);
  while (sqlite3_step(s) == SQLITE_ROW)
    rows.emplace_back(sqlite3_column_int64(s, 0), text(s, 1), text(s, 2), sqlite3_column_int64(s, 3));
  sqlite3_finalize(s);
  sqlite3_stmt* u = raw.prepare("UPDATE bench_orm_items SET score = ? WHERE id = ?");
  for (auto& r : rows) {
    std::get<3>(r) += 1;
    sqlite3_bind_int64(u, 1, std::get<3>(r));
    sqlite3_bind_int64(u, 2, std::get<0>(r));
    check(sqlite3_step(u), raw.db, "update");
    sqlite3_reset(u);
  }
  sqlite3_finalize(u);
  raw.exec("COMMIT");
}

// Returns the objects, as the raw side keeps its items: freeing them is not part of inserting.
std::vector<std::shared_ptr<Item>> orm_insert(crucible::Engine& engine, std::vector<Item> items) {
  crucible::Session session(engine);
  auto handles = session.add_all(std::move(items));
  session.commit();
  if (handles.back()->id == 0) std::exit(1);
  return handles;
}

std::size_t orm_load(crucible::Engine& engine) {
  crucible::Session session(engine);
  return session.query<Item>().all().size();
}

std::int64_t orm_get(crucible::Engine& engine) {
  crucible::Session session(engine);
  std::int64_t sum = 0;
  for (int i = 0; i < kGets; ++i) {
    auto item = session.get<Item>((i * 7919) % kRows + 1);
    if (!item) std::exit(1);  // as the raw side: every key exists
    sum += item->score;
  }
  session.commit();
  return sum;
}

void orm_update(crucible::Engine& engine) {
  crucible::Session session(engine);
  for (auto& item : session.query<Item>().where(crucible::col(&Item::id) <= kUpdates).all()) item->score += 1;
  session.commit();
}

// `queries` counts of one key's rows in a session that already holds every Item (loaded
// untimed), with autoflush as given; the sum of the counts.
template <typename T>
std::int64_t queries_among_held_items(crucible::Engine& engine, bool autoflush, int queries, int keys, double& ms) {
  crucible::Session session(engine, crucible::SessionOptions{.autoflush = autoflush});
  if (session.query<Item>().all().size() != static_cast<std::size_t>(kRows)) std::exit(1);
  std::int64_t sum = 0;
  ms = bench::time_ms([&] {
    for (int i = 0; i < queries; ++i) {
      const std::int64_t key = i % keys + 1;
      if constexpr (requires { &T::score; })  // a member autoflush compares (keys are not)
        sum += session.query<T>().where(crucible::col(&T::id) == key && crucible::col(&T::score) == key).count();
      else
        sum += session.query<T>().where(crucible::col(&T::id) == key).count();
    }
  });
  return sum;
}

// Autoflush on (crucible_ms) against off (raw_ms) over the same lookups, each round in fresh
// sessions holding every Item.
template <typename T>
void report_autoflush(crucible::Engine& engine, int rounds, const char* workload, int queries, int keys) {
  bench::Rounds measured;
  for (int r = 0; r < rounds; ++r) {
    double on = 0, off = 0;
    const auto a = queries_among_held_items<T>(engine, false, queries, keys, off);
    const auto b = queries_among_held_items<T>(engine, true, queries, keys, on);
    if (a != b) std::exit(1);
    measured.raw(off);
    measured.ours(on);
  }
  bench::report(workload, "sqlite", queries, measured);
}

// In use from the heap and from separately mapped blocks (large allocations).
double heap_mb() {
  const auto info = mallinfo2();
  return static_cast<double>(info.uordblks + info.hblkhd) / (1024.0 * 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = bench::parse_options(argc, argv, 5);
  const int rounds = options.rounds;
  std::string_view only;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string_view(argv[i]) == "--only") only = argv[i + 1];
  auto wanted = [&](std::string_view workload) { return only.empty() || only == workload; };
  const std::filesystem::path& dir = options.dir;
  const auto raw_path = (dir / "crucible_orm_bench_raw.db").string();
  const auto ours_path = (dir / "crucible_orm_bench_orm.db").string();
  auto cleanup = [&] {
    for (const auto& p : {raw_path, ours_path})
      for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(p + suffix);
  };
  cleanup();
  auto engine = crucible::create_engine("sqlite:///" + ours_path);
  crucible::create_all(engine, crucible::default_registry().metadata());
  RawDb raw(raw_path);
  raw.exec("CREATE TABLE bench_orm_items (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, "
           "description TEXT NOT NULL, score BIGINT NOT NULL)");
  const auto items = bench::make_items(kRows);

  // Emptying the table is not part of inserting (and a DELETE of 100,000 rows costs as much as
  // the inserts): both sides do it before their timing starts.
  auto empty_tables = [&] {
    raw.exec("DELETE FROM bench_orm_items");
    auto conn = engine.connect();
    conn.execute("DELETE FROM bench_orm_items");
    conn.commit();
  };
  bench::Rounds inserts;
  if (!wanted("orm_insert")) {  // the other workloads read what the inserts wrote
    auto raw_items = items;
    raw_insert(raw, raw_items);
    orm_insert(engine, items);
  }
  for (int r = 0; wanted("orm_insert") && r < rounds; ++r) {
    empty_tables();
    auto raw_items = items;
    inserts.raw(bench::time_ms([&] { raw_insert(raw, raw_items); }));
    auto our_items = items;  // copied outside the timing, moved into the session inside it
    std::vector<std::shared_ptr<Item>> inserted;
    inserts.ours(bench::time_ms([&] { inserted = orm_insert(engine, std::move(our_items)); }));
  }
  if (wanted("orm_insert")) bench::report("orm_insert", "sqlite", kRows, inserts);

  bench::Rounds loads;
  for (int r = 0; wanted("orm_load") && r < rounds; ++r) {
    std::size_t a = 0, b = 0;
    loads.raw(bench::time_ms([&] { a = raw_load(raw).size(); }));
    loads.ours(bench::time_ms([&] { b = orm_load(engine); }));
    if (a != kRows || b != kRows) return 1;
  }
  if (wanted("orm_load")) bench::report("orm_load", "sqlite", kRows, loads);

  bench::Rounds gets;
  for (int r = 0; wanted("orm_get") && r < rounds; ++r) {
    std::int64_t a = 0, b = 0;
    gets.raw(bench::time_ms([&] { a = raw_get(raw); }));
    gets.ours(bench::time_ms([&] { b = orm_get(engine); }));
    if (a != b) return 1;
  }
  if (wanted("orm_get")) bench::report("orm_get", "sqlite", kGets, gets);

  bench::Rounds updates;
  for (int r = 0; wanted("orm_update") && r < rounds; ++r) {
    updates.raw(bench::time_ms([&] { raw_update(raw); }));
    updates.ours(bench::time_ms([&] { orm_update(engine); }));
  }
  if (wanted("orm_update")) bench::report("orm_update", "sqlite", kUpdates, updates);

  if (wanted("autoflush_query") || wanted("autoflush_query_same_table")) {
    crucible::Session session(engine);
    for (int i = 0; i < kTallies; ++i) session.add(Tally{.n = i});
    session.commit();
  }
  if (wanted("autoflush_query")) report_autoflush<Tally>(engine, rounds, "autoflush_query", kAutoflushQueries, kTallies);
  if (wanted("autoflush_query_same_table"))
    report_autoflush<Item>(engine, rounds, "autoflush_query_same_table", kSameTableQueries, kRows);

  double raw_mb = 0, ours_mb = 0;
  if (!wanted("orm_load_memory")) {
    cleanup();
    return 0;
  }
  {
    const double before = heap_mb();
    auto rows = raw_load(raw);
    raw_mb = heap_mb() - before;
  }
  {
    crucible::release_spare_object_memory();  // every block the load takes is counted
    const double before = heap_mb();
    crucible::Session session(engine);
    auto objects = session.query<Item>().all();
    ours_mb = heap_mb() - before;
  }
  std::printf("BENCH workload=orm_load_memory backend=sqlite rows=%d crucible_mb=%.1f raw_mb=%.1f ratio=%.3f\n",
              kRows, ours_mb, raw_mb, ours_mb / raw_mb);
  cleanup();
  return 0;
}
