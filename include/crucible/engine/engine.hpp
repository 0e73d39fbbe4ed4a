// SPDX-License-Identifier: MIT
//
// Engine: the starting point. Owns the dialect, the connection pool, the compiled-SQL cache and
// the events; hands out Connections. Create one per database per process and share it.
//
//   auto engine = crucible::create_engine("sqlite:///blog.db", {.echo = true});
//   auto conn = engine.connect();                       // a pooled Connection (RAII)
//   conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)");
//   conn.execute("INSERT INTO users (name) VALUES (:name)", {{"name", "alice"}});
//   conn.commit();                                      // autobegun transaction (see connection.hpp)
//
// Backends: sqlite is always built; postgresql:// and mysql:// / mariadb:// need their client
// library at build time (CRUCIBLE_HAVE_POSTGRESQL / CRUCIBLE_HAVE_MYSQL), else create_engine
// throws NotSupportedError naming the missing backend.
//
// Thread-safety: an Engine is a cheap, copyable handle to shared state; copies may be used from
// any thread. Connections belong to one thread at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "crucible/dialects/driver.hpp"
#include "crucible/engine/connection.hpp"
#include "crucible/engine/events.hpp"
#include "crucible/engine/url.hpp"
#include "crucible/pool/pool.hpp"

namespace crucible {

namespace sql {
class Dialect;
class CompiledCache;
}  // namespace sql

enum class PoolClass {
  automatic,  // StaticPool for sqlite in-memory databases, QueuePool otherwise
  queue,
  null_pool,
  static_pool,
};

struct SqliteEngineOptions {
  std::chrono::milliseconds busy_timeout{5000};  // wait on a locked database before SQLITE_BUSY
  bool wal = false;                              // PRAGMA journal_mode=WAL (file databases)
  bool foreign_keys = true;                      // PRAGMA foreign_keys=ON on every connection
  std::size_t statement_cache_size = 128;        // prepared statements kept per connection
};

struct EngineOptions {
  bool echo = false;  // log every statement and its parameters through `logger`
  // Echo sink; default writes "[crucible] <line>" to stderr.
  std::function<void(std::string_view line)> logger = {};
  bool hide_parameters = false;  // error messages and echo show "[redacted]" instead of values
  PoolClass pool_class = PoolClass::automatic;
  std::size_t pool_size = 5;                        // QueuePool
  int max_overflow = 10;                            // QueuePool; -1 = unlimited
  std::chrono::milliseconds pool_timeout{30000};    // wait for a free connection
  int pool_recycle = -1;                            // seconds; -1 = never recycle
  bool pool_pre_ping = false;                       // ping connections on checkout
  // Applied to every new connection; nullopt = the backend's default (SQLite: SERIALIZABLE).
  std::optional<IsolationLevel> isolation_level = std::nullopt;
  std::size_t compiled_cache_size = 500;            // compiled statements kept by shape
  // PostgreSQL and MariaDB: a connect (TCP, TLS, login) that takes longer fails with a
  // disconnect OperationalError, so a server that accepts and never answers cannot hang a
  // checkout. nullopt: the URL's connect_timeout=<seconds>, else 10 s; 0 waits forever. Setting
  // both this and a different URL value is an ArgumentError. (MariaDB counts whole seconds,
  // rounding up.) SQLite opens a local file and has nothing to wait for.
  std::optional<std::chrono::milliseconds> connect_timeout = std::nullopt;
  SqliteEngineOptions sqlite = {};
};

namespace detail {
struct EngineState;
}

class Engine {
 public:
  // Checks a connection out of the pool (TimeoutError when none frees up in time).
  Connection connect() const;

  const Url& url() const;
  const sql::Dialect& dialect() const;
  Pool& pool() const;
  EngineEvents& events() const;
  const EngineOptions& options() const;
  sql::CompiledCache& compiled_cache() const;
  // Closes idle pooled connections; connections in use close when returned.
  void dispose() const;

  explicit Engine(std::shared_ptr<detail::EngineState> state) : state_(std::move(state)) {}
  const std::shared_ptr<detail::EngineState>& state() const { return state_; }

 private:
  std::shared_ptr<detail::EngineState> state_;
};

// Parses `url`, opens nothing yet (connections open on first checkout). Throws ArgumentError for
// malformed URLs and bad options, NotSupportedError for backends not built in.
Engine create_engine(std::string_view url, EngineOptions options = {});

}  // namespace crucible
