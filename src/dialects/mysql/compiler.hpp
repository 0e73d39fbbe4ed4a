// SPDX-License-Identifier: MIT
// MysqlCompiler: the MySQL / MariaDB overrides of the SQL compiler. Internal.
#pragma once

#include "crucible/sql/compiler.hpp"

namespace crucible::dialects {

class MysqlCompiler : public sql::Compiler {
 public:
  using sql::Compiler::Compiler;
  std::string type_name(const SqlType& type) const override;
  std::string create_index(std::string_view table, const Index& index, bool if_not_exists,
                           bool concurrently) override;
  std::string drop_index(std::string_view table, std::string_view index, bool if_exists, bool concurrently) override;
  std::vector<std::string> alter_column(const sql::ColumnAlteration& change) override;
  std::string drop_constraint(std::string_view table, std::string_view name, ConstraintKind kind) override;
  std::vector<std::string> set_table_comment(std::string_view table, std::string_view comment) override;

 protected:
  void visit_binary(const sql::BinaryNode& n) override;
  void visit_excluded(const sql::ExcludedNode& n) override;
  void render_limit_offset(const sql::Node* limit, const sql::Node* offset) override;
  void render_on_conflict(const sql::InsertNode& n) override;
  void render_for_update(const sql::LockingClause& clause) override;
  void render_default_values() override { emit(" () VALUES ()"); }
  std::string_view integer_division_operator() const override { return " DIV "; }
  std::string cast_type_name(const SqlType& type) const override;
  std::string quote_string(std::string_view text) const override;
  void render_value(const Value& value) override;
  std::string autoincrement_clause(const Column& column) const override;
  std::string create_table_suffix(const Table& table) const override;
  std::string inline_comment(const Column& column) const override;
  std::string enum_check(const Column& column) override;
};

}  // namespace crucible::dialects
