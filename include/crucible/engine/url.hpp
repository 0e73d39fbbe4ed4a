// SPDX-License-Identifier: MIT
//
// Url: a parsed database URL, SQLAlchemy's spelling.
//
//   sqlite://                      in-memory database
//   sqlite:///:memory:             in-memory database
//   sqlite:///relative/blog.db     file relative to the working directory
//   sqlite:////var/data/blog.db    absolute path
//   postgresql://user:pass@host:5432/db?sslmode=require
//   postgresql+psycopg://...       a "+driver" suffix is kept in `driver` and otherwise ignored
//   mysql://u:p@[::1]:3306/db      IPv6 hosts in brackets
//   mariadb://...
//
// User, password, database and query values are percent-decoded ("p%40ss" is "p@ss").
// Malformed URLs (no scheme, unknown backend, bad port, bad percent escape) throw ArgumentError
// naming the problem. to_string() hides the password as "***" unless asked not to.
//
// Thread-safety: a plain value.
//
//   auto url = crucible::Url::parse("postgresql://bob:s%3Acret@db.local/app");
//   url.password;     // "s:cret"
//   url.to_string();  // "postgresql://bob:***@db.local/app"
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crucible {

struct Url {
  std::string backend;   // "sqlite", "postgresql", "mysql", "mariadb"
  std::string driver;    // the "+driver" suffix, empty when absent
  std::string username;
  std::optional<std::string> password;
  std::string host;      // without brackets for IPv6
  std::optional<std::uint16_t> port;
  std::string database;  // for sqlite: the file path, ":memory:" or empty (memory)
  std::vector<std::pair<std::string, std::string>> query;

  static Url parse(std::string_view text);

  // "backend[+driver]"
  std::string drivername() const;
  std::string to_string(bool hide_password = true) const;
  // The value of query parameter `name`, if present.
  std::optional<std::string> query_value(std::string_view name) const;
  // An in-memory SQLite database (each connection would see its own, so pools share one).
  bool is_sqlite_memory() const;
};

namespace detail {
// `text` with every byte but RFC 3986's unreserved ones (letters, digits, - _ . ~) and those in
// `keep` written as %HH: URL parts for Url::to_string, SQLite URI filenames for the driver.
std::string percent_encode(std::string_view text, std::string_view keep = {});
}  // namespace detail

}  // namespace crucible
