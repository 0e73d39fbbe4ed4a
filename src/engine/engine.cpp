// SPDX-License-Identifier: MIT
// create_engine: URL -> dialect + driver factory + pool + events.
#include "crucible/engine/engine.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "crucible/dialects/sqlite/dialect.hpp"
#include "crucible/dialects/sqlite/driver.hpp"
#if CRUCIBLE_HAVE_POSTGRESQL
#include "crucible/dialects/postgresql/dialect.hpp"
#include "crucible/dialects/postgresql/driver.hpp"
#endif
#if CRUCIBLE_HAVE_MYSQL
#include "crucible/dialects/mysql/dialect.hpp"
#include "crucible/dialects/mysql/driver.hpp"
#endif
#include "crucible/pool/null_pool.hpp"
#include "crucible/pool/queue_pool.hpp"
#include "crucible/pool/static_pool.hpp"
#include "engine/detail/state.hpp"

namespace crucible {
namespace {

[[noreturn]] void backend_not_available(const Url& url) {
  DriverErrorInfo info;
  info.backend = url.backend;
  info.driver_message = "the " + url.backend +
                        " backend is not available in this build yet (only sqlite is); "
                        "URL " + url.to_string();
  throw NotSupportedError(std::move(info));
}

[[maybe_unused]] constexpr std::chrono::milliseconds kDefaultConnectTimeout{10000};

// The connect timeout of a server engine: the URL's connect_timeout (whole seconds, as libpq and
// libmariadb spell it) or the engine option, one of them at most when they differ; 10 s when
// neither says.
[[maybe_unused]] std::chrono::milliseconds connect_timeout(const Url& url, const EngineOptions& options) {
  std::optional<std::chrono::milliseconds> from_url;
  if (auto text = url.query_value("connect_timeout")) {
    unsigned seconds = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), seconds);
    if (ec != std::errc() || end != text->data() + text->size() || text->empty())
      throw ArgumentError("connect_timeout takes a whole number of seconds, not '" + *text + "'");
    from_url = std::chrono::seconds(seconds);
  }
  if (from_url && options.connect_timeout && *from_url != *options.connect_timeout)
    throw ArgumentError("connect_timeout is set twice, to " + std::to_string(from_url->count()) +
                        " ms in the URL and " + std::to_string(options.connect_timeout->count()) +
                        " ms in the engine options; set it in one place");
  if (options.connect_timeout && options.connect_timeout->count() < 0)
    throw ArgumentError("connect_timeout must not be negative");
  return from_url ? *from_url : options.connect_timeout.value_or(kDefaultConnectTimeout);
}

// %HH for what an SQLite URI cannot hold literally in `part` (a query name or value, or with
// `path` a file path, where '/' stays).
std::string uri_escaped(std::string_view part, bool path) {
  return detail::percent_encode(part, path ? ":/" : ":");
}

// What sqlite3_open_v2 opens for `url`, and whether as a URI. A `file:` database and any path
// with query options become an SQLite URI carrying every option (mode=memory, cache=shared,
// vfs=..., immutable=1 ...), so that what SQLite opens is what the URL says; a plain path
// without options opens as a file name.
std::string sqlite_open_path(const Url& url, bool& uri) {
  const bool file_uri = url.database.rfind("file:", 0) == 0;
  uri = file_uri || !url.query.empty();
  if (!uri) return url.database.empty() ? ":memory:" : url.database;
  std::string path;
  if (file_uri) path = url.database;  // as written: SQLite decodes its own escapes
  else if (url.database.empty() || url.database == ":memory:") path = "file::memory:";
  else path = "file:" + uri_escaped(url.database, true);
  for (std::size_t i = 0; i < url.query.size(); ++i)
    path += (i ? "&" : "?") + uri_escaped(url.query[i].first, false) + "=" + uri_escaped(url.query[i].second, false);
  return path;
}

// What no connect error may show: the password, and what follows the first ':' of a host that
// is no IPv6 address (a URL missing its '@' leaves "user:password..." where the host belongs),
// longest first. libpq and libmariadb quote the host, and may quote more, in their messages.
[[maybe_unused]] std::vector<std::string> connect_secrets(const Url& url) {
  std::vector<std::string> secrets;
  if (url.password && !url.password->empty()) secrets.push_back(*url.password);
  in6_addr ignored{};
  if (const auto colon = url.host.find(':');
      colon != std::string::npos && ::inet_pton(AF_INET6, url.host.c_str(), &ignored) != 1)
    secrets.push_back(url.host.substr(colon + 1));
  std::sort(secrets.begin(), secrets.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  return secrets;
}

// Masks `secrets` in a driver's connect error before it is translated (and shown, logged...):
// the last line of defence, whatever the client library chose to quote. An occurrence inside a
// longer word stays (a password "app" is not masked out of "app_db"), one standing alone or
// between punctuation ("host 'app:secret'") goes.
[[maybe_unused]] void scrub_secrets(dialects::DriverException& error, const std::vector<std::string>& secrets) {
  std::string& message = error.info().driver_message;
  const auto word = [&](std::size_t at) {
    return at < message.size() && (std::isalnum(static_cast<unsigned char>(message[at])) || message[at] == '_');
  };
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (auto at = message.find(secret); at != std::string::npos; at = message.find(secret, at + 1)) {
      if ((at > 0 && word(at - 1)) || word(at + secret.size())) continue;
      message.replace(at, secret.size(), "***");
    }
  }
}

// The pool (and so each factory) lives in the EngineState the factories point to.
// An in-memory database lives as long as a connection to it. Behind a pool that opens more than
// one connection (NullPool: one per checkout; QueuePool: several), a private ":memory:" becomes a
// named in-memory database of this engine alone (SQLite's memdb VFS, shared by the connections of
// one process, with the ordinary locking of a file database), and the engine holds one more
// connection to it for its whole life, so that every checkout sees the same tables and rows.
// StaticPool needs neither: its one connection is the database.
ConnectionFactory sqlite_factory(detail::EngineState& state, PoolClass pool_class) {
  const Url& url = state.url;
  const EngineOptions& opts = state.options;
  state.dialect = std::make_unique<dialects::SqliteDialect>();
  const int v = dialects::sqlite_library_version();  // SQLite is in-process: known up front
  state.dialect->set_server_version(std::to_string(v / 1000000) + "." +
                                    std::to_string(v / 1000 % 1000) + "." +
                                    std::to_string(v % 1000));

  dialects::SqliteConnectOptions connect_options;
  connect_options.path = sqlite_open_path(url, connect_options.uri);
  connect_options.read_only = url.query_value("mode") == "ro";
  connect_options.busy_timeout = opts.sqlite.busy_timeout;
  connect_options.wal = opts.sqlite.wal;
  connect_options.foreign_keys = opts.sqlite.foreign_keys;
  connect_options.statement_cache_size = opts.sqlite.statement_cache_size;
  if (url.is_sqlite_memory() && pool_class != PoolClass::static_pool) {
    if (connect_options.path == ":memory:") {
      static std::atomic<std::uint64_t> engines{0};
      connect_options.path = "file:/crucible-memory-" + std::to_string(::getpid()) + "-" +
                             std::to_string(engines.fetch_add(1) + 1) + "?vfs=memdb";
      connect_options.uri = true;
    }
    try {
      state.memory_anchor = dialects::open_sqlite(connect_options);
    } catch (dialects::DriverException& error) {
      detail::raise_driver_error(state, nullptr, error, {}, {});
    }
  }

  detail::EngineState* raw = &state;
  return [raw, connect_options]() -> std::unique_ptr<dialects::DriverConnection> {
    try {
      auto conn = dialects::open_sqlite(connect_options);
      if (raw->default_isolation != IsolationLevel::serializable)
        conn->set_isolation_level(raw->default_isolation);
      return conn;
    } catch (dialects::DriverException& error) {
      detail::raise_driver_error(*raw, nullptr, error, {}, {});
    }
  };
}

// PostgreSQL: the URL becomes libpq keywords (query options such as sslmode, connect_timeout or
// application_name pass through as keywords); the dialect learns the server version from the
// first connection, before any statement is compiled for it. Default isolation: READ COMMITTED.
ConnectionFactory postgresql_factory([[maybe_unused]] detail::EngineState& state) {
#if CRUCIBLE_HAVE_POSTGRESQL
  const Url& url = state.url;
  dialects::PostgresqlConnectOptions connect_options;
  auto& params = connect_options.parameters;
  if (!url.host.empty()) params.emplace_back("host", url.host);
  if (url.port) params.emplace_back("port", std::to_string(*url.port));
  if (!url.username.empty()) params.emplace_back("user", url.username);
  if (url.password) params.emplace_back("password", *url.password);
  if (!url.database.empty()) params.emplace_back("dbname", url.database);
  for (const auto& option : url.query)
    if (option.first != "connect_timeout") params.push_back(option);  // the driver's deadline instead
  connect_options.connect_timeout = connect_timeout(url, state.options);
  state.dialect = std::make_unique<dialects::PostgresqlDialect>();
  if (!state.options.isolation_level) state.default_isolation = IsolationLevel::read_committed;

  detail::EngineState* raw = &state;
  auto versioned = std::make_shared<std::once_flag>();
  return [raw, connect_options, versioned, secrets = connect_secrets(url)]() -> std::unique_ptr<dialects::DriverConnection> {
    try {
      auto conn = dialects::open_postgresql(connect_options);
      std::call_once(*versioned, [&] { raw->dialect->set_server_version(conn->server_version()); });
      if (raw->options.isolation_level) conn->set_isolation_level(*raw->options.isolation_level);
      return conn;
    } catch (dialects::DriverException& error) {
      scrub_secrets(error, secrets);
      detail::raise_driver_error(*raw, nullptr, error, {}, {});
    }
  };
#else
  backend_not_available(state.url);
#endif
}

// MariaDB / MySQL: mariadb:// uses MariadbDialect; mysql:// a MysqlDialect that the server
// version at the first connection refines (a MariaDB server gets MariaDB's features). Query
// options (unix_socket, connect_timeout, charset, ...) are checked here, at create_engine.
// Default isolation: REPEATABLE READ (InnoDB's), set explicitly on every connection.
ConnectionFactory mysql_factory([[maybe_unused]] detail::EngineState& state) {
#if CRUCIBLE_HAVE_MYSQL
  const Url& url = state.url;
  dialects::MysqlConnectOptions connect_options;
  connect_options.host = url.host;
  connect_options.port = url.port.value_or(0);
  connect_options.user = url.username;
  connect_options.password = url.password;
  connect_options.database = url.database;
  for (const auto& [key, value] : url.query) dialects::set_mysql_option(connect_options, key, value);
  // libmariadb counts whole seconds: a part of one rounds up rather than to "no limit".
  const auto timeout = connect_timeout(url, state.options);
  connect_options.connect_timeout = std::chrono::ceil<std::chrono::seconds>(timeout);
  if (url.backend == "mariadb") state.dialect = std::make_unique<dialects::MariadbDialect>();
  else state.dialect = std::make_unique<dialects::MysqlDialect>();
  if (!state.options.isolation_level) state.default_isolation = IsolationLevel::repeatable_read;

  detail::EngineState* raw = &state;
  auto versioned = std::make_shared<std::once_flag>();
  return [raw, connect_options, versioned, secrets = connect_secrets(url)]() -> std::unique_ptr<dialects::DriverConnection> {
    try {
      dialects::MysqlConnectOptions options = connect_options;  // the factory may run concurrently
      options.isolation_level = raw->default_isolation;
      auto conn = dialects::open_mysql(options);
      std::call_once(*versioned, [&] { raw->dialect->set_server_version(conn->server_version()); });
      return conn;
    } catch (dialects::DriverException& error) {
      scrub_secrets(error, secrets);
      detail::raise_driver_error(*raw, nullptr, error, {}, {});
    }
  };
#else
  backend_not_available(state.url);
#endif
}

void echo_line(const EngineOptions& options, std::string_view line) {
  if (options.logger) options.logger(line);
  else std::fprintf(stderr, "[crucible] %.*s\n", static_cast<int>(line.size()), line.data());
}

void install_echo(detail::EngineState& state) {
  state.echo_handle = state.events->on_before_execute([&state](const ExecuteInfo& info) {
    echo_line(state.options, info.sql);
    auto list = [](std::span<const Value> values) {
      std::string out = "[";
      for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) out += ", ";
        out += values[i].to_display_truncated();
      }
      return out + "]";
    };
    std::string params;
    if (state.options.hide_parameters) {
      params = info.parameters.empty() && info.parameter_sets.empty() ? "[]" : "[redacted]";
    } else if (info.batch_size != 1 || !info.parameter_sets.empty()) {
      // As SQLAlchemy's echo: the first sets of a batch, then how many there were.
      constexpr std::size_t kShown = 10;
      const std::size_t shown = std::min(kShown, info.parameter_sets.size());
      params = "[";
      for (std::size_t i = 0; i < shown; ++i) params += (i ? ", " : "") + list(info.parameter_sets[i]);
      params += "]";
      if (info.parameter_sets.size() < info.batch_size || shown < info.parameter_sets.size())
        params += " (" + std::to_string(shown) + " of " + std::to_string(info.batch_size) + " parameter sets shown)";
    } else {
      params = list(info.parameters);
    }
    echo_line(state.options, params);
  });
}

}  // namespace

Engine create_engine(std::string_view url_text, EngineOptions options) {
  auto state = std::make_shared<detail::EngineState>();
  state->url = Url::parse(url_text);
  const Url& url = state->url;
  const bool postgresql = CRUCIBLE_HAVE_POSTGRESQL && url.backend == "postgresql";
  const bool mysql = CRUCIBLE_HAVE_MYSQL && (url.backend == "mysql" || url.backend == "mariadb");
  if (url.backend != "sqlite" && !postgresql && !mysql) backend_not_available(url);
  if (options.pool_size == 0 && options.pool_class != PoolClass::null_pool)
    throw ArgumentError("pool_size must be at least 1");
  if (!postgresql && !mysql && options.isolation_level &&
      *options.isolation_level != IsolationLevel::serializable &&
      *options.isolation_level != IsolationLevel::read_uncommitted &&
      *options.isolation_level != IsolationLevel::autocommit)
    throw ArgumentError("isolation level " +
                        std::string(isolation_level_name(*options.isolation_level)) +
                        " is not supported by sqlite; use SERIALIZABLE, READ UNCOMMITTED or "
                        "AUTOCOMMIT");
  state->options = std::move(options);
  const EngineOptions& opts = state->options;
  if (opts.isolation_level) state->default_isolation = *opts.isolation_level;
  state->compiled_cache = std::make_unique<sql::CompiledCache>(opts.compiled_cache_size);
  PoolClass pool_class = opts.pool_class;
  if (pool_class == PoolClass::automatic)
    pool_class = url.is_sqlite_memory() ? PoolClass::static_pool : PoolClass::queue;
  ConnectionFactory factory = postgresql ? postgresql_factory(*state)
                              : mysql    ? mysql_factory(*state)
                                         : sqlite_factory(*state, pool_class);

  PoolOptions pool_options;
  pool_options.pool_size = opts.pool_size;
  pool_options.max_overflow = opts.max_overflow;
  pool_options.timeout = opts.pool_timeout;
  pool_options.recycle_seconds = opts.pool_recycle;
  pool_options.pre_ping = opts.pool_pre_ping;
  switch (pool_class) {
    case PoolClass::null_pool: state->pool = std::make_unique<NullPool>(std::move(factory), pool_options); break;
    case PoolClass::static_pool:
      state->pool = std::make_unique<StaticPool>(std::move(factory), pool_options);
      break;
    default: state->pool = std::make_unique<QueuePool>(std::move(factory), pool_options); break;
  }
  state->events = std::make_unique<EngineEvents>(*state->pool);
  if (opts.echo) install_echo(*state);
  return Engine(std::move(state));
}

Connection Engine::connect() const {
  auto st = std::make_shared<detail::ConnectionState>();
  st->engine = state_;
  st->lease = state_->pool->connect();
  st->conn = st->lease.get();
  st->isolation = state_->default_isolation;
  st->autocommit = st->isolation == IsolationLevel::autocommit;
  return Connection(std::move(st));
}

const Url& Engine::url() const { return state_->url; }
const sql::Dialect& Engine::dialect() const { return *state_->dialect; }
Pool& Engine::pool() const { return *state_->pool; }
EngineEvents& Engine::events() const { return *state_->events; }
const EngineOptions& Engine::options() const { return state_->options; }
sql::CompiledCache& Engine::compiled_cache() const { return *state_->compiled_cache; }
void Engine::dispose() const { state_->pool->dispose(); }

}  // namespace crucible
