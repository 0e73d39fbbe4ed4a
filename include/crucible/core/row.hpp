// SPDX-License-Identifier: MIT
//
// Row: one row of a Result, read by index, by name, or as a typed tuple.
//
// A Row yielded while iterating a Result is a *view* of the driver's current row: cheap to
// produce, valid until the Result moves on. `Result::all()`, `one()`, `first()` and
// `Row::materialize()` give owning rows that hold their values and outlive the Result.
//
// Reading converts the stored cell to the requested C++ type. Wrong reads throw TypeError naming
// the column and both types: a text column read as int64, NULL read into a non-optional T, an
// int64 that does not fit an int16, a tuple whose arity differs from the column count.
//
// Also here: Cell and RowSource, the abstract cursor surface core reads rows through (drivers
// implement it; core knows nothing of engines).
//
// Thread-safety: a Row belongs to the thread iterating its Result; owning rows are values.
//
//   for (const crucible::Row& row : conn.execute("SELECT id, name FROM users")) {
//     auto id = row.get<std::int64_t>(0);
//     auto name = row.get<std::string>("name");
//     auto [id2, name2] = row.as<std::int64_t, std::string>();
//   }
#pragma once

#include <concepts>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "crucible/core/errors.hpp"
#include "crucible/core/types.hpp"
#include "crucible/core/value.hpp"

namespace crucible {

// How a driver stores one column of the current row. `bytes` borrows the driver's buffer and is
// valid until the cursor moves.
enum class CellKind : unsigned char { null_value, integer, real, text, blob };

struct Cell {
  CellKind kind = CellKind::null_value;
  std::int64_t integer = 0;
  double real = 0;
  std::string_view bytes;  // text (UTF-8) or blob bytes
};

// The columns of a cursor's current row. Driver statements implement it; reading a column costs
// one virtual call.
class RowSource {
 public:
  virtual ~RowSource() = default;
  virtual int column_count() const = 0;
  virtual std::string_view column_name(int index) const = 0;
  virtual void read_cell(int index, Cell& out) = 0;
};

namespace detail {

// Which column object a result column reads: its FROM object (a table, alias or subquery of
// the expression tree, by address) and its name. Expr<T>::result_source() gives a column
// handle's; the compiler records the selected columns'. Never dereferenced.
struct ColumnSource {
  const void* from = nullptr;
  std::string name;
  friend bool operator==(const ColumnSource&, const ColumnSource&) = default;
};

// Column names and declared types of a result, shared by its rows.
struct ResultMeta {
  std::vector<std::string> names;
  std::vector<SqlType> types;  // parallel to names when known; may be empty
  std::vector<ColumnSource> sources;  // parallel to names for compiled statements; may be empty
  int index_of(const ColumnSource& source) const;  // -1 when absent
  bool at_most_one_row = false;  // the statement cannot return a second row (see CompiledStatement)
  int index_of(std::string_view name) const;  // -1 when absent
  const SqlType* type_at(int index) const {
    return index >= 0 && static_cast<std::size_t>(index) < types.size() ? &types[index] : nullptr;
  }
};

template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};

template <typename T>
inline constexpr bool always_false = false;

template <typename T, typename V>
struct IsAlternative;
template <typename T, typename... Ts>
struct IsAlternative<T, std::variant<Ts...>> : std::bool_constant<(std::is_same_v<T, Ts> || ...)> {};
template <typename T>
inline constexpr bool is_value_alternative = IsAlternative<T, ValueVariant>::value;

// Short C++ type names for messages.
template <typename T>
constexpr std::string_view cpp_type_name() {
  if constexpr (std::is_same_v<T, bool>) return "bool";
  else if constexpr (std::is_same_v<T, std::int16_t>) return "int16";
  else if constexpr (std::is_same_v<T, std::int32_t>) return "int32";
  else if constexpr (std::is_same_v<T, std::int64_t>) return "int64";
  else if constexpr (std::is_integral_v<T>) return "integer";
  else if constexpr (std::is_same_v<T, float>) return "float";
  else if constexpr (std::is_same_v<T, double>) return "double";
  else if constexpr (std::is_same_v<T, std::string>) return "string";
  else if constexpr (std::is_same_v<T, Blob>) return "Blob";
  else if constexpr (std::is_same_v<T, Decimal>) return "Decimal";
  else if constexpr (std::is_same_v<T, Date>) return "Date";
  else if constexpr (std::is_same_v<T, Time>) return "Time";
  else if constexpr (std::is_same_v<T, DateTime>) return "DateTime";
  else if constexpr (std::is_same_v<T, Uuid>) return "Uuid";
  else if constexpr (std::is_same_v<T, Json>) return "Json";
  else if constexpr (std::is_same_v<T, Value>) return "Value";
  else if constexpr (std::is_enum_v<T>) return "enum";
  else return "unknown";
}

std::string_view cell_kind_name(CellKind kind);

// Out of line so the templates stay small; all throw TypeError naming column and types.
[[noreturn]] void throw_read_error(const ResultMeta* meta, int index, std::string_view held,
                                   std::string_view wanted, std::string_view detail = {});
[[noreturn]] void throw_arity_error(int columns, std::size_t wanted);
[[noreturn]] void throw_unknown_column(const ResultMeta* meta, std::string_view name);

// Servers return NUMERIC / DECIMAL as exact text (PostgreSQL's avg(), MySQL's sum()): when the
// statement declares the column numeric, text is parsed rather than rejected. A text column
// stays a TypeError when read as a number.
bool declared_numeric(const ResultMeta* meta, int index);
std::int64_t numeric_text_to_int64(const Cell& c, const ResultMeta* meta, int index,
                                   std::string_view wanted);
double numeric_text_to_double(const Cell& c, const ResultMeta* meta, int index);
Decimal cell_to_decimal(const Cell& c, const ResultMeta* meta, int index);
Date cell_to_date(const Cell& c, const ResultMeta* meta, int index);
Time cell_to_time(const Cell& c, const ResultMeta* meta, int index);
DateTime cell_to_datetime(const Cell& c, const ResultMeta* meta, int index);
Uuid cell_to_uuid(const Cell& c, const ResultMeta* meta, int index);
Json cell_to_json(const Cell& c, const ResultMeta* meta, int index);
// Value from a cell, guided by the column's declared type when known.
Value cell_to_value(const Cell& c, const SqlType* type, const ResultMeta* meta, int index);
// A cell view of a stored Value (text forms for calendar, decimal, uuid and json values);
// `scratch` holds any rendered text.
Cell value_to_cell(const Value& v, std::string& scratch);

// Converts a cell to T. The one place where column reads are type-checked.
template <typename T>
T cell_as(const Cell& c, const ResultMeta* meta, int index) {
  if constexpr (IsOptional<T>::value) {
    if (c.kind == CellKind::null_value) return std::nullopt;
    return cell_as<typename T::value_type>(c, meta, index);
  } else if constexpr (std::is_same_v<T, Value>) {
    return cell_to_value(c, meta ? meta->type_at(index) : nullptr, meta, index);
  } else {
    if (c.kind == CellKind::null_value)
      throw_read_error(meta, index, "NULL", cpp_type_name<T>(), "use std::optional for nullable columns");
    if constexpr (std::is_same_v<T, bool>) {
      if (c.kind == CellKind::integer && (c.integer == 0 || c.integer == 1)) return c.integer == 1;
    } else if constexpr (std::is_integral_v<T>) {
      if (c.kind == CellKind::integer ||
          (c.kind == CellKind::text && declared_numeric(meta, index))) {
        const std::int64_t v = c.kind == CellKind::integer
                                   ? c.integer
                                   : numeric_text_to_int64(c, meta, index, cpp_type_name<T>());
        if constexpr (sizeof(T) < sizeof(std::int64_t) || std::is_unsigned_v<T>) {
          if (v < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
              (std::is_signed_v<T> && v > static_cast<std::int64_t>(std::numeric_limits<T>::max())))
            throw_read_error(meta, index, "int64", cpp_type_name<T>(),
                             "value " + std::to_string(v) + " out of range");
        }
        return static_cast<T>(v);
      }
    } else if constexpr (std::is_floating_point_v<T>) {
      if (c.kind == CellKind::real) return static_cast<T>(c.real);
      if (c.kind == CellKind::integer) return static_cast<T>(c.integer);
      if (c.kind == CellKind::text && declared_numeric(meta, index))
        return static_cast<T>(numeric_text_to_double(c, meta, index));
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (c.kind == CellKind::text) return std::string(c.bytes);
    } else if constexpr (std::is_same_v<T, Blob>) {
      if (c.kind == CellKind::blob || c.kind == CellKind::text)
        return Blob(reinterpret_cast<const unsigned char*>(c.bytes.data()),
                    reinterpret_cast<const unsigned char*>(c.bytes.data()) + c.bytes.size());
    } else if constexpr (std::is_same_v<T, Decimal>) {
      return cell_to_decimal(c, meta, index);
    } else if constexpr (std::is_same_v<T, Date>) {
      return cell_to_date(c, meta, index);
    } else if constexpr (std::is_same_v<T, Time>) {
      return cell_to_time(c, meta, index);
    } else if constexpr (std::is_same_v<T, DateTime>) {
      return cell_to_datetime(c, meta, index);
    } else if constexpr (std::is_same_v<T, Uuid>) {
      return cell_to_uuid(c, meta, index);
    } else if constexpr (std::is_same_v<T, Json>) {
      return cell_to_json(c, meta, index);
    } else if constexpr (MappedEnum<T>) {
      if (c.kind == CellKind::text) {
        const auto& names = EnumNames<T>::names;
        for (std::size_t i = 0; i < names.size(); ++i)
          if (c.bytes == names[i]) return static_cast<T>(i);
        throw_read_error(meta, index, "text", "enum",
                         "unknown label '" + std::string(c.bytes) + "'");
      }
    } else {
      static_assert(always_false<T>,
                    "crucible: a column can be read as bool, an integer, float, double, "
                    "std::string, Blob, Decimal, Date, Time, DateTime, Uuid, Json, a mapped "
                    "enum, Value, or std::optional of one of them");
    }
    throw_read_error(meta, index, cell_kind_name(c.kind), cpp_type_name<T>());
  }
}

}  // namespace detail

namespace detail {
struct RowAccess;
}
class Result;

class Row {
 public:
  Row() = default;

  std::size_t size() const;
  bool empty() const { return size() == 0; }
  // Column labels, in order.
  const std::vector<std::string>& keys() const;

  // The column as a Value, converted by its declared type when known.
  Value operator[](std::size_t index) const { return get<Value>(index); }
  Value operator[](std::string_view name) const { return get<Value>(name); }

  bool is_null(std::size_t index) const;

  template <typename T>
  T get(std::size_t index) const {
    Cell cell;
    std::string scratch;
    return read_as<T>(checked_index(index), cell, scratch);
  }
  template <typename T>
  T get(std::string_view name) const {
    return get<T>(static_cast<std::size_t>(index_of(name)));
  }
  // By the column object that was selected (a Table::c<T>() handle, a subquery's column):
  //   auto name = row.get(users_name);            // as the handle's C++ type
  //   auto id = row.get<std::int64_t>(users_id);
  //   Value v = row[users_name];
  // Unlike a name, it tells apart users.id and posts.id in one row. InvalidRequestError when
  // the statement did not select that column.
  template <typename T, typename C>
    requires requires(const C& c) { { c.result_source() } -> std::convertible_to<detail::ColumnSource>; }
  T get(const C& column) const {
    return get<T>(static_cast<std::size_t>(index_of(column.result_source())));
  }
  template <typename C>
    requires requires(const C& c) { { c.result_source() } -> std::convertible_to<detail::ColumnSource>; }
  typename C::value_type get(const C& column) const {
    return get<typename C::value_type>(column);
  }
  template <typename C>
    requires requires(const C& c) { { c.result_source() } -> std::convertible_to<detail::ColumnSource>; }
  Value operator[](const C& column) const {
    return get<Value>(column);
  }

  // The whole row as a typed tuple; the arity must equal the column count.
  template <typename... Ts>
  std::tuple<Ts...> as() const& {
    if (source_) return view_as<Ts...>(std::index_sequence_for<Ts...>{});
    if (values_.size() != sizeof...(Ts)) detail::throw_arity_error(column_count(), sizeof...(Ts));
    return as_impl<Ts...>(std::index_sequence_for<Ts...>{});
  }
  // From an expiring owning row (`result.one().as<A, B>()`), values whose type matches are
  // moved out instead of copied: no second allocation per string.
  template <typename... Ts>
  std::tuple<Ts...> as() && {
    if (source_) return view_as<Ts...>(std::index_sequence_for<Ts...>{});
    if (values_.size() != sizeof...(Ts)) detail::throw_arity_error(column_count(), sizeof...(Ts));
    return take_impl<Ts...>(std::index_sequence_for<Ts...>{});
  }

  std::vector<Value> values() const;
  // An owning copy that outlives the Result.
  Row materialize() const;
  bool is_view() const { return source_ != nullptr; }

  // Used by Result: a view of `source`'s current row / an owning row.
  static Row view(const detail::ResultMeta* meta, RowSource* source);
  // Turns this row into a view of `source` (or, with nullptr, an empty row) in place: Result
  // does this once per execute and close, where building and moving a Row showed up.
  void rebind_view(const detail::ResultMeta* meta, RowSource* source) {
    if (!values_.empty()) values_.clear();
    if (meta_owner_) meta_owner_.reset();
    meta_ = meta;
    source_ = source;
  }
  static Row owning(std::shared_ptr<const detail::ResultMeta> meta, std::vector<Value> values);

 private:
  // as() on a view: the driver's cells read straight into the tuple, with the column count
  // from the shared names (a view's names are its statement's columns) rather than a virtual
  // call, and none of an owning row's checks per column.
  template <typename... Ts, std::size_t... I>
  [[gnu::always_inline]] std::tuple<Ts...> view_as(std::index_sequence<I...>) const {
    const std::size_t columns =
        meta_ ? meta_->names.size() : static_cast<std::size_t>(source_->column_count());
    if (columns != sizeof...(Ts)) detail::throw_arity_error(static_cast<int>(columns), sizeof...(Ts));
    if constexpr ((std::is_nothrow_default_constructible_v<Ts> && ...))
      return view_fill<Ts...>(std::index_sequence<I...>{});
    else
      return as_impl<Ts...>(std::index_sequence<I...>{});
  }
  // Each column read straight into its element: a braced tuple would move every string from a
  // temporary (a memcpy call for a short one). (A function of its own: GCC 12 does not elide
  // the copy of a local returned from inside an `if constexpr` branch.)
  template <typename... Ts, std::size_t... I>
  [[gnu::always_inline]] std::tuple<Ts...> view_fill(std::index_sequence<I...>) const {
    Cell cell;
    std::tuple<Ts...> out;
    (view_read_into(std::get<I>(out), static_cast<int>(I), cell), ...);
    return out;
  }
  template <typename T>
  [[gnu::always_inline]] void view_read_into(T& out, int index, Cell& cell) const {
    if constexpr (std::is_same_v<T, std::string>) {
      source_->read_cell(index, cell);
      if (cell.kind != CellKind::text) {
        out = detail::cell_as<std::string>(cell, meta_, index);
        return;
      }
      // `out` is a default-constructed element, which owns nothing: a new string is built over
      // it from the driver's bytes. Should that throw, it is left empty again, as the tuple's
      // destructor expects a string there.
      try {
        std::construct_at(&out, cell.bytes);
      } catch (...) {
        std::construct_at(&out);
        throw;
      }
    } else {
      out = view_read<T>(index, cell);
    }
  }
  // One column of a view. The commonest reads (an integer key, a text column) are decided here;
  // anything else, and every error, goes through cell_as.
  template <typename T>
  [[gnu::always_inline]] T view_read(int index, Cell& cell) const {
    source_->read_cell(index, cell);
    if constexpr (std::is_same_v<T, std::int64_t>) {
      if (cell.kind == CellKind::integer) return cell.integer;
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (cell.kind == CellKind::text) return std::string(cell.bytes);
    }
    return detail::cell_as<T>(cell, meta_, index);
  }

  template <typename... Ts, std::size_t... I>
  std::tuple<Ts...> as_impl(std::index_sequence<I...>) const {
    Cell cell;
    std::string scratch;
    // Braced initialisation evaluates left to right, so columns are read in order.
    return std::tuple<Ts...>{
        read_as<Ts>(static_cast<int>(I), cell, scratch)...};
  }

  template <typename... Ts, std::size_t... I>
  std::tuple<Ts...> take_impl(std::index_sequence<I...>) {
    Cell cell;
    std::string scratch;
    return std::tuple<Ts...>{take_as<Ts>(static_cast<int>(I), cell, scratch)...};
  }

  // Owning rows only: moves the value out when it already has type T, else converts.
  template <typename T>
  T take_as(int index, Cell& cell, std::string& scratch) {
    if constexpr (detail::is_value_alternative<T> && !std::is_same_v<T, Null>) {
      if (T* p = std::get_if<T>(&values_[static_cast<std::size_t>(index)].variant()))
        return std::move(*p);
    }
    return read_as<T>(index, cell, scratch);
  }

  template <typename T>
  T read_as(int index, Cell& cell, std::string& scratch) const {
    if (source_) return view_read<T>(index, cell);
    // Owning rows hold Values: hand back an exact match without a round trip through text.
    const Value& v = values_[static_cast<std::size_t>(index)];
    if constexpr (std::is_same_v<T, Value>) {
      return v;
    } else if constexpr (detail::is_value_alternative<T> && !std::is_same_v<T, Null>) {
      if (const T* p = std::get_if<T>(&v.variant())) return *p;
    }
    cell = detail::value_to_cell(v, scratch);
    return detail::cell_as<T>(cell, meta_, index);
  }

  int column_count() const {
    return source_ ? source_->column_count() : static_cast<int>(values_.size());
  }
  int checked_index(std::size_t index) const;
  int index_of(std::string_view name) const;
  int index_of(const detail::ColumnSource& source) const;

  friend struct detail::RowAccess;
  friend class Result;  // its typed one() / first() read its view row through view_as()

  const detail::ResultMeta* meta_ = nullptr;
  RowSource* source_ = nullptr;                           // view rows
  std::shared_ptr<const detail::ResultMeta> meta_owner_;  // owning rows
  std::vector<Value> values_;                             // owning rows
};

namespace detail {
// Row::get<T> without its per-call range check, for a hydration loop that checked size() once
// for all the columns it reads (the ORM's Session::load_row).
struct RowAccess {
  template <typename T>
  static T get(const Row& row, std::size_t index) {
    Cell cell;
    std::string scratch;
    return row.read_as<T>(static_cast<int>(index), cell, scratch);
  }
};
}  // namespace detail

}  // namespace crucible
