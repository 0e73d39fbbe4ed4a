// SPDX-License-Identifier: MIT
// Connection::execute_many: one execution per set (SQLite, autocommit), the drivers' batch path
// (PostgreSQL pipeline mode, MariaDB array binding) and, for a Core INSERT ... RETURNING,
// multi-row INSERT ... VALUES (...), (...) RETURNING batches ("insertmanyvalues").
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <numeric>
#include <optional>

#include "crucible/engine/connection.hpp"
#include "crucible/sql/dml.hpp"
#include "crucible/sql/schema.hpp"
#include "crucible/sql/statement.hpp"
#include "engine/detail/state.hpp"

namespace crucible {
using Clock = std::chrono::steady_clock;

namespace detail {
namespace {

// Rows per multi-row INSERT (SQLAlchemy's insertmanyvalues page size): past a thousand the
// statement text grows faster than the round trips it saves.
constexpr std::size_t kInsertValuesRows = 1000;

// Params sets, each placeholder bound from its literal or by its name.
class ParamsBinder final : public ManyBinder {
 public:
  ParamsBinder(const sql::CompiledStatement& compiled, std::span<const Value> literals, std::span<const Params> rows)
      : compiled_(compiled), literals_(literals), rows_(rows) {}
  std::size_t size() const override { return rows_.size(); }
  void bind_at(dialects::DriverStatement& stmt, std::size_t row, int first) const override {
    const auto& binds = compiled_.binds;
    for (std::size_t i = 0; i < binds.size(); ++i) {
      const Value* v = slot_value(binds[i], literals_, rows_[row]);
      if (!v)
        throw ArgumentError("no value for bind parameter '" + binds[i].name + "' in parameter set " +
                            std::to_string(row + 1) + " of statement: " + compiled_.sql);
      bind_value(stmt, first + static_cast<int>(i), *v);
    }
  }
  std::vector<Value> values(std::size_t row) const override {
    std::vector<Value> out;
    out.reserve(compiled_.binds.size());
    for (const auto& slot : compiled_.binds) {
      const Value* v = slot_value(slot, literals_, rows_[row]);
      out.push_back(v ? *v : Value());
    }
    return out;
  }

 private:
  const sql::CompiledStatement& compiled_;
  std::span<const Value> literals_;
  std::span<const Params> rows_;
};

// Rows read from one or more executions and kept for a Result: the executions are over (their
// statements back in the cache) before the first row is read. Cells live in one array, their
// bytes in one arena; `order_`, once some execution needed sorting, gives the reading order.
class BufferedRows final : public RowSource {
 public:
  std::shared_ptr<const ResultMeta> meta;

  int column_count() const override { return static_cast<int>(columns_); }
  std::string_view column_name(int index) const override {
    return meta->names.at(static_cast<std::size_t>(index));
  }
  void read_cell(int index, Cell& out) override {
    const std::size_t row = order_.empty() ? current_ : order_[current_];
    const Stored& s = cells_[row * columns_ + static_cast<std::size_t>(index)];
    out.kind = s.kind;
    switch (s.kind) {
      case CellKind::integer: out.integer = s.integer; break;
      case CellKind::real: out.real = s.real; break;
      case CellKind::text:
      case CellKind::blob: out.bytes = std::string_view(arena_.data() + s.offset, s.length); break;
      case CellKind::null_value: break;
    }
  }

  // Steps `stmt` to its end, keeping every row. With a sentinel column, this execution's rows
  // are put in ascending order of it (see docs/core.md: generated keys follow VALUES order).
  void read(dialects::DriverStatement& stmt, int sentinel) {
    const std::size_t first = rows_;
    while (stmt.step()) {
      if (columns_ == 0) columns_ = static_cast<std::size_t>(std::max(0, stmt.column_count()));
      if (rows_ == first) {
        // Room for every row the driver holds already (PostgreSQL, MariaDB), growing
        // geometrically across executions (an exact reserve per execution would copy every
        // earlier row each time).
        const std::size_t ahead = 1 + static_cast<std::size_t>(std::max<std::int64_t>(0, stmt.rows_ahead()));
        grow(cells_, cells_.size() + ahead * columns_);
      }
      for (std::size_t c = 0; c < columns_; ++c) {
        Cell cell;
        stmt.read_cell(static_cast<int>(c), cell);
        Stored s;
        s.kind = cell.kind;
        switch (cell.kind) {
          case CellKind::integer: s.integer = cell.integer; break;
          case CellKind::real: s.real = cell.real; break;
          case CellKind::text:
          case CellKind::blob:
            if (cell.bytes.size() > UINT32_MAX) throw_value_too_long(cell.bytes.size());
            s.length = static_cast<std::uint32_t>(cell.bytes.size());
            s.offset = arena_.size();
            arena_.append(cell.bytes);
            break;
          case CellKind::null_value: break;
        }
        cells_.push_back(s);
      }
      if (!order_.empty()) order_.push_back(rows_);
      ++rows_;
    }
    if (sentinel < 0 || static_cast<std::size_t>(sentinel) >= columns_) return;
    const auto key = [&](std::size_t row) -> const Stored& {
      return cells_[row * columns_ + static_cast<std::size_t>(sentinel)];
    };
    // Usually the keys come back in that order already: rows are read in the order they came
    // (no order_ at all) until an execution's keys need sorting.
    bool ascending = true;
    for (std::size_t r = first; r < rows_; ++r) {
      if (key(r).kind != CellKind::integer) return;  // not integer keys: kept as they came
      ascending = ascending && (r == first || key(r - 1).integer <= key(r).integer);
    }
    if (ascending) return;
    if (order_.empty()) {
      order_.resize(rows_);
      std::iota(order_.begin(), order_.end(), std::size_t{0});
    }
    std::stable_sort(order_.begin() + static_cast<std::ptrdiff_t>(first), order_.end(),
                     [&](std::size_t a, std::size_t b) { return key(a).integer < key(b).integer; });
  }

  std::size_t rows() const { return rows_; }
  template <typename V>
  static void grow(V& v, std::size_t needed) {
    if (needed > v.capacity()) v.reserve(std::max(needed, 2 * v.capacity()));
  }
  // Names of the columns the driver reported (for statements compiled without them).
  std::vector<std::string> driver_names(dialects::DriverStatement& stmt) const {
    std::vector<std::string> names;
    for (int c = 0; c < stmt.column_count(); ++c) names.emplace_back(stmt.column_name(c));
    return names;
  }
  // Moves to the next row; false at the end.
  bool next() {
    if (started_ && current_ < rows_) ++current_;
    started_ = true;
    return current_ < rows_;
  }

 private:
  // 16 bytes a cell: a RETURNING of 100,000 keys is 1.6 MB to fault in, not 4.
  struct Stored {
    CellKind kind = CellKind::null_value;
    std::uint32_t length = 0;  // text / blob
    union {
      std::int64_t integer = 0;
      double real;
      std::size_t offset;  // text / blob: in arena_
    };
  };
  [[noreturn]] static void throw_value_too_long(std::size_t size) {
    throw InvalidRequestError("a returned value of " + std::to_string(size) + " bytes: over the 4 GiB a buffered result holds");
  }
  std::size_t columns_ = 0;
  std::vector<Stored> cells_;
  std::string arena_;
  std::size_t rows_ = 0;
  std::vector<std::size_t> order_;  // reading order, once some execution's rows needed sorting
  std::size_t current_ = 0;
  bool started_ = false;
};

class BufferedCursor final : public Cursor {
 public:
  explicit BufferedCursor(std::unique_ptr<BufferedRows> rows)
      : Cursor(*rows, rows->meta, false), rows_(std::move(rows)) {
    rows_affected_ = static_cast<std::int64_t>(rows_->rows());
  }

 private:
  bool fetch() override {
    if (rows_->next()) return true;
    close();
    return false;
  }
  void release() override {}

  std::unique_ptr<BufferedRows> rows_;
};

// How a Core INSERT's single-row VALUES tuple is repeated into a multi-row one.
struct InsertValuesPlan {
  std::size_t width = 0;      // placeholders per row (every one of the statement's)
  std::size_t tuple_at = 0;   // the "(...)" after " VALUES " in the compiled SQL
  std::size_t tuple_length = 0;
  int sentinel = -1;          // RETURNING column of a generated, ascending key; -1: none
};

std::string row_tuple(sql::ParamStyle style, std::size_t first, std::size_t width) {
  std::string out = "(";
  for (std::size_t i = 0; i < width; ++i) {
    if (i) out += ", ";
    if (style == sql::ParamStyle::numeric) out += '$' + std::to_string(first + i + 1);
    else out += '?';
  }
  return out + ')';
}

// A plan when `statement` is insert(table) in the named-bind form (columns(...) or every
// column) with RETURNING, every placeholder in its one VALUES tuple, on a dialect with multi-row
// VALUES and INSERT ... RETURNING. The compiler says where the tuple stands in its text.
std::optional<InsertValuesPlan> plan_insert_values(const sql::Executable& statement,
                                                   const sql::CompiledStatement& compiled,
                                                   const sql::Dialect& dialect) {
  const auto& f = dialect.features();
  if (!f.supports_multirow_insert || !f.supports_insert_returning) return std::nullopt;
  if (compiled.kind != sql::StatementKind::insert || !compiled.returns_rows) return std::nullopt;
  const auto* stmt = dynamic_cast<const sql::Statement*>(&statement);
  if (!stmt || !stmt->root() || stmt->root()->kind() != sql::NodeKind::insert) return std::nullopt;
  const auto& node = static_cast<const sql::InsertNode&>(*stmt->root());
  if (!node.rows.empty() || node.from_select || !node.table) return std::nullopt;
  std::vector<const Column*> columns = node.columns;
  if (columns.empty())
    for (const auto& c : node.table->columns()) columns.push_back(&c);
  InsertValuesPlan plan;
  plan.width = columns.size();
  if (plan.width == 0 || compiled.binds.size() != plan.width) return std::nullopt;
  for (const auto& slot : compiled.binds)
    if (slot.literal_index >= 0) return std::nullopt;
  if (compiled.values_tuple.second == 0) return std::nullopt;
  plan.tuple_at = compiled.values_tuple.first;
  plan.tuple_length = compiled.values_tuple.second;
  // A key the database generates ascends with the rows of one INSERT: it restores set order.
  const Column* key = node.table->autoincrement_column();
  if (key && std::find(columns.begin(), columns.end(), key) == columns.end() &&
      compiled.result_names.size() == node.returning.size())
    for (std::size_t j = 0; j < node.returning.size(); ++j)
      if (node.returning[j]->kind() == sql::NodeKind::column &&
          static_cast<const sql::ColumnNode&>(*node.returning[j]).column == key) {
        plan.sentinel = static_cast<int>(j);
        break;
      }
  return plan;
}

// The statement for `rows` sets at once, shared through the engine's compiled cache.
sql::CompiledPtr insert_values_statement(EngineState& engine, const sql::CompiledStatement& single,
                                         const InsertValuesPlan& plan, std::size_t rows) {
  const std::string key = sql::CompiledCache::dialect_key(*engine.dialect) + "\x1finsertmanyvalues " +
                          std::to_string(rows) + '\x1f' + single.sql;
  if (auto hit = engine.compiled_cache->find(key)) return hit;
  auto multi = std::make_shared<sql::CompiledStatement>();
  const sql::ParamStyle style = engine.dialect->param_style();
  multi->sql.reserve(single.sql.size() + rows * (plan.tuple_length + 2));
  multi->sql.append(single.sql, 0, plan.tuple_at);
  for (std::size_t r = 0; r < rows; ++r) {
    if (r) multi->sql += ", ";
    multi->sql += row_tuple(style, r * plan.width, plan.width);
  }
  multi->sql.append(single.sql, plan.tuple_at + plan.tuple_length);
  multi->binds.reserve(rows * plan.width);
  for (std::size_t r = 0; r < rows; ++r)
    multi->binds.insert(multi->binds.end(), single.binds.begin(), single.binds.end());
  multi->result_names = single.result_names;
  multi->result_types = single.result_types;
  multi->result_sources = single.result_sources;
  multi->kind = single.kind;
  multi->returns_rows = true;
  engine.compiled_cache->put(key, multi);
  return multi;
}

}  // namespace
}  // namespace detail

Result Connection::execute_params(const sql::Executable& statement, std::span<const Params> rows) {
  detail::ManyExecution ex;
  // insert(t) over parameter sets: the columns the first set names (SQLAlchemy's rule), and
  // those with a client-side default, computed per set that does not give it.
  std::vector<Params> with_defaults;
  const sql::Executable* run = &statement;
  if (const Insert* insert = statement.bare_insert(); insert && !rows.empty()) {
    const Table& table = insert->table();
    for (const auto& [name, value] : rows.front()) (void)table.column(name);  // ArgumentError when unknown
    std::vector<const Column*> columns, defaulted;
    for (const auto& c : table.columns()) {
      if (rows.front().find(c.name())) columns.push_back(&c);
      else if (c.has_default()) columns.push_back(defaulted.emplace_back(&c));
    }
    // Every set gives what the first one does: checked before anything runs.
    for (std::size_t i = 1; i < rows.size(); ++i)
      for (const auto& [name, value] : rows.front())
        if (!rows[i].find(name))
          throw ArgumentError("execute_many: parameter set " + std::to_string(i + 1) + " of insert(" + table.name() +
                              ") gives no value for '" + name + "', which the first set gives");
    if (!defaulted.empty()) {
      with_defaults.assign(rows.begin(), rows.end());
      for (auto& set : with_defaults)
        for (const Column* c : defaulted)
          if (!set.find(c->name())) set.set(c->name(), c->default_function()());
      rows = with_defaults;
    }
    ex.columns_given = std::make_shared<Insert>(insert->for_columns(columns));
    run = ex.columns_given.get();
  }
  start_many(*run, kNoArity, ex);
  const detail::ParamsBinder binder(*ex.compiled, ex.literals, rows);
  if (ex.compiled->numeric_digits > 0)
    for (std::size_t i = 0; i < rows.size(); ++i)
      detail::check_numeric_binds(*state_->engine, *ex.compiled, ex.literals, rows[i], i + 1);
  if (ex.timed) {
    std::vector<std::vector<Value>> sets;
    sets.reserve(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) sets.push_back(binder.values(i));
    announce_many(ex, rows.size(), sets);
  }
  return ex.path == detail::ManyExecution::Path::each ? run_each(ex, binder) : run_many(ex, binder);
}

void Connection::start_many(const sql::Executable& given, std::size_t arity, detail::ManyExecution& ex) {
  auto& st = *state_;
  auto& engine = *st.engine;
  const sql::Executable* statement = &given;
  // insert(t) over tuples: every column, in table order.
  if (arity != kNoArity)
    if (const Insert* insert = statement->bare_insert()) {
      std::vector<const Column*> columns;
      for (const auto& c : insert->table().columns()) columns.push_back(&c);
      ex.columns_given = std::make_shared<Insert>(insert->for_columns(columns));
      statement = ex.columns_given.get();
    }
  ex.statement = statement;
  ex.compiled = engine.compiled_cache->get(*engine.dialect, *statement, ex.literals);
  const auto& binds = ex.compiled->binds;
  if (arity != kNoArity) {
    // Tuple element k feeds the k-th distinct bind name, in order of first appearance.
    std::vector<std::string_view> names;
    ex.slot_element.resize(binds.size(), -1);
    ex.identity = true;
    for (std::size_t i = 0; i < binds.size(); ++i) {
      if (binds[i].literal_index >= 0) {
        ex.identity = false;
        continue;
      }
      std::size_t k = 0;
      while (k < names.size() && names[k] != binds[i].name) ++k;
      if (k == names.size()) names.push_back(binds[i].name);
      ex.slot_element[i] = static_cast<int>(k);
      if (k != i) ex.identity = false;
    }
    if (names.size() != arity)
      throw TypeError("execute_many: the statement has " + std::to_string(names.size()) +
                      " named parameters but the tuples have " + std::to_string(arity) +
                      " elements: " + ex.compiled->sql);
  }
  st.autobegin();
  ex.lease = detail::guarded(st, ex.compiled->sql, [&] { return st.conn->acquire(ex.compiled); });
  detail::check_placeholders(*ex.lease, *ex.compiled);
  ex.lease->reset();
  // Rows wanted back: the returning path. Otherwise a server batches inside a transaction; in
  // autocommit mode each set commits on its own, as it always has, so it runs on its own too.
  if (ex.compiled->returns_rows) ex.path = detail::ManyExecution::Path::returning;
  else if (!engine.dialect->features().in_process && st.conn->in_transaction())
    ex.path = detail::ManyExecution::Path::batch;
  ex.timed = engine.events->statement_listeners();
}

void Connection::check_numeric_set(const detail::ManyExecution& ex, const std::vector<Value>& values,
                                   std::size_t set) {
  detail::check_numeric_values(*state_->engine, *ex.compiled, values, set);
}

void Connection::announce_many(detail::ManyExecution& ex, std::size_t count,
                               const std::vector<std::vector<Value>>& sets) {
  ExecuteInfo info{ex.compiled->sql, {}, count};
  info.parameter_sets = sets;
  state_->engine->events->before_execute.fire(info);
  ex.started = Clock::now();
}

std::vector<Value> detail::placeholder_values(const ManyExecution& ex, const std::vector<Value>& elements) {
  if (ex.identity) return elements;
  std::vector<Value> out;
  const auto& binds = ex.compiled->binds;
  out.reserve(binds.size());
  for (std::size_t i = 0; i < binds.size(); ++i) {
    const int element = i < ex.slot_element.size() ? ex.slot_element[i] : -1;
    if (element >= 0 && static_cast<std::size_t>(element) < elements.size())
      out.push_back(elements[static_cast<std::size_t>(element)]);
    else if (binds[i].literal_index >= 0 && static_cast<std::size_t>(binds[i].literal_index) < ex.literals.size())
      out.push_back(ex.literals[static_cast<std::size_t>(binds[i].literal_index)]);
    else
      out.emplace_back();
  }
  return out;
}

Result Connection::run_many(detail::ManyExecution& ex, const detail::ManyBinder& binder) {
  if (ex.path == detail::ManyExecution::Path::returning) return run_returning(ex, binder);
  const std::size_t n = binder.size();
  if (n >= 2) {
    dialects::BatchOutcome outcome;
    bool batched = false;
    try {
      batched = ex.lease->execute_batch(binder, outcome);
    } catch (dialects::DriverException& error) {
      fail_batch(*ex.compiled, ex.lease, error, binder, outcome);
    }
    if (batched) {
      ex.rows_affected = outcome.rows_affected;
      ex.batch = n;
      return finish_many(ex);
    }
  }
  return run_each(ex, binder);
}

Result Connection::run_each(detail::ManyExecution& ex, const detail::ManyBinder& binder) {
  dialects::DriverStatement& stmt = *ex.lease;
  try {
    for (std::size_t i = 0; i < binder.size(); ++i) {
      stmt.reset();
      binder.bind(stmt, i);
      while (stmt.step()) {
      }
      ex.rows_affected += stmt.changes();
      ++ex.batch;
    }
  } catch (dialects::DriverException& error) {
    fail_many(ex, error, binder.values(ex.batch));
  }
  return finish_many(ex);
}

Result Connection::run_returning(detail::ManyExecution& ex, const detail::ManyBinder& binder) {
  auto& st = *state_;
  auto& engine = *st.engine;
  const std::size_t n = binder.size();
  auto rows = std::make_unique<detail::BufferedRows>();
  std::vector<std::string> names = ex.compiled->result_names;
  const auto plan = detail::plan_insert_values(*ex.statement, *ex.compiled, *engine.dialect);
  if (plan && n > 1) {
    ex.lease.release();
    const std::size_t per = std::clamp<std::size_t>(st.conn->max_parameters() / plan->width, 1,
                                                    detail::kInsertValuesRows);
    for (std::size_t start = 0; start < n; start += per) {
      const std::size_t k = std::min(per, n - start);
      const sql::CompiledPtr multi = detail::insert_values_statement(engine, *ex.compiled, *plan, k);
      dialects::StatementLease lease = detail::guarded(st, multi->sql, [&] { return st.conn->acquire(multi); });
      dialects::BatchOutcome where{0, start, start + k - 1};
      try {
        for (std::size_t r = 0; r < k; ++r) binder.bind_at(*lease, start + r, static_cast<int>(r * plan->width));
        rows->read(*lease, plan->sentinel);
      } catch (dialects::DriverException& error) {
        fail_batch(*ex.compiled, lease, error, binder, where);
      }
      if (names.empty()) names = rows->driver_names(*lease);
      ex.batch += k;
    }
  } else {
    dialects::DriverStatement& stmt = *ex.lease;
    try {
      for (std::size_t i = 0; i < n; ++i) {
        stmt.reset();
        binder.bind(stmt, i);
        rows->read(stmt, -1);
        if (names.empty()) names = rows->driver_names(stmt);
        ++ex.batch;
      }
    } catch (dialects::DriverException& error) {
      fail_many(ex, error, binder.values(ex.batch));
    }
    ex.lease.release();
  }
  auto meta = std::make_shared<detail::ResultMeta>();
  meta->names = std::move(names);
  meta->types = ex.compiled->result_types;
  if (ex.compiled->result_sources.size() == meta->names.size()) meta->sources = ex.compiled->result_sources;
  rows->meta = std::move(meta);
  ex.rows_affected = static_cast<std::int64_t>(rows->rows());
  if (ex.timed)
    engine.events->after_execute.fire(ExecuteInfo{ex.compiled->sql, {}, ex.batch},
                                      ExecuteStats{Clock::now() - ex.started, ex.rows_affected});
  return Result(std::make_unique<detail::BufferedCursor>(std::move(rows)));
}

Result Connection::finish_many(detail::ManyExecution& ex) {
  ex.lease.release();
  if (ex.timed)
    state_->engine->events->after_execute.fire(ExecuteInfo{ex.compiled->sql, {}, ex.batch},
                                              ExecuteStats{Clock::now() - ex.started, ex.rows_affected});
  return Result(ex.rows_affected, std::nullopt);
}

void Connection::fail_many(detail::ManyExecution& ex, dialects::DriverException& error,
                           std::vector<Value> row) {
  ex.lease.release();
  detail::raise_driver_error(*state_->engine, state_.get(), error, ex.compiled->sql, row, ex.batch + 1);
}

void Connection::fail_batch(const sql::CompiledStatement& compiled, dialects::StatementLease& lease,
                            dialects::DriverException& error, const detail::StatementBinder& binder,
                            const dialects::BatchOutcome& outcome) {
  lease.release();
  const std::size_t first = outcome.first_failed;
  std::vector<Value> shown;
  if (first < binder.size()) shown = binder.values(first);
  if (outcome.last_failed > first) {
    // The protocol only says that one of these sets failed (a multi-row INSERT, a lost
    // connection): name the range, show the first set's values.
    error.info().driver_message += " (in parameter sets " + std::to_string(first + 1) + " to " +
                                   std::to_string(outcome.last_failed + 1) + "; the first one's values shown)";
    detail::raise_driver_error(*state_->engine, state_.get(), error, compiled.sql, shown);
  }
  detail::raise_driver_error(*state_->engine, state_.get(), error, compiled.sql, shown, first + 1);
}

}  // namespace crucible
