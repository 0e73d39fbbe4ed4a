// SPDX-License-Identifier: MIT
// MariaDB / MySQL driver: server-side prepared statements, binary-protocol binds and results.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "dialects/mysql/driver_internal.hpp"

namespace crucible::dialects::my {
namespace {

// How a result column is read, from its metadata.
enum class Read : unsigned char { integer, unsigned_big, real, text, blob, date, time, datetime, timestamp };

constexpr unsigned kBinaryCharset = 63;  // "binary": BLOB, BINARY, VARBINARY, BIT
constexpr unsigned long kMinBuffer = 16;
constexpr unsigned long kMaxInitialBuffer = 1024;  // longer values grow the buffer on demand

Read read_for(const MYSQL_FIELD& f) {
  switch (f.type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_YEAR: return Read::integer;
    case MYSQL_TYPE_LONGLONG: return (f.flags & UNSIGNED_FLAG) ? Read::unsigned_big : Read::integer;
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE: return Read::real;
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL:
    case MYSQL_TYPE_JSON:  // MySQL 8 sends JSON with the binary charset; it is still text
    case MYSQL_TYPE_NULL: return Read::text;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE: return Read::date;
    case MYSQL_TYPE_TIME: return Read::time;
    case MYSQL_TYPE_DATETIME: return Read::datetime;
    case MYSQL_TYPE_TIMESTAMP: return Read::timestamp;
    case MYSQL_TYPE_BIT:
    case MYSQL_TYPE_GEOMETRY: return Read::blob;
    default: return f.charsetnr == kBinaryCharset ? Read::blob : Read::text;
  }
}

// Appends `v` as at least `width` decimal digits.
char* put_digits(char* p, unsigned long v, int width) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  while (n < width) tmp[n++] = '0';
  while (n) *p++ = tmp[--n];
  return p;
}

// Fraction digits to print: as declared (DATETIME(3) -> 3), or 6 when the server does not say
// (expressions report 39) and there is a fraction.
int fraction_digits(unsigned decimals, unsigned long second_part) {
  if (decimals <= 6) return static_cast<int>(decimals);
  return second_part ? 6 : 0;
}

char* put_time_of_day(char* p, unsigned long hours, const MYSQL_TIME& t, unsigned decimals) {
  p = put_digits(p, hours, 2);
  *p++ = ':';
  p = put_digits(p, t.minute, 2);
  *p++ = ':';
  p = put_digits(p, t.second, 2);
  if (const int digits = fraction_digits(decimals, t.second_part)) {
    *p++ = '.';
    char frac[8];
    put_digits(frac, t.second_part, 6);
    p = std::copy_n(frac, digits, p);
  }
  return p;
}

char* put_date(char* p, const MYSQL_TIME& t) {
  p = put_digits(p, t.year, 4);
  *p++ = '-';
  p = put_digits(p, t.month, 2);
  *p++ = '-';
  return put_digits(p, t.day, 2);
}

struct Column {
  std::string name;
  Read read = Read::text;
  enum_field_types type = MYSQL_TYPE_NULL;  // metadata the layout was built from
  unsigned flags = 0, charsetnr = 0, decimals = 0;
  std::int64_t integer = 0;
  double real = 0;
  MYSQL_TIME time{};
  std::unique_ptr<char[]> data;  // text / blob bytes
  unsigned long capacity = 0;
  unsigned long length = 0;
  my_bool null = 0;
  my_bool error = 0;
  char rendered[48];  // calendar values and large unsigned integers as text
  std::size_t rendered_size = 0;

  bool same_shape(const MYSQL_FIELD& f) const {
    return type == f.type && flags == f.flags && charsetnr == f.charsetnr && decimals == f.decimals;
  }
};

// One parameter's storage; MYSQL_BIND points into it.
struct Param {
  std::int64_t integer = 0;
  double real = 0;
  MYSQL_TIME time{};
  signed char tiny = 0;
  std::string owned;  // copied text (bind(Value))
  unsigned long length = 0;
  my_bool null = 1;
};

MYSQL_TIME to_mysql_time(const Date& d) {
  MYSQL_TIME t{};
  t.year = static_cast<unsigned>(d.year);
  t.month = d.month;
  t.day = d.day;
  t.time_type = MYSQL_TIMESTAMP_DATE;
  return t;
}

MYSQL_TIME to_mysql_time(const Time& v) {
  MYSQL_TIME t{};
  t.hour = v.hour;
  t.minute = v.minute;
  t.second = v.second;
  t.second_part = v.microsecond;
  t.time_type = MYSQL_TIMESTAMP_TIME;
  return t;
}

MYSQL_TIME to_mysql_time(const DateTime& v) {
  MYSQL_TIME t = to_mysql_time(v.date);
  const MYSQL_TIME tod = to_mysql_time(v.time);
  t.hour = tod.hour;
  t.minute = tod.minute;
  t.second = tod.second;
  t.second_part = tod.second_part;
  t.time_type = MYSQL_TIMESTAMP_DATETIME;
  return t;
}

class MysqlStatement final : public DriverStatement {
 public:
  MysqlStatement(std::shared_ptr<Session> session, std::string_view sql)
      : session_(std::move(session)), sql_(sql) {
    stmt_ = mysql_stmt_init(session_->mysql);
    if (!stmt_) throw_connection_error(*session_);
    prepare_handle();
  }
  ~MysqlStatement() override {
    // COM_STMT_CLOSE has no reply: no round trip. A detached handle (closed connection) is
    // only freed.
    if (stmt_) mysql_stmt_close(stmt_);
  }

  // ---- RowSource ----
  int column_count() const override { return static_cast<int>(columns_.size()); }
  std::string_view column_name(int index) const override {
    return columns_.at(static_cast<std::size_t>(index)).name;
  }
  void read_cell(int index, Cell& out) override {
    if (!on_row_ || index < 0 || index >= static_cast<int>(columns_.size())) {
      out.kind = CellKind::null_value;
      return;
    }
    Column& c = columns_[static_cast<std::size_t>(index)];
    if (c.null) {
      out.kind = CellKind::null_value;
      return;
    }
    switch (c.read) {
      case Read::integer:
        out.kind = CellKind::integer;
        out.integer = c.integer;
        return;
      case Read::unsigned_big: {
        const auto u = static_cast<std::uint64_t>(c.integer);
        if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
          out.kind = CellKind::integer;
          out.integer = c.integer;
          return;
        }
        const auto end = std::to_chars(c.rendered, c.rendered + sizeof c.rendered, u).ptr;
        c.rendered_size = static_cast<std::size_t>(end - c.rendered);
        out.kind = CellKind::text;
        out.bytes = std::string_view(c.rendered, c.rendered_size);
        return;
      }
      case Read::real:
        out.kind = CellKind::real;
        out.real = c.real;
        return;
      case Read::text:
      case Read::blob:
        out.kind = c.read == Read::text ? CellKind::text : CellKind::blob;
        out.bytes = std::string_view(c.data.get(), c.length);
        return;
      default:
        render_calendar(c);
        out.kind = CellKind::text;
        out.bytes = std::string_view(c.rendered, c.rendered_size);
        return;
    }
  }

  // ---- binding ----
  int parameter_count() const override { return static_cast<int>(params_.size()); }
  void bind_null(int index) override {
    Param& p = param(index);
    p.null = 1;
    set_param(index, MYSQL_TYPE_NULL, nullptr, 0);
  }
  void bind_int64(int index, std::int64_t value) override {
    Param& p = param(index);
    p.integer = value;
    p.null = 0;
    set_param(index, MYSQL_TYPE_LONGLONG, &p.integer, sizeof p.integer);
  }
  void bind_double(int index, double value) override {
    Param& p = param(index);
    p.real = value;
    p.null = 0;
    set_param(index, MYSQL_TYPE_DOUBLE, &p.real, sizeof p.real);
  }
  void bind_text(int index, std::string_view value) override {
    bind_bytes(index, MYSQL_TYPE_STRING, value.data(), value.size());
  }
  void bind_blob(int index, std::span<const unsigned char> value) override {
    bind_bytes(index, MYSQL_TYPE_BLOB, value.data(), value.size());
  }
  void bind(int index, const Value& value) override {
    std::visit([&](const auto& x) { bind_one(index, x); }, value.variant());
  }

  // ---- execution and rows ----
  bool step() override {
    if (!executed_) {
      execute();
      executed_ = true;
    }
    if (!has_result_) return false;
    const int rc = mysql_stmt_fetch(stmt_);
    if (rc == 0) {
      ++fetched_;
      return on_row_ = true;
    }
    on_row_ = false;
    if (rc == MYSQL_NO_DATA) return false;
    if (rc == MYSQL_DATA_TRUNCATED) {
      fetch_long_columns();
      ++fetched_;
      return on_row_ = true;
    }
    throw_statement_error(*session_, stmt_);
  }

  std::int64_t rows_ahead() const override { return has_result_ && on_row_ ? stored_rows_ - fetched_ : -1; }

  CellKind column_type(int index) override {
    Cell c;
    read_cell(index, c);
    return c.kind;
  }
  std::int64_t get_int64(int index) override {
    Cell c;
    read_cell(index, c);
    if (c.kind == CellKind::real) return static_cast<std::int64_t>(c.real);
    return c.kind == CellKind::integer ? c.integer : 0;
  }
  double get_double(int index) override {
    Cell c;
    read_cell(index, c);
    if (c.kind == CellKind::integer) return static_cast<double>(c.integer);
    return c.kind == CellKind::real ? c.real : 0;
  }
  std::string_view get_text(int index) override {
    Cell c;
    read_cell(index, c);
    return c.kind == CellKind::text || c.kind == CellKind::blob ? c.bytes : std::string_view();
  }
  std::span<const unsigned char> get_blob(int index) override {
    const auto bytes = get_text(index);
    return {reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()};
  }

  void reset() override {
    executed_ = false;
    on_row_ = false;
    if (!has_result_) return;
    has_result_ = false;
    if (!session_->mysql) return;  // detached: nothing to free on the wire
    mysql_stmt_free_result(stmt_);  // client side only: the result was stored
    // A CALL leaves more results (at least its status): consume them, or the connection is
    // out of sync for the next command.
    while (mysql_stmt_more_results(stmt_) && mysql_stmt_next_result(stmt_) == 0)
      mysql_stmt_free_result(stmt_);
  }
  std::int64_t changes() const override {
    if (!stmt_) return 0;
    const auto n = mysql_stmt_affected_rows(stmt_);
    return n == static_cast<unsigned long long>(-1) ? 0 : static_cast<std::int64_t>(n);
  }
  const std::string& sql() const override { return sql_; }

  // Array binding: sets are bound one by one into this statement, copied into column arrays,
  // and sent a chunk at a time as one COM_STMT_BULK_EXECUTE. A failed chunk is undone and run
  // again set by set, so the failing set is known and the sets before it are applied, as row by
  // row (the server reports neither). The server undoes a failed INSERT chunk whole (it is one
  // statement; AFailingInsertSetIsNamedAndTheSetsBeforeItStay checks it); an UPDATE or DELETE
  // chunk keeps the sets before the failing one, so a SAVEPOINT before each of those chunks
  // lets it be undone (one round trip per chunk that inserts do not pay).
  bool execute_batch(const BatchSource& sets, BatchOutcome& outcome) override {
    Session& s = *session_;
    const std::size_t n = sets.size();
    if (n < 2 || !stmt_ || !s.mysql || s.broken || params_.empty() || mysql_stmt_field_count(stmt_) != 0 ||
        !bulk_supported(s))
      return false;
    outcome = BatchOutcome{};
    reset();
    BulkArrays arrays;
    std::vector<BoundParam> bound(params_.size());
    std::size_t start = 0;
    while (start < n) {
      arrays.reset(params_.size());
      std::size_t end = start;
      for (; end < n && arrays.rows() < kBulkRows && arrays.bytes() < kBulkBytes; ++end) {
        bind_set(sets, end, outcome);
        for (std::size_t k = 0; k < params_.size(); ++k) bound[k] = bound_param(k);
        if (!arrays.append(bound.data())) {
          // A placeholder bound with different types: this and later sets one by one.
          if (end > start) run_bulk(sets, start, end, arrays, outcome);
          run_each(sets, end, n, outcome);
          return true;
        }
      }
      run_bulk(sets, start, end, arrays, outcome);
      start = end;
    }
    return true;
  }

 private:
  static constexpr std::size_t kBulkRows = 10'000;
  // Well under any max_allowed_packet in use (1 MiB was MySQL 5.5's default; MariaDB's is 16 MiB).
  static constexpr std::size_t kBulkBytes = 1'000'000;

  void bind_set(const BatchSource& sets, std::size_t index, BatchOutcome& outcome) {
    outcome.first_failed = outcome.last_failed = index;
    sets.bind(*this, index);
  }

  BoundParam bound_param(std::size_t k) const {
    const Param& p = params_[k];
    const MYSQL_BIND& b = param_binds_[k];
    return BoundParam{b.buffer_type, b.buffer, p.length, p.null != 0,
                      b.buffer == static_cast<const void*>(p.owned.data())};
  }

  // Sets [first, end) as one array-bound execution; on failure undone and run set by set.
  void run_bulk(const BatchSource& sets, std::size_t first, std::size_t end, BulkArrays& arrays,
                BatchOutcome& outcome) {
    Session& s = *session_;
    outcome.first_failed = first;
    outcome.last_failed = end - 1;
    const bool insert = sql_.starts_with("INSERT");  // undone by the server when it fails
    if (!insert) run_simple(s, "SAVEPOINT crucible_batch");
    unsigned int rows = static_cast<unsigned int>(arrays.rows());
    unsigned int single = 0;
    params_dirty_ = true;  // the next single execution binds its own MYSQL_BIND array again
    const bool ok = mysql_stmt_attr_set(stmt_, STMT_ATTR_ARRAY_SIZE, &rows) == 0 &&
                    mysql_stmt_bind_param(stmt_, arrays.binds()) == 0 && mysql_stmt_execute(stmt_) == 0;
    const unsigned code = ok ? 0 : mysql_stmt_errno(stmt_);
    const std::string state = ok ? std::string() : mysql_stmt_sqlstate(stmt_);
    std::string message = ok ? std::string() : mysql_stmt_error(stmt_);
    mysql_stmt_attr_set(stmt_, STMT_ATTR_ARRAY_SIZE, &single);
    if (ok) {
      s.replied();
      s.last_insert_id = static_cast<std::int64_t>(mysql_stmt_insert_id(stmt_));
      outcome.rows_affected += changes();  // the sum over the sets (CLIENT_FOUND_ROWS: matched)
      return;
    }
    // Undo the chunk (unless the connection is gone): the sets before it stay applied.
    bool undone = false;
    const bool client_side = code >= 2000 && code < 3000 && code != cr_new_stmt_metadata;
    if (!client_side && !is_disconnect_code(code)) {
      try {
        if (!insert) run_simple(s, "ROLLBACK TO SAVEPOINT crucible_batch");
        undone = true;
      } catch (const DriverException&) {
        // The transaction itself is gone (a deadlock rolls it back): report the first error.
      }
    }
    if (!undone || !rerunnable(code)) throw_error(&s, code, state.c_str(), std::move(message));
    run_each(sets, first, end, outcome);
  }

  // Whether running a failed chunk again set by set finds the same failure at once: not for
  // lost connections, lock waits, deadlocks (the transaction is gone) or interrupted queries.
  static bool rerunnable(unsigned code) {
    if (code >= 2000 && code < 3000) return code == cr_new_stmt_metadata;  // client side
    switch (code) {
      case 1205:  // lock wait timeout
      case 1213:  // deadlock
      case 1317:  // query interrupted
      case 1969:  // max_statement_time exceeded
      case 3024:  // MySQL's max_execution_time
        return false;
      default: return !is_disconnect_code(code);
    }
  }

  // Sets [first, end) one execution each.
  void run_each(const BatchSource& sets, std::size_t first, std::size_t end, BatchOutcome& outcome) {
    for (std::size_t i = first; i < end; ++i) {
      bind_set(sets, i, outcome);
      execute();
      outcome.rows_affected += changes();
    }
  }

  void prepare_handle() {
    if (mysql_stmt_prepare(stmt_, sql_.data(), static_cast<unsigned long>(sql_.size())) != 0) {
      const unsigned code = mysql_stmt_errno(stmt_);
      const std::string state = mysql_stmt_sqlstate(stmt_);
      std::string message = mysql_stmt_error(stmt_);
      mysql_stmt_close(stmt_);
      stmt_ = nullptr;
      throw_error(session_.get(), code, state.c_str(), std::move(message));
    }
    const auto n = static_cast<std::size_t>(mysql_stmt_param_count(stmt_));
    params_.assign(n, Param{});
    param_binds_.assign(n, MYSQL_BIND{});
    for (std::size_t i = 0; i < n; ++i) {
      param_binds_[i].buffer_type = MYSQL_TYPE_NULL;
      param_binds_[i].is_null = &params_[i].null;
      param_binds_[i].length = &params_[i].length;
    }
    params_dirty_ = true;
    columns_.clear();
    refresh_columns();
  }

  void execute() {
    Session& s = *session_;
    if (!s.mysql || s.broken || !stmt_) throw_closed(&s);
    if (params_dirty_ && !params_.empty()) {
      if (mysql_stmt_bind_param(stmt_, param_binds_.data())) throw_statement_error(s, stmt_);
      params_dirty_ = false;
    }
    if (mysql_stmt_execute(stmt_) != 0) {
      if (mysql_stmt_errno(stmt_) != cr_new_stmt_metadata) throw_statement_error(s, stmt_);
      // The table changed shape since the prepare (ALTER TABLE): prepare again, once.
      prepare_again();
      if (mysql_stmt_execute(stmt_) != 0) throw_statement_error(s, stmt_);
    }
    s.replied();
    s.last_insert_id = static_cast<std::int64_t>(mysql_stmt_insert_id(stmt_));
    if (mysql_stmt_field_count(stmt_) == 0) return;
    refresh_columns();
    // The whole result now: the connection is free for other statements while it is read.
    if (mysql_stmt_store_result(stmt_) != 0) throw_statement_error(s, stmt_);
    has_result_ = true;
    stored_rows_ = static_cast<std::int64_t>(mysql_stmt_num_rows(stmt_));
    fetched_ = 0;
    // Rebinding is a copy of the array, no allocation; an execution may have re-created
    // libmariadb's own bind array (procedures, new metadata), so it is always done.
    if (mysql_stmt_bind_result(stmt_, result_binds_.data())) throw_statement_error(s, stmt_);
  }

  void prepare_again() {
    std::vector<Param> saved = std::move(params_);
    std::vector<MYSQL_BIND> saved_binds = std::move(param_binds_);
    prepare_handle();
    if (saved.size() == params_.size()) {
      params_ = std::move(saved);
      param_binds_ = std::move(saved_binds);
      for (std::size_t i = 0; i < params_.size(); ++i) {  // re-point at the moved storage
        param_binds_[i].is_null = &params_[i].null;
        param_binds_[i].length = &params_[i].length;
      }
    }
    if (!params_.empty() && mysql_stmt_bind_param(stmt_, param_binds_.data()))
      throw_statement_error(*session_, stmt_);
    params_dirty_ = false;
  }

  // Rebuilds the output layout when the result's metadata differs from the one bound.
  void refresh_columns() {
    const auto n = mysql_stmt_field_count(stmt_);
    const MYSQL_FIELD* fields = n ? mariadb_stmt_fetch_fields(stmt_) : nullptr;
    if (n == columns_.size() && (n == 0 || !fields)) return;
    if (fields && n == columns_.size()) {
      bool same = true;
      for (unsigned i = 0; i < n && same; ++i) same = columns_[i].same_shape(fields[i]);
      if (same) return;
    }
    columns_.clear();
    columns_.resize(n);
    result_binds_.assign(n, MYSQL_BIND{});
    for (unsigned i = 0; i < n; ++i) {
      const MYSQL_FIELD& f = fields[i];
      Column& c = columns_[i];
      c.name.assign(f.name ? f.name : "", f.name_length);
      c.read = read_for(f);
      c.type = f.type;
      c.flags = f.flags;
      c.charsetnr = f.charsetnr;
      c.decimals = f.decimals;
      MYSQL_BIND& b = result_binds_[i];
      b.is_null = &c.null;
      b.length = &c.length;
      b.error = &c.error;
      switch (c.read) {
        case Read::integer:
        case Read::unsigned_big:
          b.buffer_type = MYSQL_TYPE_LONGLONG;
          b.buffer = &c.integer;
          b.is_unsigned = (f.flags & UNSIGNED_FLAG) != 0;
          break;
        case Read::real:
          b.buffer_type = MYSQL_TYPE_DOUBLE;
          b.buffer = &c.real;
          break;
        case Read::date:
        case Read::time:
        case Read::datetime:
        case Read::timestamp:
          b.buffer_type = f.type == MYSQL_TYPE_NEWDATE ? MYSQL_TYPE_DATE : f.type;
          b.buffer = &c.time;
          b.buffer_length = sizeof c.time;
          break;
        case Read::text:
        case Read::blob:
          c.capacity = std::clamp<unsigned long>(f.length, kMinBuffer, kMaxInitialBuffer);
          c.data = std::make_unique_for_overwrite<char[]>(c.capacity);
          b.buffer_type = c.read == Read::text ? MYSQL_TYPE_STRING : MYSQL_TYPE_BLOB;
          b.buffer = c.data.get();
          b.buffer_length = c.capacity;
          break;
      }
    }
  }

  // Values longer than their column's buffer: grow the buffer (for this and later rows) and
  // fetch the whole value again from the stored row.
  void fetch_long_columns() {
    bool grown = false;
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      Column& c = columns_[i];
      if (c.null || (c.read != Read::text && c.read != Read::blob) || c.length <= c.capacity) continue;
      c.capacity = std::max(c.length, c.capacity * 2);
      c.data = std::make_unique_for_overwrite<char[]>(c.capacity);
      MYSQL_BIND& b = result_binds_[i];
      b.buffer = c.data.get();
      b.buffer_length = c.capacity;
      MYSQL_BIND one = b;
      if (mysql_stmt_fetch_column(stmt_, &one, static_cast<unsigned>(i), 0) != 0)
        throw_statement_error(*session_, stmt_);
      grown = true;
    }
    if (grown && mysql_stmt_bind_result(stmt_, result_binds_.data()))
      throw_statement_error(*session_, stmt_);
  }

  void render_calendar(Column& c) {
    const MYSQL_TIME& t = c.time;
    char* p = c.rendered;
    switch (c.read) {
      case Read::date: p = put_date(p, t); break;
      case Read::time:
        if (t.neg) *p++ = '-';
        p = put_time_of_day(p, static_cast<unsigned long>(t.day) * 24 + t.hour, t, c.decimals);
        break;
      default:
        p = put_date(p, t);
        *p++ = ' ';
        p = put_time_of_day(p, t.hour, t, c.decimals);
        if (c.read == Read::timestamp) p = std::copy_n("+00:00", 6, p);  // an instant, in UTC
        break;
    }
    c.rendered_size = static_cast<std::size_t>(p - c.rendered);
  }

  Param& param(int index) {
    if (index < 0 || static_cast<std::size_t>(index) >= params_.size())
      throw_error(nullptr, cr_invalid_parameter_no, "HY000",
                  "parameter index " + std::to_string(index) + " out of range (statement has " +
                      std::to_string(params_.size()) + ")");
    return params_[static_cast<std::size_t>(index)];
  }

  // libmariadb copies the bind array at mysql_stmt_bind_param: rebind only when a type or a
  // buffer address changes (values behind an unchanged address are read at execute).
  void set_param(int index, enum_field_types type, const void* buffer, std::size_t length) {
    Param& p = params_[static_cast<std::size_t>(index)];
    MYSQL_BIND& b = param_binds_[static_cast<std::size_t>(index)];
    p.length = static_cast<unsigned long>(length);
    if (b.buffer_type != type || b.buffer != buffer) {
      b.buffer_type = type;
      b.buffer = const_cast<void*>(buffer);  // libmariadb only reads parameter buffers
      b.buffer_length = static_cast<unsigned long>(length);
      params_dirty_ = true;
    }
  }

  void bind_bytes(int index, enum_field_types type, const void* data, std::size_t size) {
    Param& p = param(index);
    p.null = 0;
    set_param(index, type, data ? data : "", size);
  }
  void bind_owned(int index, enum_field_types type, std::string_view text) {
    Param& p = param(index);
    p.owned.assign(text);
    p.null = 0;
    set_param(index, type, p.owned.data(), p.owned.size());
  }
  void bind_calendar(int index, enum_field_types type, const MYSQL_TIME& t) {
    Param& p = param(index);
    p.time = t;
    p.null = 0;
    set_param(index, type, &p.time, sizeof p.time);
  }

  void bind_one(int index, Null) { bind_null(index); }
  void bind_one(int index, bool v) {
    Param& p = param(index);
    p.tiny = v ? 1 : 0;
    p.null = 0;
    set_param(index, MYSQL_TYPE_TINY, &p.tiny, 1);
  }
  void bind_one(int index, std::int64_t v) { bind_int64(index, v); }
  void bind_one(int index, double v) { bind_double(index, v); }
  void bind_one(int index, const std::string& v) { bind_owned(index, MYSQL_TYPE_STRING, v); }
  void bind_one(int index, const Blob& v) {
    bind_owned(index, MYSQL_TYPE_BLOB,
               std::string_view(reinterpret_cast<const char*>(v.data()), v.size()));
  }
  void bind_one(int index, const Decimal& v) { bind_owned(index, MYSQL_TYPE_NEWDECIMAL, v.str()); }
  void bind_one(int index, const Date& v) { bind_calendar(index, MYSQL_TYPE_DATE, to_mysql_time(v)); }
  void bind_one(int index, const Time& v) { bind_calendar(index, MYSQL_TYPE_TIME, to_mysql_time(v)); }
  // An aware value's fields are already UTC, the session's zone.
  void bind_one(int index, const DateTime& v) {
    bind_calendar(index, MYSQL_TYPE_DATETIME, to_mysql_time(v));
  }
  void bind_one(int index, const Uuid& v) { bind_owned(index, MYSQL_TYPE_STRING, v.to_string()); }
  void bind_one(int index, const Json& v) { bind_owned(index, MYSQL_TYPE_STRING, v.dump()); }

  std::shared_ptr<Session> session_;
  std::string sql_;
  MYSQL_STMT* stmt_ = nullptr;
  std::vector<Param> params_;
  std::vector<MYSQL_BIND> param_binds_;
  bool params_dirty_ = true;
  std::vector<Column> columns_;
  std::vector<MYSQL_BIND> result_binds_;
  bool executed_ = false;
  bool has_result_ = false;
  bool on_row_ = false;
  std::int64_t stored_rows_ = 0;  // rows of the stored result, and how many step() has read
  std::int64_t fetched_ = 0;
};

}  // namespace

std::unique_ptr<DriverStatement> make_statement(std::shared_ptr<Session> session, std::string_view sql) {
  return std::make_unique<MysqlStatement>(std::move(session), sql);
}

}  // namespace crucible::dialects::my
