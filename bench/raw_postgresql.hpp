// SPDX-License-Identifier: MIT
//
// The raw libpq side the PostgreSQL benches share: a connection that exits the program on any
// failure (a bench has nothing to recover), and pipeline mode written as a careful C program
// would. Header-only; include it only where CRUCIBLE_HAVE_POSTGRESQL holds.
//
//   bench::pg::Connection raw(url);
//   raw.prepare("update_one", "UPDATE t SET d = $1 WHERE id = $2");
//   raw.exec("BEGIN");
//   auto n = bench::pg::pipeline(raw, "update_one", sets, 2, [&](int i, const char** v) { ... });
//   raw.exec("COMMIT");
//
// Thread-safety: one thread per Connection, as libpq's PGconn.
#pragma once

#include <libpq-fe.h>
#include <poll.h>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace bench::pg {

inline std::int64_t to_int(const char* text) {
  std::int64_t v = 0;
  std::from_chars(text, text + std::char_traits<char>::length(text), v);
  return v;
}

struct Connection {
  PGconn* conn;
  explicit Connection(const std::string& url) : conn(PQconnectdb(url.c_str())) {
    if (PQstatus(conn) != CONNECTION_OK) fail("connect");
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() { PQfinish(conn); }
  [[noreturn]] void fail(const char* what) const {
    std::fprintf(stderr, "raw libpq %s failed: %s\n", what, PQerrorMessage(conn));
    std::exit(1);
  }
  void exec(const std::string& sql) const {
    PGresult* r = PQexec(conn, sql.c_str());
    const auto st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail(sql.c_str());
    PQclear(r);
  }
  void prepare(const char* name, const std::string& sql) const {
    PGresult* r = PQprepare(conn, name, sql.c_str(), 0, nullptr);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) fail("prepare");
    PQclear(r);
  }
};

// Runs prepared statement `name` once per set in pipeline mode: a non-blocking socket, results
// read as they arrive (every 256 queries and at the end), one Sync. `values(i, out)` fills the
// parameter pointers of set i; `rows(i, result)`, when given, reads set i's returned rows.
// Returns the rows changed.
inline std::int64_t pipeline(const Connection& raw, const char* name, int sets, int params,
                             const std::function<void(int, const char**)>& values,
                             const std::function<void(int, const PGresult*)>& rows = {}) {
  PGconn* c = raw.conn;
  std::int64_t changed = 0;
  int expected = 0;  // results still to come: one per query, one for the Sync
  int answered = 0;  // queries whose result has been read
  const auto read_ready = [&] {
    while (expected > 0 && !PQisBusy(c)) {
      PGresult* r = PQgetResult(c);
      if (!r) continue;  // the end of one query's results
      const auto st = PQresultStatus(r);
      if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        changed += to_int(PQcmdTuples(r));
        if (rows) rows(answered, r);
        ++answered;
      } else if (st != PGRES_PIPELINE_SYNC) {
        raw.fail("pipelined statement");
      }
      --expected;
      PQclear(r);
    }
  };
  const auto pump = [&](bool wait) {
    for (;;) {
      const int unsent = PQflush(c);
      if (unsent < 0 || !PQconsumeInput(c)) raw.fail("pipeline I/O");
      read_ready();
      if (unsent == 0 && (!wait || expected == 0)) return;
      pollfd fd{PQsocket(c), static_cast<short>(POLLIN | (unsent ? POLLOUT : 0)), 0};
      poll(&fd, 1, -1);
    }
  };
  PQsetnonblocking(c, 1);
  if (!PQenterPipelineMode(c)) raw.fail("enter pipeline mode");
  std::vector<const char*> v(static_cast<std::size_t>(params));
  for (int i = 0; i < sets; ++i) {
    values(i, v.data());
    if (!PQsendQueryPrepared(c, name, params, v.data(), nullptr, nullptr, 0)) raw.fail("send");
    ++expected;
    if (i % 256 == 255) pump(false);
  }
  if (!PQpipelineSync(c)) raw.fail("sync");
  ++expected;
  pump(true);
  while (PQgetResult(c)) {
  }
  if (!PQexitPipelineMode(c)) raw.fail("exit pipeline mode");
  PQsetnonblocking(c, 0);
  return changed;
}

}  // namespace bench::pg
