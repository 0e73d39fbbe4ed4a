// SPDX-License-Identifier: MIT
// A stand-in SQLite dialect used only until crucible/dialects/sqlite/dialect.hpp lands (the sql
// layer's SqliteDialect replaces it; engine.cpp switches by __has_include). Error mapping
// follows SQLite's primary result codes.
#pragma once

#include "crucible/sql/compiler.hpp"
#include "crucible/sql/dialect.hpp"

namespace crucible::detail {

class InterimSqliteCompiler final : public sql::Compiler {
 public:
  using sql::Compiler::Compiler;
  std::string type_name(const SqlType&) const override { return ""; }
};

class InterimSqliteDialect final : public sql::Dialect {
 public:
  InterimSqliteDialect() { features_.supports_returning = true; }
  std::string_view name() const override { return "sqlite"; }
  sql::ParamStyle param_style() const override { return sql::ParamStyle::qmark; }
  std::string quote_identifier(std::string_view n) const override { return std::string(n); }
  std::string force_quote(std::string_view n) const override {
    std::string out = "\"";
    for (char c : n) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
  }
  ErrorKind classify_error(const DriverErrorInfo& info) const override {
    switch (info.native_code & 0xff) {
      case 19: return ErrorKind::integrity;      // SQLITE_CONSTRAINT
      case 1: case 25: return ErrorKind::programming;  // SQLITE_ERROR, SQLITE_RANGE
      case 18: case 20: return ErrorKind::data;  // TOOBIG, MISMATCH
      case 21: return ErrorKind::interface;      // MISUSE
      case 2: return ErrorKind::internal;        // INTERNAL
      default: return ErrorKind::operational;    // BUSY, LOCKED, IOERR, FULL, CANTOPEN, ...
    }
  }
  bool is_retryable(const DriverErrorInfo& info) const override {
    const int primary = info.native_code & 0xff;
    return primary == 5 || primary == 6;  // SQLITE_BUSY, SQLITE_LOCKED
  }
  bool is_disconnect(const DriverErrorInfo&) const override { return false; }
  std::unique_ptr<sql::Compiler> make_compiler() const override {
    return std::make_unique<InterimSqliteCompiler>(*this);
  }
  std::string has_table_sql() const override {
    return "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :table_name";
  }
};

}  // namespace crucible::detail
