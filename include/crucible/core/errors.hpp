// SPDX-License-Identifier: MIT
//
// The exception hierarchy, modelled on SQLAlchemy's (sqlalchemy.exc):
//
//   Error
//   ├── ArgumentError            bad input to an API (malformed URL, ambiguous join, bad option)
//   ├── TypeError                a value or column read as the wrong C++ type / count
//   ├── CompileError             a construct the dialect cannot express
//   ├── InvalidRequestError      an operation not valid in the current state
//   │   ├── NoResultFound
//   │   ├── MultipleResultsFound
//   │   ├── ResourceClosedError  a closed Result read again (after first(), one(), scalar(), close())
//   │   ├── NoSuchTableError     a table looked up by name that is not there
//   │   ├── DetachedInstanceError
//   │   ├── StaleDataError
//   │   └── FlushError           the ORM's flush cannot proceed (not a driver error)
//   ├── TimeoutError             pool checkout timed out
//   └── DBAPIError               anything the database driver reported
//       ├── InterfaceError       misuse of the driver interface
//       └── DatabaseError
//           ├── DataError             bad value for the column (overflow, bad encoding)
//           ├── OperationalError      connection lost, deadlock, lock timeout, disk full...
//           │   ├── DeadlockError          the server broke a lock cycle by aborting this transaction
//           │   ├── SerializationError     a serializable transaction lost a conflict with another
//           │   └── LockNotAvailableError  a lock was not granted: NOWAIT, or the lock wait timed out
//           ├── IntegrityError        constraint violated (unique, foreign key, not null, check)
//           ├── InternalError
//           ├── ProgrammingError      bad SQL, missing table, wrong parameter count
//           └── NotSupportedError
//
// Driver errors are translated in one place (the engine) and carry the backend, the native
// error code, the SQLSTATE where the backend has one, the SQL and its parameters (rendered, or
// "[redacted]" when the engine hides parameters), and whether a retry or reconnect may help.
// The three OperationalError subclasses are the transient conflicts: each is retryable() and
// retry_on_deadlock (engine/retry.hpp) re-runs the transaction for them; catch one by name when
// the reaction differs (LockNotAvailableError after NOWAIT: "busy, try later").
//
// Thread-safety: immutable after construction.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace crucible {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

class ArgumentError : public Error {
 public:
  using Error::Error;
};

class TypeError : public Error {
 public:
  using Error::Error;
};

class CompileError : public Error {
 public:
  using Error::Error;
};

class InvalidRequestError : public Error {
 public:
  using Error::Error;
};

class NoResultFound : public InvalidRequestError {
 public:
  using InvalidRequestError::InvalidRequestError;
};

class MultipleResultsFound : public InvalidRequestError {
 public:
  using InvalidRequestError::InvalidRequestError;
};

// A Result read after it was closed: first(), one(), one_or_none() and scalar() close their
// Result, as close() does. (A result read to its end is exhausted, not closed: reading it again
// gives no rows.)
class ResourceClosedError : public InvalidRequestError {
 public:
  using InvalidRequestError::InvalidRequestError;
};

// MetaData::get_table (and other lookups by name) found no such table.
class NoSuchTableError : public InvalidRequestError {
 public:
  using InvalidRequestError::InvalidRequestError;
};

// A flush that cannot proceed for a reason of the ORM's, not the database's: rows that depend on
// each other in a cycle (orm::CircularDependencyError), an INSERT that gave back no key or the
// wrong number of rows. The session has rolled back when it propagates (docs/errors.md).
class FlushError : public InvalidRequestError {
 public:
  using InvalidRequestError::InvalidRequestError;
};

class DetachedInstanceError : public InvalidRequestError {
 public:
  using InvalidRequestError::InvalidRequestError;
};

class StaleDataError : public InvalidRequestError {
 public:
  using InvalidRequestError::InvalidRequestError;
};

// Pool checkout gave up waiting. Not std::timeout: a crucible type like the others.
class TimeoutError : public Error {
 public:
  using Error::Error;
};

// What a driver reported, with where it happened. Filled by the engine's translation point.
struct DriverErrorInfo {
  std::string backend;          // "sqlite", "postgresql", "mysql"
  int native_code = 0;          // sqlite extended result code, MariaDB errno, 0 on PostgreSQL
  std::string sqlstate;         // five characters where the backend has one, else empty
  std::string driver_message;   // the driver's own text
  std::string sql;              // the statement, empty for connect errors
  std::vector<std::string> parameters;  // rendered, or a single "[redacted]"
  bool retryable = false;       // deadlock, serialization failure, busy: re-running may succeed
  bool disconnect = false;      // the connection is unusable; the pool invalidates it
};

class DBAPIError : public Error {
 public:
  explicit DBAPIError(DriverErrorInfo info);
  const DriverErrorInfo& info() const { return info_; }
  const std::string& sql() const { return info_.sql; }
  const std::string& sqlstate() const { return info_.sqlstate; }
  int native_code() const { return info_.native_code; }
  bool retryable() const { return info_.retryable; }
  bool is_disconnect() const { return info_.disconnect; }

 private:
  DriverErrorInfo info_;
};

class InterfaceError : public DBAPIError {
 public:
  using DBAPIError::DBAPIError;
};
class DatabaseError : public DBAPIError {
 public:
  using DBAPIError::DBAPIError;
};
class DataError : public DatabaseError {
 public:
  using DatabaseError::DatabaseError;
};
class OperationalError : public DatabaseError {
 public:
  using DatabaseError::DatabaseError;
};
// PostgreSQL 40P01, MariaDB / MySQL 1213. The whole transaction was rolled back.
class DeadlockError : public OperationalError {
 public:
  using OperationalError::OperationalError;
};
// SQLSTATE 40001 (PostgreSQL REPEATABLE READ / SERIALIZABLE). The transaction must be re-run.
class SerializationError : public OperationalError {
 public:
  using OperationalError::OperationalError;
};
// PostgreSQL 55P03 (NOWAIT, lock_timeout), MariaDB 1205 (NOWAIT, innodb_lock_wait_timeout),
// MySQL 3572 (NOWAIT), SQLite SQLITE_BUSY / SQLITE_LOCKED (the busy timeout ran out). Only the
// statement failed on MariaDB and SQLite; PostgreSQL aborts the transaction.
class LockNotAvailableError : public OperationalError {
 public:
  using OperationalError::OperationalError;
};
class IntegrityError : public DatabaseError {
 public:
  using DatabaseError::DatabaseError;
};
class InternalError : public DatabaseError {
 public:
  using DatabaseError::DatabaseError;
};
class ProgrammingError : public DatabaseError {
 public:
  using DatabaseError::DatabaseError;
};
class NotSupportedError : public DatabaseError {
 public:
  using DatabaseError::DatabaseError;
};

// Which concrete DBAPIError a driver error becomes; decided by the dialect's error mapping.
enum class ErrorKind {
  interface,
  database,
  data,
  operational,
  deadlock,            // OperationalError subclasses: the transient conflicts
  serialization,
  lock_not_available,
  integrity,
  internal,
  programming,
  not_supported,
};

// Throws the exception class for `kind`, built from `info`. The single construction point used
// by the engine's error translation.
[[noreturn]] void throw_dbapi_error(ErrorKind kind, DriverErrorInfo info);

}  // namespace crucible
