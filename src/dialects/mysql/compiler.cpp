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

// DATETIME has no zone: an aware value is written as its UTC fields, as the driver binds it.
void MysqlCompiler::render_value(const Value& value) {
  if (const auto* at = std::get_if<DateTime>(&value.variant()); at && at->utc) {
    DateTime naive = *at;
    naive.utc = false;
    out_ += quote_string(naive.to_string());
    return;
  }
  Compiler::render_value(value);
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

// LOCK=NONE: build while the table takes writes (InnoDB online DDL), or fail rather than lock.
std::string MysqlCompiler::create_index(std::string_view table, const Index& index, bool if_not_exists,
                                        bool concurrently) {
  return Compiler::create_index(table, index, if_not_exists, false) + (concurrently ? " LOCK=NONE" : "");
}

std::string MysqlCompiler::drop_index(std::string_view table, std::string_view index, bool if_exists,
                                      bool concurrently) {
  const std::string exists = if_exists && dialect_.features().supports_index_if_not_exists ? "IF EXISTS " : "";
  // MariaDB's DROP INDEX takes no lock option; its ALTER TABLE form does.
  if (concurrently) return "ALTER TABLE " + quote(table) + " DROP INDEX " + exists + quote(index) + ", LOCK=NONE";
  return "DROP INDEX " + exists + quote(index) + " ON " + quote(table);
}

// MODIFY restates the whole column: what the change leaves alone comes from existing_*, and a
// property neither gives would be reset by the server, so that is an error here.
std::vector<std::string> MysqlCompiler::alter_column(const ColumnAlteration& change) {
  const std::string prefix = "ALTER TABLE " + quote(change.table) + " ";
  std::vector<std::string> out;
  if (change.type || change.nullable || change.comment) {
    const auto& type = change.type ? change.type : change.existing_type;
    const auto& nullable = change.nullable ? change.nullable : change.existing_nullable;
    if (!type || !nullable)
      throw ArgumentError("altering column " + change.table + "." + change.column +
                          " on MariaDB restates the whole column: give its existing type and nullability");
    std::string sql = prefix + "MODIFY " + quote(change.column) + " " + type_name(*type);
    sql += *nullable ? " NULL" : " NOT NULL";
    const std::optional<std::string> server_default =
        change.server_default ? *change.server_default : change.existing_server_default.value_or(std::nullopt);
    if (server_default) sql += " DEFAULT " + *server_default;
    if (change.existing_autoincrement) sql += " AUTO_INCREMENT";
    const std::string comment = change.comment ? *change.comment : change.existing_comment.value_or("");
    if (!comment.empty()) sql += " COMMENT " + quote_string(comment);
    out.push_back(std::move(sql));
  } else if (change.server_default) {
    out.push_back(prefix + "ALTER COLUMN " + quote(change.column) + " " +
                  (*change.server_default ? "SET DEFAULT " + **change.server_default : "DROP DEFAULT"));
  }
  if (!change.new_name.empty())
    out.push_back(prefix + "RENAME COLUMN " + quote(change.column) + " TO " + quote(change.new_name));
  return out;
}

std::string MysqlCompiler::drop_constraint(std::string_view table, std::string_view name, ConstraintKind kind) {
  const std::string prefix = "ALTER TABLE " + quote(table) + " ";
  switch (kind) {
    case ConstraintKind::primary_key: return prefix + "DROP PRIMARY KEY";
    case ConstraintKind::foreign_key: return prefix + "DROP FOREIGN KEY " + quote(name);
    case ConstraintKind::unique: return prefix + "DROP INDEX " + quote(name);
    case ConstraintKind::check: break;
  }
  return Compiler::drop_constraint(table, name, kind);
}

std::vector<std::string> MysqlCompiler::set_table_comment(std::string_view table, std::string_view comment) {
  return {"ALTER TABLE " + quote(table) + " COMMENT = " + quote_string(comment)};
}

}  // namespace crucible::dialects
