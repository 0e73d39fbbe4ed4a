// SPDX-License-Identifier: MIT
//
// CompiledStatement: what the compiler hands the engine. SQL text in the dialect's spelling and
// parameter style, plus one BindSlot per placeholder saying where its value comes from:
//
//   - a literal captured in the statement tree (`col > 10`: the 10), found by literal_index in
//     the values the statement extracts when it is executed; or
//   - a named parameter supplied at execution (`bindparam("id")`, text SQL ":id", the column
//     binds of an `insert(table)` without values), found by name in the execution Params.
//
// The compiled form does not hold literal values, so one CompiledStatement serves every
// statement of the same shape (the engine caches it by the statement's cache key).
//
// Thread-safety: immutable after compilation; shared between threads through shared_ptr.
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "crucible/core/row.hpp"
#include "crucible/core/types.hpp"
#include "crucible/core/value.hpp"

namespace crucible {

// Named execution parameters: a small flat list (statements have few), looked up linearly.
//
//   conn.execute(stmt, {{"id", 42}, {"name", "alice"}});
class Params {
 public:
  Params() = default;
  Params(std::initializer_list<std::pair<std::string_view, Value>> items) {
    items_.reserve(items.size());
    for (const auto& [name, value] : items) items_.emplace_back(std::string(name), value);
  }
  Params& set(std::string_view name, Value value) {
    if (Value* held = slot(*this, name)) *held = std::move(value);
    else items_.emplace_back(std::string(name), std::move(value));
    return *this;
  }
  // An integer for a parameter that holds one already (the key of a lookup run in a loop) is
  // stored in place, without building and moving a Value.
  template <typename I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool>)
  Params& set(std::string_view name, I value) {
    Value* held = slot(*this, name);
    if (!held) items_.emplace_back(std::string(name), Value(value));
    else if (auto* integer = std::get_if<std::int64_t>(&held->variant())) *integer = static_cast<std::int64_t>(value);
    else *held = Value(value);
    return *this;
  }
  const Value* find(std::string_view name) const { return slot(*this, name); }
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

 private:
  // The value named `name` (const or not, as `self`), or nullptr. The names are compared here
  // byte by byte: they are a few bytes long, and a call to memcmp per lookup showed up in
  // primary-key loops (the engine finds every named parameter this way).
  template <typename Self>
  static auto slot(Self& self, std::string_view name) -> decltype(&self.items_.front().second) {
    for (auto& item : self.items_) {
      const std::string& key = item.first;
      if (key.size() != name.size()) continue;
      std::size_t i = 0;
      while (i < name.size() && key[i] == name[i]) ++i;
      if (i == name.size()) return &item.second;
    }
    return nullptr;
  }

  std::vector<std::pair<std::string, Value>> items_;
};

namespace sql {

struct BindSlot {
  std::string name;        // named parameter; empty when the slot is a captured literal
  int literal_index = -1;  // >= 0: index into the statement's extracted literal values
  SqlType type;            // expected SQL type (NullType() when unknown), guides conversion
};

enum class StatementKind { select, insert, update, del, ddl, text, other };

struct CompiledStatement {
  std::string sql;
  std::vector<BindSlot> binds;                 // one per placeholder, in placeholder order
  std::vector<std::string> result_names;       // column labels a row is addressed by; may be
                                               // empty for text SQL (the driver names them)
  std::vector<SqlType> result_types;           // parallel to result_names when known
  // Parallel to result_names: the column object a result column reads (Row::get(column)), or
  // a null source for expressions.
  std::vector<detail::ColumnSource> result_sources;
  // Significant digits the dialect's NUMERIC keeps when a placeholder is of a Numeric type and
  // the dialect keeps fewer than every declared digit (SQLite: 15); 0 otherwise. The engine then
  // checks the Decimals bound there (DataError rather than a rounded value).
  int numeric_digits = 0;
  StatementKind kind = StatementKind::other;
  bool returns_rows = false;                   // SELECT, or DML with RETURNING
  // A SELECT that cannot return a second row: LIMIT 1, or one table whose whole primary key the
  // WHERE clause fixes by equality. one() / one_or_none() then skip the step that proves there
  // is no second row (a primary-key lookup's last round of the statement).
  bool at_most_one_row = false;
  // An INSERT of one row of named binds: where its "(...)" VALUES tuple stands in `sql` (offset,
  // length), so execute_many can repeat it into multi-row batches; length 0 otherwise.
  std::pair<std::size_t, std::size_t> values_tuple{0, 0};
};

using CompiledPtr = std::shared_ptr<const CompiledStatement>;

}  // namespace sql
}  // namespace crucible
