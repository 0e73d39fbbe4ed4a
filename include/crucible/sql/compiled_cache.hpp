// SPDX-License-Identifier: MIT
//
// CompiledCache: a small thread-safe LRU of compiled SQL keyed by (dialect, statement shape).
// The engine owns one; statements rebuilt on every call (same shape, new literals) then skip
// compilation. A statement object run again hits its own memo first and never builds a key:
// compiled, or found here, its compiled form is memoised on it.
//
// Thread-safety: every member is safe to call concurrently (one mutex; lookups are short).
//
//   sql::CompiledCache cache(500);
//   std::vector<Value> literals;
//   sql::CompiledPtr compiled = cache.get(dialect, stmt, literals);   // literals filled too
#pragma once

#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "crucible/sql/compiled.hpp"
#include "crucible/sql/dialect.hpp"
#include "crucible/sql/executable.hpp"

namespace crucible::sql {

class CompiledCache {
 public:
  explicit CompiledCache(std::size_t capacity = 500) : capacity_(capacity == 0 ? 1 : capacity) {}

  // The compiled form of `stmt` for `dialect`, with its literal values appended to `literals`:
  // the statement's memo, else this cache by shape, else a fresh compile (then cached).
  // Statements whose cache_key returns false are compiled each time, never cached.
  CompiledPtr get(const Dialect& dialect, const Executable& stmt, std::vector<Value>& literals);

  // Raw access by full key (dialect_key(dialect) + statement key).
  CompiledPtr find(const std::string& key);
  void put(const std::string& key, CompiledPtr compiled);
  static std::string dialect_key(const Dialect& dialect);

  std::size_t size() const;
  std::size_t capacity() const { return capacity_; }
  std::size_t hits() const;
  std::size_t misses() const;
  void clear();

 private:
  using Entry = std::pair<std::string, CompiledPtr>;
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  std::size_t hits_ = 0;
  std::size_t misses_ = 0;
};

}  // namespace crucible::sql
