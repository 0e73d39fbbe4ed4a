// SPDX-License-Identifier: MIT
#include "crucible/core/errors.hpp"

#include <string>

namespace crucible {
namespace {

// "(sqlite 2067 / 23505) UNIQUE constraint failed: users.name
//  [SQL: INSERT INTO users (name) VALUES (?)]
//  [parameters: ('alice')]"  — the layout SQLAlchemy users know.
std::string format_message(const DriverErrorInfo& info) {
  std::string text = "(" + info.backend;
  if (info.native_code != 0) text += " " + std::to_string(info.native_code);
  if (!info.sqlstate.empty()) text += " / " + info.sqlstate;
  text += ") " + info.driver_message;
  if (info.retryable) text += " (retryable)";
  if (info.disconnect) text += " (connection lost)";
  if (!info.sql.empty()) text += "\n[SQL: " + info.sql + "]";
  if (!info.parameters.empty()) {
    text += "\n[parameters: (";
    for (std::size_t i = 0; i < info.parameters.size(); ++i) {
      if (i) text += ", ";
      text += info.parameters[i];
    }
    text += ")]";
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
    case ErrorKind::integrity: throw IntegrityError(std::move(info));
    case ErrorKind::internal: throw InternalError(std::move(info));
    case ErrorKind::programming: throw ProgrammingError(std::move(info));
    case ErrorKind::not_supported: throw NotSupportedError(std::move(info));
    case ErrorKind::database: break;
  }
  throw DatabaseError(std::move(info));
}

}  // namespace crucible
