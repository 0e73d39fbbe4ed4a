// SPDX-License-Identifier: MIT
// The driver contract's shared parts: DriverStatement::run's default, savepoint SQL and the
// per-connection statement cache.
#include "crucible/dialects/driver.hpp"

namespace crucible {

std::string_view isolation_level_name(IsolationLevel level) {
  switch (level) {
    case IsolationLevel::serializable: return "SERIALIZABLE";
    case IsolationLevel::repeatable_read: return "REPEATABLE READ";
    case IsolationLevel::read_committed: return "READ COMMITTED";
    case IsolationLevel::read_uncommitted: return "READ UNCOMMITTED";
    case IsolationLevel::autocommit: return "AUTOCOMMIT";
  }
  return "?";
}

}  // namespace crucible

namespace crucible::dialects {

std::int64_t DriverStatement::run(std::span<const ParamRef> params) {
  reset();
  int index = 0;
  for (const ParamRef& param : params) bind_ref(index++, param);
  while (step()) {
  }
  return changes();
}

DriverConnection::~DriverConnection() = default;

void DriverConnection::savepoint(std::string_view name) { exec("SAVEPOINT " + std::string(name)); }
void DriverConnection::release_savepoint(std::string_view name) {
  exec("RELEASE SAVEPOINT " + std::string(name));
}
void DriverConnection::rollback_to_savepoint(std::string_view name) {
  exec("ROLLBACK TO SAVEPOINT " + std::string(name));
}

StatementLease DriverConnection::acquire(std::string_view sql, const sql::CompiledPtr* compiled) {
  const void* key = compiled ? compiled->get() : nullptr;
  CacheEntry* entry = nullptr;
  if (key) {
    if (key == last_key_) {
      entry = last_entry_;
    } else if (auto it = by_key_.find(key); it != by_key_.end()) {
      entry = it->second;
      last_key_ = key;
      last_entry_ = entry;
    }
  }
  if (!entry) {
    auto it = by_sql_.find(sql);
    if (it != by_sql_.end()) {
      entry = it->second;
      if (key) {  // re-point the fast key at the newest owner of this SQL
        if (entry->key) by_key_.erase(entry->key);
        if (entry->key == last_key_) last_key_ = last_entry_ = nullptr;  // no longer pinned
        entry->key = key;
        entry->key_owner = *compiled;
        by_key_[key] = entry;
      }
    }
  }
  StatementLease lease;
  if (entry) {
    if (entry->in_use) {
      // An open result still reads the cached statement: use a private one.
      lease.owned_ = prepare(sql, false);
      lease.stmt_ = lease.owned_.get();
      return lease;
    }
    if (entry->self != cache_.begin()) cache_.splice(cache_.begin(), cache_, entry->self);
    lease.take(*entry);  // the holder is re-pointed when the lease is moved to the caller
    return lease;
  }
  if (cache_capacity_ == 0) {
    lease.owned_ = prepare(sql, false);
    lease.stmt_ = lease.owned_.get();
    return lease;
  }
  auto stmt = prepare(sql, true);
  ++prepared_count_;
  evict_if_full();
  cache_.emplace_front();
  CacheEntry& e = cache_.front();
  e.self = cache_.begin();
  e.sql = std::string(sql);
  e.stmt = std::move(stmt);
  by_sql_[e.sql] = &e;
  if (key) {
    e.key = key;
    e.key_owner = *compiled;
    by_key_[key] = &e;
  }
  lease.take(e);
  return lease;
}

void DriverConnection::evict_if_full() {
  if (cache_.size() < cache_capacity_) return;
  for (auto it = cache_.end(); it != cache_.begin();) {
    --it;
    if (it->in_use) continue;
    if (&*it == last_entry_) last_key_ = last_entry_ = nullptr;
    by_sql_.erase(it->sql);
    if (it->key) by_key_.erase(it->key);
    cache_.erase(it);
    return;
  }
}

void DriverConnection::acquire_other_into(StatementLease& lease, const sql::CompiledPtr& compiled) {
  lease = acquire(compiled->sql, &compiled);
}

void DriverConnection::clear_statement_cache() {
  // A statement still leased (an open result, a lease kept past close()) becomes the lease's
  // own, finalised when the lease lets go; SQLite closes the handle after its last statement.
  for (CacheEntry& e : cache_) {
    if (!e.in_use || !e.holder) continue;
    e.holder->owned_ = std::move(e.stmt);
    e.holder->entry_ = nullptr;
  }
  last_key_ = nullptr;
  last_entry_ = nullptr;
  by_key_.clear();
  by_sql_.clear();
  cache_.clear();
}

}  // namespace crucible::dialects
