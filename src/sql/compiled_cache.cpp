// SPDX-License-Identifier: MIT
#include "crucible/sql/compiled_cache.hpp"

namespace crucible::sql {

std::string CompiledCache::dialect_key(const Dialect& dialect) {
  std::string key(dialect.name());
  key += '#';
  key += std::to_string(dialect.serial());
  key += '|';
  return key;
}

CompiledPtr CompiledCache::get(const Dialect& dialect, const Executable& stmt, std::vector<Value>& literals) {
  if (const CompiledPtr* memo = stmt.memoized(dialect)) {
    stmt.extract_literals(literals);
    return *memo;
  }
  std::string key = dialect_key(dialect);
  std::size_t mark = literals.size();
  if (!stmt.cache_key(key, literals)) {
    literals.resize(mark);
    stmt.extract_literals(literals);
    return stmt.compile(dialect);
  }
  if (auto hit = find(key)) {
    stmt.memoize(dialect, hit);  // its next execution answers from its memo, with no key built
    return hit;
  }
  auto compiled = stmt.compile(dialect);
  put(key, compiled);
  return compiled;
}

CompiledPtr CompiledCache::find(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = index_.find(key);
  if (it == index_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void CompiledCache::put(const std::string& key, CompiledPtr compiled) {
  std::lock_guard lock(mutex_);
  auto it = index_.find(key);
  if (it != index_.end()) {
    it->second->second = std::move(compiled);
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  lru_.emplace_front(key, std::move(compiled));
  index_.emplace(key, lru_.begin());
  while (lru_.size() > capacity_) {
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

std::size_t CompiledCache::size() const {
  std::lock_guard lock(mutex_);
  return lru_.size();
}
std::size_t CompiledCache::hits() const {
  std::lock_guard lock(mutex_);
  return hits_;
}
std::size_t CompiledCache::misses() const {
  std::lock_guard lock(mutex_);
  return misses_;
}
void CompiledCache::clear() {
  std::lock_guard lock(mutex_);
  lru_.clear();
  index_.clear();
}

}  // namespace crucible::sql
