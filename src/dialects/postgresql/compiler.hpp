// SPDX-License-Identifier: MIT
// PostgresqlCompiler: the PostgreSQL overrides of the SQL compiler. Internal.
#pragma once

#include "crucible/sql/compiler.hpp"

namespace crucible::dialects {

class PostgresqlCompiler : public sql::Compiler {
 public:
  using sql::Compiler::Compiler;
  std::string type_name(const SqlType& type) const override;
  std::string create_index(std::string_view table, const Index& index, bool if_not_exists,
                           bool concurrently) override;
  std::string drop_index(std::string_view table, std::string_view index, bool if_exists, bool concurrently) override;
  std::vector<std::string> set_table_comment(std::string_view table, std::string_view comment) override;

 protected:
  std::string autoincrement_clause(const Column& column) const override;
  std::vector<std::string> comment_statements(const Table& table) override;
  std::vector<std::string> column_comment_statements(std::string_view table, std::string_view column,
                                                     std::string_view comment) override;
  void render_value(const Value& value) override;
  std::string quote_string(std::string_view text) const override;
};

}  // namespace crucible::dialects
