// SPDX-License-Identifier: MIT
//
// Pieces the MariaDB driver's files share (driver.cpp: connecting, errors, the connection;
// driver_statement.cpp: prepared statements and their results). Internal to the driver;
// includes <mysql.h>.
//
// Thread-safety: as the connection (one thread at a time). Ownership: the Session owns the MYSQL
// handle; statements hold the Session by shared_ptr, so a statement that outlives its connection
// finds `mysql == nullptr` instead of a dangling handle.
#pragma once

#include <mysql.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crucible/dialects/driver.hpp"

namespace crucible::dialects::my {

// Client error numbers the driver raises or recognises (errmsg.h).
inline constexpr unsigned cr_server_gone = 2006;
inline constexpr unsigned cr_server_lost = 2013;
inline constexpr unsigned cr_invalid_parameter_no = 2034;
inline constexpr unsigned cr_server_lost_extended = 2055;
inline constexpr unsigned cr_new_stmt_metadata = 2057;
inline constexpr unsigned er_connection_killed = 1927;
inline constexpr unsigned er_client_interaction_timeout = 4031;

// The open connection and what its statements share.
struct Session {
  MYSQL* mysql = nullptr;          // null once closed
  bool broken = false;             // a disconnect error was seen: unusable
  // An error reply carries no status flags: from a failed statement until the next success,
  // whether the server has a transaction open is unknown (the statement may have opened one).
  bool status_unknown = false;
  std::int64_t last_insert_id = 0;  // of the last statement executed

  // SERVER_STATUS_* flags of the last reply.
  unsigned server_status() const;
  bool server_in_transaction() const;
  // A reply arrived: the status flags are current again.
  void replied() { status_unknown = false; }
};

// Whether an error number means the connection is gone.
bool is_disconnect_code(unsigned code);

// Builds and throws the DriverException; marks the session broken on a disconnect.
[[noreturn]] void throw_error(Session* session, unsigned code, const char* sqlstate,
                              std::string message);
// The connection's last error (mysql_errno / mysql_sqlstate / mysql_error).
[[noreturn]] void throw_connection_error(Session& session);
// A statement's last error.
[[noreturn]] void throw_statement_error(Session& session, MYSQL_STMT* stmt);
// The session is closed or broken: a disconnect error without a round trip.
[[noreturn]] void throw_closed(Session* session);

std::unique_ptr<DriverStatement> make_statement(std::shared_ptr<Session> session,
                                                std::string_view sql);

// ---- array binding (driver_bulk.cpp) ---------------------------------------------------------

// Whether the server executes array-bound statements in one COM_STMT_BULK_EXECUTE (MariaDB
// >= 10.2; MySQL has no bulk command).
bool bulk_supported(const Session& session);

// Runs one statement without results through the text protocol (SAVEPOINT and the like).
void run_simple(Session& session, std::string_view sql);

// One parameter's value as a statement bound it for one set.
struct BoundParam {
  enum_field_types type = MYSQL_TYPE_NULL;
  const void* buffer = nullptr;
  unsigned long length = 0;
  bool null = true;
  bool copy = false;  // the statement's own buffer, reused by the next set: copy the bytes
};

// Column-wise parameter arrays for one array-bound execution (STMT_ATTR_ARRAY_SIZE): per
// placeholder, an indicator per row (NULL or not) and the values in the layout libmariadb
// reads: numbers packed, text / blobs / decimals and dates as one pointer per row. Borrowed
// bytes are pointed at, the statement's own are copied. Every non-NULL value of a column must
// have the same MYSQL_TYPE_*: append() refuses a set that breaks this, and the caller runs set
// by set instead.
//
//   BulkArrays arrays;
//   arrays.reset(param_count);
//   for (...) if (!arrays.append(values_of_one_set)) ...;
//   mysql_stmt_attr_set(stmt, STMT_ATTR_ARRAY_SIZE, &rows);
//   mysql_stmt_bind_param(stmt, arrays.binds());
//
// Thread-safety: a plain value, used by one statement.
class BulkArrays {
 public:
  void reset(std::size_t params);
  bool append(const BoundParam* values);
  std::size_t rows() const { return rows_; }
  // Estimated size of the bulk request, to keep it well under max_allowed_packet.
  std::size_t bytes() const { return bytes_; }
  // The MYSQL_BIND array describing the arrays (valid until the next reset() or append()).
  MYSQL_BIND* binds();

 private:
  enum class Kind : unsigned char { unknown, integer, real, tiny, time, bytes };
  struct Column {
    enum_field_types type = MYSQL_TYPE_NULL;  // of the non-NULL values; NULL while all are NULL
    Kind kind = Kind::unknown;
    std::vector<char> indicators;
    std::vector<std::int64_t> integers;
    std::vector<double> reals;
    std::vector<signed char> tinies;
    std::vector<MYSQL_TIME> times;
    std::vector<MYSQL_TIME*> time_ptrs;
    std::vector<const char*> data;
    std::vector<std::pair<std::size_t, std::size_t>> copies;  // (row, offset in arena_) of copied values
    std::vector<unsigned long> lengths;
    // Empty for the next chunk, keeping the arrays' room (the chunks of one execute_many have
    // the same placeholders).
    void clear() {
      type = MYSQL_TYPE_NULL;
      kind = Kind::unknown;
      indicators.clear();
      integers.clear();
      reals.clear();
      tinies.clear();
      times.clear();
      time_ptrs.clear();
      data.clear();
      copies.clear();
      lengths.clear();
    }
  };
  static Kind kind_of(enum_field_types type);
  void push(Column& c, const BoundParam& v);

  std::vector<Column> columns_;
  std::vector<MYSQL_BIND> binds_;
  std::string arena_;
  std::size_t rows_ = 0;
  std::size_t bytes_ = 0;
};

}  // namespace crucible::dialects::my
