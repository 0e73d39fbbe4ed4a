// SPDX-License-Identifier: MIT
// PostgreSQL driver: pipeline mode for execute_many (see Pipeline in driver_internal.hpp).
#include <poll.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "dialects/postgresql/driver_internal.hpp"

namespace crucible::dialects::pg {
namespace {

// Queries sent between two looks at the socket: reading results as they come keeps the
// server's output (and so its input) flowing, while one recv() per query would cost more than
// the query itself.
constexpr std::size_t kPumpEvery = 256;
// ... or this many parameter bytes: big sets (multi-row INSERTs) keep both sides busy sooner.
constexpr std::size_t kPumpBytes = 64 * 1024;

}  // namespace

std::int64_t rows_changed(const PGresult* r) {
  const char* status = PQcmdStatus(const_cast<PGresult*>(r));
  if (!status || std::strncmp(status, "SELECT", 6) == 0 || std::strncmp(status, "FETCH", 5) == 0 ||
      std::strncmp(status, "MOVE", 4) == 0)
    return 0;
  const char* tuples = PQcmdTuples(const_cast<PGresult*>(r));
  std::int64_t n = 0;
  std::from_chars(tuples, tuples + std::strlen(tuples), n);
  return n;
}

Pipeline::Pipeline(PGconn* conn) : conn_(conn) {
  if (PQpipelineStatus(conn) != PQ_PIPELINE_OFF)
    throw_client_error("55000", "a pipeline is already running on this connection");
  if (PQsetnonblocking(conn, 1) != 0) throw_result_error(conn, nullptr);
  if (!PQenterPipelineMode(conn)) {
    PQsetnonblocking(conn, 0);
    throw_result_error(conn, nullptr);
  }
  open_ = true;
}

Pipeline::~Pipeline() {
  if (!open_) return;
  if (!synced_ && !outcome_.broken) sync();
  while (!outcome_.broken && head_ < pending_.size()) pump(true);
  leave();
}

void Pipeline::prepare(const std::string& name, const std::string& sql, const std::vector<Oid>& types,
                       std::size_t set) {
  if (outcome_.broken) return;
  if (!PQsendPrepare(conn_, name.c_str(), sql.c_str(), static_cast<int>(types.size()), types.data()))
    return fail_connection();
  pending_.push_back({Pending::Kind::prepare, set});
}

void Pipeline::execute(const std::string& name, int count, const char* const* values, const int* lengths,
                       const int* formats, std::size_t set, std::size_t bytes) {
  if (outcome_.broken) return;
  if (!PQsendQueryPrepared(conn_, name.c_str(), count, values, lengths, formats, 0)) return fail_connection();
  pending_.push_back({Pending::Kind::query, set});
  bytes_since_pump_ += bytes;
  if (++since_pump_ >= kPumpEvery || bytes_since_pump_ >= kPumpBytes) {
    since_pump_ = 0;
    bytes_since_pump_ = 0;
    pump(false);
  }
}

PipelineOutcome Pipeline::finish() {
  if (!synced_ && !outcome_.broken) sync();
  while (!outcome_.broken && head_ < pending_.size()) pump(true);
  leave();
  return std::move(outcome_);
}

void Pipeline::sync() {
  synced_ = true;
  if (!PQpipelineSync(conn_)) return fail_connection();
  pending_.push_back({Pending::Kind::sync, 0});
}

// Sends what the socket takes and reads what has arrived. With `wait`, blocks until at least
// something moves; without, blocks only while the output cannot drain (so the buffered output
// stays bounded), reading results meanwhile so the server never stalls on its own output.
void Pipeline::pump(bool wait) {
  for (;;) {
    const int unsent = PQflush(conn_);  // 0: all sent; 1: the socket is full; -1: failure
    if (unsent < 0 || !PQconsumeInput(conn_)) return fail_connection();
    while (head_ < pending_.size() && !PQisBusy(conn_)) take(PQgetResult(conn_));
    if (outcome_.broken) return;
    if (unsent == 0 && (!wait || head_ == pending_.size())) return;
    pollfd fd{PQsocket(conn_), static_cast<short>(POLLIN | (unsent ? POLLOUT : 0)), 0};
    if (fd.fd < 0) return fail_connection();
    while (poll(&fd, 1, -1) < 0)
      if (errno != EINTR) return fail_connection();
  }
}

// One PQgetResult: a query's result, the NULL that ends it, or a Sync's marker.
void Pipeline::take(PGresult* r) {
  Pending& p = pending_[head_];
  if (!r) {
    if (p.kind != Pending::Kind::sync) ++head_;
    return;
  }
  ResultPtr result(r);
  switch (PQresultStatus(r)) {
    case PGRES_PIPELINE_SYNC:
      ++head_;
      return;
    case PGRES_PIPELINE_ABORTED:  // skipped after an earlier failure
      return;
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_EMPTY_QUERY:
      if (p.kind != Pending::Kind::query) return;
      outcome_.changes += rows_changed(r);
      if (on_rows_ && PQresultStatus(r) == PGRES_TUPLES_OK) on_rows_(p.set, std::move(result));
      return;
    default:
      if (!outcome_.error) {
        outcome_.error = std::move(result);
        outcome_.error_set = p.set;
        outcome_.error_in_prepare = p.kind == Pending::Kind::prepare;
      }
      return;
  }
}

void Pipeline::fail_connection() { outcome_.broken = true; }

void Pipeline::leave() {
  if (!open_) return;
  open_ = false;
  if (!outcome_.broken && !PQexitPipelineMode(conn_)) outcome_.broken = true;
  PQsetnonblocking(conn_, 0);
}

}  // namespace crucible::dialects::pg
