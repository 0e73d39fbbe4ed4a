// SPDX-License-Identifier: MIT
//
// The driver contract: the small interface every database client adapter implements
// (libsqlite3, libpq, libmariadb), as SOCI's backend header. Internal: the pool and the engine
// use it; applications use Engine / Connection.
//
//   DriverConnection  one open client connection: prepare, exec, transactions, ping, close,
//                     plus a per-connection prepared-statement cache (acquire / StatementLease).
//   DriverStatement   one prepared statement: bind (0-based placeholder index), step, read
//                     columns (it is the RowSource results read through), reset; run, one
//                     whole execution per call; and execute_batch, execute_many's path to
//                     fewer round trips.
//
// Errors: drivers throw DriverException carrying a DriverErrorInfo with the backend, native code,
// SQLSTATE and message only. The engine catches it in one place (engine/detail/errors) and asks
// the dialect what it means; a DriverException never reaches applications.
//
// Ownership: connections and statements are owned through std::unique_ptr. Borrowed data passed
// to bind_text / bind_blob (or to run() as a ParamRef) must stay valid until the statement is
// stepped (the driver does not copy it; the engine uses them only for statements it steps to
// completion at once); bind(Value) copies. Thread-safety: a connection and its statements are
// used by one thread at a time (the pool hands a connection to one user).
//
//   auto conn = dialects::SqliteDriverConnection::open({.path = "blog.db"});
//   auto lease = conn->acquire(std::string_view("SELECT name FROM users WHERE id = ?"));
//   lease->bind_int64(0, 42);
//   while (lease->step()) use(lease->get_text(0));
#pragma once

#include <cstdint>
#include <exception>
#include <list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "crucible/core/errors.hpp"
#include "crucible/core/row.hpp"
#include "crucible/core/value.hpp"
#include "crucible/sql/compiled.hpp"

namespace crucible {

// Transaction isolation. Backends accept a subset (SQLite: serializable, read_uncommitted,
// autocommit); `autocommit` means "no transaction unless begun explicitly".
enum class IsolationLevel {
  serializable,
  repeatable_read,
  read_committed,
  read_uncommitted,
  autocommit,
};

std::string_view isolation_level_name(IsolationLevel level);  // "SERIALIZABLE", ...

}  // namespace crucible

namespace crucible::dialects {

// What a driver throws; the engine translates it (never escapes to applications).
class DriverException : public std::exception {
 public:
  explicit DriverException(DriverErrorInfo info) : info_(std::move(info)) {}
  const DriverErrorInfo& info() const { return info_; }
  DriverErrorInfo& info() { return info_; }
  const char* what() const noexcept override { return info_.driver_message.c_str(); }

 private:
  DriverErrorInfo info_;
};

class DriverStatement;

// The parameter sets of one execute_many, bound on demand by DriverStatement::execute_batch.
// bind() sets every placeholder for set `index`; borrowed text and blobs stay valid until
// execute_batch returns. A set may be bound more than once (a driver falling back to one
// execution per set binds a chunk again).
class BatchSource {
 public:
  virtual std::size_t size() const = 0;
  virtual void bind(DriverStatement& stmt, std::size_t index) const = 0;
  // Set `index` returned rows (execute_batch_rows): `stmt` steps through them (step() until
  // false, reading the current row between steps), before the next set's rows are handed over.
  // The default ignores them. An exception from it ends the batch: the driver drains what it
  // sent, then rethrows it.
  virtual void rows(std::size_t index, DriverStatement& stmt) const {
    (void)index;
    (void)stmt;
  }

 protected:
  ~BatchSource() = default;
};

// What execute_batch reports. When it throws, the failing set lies in [first_failed,
// last_failed] (the same index when the driver knows which set failed; a range when the
// protocol only says that a chunk failed).
struct BatchOutcome {
  std::int64_t rows_affected = 0;
  std::size_t first_failed = 0;
  std::size_t last_failed = 0;
};

// One parameter of one execution, borrowed from the caller: what DriverStatement::run() binds
// without a virtual call per value. Text, blobs and Values must outlive the run() call.
struct ParamRef {
  enum class Kind : unsigned char { null_value, boolean, integer, real, text, string, blob, value };
  Kind kind = Kind::null_value;
  union {
    bool boolean;
    std::int64_t integer;
    double real;
    std::string_view text;
    const std::string* string;  // NUL-terminated, for drivers that borrow C strings
    std::span<const unsigned char> blob;
    const Value* value;  // any other type, in the backend's storage form (copied)
  };

  ParamRef() : integer(0) {}
  static ParamRef of_bool(bool v) { ParamRef p(Kind::boolean); p.boolean = v; return p; }
  static ParamRef of_integer(std::int64_t v) { ParamRef p(Kind::integer); p.integer = v; return p; }
  static ParamRef of_real(double v) { ParamRef p(Kind::real); p.real = v; return p; }
  static ParamRef of_text(std::string_view v) { ParamRef p(Kind::text); p.text = v; return p; }
  static ParamRef of_string(const std::string& v) { ParamRef p(Kind::string); p.string = &v; return p; }
  static ParamRef of_blob(std::span<const unsigned char> v) { ParamRef p(Kind::blob); p.blob = v; return p; }
  static ParamRef of_value(const Value& v) { ParamRef p(Kind::value); p.value = &v; return p; }

 private:
  explicit ParamRef(Kind k) : kind(k), integer(0) {}
};

class DriverStatement : public RowSource {
 public:
  // Number of placeholders.
  virtual int parameter_count() const = 0;
  // parameter_count(), asked of the driver once: a prepared statement's placeholders do not
  // change, and the engine checks them at every execution.
  int placeholders() {
    if (placeholders_ < 0) placeholders_ = parameter_count();
    return placeholders_;
  }
  virtual void bind_null(int index) = 0;
  virtual void bind_int64(int index, std::int64_t value) = 0;
  virtual void bind_double(int index, double value) = 0;
  // Not copied: `value` must stay valid until the statement has been stepped to completion.
  virtual void bind_text(int index, std::string_view value) = 0;
  // The same for a std::string, whose characters are NUL-terminated: a driver whose client
  // library reads C strings (libpq) borrows them too instead of copying.
  virtual void bind_string(int index, const std::string& value) { bind_text(index, value); }
  virtual void bind_blob(int index, std::span<const unsigned char> value) = 0;
  // Any Value, in this backend's storage form (bool, calendar types, Decimal, Uuid, Json).
  // Copied: the statement may be stepped after `value` is gone.
  virtual void bind(int index, const Value& value) = 0;

  // Executes / fetches: true when a row is available; false when done.
  virtual bool step() = 0;
  // Typed getters for the current row (0-based column index).
  virtual CellKind column_type(int index) = 0;
  bool is_null(int index) { return column_type(index) == CellKind::null_value; }
  virtual std::int64_t get_int64(int index) = 0;
  virtual double get_double(int index) = 0;
  virtual std::string_view get_text(int index) = 0;
  virtual std::span<const unsigned char> get_blob(int index) = 0;

  // `param` at placeholder `index`, through the typed calls above. Inline: where the kind is
  // known at compile time (detail::bind_typed) the switch folds into one call.
  void bind_ref(int index, const ParamRef& param) {
    switch (param.kind) {
      case ParamRef::Kind::null_value: bind_null(index); break;
      case ParamRef::Kind::boolean: bind(index, Value(param.boolean)); break;
      case ParamRef::Kind::integer: bind_int64(index, param.integer); break;
      case ParamRef::Kind::real: bind_double(index, param.real); break;
      case ParamRef::Kind::text: bind_text(index, param.text); break;
      case ParamRef::Kind::string: bind_string(index, *param.string); break;
      case ParamRef::Kind::blob: bind_blob(index, param.blob); break;
      case ParamRef::Kind::value: bind(index, *param.value); break;
    }
  }
  // One whole execution in one call, for execute_many's set-by-set path: resets, binds
  // params[i] at placeholder i (later placeholders keep their bindings), steps to the end
  // discarding any rows, and returns the rows changed. One virtual call per set instead of one
  // per value and step; the default goes through the calls above.
  virtual std::int64_t run(std::span<const ParamRef> params);

  // Ready to execute again (bindings are kept until rebound).
  virtual void reset() = 0;
  // Rows changed by the last completed execution of this statement.
  virtual std::int64_t changes() const = 0;
  // Rows the current execution will still return after the current one, when the client holds
  // the whole result already (PostgreSQL, MariaDB); -1 when only stepping tells (SQLite). A
  // hint for reserving room, read after step() returned true.
  virtual std::int64_t rows_ahead() const { return -1; }
  virtual const std::string& sql() const = 0;

  // Runs the statement once per set of `sets` in as few round trips as the protocol allows
  // (PostgreSQL: pipeline mode; MariaDB: array binding) and sets `outcome.rows_affected` to the
  // sum of the rows each set changed; rows the statement returns are discarded. Returns false, having
  // done nothing, when this driver or statement has no batch path: the caller then steps set by
  // set. Call it inside a transaction: a failing set leaves the transaction as the same failure
  // row by row would (the earlier sets applied, PostgreSQL's transaction aborted), and throws
  // DriverException with outcome.first_failed / last_failed set. Bindings afterwards are
  // unspecified (rebind every placeholder before the next execution).
  virtual bool execute_batch(const BatchSource& sets, BatchOutcome& outcome) {
    (void)sets;
    (void)outcome;
    return false;
  }
  // The same for a statement that returns rows (INSERT ... RETURNING): each set's rows go to
  // sets.rows(), in set order, while later sets are still on their way (PostgreSQL: pipeline
  // mode). Returns false, having done nothing, where the protocol cannot batch such a statement
  // (MariaDB's array binding has no result sets): the caller then runs set by set.
  virtual bool execute_batch_rows(const BatchSource& sets, BatchOutcome& outcome) {
    (void)sets;
    (void)outcome;
    return false;
  }

 private:
  int placeholders_ = -1;
};

class DriverConnection;

// A statement borrowed from a connection's cache (or a private one when the cached statement is
// still in use by an open result). Resets and returns it on destruction. A lease may outlive
// clear_statement_cache() / close() of its connection: the statement is then handed over to it
// (the lease must still not outlive the DriverConnection object itself).
struct CacheEntry;

class StatementLease {
 public:
  StatementLease() = default;
  StatementLease(StatementLease&& other) noexcept { *this = std::move(other); }
  inline StatementLease& operator=(StatementLease&& other) noexcept;
  ~StatementLease() { release(); }

  DriverStatement* get() const { return stmt_; }
  DriverStatement* operator->() const { return stmt_; }
  DriverStatement& operator*() const { return *stmt_; }
  explicit operator bool() const { return stmt_ != nullptr; }
  // Per-statement data the engine caches beside the prepared statement (result metadata);
  // nullptr for a private statement.
  inline std::shared_ptr<void>* user_data() const;
  void release() {
    if (stmt_) release_held();
  }

 private:
  friend class DriverConnection;
  // Takes the idle cached statement of `entry` into this lease, which holds nothing.
  inline void take(CacheEntry& entry);
  // Resets the statement and gives it back (inline: every result's close ends here).
  inline void release_held();
  DriverStatement* stmt_ = nullptr;
  CacheEntry* entry_ = nullptr;                // cached statement
  std::unique_ptr<DriverStatement> owned_;     // private statement
};

struct CacheEntry {
  std::string sql;
  sql::CompiledPtr key_owner;  // pins the key's address while cached
  const void* key = nullptr;
  std::unique_ptr<DriverStatement> stmt;
  std::shared_ptr<void> user_data;
  bool in_use = false;
  StatementLease* holder = nullptr;  // the lease using it (in_use): clearing hands it over
  std::list<CacheEntry>::iterator self;
};

std::shared_ptr<void>* StatementLease::user_data() const { return entry_ ? &entry_->user_data : nullptr; }

void StatementLease::take(CacheEntry& entry) {
  stmt_ = entry.stmt.get();
  entry_ = &entry;
  entry.in_use = true;
  entry.holder = this;
}

StatementLease& StatementLease::operator=(StatementLease&& other) noexcept {
  if (this != &other) {
    release();
    stmt_ = std::exchange(other.stmt_, nullptr);
    entry_ = std::exchange(other.entry_, nullptr);
    owned_ = std::move(other.owned_);
    if (entry_) entry_->holder = this;
  }
  return *this;
}

void StatementLease::release_held() {
  try {
    stmt_->reset();
  } catch (...) {
    // reset reports the last step's error again; it was already handled.
  }
  stmt_ = nullptr;
  if (entry_) {
    entry_->in_use = false;
    entry_->holder = nullptr;
    entry_ = nullptr;
  } else {
    owned_.reset();
  }
}

class DriverConnection {
 public:
  DriverConnection() = default;
  DriverConnection(const DriverConnection&) = delete;
  DriverConnection& operator=(const DriverConnection&) = delete;
  virtual ~DriverConnection();

  virtual std::string_view backend() const = 0;
  virtual std::string server_version() const = 0;

  // A new private statement. `persistent` hints that it will live in a cache.
  virtual std::unique_ptr<DriverStatement> prepare(std::string_view sql, bool persistent) = 0;
  // Runs SQL without parameters or results (may hold several statements).
  virtual void exec(std::string_view sql) = 0;

  // Transaction primitives; defaults issue the standard SQL.
  virtual void begin() { exec("BEGIN"); }
  virtual void commit() { exec("COMMIT"); }
  virtual void rollback() { exec("ROLLBACK"); }
  virtual void savepoint(std::string_view name);
  virtual void release_savepoint(std::string_view name);
  virtual void rollback_to_savepoint(std::string_view name);
  // Whether a transaction is open on the server side.
  virtual bool in_transaction() const = 0;
  // Applies an isolation level to later transactions; ArgumentError when unsupported.
  virtual void set_isolation_level(IsolationLevel level) = 0;

  // The key the last INSERT generated (SQLite rowid, MariaDB AUTO_INCREMENT); nullopt where the
  // backend has no such thing (PostgreSQL: INSERT ... RETURNING gives keys), so that callers never
  // mistake a placeholder 0 for a key.
  virtual std::optional<std::int64_t> last_insert_id() const = 0;
  // The most placeholders one statement may have (a multi-row INSERT is split below it).
  // Default: SQLite's compiled-in limit (32766), the lowest of the backends; the server drivers
  // say 65535 (a 16-bit count in both wire protocols).
  virtual std::size_t max_parameters() const { return 32766; }
  // A cheap round trip; false when the connection is unusable.
  virtual bool ping() = 0;
  virtual bool is_alive() const = 0;
  virtual void close() = 0;

  // The cached statement for `sql`, prepared on first use (keyed by the SQL text).
  StatementLease acquire(std::string_view sql) { return acquire(sql, nullptr); }
  // The cached statement for a compiled statement: keyed by its address, which the cache pins
  // by holding `compiled`, so a hit needs no hashing of the text (and no refcount traffic).
  StatementLease acquire(const sql::CompiledPtr& compiled) {
    StatementLease lease;
    acquire_into(lease, compiled);
    return lease;
  }
  // acquire() into `lease`, which holds nothing (a kept cursor's): the same, with no lease moved.
  [[gnu::always_inline]] void acquire_into(StatementLease& lease, const sql::CompiledPtr& compiled) {
    // The statement run last, idle and at the front of the cache (a statement run in a loop):
    // taken here, inline.
    if (compiled.get() == last_key_ && !last_entry_->in_use && last_entry_->self == cache_.begin())
      lease.take(*last_entry_);
    else
      acquire_other_into(lease, compiled);
  }
  void set_statement_cache_size(std::size_t n) { cache_capacity_ = n; }
  std::size_t statement_cache_size() const { return cache_.size(); }
  // Prepare calls made by acquire() (misses); tests use it to prove the cache works.
  std::uint64_t statements_prepared() const { return prepared_count_; }
  // Finalises cached statements (before closing the connection); statements still leased
  // become their leases' own.
  void clear_statement_cache();

 private:
  friend class StatementLease;
  StatementLease acquire(std::string_view sql, const sql::CompiledPtr* compiled);
  void acquire_other_into(StatementLease& lease, const sql::CompiledPtr& compiled);
  void evict_if_full();

  std::list<CacheEntry> cache_;  // most recently used first
  std::unordered_map<std::string_view, CacheEntry*> by_sql_;
  std::unordered_map<const void*, CacheEntry*> by_key_;
  // The entry of the last keyed hit: a statement run in a loop skips the hash lookup.
  const void* last_key_ = nullptr;
  CacheEntry* last_entry_ = nullptr;
  std::size_t cache_capacity_ = 128;
  std::uint64_t prepared_count_ = 0;
};

}  // namespace crucible::dialects
