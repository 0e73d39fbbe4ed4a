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

// The engine's side of a Result: steps a driver statement and knows when it is done. What a
// Result reads on every row (the row source, the names, whether a row is waiting, the counts) is
// plain data here, so the per-row path costs no virtual call; an implementation supplies fetch()
// and release().
class Cursor {
 public:
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  virtual ~Cursor() = default;

  // The current row's columns (valid while the cursor is open).
  RowSource& source() const { return *source_; }
  // Names and types shared by this result's rows (never null; valid for the cursor's whole
  // life, closed or not).
  const std::shared_ptr<const detail::ResultMeta>& meta() const { return *meta_; }
  // Moves to the next row; false when exhausted (the cursor then releases its statement).
  bool next() {
    if (prefetched_) {
      prefetched_ = false;
      return true;
    }
    return open_ && fetch();
  }
  // Releases the statement early; next() returns false afterwards.
  void close() {
    prefetched_ = false;
    if (!open_) return;
    open_ = false;
    release();
  }
  bool is_open() const { return open_; }
  // Rows known to follow the current one (the driver holds the whole result), or -1.
  virtual std::int64_t rows_ahead() const { return -1; }
  // Valid once exhausted (DML with RETURNING counts its rows as they are read).
  std::int64_t rows_affected() const { return rows_affected_; }
  std::optional<std::int64_t> last_insert_id() const { return last_insert_id_; }
  // Ends the cursor's life; its Result calls it instead of delete. An implementation may keep
  // the object to serve a later statement instead (see reopen()).
  virtual void dispose() noexcept { delete this; }

 protected:
  // `source` must stay valid while the cursor is open, `meta` as long as it lives;
  // `prefetched`: the statement already stands on its first row.
  Cursor(RowSource& source, const std::shared_ptr<const detail::ResultMeta>& meta, bool prefetched)
      : source_(&source), meta_(&meta), prefetched_(prefetched) {}
  // For an implementation that holds its statement before it has run: start() must be called
  // before the cursor is handed to a Result.
  Cursor() = default;
  void start(RowSource& source, const std::shared_ptr<const detail::ResultMeta>& meta,
             bool prefetched) {
    source_ = &source;
    meta_ = &meta;
    prefetched_ = prefetched;
  }
  // A disposed cursor kept for another statement: as a new one again (start() follows).
  void reopen() {
    rows_affected_ = -1;
    last_insert_id_.reset();
    source_ = nullptr;
    meta_ = nullptr;
    prefetched_ = false;
    open_ = true;
  }
  // Steps to the next row: true when there is one; otherwise records rows_affected_ /
  // last_insert_id_ and calls close().
  virtual bool fetch() = 0;
  // Gives the statement back; called once, by close().
  virtual void release() = 0;

  std::int64_t rows_affected_ = -1;
  std::optional<std::int64_t> last_insert_id_;

 private:
  RowSource* source_ = nullptr;
  const std::shared_ptr<const detail::ResultMeta>* meta_ = nullptr;
  bool prefetched_ = false;
  bool open_ = true;
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
  std::vector<std::tuple<Ts...>> all();

 private:
  Result* r_;
  std::unique_ptr<Result> owned_;
};

class Result {
 public:
  // An empty result: no rows, nothing affected.
  Result() = default;
  // A row-returning result reading from `cursor`.
  explicit Result(std::unique_ptr<Cursor> cursor) : cursor_(cursor.release()), has_columns_(true) {
    row_.rebind_view(cursor_->meta().get(), &cursor_->source());
  }
  // A finished DML / DDL result; `last_insert_id` only for inserts.
  Result(std::int64_t rows_affected, std::optional<std::int64_t> last_insert_id);
  Result(Result&&) noexcept = default;
  Result& operator=(Result&&) noexcept = default;
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  ~Result() = default;  // inline: a lookup in a loop destroys one Result per execute

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
      closed_ = true;
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
    return collect<T>([this] { return row_.get<T>(0); });
  }

  // one(), one_or_none(), first() and scalar() close the result: reading it again (all(),
  // scalars(), iteration, another one()) raises ResourceClosedError, as close() does. A result
  // read to its end is exhausted, not closed: reading it again gives no rows.

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
    if (!advance()) {
      closed_ = true;
      throw NoResultFound("one(): the statement returned no rows");
    }
    std::tuple<Ts...> out = typed_row<Ts...>();
    if (another_row()) {
      close();
      throw MultipleResultsFound("one(): the statement returned more than one row");
    }
    return out;
  }
  template <typename... Ts>
    requires(sizeof...(Ts) > 0)
  std::optional<std::tuple<Ts...>> one_or_none() {
    if (!advance()) {
      closed_ = true;
      return std::nullopt;
    }
    std::optional<std::tuple<Ts...>> out(typed_row<Ts...>());
    if (another_row()) {
      close();
      throw MultipleResultsFound("one_or_none(): the statement returned more than one row");
    }
    return out;
  }
  template <typename... Ts>
    requires(sizeof...(Ts) > 0)
  std::optional<std::tuple<Ts...>> first() {
    if (!advance()) {
      closed_ = true;
      return std::nullopt;
    }
    std::optional<std::tuple<Ts...>> out(typed_row<Ts...>());
    close();
    return out;
  }

  // Rows inserted / updated / deleted (after exhausting a RETURNING result); -1 for SELECT.
  std::int64_t rows_affected() const;
  // The integer primary key this INSERT generated (SQLite rowid, MySQL AUTO_INCREMENT) when it
  // inserted exactly one row of given values; nullopt ("no single key") after several rows, an
  // INSERT ... SELECT, an INSERT ... RETURNING (the keys are in its rows), anything that is not
  // an insert, or on a backend without a last-insert id (PostgreSQL: add .returning(id)).
  std::optional<std::int64_t> inserted_primary_key() const;
  // Releases the driver statement; further reads raise ResourceClosedError. (The closed cursor
  // stays until the Result goes: it keeps the names and the counts.) Forced inline: it ends
  // every typed one(), and GCC's per-file inlining budget otherwise decides by what else the
  // caller's file holds (a benchmark's own helpers once left it out of line: +16 instructions
  // per lookup).
  [[gnu::always_inline]] void close() {
    closed_ = true;
    release();
  }
  // Whether close() (or one of the getters that close) ended the result.
  bool closed() const { return closed_; }

  // Moves to the next row (row() then views it); false when exhausted. The primitive under
  // iteration, for code that walks a result by hand. ResourceClosedError after close(). (The
  // check sits on the exhausted path only: a row costs nothing more.)
  bool advance() {
    if (cursor_ && cursor_->next()) return true;
    if (closed_) throw_closed();
    release();
    return false;
  }
  const Row& row() const { return row_; }
  // After advance() returned true: the rows from the current one to the end when the driver
  // holds the whole result already (PostgreSQL, MariaDB), else 1. For reserving room.
  std::size_t rows_hint() const {
    const std::int64_t ahead = cursor_ ? cursor_->rows_ahead() : -1;
    return ahead > 0 ? static_cast<std::size_t>(ahead) + 1 : 1;
  }

 private:
  // Gives the driver statement back (exhausted or closed).
  [[gnu::always_inline]] void release() {
    if (!cursor_) return;
    cursor_->close();
    row_.rebind_view(nullptr, nullptr);
  }
  [[noreturn]] static void throw_closed();
  // After the row one() / one_or_none() return: whether another follows. A statement that
  // cannot return a second row (ResultMeta::at_most_one_row) is closed without the extra step.
  bool another_row() {
    if (cursor_ && cursor_->meta()->at_most_one_row) {
      close();
      return false;
    }
    if (advance()) return true;
    closed_ = true;
    return false;
  }
  // The current row (a view: a Result's row always is) as a tuple, read inline.
  template <typename... Ts>
  [[gnu::always_inline]] std::tuple<Ts...> typed_row() const {
    return row_.template view_as<Ts...>(std::index_sequence_for<Ts...>{});
  }
  // Every remaining row as read(), into a vector allocated once when the driver says how many
  // rows it holds (rows_hint()).
  template <typename T, typename Read>
  std::vector<T> collect(Read read) {
    std::vector<T> out;
    if (!advance()) return out;
    out.reserve(rows_hint());
    do out.push_back(read());
    while (advance());
    return out;
  }
  template <typename... Ts>
  friend class TypedRows;
  void check_arity(std::size_t wanted) {
    if (cursor_ && cursor_->is_open() &&
        static_cast<std::size_t>(cursor_->source().column_count()) != wanted)
      detail::throw_arity_error(cursor_->source().column_count(), wanted);
  }

  struct CursorDisposer {
    void operator()(Cursor* cursor) const noexcept { cursor->dispose(); }
  };
  // Row-returning results: kept, closed, until the Result goes, so keys() and the counts stay
  // readable after the last row.
  std::unique_ptr<Cursor, CursorDisposer> cursor_;
  Row row_;
  // Finished DML / DDL results.
  std::int64_t rows_affected_ = -1;
  std::optional<std::int64_t> last_insert_id_;
  bool has_columns_ = false;
  bool closed_ = false;  // close() was called (by the user or a closing getter)
};

template <typename... Ts>
typename TypedRows<Ts...>::iterator TypedRows<Ts...>::begin() {
  return r_->advance() ? iterator(r_) : iterator();
}

template <typename... Ts>
std::vector<std::tuple<Ts...>> TypedRows<Ts...>::all() {
  return r_->template collect<std::tuple<Ts...>>([r = r_] { return r->row_.template as<Ts...>(); });
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
