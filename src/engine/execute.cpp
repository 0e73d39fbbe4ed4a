// SPDX-License-Identifier: MIT
// One execution, from a statement to its Result: Connection::execute binds and steps a cached
// driver statement, and StatementCursor is the Result's view of it while rows remain. Kept in one
// file so that the compiler sees the whole hot path (a primary-key lookup in a loop) at once and
// inlines across it: the calls between these functions showed up in such loops.
#include <chrono>
#include <cctype>
#include <utility>

#include "crucible/engine/connection.hpp"
#include "crucible/sql/dml.hpp"
#include "engine/detail/state.hpp"

namespace crucible::detail {
using Clock = std::chrono::steady_clock;

namespace {

std::string_view first_keyword(std::string_view sql) {
  std::size_t i = 0;
  while (i < sql.size() && (std::isspace(static_cast<unsigned char>(sql[i])) || sql[i] == '('))
    ++i;
  std::size_t j = i;
  while (j < sql.size() && std::isalpha(static_cast<unsigned char>(sql[j]))) ++j;
  return sql.substr(i, j - i);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(a[i])) != b[i]) return false;
  return true;
}

// The next word of `sql` at or after `i` outside quotes, at parenthesis depth 0 (a subquery's
// or a column list's words are skipped); empty at the end. Moves `i` past it.
std::string_view next_top_level_word(std::string_view sql, std::size_t& i) {
  int depth = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == '\'' || c == '"' || c == '`') {  // a string or a quoted name: skip to its end
      const std::size_t close = sql.find(c, i + 1);
      i = close == std::string_view::npos ? sql.size() : close + 1;
    } else if (c == '(' || c == ')') {
      depth += c == '(' ? 1 : -1;
      ++i;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      const std::size_t start = i;
      while (i < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_' || sql[i] == '$'))
        ++i;
      if (depth == 0) return sql.substr(start, i - start);
    } else {
      ++i;
    }
  }
  return {};
}

// Whether an INSERT takes its rows from a query (INSERT ... SELECT): it inserts any number of
// rows, none of them "the" new row, so it never reports a key. The first top-level word after
// INSERT among VALUES / VALUE / SET / DEFAULT (given rows) and SELECT / WITH / TABLE (a query)
// decides; none of them (a parenthesised query) counts as a query. Read once per prepared
// statement.
bool inserts_from_query(std::string_view sql) {
  std::size_t i = 0;
  bool after_insert = false;
  for (std::string_view word = next_top_level_word(sql, i); !word.empty(); word = next_top_level_word(sql, i)) {
    if (!after_insert) {
      after_insert = iequals(word, "INSERT") || iequals(word, "REPLACE");
      continue;
    }
    if (iequals(word, "VALUES") || iequals(word, "VALUE") || iequals(word, "SET") || iequals(word, "DEFAULT"))
      return false;
    if (iequals(word, "SELECT") || iequals(word, "WITH") || iequals(word, "TABLE")) return true;
  }
  return true;
}

// Whether the compiled form says what the statement does; text SQL is read for its first keyword.
bool kind_known(const sql::CompiledStatement* compiled) {
  return compiled && compiled->kind != sql::StatementKind::text && compiled->kind != sql::StatementKind::other;
}

std::shared_ptr<StatementInfo> build_info(dialects::DriverStatement& stmt,
                                          const sql::CompiledStatement* compiled) {
  auto info = std::make_shared<StatementInfo>();
  auto meta = std::make_shared<ResultMeta>();
  const int n = stmt.column_count();
  if (compiled && compiled->result_names.size() == static_cast<std::size_t>(n)) {
    meta->names = compiled->result_names;
    if (compiled->result_types.size() == meta->names.size()) meta->types = compiled->result_types;
    if (compiled->result_sources.size() == meta->names.size()) meta->sources = compiled->result_sources;
  } else {
    for (int i = 0; i < n; ++i) meta->names.emplace_back(stmt.column_name(i));
  }
  if (compiled) meta->at_most_one_row = compiled->at_most_one_row;
  info->meta = std::move(meta);
  using sql::StatementKind;
  if (kind_known(compiled)) {
    info->is_insert = compiled->kind == StatementKind::insert;
    info->is_dml = info->is_insert || compiled->kind == StatementKind::update ||
                   compiled->kind == StatementKind::del;
  } else {
    const auto kw = first_keyword(stmt.sql());
    info->is_insert = iequals(kw, "INSERT") || iequals(kw, "REPLACE");
    info->is_dml = info->is_insert || iequals(kw, "UPDATE") || iequals(kw, "DELETE");
  }
  info->single_key = info->is_insert && !inserts_from_query(stmt.sql());
  if (compiled && compiled->kind == StatementKind::ddl) {
    info->is_ddl = true;
  } else if (!kind_known(compiled)) {
    const auto kw = first_keyword(stmt.sql());
    info->is_ddl = iequals(kw, "CREATE") || iequals(kw, "DROP") || iequals(kw, "ALTER") || iequals(kw, "RENAME");
  }
  return info;
}

}  // namespace

namespace {
// The kept cursor is a plain pointer, so taking or keeping it is a load and a store. The reaper,
// armed when a thread first keeps a cursor, deletes it when the thread exits; cursors disposed
// after that (by other thread-local or static destructors) are deleted at once.
enum class Reaper : unsigned char { unarmed, armed, done };
thread_local StatementCursor* kept_cursor = nullptr;
thread_local Reaper reaper_state = Reaper::unarmed;
struct KeptCursorReaper {
  ~KeptCursorReaper() {
    reaper_state = Reaper::done;
    delete std::exchange(kept_cursor, nullptr);
  }
};
thread_local KeptCursorReaper reaper;

[[gnu::noinline]] void arm_reaper() {
  reaper_state = Reaper::armed;
  static_cast<void>(&reaper);  // constructs it, registering its destructor for this thread
}

// The info of the statement behind `lease`: built once per cached statement (and each time for a
// private one).
std::shared_ptr<const StatementInfo> shared_info(dialects::StatementLease& lease,
                                                 const sql::CompiledStatement* compiled) {
  std::shared_ptr<void>* slot = lease.user_data();
  if (!slot) return build_info(*lease, compiled);
  if (!*slot) *slot = build_info(*lease, compiled);
  return std::static_pointer_cast<const StatementInfo>(*slot);
}

// Sets a cursor's `info` for `lease`: a kept cursor that ran the same statement last holds it
// already, without a reference-count update.
[[gnu::always_inline]] inline void load_statement_info(std::shared_ptr<const StatementInfo>& info,
                                                       dialects::StatementLease& lease,
                                                       const sql::CompiledStatement* compiled) {
  const std::shared_ptr<void>* slot = lease.user_data();
  if (slot && *slot && info.get() == slot->get()) return;
  info = shared_info(lease, compiled);
}

// Whether the statement behind `lease` may change the schema (DDL).
bool changes_schema(dialects::StatementLease& lease, const sql::CompiledStatement* compiled) {
  if (kind_known(compiled)) return compiled->kind == sql::StatementKind::ddl;
  if (const std::shared_ptr<void>* slot = lease.user_data(); slot && *slot)
    return static_cast<const StatementInfo*>(slot->get())->is_ddl;
  return shared_info(lease, compiled)->is_ddl;
}

// Whether the statement behind `lease` is an INSERT of given rows (StatementInfo::single_key).
// The info is read in place when cached (no reference count traffic on an insert loop).
bool may_report_key(dialects::StatementLease& lease, const sql::CompiledStatement* compiled) {
  if (kind_known(compiled) && compiled->kind != sql::StatementKind::insert) return false;
  if (const std::shared_ptr<void>* slot = lease.user_data(); slot && *slot)
    return static_cast<const StatementInfo*>(slot->get())->single_key;
  return shared_info(lease, compiled)->single_key;
}
}  // namespace

CursorPtr StatementCursor::make_here(ConnectionState& conn, const sql::CompiledPtr& compiled) {
  CursorPtr cursor(kept_cursor ? std::exchange(kept_cursor, nullptr) : new StatementCursor());
  cursor->conn_ = &conn;
  guarded(conn, compiled->sql, [&] { conn.conn->acquire_into(cursor->lease_, compiled); });
  cursor->reopen();
  return cursor;
}

CursorPtr StatementCursor::make(ConnectionState& conn, const sql::CompiledPtr& compiled) {
  return make_here(conn, compiled);
}

void StatementCursor::dispose() noexcept {
  close();  // a Result dropped with rows left gives its statement back here
  if (kept_cursor || reaper_state == Reaper::done) {
    delete this;
    return;
  }
  if (reaper_state == Reaper::unarmed) arm_reaper();
  kept_cursor = this;
}

StatementCursor::~StatementCursor() { close(); }

Result StatementCursor::finish(CursorPtr cursor,
                               const sql::CompiledStatement* compiled, bool has_row,
                               std::int64_t& rows_affected) {
  return finish_here(std::move(cursor), compiled, has_row, rows_affected);
}

Result StatementCursor::finish_here(CursorPtr cursor,
                                    const sql::CompiledStatement* compiled, bool has_row,
                                    std::int64_t& rows_affected) {
  StatementCursor& c = *cursor;
  // A SELECT has columns; anything else asks the driver (DML with RETURNING, text SQL).
  if ((!compiled || compiled->kind != sql::StatementKind::select) && c.lease_->column_count() == 0)
    return finish_without_rows(std::move(cursor), compiled, has_row, rows_affected);
  ConnectionState& conn = *c.conn_;
  load_statement_info(c.info_, c.lease_, compiled);
  c.start(*c.lease_, c.info_->meta, has_row);
  c.next_ = conn.cursors;
  if (c.next_) c.next_->prev_ = &c;
  conn.cursors = &c;
  rows_affected = -1;
  return Result(std::unique_ptr<Cursor>(cursor.release()));
}

Result StatementCursor::finish_without_rows(CursorPtr cursor,
                                            const sql::CompiledStatement* compiled, bool has_row,
                                            std::int64_t& rows_affected) {
  StatementCursor& c = *cursor;
  dialects::DriverStatement& stmt = *c.lease_;
  ConnectionState& conn = *c.conn_;
  try {
    if (has_row)
      while (stmt.step()) {
      }
  } catch (dialects::DriverException& error) {
    const std::string sql = stmt.sql();
    cursor.reset();
    raise_driver_error(*conn.engine, &conn, error, sql, {});
  }
  rows_affected = stmt.changes();
  // Statements prepared before DDL must not outlive the schema they were planned for
  // (PostgreSQL: "cached plan must not change result type"): the connection prepares afresh.
  if (changes_schema(c.lease_, compiled)) [[unlikely]]
    conn.conn->clear_statement_cache();
  // A key only for the one row of an INSERT ... VALUES: after several rows (or an INSERT ...
  // SELECT of any number) the driver's "last id" is one of them, or an earlier statement's.
  std::optional<std::int64_t> last_id;
  if (rows_affected == 1 && may_report_key(c.lease_, compiled)) last_id = conn.conn->last_insert_id();
  return Result(rows_affected, last_id);
}

bool StatementCursor::fetch() {
  dialects::DriverStatement& stmt = *lease_;  // open, so the lease holds the statement
  try {
    if (stmt.step()) return true;
  } catch (dialects::DriverException& error) {
    ConnectionState* conn = conn_;
    const std::string sql = stmt.sql();
    close();
    raise_driver_error(*conn->engine, conn, error, sql, {});
  }
  if (info_->is_dml) rows_affected_ = stmt.changes();
  // No inserted_primary_key() for a statement that returns rows (INSERT ... RETURNING): the keys
  // are in its rows, and MariaDB's protocol does not report the id with a result set (the
  // client would show the previous statement's).
  close();
  return false;
}

void StatementCursor::release() {
  lease_.release();
  // A cursor that never had rows was never linked.
  if (prev_) prev_->next_ = next_;
  else if (conn_->cursors == this) conn_->cursors = next_;
  if (next_) next_->prev_ = prev_;
  prev_ = next_ = nullptr;
}

// ---- execution ---------------------------------------------------------------------------------

namespace {

[[noreturn]] void missing_parameter(const sql::CompiledStatement& compiled, const sql::BindSlot& slot) {
  throw ArgumentError("no value for bind parameter '" + slot.name + "' in statement: " +
                      compiled.sql);
}

// Binds every placeholder of `compiled` from literals and named params.
[[gnu::always_inline]] inline void bind_all(dialects::DriverStatement& stmt,
                                            const sql::CompiledStatement& compiled,
                                            std::span<const Value> literals, const Params& params) {
  check_placeholders(stmt, compiled);
  int index = 0;
  for (const sql::BindSlot& slot : compiled.binds) {
    const Value* v = slot_value(slot, literals, params);
    if (!v) missing_parameter(compiled, slot);
    bind_value(stmt, index++, *v);
  }
}

std::vector<Value> bound_values(const sql::CompiledStatement& compiled,
                                std::span<const Value> literals, const Params& params) {
  std::vector<Value> out;
  out.reserve(compiled.binds.size());
  for (const auto& slot : compiled.binds) {
    const Value* v = slot_value(slot, literals, params);
    out.push_back(v ? *v : Value());
  }
  return out;
}

// execute() when statement listeners are registered: the bound values are rendered, the events
// fired and the execution timed (to completion for DML, to the first row for queries).
Result run_observed(ConnectionState& st, CursorPtr cursor,
                    const sql::CompiledPtr& compiled, std::span<const Value> literals,
                    const Params& params) {
  auto& events = *st.engine->events;
  const std::vector<Value> shown = bound_values(*compiled, literals, params);
  const ExecuteInfo info{compiled->sql, shown};
  events.before_execute.fire(info);
  const auto started = Clock::now();
  bool has_row = false;
  try {
    has_row = cursor->statement().step();
  } catch (dialects::DriverException& error) {
    cursor.reset();
    raise_driver_error(*st.engine, &st, error, compiled->sql, shown);
  }
  std::int64_t rows_affected;
  Result result = StatementCursor::finish(std::move(cursor), compiled.get(), has_row, rows_affected);
  events.after_execute.fire(info, ExecuteStats{Clock::now() - started, rows_affected});
  return result;
}

// The execution shared by the execute() overloads, inlined into them (as finish_here() and
// load_statement_info() are into it): a lookup in a loop pays no call between these steps.
[[gnu::always_inline]] inline Result run(ConnectionState& st, const sql::CompiledPtr& compiled,
                                         const Params& params, std::span<const Value> literals) {
  st.autobegin();
  CursorPtr cursor = StatementCursor::make_here(st, compiled);
  // A driver may refuse a value as it binds it (SQLite: a Decimal it would round, text past its
  // size limit): translated like any driver error. (No cost on the path that binds.)
  if (compiled->numeric_digits > 0) [[unlikely]]
    check_numeric_binds(*st.engine, *compiled, literals, params);
  try {
    bind_all(cursor->statement(), *compiled, literals, params);
  } catch (dialects::DriverException& error) {
    cursor.reset();
    raise_driver_error(*st.engine, &st, error, compiled->sql, bound_values(*compiled, literals, params));
  }
  // Listeners only cost something when present.
  if (st.engine->events->statement_listeners())
    return run_observed(st, std::move(cursor), compiled, literals, params);
  bool has_row = false;
  try {
    has_row = cursor->statement().step();
  } catch (dialects::DriverException& error) {
    cursor.reset();
    raise_driver_error(*st.engine, &st, error, compiled->sql, bound_values(*compiled, literals, params));
  }
  std::int64_t rows_affected;
  return StatementCursor::finish_here(std::move(cursor), compiled.get(), has_row, rows_affected);
}

}  // namespace
}  // namespace crucible::detail

namespace crucible {

Result Connection::execute(const sql::Executable& statement, const Params& params) {
  // insert(t) inserts the columns its parameters name (SQLAlchemy's rule), and values() fills
  // the client-side defaults of the others; with neither it is DEFAULT VALUES.
  if (const Insert* insert = statement.bare_insert()) return execute(insert->values(params));
  auto& st = *state_;
  st.literals.clear();
  const sql::Dialect& dialect = *st.engine->dialect;
  // A statement run before answers from its own memo (what CompiledCache::get asks first, here
  // without the extra call); anything else goes through the cache.
  if (const sql::CompiledPtr* memo = statement.memoized(dialect)) {
    statement.extract_literals(st.literals);
    return detail::run(st, *memo, params, st.literals);
  }
  const sql::CompiledPtr compiled = st.engine->compiled_cache->get(dialect, statement, st.literals);
  return detail::run(st, compiled, params, st.literals);
}

Result Connection::execute(std::string_view sql_text, const Params& params) {
  return execute(text(sql_text), params);
}

Result Connection::execute(const sql::CompiledPtr& compiled, const Params& params,
                           std::span<const Value> literals) {
  return detail::run(*state_, compiled, params, literals);
}

// execute_many (execute_params, start_many, run_many...): connection_many.cpp; execute_bound:
// connection_bound.cpp.

}  // namespace crucible
