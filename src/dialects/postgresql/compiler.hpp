// SPDX-License-Identifier: MIT
// PostgresqlCompiler: the PostgreSQL overrides of the SQL compiler. Internal.
#pragma once

#include "crucible/sql/compiler.hpp"

namespace crucible::dialects {

class PostgresqlCompiler : public sql::Compiler {
 public:
  using sql::Compiler::Compiler;
  std::string type_name(const SqlType& type) const override;

 protected:
  std::string autoincrement_clause(const Column& column) const override;
  std::vector<std::string> comment_statements(const Table& table) override;
  void render_value(const Value& value) override;
  std::string quote_string(std::string_view text) const override;
};

}  // namespace crucible::dialects
