// SPDX-License-Identifier: MIT
// libsqlite3 adapter: connection, statement, storage forms of Values.
#include "crucible/dialects/sqlite/driver.hpp"

#include <sqlite3.h>

#include <cstdio>
#include <limits>

namespace crucible::dialects {
namespace {

[[noreturn]] void throw_sqlite(sqlite3* db, int code, std::string message = {}) {
  DriverErrorInfo info;
  info.backend = "sqlite";
  info.native_code = code;
  if (message.empty()) message = db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  info.driver_message = std::move(message);
  throw DriverException(std::move(info));
}

// Fixed-width storage forms, so stored text compares and sorts as the values do.
std::string time_text(const Time& t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02u:%02u:%02u.%06u", t.hour, t.minute, t.second, t.microsecond);
  return buf;
}

std::string datetime_text(const DateTime& dt) {
  std::string out = dt.date.to_string();
  out += ' ';
  out += time_text(dt.time);
  if (dt.utc) out += "+00:00";
  return out;
}

class SqliteStatement final : public DriverStatement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt, std::string sql)
      : db_(db), stmt_(stmt), sql_(std::move(sql)), readonly_(sqlite3_stmt_readonly(stmt) != 0) {}
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }

  int column_count() const override { return sqlite3_column_count(stmt_); }
  std::string_view column_name(int index) const override {
    const char* name = sqlite3_column_name(stmt_, index);
    return name ? std::string_view(name) : std::string_view();
  }
  // One sqlite3_column_value call per cell, then the sqlite3_value_* getters: every
  // sqlite3_column_* getter re-validates the statement and enters/leaves the connection mutex,
  // so type + text + bytes through them costs three times that. The value is "unprotected",
  // which only matters when threads share a connection; the pool lends one to a single thread.
  void read_cell(int index, Cell& out) override {
    sqlite3_value* v = sqlite3_column_value(stmt_, index);
    switch (sqlite3_value_type(v)) {
      case SQLITE_INTEGER:
        out.kind = CellKind::integer;
        out.integer = sqlite3_value_int64(v);
        break;
      case SQLITE_FLOAT:
        out.kind = CellKind::real;
        out.real = sqlite3_value_double(v);
        break;
      case SQLITE_TEXT: {
        const auto* p = sqlite3_value_text(v);  // before _bytes: the text form is what is sized
        out.kind = CellKind::text;
        out.bytes = std::string_view(reinterpret_cast<const char*>(p),
                                     static_cast<std::size_t>(sqlite3_value_bytes(v)));
        break;
      }
      case SQLITE_BLOB: {
        const void* p = sqlite3_value_blob(v);
        const auto n = static_cast<std::size_t>(sqlite3_value_bytes(v));
        out.kind = CellKind::blob;
        out.bytes = n ? std::string_view(static_cast<const char*>(p), n) : std::string_view();
        break;
      }
      default: out.kind = CellKind::null_value; break;
    }
  }

  int parameter_count() const override { return sqlite3_bind_parameter_count(stmt_); }
  void bind_null(int index) override { check(sqlite3_bind_null(stmt_, index + 1)); }
  void bind_int64(int index, std::int64_t value) override {
    check(sqlite3_bind_int64(stmt_, index + 1, value));
  }
  void bind_double(int index, double value) override {
    check(sqlite3_bind_double(stmt_, index + 1, value));
  }
  void bind_text(int index, std::string_view value) override { check(bind_static_text(index + 1, value)); }
  void bind_blob(int index, std::span<const unsigned char> value) override { check(bind_static_blob(index + 1, value)); }
  void bind(int index, const Value& value) override {
    std::visit([&](const auto& x) { bind_one(index, x); }, value.variant());
  }

  bool step() override {
    if (!started_) start();
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    step_failed(rc);
  }

  // Page-aligned so that its place in the instruction cache is fixed. SQLite's own code for one
  // inserted row fills most of a 32 KB L1i, unevenly: where this loop lands (its address modulo
  // 4096 picks the cache sets) moved execute_many's cost per row by up to 4% between builds that
  // differed only in unrelated code. A page start falls in sets that Debian 12's libsqlite3 uses
  // lightly (measured with callgrind's cache simulation and bench_core_sqlite).
  [[gnu::aligned(4096)]] std::int64_t run(std::span<const ParamRef> params) override {
    sqlite3_reset(stmt_);
    int index = 1;
    for (const ParamRef& param : params) check(bind_param(index++, param));
    start();
    int rc;
    while ((rc = sqlite3_step(stmt_)) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) step_failed(rc);
    return changes();
  }

  CellKind column_type(int index) override {
    switch (sqlite3_column_type(stmt_, index)) {
      case SQLITE_INTEGER: return CellKind::integer;
      case SQLITE_FLOAT: return CellKind::real;
      case SQLITE_TEXT: return CellKind::text;
      case SQLITE_BLOB: return CellKind::blob;
      default: return CellKind::null_value;
    }
  }
  std::int64_t get_int64(int index) override { return sqlite3_column_int64(stmt_, index); }
  double get_double(int index) override { return sqlite3_column_double(stmt_, index); }
  std::string_view get_text(int index) override {
    const auto* p = sqlite3_column_text(stmt_, index);
    if (!p) return {};
    return {reinterpret_cast<const char*>(p),
            static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index))};
  }
  std::span<const unsigned char> get_blob(int index) override {
    const void* p = sqlite3_column_blob(stmt_, index);
    const auto n = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index));
    if (!p || n == 0) return {};
    return {static_cast<const unsigned char*>(p), n};
  }

  void reset() override {
    started_ = false;
    sqlite3_reset(stmt_);
  }
  std::int64_t changes() const override {
    if (readonly_) return 0;
    if (!dml_) {
      if (sqlite3_total_changes64(db_) == total_before_) return 0;
      dml_ = true;
    }
    return sqlite3_changes64(db_);
  }
  const std::string& sql() const override { return sql_; }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) throw_sqlite(db_, rc);
  }
  // sqlite3_changes64 keeps the count of the last INSERT, UPDATE or DELETE across every other
  // statement, so it answers for this one only if this one is such a statement. Only those move
  // sqlite3_total_changes64 (DDL, PRAGMA, VACUUM, CREATE TABLE ... AS never do): a statement
  // seen to move it is one, and from then on changes64 alone tells its count. Until then each
  // execution compares the total before and after. Read-only statements change nothing.
  bool dml_known() const { return readonly_ || dml_; }
  // The first step of an execution: changes() compares against the total from here.
  void start() {
    started_ = true;
    if (!dml_known()) total_before_ = sqlite3_total_changes64(db_);
  }
  static constexpr std::size_t kMaxTextLength = static_cast<std::size_t>(std::numeric_limits<int>::max());
  // 1-based index: run()'s binding of any kind, straight to libsqlite3; the SQLite result code.
  int bind_param(int index, const ParamRef& param) {
    int rc = SQLITE_OK;
    switch (param.kind) {
      case ParamRef::Kind::null_value: rc = sqlite3_bind_null(stmt_, index); break;
      case ParamRef::Kind::boolean: rc = sqlite3_bind_int64(stmt_, index, param.boolean ? 1 : 0); break;
      case ParamRef::Kind::integer: rc = sqlite3_bind_int64(stmt_, index, param.integer); break;
      case ParamRef::Kind::real: rc = sqlite3_bind_double(stmt_, index, param.real); break;
      case ParamRef::Kind::text: rc = bind_static_text(index, param.text); break;
      case ParamRef::Kind::string: rc = bind_static_text(index, *param.string); break;
      case ParamRef::Kind::blob: rc = bind_static_blob(index, param.blob); break;
      case ParamRef::Kind::value: bind(index - 1, *param.value); break;
    }
    return rc;
  }
  int bind_static_text(int index, std::string_view text) {
    // A null data pointer would bind NULL; an empty string must stay an empty string.
    const char* data = text.data() ? text.data() : "";
    if (text.size() <= kMaxTextLength)
      return sqlite3_bind_text(stmt_, index, data, static_cast<int>(text.size()), SQLITE_STATIC);
    return sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_STATIC, SQLITE_UTF8);
  }
  int bind_static_blob(int index, std::span<const unsigned char> blob) {
    // An empty blob with a null pointer would bind NULL.
    if (blob.empty()) return sqlite3_bind_zeroblob(stmt_, index, 0);
    return sqlite3_bind_blob64(stmt_, index, blob.data(), blob.size(), SQLITE_STATIC);
  }
  // Out of line, so that step() itself needs no stack frame.
  [[noreturn]] void step_failed(int rc);
  // Values are copied (SQLite reuses the parameter's buffer when rebinding), so a result may be
  // read long after the caller's Params are gone.
  void bind_transient(int index, std::string_view text) {
    check(sqlite3_bind_text64(stmt_, index + 1, text.data() ? text.data() : "", text.size(),
                              SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  void bind_one(int index, Null) { bind_null(index); }
  void bind_one(int index, bool v) { bind_int64(index, v ? 1 : 0); }
  void bind_one(int index, std::int64_t v) { bind_int64(index, v); }
  void bind_one(int index, double v) { bind_double(index, v); }
  void bind_one(int index, const std::string& v) { bind_transient(index, v); }
  void bind_one(int index, const Blob& v) {
    if (v.empty()) check(sqlite3_bind_zeroblob(stmt_, index + 1, 0));
    else check(sqlite3_bind_blob64(stmt_, index + 1, v.data(), v.size(), SQLITE_TRANSIENT));
  }
  void bind_one(int index, const Decimal& v) { bind_transient(index, v.str()); }
  void bind_one(int index, const Date& v) { bind_transient(index, v.to_string()); }
  void bind_one(int index, const Time& v) { bind_transient(index, time_text(v)); }
  void bind_one(int index, const DateTime& v) { bind_transient(index, datetime_text(v)); }
  void bind_one(int index, const Uuid& v) { bind_transient(index, v.to_string()); }
  void bind_one(int index, const Json& v) { bind_transient(index, v.dump()); }

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  std::string sql_;
  bool readonly_;
  mutable bool dml_ = false;  // see dml_known()
  bool started_ = false;
  sqlite3_int64 total_before_ = 0;
};

void SqliteStatement::step_failed(int rc) {
  std::string message = sqlite3_errmsg(db_);
  sqlite3_reset(stmt_);  // keep the statement reusable after the error
  started_ = false;
  throw_sqlite(nullptr, rc, std::move(message));
}

class SqliteConnection final : public DriverConnection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override { close(); }

  std::string_view backend() const override { return "sqlite"; }
  std::string server_version() const override { return sqlite3_libversion(); }

  std::unique_ptr<DriverStatement> prepare(std::string_view sql, bool persistent) override {
    require_open();
    if (sql.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
      throw_sqlite(nullptr, SQLITE_TOOBIG, "statement too long");
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      persistent ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, &tail);
    if (rc != SQLITE_OK) throw_sqlite(db_, sqlite3_extended_errcode(db_));
    if (!stmt) throw_sqlite(nullptr, SQLITE_MISUSE, "empty SQL statement");
    const std::string_view rest(tail, static_cast<std::size_t>(sql.data() + sql.size() - tail));
    if (rest.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
      sqlite3_finalize(stmt);
      throw_sqlite(nullptr, SQLITE_ERROR,
                   "more than one statement in one execute (use exec() for scripts)");
    }
    return std::make_unique<SqliteStatement>(db_, stmt, std::string(sql));
  }

  void exec(std::string_view sql) override {
    require_open();
    const std::string text(sql);
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string message = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      throw_sqlite(nullptr, sqlite3_extended_errcode(db_), std::move(message));
    }
  }

  // Transaction control through kept statements: no re-parse per transaction.
  void begin() override { run(begin_, "BEGIN"); }
  void commit() override { run(commit_, "COMMIT"); }
  void rollback() override {
    if (sqlite3_get_autocommit(db_)) return;  // SQLite already rolled back (e.g. after a fatal error)
    run(rollback_, "ROLLBACK");
  }
  bool in_transaction() const override { return db_ && !sqlite3_get_autocommit(db_); }

  void set_isolation_level(IsolationLevel level) override {
    switch (level) {
      case IsolationLevel::serializable: exec("PRAGMA read_uncommitted = 0"); return;
      case IsolationLevel::read_uncommitted: exec("PRAGMA read_uncommitted = 1"); return;
      case IsolationLevel::autocommit: return;  // the engine simply does not autobegin
      default:
        throw ArgumentError("isolation level " + std::string(isolation_level_name(level)) +
                            " is not supported by sqlite; use SERIALIZABLE, READ UNCOMMITTED "
                            "or AUTOCOMMIT");
    }
  }

  std::optional<std::int64_t> last_insert_id() const override { return sqlite3_last_insert_rowid(db_); }
  bool ping() override {
    if (!db_) return false;
    return sqlite3_exec(db_, "SELECT 1", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  bool is_alive() const override { return db_ != nullptr; }
  void close() override {
    if (!db_) return;
    begin_.reset();
    commit_.reset();
    rollback_.reset();
    clear_statement_cache();
    sqlite3_close_v2(db_);
    db_ = nullptr;
  }

 private:
  void require_open() const {
    if (!db_) throw_sqlite(nullptr, SQLITE_MISUSE, "the connection is closed");
  }
  void run(std::unique_ptr<DriverStatement>& stmt, std::string_view sql) {
    if (!stmt) stmt = prepare(sql, true);
    stmt->reset();
    stmt->step();
    stmt->reset();
  }

  sqlite3* db_;
  std::unique_ptr<DriverStatement> begin_, commit_, rollback_;
};

}  // namespace

std::unique_ptr<DriverConnection> open_sqlite(const SqliteConnectOptions& options) {
  int flags = SQLITE_OPEN_NOMUTEX;
  flags |= options.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (options.uri) flags |= SQLITE_OPEN_URI;
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(options.path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    const int code = db ? sqlite3_extended_errcode(db) : rc;
    sqlite3_close_v2(db);
    throw_sqlite(nullptr, code, "cannot open '" + options.path + "': " + message);
  }
  auto conn = std::make_unique<SqliteConnection>(db);
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
  conn->set_statement_cache_size(options.statement_cache_size);
  if (options.foreign_keys) conn->exec("PRAGMA foreign_keys = ON");
  if (options.wal && options.path != ":memory:" && !options.path.empty())
    conn->exec("PRAGMA journal_mode = WAL");
  return conn;
}

int sqlite_library_version() { return sqlite3_libversion_number(); }

}  // namespace crucible::dialects
