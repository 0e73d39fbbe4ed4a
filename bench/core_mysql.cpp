// SPDX-License-Identifier: MIT
//
// Core on MariaDB against raw libmariadb, in the same process, on the server named by
// CRUCIBLE_TEST_MYSQL_URL (scripts/servers.sh starts one). Without it the program says so and
// exits 0. Prints one line per workload:
//   BENCH workload=<name> backend=mariadb rows=<n> crucible_ms=<t> raw_ms=<t> ratio=<c/r>
// and a NOTE line comparing raw techniques. 7 rounds, each timing raw then ours; the medians
// count (see bench_support.hpp). Against the fastest raw libmariadb technique for the same
// result:
//
//   core_insert            100,000 rows, no keys back: Connection::execute_many of
//                          insert(items).columns(name, description) in one transaction (the
//                          engine array-binds it). Raw: array binding (STMT_ATTR_ARRAY_SIZE, one
//                          COM_STMT_BULK_EXECUTE per 10,000 rows).
//   core_insert_returning  100,000 rows, keys back: the same execute_many with .returning(id)
//                          (the engine sends multi-row INSERT ... RETURNING batches). Raw: a
//                          prepared 1,000-row INSERT ... VALUES ... RETURNING id.
//   core_update            10,000 UPDATEs by key through execute_many. Raw: the UPDATE
//                          array-bound, one bulk execution.
//   core_select            100,000 rows into tuples (both sides store the result client-side).
//   core_pk_select         10,000 selects by primary key, one round trip each, one transaction.
//
// Usage: bench_core_mysql [--rounds N]
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "bench_support.hpp"
#include "crucible/crucible.hpp"

#if CRUCIBLE_HAVE_MYSQL
#include <unistd.h>

#include "raw_mysql.hpp"

namespace {

using RowTuple = std::tuple<std::int64_t, std::string, std::string>;
using NewRow = std::tuple<std::string, std::string>;

constexpr int kInsertRows = 100'000;
constexpr int kBatch = 1'000;        // rows per multi-row INSERT
constexpr int kArrayBatch = 10'000;  // rows per bulk execute
constexpr int kUpdates = 10'000;
constexpr int kPkSelects = 10'000;

std::vector<NewRow> make_rows() {
  std::vector<NewRow> rows;
  rows.reserve(kInsertRows);
  for (int i = 1; i <= kInsertRows; ++i)
    rows.emplace_back("name " + std::to_string(i), "a description of row " + std::to_string(i) + " with some text");
  return rows;
}

std::string multirow_insert_sql(const std::string& table) {
  std::string sql = "INSERT INTO " + table + " (name, description) VALUES ";
  for (int i = 0; i < kBatch; ++i) sql += i ? ", (?, ?)" : "(?, ?)";
  return sql + " RETURNING id";
}

// ---- raw libmariadb -------------------------------------------------------------------------

using bench::my::string_bind;

struct Raw : bench::my::Connection {
  std::string table;
  Raw(const crucible::Url& url, std::string t) : Connection(url), table(std::move(t)) {}
};

void raw_array_insert(const Raw& raw, const std::vector<NewRow>& rows) {
  MYSQL_STMT* s = raw.prepare("INSERT INTO " + raw.table + " (name, description) VALUES (?, ?)");
  std::vector<const char*> names(kArrayBatch), descriptions(kArrayBatch);
  std::vector<unsigned long> name_lengths(kArrayBatch), description_lengths(kArrayBatch);
  MYSQL_BIND binds[2] = {string_bind(), string_bind()};
  binds[0].buffer = names.data();
  binds[0].length = name_lengths.data();
  binds[1].buffer = descriptions.data();
  binds[1].length = description_lengths.data();
  for (int start = 0; start < kInsertRows; start += kArrayBatch) {
    for (int i = 0; i < kArrayBatch; ++i) {
      const auto& [name, description] = rows[static_cast<std::size_t>(start + i)];
      names[static_cast<std::size_t>(i)] = name.data();
      name_lengths[static_cast<std::size_t>(i)] = name.size();
      descriptions[static_cast<std::size_t>(i)] = description.data();
      description_lengths[static_cast<std::size_t>(i)] = description.size();
    }
    unsigned int size = kArrayBatch;
    mysql_stmt_attr_set(s, STMT_ATTR_ARRAY_SIZE, &size);
    raw.check(s, mysql_stmt_bind_param(s, binds));
    raw.check(s, mysql_stmt_execute(s));
  }
  mysql_stmt_close(s);
  raw.exec("COMMIT");
}

void raw_update(const Raw& raw, int round) {
  const std::string suffix = " updated in round " + std::to_string(round);
  std::vector<std::string> texts(kUpdates);
  std::vector<const char*> text_ptrs(kUpdates);
  std::vector<unsigned long> lengths(kUpdates);
  std::vector<std::int64_t> keys(kUpdates);
  for (int i = 0; i < kUpdates; ++i) {
    const auto k = static_cast<std::size_t>(i);
    texts[k] = "row " + std::to_string(i + 1) + suffix;
    text_ptrs[k] = texts[k].data();
    lengths[k] = texts[k].size();
    keys[k] = i + 1;
  }
  MYSQL_STMT* s = raw.prepare("UPDATE " + raw.table + " SET description = ? WHERE id = ?");
  MYSQL_BIND binds[2] = {string_bind(), MYSQL_BIND{}};
  binds[0].buffer = text_ptrs.data();
  binds[0].length = lengths.data();
  binds[1].buffer_type = MYSQL_TYPE_LONGLONG;
  binds[1].buffer = keys.data();
  unsigned int size = kUpdates;
  mysql_stmt_attr_set(s, STMT_ATTR_ARRAY_SIZE, &size);
  raw.check(s, mysql_stmt_bind_param(s, binds));
  raw.check(s, mysql_stmt_execute(s));
  if (mysql_stmt_affected_rows(s) != static_cast<unsigned long long>(kUpdates)) raw.fail("update count");
  mysql_stmt_close(s);
  raw.exec("COMMIT");
}

std::vector<std::int64_t> raw_multirow_insert(const Raw& raw, const std::vector<NewRow>& rows) {
  std::vector<std::int64_t> ids;
  ids.reserve(kInsertRows);
  MYSQL_STMT* s = raw.prepare(multirow_insert_sql(raw.table));
  std::vector<MYSQL_BIND> binds(2 * kBatch, string_bind());
  std::int64_t id = 0;
  MYSQL_BIND out{};
  out.buffer_type = MYSQL_TYPE_LONGLONG;
  out.buffer = &id;
  for (int start = 0; start < kInsertRows; start += kBatch) {
    for (int i = 0; i < kBatch; ++i) {
      const auto& [name, description] = rows[static_cast<std::size_t>(start + i)];
      MYSQL_BIND& n = binds[2 * static_cast<std::size_t>(i)];
      MYSQL_BIND& d = binds[2 * static_cast<std::size_t>(i) + 1];
      n.buffer = const_cast<char*>(name.data());
      n.buffer_length = static_cast<unsigned long>(name.size());
      d.buffer = const_cast<char*>(description.data());
      d.buffer_length = static_cast<unsigned long>(description.size());
    }
    raw.check(s, mysql_stmt_bind_param(s, binds.data()));
    raw.check(s, mysql_stmt_execute(s));
    raw.check(s, mysql_stmt_store_result(s));
    raw.check(s, mysql_stmt_bind_result(s, &out));
    while (mysql_stmt_fetch(s) == 0) ids.push_back(id);
    mysql_stmt_free_result(s);
  }
  mysql_stmt_close(s);
  raw.exec("COMMIT");
  return ids;
}

// Output binds for (id, name, description) into fixed buffers, as a careful C program would.
struct RawRow {
  std::int64_t id = 0;
  char name[512], description[1024];
  unsigned long lengths[3] = {};
  MYSQL_BIND binds[3] = {};
  RawRow() {
    binds[0].buffer_type = MYSQL_TYPE_LONGLONG;
    binds[0].buffer = &id;
    binds[1].buffer_type = binds[2].buffer_type = MYSQL_TYPE_STRING;
    binds[1].buffer = name;
    binds[1].buffer_length = sizeof name;
    binds[2].buffer = description;
    binds[2].buffer_length = sizeof description;
    for (int i = 0; i < 3; ++i) binds[i].length = &lengths[i];
  }
  RowTuple tuple() const { return {id, std::string(name, lengths[1]), std::string(description, lengths[2])}; }
};

std::vector<RowTuple> raw_select(const Raw& raw, bool store) {
  std::vector<RowTuple> out;
  MYSQL_STMT* s = raw.prepare("SELECT id, name, description FROM " + raw.table);
  RawRow row;
  raw.check(s, mysql_stmt_execute(s));
  if (store) raw.check(s, mysql_stmt_store_result(s));
  raw.check(s, mysql_stmt_bind_result(s, row.binds));
  while (mysql_stmt_fetch(s) == 0) out.push_back(row.tuple());
  mysql_stmt_close(s);
  raw.exec("ROLLBACK");
  return out;
}

std::int64_t raw_pk_select(const Raw& raw) {
  std::int64_t checksum = 0;
  MYSQL_STMT* s = raw.prepare("SELECT id, name, description FROM " + raw.table + " WHERE id = ?");
  std::int64_t key = 0;
  MYSQL_BIND param{};
  param.buffer_type = MYSQL_TYPE_LONGLONG;
  param.buffer = &key;
  raw.check(s, mysql_stmt_bind_param(s, &param));
  RawRow row;
  for (int i = 0; i < kPkSelects; ++i) {
    key = (i * 7919) % kInsertRows + 1;
    raw.check(s, mysql_stmt_execute(s));
    raw.check(s, mysql_stmt_store_result(s));
    raw.check(s, mysql_stmt_bind_result(s, row.binds));
    if (mysql_stmt_fetch(s) != 0) raw.fail("pk select");
    const RowTuple t = row.tuple();
    checksum += std::get<0>(t) + static_cast<std::int64_t>(std::get<1>(t).size());
    mysql_stmt_free_result(s);
  }
  mysql_stmt_close(s);
  raw.exec("COMMIT");
  return checksum;
}

// ---- Crucible -------------------------------------------------------------------------------

struct Schema {
  crucible::MetaData metadata;
  crucible::Table& items;
  explicit Schema(const std::string& name)
      : items(metadata.table(name, crucible::Column("id", crucible::BigInteger()).primary_key(),
                             crucible::Column("name", crucible::String(100)).nullable(false),
                             crucible::Column("description", crucible::Text()))) {}
};

void crucible_insert(crucible::Engine& engine, const Schema& schema, const std::vector<NewRow>& rows) {
  auto conn = engine.connect();
  auto tx = conn.begin();
  const auto name = schema.items.c<std::string>("name");
  const auto description = schema.items.c<std::string>("description");
  const auto n = conn.execute_many(crucible::insert(schema.items).columns(name, description), rows).rows_affected();
  tx.commit();
  if (n != kInsertRows) std::exit(1);
}

std::vector<std::int64_t> crucible_insert_returning(crucible::Engine& engine, const Schema& schema,
                                                    const std::vector<NewRow>& rows) {
  auto conn = engine.connect();
  auto tx = conn.begin();
  const auto id = schema.items.c<std::int64_t>("id");
  const auto name = schema.items.c<std::string>("name");
  const auto description = schema.items.c<std::string>("description");
  auto ids = conn.execute_many(crucible::insert(schema.items).columns(name, description).returning(id), rows)
                 .scalars<std::int64_t>();
  tx.commit();
  return ids;
}

void crucible_update(crucible::Engine& engine, const Schema& schema, int round) {
  const std::string suffix = " updated in round " + std::to_string(round);
  std::vector<std::tuple<std::string, std::int64_t>> sets;
  sets.reserve(kUpdates);
  for (std::int64_t i = 1; i <= kUpdates; ++i) sets.emplace_back("row " + std::to_string(i) + suffix, i);
  const auto id = schema.items.c<std::int64_t>("id");
  const auto description = schema.items.c<std::string>("description");
  auto conn = engine.connect();
  auto tx = conn.begin();
  const auto n = conn.execute_many(crucible::update(schema.items)
                                       .values(crucible::set(description, crucible::bindparam<std::string>("d")))
                                       .where(id == crucible::bindparam<std::int64_t>("k")),
                                   sets)
                     .rows_affected();
  tx.commit();
  if (n != kUpdates) {
    std::fprintf(stderr, "crucible update: %lld rows matched, expected %d\n", static_cast<long long>(n), kUpdates);
    std::exit(1);
  }
}

std::vector<RowTuple> crucible_select(crucible::Engine& engine, const Schema& schema) {
  auto conn = engine.connect();
  const auto id = schema.items.c<std::int64_t>("id");
  const auto name = schema.items.c<std::string>("name");
  const auto description = schema.items.c<std::string>("description");
  auto out = conn.execute(crucible::select(id, name, description)).as<std::int64_t, std::string, std::string>().all();
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

void check_ids(const std::vector<std::int64_t>& ids, const char* who) {
  if (static_cast<int>(ids.size()) != kInsertRows || ids.back() - ids.front() != kInsertRows - 1) {
    std::fprintf(stderr, "%s: %zu keys returned, expected %d consecutive\n", who, ids.size(), kInsertRows);
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const char* url_text = std::getenv("CRUCIBLE_TEST_MYSQL_URL");
  if (!url_text || !*url_text) {
    std::printf("bench_core_mysql: skipped, CRUCIBLE_TEST_MYSQL_URL is not set "
                "(eval \"$(CRUCIBLE_TEST_SERVERS=mysql scripts/servers.sh start)\" starts a server)\n");
    return 0;
  }
  const int rounds = bench::parse_options(argc, argv, 7).rounds;

  const auto url = crucible::Url::parse(url_text);
  const std::string suffix = std::to_string(::getpid());
  Raw raw(url, "bench_raw_items_" + suffix);
  Schema schema("bench_crucible_items_" + suffix);
  auto engine = crucible::create_engine(url_text);
  for (const auto& t : {raw.table, schema.items.name()}) raw.exec("DROP TABLE IF EXISTS " + t);
  raw.exec("CREATE TABLE " + raw.table +
           " (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL, description TEXT)"
           " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
  raw.exec("CREATE TABLE " + schema.items.name() +
           " (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL, description TEXT)"
           " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
  const auto truncate = [&] {
    raw.exec("TRUNCATE TABLE " + raw.table);
    raw.exec("TRUNCATE TABLE " + schema.items.name());
  };
  const auto rows = make_rows();

  bench::Rounds insert;
  for (int r = 0; r < rounds; ++r) {
    truncate();
    insert.raw(bench::time_ms([&] { raw_array_insert(raw, rows); }));
    insert.ours(bench::time_ms([&] { crucible_insert(engine, schema, rows); }));
  }
  bench::report("core_insert", "mariadb", kInsertRows, insert);

  // Last: the tables keep these rows, with keys 1..100,000, for the workloads below.
  bench::Rounds returning;
  for (int r = 0; r < rounds; ++r) {
    truncate();
    std::vector<std::int64_t> raw_ids, our_ids;
    returning.raw(bench::time_ms([&] { raw_ids = raw_multirow_insert(raw, rows); }));
    returning.ours(bench::time_ms([&] { our_ids = crucible_insert_returning(engine, schema, rows); }));
    check_ids(raw_ids, "raw");
    check_ids(our_ids, "crucible");
  }
  bench::report("core_insert_returning", "mariadb", kInsertRows, returning);

  bench::Rounds updates;
  for (int r = 0; r < rounds; ++r) {
    updates.raw(bench::time_ms([&] { raw_update(raw, r); }));
    updates.ours(bench::time_ms([&] { crucible_update(engine, schema, r); }));
  }
  bench::report("core_update", "mariadb", kUpdates, updates);

  bench::Rounds scan;
  std::vector<double> unbuffered;  // raw alone: store_result against an unbuffered fetch
  for (int r = 0; r < rounds; ++r) {
    std::size_t raw_count = 0, unbuffered_count = 0, our_count = 0;
    scan.raw(bench::time_ms([&] { raw_count = raw_select(raw, true).size(); }));
    unbuffered.push_back(bench::time_ms([&] { unbuffered_count = raw_select(raw, false).size(); }));
    scan.ours(bench::time_ms([&] { our_count = crucible_select(engine, schema).size(); }));
    if (raw_count != kInsertRows || unbuffered_count != kInsertRows || our_count != kInsertRows) {
      std::fprintf(stderr, "row count mismatch: raw %zu / %zu, crucible %zu\n", raw_count, unbuffered_count, our_count);
      return 1;
    }
  }
  bench::report("core_select", "mariadb", kInsertRows, scan);
  std::printf("NOTE raw select of %d rows: store_result %.2f ms, unbuffered fetch %.2f ms\n", kInsertRows,
              scan.raw_ms(), bench::median(unbuffered));

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
  bench::report("core_pk_select", "mariadb", kPkSelects, lookups);

  engine.dispose();
  raw.exec("DROP TABLE " + raw.table + ", " + schema.items.name());
  return 0;
}

#else

int main() {
  std::printf("bench_core_mysql: skipped, this build has no MariaDB backend (libmariadb-dev)\n");
  return 0;
}

#endif
