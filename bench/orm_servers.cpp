// SPDX-License-Identifier: MIT
//
// The ORM on PostgreSQL and MariaDB against the raw C client libraries, same process, on the
// servers named by CRUCIBLE_TEST_POSTGRESQL_URL and CRUCIBLE_TEST_MYSQL_URL (scripts/servers.sh
// starts them); a backend whose URL is unset is skipped with a message. Prints per backend:
//   BENCH workload=<name> backend=<postgresql|mariadb> rows=<n> crucible_ms=<t> raw_ms=<t> ratio=<c/r>
// Each round times raw then ours; the medians count (see bench_support.hpp). The model is
// orm_sqlite's Item.
// Against the fastest raw technique for the same result:
//
//   orm_insert  100,000 new objects, Session::add_all + commit, keys fetched into the objects.
//               Raw PostgreSQL: a prepared 1,000-row INSERT ... VALUES ... RETURNING id, one
//               batch at a time (the NOTE line times the same batches pipelined: no quicker,
//               the server's work dominates).
//               Raw MariaDB: a prepared 1,000-row INSERT ... VALUES, the keys counted up from
//               mysql_stmt_insert_id (consecutive for one multi-row INSERT under InnoDB's default
//               innodb_autoinc_lock_mode=1; every key is checked). The NOTE line times it against
//               the same INSERT ... RETURNING id, which costs the client more (the keys come
//               back as a result set) and the server no less.
//   orm_update  load 10,000 objects, change one field on each, commit. Raw: the same SELECT
//               into structs, then UPDATE ... SET score WHERE id pipelined (PostgreSQL, one
//               Sync) or array-bound (MariaDB, STMT_ATTR_ARRAY_SIZE, one execution).
//   orm_load    100,000 rows as objects (Session::query<Item>().all()). Raw: the rows into
//               structs; PostgreSQL one PQexec, MariaDB the text protocol (mysql_real_query +
//               mysql_store_result), which costs the client fewer instructions than a prepared
//               statement's binary rows or the same text rows streamed (mysql_use_result); the
//               NOTE line times all three.
//
// Usage: bench_orm_servers [--rounds N] [--backend postgresql|mariadb] [--workload NAME]
// (--backend and --workload run one of each, for profiling; the tables are filled regardless.)
#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bench_support.hpp"
#include "crucible/crucible.hpp"
#include "orm_item.hpp"

#if CRUCIBLE_HAVE_POSTGRESQL
#include "raw_postgresql.hpp"
#endif
#if CRUCIBLE_HAVE_MYSQL
#include "raw_mysql.hpp"
#endif


namespace {

using bench::Item;
constexpr int kRows = 100'000;
constexpr int kUpdates = 10'000;
constexpr int kBatch = 1'000;  // rows per raw multi-row INSERT
const char* const kOurs = "bench_orm_items";
const char* const kRaw = "bench_orm_items_raw";

// Both sides start from an empty table with its key counter reset: keys must come back 1..n.
template <typename Get>
void check_keys(const char* who, std::size_t n, Get&& key_of) {
  for (std::size_t i = 0; i < n; ++i)
    if (key_of(i) != static_cast<std::int64_t>(i + 1)) {
      std::fprintf(stderr, "%s: object %zu has key %lld, expected %zu\n", who, i, static_cast<long long>(key_of(i)),
                   i + 1);
      std::exit(1);
    }
}

// ---- Crucible (the same on both servers) --------------------------------------------------------

std::vector<std::shared_ptr<Item>> orm_insert(crucible::Engine& engine, std::vector<Item> items) {
  crucible::Session session(engine);
  auto handles = session.add_all(std::move(items));
  session.commit();
  return handles;
}

std::size_t orm_load(crucible::Engine& engine) {
  crucible::Session session(engine);
  return session.query<Item>().all().size();
}

void orm_update(crucible::Engine& engine) {
  crucible::Session session(engine);
  for (auto& item : session.query<Item>().where(crucible::col(&Item::id) <= kUpdates).all()) item->score += 1;
  session.commit();
}

// Runs the three workloads; `Raw` is the backend's raw side (insert / load / update / truncate /
// score_sum).
struct Selection {
  int rounds = 5;
  std::string backend, workload;  // empty: all
  bool backend_on(const char* name) const { return backend.empty() || backend == name; }
  bool workload_on(const char* name) const { return workload.empty() || workload == name; }
};

template <typename Raw>
void run(const char* backend, crucible::Engine& engine, Raw& raw, const Selection& selection) {
  const auto items = bench::make_items(kRows);
  const bool inserting = selection.workload_on("orm_insert");
  const int rounds = selection.rounds;

  bench::Rounds inserts;
  for (int r = 0; r < (inserting ? rounds : 1); ++r) {
    raw.truncate();
    auto raw_items = items;
    inserts.raw(bench::time_ms([&] { raw.insert(raw_items); }));
    auto our_items = items;  // copied outside the timing, moved into the session inside it
    std::vector<std::shared_ptr<Item>> inserted;
    inserts.ours(bench::time_ms([&] { inserted = orm_insert(engine, std::move(our_items)); }));
    check_keys("raw insert", raw_items.size(), [&](std::size_t i) { return raw_items[i].id; });
    check_keys("crucible insert", inserted.size(), [&](std::size_t i) { return inserted[i]->id; });
    if (inserted.size() != static_cast<std::size_t>(kRows)) std::exit(1);
  }
  if (inserting) {
    bench::report("orm_insert", backend, kRows, inserts);  // the tables keep the last round's rows
    if constexpr (requires { raw.notes(items); })
      if (selection.workload.empty()) raw.notes(items);
  }

  bench::Rounds updates;
  for (int r = 0; r < (selection.workload_on("orm_update") ? rounds : 0); ++r) {
    updates.raw(bench::time_ms([&] { raw.update(); }));
    updates.ours(bench::time_ms([&] { orm_update(engine); }));
    const auto a = raw.score_sum(kRaw), b = raw.score_sum(kOurs);
    if (a != b) {
      std::fprintf(stderr, "%s update: score sums differ (raw %lld, crucible %lld)\n", backend,
                   static_cast<long long>(a), static_cast<long long>(b));
      std::exit(1);
    }
  }
  if (selection.workload_on("orm_update")) bench::report("orm_update", backend, kUpdates, updates);

  bench::Rounds loads;
  for (int r = 0; r < (selection.workload_on("orm_load") ? rounds : 0); ++r) {
    std::size_t a = 0, b = 0;
    loads.raw(bench::time_ms([&] { a = raw.load().size(); }));
    loads.ours(bench::time_ms([&] { b = orm_load(engine); }));
    if (a != kRows || b != kRows) {
      std::fprintf(stderr, "%s load: %zu raw rows, %zu objects, expected %d\n", backend, a, b, kRows);
      std::exit(1);
    }
  }
  if (selection.workload_on("orm_load")) bench::report("orm_load", backend, kRows, loads);
}

// The mapped table through the engine, and the raw side's copy of its definition.
crucible::Engine prepare_engine(const char* url, const std::function<void(const std::string&)>& exec,
                                const std::string& copy_table) {
  exec(std::string("DROP TABLE IF EXISTS ") + kRaw);
  exec(std::string("DROP TABLE IF EXISTS ") + kOurs);
  auto engine = crucible::create_engine(url);
  crucible::create_all(engine, crucible::default_registry().metadata());
  exec(copy_table);
  return engine;
}

// ---- raw libpq ------------------------------------------------------------------------------------

#if CRUCIBLE_HAVE_POSTGRESQL

std::string pg_insert_sql() {
  std::string sql = std::string("INSERT INTO ") + kRaw + " (name, description, score) VALUES ";
  for (int i = 0; i < kBatch; ++i) {
    if (i) sql += ", ";
    sql += "($" + std::to_string(3 * i + 1) + ", $" + std::to_string(3 * i + 2) + ", $" + std::to_string(3 * i + 3) +
           ")";
  }
  return sql + " RETURNING id";
}

Item pg_item(PGresult* r, int i) {
  return Item{bench::pg::to_int(PQgetvalue(r, i, 0)),
              std::string(PQgetvalue(r, i, 1), static_cast<std::size_t>(PQgetlength(r, i, 1))),
              std::string(PQgetvalue(r, i, 2), static_cast<std::size_t>(PQgetlength(r, i, 2))),
              bench::pg::to_int(PQgetvalue(r, i, 3))};
}

struct PgRaw : bench::pg::Connection {
  explicit PgRaw(const std::string& url) : Connection(url) {}

  void setup() {
    prepare("insert_batch", pg_insert_sql());
    prepare("update_score", std::string("UPDATE ") + kRaw + " SET score = $1 WHERE id = $2");
  }
  void truncate() const { exec(std::string("TRUNCATE ") + kRaw + ", " + kOurs + " RESTART IDENTITY"); }

  // Keys come back in VALUES order: identity values of one INSERT ascend with its rows.
  void insert(std::vector<Item>& items) const {
    std::vector<const char*> values(3 * kBatch);
    std::vector<std::array<char, 24>> scores(kBatch);
    exec("BEGIN");
    for (std::size_t start = 0; start < items.size(); start += kBatch) {
      for (std::size_t i = 0; i < kBatch; ++i) {
        const Item& it = items[start + i];
        auto& text = scores[i];
        *std::to_chars(text.data(), text.data() + text.size() - 1, it.score).ptr = '\0';
        values[3 * i] = it.name.c_str();
        values[3 * i + 1] = it.description.c_str();
        values[3 * i + 2] = text.data();
      }
      PGresult* r = PQexecPrepared(conn, "insert_batch", 3 * kBatch, values.data(), nullptr, nullptr, 0);
      if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != kBatch) fail("insert");
      for (int i = 0; i < kBatch; ++i) items[start + static_cast<std::size_t>(i)].id = bench::pg::to_int(PQgetvalue(r, i, 0));
      PQclear(r);
    }
    exec("COMMIT");
  }

  // The same batches in pipeline mode: all sent before the first result is awaited.
  void insert_pipelined(std::vector<Item>& items) const {
    std::vector<std::array<char, 24>> scores(items.size());
    exec("BEGIN");
    const auto n = bench::pg::pipeline(
        *this, "insert_batch", kRows / kBatch, 3 * kBatch,
        [&](int batch, const char** v) {
          for (std::size_t i = 0; i < kBatch; ++i) {
            const std::size_t k = static_cast<std::size_t>(batch) * kBatch + i;
            *std::to_chars(scores[k].data(), scores[k].data() + 23, items[k].score).ptr = '\0';
            v[3 * i] = items[k].name.c_str();
            v[3 * i + 1] = items[k].description.c_str();
            v[3 * i + 2] = scores[k].data();
          }
        },
        [&](int batch, const PGresult* r) {
          for (int i = 0; i < PQntuples(r); ++i)
            items[static_cast<std::size_t>(batch) * kBatch + static_cast<std::size_t>(i)].id =
                bench::pg::to_int(PQgetvalue(r, i, 0));
        });
    exec("COMMIT");
    if (n != kRows) fail("pipelined insert count");
  }

  void notes(const std::vector<Item>& items) const {
    double sequential = 1e300, pipelined = 1e300;
    for (int r = 0; r < 3; ++r) {
      exec(std::string("TRUNCATE ") + kRaw + " RESTART IDENTITY");
      auto a = items;
      pipelined = std::min(pipelined, bench::time_ms([&] { insert_pipelined(a); }));
      check_keys("raw pipelined insert", a.size(), [&](std::size_t i) { return a[i].id; });
      exec(std::string("TRUNCATE ") + kRaw + " RESTART IDENTITY");
      auto b = items;
      sequential = std::min(sequential, bench::time_ms([&] { insert(b); }));
    }
    std::printf("NOTE raw postgresql insert of %d rows with keys: one batch at a time %.2f ms, pipelined %.2f ms\n",
                kRows, sequential, pipelined);
  }

  std::vector<Item> select(const std::string& sql) const {
    PGresult* r = PQexec(conn, sql.c_str());
    if (PQresultStatus(r) != PGRES_TUPLES_OK) fail("select");
    const int n = PQntuples(r);
    std::vector<Item> out;
    out.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) out.push_back(pg_item(r, i));
    PQclear(r);
    return out;
  }

  std::vector<Item> load() const { return select(std::string("SELECT id, name, description, score FROM ") + kRaw); }

  void update() const {
    exec("BEGIN");
    auto rows = select(std::string("SELECT id, name, description, score FROM ") + kRaw +
                       " WHERE id <= " + std::to_string(kUpdates));
    std::vector<std::array<char, 24>> texts(2 * rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      rows[i].score += 1;
      *std::to_chars(texts[2 * i].data(), texts[2 * i].data() + 23, rows[i].score).ptr = '\0';
      *std::to_chars(texts[2 * i + 1].data(), texts[2 * i + 1].data() + 23, rows[i].id).ptr = '\0';
    }
    const auto n = bench::pg::pipeline(*this, "update_score", static_cast<int>(rows.size()), 2,
                                       [&](int i, const char** v) {
                                         v[0] = texts[2 * static_cast<std::size_t>(i)].data();
                                         v[1] = texts[2 * static_cast<std::size_t>(i) + 1].data();
                                       });
    exec("COMMIT");
    if (n != kUpdates) fail("update count");
  }

  std::int64_t score_sum(const char* table) const {
    PGresult* r = PQexec(conn, (std::string("SELECT sum(score) FROM ") + table).c_str());
    if (PQresultStatus(r) != PGRES_TUPLES_OK) fail("sum");
    const auto sum = bench::pg::to_int(PQgetvalue(r, 0, 0));
    PQclear(r);
    return sum;
  }
};

void run_postgresql(const Selection& selection) {
  const char* url = std::getenv("CRUCIBLE_TEST_POSTGRESQL_URL");
  if (!url || !*url) {
    std::printf("bench_orm_servers: postgresql skipped, CRUCIBLE_TEST_POSTGRESQL_URL is not set "
                "(eval \"$(scripts/servers.sh start)\" starts a server)\n");
    return;
  }
  PgRaw raw(url);
  raw.exec("SET client_min_messages TO warning");  // no notice for DROP TABLE IF EXISTS
  auto engine = prepare_engine(url, [&](const std::string& sql) { raw.exec(sql); },
                               std::string("CREATE TABLE ") + kRaw + " (LIKE " + kOurs + " INCLUDING ALL)");
  raw.setup();
  run("postgresql", engine, raw, selection);
  engine.dispose();
  raw.exec(std::string("DROP TABLE ") + kRaw + ", " + kOurs);
}

#else

void run_postgresql(const Selection&) { std::printf("bench_orm_servers: postgresql skipped, this build has no PostgreSQL backend\n"); }

#endif

// ---- raw libmariadb ---------------------------------------------------------------------------------

#if CRUCIBLE_HAVE_MYSQL

// Output binds for one Item into fixed buffers, as a careful C program would.
struct MyRow {
  std::int64_t id = 0, score = 0;
  char name[512], description[1024];
  unsigned long lengths[4] = {};
  MYSQL_BIND binds[4] = {};
  MyRow() {
    binds[0] = bench::my::int64_bind(&id);
    binds[1] = binds[2] = bench::my::string_bind();
    binds[1].buffer = name;
    binds[1].buffer_length = sizeof name;
    binds[2].buffer = description;
    binds[2].buffer_length = sizeof description;
    binds[3] = bench::my::int64_bind(&score);
    for (int i = 0; i < 4; ++i) binds[i].length = &lengths[i];
  }
  Item item() const { return Item{id, std::string(name, lengths[1]), std::string(description, lengths[2]), score}; }
};

std::int64_t parse_int(const char* text, unsigned long length) {
  std::int64_t v = 0;
  std::from_chars(text, text + length, v);
  return v;
}

struct MyRaw : bench::my::Connection {
  MYSQL_STMT* insert_ = nullptr;
  explicit MyRaw(const crucible::Url& url) : Connection(url) {}
  ~MyRaw() {
    if (insert_) mysql_stmt_close(insert_);
  }

  void setup() {
    std::string sql = std::string("INSERT INTO ") + kRaw + " (name, description, score) VALUES ";
    for (int i = 0; i < kBatch; ++i) sql += i ? ", (?, ?, ?)" : "(?, ?, ?)";
    insert_ = prepare(sql);
  }
  void truncate() const {
    exec(std::string("TRUNCATE TABLE ") + kRaw);
    exec(std::string("TRUNCATE TABLE ") + kOurs);
  }

  // Binds rows start .. start + kBatch of `items` as (name, description, score) triples.
  static void bind_batch(std::vector<MYSQL_BIND>& binds, std::vector<Item>& items, std::size_t start) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      Item& it = items[start + i];
      MYSQL_BIND& n = binds[3 * i];
      MYSQL_BIND& d = binds[3 * i + 1];
      n = d = bench::my::string_bind();
      n.buffer = it.name.data();
      n.buffer_length = static_cast<unsigned long>(it.name.size());
      d.buffer = it.description.data();
      d.buffer_length = static_cast<unsigned long>(it.description.size());
      binds[3 * i + 2] = bench::my::int64_bind(&it.score);
    }
  }

  void insert(std::vector<Item>& items) const {
    std::vector<MYSQL_BIND> binds(3 * kBatch);
    for (std::size_t start = 0; start < items.size(); start += kBatch) {
      bind_batch(binds, items, start);
      check(insert_, mysql_stmt_bind_param(insert_, binds.data()));
      check(insert_, mysql_stmt_execute(insert_));
      const auto first = static_cast<std::int64_t>(mysql_stmt_insert_id(insert_));
      for (std::size_t i = 0; i < kBatch; ++i) items[start + i].id = first + static_cast<std::int64_t>(i);
    }
    exec("COMMIT");
  }

  // The text protocol, cells as text: the result read whole, or (`streamed`) row by row
  // as it arrives.
  std::vector<Item> select(const std::string& sql, bool streamed = false) const {
    if (mysql_real_query(mysql, sql.data(), sql.size())) fail("select");
    MYSQL_RES* res = streamed ? mysql_use_result(mysql) : mysql_store_result(mysql);
    if (!res) fail("store result");
    std::vector<Item> out;
    if (!streamed) out.reserve(mysql_num_rows(res));
    while (MYSQL_ROW row = mysql_fetch_row(res)) {
      const unsigned long* len = mysql_fetch_lengths(res);
      out.push_back(Item{parse_int(row[0], len[0]), std::string(row[1], len[1]), std::string(row[2], len[2]),
                         parse_int(row[3], len[3])});
    }
    mysql_free_result(res);
    return out;
  }

  std::vector<Item> load(bool streamed = false) const {
    auto rows = select(std::string("SELECT id, name, description, score FROM ") + kRaw, streamed);
    exec("ROLLBACK");
    return rows;
  }

  // The other raw techniques, for the NOTE lines: binary rows of a prepared statement.
  std::vector<Item> load_prepared() const {
    std::vector<Item> out;
    MYSQL_STMT* s = prepare(std::string("SELECT id, name, description, score FROM ") + kRaw);
    MyRow row;
    check(s, mysql_stmt_execute(s));
    check(s, mysql_stmt_store_result(s));
    check(s, mysql_stmt_bind_result(s, row.binds));
    out.reserve(mysql_stmt_num_rows(s));
    while (mysql_stmt_fetch(s) == 0) out.push_back(row.item());
    mysql_stmt_close(s);
    exec("ROLLBACK");
    return out;
  }

  // INSERT ... RETURNING id, the keys read from its result set.
  void insert_returning(std::vector<Item>& items) const {
    std::string sql = std::string("INSERT INTO ") + kRaw + " (name, description, score) VALUES ";
    for (int i = 0; i < kBatch; ++i) sql += i ? ", (?, ?, ?)" : "(?, ?, ?)";
    MYSQL_STMT* s = prepare(sql + " RETURNING id");
    std::vector<MYSQL_BIND> binds(3 * kBatch);
    std::int64_t id = 0;
    MYSQL_BIND out = bench::my::int64_bind(&id);
    for (std::size_t start = 0; start < items.size(); start += kBatch) {
      bind_batch(binds, items, start);
      check(s, mysql_stmt_bind_param(s, binds.data()));
      check(s, mysql_stmt_execute(s));
      check(s, mysql_stmt_store_result(s));
      check(s, mysql_stmt_bind_result(s, &out));
      std::size_t i = start;
      while (mysql_stmt_fetch(s) == 0) items[i++].id = id;
      mysql_stmt_free_result(s);
    }
    mysql_stmt_close(s);
    exec("COMMIT");
  }

  void notes(const std::vector<Item>& items) const {
    double returning = 1e300, ids = 1e300, text = 1e300, streamed = 1e300, binary = 1e300;
    for (int r = 0; r < 3; ++r) {
      exec(std::string("TRUNCATE TABLE ") + kRaw);
      auto a = items;
      returning = std::min(returning, bench::time_ms([&] { insert_returning(a); }));
      check_keys("raw insert returning", a.size(), [&](std::size_t i) { return a[i].id; });
      exec(std::string("TRUNCATE TABLE ") + kRaw);
      auto b = items;
      ids = std::min(ids, bench::time_ms([&] { insert(b); }));
      text = std::min(text, bench::time_ms([&] { load(); }));
      streamed = std::min(streamed, bench::time_ms([&] { load(true); }));
      binary = std::min(binary, bench::time_ms([&] { load_prepared(); }));
    }
    std::printf("NOTE raw mariadb insert of %d rows: RETURNING %.2f ms, insert id %.2f ms; load: text %.2f ms, "
                "text streamed %.2f ms, binary %.2f ms\n", kRows, returning, ids, text, streamed, binary);
  }

  void update() const {
    auto rows = select(std::string("SELECT id, name, description, score FROM ") + kRaw +
                       " WHERE id <= " + std::to_string(kUpdates));
    std::vector<std::int64_t> scores(rows.size()), keys(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      rows[i].score += 1;
      scores[i] = rows[i].score;
      keys[i] = rows[i].id;
    }
    MYSQL_STMT* s = prepare(std::string("UPDATE ") + kRaw + " SET score = ? WHERE id = ?");
    MYSQL_BIND binds[2] = {bench::my::int64_bind(scores.data()), bench::my::int64_bind(keys.data())};
    auto size = static_cast<unsigned int>(rows.size());
    mysql_stmt_attr_set(s, STMT_ATTR_ARRAY_SIZE, &size);
    check(s, mysql_stmt_bind_param(s, binds));
    check(s, mysql_stmt_execute(s));
    if (mysql_stmt_affected_rows(s) != static_cast<unsigned long long>(kUpdates)) fail("update count");
    mysql_stmt_close(s);
    exec("COMMIT");
  }

  std::int64_t score_sum(const char* table) const {
    const auto rows = select(std::string("SELECT 0, '', '', sum(score) FROM ") + table);
    exec("COMMIT");
    return rows.at(0).score;
  }
};

void run_mariadb(const Selection& selection) {
  const char* url = std::getenv("CRUCIBLE_TEST_MYSQL_URL");
  if (!url || !*url) {
    std::printf("bench_orm_servers: mariadb skipped, CRUCIBLE_TEST_MYSQL_URL is not set "
                "(eval \"$(scripts/servers.sh start)\" starts a server)\n");
    return;
  }
  MyRaw raw(crucible::Url::parse(url));
  auto engine = prepare_engine(url, [&](const std::string& sql) { raw.exec(sql); },
                               std::string("CREATE TABLE ") + kRaw + " LIKE " + kOurs);
  raw.setup();
  run("mariadb", engine, raw, selection);
  engine.dispose();
  raw.exec(std::string("DROP TABLE ") + kRaw + ", " + kOurs);
}

#else

void run_mariadb(const Selection&) { std::printf("bench_orm_servers: mariadb skipped, this build has no MariaDB backend\n"); }

#endif

}  // namespace

int main(int argc, char** argv) {
  Selection selection;
  selection.rounds = bench::parse_options(argc, argv, 5).rounds;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag == "--backend") selection.backend = argv[i + 1];
    else if (flag == "--workload") selection.workload = argv[i + 1];
  }
  if (selection.backend_on("postgresql")) run_postgresql(selection);
  if (selection.backend_on("mariadb")) run_mariadb(selection);
  return 0;
}
