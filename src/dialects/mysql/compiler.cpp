// SPDX-License-Identifier: MIT
#include "dialects/mysql/compiler.hpp"

#include "crucible/core/errors.hpp"

namespace crucible::dialects {

using namespace crucible::sql;

std::string MysqlCompiler::type_name(const SqlType& type) const {
  switch (type.kind) {
    case TypeKind::integer: return "INTEGER";
    case TypeKind::big_integer: return "BIGINT";
    case TypeKind::small_integer: return "SMALLINT";
    case TypeKind::boolean: return "BOOL";
    case TypeKind::float32: return "FLOAT";
    case TypeKind::float64: return "DOUBLE";
    case TypeKind::numeric:
      return type.precision > 0 ? "DECIMAL(" + std::to_string(type.precision) + ", " + std::to_string(type.scale) + ")"
                                : "DECIMAL";
    // MySQL requires a VARCHAR length; 255 keeps the column indexable under utf8mb4.
    case TypeKind::string: return "VARCHAR(" + std::to_string(type.length > 0 ? type.length : 255) + ")";
    case TypeKind::text: return "LONGTEXT";  // TEXT holds 64 KiB; Text() is unbounded
    case TypeKind::date: return "DATE";
    case TypeKind::time: return "TIME(6)";
    case TypeKind::date_time: return "DATETIME(6)";
    case TypeKind::enumeration: {
      std::string out = "ENUM(";
      if (type.enum_info)
        for (std::size_t i = 0; i < type.enum_info->labels.size(); ++i)
          out += (i ? ", " : "") + quote_string(type.enum_info->labels[i]);
      return out + ")";
    }
    case TypeKind::json: return "JSON";
    case TypeKind::uuid: return "CHAR(36)";
    case TypeKind::large_binary: return "LONGBLOB";
    case TypeKind::null_type: return "TEXT";
  }
  return "TEXT";
}

std::string MysqlCompiler::cast_type_name(const SqlType& type) const {
  switch (type.kind) {
    case TypeKind::integer:
    case TypeKind::big_integer:
    case TypeKind::small_integer:
    case TypeKind::boolean: return "SIGNED";
    case TypeKind::float32:
    case TypeKind::float64: return "DOUBLE";
    case TypeKind::string:
    case TypeKind::text:
    case TypeKind::enumeration:
    case TypeKind::uuid:
    case TypeKind::null_type: return "CHAR";
    case TypeKind::large_binary: return "BINARY";
    default: return type_name(type);
  }
}

std::string MysqlCompiler::quote_string(std::string_view text) const {
  // Backslash is an escape character in MySQL string literals (unless NO_BACKSLASH_ESCAPES).
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += c;
    out += c;
  }
  return out + "'";
}

void MysqlCompiler::visit_binary(const BinaryNode& n) {
  if (n.op != BinaryOp::concat) return Compiler::visit_binary(n);
  out_ += "concat(";  // || means OR in MySQL's default mode
  visit(*n.left);
  out_ += ", ";
  visit(*n.right);
  out_ += ')';
}

// MariaDB and MySQL before 8.0 spell a shared lock the old way; the options follow it alike.
void MysqlCompiler::render_for_update(const LockingClause& clause) {
  if (!clause.read || dialect_.features().supports_for_share) return Compiler::render_for_update(clause);
  out_ += " LOCK IN SHARE MODE";
  render_locking_options(clause);
}

void MysqlCompiler::visit_excluded(const ExcludedNode& n) {
  out_ += "VALUES(";
  out_ += quote(n.name);
  out_ += ')';
}

void MysqlCompiler::render_limit_offset(const Node* limit, const Node* offset) {
  out_ += " LIMIT ";
  if (limit) visit(*limit);
  else out_ += "18446744073709551615";  // MySQL has no OFFSET without LIMIT
  if (offset) {
    out_ += " OFFSET ";
    visit(*offset);
  }
}

void MysqlCompiler::render_on_conflict(const InsertNode& n) {
  if (n.conflict_where) unsupported("a WHERE clause in an upsert");
  out_ += " ON DUPLICATE KEY UPDATE ";
  if (n.conflict == ConflictAction::do_nothing) {
    // No DO NOTHING in MySQL: a no-op assignment keeps the row (INSERT IGNORE would also
    // swallow unrelated errors).
    auto pk = n.table->primary_key();
    const Column* col = pk.empty() ? &n.table->columns().front() : pk.front();
    out_ += quote(col->name()) + " = " + quote(col->name());
    return;
  }
  for (std::size_t i = 0; i < n.conflict_sets.size(); ++i) {
    if (i) out_ += ", ";
    out_ += quote(n.conflict_sets[i].column->name());
    out_ += " = ";
    visit(*n.conflict_sets[i].value);
  }
}

std::string MysqlCompiler::autoincrement_clause(const Column& column) const {
  return type_name(column.type()) + " NOT NULL AUTO_INCREMENT";
}

std::string MysqlCompiler::create_table_suffix(const Table& table) const {
  std::string out = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
  if (!table.comment().empty()) out += " COMMENT=" + quote_string(table.comment());
  return out;
}

std::string MysqlCompiler::inline_comment(const Column& column) const {
  return column.comment().empty() ? "" : " COMMENT " + quote_string(column.comment());
}

// Native ENUM(...) already restricts the values.
std::string MysqlCompiler::enum_check(const Column& /*column*/) { return ""; }

std::string MysqlCompiler::drop_index(const Table& table, const Index& index, bool if_exists) {
  std::string out = "DROP INDEX ";
  if (if_exists && dialect_.features().supports_index_if_not_exists) out += "IF EXISTS ";
  return out + quote(index.name()) + " ON " + quote(table.name());
}

}  // namespace crucible::dialects
