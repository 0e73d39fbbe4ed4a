// SPDX-License-Identifier: MIT
// Engine internals shared by engine.cpp, connection.cpp, cursor.cpp and errors.cpp.
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

  dialects::DriverConnection& driver();  // InvalidRequestError when closed
  void close_cursors();
  void end_transaction(bool commit);
};

// The one translation point: driver error -> dialect classification -> typed exception, with
// SQL and (possibly redacted) parameters; a disconnect invalidates the connection and the pool.
[[noreturn]] void raise_driver_error(EngineState& engine, ConnectionState* conn,
                                     dialects::DriverException& error, std::string_view sql,
                                     std::span<const Value> parameters, std::size_t batch = 0);

// Runs `fn` (a driver call); translates a DriverException.
template <typename F>
auto guarded(ConnectionState& st, std::string_view sql, F&& fn) {
  try {
    return fn();
  } catch (dialects::DriverException& error) {
    raise_driver_error(*st.engine, &st, error, sql, {});
  }
}

// Info for the statement behind `lease`, built once per cached statement.
const StatementInfo& statement_info(dialects::StatementLease& lease,
                                    const sql::CompiledStatement* compiled,
                                    std::shared_ptr<StatementInfo>& private_info);

class StatementCursor final : public Cursor {
 public:
  StatementCursor(ConnectionState& conn, dialects::StatementLease&& lease, const StatementInfo& info,
                  std::shared_ptr<StatementInfo> private_info, bool has_row);
  ~StatementCursor() override;

  // One cursor is allocated per row-returning execute; a freed block is kept per thread for the
  // next one (malloc + free showed up in primary-key lookups). Thread-local, so no locking; a
  // cursor freed on another thread simply feeds that thread's spare.
  static void* operator new(std::size_t size);
  static void operator delete(void* block, std::size_t size) noexcept;

  RowSource& source() override { return *stmt_; }
  const std::shared_ptr<const ResultMeta>& meta() override { return info_->meta; }
  bool next() override;
  void close() override;
  std::int64_t rows_affected() const override { return rows_affected_; }
  std::optional<std::int64_t> last_insert_id() const override { return last_insert_id_; }

 private:
  friend struct ConnectionState;
  void unlink();

  ConnectionState* conn_;
  dialects::StatementLease lease_;
  dialects::DriverStatement* stmt_;  // stays readable for source() even after close
  const StatementInfo* info_;
  std::shared_ptr<StatementInfo> private_info_;
  bool prefetched_;
  std::int64_t rows_affected_ = -1;
  std::optional<std::int64_t> last_insert_id_;
  StatementCursor* prev_ = nullptr;
  StatementCursor* next_ = nullptr;
};

}  // namespace crucible::detail
