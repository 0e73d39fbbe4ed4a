// SPDX-License-Identifier: MIT
// DDL: CREATE / DROP TABLE and INDEX from schema objects. Dialects supply type names, the
// autoincrement form, comments and table options through the hooks in compiler.hpp.
#include "crucible/core/errors.hpp"
#include "crucible/sql/compiler.hpp"

namespace crucible::sql {

namespace {

template <typename Quote>
std::string join_names(const std::vector<std::string>& names, const Quote& q) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += ", ";
    out += q(names[i]);
  }
  return out;
}

}  // namespace

std::string Compiler::enum_check(const Column& column) {
  const auto& info = column.type().enum_info;
  if (!info || info->labels.empty()) return "";
  std::string out = "CHECK (" + quote(column.name()) + " IN (";
  for (std::size_t i = 0; i < info->labels.size(); ++i) {
    if (i) out += ", ";
    out += quote_string(info->labels[i]);
  }
  return out + "))";
}

std::string Compiler::column_ddl(const Table& table, const Column& column) {
  if (table.autoincrement_column() != &column) return plain_column_ddl(column);
  return quote(column.name()) + " " + autoincrement_clause(column) + inline_comment(column);
}

std::string Compiler::plain_column_ddl(const Column& column) {
  std::string out = quote(column.name()) + " " + type_name(column.type());
  if (column.server_default_sql()) out += " DEFAULT " + *column.server_default_sql();
  if (!column.is_nullable()) out += " NOT NULL";
  return out + inline_comment(column);
}

std::string Compiler::foreign_key_clause(const ForeignKey& key) {
  auto q = [this](std::string_view s) { return quote(s); };
  std::string out = "FOREIGN KEY (" + join_names(key.columns, q) + ") REFERENCES " + quote(key.target_table) + " (" +
                    join_names(key.target_columns, q) + ")";
  if (!key.on_delete.empty()) out += " ON DELETE " + key.on_delete;
  if (!key.on_update.empty()) out += " ON UPDATE " + key.on_update;
  return out;
}

std::string Compiler::constraint_clause(const TableConstraint& constraint) {
  auto q = [this](std::string_view s) { return quote(s); };
  const std::string& name = name_of(constraint);
  std::string out = name.empty() ? "" : "CONSTRAINT " + quote(name) + " ";
  std::visit(
      [&](const auto& c) {
        using C = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<C, PrimaryKeyConstraint>) out += "PRIMARY KEY (" + join_names(c.columns, q) + ")";
        else if constexpr (std::is_same_v<C, UniqueConstraint>) out += "UNIQUE (" + join_names(c.columns, q) + ")";
        else if constexpr (std::is_same_v<C, CheckConstraint>)
          out += "CHECK (" + (c.expression ? render_inline(*c.expression) : c.sql) + ")";
        else out += foreign_key_clause(c.key);
      },
      constraint);
  return out;
}

std::vector<std::string> Compiler::create_table(const Table& table, bool if_not_exists) {
  std::string sql = "CREATE TABLE ";
  if (if_not_exists) {
    if (!dialect_.features().supports_if_not_exists) unsupported("CREATE TABLE IF NOT EXISTS");
    sql += "IF NOT EXISTS ";
  }
  sql += quote(table.name()) + " (";
  std::vector<std::string> parts;
  for (const auto& c : table.columns()) parts.push_back(column_ddl(table, c));

  auto pk = table.primary_key();
  bool pk_inline = pk.size() == 1 && inline_primary_key(table, *pk.front());
  if (!pk.empty() && !pk_inline) {
    std::vector<std::string> names;
    for (const auto* c : pk) names.push_back(c->name());
    parts.push_back(constraint_clause(PrimaryKeyConstraint(names, table.primary_key_name())));
  }
  for (const auto& u : table.unique_constraints()) parts.push_back(constraint_clause(u));
  for (const auto& fk : table.foreign_keys())
    parts.push_back((fk.name.empty() ? "" : "CONSTRAINT " + quote(fk.name) + " ") + foreign_key_clause(fk));
  for (const auto& c : table.columns())
    if (c.type().kind == TypeKind::enumeration) {
      auto check = enum_check(c);
      if (!check.empty()) parts.push_back(std::move(check));
    }
  for (const auto& ck : table.check_constraints()) parts.push_back(constraint_clause(ck));
  for (std::size_t i = 0; i < parts.size(); ++i) sql += (i ? ", " : "") + parts[i];
  sql += ")";
  sql += create_table_suffix(table);

  std::vector<std::string> out{std::move(sql)};
  for (auto& s : comment_statements(table)) out.push_back(std::move(s));
  return out;
}

std::vector<std::string> Compiler::comment_statements(const Table& /*table*/) { return {}; }

std::vector<std::string> Compiler::drop_table(const Table& table, bool if_exists) {
  return {std::string("DROP TABLE ") + (if_exists ? "IF EXISTS " : "") + quote(table.name())};
}

std::string Compiler::create_index(std::string_view table, const Index& index, bool if_not_exists,
                                   bool /*concurrently*/) {
  auto q = [this](std::string_view s) { return quote(s); };
  std::string sql = index.is_unique() ? "CREATE UNIQUE INDEX " : "CREATE INDEX ";
  // Without IF NOT EXISTS support the clause is left out; create_all(checkfirst) checks first.
  if (if_not_exists && dialect_.features().supports_index_if_not_exists) sql += "IF NOT EXISTS ";
  sql += quote(index.name()) + " ON " + quote(table) + " (" + join_names(index.columns(), q) + ")";
  if (!index.where_sql().empty() || index.where_expression()) {
    if (!dialect_.features().supports_partial_indexes) unsupported("a partial index (CREATE INDEX ... WHERE)");
    sql += " WHERE " + (index.where_expression() ? render_inline(*index.where_expression()) : index.where_sql());
  }
  return sql;
}

std::string Compiler::drop_index(std::string_view /*table*/, std::string_view index, bool if_exists,
                                 bool /*concurrently*/) {
  return std::string("DROP INDEX ") + (if_exists ? "IF EXISTS " : "") + quote(index);
}

}  // namespace crucible::sql
