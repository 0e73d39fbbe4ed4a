// SPDX-License-Identifier: MIT
#include "crucible/core/errors.hpp"

#include <string>

namespace crucible {
namespace {

// "(sqlite 2067 / 23505) UNIQUE constraint failed: users.name
//  [SQL: INSERT INTO users (name) VALUES (?)]
//  [parameters: ('alice')]"  — the layout SQLAlchemy users know.
std::string format_message(const DriverErrorInfo& info) {
  // Built with append() only: GCC 12 at -O3 reports a false -Wrestrict overlap inside
  // `"literal" + std::string` (operator+ inserting at the front), which -Werror turns fatal.
  std::string text;
  text.append("(").append(info.backend);
  if (info.native_code != 0) text.append(" ").append(std::to_string(info.native_code));
  if (!info.sqlstate.empty()) text.append(" / ").append(info.sqlstate);
  text.append(") ").append(info.driver_message);
  if (info.retryable) text.append(" (retryable)");
  if (info.disconnect) text.append(" (connection lost)");
  if (!info.sql.empty()) text.append("\n[SQL: ").append(info.sql).append("]");
  if (!info.parameters.empty()) {
    text.append("\n[parameters: (");
    for (std::size_t i = 0; i < info.parameters.size(); ++i) {
      if (i) text.append(", ");
      text.append(info.parameters[i]);
    }
    text.append(")]");
  }
  return text;
}

}  // namespace

DBAPIError::DBAPIError(DriverErrorInfo info) : Error(format_message(info)), info_(std::move(info)) {}

void throw_dbapi_error(ErrorKind kind, DriverErrorInfo info) {
  switch (kind) {
    case ErrorKind::interface: throw InterfaceError(std::move(info));
    case ErrorKind::data: throw DataError(std::move(info));
    case ErrorKind::operational: throw OperationalError(std::move(info));
    case ErrorKind::deadlock: throw DeadlockError(std::move(info));
    case ErrorKind::serialization: throw SerializationError(std::move(info));
    case ErrorKind::lock_not_available: throw LockNotAvailableError(std::move(info));
    case ErrorKind::integrity: throw IntegrityError(std::move(info));
    case ErrorKind::internal: throw InternalError(std::move(info));
    case ErrorKind::programming: throw ProgrammingError(std::move(info));
    case ErrorKind::not_supported: throw NotSupportedError(std::move(info));
    case ErrorKind::database: break;
  }
  throw DatabaseError(std::move(info));
}

}  // namespace crucible
