// SPDX-License-Identifier: MIT
//
// The SQLite driver: the driver contract (dialects/driver.hpp) over libsqlite3. Internal; the
// engine opens connections through it from a sqlite:// URL and EngineOptions::sqlite.
//
// Storage forms (what bind(Value) writes and result reads parse back):
//   bool -> 0/1; Date "YYYY-MM-DD"; Time "HH:MM:SS.ffffff"; DateTime "YYYY-MM-DD HH:MM:SS.ffffff"
//   (+ "+00:00" when UTC-aware); Decimal, Uuid (36 chars) and Json as text; Blob as blob.
//
// Connections open with SQLITE_OPEN_NOMUTEX (the pool gives a connection to one thread at a
// time), extended result codes, a busy timeout, and PRAGMA foreign_keys=ON by default.
//
//   auto conn = crucible::dialects::open_sqlite({.path = "blog.db", .wal = true});
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "crucible/dialects/driver.hpp"

namespace crucible::dialects {

struct SqliteConnectOptions {
  std::string path = ":memory:";  // file path, ":memory:", or a file: URI when uri is set
  bool uri = false;               // interpret path as an SQLite URI (file:...?mode=ro)
  bool read_only = false;
  std::chrono::milliseconds busy_timeout{5000};  // wait on locks before SQLITE_BUSY
  bool wal = false;                              // PRAGMA journal_mode=WAL (files only)
  bool foreign_keys = true;                      // PRAGMA foreign_keys=ON
  std::size_t statement_cache_size = 128;        // prepared statements kept per connection
};

// Opens a connection; throws DriverException when SQLite cannot open the database.
std::unique_ptr<DriverConnection> open_sqlite(const SqliteConnectOptions& options);

// The linked libsqlite3 version number (3035000 for 3.35.0); RETURNING needs >= 3035000.
int sqlite_library_version();

}  // namespace crucible::dialects
