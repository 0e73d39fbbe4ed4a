// SPDX-License-Identifier: MIT
// Engine internals shared by engine.cpp, connection.cpp, connection_bound.cpp,
// connection_many.cpp, execute.cpp and errors.cpp.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crucible/core/result.hpp"
#include "crucible/dialects/driver.hpp"
#include "crucible/engine/engine.hpp"
#include "crucible/engine/events.hpp"
#include "crucible/pool/pool.hpp"
#include "crucible/sql/compiled_cache.hpp"
#include "crucible/sql/dialect.hpp"

namespace crucible::detail {

struct EngineState {
  Url url;
  EngineOptions options;
  // Keeps a SQLite in-memory database alive behind a pool of several connections (engine.cpp,
  // sqlite_factory); declared before the pool so that it closes after the pool's connections.
  std::unique_ptr<dialects::DriverConnection> memory_anchor;
  std::unique_ptr<sql::Dialect> dialect;
  std::unique_ptr<Pool> pool;
  std::unique_ptr<EngineEvents> events;
  std::unique_ptr<sql::CompiledCache> compiled_cache;
  IsolationLevel default_isolation = IsolationLevel::serializable;
  EventHandle echo_handle;
};

// What the engine remembers beside each cached prepared statement.
struct StatementInfo {
  std::shared_ptr<const ResultMeta> meta;
  bool is_insert = false;
  bool is_dml = false;
  // An INSERT of given rows (VALUES, SET, DEFAULT VALUES), not INSERT ... SELECT: when it
  // inserts exactly one row, the driver's last-insert id is that row's key.
  bool single_key = false;
  // CREATE / DROP / ALTER / RENAME: the connection's prepared statements are dropped after it.
  bool is_ddl = false;
};

class StatementCursor;

struct ConnectionState {
  std::shared_ptr<EngineState> engine;
  PooledConnection lease;
  dialects::DriverConnection* conn = nullptr;
  bool autocommit = false;
  IsolationLevel isolation = IsolationLevel::serializable;
  std::uint64_t tx_epoch = 1;
  std::vector<std::string> savepoints;
  std::uint64_t savepoint_seq = 0;
  StatementCursor* cursors = nullptr;  // open results (intrusive list)
  std::vector<Value> literals;         // reused per execute
  bool closed = false;
  // A transaction was begun here and has not ended. The driver's own answer is not enough: once
  // libpq has seen the socket drop it reports no transaction at all, and a COMMIT would then
  // silently do nothing.
  bool transaction_begun = false;
  // A Transaction guard still in scope rolled its transaction back: beginning another (autobegin
  // included) is an InvalidRequestError until the guard goes (Transaction::rollback).
  bool guard_rolled_back = false;

  // InvalidRequestError when closed (inline: every execute asks).
  dialects::DriverConnection& driver() {
    if (closed || !conn) [[unlikely]] throw_closed();
    return *conn;
  }
  [[noreturn]] static void throw_closed();
  void close_cursors();
  // BEGIN unless a transaction is open or the connection autocommits (every execute path).
  void autobegin() {
    auto& c = driver();
    if (!autocommit && !c.in_transaction()) begin_transaction();
  }
  void begin_transaction();
  void end_transaction(bool commit);
};

// The one translation point: driver error -> dialect classification -> typed exception, with
// SQL and (possibly redacted) parameters; a disconnect invalidates the connection and the pool.
[[noreturn]] void raise_driver_error(EngineState& engine, ConnectionState* conn,
                                     dialects::DriverException& error, std::string_view sql,
                                     std::span<const Value> parameters, std::size_t batch = 0);

// A Decimal bound to a NUMERIC placeholder with more significant digits than the dialect's
// NUMERIC keeps (SQLite: 15, a double's; whole numbers written without a fraction that fit 64
// bits are exact): a DataError before anything runs, rather than a value rounded in silence.
// Only statements with such placeholders call it (CompiledStatement::numeric_digits).
void check_numeric_binds(EngineState& engine, const sql::CompiledStatement& compiled,
                         std::span<const Value> literals, const Params& params, std::size_t set = 0);
// The same for one set's values in placeholder order (execute_many, the ORM's bound statements).
void check_numeric_values(EngineState& engine, const sql::CompiledStatement& compiled, std::span<const Value> values,
                          std::size_t set = 0);

// COMMIT of a transaction whose connection is gone (ConnectionState::end_transaction): a
// disconnect OperationalError, through the same error event as every driver error.
[[noreturn]] void raise_lost_transaction(EngineState& engine);

// ArgumentError unless `stmt` has one placeholder per bind slot of `compiled` (text SQL whose
// placeholders the compiler did not see, such as a literal '?').
[[noreturn]] void throw_placeholder_mismatch(int placeholders, const sql::CompiledStatement& compiled);
inline void check_placeholders(dialects::DriverStatement& stmt, const sql::CompiledStatement& compiled) {
  const int placeholders = stmt.placeholders();
  if (static_cast<std::size_t>(placeholders) != compiled.binds.size())
    throw_placeholder_mismatch(placeholders, compiled);
}

// The value bound to `slot`: its literal, or the parameter it names; nullptr when there is none.
inline const Value* slot_value(const sql::BindSlot& slot, std::span<const Value> literals, const Params& params) {
  if (slot.literal_index < 0) return params.find(slot.name);
  const auto at = static_cast<std::size_t>(slot.literal_index);
  return at < literals.size() ? &literals[at] : nullptr;
}

// Binds `value` at `index`. Integers (keys, most parameters) skip the driver's visit over every
// Value alternative.
inline void bind_value(dialects::DriverStatement& stmt, int index, const Value& value) {
  if (const auto* integer = std::get_if<std::int64_t>(&value.variant())) stmt.bind_int64(index, *integer);
  else stmt.bind(index, value);
}

// Runs `fn` (a driver call); translates a DriverException. (Inline: it wraps calls on the
// execution path.)
template <typename F>
[[gnu::always_inline]] inline auto guarded(ConnectionState& st, std::string_view sql, F&& fn) {
  try {
    return fn();
  } catch (dialects::DriverException& error) {
    raise_driver_error(*st.engine, &st, error, sql, {});
  }
}

class StatementCursor;
// Ends a StatementCursor through dispose(), on every path: a Result's end, a statement without
// rows, an error while binding or stepping.
struct CursorDisposer {
  inline void operator()(StatementCursor* cursor) const noexcept;
};
using CursorPtr = std::unique_ptr<StatementCursor, CursorDisposer>;

// One single execution, from the statement's acquisition to its Result. The cursor takes the
// prepared statement from the connection's cache when made, so no lease is handed over
// afterwards and an error while binding or stepping simply disposes of it (releasing the
// statement). It joins the connection's open results in finish(), once it has rows to give.
//
//   CursorPtr cursor = StatementCursor::make(st, compiled);
//   bind(cursor->statement());
//   const bool has_row = cursor->statement().step();
//   return StatementCursor::finish(std::move(cursor), compiled.get(), has_row, rows_affected);
class StatementCursor final : public Cursor {
 public:
  ~StatementCursor() override;

  // A cursor for one execution of `compiled`. The last cursor disposed of on this thread is
  // kept, closed, and reopened here: a lookup in a loop neither allocates nor builds nor
  // destroys a cursor, and keeps its statement's info without touching reference counts.
  // Thread-local, so no locking; a Result dropped on another thread feeds that thread's.
  static CursorPtr make(ConnectionState& conn, const sql::CompiledPtr& compiled);
  // make(), inlined into execute() (defined in execute.cpp, for use there only).
  [[gnu::always_inline]] static inline CursorPtr make_here(ConnectionState& conn,
                                                           const sql::CompiledPtr& compiled);
  void dispose() noexcept override;

  dialects::DriverStatement& statement() const { return *lease_; }
  std::int64_t rows_ahead() const override { return lease_ ? lease_->rows_ahead() : -1; }

  // After the first step (`has_row`: the statement stands on a row): a statement without
  // columns is finished at once, its statement going straight back to the cache and its count
  // and inserted id into the Result; anything else is read through the cursor.
  // `rows_affected` receives the count for after_execute (-1 for rows).
  static Result finish(CursorPtr cursor, const sql::CompiledStatement* compiled, bool has_row,
                       std::int64_t& rows_affected);

  // finish(), inlined into execute() (defined in execute.cpp, for use there only).
  [[gnu::always_inline]] static inline Result finish_here(CursorPtr cursor,
                                                          const sql::CompiledStatement* compiled,
                                                          bool has_row, std::int64_t& rows_affected);

 private:
  StatementCursor() = default;
  // finish() for a statement without columns (DML, DDL).
  static Result finish_without_rows(CursorPtr cursor, const sql::CompiledStatement* compiled,
                                    bool has_row, std::int64_t& rows_affected);
  bool fetch() override;
  void release() override;

  ConnectionState* conn_ = nullptr;
  dialects::StatementLease lease_;
  // Shared with the cache entry, so the names outlive the statement's eviction (a Result keeps
  // its closed cursor and may still ask for them). A kept cursor keeps it too, for its next
  // execution of the same statement.
  std::shared_ptr<const StatementInfo> info_;
  StatementCursor* prev_ = nullptr;
  StatementCursor* next_ = nullptr;
};

void CursorDisposer::operator()(StatementCursor* cursor) const noexcept { cursor->dispose(); }

}  // namespace crucible::detail
