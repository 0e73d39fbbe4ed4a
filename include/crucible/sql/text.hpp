// SPDX-License-Identifier: MIT
//
// Text SQL with named binds: text("SELECT * FROM users WHERE id = :id"). Each :name becomes a
// placeholder in the dialect's style (? or $n) with a named BindSlot, supplied at execution
// through Params. The scanner leaves alone: quoted strings '...', quoted identifiers "..." and
// `...`, comments (-- and /* */), PostgreSQL casts (x::int) and "\:" (an escaped colon).
//
// returns_rows is guessed from the first keyword (SELECT, WITH, VALUES, PRAGMA, SHOW, EXPLAIN,
// DESCRIBE) or a RETURNING clause; drivers know better after stepping and may override.
//
// Thread-safety: immutable after construction.
//
//   auto stmt = text("UPDATE users SET name = :name WHERE id = :id");
//   conn.execute(stmt, {{"name", "bob"}, {"id", 5}});
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "crucible/sql/statement.hpp"

namespace crucible {

class TextClause : public sql::Statement {
 public:
  explicit TextClause(std::string_view sql);
  // The bind names in order of appearance (repeats included).
  const std::vector<std::string>& bind_names() const;
};

inline TextClause text(std::string_view sql) { return TextClause(sql); }

}  // namespace crucible
