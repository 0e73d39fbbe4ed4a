// SPDX-License-Identifier: MIT
//
// The raw libmariadb side the MariaDB benches share: a connection (autocommit off, as the
// engine's) that exits the program on any failure, since a bench has nothing to recover.
// Header-only; include it only where CRUCIBLE_HAVE_MYSQL holds.
//
//   bench::my::Connection raw(crucible::Url::parse(url));
//   MYSQL_STMT* s = raw.prepare("UPDATE t SET d = ? WHERE id = ?");
//   raw.check(s, mysql_stmt_execute(s));
//
// Thread-safety: one thread per Connection, as libmariadb's MYSQL handle.
#pragma once

#include <mysql.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "crucible/engine/url.hpp"

namespace bench::my {

struct Connection {
  MYSQL* mysql = mysql_init(nullptr);
  explicit Connection(const crucible::Url& url) {
    if (!mysql_real_connect(mysql, url.host.c_str(), url.username.c_str(),
                            url.password ? url.password->c_str() : nullptr, url.database.c_str(),
                            url.port.value_or(0), nullptr, CLIENT_MULTI_STATEMENTS))
      fail("connect");
    exec("SET autocommit = 0");
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() { mysql_close(mysql); }
  [[noreturn]] void fail(const char* what) const {
    std::fprintf(stderr, "raw libmariadb %s failed: %s\n", what, mysql_error(mysql));
    std::exit(1);
  }
  void exec(const std::string& sql) const {
    if (mysql_real_query(mysql, sql.data(), sql.size())) fail(sql.c_str());
    do {
      if (MYSQL_RES* r = mysql_store_result(mysql)) mysql_free_result(r);
    } while (mysql_next_result(mysql) == 0);
  }
  MYSQL_STMT* prepare(const std::string& sql) const {
    MYSQL_STMT* s = mysql_stmt_init(mysql);
    if (mysql_stmt_prepare(s, sql.data(), sql.size())) fail(mysql_stmt_error(s));
    return s;
  }
  void check(MYSQL_STMT* s, int rc) const {
    if (rc != 0 && rc != MYSQL_NO_DATA) {
      std::fprintf(stderr, "raw libmariadb statement failed: %s\n", mysql_stmt_error(s));
      std::exit(1);
    }
  }
};

inline MYSQL_BIND string_bind() {
  MYSQL_BIND b{};
  b.buffer_type = MYSQL_TYPE_STRING;
  return b;
}

inline MYSQL_BIND int64_bind(std::int64_t* value) {
  MYSQL_BIND b{};
  b.buffer_type = MYSQL_TYPE_LONGLONG;
  b.buffer = value;
  return b;
}

}  // namespace bench::my
