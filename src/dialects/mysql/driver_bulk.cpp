// SPDX-License-Identifier: MIT
// MariaDB driver: column-wise arrays for array binding (execute_many; see BulkArrays).
#include <cstring>

#include "dialects/mysql/driver_internal.hpp"

namespace crucible::dialects::my {

bool bulk_supported(const Session& session) {
  if (!session.mysql) return false;
  std::size_t caps = 0, extended = 0;
  mariadb_get_infov(session.mysql, MARIADB_CONNECTION_SERVER_CAPABILITIES, &caps);
  mariadb_get_infov(session.mysql, MARIADB_CONNECTION_EXTENDED_SERVER_CAPABILITIES, &extended);
  // MySQL servers announce CLIENT_MYSQL; MariaDB's own capabilities are the upper 32 bits.
  return !(caps & CLIENT_MYSQL) && (extended & (MARIADB_CLIENT_STMT_BULK_OPERATIONS >> 32)) != 0;
}

void run_simple(Session& session, std::string_view sql) {
  MYSQL* m = session.mysql;
  if (!m || session.broken) throw_closed(&session);
  if (mysql_real_query(m, sql.data(), static_cast<unsigned long>(sql.size())) != 0)
    throw_connection_error(session);
  if (MYSQL_RES* result = mysql_store_result(m)) mysql_free_result(result);
  session.replied();
}

BulkArrays::Kind BulkArrays::kind_of(enum_field_types type) {
  switch (type) {
    case MYSQL_TYPE_NULL: return Kind::unknown;
    case MYSQL_TYPE_LONGLONG: return Kind::integer;
    case MYSQL_TYPE_DOUBLE: return Kind::real;
    case MYSQL_TYPE_TINY: return Kind::tiny;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_TIME:
    case MYSQL_TYPE_DATETIME:
    case MYSQL_TYPE_TIMESTAMP: return Kind::time;
    default: return Kind::bytes;  // STRING, BLOB, NEWDECIMAL: length-prefixed bytes
  }
}

void BulkArrays::reset(std::size_t params) {
  columns_.resize(params);
  for (Column& c : columns_) c.clear();
  arena_.clear();
  rows_ = 0;
  bytes_ = 16;
}

bool BulkArrays::append(const BoundParam* values) {
  for (std::size_t k = 0; k < columns_.size(); ++k) {
    const BoundParam& v = values[k];
    if (!v.null && v.type != MYSQL_TYPE_NULL && columns_[k].type != MYSQL_TYPE_NULL && v.type != columns_[k].type)
      return false;
  }
  for (std::size_t k = 0; k < columns_.size(); ++k) push(columns_[k], values[k]);
  ++rows_;
  return true;
}

void BulkArrays::push(Column& c, const BoundParam& v) {
  const bool null = v.null || v.type == MYSQL_TYPE_NULL;
  c.indicators.push_back(static_cast<char>(null ? STMT_INDICATOR_NULL : STMT_INDICATOR_NONE));
  bytes_ += 1;
  if (!null && c.kind == Kind::unknown) {
    // The first value of the column: the rows so far (all NULL) get placeholders below.
    c.type = v.type;
    c.kind = kind_of(v.type);
  }
  const std::size_t row = rows_;
  switch (c.kind) {
    case Kind::unknown: return;
    case Kind::integer:
      c.integers.resize(row);
      c.integers.push_back(null ? 0 : *static_cast<const std::int64_t*>(v.buffer));
      bytes_ += 8;
      return;
    case Kind::real:
      c.reals.resize(row);
      c.reals.push_back(null ? 0 : *static_cast<const double*>(v.buffer));
      bytes_ += 8;
      return;
    case Kind::tiny:
      c.tinies.resize(row);
      c.tinies.push_back(null ? 0 : *static_cast<const signed char*>(v.buffer));
      bytes_ += 1;
      return;
    case Kind::time:
      c.times.resize(row);
      c.times.push_back(null ? MYSQL_TIME{} : *static_cast<const MYSQL_TIME*>(v.buffer));
      bytes_ += 13;
      return;
    case Kind::bytes: {
      if (c.data.size() != row) {  // rows that were NULL before the column's first value
        c.data.resize(row, "");
        c.lengths.resize(row, 0);
      }
      const unsigned long length = null ? 0 : v.length;
      if (!null && v.copy) {
        c.copies.emplace_back(row, arena_.size());
        arena_.append(static_cast<const char*>(v.buffer), length);
        c.data.push_back(nullptr);  // pointed into arena_ by binds(), once it stops growing
      } else {
        c.data.push_back(null ? "" : static_cast<const char*>(v.buffer));  // NULL rows: never read
      }
      c.lengths.push_back(length);
      bytes_ += 9 + length;
      return;
    }
  }
}

MYSQL_BIND* BulkArrays::binds() {
  binds_.assign(columns_.size(), MYSQL_BIND{});
  for (std::size_t k = 0; k < columns_.size(); ++k) {
    Column& c = columns_[k];
    MYSQL_BIND& b = binds_[k];
    b.buffer_type = c.type;
    b.u.indicator = c.indicators.data();
    switch (c.kind) {
      case Kind::unknown: break;  // every value NULL
      case Kind::integer:
        c.integers.resize(rows_);
        b.buffer = c.integers.data();
        break;
      case Kind::real:
        c.reals.resize(rows_);
        b.buffer = c.reals.data();
        break;
      case Kind::tiny:
        c.tinies.resize(rows_);
        b.buffer = c.tinies.data();
        break;
      case Kind::time:
        c.times.resize(rows_);
        c.time_ptrs.resize(rows_);
        for (std::size_t r = 0; r < rows_; ++r) c.time_ptrs[r] = &c.times[r];
        b.buffer = c.time_ptrs.data();
        break;
      case Kind::bytes:
        c.data.resize(rows_, "");
        c.lengths.resize(rows_, 0);
        for (const auto& [r, at] : c.copies) c.data[r] = arena_.data() + at;
        b.buffer = c.data.data();
        b.length = c.lengths.data();
        break;
    }
  }
  return binds_.data();
}

}  // namespace crucible::dialects::my
