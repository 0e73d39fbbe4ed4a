// SPDX-License-Identifier: MIT
// StatementCursor: a Result's view of a driver statement that is still producing rows.
#include <cctype>
#include <new>
#include <utility>

#include "engine/detail/state.hpp"

namespace crucible::detail {
namespace {

std::string_view first_keyword(std::string_view sql) {
  std::size_t i = 0;
  while (i < sql.size() && (std::isspace(static_cast<unsigned char>(sql[i])) || sql[i] == '('))
    ++i;
  std::size_t j = i;
  while (j < sql.size() && std::isalpha(static_cast<unsigned char>(sql[j]))) ++j;
  return sql.substr(i, j - i);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(a[i])) != b[i]) return false;
  return true;
}

std::shared_ptr<StatementInfo> build_info(dialects::DriverStatement& stmt,
                                          const sql::CompiledStatement* compiled) {
  auto info = std::make_shared<StatementInfo>();
  auto meta = std::make_shared<ResultMeta>();
  const int n = stmt.column_count();
  if (compiled && compiled->result_names.size() == static_cast<std::size_t>(n)) {
    meta->names = compiled->result_names;
    if (compiled->result_types.size() == meta->names.size()) meta->types = compiled->result_types;
  } else {
    for (int i = 0; i < n; ++i) meta->names.emplace_back(stmt.column_name(i));
  }
  info->meta = std::move(meta);
  using sql::StatementKind;
  if (compiled && compiled->kind != StatementKind::text && compiled->kind != StatementKind::other) {
    info->is_insert = compiled->kind == StatementKind::insert;
    info->is_dml = info->is_insert || compiled->kind == StatementKind::update ||
                   compiled->kind == StatementKind::del;
  } else {
    const auto kw = first_keyword(stmt.sql());
    info->is_insert = iequals(kw, "INSERT") || iequals(kw, "REPLACE");
    info->is_dml = info->is_insert || iequals(kw, "UPDATE") || iequals(kw, "DELETE");
  }
  return info;
}

}  // namespace

const StatementInfo& statement_info(dialects::StatementLease& lease,
                                    const sql::CompiledStatement* compiled,
                                    std::shared_ptr<StatementInfo>& private_info) {
  if (auto* slot = lease.user_data()) {
    if (!*slot) *slot = build_info(*lease, compiled);
    return *static_cast<const StatementInfo*>(slot->get());
  }
  private_info = build_info(*lease, compiled);
  return *private_info;
}

namespace {
struct SpareCursorBlock {
  void* block = nullptr;
  std::size_t size = 0;
  ~SpareCursorBlock() { ::operator delete(block, size); }
};
thread_local SpareCursorBlock spare_cursor;
}  // namespace

void* StatementCursor::operator new(std::size_t size) {
  if (spare_cursor.block && spare_cursor.size == size) {
    spare_cursor.size = 0;
    return std::exchange(spare_cursor.block, nullptr);
  }
  return ::operator new(size);
}

void StatementCursor::operator delete(void* block, std::size_t size) noexcept {
  if (spare_cursor.block) {
    ::operator delete(block, size);
    return;
  }
  spare_cursor.block = block;
  spare_cursor.size = size;
}

StatementCursor::StatementCursor(ConnectionState& conn, dialects::StatementLease&& lease,
                                 const StatementInfo& info,
                                 std::shared_ptr<StatementInfo> private_info, bool has_row)
    : conn_(&conn),
      lease_(std::move(lease)),
      stmt_(lease_.get()),
      info_(&info),
      private_info_(std::move(private_info)),
      prefetched_(has_row) {
  next_ = conn.cursors;
  if (next_) next_->prev_ = this;
  conn.cursors = this;
}

StatementCursor::~StatementCursor() { close(); }

void StatementCursor::unlink() {
  if (!conn_) return;
  if (prev_) prev_->next_ = next_;
  else conn_->cursors = next_;
  if (next_) next_->prev_ = prev_;
  prev_ = next_ = nullptr;
  conn_ = nullptr;
}

bool StatementCursor::next() {
  if (prefetched_) {
    prefetched_ = false;
    return true;
  }
  if (!lease_) return false;
  try {
    if (lease_->step()) return true;
  } catch (dialects::DriverException& error) {
    ConnectionState* conn = conn_;
    const std::string sql = lease_->sql();
    close();
    if (conn) raise_driver_error(*conn->engine, conn, error, sql, {});
    throw;
  }
  if (info_->is_dml) rows_affected_ = lease_->changes();
  if (info_->is_insert && conn_ && conn_->conn) last_insert_id_ = conn_->conn->last_insert_id();
  close();
  return false;
}

void StatementCursor::close() {
  prefetched_ = false;
  lease_.release();
  unlink();
}

}  // namespace crucible::detail
