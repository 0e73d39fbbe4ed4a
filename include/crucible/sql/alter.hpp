// SPDX-License-Identifier: MIT
//
// What an ALTER of one column changes, for the dialect compilers' ALTER rendering
// (Compiler::alter_column); the migrate layer's AlterColumn operation lowers to it.
//
// A member that is set changes; an unset one stays. The existing_* members say what the column
// is now: MariaDB restates the whole column in MODIFY, so there a change of one property needs
// the others (the migrate layer reads them from the database when a revision leaves them out).
#pragma once

#include <optional>
#include <string>

#include "crucible/core/types.hpp"

namespace crucible::sql {

struct ColumnAlteration {
  std::string table;
  std::string column;

  std::optional<SqlType> type;
  std::optional<bool> nullable;
  // Outer optional: whether the default changes; inner: the new default SQL, or none (drop it).
  std::optional<std::optional<std::string>> server_default;
  std::optional<std::string> comment;  // "" removes it
  std::string new_name;                // rename when not empty
  // PostgreSQL: the USING expression of a type change; empty renders `USING col::type` when the
  // type's kind changes (text to integer...), where PostgreSQL has no implicit conversion.
  std::string using_sql;

  std::optional<SqlType> existing_type;
  std::optional<bool> existing_nullable;
  // Outer optional: whether it is known; inner: the default SQL, or none.
  std::optional<std::optional<std::string>> existing_server_default;
  std::optional<std::string> existing_comment;
  bool existing_autoincrement = false;

  bool changes_definition() const { return type || nullable || server_default || comment; }
};

}  // namespace crucible::sql
