// SPDX-License-Identifier: MIT
// Identifier quoting shared by the dialects. Internal.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>

namespace crucible::sql::detail {

// True when `name` must be quoted: a reserved word (case-insensitive), upper-case letters
// (PostgreSQL folds unquoted names to lower case), a leading digit, or characters outside
// [a-z0-9_$].
bool needs_quoting(std::string_view name, const std::unordered_set<std::string_view>& reserved);
// Wraps in `quote`, doubling embedded quote characters.
std::string quote_with(std::string_view name, char quote);
// Words reserved in every dialect we support (SQL:2016 core plus common keywords).
const std::unordered_set<std::string_view>& common_reserved_words();

}  // namespace crucible::sql::detail
