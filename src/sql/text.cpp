// SPDX-License-Identifier: MIT
// text(): splits SQL at its :name binds, skipping quotes, comments and PostgreSQL casts.
#include "crucible/sql/text.hpp"

#include <cctype>

namespace crucible {

using namespace crucible::sql;

namespace {

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool guess_returns_rows(std::string_view sql) {
  std::size_t i = 0;
  while (i < sql.size() && (std::isspace(static_cast<unsigned char>(sql[i])) || sql[i] == '(')) ++i;
  std::string word;
  while (i < sql.size() && ident_char(sql[i])) word += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i++])));
  if (word == "SELECT" || word == "WITH" || word == "VALUES" || word == "PRAGMA" || word == "SHOW" ||
      word == "EXPLAIN" || word == "DESCRIBE" || word == "DESC" || word == "TABLE")
    return true;
  std::string upper;
  for (char c : sql) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return upper.find("RETURNING") != std::string::npos;
}

}  // namespace

TextClause::TextClause(std::string_view sql) : Statement(nullptr) {
  auto node = std::make_shared<TextNode>();
  std::string current;
  std::size_t i = 0;
  auto copy_until = [&](char close) {  // copies a quoted run, '' / "" doubling included
    current += sql[i++];
    while (i < sql.size()) {
      char c = sql[i++];
      current += c;
      if (c == close) {
        if (i < sql.size() && sql[i] == close) {
          current += sql[i++];
          continue;
        }
        return;
      }
    }
  };
  while (i < sql.size()) {
    char c = sql[i];
    if (c == '\'' || c == '"' || c == '`') {
      copy_until(c);
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      while (i < sql.size() && sql[i] != '\n') current += sql[i++];
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      auto end = sql.find("*/", i + 2);
      end = end == std::string_view::npos ? sql.size() : end + 2;
      current.append(sql.substr(i, end - i));
      i = end;
    } else if (c == '\\' && i + 1 < sql.size() && sql[i + 1] == ':') {
      current += ':';
      i += 2;
      if (i < sql.size() && ident_char(sql[i])) node->escaped_colon_name = true;
    } else if (c == ':' && i + 1 < sql.size() && sql[i + 1] == ':') {
      current += "::";  // PostgreSQL cast
      i += 2;
    } else if (c == ':' && i + 1 < sql.size() && ident_start(sql[i + 1]) && (i == 0 || sql[i - 1] != ':')) {
      std::size_t start = ++i;
      while (i < sql.size() && ident_char(sql[i])) ++i;
      node->segments.push_back(std::move(current));
      current.clear();
      node->bind_names.emplace_back(sql.substr(start, i - start));
    } else {
      current += c;
      ++i;
    }
  }
  node->segments.push_back(std::move(current));
  node->returns_rows = guess_returns_rows(sql);
  set_root(std::move(node));
}

const std::vector<std::string>& TextClause::bind_names() const {
  return static_cast<const TextNode&>(*root()).bind_names;
}

}  // namespace crucible
