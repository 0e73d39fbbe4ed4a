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

// Whether the compiled form says what the statement does; text SQL is read for its first keyword.
bool kind_known(const sql::CompiledStatement* compiled) {
  return compiled && compiled->kind != sql::StatementKind::text && compiled->kind != sql::StatementKind::other;
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
  if (compiled) meta->at_most_one_row = compiled->at_most_one_row;
  info->meta = std::move(meta);
  using sql::StatementKind;
  if (kind_known(compiled)) {
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

namespace {
// The spare block is a plain pointer, so taking or keeping it is a load and a store. The reaper,
// armed when a thread first keeps a block, frees it when the thread exits; cursors deleted after
// that (by other thread-local or static destructors) are freed at once.
enum class Reaper : unsigned char { unarmed, armed, done };
thread_local void* spare_block = nullptr;
thread_local Reaper reaper_state = Reaper::unarmed;
struct SpareReaper {
  // The statement info the thread's last deleted cursor held: the next cursor over the same
  // statement takes it over by a move instead of copying the cache's handle, which costs two
  // atomic reference-count updates per execution of a statement run in a loop.
  std::shared_ptr<const StatementInfo> info;
  ~SpareReaper() {
    reaper_state = Reaper::done;
    info.reset();
    ::operator delete(std::exchange(spare_block, nullptr), sizeof(StatementCursor));
  }
};
thread_local SpareReaper reaper;

// The info of the statement behind `lease`, built once per cached statement (and each time for a
// private one).
std::shared_ptr<const StatementInfo> statement_info(dialects::StatementLease& lease,
                                                    const sql::CompiledStatement* compiled) {
  std::shared_ptr<void>* slot = lease.user_data();
  if (!slot) return build_info(*lease, compiled);
  if (!*slot) *slot = build_info(*lease, compiled);
  if (reaper_state == Reaper::armed && reaper.info.get() == slot->get()) return std::move(reaper.info);
  return std::static_pointer_cast<const StatementInfo>(*slot);
}

bool is_insert(dialects::StatementLease& lease, const sql::CompiledStatement* compiled) {
  if (kind_known(compiled)) return compiled->kind == sql::StatementKind::insert;
  return statement_info(lease, compiled)->is_insert;
}
}  // namespace

void* StatementCursor::operator new(std::size_t size) {
  if (spare_block && size == sizeof(StatementCursor)) return std::exchange(spare_block, nullptr);
  return ::operator new(size);
}

void StatementCursor::operator delete(void* block, std::size_t size) noexcept {
  if (spare_block || size != sizeof(StatementCursor) || reaper_state == Reaper::done) {
    ::operator delete(block, size);
    return;
  }
  spare_block = block;
  if (reaper_state == Reaper::unarmed) {
    reaper_state = Reaper::armed;
    static_cast<void>(&reaper);  // constructs it, registering its destructor for this thread
  }
}

StatementCursor::~StatementCursor() {
  close();
  // Kept for the next cursor (see SpareReaper::info); the one kept before is released here.
  if (info_ && reaper_state == Reaper::armed) reaper.info = std::move(info_);
}

Result StatementCursor::finish(std::unique_ptr<StatementCursor> cursor,
                               const sql::CompiledStatement* compiled, bool has_row,
                               std::int64_t& rows_affected) {
  StatementCursor& c = *cursor;
  dialects::DriverStatement& stmt = *c.lease_;
  ConnectionState& conn = *c.conn_;
  // A SELECT has columns; anything else asks the driver (DML with RETURNING, text SQL).
  if ((compiled && compiled->kind == sql::StatementKind::select) || stmt.column_count() != 0) {
    c.info_ = statement_info(c.lease_, compiled);
    c.start(stmt, c.info_->meta, has_row);
    c.next_ = conn.cursors;
    if (c.next_) c.next_->prev_ = &c;
    conn.cursors = &c;
    rows_affected = -1;
    return Result(std::move(cursor));
  }
  try {
    if (has_row)
      while (stmt.step()) {
      }
  } catch (dialects::DriverException& error) {
    const std::string sql = stmt.sql();
    cursor.reset();
    raise_driver_error(*conn.engine, &conn, error, sql, {});
  }
  rows_affected = stmt.changes();
  std::optional<std::int64_t> last_id;
  if (is_insert(c.lease_, compiled)) last_id = conn.conn->last_insert_id();
  return Result(rows_affected, last_id);
}

bool StatementCursor::fetch() {
  dialects::DriverStatement& stmt = *lease_;  // open, so the lease holds the statement
  try {
    if (stmt.step()) return true;
  } catch (dialects::DriverException& error) {
    ConnectionState* conn = conn_;
    const std::string sql = stmt.sql();
    close();
    raise_driver_error(*conn->engine, conn, error, sql, {});
  }
  if (info_->is_dml) rows_affected_ = stmt.changes();
  if (info_->is_insert && conn_->conn) last_insert_id_ = conn_->conn->last_insert_id();
  close();
  return false;
}

void StatementCursor::release() {
  lease_.release();
  // A cursor that never had rows was never linked.
  if (prev_) prev_->next_ = next_;
  else if (conn_->cursors == this) conn_->cursors = next_;
  if (next_) next_->prev_ = prev_;
  prev_ = next_ = nullptr;
}

}  // namespace crucible::detail
