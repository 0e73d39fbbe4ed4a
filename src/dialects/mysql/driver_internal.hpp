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

}  // namespace crucible::dialects::my
