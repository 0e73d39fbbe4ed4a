// SPDX-License-Identifier: MIT
#include "crucible/core/result.hpp"

namespace crucible {

Result::Result(std::int64_t rows_affected, std::optional<std::int64_t> last_insert_id)
    : rows_affected_(rows_affected), last_insert_id_(last_insert_id) {}

const std::vector<std::string>& Result::keys() {
  static const std::vector<std::string> none;
  return cursor_ ? cursor_->meta()->names : none;
}

void Result::throw_closed() {
  throw ResourceClosedError(
      "this result is closed: first(), one(), one_or_none(), scalar() and close() end it; "
      "read all() (or iterate) instead of, not after, them");
}

Row Result::one() {
  if (!advance()) {
    closed_ = true;
    throw NoResultFound("one(): the statement returned no rows");
  }
  Row row = Row::owning(cursor_->meta(), row_.values());
  if (another_row()) {
    close();
    throw MultipleResultsFound("one(): the statement returned more than one row");
  }
  return row;
}

std::optional<Row> Result::one_or_none() {
  if (!advance()) {
    closed_ = true;
    return std::nullopt;
  }
  Row row = Row::owning(cursor_->meta(), row_.values());
  if (another_row()) {
    close();
    throw MultipleResultsFound("one_or_none(): the statement returned more than one row");
  }
  return row;
}

std::optional<Row> Result::first() {
  if (!advance()) {
    closed_ = true;
    return std::nullopt;
  }
  Row row = Row::owning(cursor_->meta(), row_.values());
  close();
  return row;
}

std::vector<Row> Result::all() {
  std::vector<Row> rows;
  if (!cursor_) {
    if (closed_) throw_closed();
    return rows;
  }
  auto meta = cursor_->meta();  // one shared copy for every row
  return collect<Row>([&] { return Row::owning(meta, row_.values()); });
}

std::int64_t Result::rows_affected() const {
  return cursor_ ? cursor_->rows_affected() : rows_affected_;
}

std::optional<std::int64_t> Result::inserted_primary_key() const {
  return cursor_ ? cursor_->last_insert_id() : last_insert_id_;
}

}  // namespace crucible
