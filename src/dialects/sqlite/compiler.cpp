// SPDX-License-Identifier: MIT
#include "dialects/sqlite/compiler.hpp"

namespace crucible::dialects {

std::string SqliteCompiler::type_name(const SqlType& type) const {
  // Names chosen for their affinity: INTEGER/BIGINT -> INTEGER, DOUBLE/FLOAT -> REAL, text-like
  // types (including JSON and UUID) -> TEXT so their text is stored unchanged.
  switch (type.kind) {
    case TypeKind::integer: return "INTEGER";
    case TypeKind::big_integer: return "BIGINT";
    case TypeKind::small_integer: return "SMALLINT";
    case TypeKind::boolean: return "BOOLEAN";
    case TypeKind::float32: return "FLOAT";
    case TypeKind::float64: return "DOUBLE";
    case TypeKind::numeric:
      return type.precision > 0 ? "NUMERIC(" + std::to_string(type.precision) + ", " + std::to_string(type.scale) + ")"
                                : "NUMERIC";
    case TypeKind::string: return type.length > 0 ? "VARCHAR(" + std::to_string(type.length) + ")" : "VARCHAR";
    case TypeKind::text: return "TEXT";
    case TypeKind::date: return "DATE";
    case TypeKind::time: return "TIME";
    case TypeKind::date_time: return "DATETIME";
    case TypeKind::enumeration: return enum_varchar(type);
    case TypeKind::json: return "TEXT";
    case TypeKind::uuid: return "CHAR(36)";
    case TypeKind::large_binary: return "BLOB";
    case TypeKind::null_type: return "BLOB";
  }
  return "BLOB";
}

void SqliteCompiler::render_limit_offset(const sql::Node* limit, const sql::Node* offset) {
  out_ += " LIMIT ";
  if (limit) visit(*limit);
  else out_ += "-1";  // SQLite needs a LIMIT before OFFSET; -1 means no limit
  if (offset) {
    out_ += " OFFSET ";
    visit(*offset);
  }
}

void SqliteCompiler::render_function_name(const sql::FunctionNode& n, bool& emit_parens) {
  if (n.name == "now" && n.args.empty()) {
    out_ += "CURRENT_TIMESTAMP";
    emit_parens = false;
    return;
  }
  Compiler::render_function_name(n, emit_parens);
}

bool SqliteCompiler::inline_primary_key(const Table& table, const Column& column) const {
  return table.autoincrement_column() == &column && table.primary_key().size() == 1;
}

std::string SqliteCompiler::autoincrement_clause(const Column& column) const {
  const Table* table = column.table();
  if (!table || table->primary_key().size() != 1) return type_name(column.type()) + " NOT NULL";
  // Only the exact name INTEGER makes the column an alias of the rowid. AUTOINCREMENT (never
  // reuse ids) costs a table lookup per insert, so only when asked for explicitly.
  std::string out = "INTEGER NOT NULL PRIMARY KEY";
  if (column.autoincrement_setting() == Autoincrement::yes) out += " AUTOINCREMENT";
  return out;
}

}  // namespace crucible::dialects
