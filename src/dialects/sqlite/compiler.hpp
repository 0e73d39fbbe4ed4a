// SPDX-License-Identifier: MIT
// SqliteCompiler: the SQLite overrides of the SQL compiler. Internal to the sqlite dialect.
#pragma once

#include "crucible/sql/compiler.hpp"

namespace crucible::dialects {

class SqliteCompiler : public sql::Compiler {
 public:
  using sql::Compiler::Compiler;
  std::string type_name(const SqlType& type) const override;
  std::vector<std::string> add_column(std::string_view table, const Column& column,
                                      const NamingConvention& convention) override;
  std::vector<std::string> alter_column(const sql::ColumnAlteration& change) override;
  std::string add_constraint(std::string_view table, const TableConstraint& constraint) override;
  std::string drop_constraint(std::string_view table, std::string_view name, ConstraintKind kind) override;
  std::vector<std::string> set_table_comment(std::string_view table, std::string_view comment) override;

 protected:
  void render_limit_offset(const sql::Node* limit, const sql::Node* offset) override;
  void render_function_name(const sql::FunctionNode& n, bool& emit_parens) override;
  std::string autoincrement_clause(const Column& column) const override;
  bool inline_primary_key(const Table& table, const Column& column) const override;
};

}  // namespace crucible::dialects
