// SPDX-License-Identifier: MIT
// What the migrate layer's sources share: a visitor built from lambdas, and DDL run as it was
// rendered (compiled as-is, so a ':' in a default or a CHECK is never taken for a bind).
#pragma once

#include <memory>
#include <string>

#include "crucible/sql/compiled.hpp"

namespace crucible::migrate::internal {

template <typename... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <typename... F>
Overloaded(F...) -> Overloaded<F...>;

inline sql::CompiledPtr compiled_ddl(std::string sql_text) {
  auto compiled = std::make_shared<sql::CompiledStatement>();
  compiled->sql = std::move(sql_text);
  compiled->kind = sql::StatementKind::ddl;
  return compiled;
}

}  // namespace crucible::migrate::internal
