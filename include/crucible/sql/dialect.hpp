// SPDX-License-Identifier: MIT
//
// Dialect: the SQL flavour of one database family — quoting, reserved words, parameter style,
// type names, DDL, RETURNING / upsert / LIMIT spelling, and which driver error codes mean what.
// No C client header is included by a dialect; drivers (dialects/<db>/driver.*) are separate.
//
// Capabilities are data (DialectFeatures), refined from the server version at connect. Code and
// tests branch on features, never on name().
//
// Thread-safety: immutable after construction; one instance is shared by an engine's threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "crucible/core/errors.hpp"
#include "crucible/sql/compiled.hpp"

namespace crucible::sql {

class Executable;
class Compiler;

enum class ParamStyle {
  qmark,     // ?            (SQLite, MySQL)
  numeric,   // $1, $2, ...  (PostgreSQL)
};

struct DialectFeatures {
  bool supports_returning = false;           // INSERT/UPDATE/DELETE ... RETURNING
  bool supports_multirow_insert = true;      // INSERT ... VALUES (...), (...)
  bool supports_on_conflict = false;         // ON CONFLICT (...) DO NOTHING / DO UPDATE
  bool supports_on_duplicate_key = false;    // ON DUPLICATE KEY UPDATE
  bool supports_nulls_ordering = false;      // ORDER BY x NULLS FIRST / LAST
  bool supports_ilike = false;               // native ILIKE
  bool supports_intersect_except = true;
  bool supports_savepoints = true;
  bool supports_native_boolean = false;      // TRUE/FALSE literals and a BOOLEAN column type
  bool supports_native_uuid = false;
  bool supports_native_enum = false;         // CREATE TYPE ... AS ENUM
  bool supports_alter_column = true;
  bool supports_partial_indexes = false;     // CREATE INDEX ... WHERE
  bool supports_window_functions = true;
  bool supports_recursive_cte = true;
  bool supports_for_update = false;
  bool supports_if_not_exists = true;        // CREATE TABLE IF NOT EXISTS
};

class Dialect {
 public:
  virtual ~Dialect() = default;

  virtual std::string_view name() const = 0;  // "sqlite", "postgresql", "mysql"
  const DialectFeatures& features() const { return features_; }
  virtual ParamStyle param_style() const = 0;

  // Quotes an identifier when it needs it (reserved word, upper case, odd characters), doubling
  // embedded quote characters; returns it unchanged otherwise.
  virtual std::string quote_identifier(std::string_view name) const = 0;
  // Quotes unconditionally.
  virtual std::string force_quote(std::string_view name) const = 0;

  // Compiles any executable for this dialect.
  CompiledPtr compile(const Executable& statement) const;

  // Error mapping: which DBAPIError a native code / SQLSTATE becomes, and whether it is
  // retryable or a disconnect. Drivers fill DriverErrorInfo; the engine asks the dialect.
  virtual ErrorKind classify_error(const DriverErrorInfo& info) const = 0;
  virtual bool is_retryable(const DriverErrorInfo& info) const = 0;
  virtual bool is_disconnect(const DriverErrorInfo& info) const = 0;

  // The compiler for this dialect (a visitor with this dialect's overrides).
  virtual std::unique_ptr<Compiler> make_compiler() const = 0;

 protected:
  DialectFeatures features_;
};

}  // namespace crucible::sql
