// SPDX-License-Identifier: MIT
//
// IdentityMap: at most one object per (mapper, primary key) in a session, as SQLAlchemy's. Two
// gets or two queries that meet the same row return the same object; get() of a key already
// here runs no SQL. Single integer primary keys (the common case) take a fast path keyed by the
// integer; other keys (composite, strings, UUIDs...) by their Values.
//
// Ownership: the map holds strong references (the session owns what it manages; see state.hpp).
// Thread-safety: one session's, one thread's.
//
//   IdentityKey key = crucible::identity_key<User>(5);    // what inspect(u).identity() returns
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "crucible/core/value.hpp"
#include "crucible/orm/mapper.hpp"
#include "crucible/orm/state.hpp"

namespace crucible {

struct IdentityKey {
  const Mapper* mapper = nullptr;
  std::vector<Value> values;  // primary key values, in primary key column order
  friend bool operator==(const IdentityKey&, const IdentityKey&) = default;
  // "User(5)", "Membership(3, 'admin')"
  std::string to_string() const;
};

namespace detail {

struct ValuesHash {
  std::size_t operator()(const std::vector<Value>& values) const;
};

// Integer key -> state, open addressing with linear probing and backward-shift deletion: one
// flat array of (key, state) slots, no node allocation per object. Load factor at most 0.8.
// Keys start at their own low bits (see home()); a table whose keys pile into one long probe run
// (runs of consecutive keys landing on each other: children of a few parents, 1, 1001, 2001...)
// switches to a multiplicative hash for the rest of its life.
class IntStateMap {
 public:
  using StatePtr = std::shared_ptr<InstanceState>;
  const StatePtr* find(std::int64_t key) const;
  bool emplace(std::int64_t key, const StatePtr& state);  // false (nothing done) when present
  bool erase(std::int64_t key);
  void reserve(std::size_t n);
  std::size_t size() const { return size_; }
  template <typename F>
  void for_each(F&& fn) const {
    for (const auto& slot : slots_)
      if (slot.state) fn(slot.state);
  }

 private:
  struct Slot {
    std::int64_t key = 0;
    StatePtr state;  // empty: free slot
  };
  // Keys are mostly consecutive (autoincrement): their low bits are their home, so a load or a
  // flush of ascending keys walks the array in order instead of missing the cache per object;
  // the higher bits are folded in so that strided keys still spread. Runs of consecutive keys
  // that overlap make linear probing quadratic, though: once an insert probes more than
  // kMaxRun slots the table is rehashed with Fibonacci hashing (scrambled_), which spreads any
  // key pattern at the price of that locality.
  static constexpr std::size_t kMaxRun = 32;
  std::size_t home(std::int64_t key) const {
    const auto k = static_cast<std::uint64_t>(key);
    if (scrambled_) return static_cast<std::size_t>((k * 0x9E3779B97F4A7C15ULL) >> (64 - bits_));
    return static_cast<std::size_t>((k ^ (k >> bits_) ^ (k >> (2 * bits_))) & mask_);
  }
  void rehash(std::size_t capacity);
  std::vector<Slot> slots_;
  std::size_t size_ = 0;
  std::size_t mask_ = 0;
  unsigned bits_ = 0;
  bool scrambled_ = false;
};

class IdentityMap {
 public:
  using StatePtr = std::shared_ptr<InstanceState>;

  // Empty when absent.
  StatePtr find(const Mapper& mapper, std::int64_t key) const;
  // The held pointer (no reference count traffic), nullptr when absent; valid until the map changes.
  const StatePtr* lookup(const Mapper& mapper, std::int64_t key) const {
    return mapper.index() < tables_.size() ? tables_[mapper.index()].ints.find(key) : nullptr;
  }
  StatePtr find(const Mapper& mapper, const std::vector<Value>& key) const;
  StatePtr find(const InstanceState& like) const;  // by like's identity
  // Adds a state whose identity is set; InvalidRequestError when another object holds the key.
  void add(const StatePtr& state);
  // Removes the state (by its identity) if it is the one held.
  void remove(const InstanceState& state);
  void clear();
  std::size_t size() const { return size_; }
  // Every held state (order unspecified).
  template <typename F>
  void for_each(F&& fn) const {
    for (const auto& table : tables_) visit(table, fn);
  }
  // Every held state of one mapper.
  template <typename F>
  void for_each_of(const Mapper& mapper, F&& fn) const {
    if (mapper.index() < tables_.size()) visit(tables_[mapper.index()], fn);
  }
  // Every held state of the mappers `scope` marks (indexed by Mapper::index()).
  template <typename F>
  void for_each_in(const std::vector<char>& scope, F&& fn) const {
    for (std::size_t i = 0; i < tables_.size() && i < scope.size(); ++i)
      if (scope[i]) visit(tables_[i], fn);
  }
  void reserve(const Mapper& mapper, std::size_t n);

 private:
  struct PerMapper {
    IntStateMap ints;
    std::unordered_map<std::vector<Value>, StatePtr, ValuesHash> others;
  };
  template <typename F>
  static void visit(const PerMapper& table, F& fn) {
    table.ints.for_each(fn);
    for (const auto& [k, s] : table.others) fn(s);
  }
  PerMapper& table(const Mapper& mapper) {
    return mapper.index() < tables_.size() ? tables_[mapper.index()] : grow_to(mapper);
  }
  PerMapper& grow_to(const Mapper& mapper);
  const PerMapper* table_if(const Mapper& mapper) const;
  std::vector<PerMapper> tables_;  // indexed by Mapper::index()
  std::size_t size_ = 0;
};

// Reads the identity of `state` from its primary key members into the state.
void assign_identity(InstanceState& state);
IdentityKey identity_of(const InstanceState& state);

}  // namespace detail

template <typename T>
IdentityKey identity_key(std::vector<Value> values) {
  return IdentityKey{&mapper_of<T>(), std::move(values)};
}

}  // namespace crucible
