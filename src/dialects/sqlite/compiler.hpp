// SPDX-License-Identifier: MIT
// SqliteCompiler: the SQLite overrides of the SQL compiler. Internal to the sqlite dialect.
#pragma once

#include "crucible/sql/compiler.hpp"

namespace crucible::dialects {

class SqliteCompiler : public sql::Compiler {
 public:
  using sql::Compiler::Compiler;
  std::string type_name(const SqlType& type) const override;

 protected:
  void render_limit_offset(const sql::Node* limit, const sql::Node* offset) override;
  void render_function_name(const sql::FunctionNode& n, bool& emit_parens) override;
  std::string autoincrement_clause(const Column& column) const override;
  bool inline_primary_key(const Table& table, const Column& column) const override;
};

}  // namespace crucible::dialects
