// SPDX-License-Identifier: MIT
#include "crucible/sql/detail/identifiers.hpp"

#include <cctype>

namespace crucible::sql::detail {

bool needs_quoting(std::string_view name, const std::unordered_set<std::string_view>& reserved) {
  if (name.empty()) return true;
  if (std::isdigit(static_cast<unsigned char>(name[0])) || name[0] == '$') return true;
  std::string lower;
  lower.reserve(name.size());
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '$';
    if (!ok) return true;
    lower += c;
  }
  return reserved.count(lower) > 0;
}

std::string quote_with(std::string_view name, char quote) {
  std::string out(1, quote);
  for (char c : name) {
    if (c == quote) out += quote;
    out += c;
  }
  out += quote;
  return out;
}

const std::unordered_set<std::string_view>& common_reserved_words() {
  static const std::unordered_set<std::string_view> words{
      "add", "all", "alter", "and", "any", "as", "asc", "between", "both", "by", "case", "cast", "check",
      "collate", "column", "constraint", "create", "cross", "current_date", "current_time",
      "current_timestamp", "current_user", "default", "delete", "desc", "distinct", "drop", "else", "end",
      "except", "exists", "false", "fetch", "for", "foreign", "from", "full", "grant", "group", "having",
      "in", "index", "inner", "insert", "intersect", "into", "is", "join", "key", "leading", "left",
      "like", "limit", "natural", "not", "null", "offset", "on", "or", "order", "outer", "primary",
      "references", "right", "select", "set", "some", "table", "then", "to", "trailing", "true", "union",
      "unique", "update", "user", "using", "values", "when", "where", "window", "with"};
  return words;
}

}  // namespace crucible::sql::detail
