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
