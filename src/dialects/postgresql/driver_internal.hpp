// SPDX-License-Identifier: MIT
//
// Pieces the PostgreSQL driver's files share (driver.cpp: connection; driver_statement.cpp:
// statements and results; driver_text.cpp: SQL scanning and value text forms). Internal to the
// driver; includes libpq.
//
// Thread-safety: as the connection (one thread at a time). Ownership: the Session owns the PGconn
// once the connection is open; statements hold the Session by shared_ptr, so a statement that
// outlives its connection finds `conn == nullptr` instead of a dangling handle.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crucible/dialects/driver.hpp"

namespace crucible::dialects::pg {

// Type OIDs the driver binds and decodes (fixed in pg_type since PostgreSQL 7-9.4).
namespace oid {
inline constexpr Oid unknown = 0;
inline constexpr Oid boolean = 16;
inline constexpr Oid bytea = 17;
inline constexpr Oid int8 = 20;
inline constexpr Oid int2 = 21;
inline constexpr Oid int4 = 23;
inline constexpr Oid object_id = 26;
inline constexpr Oid float4 = 700;
inline constexpr Oid float8 = 701;
inline constexpr Oid date = 1082;
inline constexpr Oid time = 1083;
inline constexpr Oid timestamp = 1114;
inline constexpr Oid timestamptz = 1184;
inline constexpr Oid numeric = 1700;
inline constexpr Oid uuid = 2950;
inline constexpr Oid jsonb = 3802;
}  // namespace oid

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// The open libpq connection and what its statements share.
struct Session {
  PGconn* conn = nullptr;            // null once closed
  std::uint64_t statement_seq = 0;   // for generated statement names
  // Names to DEALLOCATE when the session is next idle (freed inside a transaction, where a
  // failing DEALLOCATE would abort the application's work).
  std::vector<std::string> pending_deallocate;
  // The BEGIN that opened the current transaction, and whether nothing has run in it since: a
  // statement whose plan went stale (another session changed a table) can then roll back, begin
  // again the same way and run once more, losing nothing.
  std::string begin_sql;
  bool fresh_transaction = false;

  std::string next_statement_name() { return "crucible_" + std::to_string(++statement_seq); }
  bool idle() const { return conn && PQtransactionStatus(conn) == PQTRANS_IDLE; }
  // Sends the pending DEALLOCATEs when idle; errors are ignored (the server frees all
  // statements when the session ends anyway).
  void flush_deallocations();
};

// Throws the error held by `result` (or, when it is null, the connection's error message) as a
// DriverException with SQLSTATE, primary message and the disconnect flag.
[[noreturn]] void throw_result_error(PGconn* conn, const PGresult* result);
// Throws a client-side error (no server round trip happened).
[[noreturn]] void throw_client_error(std::string sqlstate, std::string message,
                                     bool disconnect = false);
// Runs simple-query SQL (one or more statements, no parameters); throws on failure.
void exec_simple(PGconn* conn, const char* sql);

std::unique_ptr<DriverStatement> make_statement(std::shared_ptr<Session> session,
                                                std::string_view sql, bool persistent);

// ---- pipeline mode (driver_pipeline.cpp) -----------------------------------------------------

// Rows an INSERT / UPDATE / DELETE / MERGE / COPY result changed; 0 for SELECT and the others.
std::int64_t rows_changed(const PGresult* r);

// One batch of prepared executions in libpq pipeline mode: every query is sent without waiting,
// results are read as they arrive (the socket is non-blocking meanwhile, so neither side can
// stall on a full buffer whatever the batch size), and one Sync ends the batch: one round trip
// in all. Inside a transaction a failing query aborts it, and the queries after it come back
// "aborted" without running, exactly as row by row.
//
//   Pipeline p(conn);              // enters pipeline mode
//   p.on_rows(handler);            // optional: each set's returned rows, as they arrive
//   p.prepare(name, sql, types);   // when the statement is new
//   p.execute(name, n, values, lengths, formats, set, bytes);   // per parameter set
//   PipelineOutcome out = p.finish();
//
// The destructor of an unfinished pipeline (an exception while binding) drains it and leaves
// pipeline mode. Thread-safety: as the connection.
struct PipelineOutcome {
  std::int64_t changes = 0;   // summed over the executions that ran
  ResultPtr error;            // the first failure, if any
  std::size_t error_set = 0;  // the set it belongs to
  bool error_in_prepare = false;
  bool broken = false;        // the connection failed (error is null: read PQerrorMessage)
};

class Pipeline {
 public:
  explicit Pipeline(PGconn* conn);  // throws DriverException when pipeline mode is unavailable
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;
  ~Pipeline();

  // Receives the rows (PGRES_TUPLES_OK) of each set's query, in order; it runs inside
  // execute() and finish(), and must not throw.
  using RowsHandler = std::function<void(std::size_t set, ResultPtr rows)>;
  void on_rows(RowsHandler handler) { on_rows_ = std::move(handler); }

  void prepare(const std::string& name, const std::string& sql, const std::vector<Oid>& types,
               std::size_t set);
  // `bytes`: about how much the parameters weigh, so that big sets are followed by a look at
  // the socket sooner than every kPumpEvery queries.
  void execute(const std::string& name, int count, const char* const* values, const int* lengths,
               const int* formats, std::size_t set, std::size_t bytes = 0);
  // An error (or a broken connection) was already seen: later sets need not be sent.
  bool failed() const { return outcome_.error != nullptr || outcome_.broken; }
  // Syncs, reads every result and leaves pipeline mode.
  PipelineOutcome finish();

 private:
  struct Pending {
    enum class Kind : unsigned char { prepare, query, sync } kind;
    std::size_t set;
  };
  void sync();
  void pump(bool wait);
  void take(PGresult* r);
  void fail_connection();
  void leave();

  PGconn* conn_;
  std::vector<Pending> pending_;  // sent and not yet answered, oldest at head_
  std::size_t head_ = 0;
  std::size_t since_pump_ = 0;
  std::size_t bytes_since_pump_ = 0;
  RowsHandler on_rows_;
  bool synced_ = false;
  bool open_ = false;
  PipelineOutcome outcome_;
};

// ---- text forms (driver_text.cpp) ----------------------------------------------------------

// The number of parameters a statement takes: the highest $n outside string literals, quoted
// identifiers, comments and dollar-quoted bodies (as the server counts them).
int count_parameters(std::string_view sql);

// "HH:MM:SS.ffffff", "YYYY-MM-DD HH:MM:SS.ffffff[+00:00]": the text PostgreSQL parses.
void append_time(std::string& out, const Time& t);
void append_datetime(std::string& out, const DateTime& dt);

// timestamptz output ends in "+HH" (or "+HH:MM"); the engine reads "+HH:MM". Returns false
// (leave the text alone) when nothing needs adding.
bool needs_offset_minutes(std::string_view text);

// Decodes bytea output ("\x" hex, or the old escape format) into `out`.
void decode_bytea(std::string_view text, std::string& out);

}  // namespace crucible::dialects::pg
