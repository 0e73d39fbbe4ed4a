// SPDX-License-Identifier: MIT
//
// The PostgreSQL driver: the driver contract (dialects/driver.hpp) over libpq. Internal; the
// engine opens connections through it from a postgresql:// URL. No libpq header here.
//
// Connecting: `parameters` are libpq connection keywords and values (host, port, user, password,
// dbname, sslmode, connect_timeout, application_name, options, ...), handed to PQconnectdbParams
// as separate strings, so no value needs quoting or escaping. The driver adds
// client_encoding=UTF8 and, in the startup packet (no extra round trip), TimeZone=UTC,
// DateStyle=ISO, bytea_output=hex and extra_float_digits=3, so results come back in the forms the
// engine's readers parse. A user `options` value is kept and applied after ours.
//
// Statements: persistent statements (the connection's cache) are prepared server-side under a
// generated name at their first execution, with parameter types taken from the bound Values
// (int4 or int8 by size, float8, bool, bytea in binary format, numeric, date, time, timestamp /
// timestamptz, uuid, jsonb; strings as "unknown" so the server infers varchar, text, json,
// enum...). An execution whose non-NULL values no longer fit those types re-prepares (an int4
// value fits an int8 slot, so a slot widens once). Evicted statements are DEALLOCATEd.
// Private statements use PQexecParams (one round trip, nothing kept on the server). Each
// execution fetches the whole result; step() walks it, so an open result never blocks the
// connection. Columns: int2/4/8 and oid -> integer; float4/8 -> real; bool -> integer 0/1;
// bytea -> blob; everything else text (numeric keeps its exact text; timestamptz reads as
// "YYYY-MM-DD HH:MM:SS[.ffffff]+00:00"). column_count() / column_name() are known after the
// first step().
//
// Not supported: last_insert_id() returns nullopt (PostgreSQL has none; use INSERT ... RETURNING).
// Text parameters cannot contain NUL bytes (PostgreSQL text cannot store them): step() throws
// with SQLSTATE 22021 instead of truncating.
//
// Isolation: set_isolation_level() is applied by begin() ("BEGIN ISOLATION LEVEL ..."), so no
// session state is changed and a rolled-back SET cannot leave the driver and the server
// disagreeing. Errors carry the SQLSTATE and primary message; a connection found broken after a
// failure (CONNECTION_BAD) marks the error as a disconnect.
//
// Thread-safety: one thread at a time per connection (the pool hands a connection to one user).
// Ownership: statements share the libpq handle with their connection; closing the connection
// leaves them inert (they throw when executed).
//
//   auto conn = crucible::dialects::open_postgresql(
//       {.parameters = {{"host", "127.0.0.1"}, {"dbname", "app"}, {"user", "bob"}}});
//   auto lease = conn->acquire(std::string_view("SELECT name FROM users WHERE id = $1"));
//   lease->bind(0, crucible::Value(42));
//   while (lease->step()) use(lease->get_text(0));
#pragma once

#include <chrono>

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "crucible/dialects/driver.hpp"

namespace crucible::dialects {

struct PostgresqlConnectOptions {
  // libpq keywords and values, in order (a later duplicate wins, as in libpq).
  // (A "connect_timeout" keyword here is libpq's own, in whole seconds of at least 2; the
  // engine passes its timeout below instead.)
  std::vector<std::pair<std::string, std::string>> parameters;
  std::size_t statement_cache_size = 128;  // prepared statements kept per connection
  // The whole connect (every host tried, TLS, the startup exchange) gives up after this long
  // with an 08001 disconnect error: a server that accepts and never answers cannot hang it.
  // 0: no limit.
  std::chrono::milliseconds connect_timeout{10000};
};

// Opens a connection; throws DriverException (SQLSTATE 08001, disconnect) when libpq cannot
// connect or a keyword is unknown.
std::unique_ptr<DriverConnection> open_postgresql(const PostgresqlConnectOptions& options);

// The linked libpq version number (150018 for 15.18).
int postgresql_library_version();

}  // namespace crucible::dialects
