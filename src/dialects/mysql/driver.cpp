// SPDX-License-Identifier: MIT
// MariaDB / MySQL driver: connecting, errors, transactions and the connection over libmariadb.
#include "crucible/dialects/mysql/driver.hpp"

#include <charconv>
#include <vector>

#include "dialects/mysql/driver_internal.hpp"

namespace crucible::dialects {
namespace my {

unsigned Session::server_status() const {
  unsigned int status = 0;
  if (mysql) mariadb_get_infov(mysql, MARIADB_CONNECTION_SERVER_STATUS, &status);
  return status;
}

bool Session::server_in_transaction() const {
  return status_unknown || (server_status() & SERVER_STATUS_IN_TRANS) != 0;
}

bool is_disconnect_code(unsigned code) {
  return code == cr_server_gone || code == cr_server_lost || code == cr_server_lost_extended ||
         code == er_connection_killed || code == er_client_interaction_timeout;
}

void throw_error(Session* session, unsigned code, const char* sqlstate, std::string message) {
  DriverErrorInfo info;
  info.backend = "mysql";
  info.native_code = static_cast<int>(code);
  // "HY000" is libmariadb's "no particular state"; the dialect then goes by the number.
  if (sqlstate && *sqlstate && std::string_view(sqlstate) != "00000") info.sqlstate = sqlstate;
  info.driver_message = message.empty() ? "unknown MariaDB client error " + std::to_string(code)
                                        : std::move(message);
  info.disconnect = is_disconnect_code(code);
  if (session) {
    session->broken = session->broken || info.disconnect;
    session->status_unknown = true;
  }
  throw DriverException(std::move(info));
}

void throw_connection_error(Session& session) {
  MYSQL* m = session.mysql;
  if (!m) throw_closed(&session);
  throw_error(&session, mysql_errno(m), mysql_sqlstate(m), mysql_error(m));
}

void throw_statement_error(Session& session, MYSQL_STMT* stmt) {
  throw_error(&session, mysql_stmt_errno(stmt), mysql_stmt_sqlstate(stmt), mysql_stmt_error(stmt));
}

void throw_closed(Session* session) {
  const bool closed = !session || !session->mysql;
  throw_error(session, cr_server_gone, "08003",
              closed ? "the connection is closed" : "the connection was lost earlier");
}

namespace {

// Runs SQL through the text protocol (several statements allowed) and discards any results.
void run_query(Session& session, std::string_view sql) {
  MYSQL* m = session.mysql;
  if (!m || session.broken) throw_closed(&session);
  if (mysql_real_query(m, sql.data(), static_cast<unsigned long>(sql.size())) != 0)
    throw_connection_error(session);
  for (;;) {
    if (MYSQL_RES* result = mysql_store_result(m)) mysql_free_result(result);
    else if (mysql_field_count(m) != 0) throw_connection_error(session);
    const int next = mysql_next_result(m);
    if (next > 0) throw_connection_error(session);
    if (next < 0) return session.replied();
  }
}

class MysqlConnection final : public DriverConnection {
 public:
  MysqlConnection(MYSQL* mysql, std::optional<IsolationLevel> level)
      : session_(std::make_shared<Session>()) {
    if (level != IsolationLevel::autocommit) level_ = level;
    session_->mysql = mysql;
    version_ = mysql_get_server_info(mysql);
    autocommit_ = level == IsolationLevel::autocommit;
  }
  ~MysqlConnection() override { close(); }

  std::string_view backend() const override { return "mysql"; }
  std::string server_version() const override { return version_; }

  std::unique_ptr<DriverStatement> prepare(std::string_view sql, bool /*persistent*/) override {
    require_open();
    return make_statement(session_, sql);
  }

  void exec(std::string_view sql) override {
    run_query(*session_, sql);
    // Outside a begun transaction a script autocommits, as on the other backends.
    if (!begun_ && !autocommit_ && session_->server_in_transaction()) run_query(*session_, "COMMIT");
  }

  // With autocommit off the server opens the transaction at the first statement by itself.
  void begin() override {
    require_open();
    if (autocommit_) run_query(*session_, "START TRANSACTION");
    begun_ = true;
  }
  void commit() override { finish("COMMIT"); }
  void rollback() override { finish("ROLLBACK"); }
  bool in_transaction() const override {
    return session_->mysql && (begun_ || session_->server_in_transaction());
  }

  void set_isolation_level(IsolationLevel level) override {
    require_open();
    if (level == IsolationLevel::autocommit) {
      if (!autocommit_) run_query(*session_, "SET autocommit = 1");
      autocommit_ = true;
      begun_ = begun_ && session_->server_in_transaction();
      return;
    }
    std::string sql;
    if (level_ != level) sql = "SET SESSION TRANSACTION ISOLATION LEVEL " + std::string(isolation_level_name(level));
    if (autocommit_) sql += sql.empty() ? "SET autocommit = 0" : "; SET autocommit = 0";
    if (!sql.empty()) run_query(*session_, sql);
    level_ = level;
    autocommit_ = false;
  }

  // 0: the statement set no AUTO_INCREMENT value (the table has none), so no key is known.
  std::optional<std::int64_t> last_insert_id() const override {
    if (session_->last_insert_id == 0) return std::nullopt;
    return session_->last_insert_id;
  }
  // COM_STMT_PREPARE answers with a 16-bit parameter count.
  std::size_t max_parameters() const override { return 65535; }

  bool ping() override {
    if (!is_alive()) return false;
    if (mysql_ping(session_->mysql) == 0) return true;
    session_->broken = true;
    return false;
  }
  bool is_alive() const override { return session_->mysql && !session_->broken; }

  void close() override {
    MYSQL* m = session_->mysql;
    if (!m) return;
    // Close the handle first: libmariadb then detaches its statements, so finalising them
    // below frees memory without sending COM_STMT_CLOSE for each over a closing socket.
    session_->mysql = nullptr;
    mysql_close(m);
    clear_statement_cache();
    begun_ = false;
  }

  std::uint64_t thread_id() const { return session_->mysql ? mysql_thread_id(session_->mysql) : 0; }

 private:
  void require_open() const {
    if (!session_->mysql || session_->broken) throw_closed(session_.get());
  }
  // COMMIT / ROLLBACK only when the server has (or may have) a transaction open: a begun
  // transaction that touched no table costs no round trip.
  void finish(std::string_view sql) {
    require_open();
    begun_ = false;
    if (session_->server_in_transaction()) run_query(*session_, sql);
  }

  std::shared_ptr<Session> session_;
  std::string version_;
  std::optional<IsolationLevel> level_;  // the session's level when known
  bool autocommit_ = false;              // session autocommit on (IsolationLevel::autocommit)
  bool begun_ = false;                   // begin() called and not yet committed / rolled back
};

std::string quoted(MYSQL* m, std::string_view text) {
  std::vector<char> buffer(text.size() * 2 + 1);
  const auto n = mysql_real_escape_string(m, buffer.data(), text.data(), static_cast<unsigned long>(text.size()));
  return "'" + std::string(buffer.data(), n) + "'";
}

unsigned seconds_value(std::string_view key, std::string_view value) {
  unsigned n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size())
    throw ArgumentError("mysql option " + std::string(key) + " takes a number of seconds, not '" +
                        std::string(value) + "'");
  return n;
}

}  // namespace
}  // namespace my

void set_mysql_option(MysqlConnectOptions& options, std::string_view key, std::string_view value) {
  if (key == "unix_socket") options.unix_socket = value;
  else if (key == "connect_timeout") options.connect_timeout = std::chrono::seconds(my::seconds_value(key, value));
  else if (key == "read_timeout") options.read_timeout = std::chrono::seconds(my::seconds_value(key, value));
  else if (key == "write_timeout") options.write_timeout = std::chrono::seconds(my::seconds_value(key, value));
  else if (key == "charset") options.charset = value;
  else if (key == "sql_mode") options.sql_mode = value;
  else
    throw ArgumentError("unknown mysql URL option '" + std::string(key) +
                        "' (known: unix_socket, connect_timeout, read_timeout, write_timeout, "
                        "charset, sql_mode)");
}

std::unique_ptr<DriverConnection> open_mysql(const MysqlConnectOptions& options) {
  MYSQL* m = mysql_init(nullptr);
  if (!m) my::throw_error(nullptr, 2008, "HY000", "cannot connect: libmariadb is out of memory");
  const unsigned connect_timeout = static_cast<unsigned>(options.connect_timeout.count());
  const unsigned read_timeout = static_cast<unsigned>(options.read_timeout.count());
  const unsigned write_timeout = static_cast<unsigned>(options.write_timeout.count());
  const my_bool off = 0, on = 1;
  mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  if (read_timeout) mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
  if (write_timeout) mysql_optionsv(m, MYSQL_OPT_WRITE_TIMEOUT, &write_timeout);
  mysql_optionsv(m, MYSQL_OPT_RECONNECT, &off);  // a silent reconnect would lose the session state
  mysql_optionsv(m, MYSQL_REPORT_DATA_TRUNCATION, &on);
  mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, options.charset.c_str());

  const unsigned long flags = CLIENT_FOUND_ROWS | CLIENT_MULTI_STATEMENTS | CLIENT_MULTI_RESULTS;
  const char* host = options.host.empty() ? nullptr : options.host.c_str();
  const char* socket = options.unix_socket.empty() ? nullptr : options.unix_socket.c_str();
  if (!mysql_real_connect(m, host, options.user.c_str(),
                          options.password ? options.password->c_str() : nullptr,
                          options.database.empty() ? nullptr : options.database.c_str(),
                          options.port, socket, flags)) {
    const unsigned code = mysql_errno(m);
    const std::string state = mysql_sqlstate(m);
    std::string message = "cannot connect to MariaDB/MySQL: ";
    message += mysql_error(m);
    mysql_close(m);
    try {
      my::throw_error(nullptr, code, state.c_str(), std::move(message));
    } catch (DriverException& error) {
      error.info().disconnect = true;  // no usable connection, whatever the reason
      throw;
    }
  }

  auto conn = std::make_unique<my::MysqlConnection>(m, options.isolation_level);
  conn->set_statement_cache_size(options.statement_cache_size);
  // Session settings in one round trip.
  const bool autocommit = options.isolation_level == IsolationLevel::autocommit;
  std::string init = "SET SESSION sql_mode = " + my::quoted(m, options.sql_mode) +
                     ", time_zone = '+00:00', autocommit = " + (autocommit ? "1" : "0");
  if (options.isolation_level && !autocommit)
    init += "; SET SESSION TRANSACTION ISOLATION LEVEL " +
            std::string(isolation_level_name(*options.isolation_level));
  conn->exec(init);
  return conn;
}

std::uint64_t mysql_thread_id(const DriverConnection& connection) {
  const auto* conn = dynamic_cast<const my::MysqlConnection*>(&connection);
  return conn ? conn->thread_id() : 0;
}

std::string mysql_library_version() { return mysql_get_client_info(); }

}  // namespace crucible::dialects
