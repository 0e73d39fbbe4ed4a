// SPDX-License-Identifier: MIT
//
// Core on PostgreSQL against raw libpq, in the same process, on the server named by
// CRUCIBLE_TEST_POSTGRESQL_URL (scripts/servers.sh starts one). Without it the program says so
// and exits 0. Prints one line per workload:
//   BENCH workload=<name> backend=postgresql rows=<n> crucible_ms=<t> raw_ms=<t> ratio=<c/r>
// Each side runs several rounds, alternating; the best round counts.
//
//   core_insert              100,000 rows, keys returned. Raw: the fastest libpq technique for
//                            that result, a prepared multi-row INSERT ... VALUES of 1,000 rows
//                            RETURNING id. Crucible: the same statement through the engine
//                            (a compiled statement executed with 2,000 positional values), i.e.
//                            what an engine-side "insert many values" batching would cost.
//   core_insert_execute_many 10,000 rows through Connection::execute_many as it is today (one
//                            round trip per row, no keys) against the raw multi-row technique.
//   core_select              100,000 rows into tuples.
//   core_pk_select           10,000 selects by primary key, one transaction.
//
// Usage: bench_core_postgresql [--rounds N]
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "crucible/crucible.hpp"

#if CRUCIBLE_HAVE_POSTGRESQL
#include <libpq-fe.h>
#include <unistd.h>

namespace {

using Clock = std::chrono::steady_clock;
using RowTuple = std::tuple<std::int64_t, std::string, std::string>;
using NewRow = std::tuple<std::string, std::string>;

constexpr int kInsertRows = 100'000;
constexpr int kManyRows = 10'000;
constexpr int kBatch = 1'000;
constexpr int kPkSelects = 10'000;

double time_ms(const std::function<void()>& fn) {
  const auto start = Clock::now();
  fn();
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

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

std::int64_t to_int(const char* text) {
  std::int64_t v = 0;
  std::from_chars(text, text + std::char_traits<char>::length(text), v);
  return v;
}

// ---- raw libpq ----------------------------------------------------------------------------------

struct Raw {
  PGconn* conn;
  std::string table;
  explicit Raw(const std::string& url, std::string t) : conn(PQconnectdb(url.c_str())), table(std::move(t)) {
    if (PQstatus(conn) != CONNECTION_OK) fail("connect");
  }
  ~Raw() { PQfinish(conn); }
  [[noreturn]] void fail(const char* what) const {
    std::fprintf(stderr, "raw libpq %s failed: %s\n", what, PQerrorMessage(conn));
    std::exit(1);
  }
  void exec(const std::string& sql) const {
    PGresult* r = PQexec(conn, sql.c_str());
    const auto st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail(sql.c_str());
    PQclear(r);
  }
  void prepare(const char* name, const std::string& sql) const {
    PGresult* r = PQprepare(conn, name, sql.c_str(), 0, nullptr);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) fail("prepare");
    PQclear(r);
  }
};

std::vector<std::int64_t> raw_insert(const Raw& raw, const std::vector<NewRow>& rows, int count) {
  std::vector<std::int64_t> ids;
  ids.reserve(static_cast<std::size_t>(count));
  std::vector<const char*> values(2 * kBatch);
  raw.exec("BEGIN");
  for (int start = 0; start < count; start += kBatch) {
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
};

// The multi-row statement as the engine would compile it: every placeholder a positional value.
crucible::sql::CompiledPtr multirow_compiled(const std::string& table) {
  auto c = std::make_shared<crucible::sql::CompiledStatement>();
  c->sql = multirow_insert_sql(table);
  for (int i = 0; i < 2 * kBatch; ++i) c->binds.push_back({"", i, crucible::NullType()});
  c->result_names = {"id"};
  c->result_types = {crucible::BigInteger()};
  c->kind = crucible::sql::StatementKind::insert;
  c->returns_rows = true;
  return c;
}

std::vector<std::int64_t> crucible_insert(crucible::Engine& engine, const crucible::sql::CompiledPtr& stmt,
                                          const std::vector<NewRow>& rows) {
  std::vector<std::int64_t> ids;
  ids.reserve(kInsertRows);
  std::vector<crucible::Value> values(2 * kBatch);
  auto conn = engine.connect();
  auto tx = conn.begin();
  for (int start = 0; start < kInsertRows; start += kBatch) {
    for (int i = 0; i < kBatch; ++i) {
      const auto& [name, description] = rows[static_cast<std::size_t>(start + i)];
      values[2 * static_cast<std::size_t>(i)] = crucible::Value(name);
      values[2 * static_cast<std::size_t>(i) + 1] = crucible::Value(description);
    }
    for (const crucible::Row& row : conn.execute(stmt, {}, values)) ids.push_back(row.get<std::int64_t>(0));
  }
  tx.commit();
  return ids;
}

void crucible_execute_many(crucible::Engine& engine, const Schema& schema, const std::vector<NewRow>& rows) {
  auto conn = engine.connect();
  auto tx = conn.begin();
  const auto name = schema.items.c<std::string>("name");
  const auto description = schema.items.c<std::string>("description");
  const std::vector<NewRow> head(rows.begin(), rows.begin() + kManyRows);
  conn.execute_many(crucible::insert(schema.items).columns(name, description), head);
  tx.commit();
}

std::vector<RowTuple> crucible_select(crucible::Engine& engine, const Schema& schema) {
  auto conn = engine.connect();
  const auto id = schema.items.c<std::int64_t>("id");
  const auto name = schema.items.c<std::string>("name");
  const auto description = schema.items.c<std::string>("description");
  std::vector<RowTuple> out;
  for (auto&& row : conn.execute(crucible::select(id, name, description)).as<std::int64_t, std::string, std::string>())
    out.push_back(std::move(row));
  conn.rollback();
  return out;
}

std::int64_t crucible_pk_select(crucible::Engine& engine, const Schema& schema) {
  auto conn = engine.connect();
  const auto id = schema.items.c<std::int64_t>("id");
  const auto name = schema.items.c<std::string>("name");
  const auto description = schema.items.c<std::string>("description");
  const auto by_id = crucible::select(id, name, description).where(id == crucible::bindparam<std::int64_t>("id"));
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

void report(const char* workload, int rows, double ours, double raw) {
  std::printf("BENCH workload=%s backend=postgresql rows=%d crucible_ms=%.2f raw_ms=%.2f ratio=%.3f\n", workload,
              rows, ours, raw, ours / raw);
  std::fflush(stdout);
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
  int rounds = 5;
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::string_view(argv[i]) == "--rounds") rounds = std::max(1, std::atoi(argv[i + 1]));

  const std::string suffix = std::to_string(::getpid());
  const std::string raw_table = "bench_items_raw_" + suffix;
  Schema schema("bench_items_crucible_" + suffix);
  auto engine = crucible::create_engine(url);
  Raw raw(url, raw_table);
  const std::string columns = " (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
                              "name varchar(100) NOT NULL, description text)";
  raw.exec("CREATE TABLE " + raw_table + columns);
  raw.exec("CREATE TABLE " + schema.items.name() + columns);
  raw.prepare("insert_batch", multirow_insert_sql(raw_table));
  raw.prepare("by_id", "SELECT id, name, description FROM " + raw_table + " WHERE id = $1");
  const auto truncate = [&] {
    raw.exec("TRUNCATE " + raw_table + ", " + schema.items.name() + " RESTART IDENTITY");
  };

  const auto rows = make_rows();
  const auto stmt = multirow_compiled(schema.items.name());
  double best_ours = 1e300, best_raw = 1e300;
  for (int r = 0; r < rounds; ++r) {
    truncate();
    std::vector<std::int64_t> raw_ids, our_ids;
    best_raw = std::min(best_raw, time_ms([&] { raw_ids = raw_insert(raw, rows, kInsertRows); }));
    best_ours = std::min(best_ours, time_ms([&] { our_ids = crucible_insert(engine, stmt, rows); }));
    check_ids(raw_ids, kInsertRows, "raw");
    check_ids(our_ids, kInsertRows, "crucible");
  }
  report("core_insert", kInsertRows, best_ours, best_raw);

  best_ours = best_raw = 1e300;
  for (int r = 0; r < std::min(rounds, 3); ++r) {
    truncate();
    best_raw = std::min(best_raw, time_ms([&] { raw_insert(raw, rows, kManyRows); }));
    best_ours = std::min(best_ours, time_ms([&] { crucible_execute_many(engine, schema, rows); }));
  }
  report("core_insert_execute_many", kManyRows, best_ours, best_raw);

  truncate();  // the read workloads need the full tables again
  raw_insert(raw, rows, kInsertRows);
  crucible_insert(engine, stmt, rows);
  raw.exec("ANALYZE " + raw_table + ", " + schema.items.name());

  best_ours = best_raw = 1e300;
  for (int r = 0; r < rounds; ++r) {
    std::size_t raw_count = 0, our_count = 0;
    best_raw = std::min(best_raw, time_ms([&] { raw_count = raw_select(raw).size(); }));
    best_ours = std::min(best_ours, time_ms([&] { our_count = crucible_select(engine, schema).size(); }));
    if (raw_count != kInsertRows || our_count != kInsertRows) {
      std::fprintf(stderr, "row count mismatch: raw %zu, crucible %zu\n", raw_count, our_count);
      return 1;
    }
  }
  report("core_select", kInsertRows, best_ours, best_raw);

  best_ours = best_raw = 1e300;
  for (int r = 0; r < rounds; ++r) {
    std::int64_t raw_sum = 0, our_sum = 0;
    best_raw = std::min(best_raw, time_ms([&] { raw_sum = raw_pk_select(raw); }));
    best_ours = std::min(best_ours, time_ms([&] { our_sum = crucible_pk_select(engine, schema); }));
    if (raw_sum != our_sum) {
      std::fprintf(stderr, "checksum mismatch: raw %lld, crucible %lld\n", static_cast<long long>(raw_sum),
                   static_cast<long long>(our_sum));
      return 1;
    }
  }
  report("core_pk_select", kPkSelects, best_ours, best_raw);

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
