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

// SQLite's ALTER TABLE adds, drops and renames columns and renames tables; everything else
// is a copy of the table (the migrate layer's batch mode), which these errors point to.
std::vector<std::string> SqliteCompiler::add_column(std::string_view table, const Column& column,
                                                    const NamingConvention& convention) {
  if (column.is_unique() || column.is_primary_key())
    unsupported("ADD COLUMN with a PRIMARY KEY or UNIQUE constraint (SQLite needs a batch copy of '" +
                std::string(table) + "')");
  std::string sql = "ALTER TABLE " + quote(table) + " ADD COLUMN " + plain_column_ddl(column);
  if (column.type().kind == TypeKind::enumeration) {
    auto check = enum_check(column);
    if (!check.empty()) sql += " " + check;
  }
  if (const auto& key = column.foreign_key()) {
    sql += " REFERENCES " + quote(key->target_table) + " (" + quote(key->target_columns.front()) + ")";
    if (!key->on_delete.empty()) sql += " ON DELETE " + key->on_delete;
    if (!key->on_update.empty()) sql += " ON UPDATE " + key->on_update;
  }
  std::vector<std::string> out{std::move(sql)};
  if (column.is_indexed()) {
    std::string name = convention.index_name(table, {column.name()});
    if (name.empty()) name = "ix_" + std::string(table) + "_" + column.name();
    out.push_back(create_index(table, Index(name, {column.name()}), false));
  }
  return out;
}

std::vector<std::string> SqliteCompiler::alter_column(const sql::ColumnAlteration& change) {
  if (change.type || change.nullable || change.server_default)
    unsupported("ALTER COLUMN (SQLite needs a batch copy of '" + change.table + "')");
  std::vector<std::string> out;
  if (!change.new_name.empty())
    out.push_back("ALTER TABLE " + quote(change.table) + " RENAME COLUMN " + quote(change.column) + " TO " +
                  quote(change.new_name));
  return out;  // a comment alone: SQLite keeps none
}

std::string SqliteCompiler::add_constraint(std::string_view table, const TableConstraint& /*constraint*/) {
  unsupported("ADD CONSTRAINT (SQLite needs a batch copy of '" + std::string(table) + "')");
}

std::string SqliteCompiler::drop_constraint(std::string_view table, std::string_view /*name*/, ConstraintKind /*kind*/) {
  unsupported("DROP CONSTRAINT (SQLite needs a batch copy of '" + std::string(table) + "')");
}

std::vector<std::string> SqliteCompiler::set_table_comment(std::string_view /*table*/, std::string_view /*comment*/) {
  return {};
}

}  // namespace crucible::dialects
