// SPDX-License-Identifier: MIT
//
// Core on PostgreSQL against raw libpq, in the same process, on the server named by
// CRUCIBLE_TEST_POSTGRESQL_URL (scripts/servers.sh starts one). Without it the program says so
// and exits 0. Prints one line per workload:
//   BENCH workload=<name> backend=postgresql rows=<n> crucible_ms=<t> raw_ms=<t> ratio=<c/r>
// 7 rounds, each timing raw then ours; the medians count (see bench_support.hpp). Against the
// fastest raw libpq technique for the same result:
//
//   core_insert            100,000 rows, no keys back: Connection::execute_many of
//                          insert(items).columns(name, description) in one transaction (the
//                          engine pipelines it). Raw: the prepared single-row INSERT in
//                          pipeline mode, non-blocking, one Sync.
//   core_insert_returning  100,000 rows, keys back: the same execute_many with .returning(id)
//                          (the engine sends multi-row INSERT ... RETURNING batches). Raw: a
//                          prepared 1,000-row INSERT ... VALUES ... RETURNING id.
//   core_update            10,000 UPDATEs by key through execute_many. Raw: the prepared UPDATE
//                          pipelined.
//   core_select            100,000 rows into tuples.
//   core_pk_select         10,000 selects by primary key, one transaction.
//
// Usage: bench_core_postgresql [--rounds N]
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <tuple>
#include <vector>

#include "bench_support.hpp"
#include "crucible/crucible.hpp"

#if CRUCIBLE_HAVE_POSTGRESQL
#include <unistd.h>

#include "raw_postgresql.hpp"

namespace {

using RowTuple = std::tuple<std::int64_t, std::string, std::string>;
using NewRow = std::tuple<std::string, std::string>;

constexpr int kInsertRows = 100'000;
constexpr int kBatch = 1'000;
constexpr int kUpdates = 10'000;
constexpr int kPkSelects = 10'000;

std::vector<NewRow> make_rows() {
  std::vector<NewRow> rows;
  rows.reserve(kInsertRows);
  for (int i = 1; i <= kInsertRows; ++i)
    rows.emplace_back("name " + std::to_string(i),
                      "a description of row " + std::to_string(i) + " with some text");
  return rows;
}

// "INSERT INTO t (name, description) VALUES ($1, $2), ... RETURNING id" for kBatch rows.
std::string multirow_insert_sql(const std::string& table) {
  std::string sql = "INSERT INTO " + table + " (name, description) VALUES ";
  for (int i = 0; i < kBatch; ++i) {
    if (i) sql += ", ";
    sql += "($" + std::to_string(2 * i + 1) + ", $" + std::to_string(2 * i + 2) + ")";
  }
  return sql + " RETURNING id";
}

// ---- raw libpq ----------------------------------------------------------------------------------

using bench::pg::to_int;

struct Raw : bench::pg::Connection {
  std::string table;
  Raw(const std::string& url, std::string t) : Connection(url), table(std::move(t)) {}
};

void raw_insert(const Raw& raw, const std::vector<NewRow>& rows) {
  raw.exec("BEGIN");
  const auto n = bench::pg::pipeline(raw, "insert_one", kInsertRows, 2, [&](int i, const char** v) {
    const auto& [name, description] = rows[static_cast<std::size_t>(i)];
    v[0] = name.c_str();
    v[1] = description.c_str();
  });
  raw.exec("COMMIT");
  if (n != kInsertRows) raw.fail("insert count");
}

std::vector<std::int64_t> raw_insert_returning(const Raw& raw, const std::vector<NewRow>& rows) {
  std::vector<std::int64_t> ids;
  ids.reserve(kInsertRows);
  std::vector<const char*> values(2 * kBatch);
  raw.exec("BEGIN");
  for (int start = 0; start < kInsertRows; start += kBatch) {
    for (int i = 0; i < kBatch; ++i) {
      const auto& [name, description] = rows[static_cast<std::size_t>(start + i)];
      values[2 * static_cast<std::size_t>(i)] = name.c_str();
      values[2 * static_cast<std::size_t>(i) + 1] = description.c_str();
    }
    PGresult* r = PQexecPrepared(raw.conn, "insert_batch", 2 * kBatch, values.data(), nullptr, nullptr, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) raw.fail("insert");
    for (int i = 0, n = PQntuples(r); i < n; ++i) ids.push_back(to_int(PQgetvalue(r, i, 0)));
    PQclear(r);
  }
  raw.exec("COMMIT");
  return ids;
}

void raw_update(const Raw& raw, int round) {
  const std::string suffix = " updated in round " + std::to_string(round);
  std::vector<std::string> texts(kUpdates), keys(kUpdates);
  for (int i = 0; i < kUpdates; ++i) {
    texts[static_cast<std::size_t>(i)] = "row " + std::to_string(i + 1) + suffix;
    keys[static_cast<std::size_t>(i)] = std::to_string(i + 1);
  }
  raw.exec("BEGIN");
  const auto n = bench::pg::pipeline(raw, "update_one", kUpdates, 2, [&](int i, const char** v) {
    v[0] = texts[static_cast<std::size_t>(i)].c_str();
    v[1] = keys[static_cast<std::size_t>(i)].c_str();
  });
  raw.exec("COMMIT");
  if (n != kUpdates) raw.fail("update count");
}

RowTuple raw_row(PGresult* r, int i) {
  return {to_int(PQgetvalue(r, i, 0)),
          std::string(PQgetvalue(r, i, 1), static_cast<std::size_t>(PQgetlength(r, i, 1))),
          std::string(PQgetvalue(r, i, 2), static_cast<std::size_t>(PQgetlength(r, i, 2)))};
}

std::vector<RowTuple> raw_select(const Raw& raw) {
  std::vector<RowTuple> out;
  PGresult* r = PQexec(raw.conn, ("SELECT id, name, description FROM " + raw.table).c_str());
  if (PQresultStatus(r) != PGRES_TUPLES_OK) raw.fail("select");
  const int n = PQntuples(r);
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) out.push_back(raw_row(r, i));
  PQclear(r);
  return out;
}

std::int64_t raw_pk_select(const Raw& raw) {
  std::int64_t checksum = 0;
  raw.exec("BEGIN");
  for (int i = 0; i < kPkSelects; ++i) {
    const std::string id = std::to_string((i * 7919) % kInsertRows + 1);
    const char* values[] = {id.c_str()};
    PGresult* r = PQexecPrepared(raw.conn, "by_id", 1, values, nullptr, nullptr, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) raw.fail("pk select");
    const RowTuple row = raw_row(r, 0);
    checksum += std::get<0>(row) + static_cast<std::int64_t>(std::get<1>(row).size());
    PQclear(r);
  }
  raw.exec("COMMIT");
  return checksum;
}

// ---- Crucible -----------------------------------------------------------------------------------

struct Schema {
  crucible::MetaData metadata;
  crucible::Table& items;
  explicit Schema(const std::string& name)
      : items(metadata.table(name, crucible::Column("id", crucible::BigInteger()).primary_key(),
                             crucible::Column("name", crucible::String(100)).nullable(false),
                             crucible::Column("description", crucible::Text()))) {}
  crucible::Expr<std::int64_t> id() const { return items.c<std::int64_t>("id"); }
  crucible::Expr<std::string> name() const { return items.c<std::string>("name"); }
  crucible::Expr<std::string> description() const { return items.c<std::string>("description"); }
};

void crucible_insert(crucible::Engine& engine, const Schema& schema, const std::vector<NewRow>& rows) {
  auto conn = engine.connect();
  auto tx = conn.begin();
  const auto n = conn.execute_many(crucible::insert(schema.items).columns(schema.name(), schema.description()), rows)
                     .rows_affected();
  tx.commit();
  if (n != kInsertRows) std::exit(1);
}

std::vector<std::int64_t> crucible_insert_returning(crucible::Engine& engine, const Schema& schema,
                                                    const std::vector<NewRow>& rows) {
  auto conn = engine.connect();
  auto tx = conn.begin();
  auto ids = conn.execute_many(crucible::insert(schema.items)
                                   .columns(schema.name(), schema.description())
                                   .returning(schema.id()),
                               rows)
                 .scalars<std::int64_t>();
  tx.commit();
  return ids;
}

void crucible_update(crucible::Engine& engine, const Schema& schema, int round) {
  const std::string suffix = " updated in round " + std::to_string(round);
  std::vector<std::tuple<std::string, std::int64_t>> sets;
  sets.reserve(kUpdates);
  for (std::int64_t i = 1; i <= kUpdates; ++i) sets.emplace_back("row " + std::to_string(i) + suffix, i);
  auto conn = engine.connect();
  auto tx = conn.begin();
  const auto stmt = crucible::update(schema.items)
                        .values(crucible::set(schema.description(), crucible::bindparam<std::string>("d")))
                        .where(schema.id() == crucible::bindparam<std::int64_t>("k"));
  const auto n = conn.execute_many(stmt, sets).rows_affected();
  tx.commit();
  if (n != kUpdates) {
    std::fprintf(stderr, "crucible update: %lld rows matched, expected %d\n", static_cast<long long>(n), kUpdates);
    std::exit(1);
  }
}

std::vector<RowTuple> crucible_select(crucible::Engine& engine, const Schema& schema) {
  auto conn = engine.connect();
  auto out = conn.execute(crucible::select(schema.id(), schema.name(), schema.description()))
                 .as<std::int64_t, std::string, std::string>()
                 .all();
  conn.rollback();
  return out;
}

std::int64_t crucible_pk_select(crucible::Engine& engine, const Schema& schema) {
  auto conn = engine.connect();
  const auto by_id = crucible::select(schema.id(), schema.name(), schema.description())
                         .where(schema.id() == crucible::bindparam<std::int64_t>("id"));
  std::int64_t checksum = 0;
  auto tx = conn.begin();
  crucible::Params params{{"id", 0}};
  for (int i = 0; i < kPkSelects; ++i) {
    params.set("id", (i * 7919) % kInsertRows + 1);
    auto row = conn.execute(by_id, params).one().as<std::int64_t, std::string, std::string>();
    checksum += std::get<0>(row) + static_cast<std::int64_t>(std::get<1>(row).size());
  }
  tx.commit();
  return checksum;
}

void check_ids(const std::vector<std::int64_t>& ids, int expected, const char* who) {
  if (static_cast<int>(ids.size()) != expected || ids.front() != 1 || ids.back() != expected) {
    std::fprintf(stderr, "%s: %zu keys returned, expected 1..%d\n", who, ids.size(), expected);
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const char* url = std::getenv("CRUCIBLE_TEST_POSTGRESQL_URL");
  if (!url || !*url) {
    std::printf("bench_core_postgresql: skipped, CRUCIBLE_TEST_POSTGRESQL_URL is not set "
                "(eval \"$(scripts/servers.sh start)\" starts a server)\n");
    return 0;
  }
  const int rounds = bench::parse_options(argc, argv, 7).rounds;

  const std::string suffix = std::to_string(::getpid());
  const std::string raw_table = "bench_items_raw_" + suffix;
  Schema schema("bench_items_crucible_" + suffix);
  auto engine = crucible::create_engine(url);
  Raw raw(url, raw_table);
  const std::string columns = " (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
                              "name varchar(100) NOT NULL, description text)";
  raw.exec("CREATE TABLE " + raw_table + columns);
  raw.exec("CREATE TABLE " + schema.items.name() + columns);
  raw.prepare("insert_one", "INSERT INTO " + raw_table + " (name, description) VALUES ($1, $2)");
  raw.prepare("insert_batch", multirow_insert_sql(raw_table));
  raw.prepare("update_one", "UPDATE " + raw_table + " SET description = $1 WHERE id = $2");
  raw.prepare("by_id", "SELECT id, name, description FROM " + raw_table + " WHERE id = $1");
  const auto truncate = [&] {
    raw.exec("TRUNCATE " + raw_table + ", " + schema.items.name() + " RESTART IDENTITY");
  };

  const auto rows = make_rows();
  bench::Rounds insert;
  for (int r = 0; r < rounds; ++r) {
    truncate();
    insert.raw(bench::time_ms([&] { raw_insert(raw, rows); }));
    insert.ours(bench::time_ms([&] { crucible_insert(engine, schema, rows); }));
  }
  bench::report("core_insert", "postgresql", kInsertRows, insert);

  bench::Rounds returning;
  for (int r = 0; r < rounds; ++r) {
    truncate();
    std::vector<std::int64_t> raw_ids, our_ids;
    returning.raw(bench::time_ms([&] { raw_ids = raw_insert_returning(raw, rows); }));
    returning.ours(bench::time_ms([&] { our_ids = crucible_insert_returning(engine, schema, rows); }));
    check_ids(raw_ids, kInsertRows, "raw");
    check_ids(our_ids, kInsertRows, "crucible");
  }
  bench::report("core_insert_returning", "postgresql", kInsertRows, returning);
  raw.exec("ANALYZE " + raw_table + ", " + schema.items.name());

  bench::Rounds updates;
  for (int r = 0; r < rounds; ++r) {
    updates.raw(bench::time_ms([&] { raw_update(raw, r); }));
    updates.ours(bench::time_ms([&] { crucible_update(engine, schema, r); }));
  }
  bench::report("core_update", "postgresql", kUpdates, updates);

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
  bench::report("core_select", "postgresql", kInsertRows, scan);

  bench::Rounds lookups;
  for (int r = 0; r < rounds; ++r) {
    std::int64_t raw_sum = 0, our_sum = 0;
    lookups.raw(bench::time_ms([&] { raw_sum = raw_pk_select(raw); }));
    lookups.ours(bench::time_ms([&] { our_sum = crucible_pk_select(engine, schema); }));
    if (raw_sum != our_sum) {
      std::fprintf(stderr, "checksum mismatch: raw %lld, crucible %lld\n", static_cast<long long>(raw_sum),
                   static_cast<long long>(our_sum));
      return 1;
    }
  }
  bench::report("core_pk_select", "postgresql", kPkSelects, lookups);

  engine.dispose();
  raw.exec("DROP TABLE " + raw_table + ", " + schema.items.name());
  return 0;
}

#else  // built without libpq

int main() {
  std::printf("bench_core_postgresql: skipped, this build has no PostgreSQL backend (libpq-dev)\n");
  return 0;
}

#endif
