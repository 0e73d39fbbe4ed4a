// SPDX-License-Identifier: MIT
//
// Core on SQLite against the raw libsqlite3 C API, in the same process, on a file database.
// Prints one line per workload:
//   BENCH workload=<name> backend=sqlite rows=<n> crucible_ms=<t> raw_ms=<t> ratio=<c/r>
// Several rounds, each timing raw then ours; the medians count (see bench_support.hpp).
//
// Usage: bench_core_sqlite [--rounds N] [--dir DIR]
#include <sqlite3.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "bench_support.hpp"
#include "crucible/crucible.hpp"

namespace {

using RowTuple = std::tuple<std::int64_t, std::string, std::string>;

constexpr int kInsertRows = 100'000;
constexpr int kPkSelects = 10'000;

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    std::fprintf(stderr, "raw sqlite %s failed: %s\n", what, sqlite3_errmsg(db));
    std::exit(1);
  }
}

std::vector<RowTuple> make_rows() {
  std::vector<RowTuple> rows;
  rows.reserve(kInsertRows);
  for (int i = 1; i <= kInsertRows; ++i)
    rows.emplace_back(i, "name " + std::to_string(i),
                      "a description of row " + std::to_string(i) + " with some text");
  return rows;
}

// ---- raw C API --------------------------------------------------------------------------------

struct RawDb {
  sqlite3* db = nullptr;
  explicit RawDb(const std::string& path) {
    check(sqlite3_open_v2(path.c_str(), &db,
                          SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr),
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

void raw_insert(RawDb& raw, const std::vector<RowTuple>& rows) {
  raw.exec("BEGIN");
  sqlite3_stmt* stmt = raw.prepare("INSERT INTO items (id, name, description) VALUES (?, ?, ?)");
  for (const auto& [id, name, description] : rows) {
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_text(stmt, 2, name.data(), static_cast<int>(name.size()), SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, description.data(), static_cast<int>(description.size()),
                      SQLITE_STATIC);
    check(sqlite3_step(stmt), raw.db, "insert");
    sqlite3_reset(stmt);
  }
  sqlite3_finalize(stmt);
  raw.exec("COMMIT");
}

std::string column_text(sqlite3_stmt* stmt, int i) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
  return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, i)));
}

std::vector<RowTuple> raw_select(RawDb& raw) {
  std::vector<RowTuple> out;
  sqlite3_stmt* stmt = raw.prepare("SELECT id, name, description FROM items");
  while (sqlite3_step(stmt) == SQLITE_ROW)
    out.emplace_back(sqlite3_column_int64(stmt, 0), column_text(stmt, 1), column_text(stmt, 2));
  sqlite3_finalize(stmt);
  return out;
}

std::int64_t raw_pk_select(RawDb& raw) {
  std::int64_t checksum = 0;
  raw.exec("BEGIN");
  sqlite3_stmt* stmt = raw.prepare("SELECT id, name, description FROM items WHERE id = ?");
  for (int i = 0; i < kPkSelects; ++i) {
    sqlite3_bind_int64(stmt, 1, (i * 7919) % kInsertRows + 1);
    if (sqlite3_step(stmt) != SQLITE_ROW) std::exit(1);
    RowTuple row{sqlite3_column_int64(stmt, 0), column_text(stmt, 1), column_text(stmt, 2)};
    checksum += std::get<0>(row) + static_cast<std::int64_t>(std::get<1>(row).size());
    sqlite3_reset(stmt);
  }
  sqlite3_finalize(stmt);
  raw.exec("COMMIT");
  return checksum;
}

// ---- Crucible ---------------------------------------------------------------------------------

struct Schema {
  crucible::MetaData metadata;
  crucible::Table& items;
  Schema()
      : items(metadata.table("items", crucible::Column("id", crucible::BigInteger()).primary_key(),
                             crucible::Column("name", crucible::String(100)).nullable(false),
                             crucible::Column("description", crucible::Text()))) {}
};

void crucible_clear(crucible::Engine& engine, const Schema& schema) {
  auto conn = engine.connect();
  conn.execute(crucible::delete_(schema.items));
  conn.commit();
}

void crucible_insert(crucible::Engine& engine, const Schema& schema,
                     const std::vector<RowTuple>& rows) {
  auto conn = engine.connect();
  auto tx = conn.begin();
  conn.execute_many(crucible::insert(schema.items), rows);
  tx.commit();
}

std::vector<RowTuple> crucible_select(crucible::Engine& engine, const Schema& schema) {
  auto conn = engine.connect();
  const auto id = schema.items.c<std::int64_t>("id");
  const auto name = schema.items.c<std::string>("name");
  const auto description = schema.items.c<std::string>("description");
  std::vector<RowTuple> out;
  for (auto&& row : conn.execute(crucible::select(id, name, description))
                        .as<std::int64_t, std::string, std::string>())
    out.push_back(std::move(row));
  return out;
}

std::int64_t crucible_pk_select(crucible::Engine& engine, const Schema& schema) {
  auto conn = engine.connect();
  const auto id = schema.items.c<std::int64_t>("id");
  const auto name = schema.items.c<std::string>("name");
  const auto description = schema.items.c<std::string>("description");
  const auto by_id = crucible::select(id, name, description)
                         .where(id == crucible::bindparam<std::int64_t>("id"));
  std::int64_t checksum = 0;
  auto tx = conn.begin();
  crucible::Params params{{"id", 0}};
  for (int i = 0; i < kPkSelects; ++i) {
    params.set("id", (i * 7919) % kInsertRows + 1);
    auto row = conn.execute(by_id, params).one<std::int64_t, std::string, std::string>();
    checksum += std::get<0>(row) + static_cast<std::int64_t>(std::get<1>(row).size());
  }
  tx.commit();
  return checksum;
}

}  // namespace

int main(int argc, char** argv) {
  // 11 rounds: a round is tens of milliseconds, and the median of more of them moves less
  // between runs on a shared machine.
  const auto options = bench::parse_options(argc, argv, 11);
  const int rounds = options.rounds;
  const std::filesystem::path& dir = options.dir;
  const auto raw_path = (dir / "crucible_bench_raw.db").string();
  const auto ours_path = (dir / "crucible_bench_crucible.db").string();
  for (const auto& p : {raw_path, ours_path})
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      std::filesystem::remove(p + suffix);

  Schema schema;
  auto engine = crucible::create_engine("sqlite:///" + ours_path);
  crucible::create_all(engine, schema.metadata);
  // One connection for the whole run, as the engine's pool keeps one: both sides read through a
  // warm page cache and neither pays sqlite3_open per round.
  RawDb raw(raw_path);
  raw.exec(
      "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, description TEXT)");

  const auto rows = make_rows();
  bench::Rounds insert;
  for (int r = 0; r < rounds; ++r) {
    // Emptying the table is not timed, so that every round times the same work (the first one
    // would otherwise be the only one without 100,000 rows to delete).
    raw.exec("DELETE FROM items");
    insert.raw(bench::time_ms([&] { raw_insert(raw, rows); }));
    crucible_clear(engine, schema);
    insert.ours(bench::time_ms([&] { crucible_insert(engine, schema, rows); }));
  }
  bench::report("core_insert", "sqlite", kInsertRows, insert);

  bench::Rounds scan;
  for (int r = 0; r < rounds; ++r) {
    std::size_t raw_count = 0, our_count = 0;
    scan.raw(bench::time_ms([&] { raw_count = raw_select(raw).size(); }));
    scan.ours(bench::time_ms([&] { our_count = crucible_select(engine, schema).size(); }));
    if (raw_count != kInsertRows || our_count != kInsertRows) {
      std::fprintf(stderr, "row count mismatch: raw %zu, crucible %zu\n", raw_count, our_count);
      return 1;
    }
  }
  bench::report("core_select", "sqlite", kInsertRows, scan);

  bench::Rounds lookups;
  for (int r = 0; r < rounds; ++r) {
    std::int64_t raw_sum = 0, our_sum = 0;
    lookups.raw(bench::time_ms([&] { raw_sum = raw_pk_select(raw); }));
    lookups.ours(bench::time_ms([&] { our_sum = crucible_pk_select(engine, schema); }));
    if (raw_sum != our_sum) {
      std::fprintf(stderr, "checksum mismatch: raw %lld, crucible %lld\n",
                   static_cast<long long>(raw_sum), static_cast<long long>(our_sum));
      return 1;
    }
  }
  bench::report("core_pk_select", "sqlite", kPkSelects, lookups);

  for (const auto& p : {raw_path, ours_path})
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      std::filesystem::remove(p + suffix);
  return 0;
}
