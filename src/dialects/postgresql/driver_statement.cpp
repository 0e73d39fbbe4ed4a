// SPDX-License-Identifier: MIT
// PostgreSQL driver: statements (parameters, lazy server-side preparation) and their results.
#include <charconv>
#include <cstdint>
#include <cstring>
#include <exception>
#include <optional>

#include "dialects/postgresql/driver_internal.hpp"

namespace crucible::dialects::pg {
namespace {

// How a result column is decoded, from its type OID.
enum class Decode : unsigned char { integer, boolean, real, text, timestamptz, bytea };

Decode decode_for(Oid type) {
  switch (type) {
    case oid::int8:
    case oid::int2:
    case oid::int4:
    case oid::object_id: return Decode::integer;
    case oid::boolean: return Decode::boolean;
    case oid::float4:
    case oid::float8: return Decode::real;
    case oid::timestamptz: return Decode::timestamptz;
    case oid::bytea: return Decode::bytea;
    default: return Decode::text;
  }
}

CellKind kind_of(Decode d) {
  switch (d) {
    case Decode::integer:
    case Decode::boolean: return CellKind::integer;
    case Decode::real: return CellKind::real;
    case Decode::bytea: return CellKind::blob;
    default: return CellKind::text;
  }
}

std::int64_t parse_int(std::string_view text) {
  std::int64_t v = 0;
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

double parse_double(std::string_view text) {
  double v = 0;
  // from_chars reads "NaN", "Infinity" and "-Infinity" (case-insensitive) as PostgreSQL writes them.
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

// One parameter slot. Text parameters must reach libpq zero-terminated, so they are copied into
// `owned` (its capacity is reused from one execution to the next), except a std::string's, which
// is terminated already and borrowed; borrowed blobs are sent in binary format with a length and
// need no copy.
struct Param {
  Oid type = oid::unknown;
  bool null = true;
  bool binary = false;
  bool has_nul = false;  // text holding a NUL byte: refused at step()
  const char* borrowed = nullptr;
  std::size_t size = 0;
  std::string owned;
};

class PgStatement final : public DriverStatement {
 public:
  PgStatement(std::shared_ptr<Session> session, std::string_view sql, bool persistent)
      : session_(std::move(session)), sql_(sql), persistent_(persistent) {
    params_.resize(static_cast<std::size_t>(count_parameters(sql_)));
  }

  ~PgStatement() override {
    if (!prepared_ || !session_->conn) return;
    // Free the server-side statement now when that cannot disturb a transaction; otherwise
    // when the session is next idle.
    session_->pending_deallocate.push_back(std::move(name_));
    session_->flush_deallocations();
  }

  // ---- RowSource ----
  int column_count() const override { return static_cast<int>(columns_.size()); }
  std::string_view column_name(int index) const override {
    return columns_.at(static_cast<std::size_t>(index)).name;
  }
  void read_cell(int index, Cell& out) override {
    if (!on_row() || index < 0 || index >= static_cast<int>(columns_.size())) {
      out.kind = CellKind::null_value;
      return;
    }
    PGresult* r = result_.get();
    const int length = PQgetlength(r, row_, index);
    if (length == 0 && PQgetisnull(r, row_, index)) {  // only empty values can be NULL
      out.kind = CellKind::null_value;
      return;
    }
    const std::string_view text(PQgetvalue(r, row_, index), static_cast<std::size_t>(length));
    auto& column = columns_[static_cast<std::size_t>(index)];
    switch (column.decode) {
      case Decode::integer:
        out.kind = CellKind::integer;
        out.integer = parse_int(text);
        return;
      case Decode::boolean:
        out.kind = CellKind::integer;
        out.integer = !text.empty() && text[0] == 't';
        return;
      case Decode::real:
        out.kind = CellKind::real;
        out.real = parse_double(text);
        return;
      case Decode::timestamptz:
        out.kind = CellKind::text;
        if (needs_offset_minutes(text)) {
          column.scratch.assign(text);
          column.scratch += ":00";
          out.bytes = column.scratch;
        } else {
          out.bytes = text;
        }
        return;
      case Decode::bytea:
        out.kind = CellKind::blob;
        decode_bytea(text, column.scratch);
        out.bytes = column.scratch;
        return;
      case Decode::text:
        out.kind = CellKind::text;
        out.bytes = text;
        return;
    }
  }

  // ---- binding ----
  int parameter_count() const override { return static_cast<int>(params_.size()); }
  void bind_null(int index) override {
    if (Param* p = slot(index)) {
      p->null = true;
      p->has_nul = false;
    }
  }
  void bind_int64(int index, std::int64_t value) override {
    char buf[24];
    const auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
    // The smallest of int4 / int8 (as psycopg 3): the server casts integers up (int4 -> int8,
    // numeric, float8) but never down, so an int8 would not fit functions taking integer
    // (substr, left, repeat, make_date...). An int4 still meets bigint columns through the
    // cross-type operators of the integer btree family, so indexes are used.
    const bool fits_int4 = value >= INT32_MIN && value <= INT32_MAX;
    set_text(index, fits_int4 ? oid::int4 : oid::int8,
             std::string_view(buf, static_cast<std::size_t>(end - buf)));
  }
  void bind_double(int index, double value) override {
    if (value != value) return set_text(index, oid::float8, "NaN");
    if (value > 1.7976931348623157e308) return set_text(index, oid::float8, "Infinity");
    if (value < -1.7976931348623157e308) return set_text(index, oid::float8, "-Infinity");
    char buf[32];  // shortest text that reads back to the same double
    const auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
    set_text(index, oid::float8, std::string_view(buf, static_cast<std::size_t>(end - buf)));
  }
  void bind_text(int index, std::string_view value) override {
    // "unknown": the server infers the type from the context (varchar, text, json, enums...).
    set_text(index, oid::unknown, value);
  }
  void bind_string(int index, const std::string& value) override {
    // Terminated already: libpq reads text parameters up to the NUL, so no copy is needed.
    if (Param* p = text_slot(index, oid::unknown, value)) p->borrowed = value.c_str();
  }
  void bind_blob(int index, std::span<const unsigned char> value) override {
    Param* p = slot(index);
    if (!p) return;
    p->type = oid::bytea;
    p->null = false;
    p->binary = true;
    p->has_nul = false;
    p->borrowed = value.empty() ? "" : reinterpret_cast<const char*>(value.data());
    p->size = value.size();
  }
  void bind(int index, const Value& value) override {
    std::visit([&](const auto& x) { bind_one(index, x); }, value.variant());
  }

  // ---- execution and rows ----
  bool step() override {
    if (!executed_) {
      execute();
      executed_ = true;
      row_ = 0;
      return rows_ > 0;
    }
    if (row_ + 1 < rows_) {
      ++row_;
      return true;
    }
    row_ = rows_;
    return false;
  }
  std::int64_t rows_ahead() const override { return executed_ && row_ < rows_ ? rows_ - row_ - 1 : -1; }

  CellKind column_type(int index) override {
    if (!on_row() || index < 0 || index >= static_cast<int>(columns_.size()) ||
        PQgetisnull(result_.get(), row_, index))
      return CellKind::null_value;
    return kind_of(columns_[static_cast<std::size_t>(index)].decode);
  }
  std::int64_t get_int64(int index) override {
    Cell c;
    read_cell(index, c);
    if (c.kind == CellKind::integer) return c.integer;
    if (c.kind == CellKind::real) return static_cast<std::int64_t>(c.real);
    return c.kind == CellKind::text ? parse_int(c.bytes) : 0;
  }
  double get_double(int index) override {
    Cell c;
    read_cell(index, c);
    if (c.kind == CellKind::real) return c.real;
    if (c.kind == CellKind::integer) return static_cast<double>(c.integer);
    return c.kind == CellKind::text ? parse_double(c.bytes) : 0;
  }
  // The server's text for numbers and booleans too ("42", "t"), as sqlite3_column_text converts.
  std::string_view get_text(int index) override {
    Cell c;
    read_cell(index, c);
    if (c.kind == CellKind::integer || c.kind == CellKind::real)
      return {PQgetvalue(result_.get(), row_, index),
              static_cast<std::size_t>(PQgetlength(result_.get(), row_, index))};
    return c.kind == CellKind::text || c.kind == CellKind::blob ? c.bytes : std::string_view();
  }
  std::span<const unsigned char> get_blob(int index) override {
    Cell c;
    read_cell(index, c);
    if (c.kind != CellKind::blob && c.kind != CellKind::text) return {};
    return {reinterpret_cast<const unsigned char*>(c.bytes.data()), c.bytes.size()};
  }

  void reset() override {
    result_.reset();  // free the rows as soon as the caller is done with them
    executed_ = false;
    rows_ = 0;
    row_ = -1;
  }
  std::int64_t changes() const override { return changes_; }
  const std::string& sql() const override { return sql_; }

  // Both in pipeline mode (run_pipeline).
  bool execute_batch(const BatchSource& sets, BatchOutcome& outcome) override {
    return run_pipeline(sets, outcome, false);
  }
  bool execute_batch_rows(const BatchSource& sets, BatchOutcome& outcome) override {
    return run_pipeline(sets, outcome, true);
  }

 private:
  // Pipeline mode: each set is bound, sent, and the statement (re)prepared inside the pipeline
  // when it is new or its parameter types changed; one Sync for the whole batch. With `rows`,
  // each set's result is read through this statement by sets.rows() as it arrives.
  bool run_pipeline(const BatchSource& sets, BatchOutcome& outcome, bool rows) {
    PGconn* conn = session_->conn;
    const std::size_t n = sets.size();
    if (!persistent_ || !conn || n == 0 || PQpipelineStatus(conn) != PQ_PIPELINE_OFF) return false;
    outcome = BatchOutcome{};
    reset();
    std::exception_ptr bind_failure;  // from the caller's binder: rethrown once the pipeline is drained
    std::exception_ptr rows_failure;  // from its rows(): the same
    std::string problem_state, problem;
    std::size_t stopped_at = 0;
    bool prepared_here = false;
    PipelineOutcome out;
    {
      Pipeline pipeline(conn);
      // Each set's rows are read through this statement, as from an execution of its own.
      if (rows) pipeline.on_rows([&](std::size_t set, ResultPtr result) {
        if (rows_failure) return;
        result_ = std::move(result);
        rows_ = PQntuples(result_.get());
        row_ = -1;
        executed_ = true;
        describe(result_.get());
        try {
          sets.rows(set, *this);
        } catch (...) {
          rows_failure = std::current_exception();
        }
        reset();
      });
      for (std::size_t i = 0; i < n && !pipeline.failed() && !rows_failure; ++i) {
        stopped_at = i;
        try {
          sets.bind(*this, i);
        } catch (...) {
          bind_failure = std::current_exception();
          break;
        }
        if (parameter_problem(problem_state, problem)) break;
        const std::size_t bytes = gather();
        if (!prepared_ || types_changed()) {
          choose_types();
          if (prepared_) session_->pending_deallocate.push_back(std::move(name_));  // freed when idle
          name_ = session_->next_statement_name();
          pipeline.prepare(name_, sql_, types_, i);
          prepared_types_ = types_;
          prepared_ = prepared_here = true;
        }
        pipeline.execute(name_, static_cast<int>(params_.size()), values_.data(), lengths_.data(),
                         formats_.data(), i, bytes);
      }
      out = pipeline.finish();
    }
    session_->fresh_transaction = false;
    changes_ = outcome.rows_affected = out.changes;
    if (out.broken) {
      prepared_ = false;
      outcome.first_failed = 0;
      outcome.last_failed = n - 1;
      std::string message = "pipeline failed: ";
      message += PQerrorMessage(conn);
      while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
      // The connection's state is unknown: let the pool replace it.
      throw_client_error("08006", std::move(message), true);
    }
    if (out.error) {
      // A statement prepared in this pipeline may not exist on the server (aborted, or the
      // prepare itself failed): prepare afresh next time.
      if (prepared_here || stale_plan(out.error.get())) prepared_ = false;
      outcome.first_failed = outcome.last_failed = out.error_set;
      throw_result_error(conn, out.error.get());
    }
    outcome.first_failed = outcome.last_failed = stopped_at;
    if (bind_failure) std::rethrow_exception(bind_failure);
    if (rows_failure) std::rethrow_exception(rows_failure);
    if (!problem.empty()) throw_client_error(problem_state, std::move(problem));
    return true;
  }

  struct Column {
    std::string name;
    Oid type = oid::unknown;
    Decode decode = Decode::text;
    std::string scratch;  // decoded bytea / completed timestamptz of the current row
  };

  bool on_row() const { return result_ && row_ >= 0 && row_ < rows_; }

  Param* slot(int index) {
    if (index >= 0 && static_cast<std::size_t>(index) < params_.size())
      return &params_[static_cast<std::size_t>(index)];
    bind_error_ = "bind index " + std::to_string(index) + " out of range (the statement has " +
                  std::to_string(params_.size()) + " parameters)";
    return nullptr;
  }

  // Slot `index` set up for `text` in text format, its characters still to be placed (copied
  // into `owned` or borrowed); nullptr when the index is out of range.
  Param* text_slot(int index, Oid type, std::string_view text) {
    Param* p = slot(index);
    if (!p) return nullptr;
    // Reported by step(), inside the engine's error translation, rather than from a bind.
    p->has_nul = std::memchr(text.data(), '\0', text.size()) != nullptr;
    p->type = type;
    p->null = false;
    p->binary = false;
    p->size = text.size();
    return p;
  }
  void set_text(int index, Oid type, std::string_view text) {
    if (Param* p = text_slot(index, type, text)) {
      p->borrowed = nullptr;
      p->owned.assign(text);
    }
  }

  void bind_one(int index, Null) { bind_null(index); }
  void bind_one(int index, bool v) { set_text(index, oid::boolean, v ? "t" : "f"); }
  void bind_one(int index, std::int64_t v) { bind_int64(index, v); }
  void bind_one(int index, double v) { bind_double(index, v); }
  void bind_one(int index, const std::string& v) { bind_text(index, v); }
  void bind_one(int index, const Blob& v) {
    Param* p = slot(index);
    if (!p) return;
    p->type = oid::bytea;
    p->null = false;
    p->binary = true;
    p->has_nul = false;
    p->borrowed = nullptr;
    p->owned.assign(reinterpret_cast<const char*>(v.data()), v.size());
    p->size = v.size();
  }
  void bind_one(int index, const Decimal& v) { set_text(index, oid::numeric, v.str()); }
  void bind_one(int index, const Date& v) { set_text(index, oid::date, v.to_string()); }
  void bind_one(int index, const Time& v) {
    std::string text;
    append_time(text, v);
    set_text(index, oid::time, text);
  }
  void bind_one(int index, const DateTime& v) {
    std::string text;
    append_datetime(text, v);
    set_text(index, v.utc ? oid::timestamptz : oid::timestamp, text);
  }
  void bind_one(int index, const Uuid& v) { set_text(index, oid::uuid, v.to_string()); }
  void bind_one(int index, const Json& v) { set_text(index, oid::jsonb, v.dump()); }

  // The arrays libpq reads, rebuilt per execution (the owned buffers may have moved).
  // Returns the parameters' size in bytes.
  std::size_t gather() {
    const std::size_t n = params_.size();
    values_.resize(n);
    lengths_.resize(n);
    formats_.resize(n);
    types_.resize(n);
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const Param& p = params_[i];
      values_[i] = p.null ? nullptr : (p.borrowed ? p.borrowed : p.owned.c_str());
      lengths_[i] = static_cast<int>(p.size);
      formats_[i] = p.binary ? 1 : 0;
      bytes += p.size;
      // A NULL fits any type: keep the type the statement was prepared with.
      types_[i] = p.null && i < prepared_types_.size() ? prepared_types_[i] : p.type;
    }
    return bytes;
  }

  // Whether a value no longer fits the type its slot was prepared with. An int4 value fits an
  // int8 slot, so a statement widens at most once instead of flipping with each value's size.
  bool types_changed() const {
    for (std::size_t i = 0; i < params_.size(); ++i) {
      const Param& p = params_[i];
      if (p.null || p.type == prepared_types_[i]) continue;
      if (p.type == oid::int4 && prepared_types_[i] == oid::int8) continue;
      return true;
    }
    return false;
  }

  // The types to prepare with: each bound value's, NULLs keeping the prepared type; a slot once
  // int8 stays int8.
  void choose_types() {
    for (std::size_t i = 0; i < params_.size(); ++i)
      if (!params_[i].null) types_[i] = params_[i].type;
    if (prepared_)
      for (std::size_t i = 0; i < types_.size(); ++i)
        if (types_[i] == oid::int4 && prepared_types_[i] == oid::int8) types_[i] = oid::int8;
  }

  // A bind index out of range or a NUL byte in text: reported by step() (or the batch), inside
  // the engine's error translation, rather than from a bind.
  bool parameter_problem(std::string& state, std::string& message) {
    if (!bind_error_.empty()) {
      state = "08P01";
      message = std::exchange(bind_error_, {});
      return true;
    }
    for (std::size_t i = 0; i < params_.size(); ++i)
      if (params_[i].has_nul) {
        state = "22021";
        message = "parameter $" + std::to_string(i + 1) + " contains a NUL byte, which PostgreSQL text cannot store";
        return true;
      }
    return false;
  }

  void prepare_on_server(PGconn* conn) {
    session_->flush_deallocations();
    if (prepared_) {  // re-preparing for other parameter types: free the old plan
      session_->pending_deallocate.push_back(std::move(name_));
      session_->flush_deallocations();
      prepared_ = false;
    }
    name_ = session_->next_statement_name();
    ResultPtr r(PQprepare(conn, name_.c_str(), sql_.c_str(), static_cast<int>(types_.size()),
                          types_.data()));
    if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) throw_result_error(conn, r.get());
    prepared_types_ = types_;
    prepared_ = true;
  }

  ResultPtr send(PGconn* conn) {
    gather();
    const int n = static_cast<int>(params_.size());
    if (!persistent_)
      return ResultPtr(PQexecParams(conn, sql_.c_str(), n, types_.data(), values_.data(),
                                    lengths_.data(), formats_.data(), 0));
    if (!prepared_ || types_changed()) {
      choose_types();
      prepare_on_server(conn);
    }
    return ResultPtr(PQexecPrepared(conn, name_.c_str(), n, values_.data(), lengths_.data(),
                                    formats_.data(), 0));
  }

  void execute() {
    PGconn* conn = session_->conn;
    if (!conn) throw_client_error("08003", "the connection is closed", true);
    std::string problem_state, problem;
    if (parameter_problem(problem_state, problem)) throw_client_error(problem_state, std::move(problem));
    result_.reset();
    ResultPtr r = send(conn);
    if (!succeeded(r.get()) && persistent_ && stale_plan(r.get())) [[unlikely]]
      r = run_again(conn, std::move(r));
    if (!succeeded(r.get())) {
      if (stale_plan(r.get())) prepared_ = false;  // re-prepare at the next execution
      throw_result_error(conn, r.get());
    }
    session_->fresh_transaction = false;
    result_ = std::move(r);
    rows_ = PQntuples(result_.get());
    changes_ = rows_changed(result_.get());
    describe(result_.get());
  }

  // The server dropped or invalidated our statement (DISCARD ALL; a table changed by another
  // session, "cached plan must not change result type"). When nothing was done yet (outside a
  // transaction, or in one that ran nothing but its BEGIN, as a pooled connection's next
  // transaction does) prepare afresh and run once more; `failed` is returned otherwise.
  ResultPtr run_again(PGconn* conn, ResultPtr failed) {
    if (!session_->idle()) {
      if (!session_->fresh_transaction || PQtransactionStatus(conn) != PQTRANS_INERROR) return failed;
      exec_simple(conn, "ROLLBACK");
      session_->fresh_transaction = false;
      exec_simple(conn, session_->begin_sql.c_str());
      session_->fresh_transaction = true;
    }
    if (prepared_) session_->pending_deallocate.push_back(std::move(name_));  // freed when idle
    prepared_ = false;
    return send(conn);
  }

  static bool succeeded(const PGresult* r) {
    if (!r) return false;
    const auto status = PQresultStatus(r);
    return status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK || status == PGRES_EMPTY_QUERY;
  }

  // 26000: the prepared statement does not exist; 0A000 "cached plan must not change result type".
  static bool stale_plan(const PGresult* r) {
    if (!r) return false;
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    if (!state) return false;
    if (std::strcmp(state, "26000") == 0) return true;
    const char* message = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    return std::strcmp(state, "0A000") == 0 && message &&
           std::strstr(message, "cached plan must not change result type");
  }

  // Result columns; rebuilt only when the shape differs from the last execution's.
  void describe(const PGresult* r) {
    const int n = PQnfields(r);
    bool same = n == static_cast<int>(columns_.size());
    for (int i = 0; same && i < n; ++i) same = PQftype(r, i) == columns_[static_cast<std::size_t>(i)].type;
    if (same) return;
    columns_.assign(static_cast<std::size_t>(n), Column{});
    for (int i = 0; i < n; ++i) {
      auto& c = columns_[static_cast<std::size_t>(i)];
      c.name = PQfname(r, i);
      c.type = PQftype(r, i);
      c.decode = decode_for(c.type);
    }
  }

  std::shared_ptr<Session> session_;
  std::string sql_;
  bool persistent_;
  std::vector<Param> params_;
  std::string bind_error_;

  // Server-side statement (persistent statements only).
  bool prepared_ = false;
  std::string name_;
  std::vector<Oid> prepared_types_;

  // libpq argument arrays.
  std::vector<const char*> values_;
  std::vector<int> lengths_, formats_;
  std::vector<Oid> types_;

  // The last execution.
  ResultPtr result_;
  std::vector<Column> columns_;
  bool executed_ = false;
  int rows_ = 0;
  int row_ = -1;
  std::int64_t changes_ = 0;
};

}  // namespace

std::unique_ptr<DriverStatement> make_statement(std::shared_ptr<Session> session,
                                                std::string_view sql, bool persistent) {
  return std::make_unique<PgStatement>(std::move(session), sql, persistent);
}

}  // namespace crucible::dialects::pg
