// SPDX-License-Identifier: MIT
// ALTER: the statements migration operations render. The base spelling is the SQL standard's,
// which PostgreSQL follows; MariaDB (MODIFY restating the column, DROP FOREIGN KEY / INDEX) and
// SQLite (ADD / DROP / RENAME COLUMN and RENAME TABLE only) override in their compilers.
#include "crucible/core/errors.hpp"
#include "crucible/sql/compiler.hpp"

#include <utility>

namespace crucible::sql {

namespace {

std::string alter_table(const Compiler& /*unused*/, const std::string& quoted_table) {
  return "ALTER TABLE " + quoted_table + " ";
}

}  // namespace

std::string Compiler::value_literal(const Value& value) {
  std::string saved = std::exchange(out_, {});
  const bool saved_inline = std::exchange(inline_literals_, true);
  render_value(value);
  inline_literals_ = saved_inline;
  return std::exchange(out_, std::move(saved));
}

std::vector<std::string> Compiler::add_column(std::string_view table, const Column& column,
                                              const NamingConvention& convention) {
  std::string sql = alter_table(*this, quote(table)) + "ADD COLUMN " + plain_column_ddl(column);
  if (column.type().kind == TypeKind::enumeration) {
    auto check = enum_check(column);
    if (!check.empty()) sql += " " + check;
  }
  std::vector<std::string> out{std::move(sql)};
  if (column.foreign_key()) {
    const ForeignKey& key = *column.foreign_key();
    const std::string name = key.name.empty() ? convention.name_for(ConstraintKind::foreign_key, table, key.columns,
                                                                     key.target_table, key.target_columns)
                                              : key.name;
    out.push_back(add_constraint(table, ForeignKeyConstraint(key.columns, key.target_table, key.target_columns,
                                                             key.on_delete, key.on_update, name)));
  }
  if (column.is_unique())
    out.push_back(add_constraint(
        table, UniqueConstraint({column.name()}, convention.name_for(ConstraintKind::unique, table, {column.name()}))));
  if (column.is_indexed()) {
    std::string name = convention.index_name(table, {column.name()});
    if (name.empty()) name = "ix_" + std::string(table) + "_" + column.name();
    out.push_back(create_index(table, Index(name, {column.name()}), false));
  }
  if (!column.comment().empty())
    for (auto& s : column_comment_statements(table, column.name(), column.comment())) out.push_back(std::move(s));
  return out;
}

std::vector<std::string> Compiler::column_comment_statements(std::string_view /*table*/, std::string_view /*column*/,
                                                             std::string_view /*comment*/) {
  return {};
}

std::string Compiler::drop_column(std::string_view table, std::string_view column) {
  return alter_table(*this, quote(table)) + "DROP COLUMN " + quote(column);
}

std::string Compiler::rename_table(std::string_view from, std::string_view to) {
  return alter_table(*this, quote(from)) + "RENAME TO " + quote(to);
}

std::string Compiler::add_constraint(std::string_view table, const TableConstraint& constraint) {
  return alter_table(*this, quote(table)) + "ADD " + constraint_clause(constraint);
}

std::string Compiler::drop_constraint(std::string_view table, std::string_view name, ConstraintKind /*kind*/) {
  if (name.empty()) throw ArgumentError("dropping a constraint on '" + std::string(table) + "' needs its name");
  return alter_table(*this, quote(table)) + "DROP CONSTRAINT " + quote(name);
}

std::vector<std::string> Compiler::set_table_comment(std::string_view table, std::string_view /*comment*/) {
  unsupported("a comment on table '" + std::string(table) + "'");
}

// Whether a change of type needs an explicit conversion (PostgreSQL has no implicit cast
// between families: text to integer, integer to boolean...).
bool Compiler::needs_conversion(const SqlType& from, const SqlType& to) {
  auto family = [](TypeKind k) {
    switch (k) {
      case TypeKind::integer:
      case TypeKind::big_integer:
      case TypeKind::small_integer:
      case TypeKind::float32:
      case TypeKind::float64:
      case TypeKind::numeric: return 1;
      case TypeKind::string:
      case TypeKind::text:
      case TypeKind::enumeration: return 2;
      case TypeKind::date_time:
      case TypeKind::date: return 3;
      default: return 10 + static_cast<int>(k);
    }
  };
  return family(from.kind) != family(to.kind);
}

std::vector<std::string> Compiler::alter_column(const ColumnAlteration& change) {
  const std::string prefix = alter_table(*this, quote(change.table)) + "ALTER COLUMN " + quote(change.column) + " ";
  std::vector<std::string> out;
  if (change.type) {
    std::string sql = prefix + "TYPE " + type_name(*change.type);
    if (!change.using_sql.empty()) sql += " USING " + change.using_sql;
    else if (change.existing_type && needs_conversion(*change.existing_type, *change.type))
      sql += " USING " + quote(change.column) + "::" + type_name(*change.type);
    out.push_back(std::move(sql));
  }
  if (change.nullable) out.push_back(prefix + (*change.nullable ? "DROP NOT NULL" : "SET NOT NULL"));
  if (change.server_default)
    out.push_back(prefix + (*change.server_default ? "SET DEFAULT " + **change.server_default : "DROP DEFAULT"));
  if (change.comment)
    for (auto& s : column_comment_statements(change.table, change.column, *change.comment)) out.push_back(std::move(s));
  if (!change.new_name.empty())
    out.push_back(alter_table(*this, quote(change.table)) + "RENAME COLUMN " + quote(change.column) + " TO " +
                  quote(change.new_name));
  return out;
}

}  // namespace crucible::sql
