// SPDX-License-Identifier: MIT
// PostgreSQL driver: connecting, errors, transactions and the connection object over libpq.
#include "crucible/dialects/postgresql/driver.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <optional>

#include "dialects/postgresql/driver_internal.hpp"

namespace crucible::dialects {
namespace pg {

namespace {

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// libpq prints server notices (WARNING, NOTICE) to stderr by default; a library must not.
void ignore_notice(void*, const char*) {}

// Drives a connection begun by PQconnectStartParams to its end, waiting on the socket with a
// deadline for the whole connect (libpq's own connect_timeout counts whole seconds, at least 2,
// per host, so it cannot honour a shorter one). Returns why it failed, empty when connected.
std::string finish_connect(PGconn* conn, std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  PostgresPollingStatusType state = PQstatus(conn) == CONNECTION_BAD ? PGRES_POLLING_FAILED : PGRES_POLLING_WRITING;
  for (;;) {
    if (state == PGRES_POLLING_OK) return {};
    if (state == PGRES_POLLING_FAILED) return trimmed(PQerrorMessage(conn));
    pollfd fd{};
    fd.fd = PQsocket(conn);  // may change from one host to the next
    if (fd.fd < 0) return trimmed(PQerrorMessage(conn));
    fd.events = state == PGRES_POLLING_READING ? POLLIN : POLLOUT;
    int wait_ms = -1;
    if (timeout.count() > 0) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
      wait_ms = left > 0 ? static_cast<int>(std::min<long long>(left, 1 << 30)) : 0;
    }
    const int ready = ::poll(&fd, 1, wait_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0)
      return "timeout expired: no session within connect_timeout (" + std::to_string(timeout.count()) + " ms)";
    state = PQconnectPoll(conn);
  }
}

}  // namespace

void throw_client_error(std::string sqlstate, std::string message, bool disconnect) {
  DriverErrorInfo info;
  info.backend = "postgresql";
  info.sqlstate = std::move(sqlstate);
  info.driver_message = std::move(message);
  info.disconnect = disconnect;
  throw DriverException(std::move(info));
}

void throw_result_error(PGconn* conn, const PGresult* result) {
  DriverErrorInfo info;
  info.backend = "postgresql";
  if (result) {
    if (const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE)) info.sqlstate = state;
    if (const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY))
      info.driver_message = primary;
    else info.driver_message = trimmed(PQresultErrorMessage(result));
  }
  if (info.driver_message.empty())
    info.driver_message = conn ? trimmed(PQerrorMessage(conn)) : "no connection to the server";
  if (info.driver_message.empty()) info.driver_message = "unknown libpq error";
  // A broken socket is the one thing only the driver can see for certain.
  info.disconnect = !conn || PQstatus(conn) == CONNECTION_BAD;
  throw DriverException(std::move(info));
}

void exec_simple(PGconn* conn, const char* sql) {
  ResultPtr r(PQexec(conn, sql));
  const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY)
    throw_result_error(conn, r.get());
}

void Session::flush_deallocations() {
  if (pending_deallocate.empty() || !idle()) return;
  std::string sql;
  for (const auto& name : pending_deallocate) sql += "DEALLOCATE " + name + ";";
  pending_deallocate.clear();
  ResultPtr ignored(PQexec(conn, sql.c_str()));
}

namespace {

class PgConnection final : public DriverConnection {
 public:
  explicit PgConnection(PGconn* conn) : session_(std::make_shared<Session>()) {
    session_->conn = conn;
    if (const char* v = PQparameterStatus(conn, "server_version")) {
      version_ = v;  // "15.18 (Debian 15.18-0+deb12u1)": keep the number
      version_ = version_.substr(0, version_.find(' '));
    }
  }
  ~PgConnection() override { close(); }

  std::string_view backend() const override { return "postgresql"; }
  std::string server_version() const override { return version_; }

  std::unique_ptr<DriverStatement> prepare(std::string_view sql, bool persistent) override {
    require_open();
    return make_statement(session_, sql, persistent);
  }
  void exec(std::string_view sql) override {
    exec_simple(require_open(), std::string(sql).c_str());
    session_->fresh_transaction = false;
  }

  void begin() override {
    PGconn* conn = require_open();
    std::string sql = "BEGIN";
    if (level_ && *level_ != IsolationLevel::autocommit)
      sql += " ISOLATION LEVEL " + std::string(isolation_level_name(*level_));
    exec_simple(conn, sql.c_str());
    session_->begin_sql = std::move(sql);
    session_->fresh_transaction = true;
  }
  void commit() override {
    exec_simple(require_open(), "COMMIT");
    session_->flush_deallocations();
  }
  void rollback() override {
    PGconn* conn = require_open();
    if (PQtransactionStatus(conn) == PQTRANS_IDLE) return;  // nothing open: no WARNING round trip
    exec_simple(conn, "ROLLBACK");
    session_->flush_deallocations();
  }
  bool in_transaction() const override {
    if (!session_->conn) return false;
    const auto status = PQtransactionStatus(session_->conn);
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR;
  }
  void set_isolation_level(IsolationLevel level) override { level_ = level; }

  // PostgreSQL has no "last insert id": the engine uses INSERT ... RETURNING for keys.
  std::optional<std::int64_t> last_insert_id() const override { return std::nullopt; }
  // The Bind message counts parameters in 16 bits.
  std::size_t max_parameters() const override { return 65535; }

  bool ping() override {
    if (!is_alive()) return false;
    ResultPtr r(PQexec(session_->conn, ""));  // an empty query: a full round trip, no parsing
    return r && PQresultStatus(r.get()) == PGRES_EMPTY_QUERY && PQstatus(session_->conn) == CONNECTION_OK;
  }
  bool is_alive() const override { return session_->conn && PQstatus(session_->conn) == CONNECTION_OK; }
  void close() override {
    PGconn* conn = session_->conn;
    if (!conn) return;
    // Detach first: statements finalised now must not DEALLOCATE over a closing socket.
    session_->conn = nullptr;
    session_->pending_deallocate.clear();
    clear_statement_cache();
    PQfinish(conn);
  }

 private:
  PGconn* require_open() const {
    if (!session_->conn) throw_client_error("08003", "the connection is closed", true);
    return session_->conn;
  }

  std::shared_ptr<Session> session_;
  std::string version_;
  std::optional<IsolationLevel> level_;  // applied by begin(); nullopt: the server's default
};

// Settings the result readers rely on, sent in the startup packet.
constexpr const char* kSessionOptions =
    "-c TimeZone=UTC -c DateStyle=ISO,YMD -c bytea_output=hex -c extra_float_digits=3";

}  // namespace
}  // namespace pg

std::unique_ptr<DriverConnection> open_postgresql(const PostgresqlConnectOptions& options) {
  std::vector<std::pair<std::string, std::string>> params;
  std::string session_options = pg::kSessionOptions;
  bool have_encoding = false;
  for (const auto& [key, value] : options.parameters) {
    if (key == "options") {
      session_options += ' ' + value;  // the user's settings come last, so they win
      continue;
    }
    have_encoding = have_encoding || key == "client_encoding";
    params.emplace_back(key, value);
  }
  if (!have_encoding) params.emplace_back("client_encoding", "UTF8");
  params.emplace_back("options", session_options);

  std::vector<const char*> keys, values;
  for (const auto& [key, value] : params) {
    keys.push_back(key.c_str());
    values.push_back(value.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);

  PGconn* conn = PQconnectStartParams(keys.data(), values.data(), 0);
  if (!conn) pg::throw_client_error("08001", "cannot connect: libpq is out of memory", true);
  if (std::string problem = pg::finish_connect(conn, options.connect_timeout); !problem.empty()) {
    const std::string message = "cannot connect to PostgreSQL: " + problem;
    PQfinish(conn);
    pg::throw_client_error("08001", message, true);
  }
  PQsetNoticeProcessor(conn, pg::ignore_notice, nullptr);
  auto result = std::make_unique<pg::PgConnection>(conn);
  result->set_statement_cache_size(options.statement_cache_size);
  return result;
}

int postgresql_library_version() { return PQlibVersion(); }

}  // namespace crucible::dialects
