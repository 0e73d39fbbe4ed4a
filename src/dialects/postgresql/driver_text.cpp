// SPDX-License-Identifier: MIT
// PostgreSQL driver: SQL scanning for the parameter count, and the text forms of values.
#include <algorithm>
#include <cctype>
#include <cstdio>

#include "dialects/postgresql/driver_internal.hpp"

namespace crucible::dialects::pg {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
// Characters that may continue an identifier (PostgreSQL allows '$' after the first; bytes of
// multi-byte UTF-8 letters count as letters).
bool is_ident_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '_' || c == '$' || u >= 0x80;
}
bool is_tag_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '_' || u >= 0x80;
}

// Index just past the literal opening at `i` ('...', E'...'), or the end.
std::size_t skip_string(std::string_view sql, std::size_t i, bool backslash_escapes) {
  ++i;
  while (i < sql.size()) {
    const char c = sql[i];
    if (backslash_escapes && c == '\\') {
      i += 2;
    } else if (c == '\'') {
      if (i + 1 < sql.size() && sql[i + 1] == '\'') i += 2;  // '' inside the literal
      else return i + 1;
    } else {
      ++i;
    }
  }
  return sql.size();
}

std::size_t skip_block_comment(std::string_view sql, std::size_t i) {
  int depth = 0;  // PostgreSQL block comments nest
  while (i + 1 < sql.size()) {
    if (sql[i] == '/' && sql[i + 1] == '*') {
      ++depth;
      i += 2;
    } else if (sql[i] == '*' && sql[i + 1] == '/') {
      i += 2;
      if (--depth == 0) return i;
    } else {
      ++i;
    }
  }
  return sql.size();
}

void append_2(std::string& out, unsigned v) {
  out += static_cast<char>('0' + v / 10 % 10);
  out += static_cast<char>('0' + v % 10);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

int count_parameters(std::string_view sql) {
  int highest = 0;
  std::size_t i = 0;
  const std::size_t n = sql.size();
  while (i < n) {
    const char c = sql[i];
    const char next = i + 1 < n ? sql[i + 1] : '\0';
    if (c == '\'') {
      // E'...' strings take backslash escapes; with standard_conforming_strings (the default
      // since 9.1) plain strings do not.
      const bool escapes = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
                           (i < 2 || !is_ident_char(sql[i - 2]));
      i = skip_string(sql, i, escapes);
    } else if (c == '"') {
      const auto close = sql.find('"', i + 1);  // "" inside re-opens at once: same result
      i = close == std::string_view::npos ? n : close + 1;
    } else if (c == '-' && next == '-') {
      const auto eol = sql.find('\n', i);
      i = eol == std::string_view::npos ? n : eol + 1;
    } else if (c == '/' && next == '*') {
      i = skip_block_comment(sql, i);
    } else if (c == '$' && (i == 0 || !is_ident_char(sql[i - 1]))) {
      if (is_digit(next)) {
        int number = 0;
        ++i;
        while (i < n && is_digit(sql[i])) {
          number = std::min(number * 10 + (sql[i] - '0'), 1'000'000);
          ++i;
        }
        highest = std::max(highest, number);
        continue;
      }
      std::size_t j = i + 1;  // a dollar quote: $$...$$ or $tag$...$tag$
      while (j < n && is_tag_char(sql[j])) ++j;
      if (j < n && sql[j] == '$') {
        const std::string_view tag = sql.substr(i, j - i + 1);
        const auto close = sql.find(tag, j + 1);
        i = close == std::string_view::npos ? n : close + tag.size();
      } else {
        ++i;
      }
    } else {
      ++i;
    }
  }
  return highest;
}

void append_time(std::string& out, const Time& t) {
  append_2(out, t.hour);
  out += ':';
  append_2(out, t.minute);
  out += ':';
  append_2(out, t.second);
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%06u", t.microsecond % 1'000'000);
  out += fraction;
}

void append_datetime(std::string& out, const DateTime& dt) {
  out += dt.date.to_string();
  out += ' ';
  append_time(out, dt.time);
  if (dt.utc) out += "+00:00";
}

bool needs_offset_minutes(std::string_view text) {
  const std::size_t n = text.size();
  // "... 12:00:00+00": a sign, two digits, at the end, after the time's seconds.
  return n >= 12 && (text[n - 3] == '+' || text[n - 3] == '-') && is_digit(text[n - 2]) &&
         is_digit(text[n - 1]) && is_digit(text[n - 4]);
}

void decode_bytea(std::string_view text, std::string& out) {
  out.clear();
  if (text.size() >= 2 && text[0] == '\\' && text[1] == 'x') {
    out.resize((text.size() - 2) / 2);
    const char* p = text.data() + 2;
    for (std::size_t k = 0; k < out.size(); ++k, p += 2)
      out[k] = static_cast<char>(hex_value(p[0]) << 4 | hex_value(p[1]));
    return;
  }
  // The escape format (bytea_output = escape, or a server before 9.0): let libpq decode it.
  const std::string zero_terminated(text);
  std::size_t length = 0;
  unsigned char* raw =
      PQunescapeBytea(reinterpret_cast<const unsigned char*>(zero_terminated.c_str()), &length);
  if (!raw) throw_client_error("XX000", "cannot decode a bytea value (out of memory)");
  out.assign(reinterpret_cast<const char*>(raw), length);
  PQfreemem(raw);
}

}  // namespace crucible::dialects::pg
