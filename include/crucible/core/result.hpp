// SPDX-License-Identifier: MIT
//
// Result: what executing a statement returns. Rows stream from the driver one at a time
// (nothing is materialised unless asked for); DML results carry the affected-row count and the
// last inserted id.
//
//   crucible::Result r = conn.execute(stmt);
//   for (const crucible::Row& row : r) ...                       // views, valid per step
//   for (auto [id, name] : conn.execute(stmt).as<std::int64_t, std::string>()) ...
//   auto n = conn.execute(count_stmt).scalar<std::int64_t>();
//   auto names = conn.execute(stmt).scalars<std::string>();
//   Row row = conn.execute(stmt).one();                          // NoResultFound / MultipleResultsFound
//   auto [id, name] = conn.execute(stmt).one<std::int64_t, std::string>();   // typed, no Row
//
// A Result is single-pass and move-only; it reads through a Cursor (implemented by the engine
// over a driver statement) and must not outlive the Connection that produced it (closing the
// connection closes its open results). Thread-safety: one thread at a time, like its Connection.
#pragma once

#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "crucible/core/errors.hpp"
#include "crucible/core/row.hpp"

namespace crucible {

// The engine's side of a Result: steps a driver statement and knows when it is done.
class Cursor {
 public:
  virtual ~Cursor() = default;
  // The current row's columns.
  virtual RowSource& source() = 0;
  // Names and types shared by this result's rows (never null).
  virtual const std::shared_ptr<const detail::ResultMeta>& meta() = 0;
  // Moves to the next row; false when exhausted (the cursor then releases its statement).
  virtual bool next() = 0;
  // Releases the statement early; next() returns false afterwards.
  virtual void close() = 0;
  // Valid once exhausted (DML with RETURNING counts its rows as they are read).
  virtual std::int64_t rows_affected() const = 0;
  virtual std::optional<std::int64_t> last_insert_id() const = 0;
};

class Result;

// Typed view of a Result: `result.as<A, B>()` yields std::tuple<A, B> per row.
template <typename... Ts>
class TypedRows {
 public:
  class iterator {
   public:
    using value_type = std::tuple<Ts...>;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(Result* r) : r_(r) {}
    value_type operator*() const;
    iterator& operator++();
    void operator++(int) { ++*this; }
    bool operator==(std::default_sentinel_t) const { return r_ == nullptr; }

   private:
    Result* r_ = nullptr;
  };
  explicit TypedRows(Result& r) : r_(&r) {}
  // Owns a temporary Result, so `for (auto [a, b] : conn.execute(q).as<A, B>())` is safe.
  explicit TypedRows(std::unique_ptr<Result> owned) : r_(owned.get()), owned_(std::move(owned)) {}
  iterator begin();
  std::default_sentinel_t end() const { return {}; }
  // Every row, materialised.
  std::vector<std::tuple<Ts...>> all() {
    std::vector<std::tuple<Ts...>> out;
    for (auto&& t : *this) out.push_back(std::move(t));
    return out;
  }

 private:
  Result* r_;
  std::unique_ptr<Result> owned_;
};

class Result {
 public:
  // An empty result: no rows, nothing affected.
  Result() = default;
  // A row-returning result reading from `cursor`.
  explicit Result(std::unique_ptr<Cursor> cursor);
  // A finished DML / DDL result; `last_insert_id` only for inserts.
  Result(std::int64_t rows_affected, std::optional<std::int64_t> last_insert_id);
  Result(Result&&) noexcept;
  Result& operator=(Result&&) noexcept;
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  ~Result();

  // Whether the statement produced rows (SELECT, or DML with RETURNING).
  bool returns_rows() const { return cursor_ != nullptr || has_columns_; }
  // Column labels (empty for DML without RETURNING).
  const std::vector<std::string>& keys();

  class iterator {
   public:
    using value_type = Row;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(Result* r) : r_(r) {}
    const Row& operator*() const { return r_->row_; }
    const Row* operator->() const { return &r_->row_; }
    iterator& operator++() {
      if (!r_->advance()) r_ = nullptr;
      return *this;
    }
    void operator++(int) { ++*this; }
    bool operator==(std::default_sentinel_t) const { return r_ == nullptr; }

   private:
    Result* r_ = nullptr;
  };
  // Single pass: begin() moves to the first unread row.
  iterator begin() { return advance() ? iterator(this) : iterator(); }
  std::default_sentinel_t end() const { return {}; }

  // Typed rows; throws TypeError when the column count differs from sizeof...(Ts).
  template <typename... Ts>
  TypedRows<Ts...> as() & {
    check_arity(sizeof...(Ts));
    return TypedRows<Ts...>(*this);
  }
  template <typename... Ts>
  TypedRows<Ts...> as() && {
    check_arity(sizeof...(Ts));
    return TypedRows<Ts...>(std::make_unique<Result>(std::move(*this)));
  }

  // First column of the first row, then closes the result. No row: std::nullopt for an
  // optional T, NoResultFound otherwise.
  template <typename T>
  T scalar() {
    if (!advance()) {
      if constexpr (detail::IsOptional<T>::value) return std::nullopt;
      else throw NoResultFound("scalar(): the statement returned no rows");
    }
    T value = row_.get<T>(0);
    close();
    return value;
  }
  // First column of every remaining row.
  template <typename T>
  std::vector<T> scalars() {
    std::vector<T> out;
    while (advance()) out.push_back(row_.get<T>(0));
    return out;
  }

  // Exactly one row (NoResultFound / MultipleResultsFound otherwise); closes the result.
  Row one();
  // At most one row (MultipleResultsFound when more); closes the result.
  std::optional<Row> one_or_none();
  // The first row, or nothing; discards the rest and closes the result.
  std::optional<Row> first();
  // Every remaining row, materialised.
  std::vector<Row> all();

  // Typed forms of one() / one_or_none() / first(): the row as std::tuple<Ts...>, converted
  // straight from the driver's row (no owning Row, no Value per column); same errors, plus
  // TypeError when the column count differs from sizeof...(Ts).
  //   auto [name, email] = conn.execute(by_id, {{"id", 7}}).one<std::string, std::string>();
  template <typename... Ts>
    requires(sizeof...(Ts) > 0)
  std::tuple<Ts...> one() {
    if (!advance()) throw NoResultFound("one(): the statement returned no rows");
    std::tuple<Ts...> out = row_.template as<Ts...>();
    if (advance()) {
      close();
      throw MultipleResultsFound("one(): the statement returned more than one row");
    }
    return out;
  }
  template <typename... Ts>
    requires(sizeof...(Ts) > 0)
  std::optional<std::tuple<Ts...>> one_or_none() {
    if (!advance()) return std::nullopt;
    std::optional<std::tuple<Ts...>> out(row_.template as<Ts...>());
    if (advance()) {
      close();
      throw MultipleResultsFound("one_or_none(): the statement returned more than one row");
    }
    return out;
  }
  template <typename... Ts>
    requires(sizeof...(Ts) > 0)
  std::optional<std::tuple<Ts...>> first() {
    if (!advance()) return std::nullopt;
    std::optional<std::tuple<Ts...>> out(row_.template as<Ts...>());
    close();
    return out;
  }

  // Rows inserted / updated / deleted (after exhausting a RETURNING result); -1 for SELECT.
  std::int64_t rows_affected() const;
  // The integer primary key the last INSERT generated (SQLite rowid, MySQL AUTO_INCREMENT);
  // nullopt when the statement was not an insert.
  std::optional<std::int64_t> inserted_primary_key() const;
  // Releases the driver statement; further reads see no rows.
  void close();

  // Moves to the next row (row() then views it); false when exhausted. The primitive under
  // iteration, for code that walks a result by hand.
  bool advance();
  const Row& row() const { return row_; }

 private:
  template <typename... Ts>
  friend class TypedRows;
  void check_arity(std::size_t wanted) {
    if (cursor_ && static_cast<std::size_t>(cursor_->source().column_count()) != wanted)
      detail::throw_arity_error(cursor_->source().column_count(), wanted);
  }

  std::unique_ptr<Cursor> cursor_;
  Row row_;
  std::int64_t rows_affected_ = -1;
  std::optional<std::int64_t> last_insert_id_;
  bool has_columns_ = false;
  // The cursor's names and types, kept after close so keys() stays valid (shared, not copied:
  // closing is on the path of every one() / scalar()).
  std::shared_ptr<const detail::ResultMeta> closed_meta_;
};

template <typename... Ts>
typename TypedRows<Ts...>::iterator TypedRows<Ts...>::begin() {
  return r_->advance() ? iterator(r_) : iterator();
}

template <typename... Ts>
typename TypedRows<Ts...>::iterator::value_type TypedRows<Ts...>::iterator::operator*() const {
  return r_->row_.template as<Ts...>();
}

template <typename... Ts>
typename TypedRows<Ts...>::iterator& TypedRows<Ts...>::iterator::operator++() {
  if (!r_->advance()) r_ = nullptr;
  return *this;
}

}  // namespace crucible
