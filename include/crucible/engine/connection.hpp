// SPDX-License-Identifier: MIT
//
// Connection: one pooled database connection, checked out by Engine::connect() and returned to
// the pool when the Connection is destroyed or close()d.
//
// Transactions follow SQLAlchemy 2.0 ("commit as you go"): the first statement autobegins a
// transaction; conn.commit() / conn.rollback() end it; whatever is uncommitted when the
// Connection closes is rolled back. begin() opens one explicitly and returns a Transaction guard
// (its destructor rolls back unless commit() or rollback() was called); begin_nested() opens a
// SAVEPOINT guard. IsolationLevel::autocommit turns autobegin off: each statement commits
// itself unless a transaction is begun explicitly.
//
//   auto conn = engine.connect();
//   {
//     auto tx = conn.begin();
//     conn.execute(insert_stmt, {{"name", "alice"}});
//     {
//       auto sp = conn.begin_nested();          // SAVEPOINT
//       conn.execute(risky);
//     }                                         // ROLLBACK TO SAVEPOINT (no commit called)
//     tx.commit();
//   }
//   std::vector<std::tuple<std::int64_t, std::string>> rows = ...;
//   conn.execute_many(text("INSERT INTO t (id, name) VALUES (:id, :name)"), rows);
//   auto n = conn.scalar<std::int64_t>("SELECT count(*) FROM t");
//
// Results read from the connection's statements: a Result must not outlive its Connection
// (closing the connection closes its open results).
//
// Thread-safety: one thread at a time; Connections are movable, not copyable.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "crucible/core/result.hpp"
#include "crucible/dialects/driver.hpp"
#include "crucible/engine/detail/bind.hpp"
#include "crucible/sql/compiled.hpp"
#include "crucible/sql/executable.hpp"
#include "crucible/sql/text.hpp"

namespace crucible {

class Engine;
namespace sql {
class Dialect;
}

namespace detail {
struct ConnectionState;
struct ManyExecution;
// Binds the placeholders of one execution straight into the driver statement, for
// Connection::execute_bound (the ORM's unit of work binds typed struct members this way). It is
// the driver's BatchSource too: bind(stmt, row) sets every placeholder of set `row`, and what it
// binds by reference must stay valid for the whole call.
class StatementBinder : public dialects::BatchSource {
 public:
  // Parameter sets (execute_bound runs the first one only).
  std::size_t size() const override { return 1; }
  // The bound values of a set, for execute events and error messages only (off the hot path).
  virtual std::vector<Value> values(std::size_t row) const = 0;
  // execute_many_bound: set `row` ran; `last_insert_id` is the driver's (0 for sets that ran
  // as one batch, which only UPDATE and DELETE do there).
  virtual void executed(std::size_t row, std::int64_t last_insert_id) const {
    (void)row;
    (void)last_insert_id;
  }

 protected:
  ~StatementBinder() = default;
};
// execute_many's binders: also bind a set at an offset, as one row of a multi-row INSERT.
class ManyBinder : public StatementBinder {
 public:
  void bind(dialects::DriverStatement& stmt, std::size_t row) const final { bind_at(stmt, row, 0); }
  // Binds set `row` to placeholders first, first + 1, ...
  virtual void bind_at(dialects::DriverStatement& stmt, std::size_t row, int first) const = 0;

 protected:
  ~ManyBinder() = default;
};
template <typename T>
struct IsTuple : std::false_type {};
template <typename... Ts>
struct IsTuple<std::tuple<Ts...>> : std::true_type {};
}  // namespace detail

// A transaction or savepoint guard. Rolls back on destruction unless commit() or rollback()
// was called (or the transaction already ended through the Connection).
class Transaction {
 public:
  Transaction() = default;
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&& other) noexcept;
  ~Transaction();

  void commit();    // InvalidRequestError when no longer active
  // No-op when no longer active. After a root guard's rollback() the Connection refuses to begin
  // a new transaction (InvalidRequestError at its next statement) until this guard is destroyed,
  // as SQLAlchemy inside `with conn.begin():`; a savepoint's rollback() continues the outer one.
  void rollback();
  bool is_active() const;
  bool is_nested() const { return !savepoint_.empty(); }

 private:
  friend class Connection;
  Transaction(std::weak_ptr<detail::ConnectionState> conn, std::uint64_t epoch,
              std::string savepoint);
  std::weak_ptr<detail::ConnectionState> conn_;
  std::uint64_t epoch_ = 0;
  // Rolls back (the destructor's and rollback()'s shared part).
  void roll_back_here();
  // Lifts the refusal this guard's rollback() set, if any.
  void stop_refusing();
  std::string savepoint_;  // empty for the root transaction
  bool done_ = true;
  bool refusing_ = false;  // rollback() made the Connection refuse to begin until this goes
};

class Connection {
 public:
  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  ~Connection();

  // Runs a statement. Rows stream from the returned Result.
  Result execute(const sql::Executable& statement, const Params& params = {});
  // Text SQL with :name binds (wrapped with text()).
  Result execute(std::string_view sql, const Params& params = {});
  // Runs a precompiled statement (no cache lookup).
  Result execute(const sql::CompiledPtr& compiled, const Params& params = {},
                 std::span<const Value> literals = {});
  // Runs a precompiled statement whose placeholders `binder` fills (typed binds, no Value per
  // parameter); otherwise as execute(compiled): autobegin, events, error translation.
  // (src/engine/connection_bound.cpp)
  Result execute_bound(const sql::CompiledPtr& compiled, const detail::StatementBinder& binder);
  // Runs a precompiled DML statement once per parameter set of `binder`, as execute_many (one
  // execute event with the batch size; UPDATE, DELETE and statements with RETURNING batched on
  // the servers where the driver can); rows a set returns go to binder.rows(). Returns the total
  // rows affected. (src/engine/connection_bound.cpp)
  Result execute_many_bound(const sql::CompiledPtr& compiled, const detail::StatementBinder& binder);

  // Runs a statement once per parameter set. Sets are a range of Params (binds by name) or of
  // std::tuple (elements bind, in order, to the statement's distinct named binds: no Value is
  // built per row). Returns the total rows affected; a statement that returns rows (an INSERT
  // ... RETURNING) returns them, one row per set in set order. On a server, inside a
  // transaction, the sets go in as few round trips as the driver allows: PostgreSQL pipeline
  // mode, MariaDB array binding, and multi-row INSERT ... RETURNING for a Core insert(); an
  // error names the failing set (docs/core.md, "Many rows"). (src/engine/connection_many.cpp)
  template <std::ranges::input_range R>
  Result execute_many(const sql::Executable& statement, const R& rows);
  template <std::ranges::input_range R>
  Result execute_many(std::string_view sql, const R& rows);

  // First column of the first row (see Result::scalar).
  template <typename T>
  T scalar(const sql::Executable& statement, const Params& params = {}) {
    return execute(statement, params).template scalar<T>();
  }
  template <typename T>
  T scalar(std::string_view sql, const Params& params = {}) {
    return execute(sql, params).template scalar<T>();
  }

  // Runs SQL straight through the driver: no binds, no result, several statements allowed,
  // no autobegin (for scripts and PRAGMAs).
  void exec_driver_sql(std::string_view sql);

  Transaction begin();         // InvalidRequestError when a transaction is already open
  Transaction begin_nested();  // SAVEPOINT (autobegins the outer transaction when needed)
  void commit();               // commits the open transaction, if any
  void rollback();             // rolls back the open transaction, if any
  bool in_transaction() const;

  // Isolation level for this connection's later transactions; restored when it is returned.
  void set_isolation_level(IsolationLevel level);
  IsolationLevel isolation_level() const;

  // Discards the underlying connection (the pool opens a new one later); the Connection is
  // closed afterwards.
  void invalidate();
  // Rolls back, closes open results and returns the connection to the pool.
  void close();
  bool closed() const;

  Engine engine() const;
  const sql::Dialect& dialect() const;
  // The driver connection (advanced use and tests).
  dialects::DriverConnection& driver_connection() const;

  explicit Connection(std::shared_ptr<detail::ConnectionState> state);

 private:
  template <typename Tuple, typename R>
  Result execute_tuples(const sql::Executable& statement, const R& rows);
  Result execute_params(const sql::Executable& statement, std::span<const Params> rows);

  // Non-template halves of execute_many. start_many compiles, begins, acquires the statement
  // and picks the path (announce_many then fires before_execute); `arity` is the tuple size (checked against the
  // named binds) or kNoArity for Params. Every path binds every placeholder, literals too.
  static constexpr std::size_t kNoArity = static_cast<std::size_t>(-1);
  void start_many(const sql::Executable& statement, std::size_t arity, detail::ManyExecution& ex);
  // DataError for a Decimal the dialect's NUMERIC would round (values in placeholder order);
  // only called when the statement has such placeholders (CompiledStatement::numeric_digits).
  void check_numeric_set(const detail::ManyExecution& ex, const std::vector<Value>& values, std::size_t set);
  // Fires before_execute (when start_many found listeners) with the sets' values.
  void announce_many(detail::ManyExecution& ex, std::size_t count, const std::vector<std::vector<Value>>& sets);
  // The batch and returning paths (and their set-by-set fallback), through a binder.
  Result run_many(detail::ManyExecution& ex, const detail::ManyBinder& binder);
  // One round trip per set (SQLite, autocommit, or no batch path in the driver).
  Result run_each(detail::ManyExecution& ex, const detail::ManyBinder& binder);
  Result run_returning(detail::ManyExecution& ex, const detail::ManyBinder& binder);
  Result finish_many(detail::ManyExecution& ex);
  [[noreturn]] void fail_many(detail::ManyExecution& ex, dialects::DriverException& error,
                              std::vector<Value> row);
  // A driver batch failed: names the failing set (or the chunk of sets) in the error.
  [[noreturn]] void fail_batch(const sql::CompiledStatement& compiled, dialects::StatementLease& lease,
                               dialects::DriverException& error, const detail::StatementBinder& binder,
                               const dialects::BatchOutcome& outcome);

  std::shared_ptr<detail::ConnectionState> state_;
};

namespace detail {

// State of one execute_many, shared between the templates and connection_many.cpp.
struct ManyExecution {
  // each: one execution per set, stepped here (SQLite, autocommit, or a driver without a batch
  // path); batch: the driver's execute_batch; returning: the rows come back (multi-row INSERT
  // ... RETURNING where the statement allows it).
  enum class Path : unsigned char { each, batch, returning };
  const sql::Executable* statement = nullptr;
  // A bare insert(t) given its columns for this run (Insert::bare); `statement` points here.
  std::shared_ptr<const sql::Executable> columns_given;
  sql::CompiledPtr compiled;
  dialects::StatementLease lease;
  std::vector<Value> literals;
  // Per placeholder: tuple element index, or -1 for a literal (bound with every set).
  std::vector<int> slot_element;
  bool identity = false;  // placeholder i <- element i, nothing else
  Path path = Path::each;
  std::int64_t rows_affected = 0;
  std::size_t batch = 0;
  std::chrono::steady_clock::time_point started;
  bool timed = false;
};

// A tuple set's values in placeholder order (literals in their places), for execute events.
std::vector<Value> placeholder_values(const ManyExecution& ex, const std::vector<Value>& elements);

// One set's parameters in placeholder order: the tuple's elements as they are when placeholder
// i takes element i, otherwise each placeholder's element or literal. Both the set-by-set path
// and the batch paths' binder read a set through it. Reused across sets.
template <typename Tuple>
class TupleSlots {
 public:
  explicit TupleSlots(const ManyExecution& ex) : ex_(ex) {
    if (ex.identity) return;
    slots_.resize(ex.slot_element.size());
    for (std::size_t slot = 0; slot < slots_.size(); ++slot)
      if (const int literal = ex.compiled->binds[slot].literal_index; literal >= 0)
        slots_[slot] = dialects::ParamRef::of_value(ex.literals.at(static_cast<std::size_t>(literal)));
  }
  // Valid until the next call, and while `row` lives.
  std::span<const dialects::ParamRef> of(const Tuple& row) {
    params_.fill(row);
    if (ex_.identity) [[likely]] return params_.refs();
    return reordered();
  }

 private:
  // Out of line: the set-by-set loop stays a few cache lines (docs/architecture.md, execute_many).
  [[gnu::noinline]] std::span<const dialects::ParamRef> reordered() {
    for (std::size_t slot = 0; slot < slots_.size(); ++slot)
      if (const int element = ex_.slot_element[slot]; element >= 0)
        slots_[slot] = params_.refs()[static_cast<std::size_t>(element)];
    return slots_;
  }
  const ManyExecution& ex_;
  TupleParams<Tuple> params_;
  std::vector<dialects::ParamRef> slots_;  // literals set once; empty when identity
};

// Tuples of a random-access range (or pointers to them), bound element by element.
template <typename Tuple, typename Rows>
class TupleBinder final : public ManyBinder {
 public:
  TupleBinder(const ManyExecution& ex, const Rows& rows) : ex_(ex), rows_(rows), slots_(ex) {}
  std::size_t size() const override { return static_cast<std::size_t>(std::ranges::size(rows_)); }
  void bind_at(dialects::DriverStatement& stmt, std::size_t row, int first) const override {
    int index = first;
    for (const dialects::ParamRef& param : slots_.of(at(row))) stmt.bind_ref(index++, param);
  }
  std::vector<Value> values(std::size_t row) const override {
    std::vector<Value> shown;
    std::apply([&shown](const auto&... v) { (shown.push_back(element_value(v)), ...); }, at(row));
    return shown;
  }

 private:
  const Tuple& at(std::size_t row) const {
    const auto& item = std::ranges::begin(rows_)[static_cast<std::ptrdiff_t>(row)];
    if constexpr (std::is_pointer_v<std::remove_cvref_t<decltype(item)>>) return *item;
    else return item;
  }
  const ManyExecution& ex_;
  const Rows& rows_;
  mutable TupleSlots<Tuple> slots_;  // scratch: bind_at binds one set at a time
};

}  // namespace detail

template <std::ranges::input_range R>
Result Connection::execute_many(const sql::Executable& statement, const R& rows) {
  using Item = std::remove_cvref_t<std::ranges::range_value_t<R>>;
  if constexpr (std::is_same_v<Item, Params>) {
    if constexpr (std::ranges::contiguous_range<R>) {
      return execute_params(statement, std::span<const Params>(std::ranges::data(rows),
                                                               std::ranges::size(rows)));
    } else {
      std::vector<Params> copy(std::ranges::begin(rows), std::ranges::end(rows));
      return execute_params(statement, copy);
    }
  } else if constexpr (detail::IsTuple<Item>::value) {
    return execute_tuples<Item>(statement, rows);
  } else {
    static_assert(detail::always_false<Item>,
                  "crucible: execute_many takes a range of crucible::Params or of std::tuple");
  }
}

template <typename Tuple, typename R>
Result Connection::execute_tuples(const sql::Executable& statement, const R& rows) {
  constexpr std::size_t arity = std::tuple_size_v<Tuple>;
  detail::ManyExecution ex;
  std::size_t count = 0;
  if constexpr (std::ranges::sized_range<R>) count = static_cast<std::size_t>(std::ranges::size(rows));
  start_many(statement, arity, ex);
  if (ex.compiled->numeric_digits > 0) {
    std::size_t set = 0;
    if constexpr (std::ranges::forward_range<const R>) {
      for (const Tuple& row : rows) {
        std::vector<Value> elements;
        std::apply([&elements](const auto&... v) { (elements.push_back(detail::element_value(v)), ...); }, row);
        check_numeric_set(ex, detail::placeholder_values(ex, elements), ++set);
      }
    }
  }
  if (ex.timed) {
    std::vector<std::vector<Value>> sets;
    if constexpr (std::ranges::forward_range<const R>) {
      for (const Tuple& row : rows) {
        std::vector<Value> elements;
        std::apply([&elements](const auto&... v) { (elements.push_back(detail::element_value(v)), ...); }, row);
        sets.push_back(detail::placeholder_values(ex, elements));
      }
    }
    announce_many(ex, count, sets);
  }
  if (ex.path != detail::ManyExecution::Path::each) {
    // The batch paths address sets by index (a chunk may be bound again) and bind by
    // reference, so the tuples must stay put: a range of temporaries is copied first.
    constexpr bool stable = std::is_lvalue_reference_v<std::ranges::range_reference_t<const R>>;
    if constexpr (stable && std::ranges::random_access_range<const R> && std::ranges::sized_range<const R>) {
      return run_many(ex, detail::TupleBinder<Tuple, R>(ex, rows));
    } else if constexpr (stable) {
      std::vector<const Tuple*> pointers;
      for (const Tuple& row : rows) pointers.push_back(&row);
      return run_many(ex, detail::TupleBinder<Tuple, std::vector<const Tuple*>>(ex, pointers));
    } else {
      std::vector<Tuple> copies;
      for (auto&& row : rows) copies.emplace_back(row);
      return run_many(ex, detail::TupleBinder<Tuple, std::vector<Tuple>>(ex, copies));
    }
  }
  dialects::DriverStatement& stmt = *ex.lease;
  const Tuple* current = nullptr;
  detail::TupleSlots<Tuple> slots(ex);
  try {
    for (const Tuple& row : rows) {
      current = &row;
      ex.rows_affected += stmt.run(slots.of(row));
      ++ex.batch;
    }
  } catch (dialects::DriverException& error) {
    std::vector<Value> shown;
    if (current)
      std::apply([&shown](const auto&... v) { (shown.push_back(detail::element_value(v)), ...); },
                 *current);
    fail_many(ex, error, std::move(shown));
  }
  return finish_many(ex);
}

template <std::ranges::input_range R>
Result Connection::execute_many(std::string_view sql, const R& rows) {
  return execute_many(text(sql), rows);
}

}  // namespace crucible
