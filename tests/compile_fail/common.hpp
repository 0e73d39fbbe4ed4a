// SPDX-License-Identifier: MIT
// Shared schema for the compile-fail cases.
#pragma once

#include <cstdint>
#include <string>

#include "crucible/sql/dml.hpp"
#include "crucible/sql/functions.hpp"
#include "crucible/sql/schema.hpp"
#include "crucible/sql/select.hpp"

using namespace crucible;

inline Table& users_table() {
  static MetaData md;
  static Table& t = md.table("users", Column("id", BigInteger()).primary_key(), Column("name", String(50)));
  return t;
}
