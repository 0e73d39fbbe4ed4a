// SPDX-License-Identifier: MIT
//
// The MariaDB / MySQL driver: the driver contract (dialects/driver.hpp) over MariaDB
// Connector/C (libmariadb). Internal; the engine opens connections through it from mysql:// and
// mariadb:// URLs. No <mysql.h> here.
//
// Session: utf8mb4 (in the handshake), CLIENT_FOUND_ROWS (an UPDATE reports the rows it matched,
// as on the other backends, so the ORM's stale-row checks work), multi-statement exec(),
// automatic reconnection off (the pool replaces broken connections), and, in one round trip
// after connecting: sql_mode (strict, no ANSI_QUOTES, no NO_BACKSLASH_ESCAPES: the dialect
// quotes with backticks and escapes backslashes), time_zone '+00:00' (TIMESTAMP columns and
// NOW() in UTC), autocommit off and the transaction isolation level.
//
// Transactions: the server runs with autocommit off, so its first statement opens a transaction
// by itself; begin() therefore sends nothing (one round trip saved per transaction, as
// mysqlclient under SQLAlchemy), and commit() / rollback() send nothing when the server reports
// no transaction open. exec() outside a begun transaction commits what it opened, so scripts
// autocommit as on the other backends. IsolationLevel::autocommit switches the session to
// autocommit; begin() then sends START TRANSACTION.
//
// Statements: server-side prepared once (the connection's cache keeps them; an evicted one is
// closed with COM_STMT_CLOSE, which has no reply), binary protocol, MYSQL_BIND arrays kept per
// statement and reused. Storage forms: int64 LONGLONG; double DOUBLE; text STRING (borrowed);
// blob BLOB (borrowed); bool TINY 0/1; Date / Time / DateTime MYSQL_TIME (an aware DateTime's
// fields are UTC); Decimal NEWDECIMAL text; Uuid 36-char text; Json text. Results are fetched
// whole (mysql_stmt_store_result), so an open result never blocks the connection; step() walks
// them. Columns: integer types and YEAR -> integer (BIGINT UNSIGNED above INT64_MAX -> text);
// FLOAT / DOUBLE -> real; DECIMAL -> text (exact); DATE "YYYY-MM-DD", TIME "HH:MM:SS[.ffffff]",
// DATETIME "YYYY-MM-DD HH:MM:SS[.ffffff]" (fraction digits as the column declares) and TIMESTAMP
// the same plus "+00:00" (it is an instant; the session zone is UTC); binary strings and BLOBs
// -> blob; other strings, ENUM, SET and JSON -> text.
//
// last_insert_id() is mysql_stmt_insert_id of the last statement executed: for a multi-row
// INSERT it is the FIRST generated id (MariaDB's rule; consecutive ids follow under
// innodb_autoinc_lock_mode 1). Use INSERT ... RETURNING (MariaDB >= 10.5) for every key.
//
// Errors: native code (mysql_errno / mysql_stmt_errno), SQLSTATE and message; 2006 (server gone),
// 2013 (lost during query), 2055 (lost, extended), 1927 (killed) and 4031 (idle timeout) mark a
// disconnect; the dialect classifies the rest.
//
// Thread-safety: one thread at a time per connection (the pool hands a connection to one user).
// Ownership: statements share the MYSQL handle with their connection through a shared session;
// closing the connection leaves them inert (they throw a disconnect error when executed).
//
//   crucible::dialects::MysqlConnectOptions options{.host = "127.0.0.1", .user = "app"};
//   auto conn = crucible::dialects::open_mysql(options);
//   auto lease = conn->acquire(std::string_view("SELECT name FROM users WHERE id = ?"));
//   lease->bind_int64(0, 42);
//   while (lease->step()) use(lease->get_text(0));
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "crucible/dialects/driver.hpp"

namespace crucible::dialects {

struct MysqlConnectOptions {
  std::string host;                    // empty: "localhost" (the Unix socket, as libmariadb does)
  std::uint16_t port = 0;              // 0: 3306
  std::string user;
  std::optional<std::string> password;
  std::string database;                // empty: no default database
  std::string unix_socket;             // socket path; used when host is empty or "localhost"
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds read_timeout{0};   // 0: libmariadb's default (none)
  std::chrono::seconds write_timeout{0};  // 0: libmariadb's default (none)
  std::string charset = "utf8mb4";
  // Replaces the session sql_mode; keep STRICT_TRANS_TABLES and leave ANSI_QUOTES and
  // NO_BACKSLASH_ESCAPES out, or compiled SQL changes meaning.
  std::string sql_mode = "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION";
  // Set at connect; nullopt keeps the server's default (REPEATABLE READ unless configured).
  std::optional<IsolationLevel> isolation_level;
  std::size_t statement_cache_size = 128;  // prepared statements kept per connection
};

// Sets one option from a URL query parameter: unix_socket, connect_timeout, read_timeout,
// write_timeout (seconds), charset, sql_mode. Throws ArgumentError naming an unknown key or a
// bad number.
void set_mysql_option(MysqlConnectOptions& options, std::string_view key, std::string_view value);

// Opens a connection; throws DriverException (disconnect) when the server cannot be reached or
// refuses the login.
std::unique_ptr<DriverConnection> open_mysql(const MysqlConnectOptions& options);

// The MariaDB / MySQL server thread id of a connection opened by open_mysql (the number
// KILL takes); 0 for other connections.
std::uint64_t mysql_thread_id(const DriverConnection& connection);

// The linked client library's version string (mysql_get_client_info).
std::string mysql_library_version();

}  // namespace crucible::dialects
