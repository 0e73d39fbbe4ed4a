// SPDX-License-Identifier: MIT
//
// Migrations against the raw C drivers, in the same run (issue 21):
//
//   reflect      a 300-table schema (10 columns, 2 indexes, 1 foreign key and 1 check each)
//                reflected whole by the Inspector, against the same bulk catalog queries run
//                through the raw driver with every cell read; the statement count is printed.
//                SQLite always; PostgreSQL and MariaDB when CRUCIBLE_TEST_POSTGRESQL_URL /
//                CRUCIBLE_TEST_MYSQL_URL are set (scripts/servers.sh starts them).
//   autogenerate SQLite: 300 models against the reflected 300-table database; time printed (its
//                target is under a second: there is no raw counterpart).
//   batch_alter  SQLite: NOT NULL on a column of a 1,000,000-row table with a foreign key and
//                two indexes (a batch copy), against the same copy-and-move written by hand
//                through sqlite3_exec.
//
// The raw side of reflect runs the very statements the Inspector ran (captured once through the
// engine's events): the fewest catalog queries that fetch the same information.
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "crucible/crucible.hpp"

#if CRUCIBLE_HAVE_POSTGRESQL
#include "raw_postgresql.hpp"
#endif
#if CRUCIBLE_HAVE_MYSQL
#include "raw_mysql.hpp"
#endif

namespace {

constexpr int kTables = 300;

struct Captured {
  std::string sql;
  std::vector<std::string> parameters;
};

std::string text_of(const crucible::Value& v) {
  if (v.is_null()) return {};
  if (const auto* s = std::get_if<std::string>(&v.variant())) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&v.variant())) return std::to_string(*i);
  return {};
}

// The 300 tables: each refers to the one before (the first to itself).
std::vector<std::string> schema_ddl(const std::string& prefix, bool server) {
  std::vector<std::string> out;
  const std::string id = server ? "BIGINT NOT NULL PRIMARY KEY" : "INTEGER NOT NULL PRIMARY KEY";
  for (int t = 0; t < kTables; ++t) {
    const std::string name = prefix + std::to_string(t);
    const std::string parent = prefix + std::to_string(t == 0 ? 0 : t - 1);
    std::string sql = "CREATE TABLE " + name + " (id " + id + ", parent_id BIGINT, name VARCHAR(80) NOT NULL, " +
                      "note TEXT, amount NUMERIC(10, 2) DEFAULT 0, flag BOOLEAN NOT NULL DEFAULT FALSE, " +
                      "created DATE, stamp TIMESTAMP NULL, score DOUBLE PRECISION, code VARCHAR(20), " +
                      "CONSTRAINT fk_" + name + " FOREIGN KEY (parent_id) REFERENCES " + parent + " (id), " +
                      "CONSTRAINT ck_" + name + " CHECK (amount >= 0))";
    out.push_back(sql);
    out.push_back("CREATE INDEX ix_" + name + "_name ON " + name + " (name)");
    out.push_back("CREATE INDEX ix_" + name + "_code ON " + name + " (code, created)");
  }
  return out;
}

// Runs the Inspector once with the engine's events listening: the statements it runs.
std::vector<Captured> capture(const crucible::Engine& engine, const std::string& schema = {}) {
  std::vector<Captured> out;
  auto handle = engine.events().on_before_execute([&](const crucible::ExecuteInfo& info) {
    Captured c{std::string(info.sql), {}};
    for (const auto& v : info.parameters) c.parameters.push_back(text_of(v));
    out.push_back(std::move(c));
  });
  (void)crucible::migrate::Inspector(engine).tables(schema);
  handle.remove();
  return out;
}

std::size_t reflected_columns(const crucible::Engine& engine, const std::string& schema = {}) {
  std::size_t n = 0;
  for (const auto& t : crucible::migrate::Inspector(engine).tables(schema)) n += t.columns.size();
  return n;
}

void report_reflect(const char* backend, const bench::Rounds& rounds, std::size_t statements, std::size_t columns) {
  bench::report("reflect", backend, kTables, rounds);
  std::printf("reflect %s: %d tables, %zu columns, %zu catalog statements (the same for any number of tables)\n",
              backend, kTables, columns, statements);
}

// ----- SQLite ------------------------------------------------------------------------------------------

struct Sqlite {
  sqlite3* db = nullptr;
  explicit Sqlite(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) fail("open");
  }
  ~Sqlite() { sqlite3_close(db); }
  Sqlite(const Sqlite&) = delete;
  Sqlite& operator=(const Sqlite&) = delete;
  [[noreturn]] void fail(const char* what) const {
    std::fprintf(stderr, "raw sqlite3 %s failed: %s\n", what, sqlite3_errmsg(db));
    std::exit(1);
  }
  void exec(const std::string& sql) const {
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) fail(sql.c_str());
  }
  // Every cell of every row, as text.
  std::size_t read_all(const Captured& c) const {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, c.sql.c_str(), -1, &st, nullptr) != SQLITE_OK) fail(c.sql.c_str());
    for (std::size_t i = 0; i < c.parameters.size(); ++i)
      sqlite3_bind_text(st, static_cast<int>(i + 1), c.parameters[i].c_str(), -1, SQLITE_TRANSIENT);
    std::size_t cells = 0;
    std::vector<std::string> row;
    while (sqlite3_step(st) == SQLITE_ROW) {
      row.clear();
      for (int col = 0; col < sqlite3_column_count(st); ++col) {
        const auto* text = sqlite3_column_text(st, col);
        row.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
        ++cells;
      }
    }
    sqlite3_finalize(st);
    return cells;
  }
};

void reflect_sqlite(const bench::Options& options) {
  const std::string path = (options.dir / ("bench_reflect_" + std::to_string(::getpid()) + ".db")).string();
  std::remove(path.c_str());
  {
    Sqlite raw(path);
    raw.exec("BEGIN");
    for (const auto& sql : schema_ddl("t", false)) raw.exec(sql);
    raw.exec("COMMIT");
  }
  auto engine = crucible::create_engine("sqlite:///" + path);
  const auto statements = capture(engine);
  Sqlite raw(path);
  bench::Rounds rounds;
  for (int r = 0; r < options.rounds; ++r) {
    rounds.raw(bench::time_ms([&] {
      raw.exec("BEGIN");
      for (const auto& c : statements) raw.read_all(c);
      raw.exec("COMMIT");
    }));
    rounds.ours(bench::time_ms([&] { (void)crucible::migrate::Inspector(engine).tables(); }));
  }
  report_reflect("sqlite", rounds, statements.size(), reflected_columns(engine));

  // autogenerate: the same 300 tables as models, against the database that has them.
  crucible::MetaData models;
  for (int t = 0; t < kTables; ++t) {
    const std::string name = "t" + std::to_string(t);
    models.table(name, crucible::Column("id", crucible::BigInteger()).primary_key(),
                 crucible::Column("parent_id", crucible::BigInteger()),
                 crucible::Column("name", crucible::String(80)).nullable(false), crucible::Column("note", crucible::Text()),
                 crucible::Column("amount", crucible::Numeric(10, 2)).server_default("0"),
                 crucible::Column("flag", crucible::Boolean()).nullable(false).server_default("FALSE"),
                 crucible::Column("created", crucible::DateType()), crucible::Column("stamp", crucible::DateTimeType()),
                 crucible::Column("score", crucible::Double()), crucible::Column("code", crucible::String(20)),
                 crucible::ForeignKeyConstraint({"parent_id"}, "t" + std::to_string(t == 0 ? 0 : t - 1), {"id"}, "", "",
                                                "fk_" + name),
                 crucible::CheckConstraint("amount >= 0", "ck_" + name),
                 crucible::Index("ix_" + name + "_name", {"name"}), crucible::Index("ix_" + name + "_code", {"code", "created"}));
  }
  std::vector<double> times;
  std::size_t steps = 0;
  for (int r = 0; r < options.rounds; ++r)
    times.push_back(bench::time_ms([&] { steps = crucible::migrate::autogenerate(engine, models).size(); }));
  std::printf("BENCH workload=autogenerate backend=sqlite rows=%d crucible_ms=%.2f limit_ms=1000\n", kTables,
              bench::median(times));
  std::printf("autogenerate sqlite: %d models against %d tables, %zu step(s) proposed\n", kTables, kTables, steps);
  engine.dispose();
  std::remove(path.c_str());
}

// NOT NULL on `code` of a million rows: SQLite cannot ALTER it, so both sides copy the table.
void batch_alter_sqlite(const bench::Options& options) {
  constexpr int kRows = 1'000'000;
  const std::string ours_path = (options.dir / ("bench_batch_ours_" + std::to_string(::getpid()) + ".db")).string();
  const std::string raw_path = (options.dir / ("bench_batch_raw_" + std::to_string(::getpid()) + ".db")).string();
  auto make = [&](const std::string& path) {
    std::remove(path.c_str());
    Sqlite db(path);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("CREATE TABLE owners (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
    db.exec("CREATE TABLE items (id INTEGER PRIMARY KEY, owner_id INTEGER REFERENCES owners (id), "
            "code VARCHAR(20), price NUMERIC(10, 2) DEFAULT 0, note TEXT)");
    db.exec("BEGIN");
    db.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) "
            "INSERT INTO owners SELECT i, 'owner ' || i FROM n");
    db.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + std::to_string(kRows) +
            ") INSERT INTO items SELECT i, 1 + i % 1000, 'c' || (i % 5000), i % 997, 'item ' || i FROM n");
    db.exec("CREATE INDEX ix_items_owner ON items (owner_id)");
    db.exec("CREATE INDEX ix_items_code ON items (code)");
    db.exec("COMMIT");
  };
  bench::Rounds rounds;
  for (int r = 0; r < options.rounds; ++r) {
    make(raw_path);
    make(ours_path);
    rounds.raw(bench::time_ms([&] {
      Sqlite db(raw_path);
      db.exec("PRAGMA foreign_keys = OFF");
      db.exec("BEGIN IMMEDIATE");
      db.exec("CREATE TABLE _new_items (id INTEGER PRIMARY KEY, owner_id INTEGER, code VARCHAR(20) NOT NULL, "
              "price NUMERIC(10, 2) DEFAULT 0, note TEXT, FOREIGN KEY (owner_id) REFERENCES owners (id))");
      db.exec("INSERT INTO _new_items (id, owner_id, code, price, note) SELECT id, owner_id, code, price, note FROM items");
      db.exec("DROP TABLE items");
      db.exec("ALTER TABLE _new_items RENAME TO items");
      db.exec("CREATE INDEX ix_items_code ON items (code)");
      db.exec("CREATE INDEX ix_items_owner ON items (owner_id)");
      db.read_all({"SELECT * FROM pragma_foreign_key_check('items')", {}});
      db.exec("COMMIT");
      db.exec("PRAGMA foreign_keys = ON");
    }));
    rounds.ours(bench::time_ms([&] {
      auto engine = crucible::create_engine("sqlite:///" + ours_path);
      auto conn = engine.connect();
      crucible::migrate::Operations op(conn);
      crucible::migrate::AlterColumn alter;
      alter.table = "items";
      alter.column = "code";
      alter.nullable = false;
      op.run(alter);
      conn.close();
      engine.dispose();
    }));
  }
  bench::report("batch_alter", "sqlite", kRows, rounds);
  std::remove(raw_path.c_str());
  std::remove(ours_path.c_str());
  for (const char* suffix : {"-wal", "-shm"}) {
    std::remove((raw_path + suffix).c_str());
    std::remove((ours_path + suffix).c_str());
  }
}

// ----- PostgreSQL ---------------------------------------------------------------------------------------

#if CRUCIBLE_HAVE_POSTGRESQL
void reflect_postgresql(const std::string& url, const bench::Options& options) {
  const std::string schema = "bench_reflect_" + std::to_string(::getpid());
  bench::pg::Connection raw(url);
  raw.exec("CREATE SCHEMA " + schema);
  raw.exec("SET search_path TO " + schema);
  raw.exec("BEGIN");
  for (const auto& sql : schema_ddl("t", true)) raw.exec(sql);
  raw.exec("COMMIT");
  auto engine = crucible::create_engine(url);
  const auto statements = capture(engine, schema);
  bench::Rounds rounds;
  for (int r = 0; r < options.rounds; ++r) {
    rounds.raw(bench::time_ms([&] {
      for (const auto& c : statements) {
        std::vector<const char*> values;
        for (const auto& p : c.parameters) values.push_back(p.c_str());
        PGresult* res = PQexecParams(raw.conn, c.sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                                     nullptr, nullptr, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) raw.fail(c.sql.c_str());
        std::vector<std::string> row;
        for (int i = 0; i < PQntuples(res); ++i) {
          row.clear();
          for (int j = 0; j < PQnfields(res); ++j) row.emplace_back(PQgetvalue(res, i, j));
        }
        PQclear(res);
      }
    }));
    rounds.ours(bench::time_ms([&] { (void)crucible::migrate::Inspector(engine).tables(schema); }));
  }
  report_reflect("postgresql", rounds, statements.size(), reflected_columns(engine, schema));
  engine.dispose();
  raw.exec("SET client_min_messages TO warning");  // no NOTICE per dropped table
  raw.exec("DROP SCHEMA " + schema + " CASCADE");
}
#endif

// ----- MariaDB ------------------------------------------------------------------------------------------

#if CRUCIBLE_HAVE_MYSQL
void reflect_mysql(const std::string& url, const bench::Options& options) {
  const std::string prefix = "br" + std::to_string(::getpid()) + "_";
  const auto parsed = crucible::Url::parse(url);
  bench::my::Connection raw(parsed);
  for (const auto& sql : schema_ddl(prefix, true)) raw.exec(sql);
  auto engine = crucible::create_engine(url);
  auto statements = capture(engine);
  // The Inspector reads the whole database; this bench's tables are all of it that matters, and
  // the raw side runs the same statements (parameters written in: they are schema names).
  for (auto& c : statements) {
    std::string sql;
    std::size_t next = 0;
    for (char ch : c.sql) {
      if (ch == '?' && next < c.parameters.size()) sql += "'" + c.parameters[next++] + "'";
      else sql += ch;
    }
    c.sql = std::move(sql);
  }
  bench::Rounds rounds;
  for (int r = 0; r < options.rounds; ++r) {
    rounds.raw(bench::time_ms([&] {
      for (const auto& c : statements) {
        if (mysql_real_query(raw.mysql, c.sql.data(), c.sql.size())) raw.fail(c.sql.c_str());
        MYSQL_RES* res = mysql_store_result(raw.mysql);
        const unsigned fields = mysql_num_fields(res);
        std::vector<std::string> row;
        while (MYSQL_ROW cells = mysql_fetch_row(res)) {
          const unsigned long* lengths = mysql_fetch_lengths(res);
          row.clear();
          for (unsigned j = 0; j < fields; ++j) row.emplace_back(cells[j] ? std::string(cells[j], lengths[j]) : "");
        }
        mysql_free_result(res);
      }
    }));
    rounds.ours(bench::time_ms([&] { (void)crucible::migrate::Inspector(engine).tables(); }));
  }
  report_reflect("mysql", rounds, statements.size(), reflected_columns(engine));
  engine.dispose();
  for (int t = kTables - 1; t >= 0; --t) raw.exec("DROP TABLE " + prefix + std::to_string(t));
}
#endif

}  // namespace

int main(int argc, char** argv) {
  const auto options = bench::parse_options(argc, argv, 5);
  reflect_sqlite(options);
  batch_alter_sqlite(bench::Options{std::max(1, options.rounds / 2), options.dir});
#if CRUCIBLE_HAVE_POSTGRESQL
  if (const char* url = std::getenv("CRUCIBLE_TEST_POSTGRESQL_URL"); url && *url) reflect_postgresql(url, options);
  else std::printf("bench_migrate: reflect on postgresql skipped, CRUCIBLE_TEST_POSTGRESQL_URL is not set\n");
#endif
#if CRUCIBLE_HAVE_MYSQL
  if (const char* url = std::getenv("CRUCIBLE_TEST_MYSQL_URL"); url && *url) reflect_mysql(url, options);
  else std::printf("bench_migrate: reflect on mysql skipped, CRUCIBLE_TEST_MYSQL_URL is not set\n");
#endif
  return 0;
}
