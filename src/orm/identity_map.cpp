// SPDX-License-Identifier: MIT
#include "crucible/orm/identity_map.hpp"

#include <algorithm>
#include <functional>
#include <string>
#include <utility>

namespace crucible {

std::string IdentityKey::to_string() const {
  std::string out = mapper ? mapper->class_name() : "?";
  out += '(';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ", ";
    out += values[i].to_display();
  }
  out += ')';
  return out;
}

namespace detail {

std::size_t ValuesHash::operator()(const std::vector<Value>& values) const {
  std::size_t h = values.size();
  for (const auto& v : values) {
    std::size_t x = std::visit(
        [](const auto& alt) -> std::size_t {
          using A = std::decay_t<decltype(alt)>;
          if constexpr (std::is_same_v<A, std::int64_t> || std::is_same_v<A, bool> ||
                        std::is_same_v<A, double> || std::is_same_v<A, std::string>)
            return std::hash<A>{}(alt);
          else if constexpr (std::is_same_v<A, Null>)
            return 0;
          else
            return std::hash<std::string>{}(Value(alt).to_display());
        },
        v.variant());
    h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  }
  return h;
}

// ---- IntStateMap -------------------------------------------------------------------------------

const IntStateMap::StatePtr* IntStateMap::find(std::int64_t key) const {
  if (size_ == 0) return nullptr;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = home(key);; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (!slot.state) return nullptr;
    if (slot.key == key) return &slot.state;
  }
}

bool IntStateMap::emplace(std::int64_t key, const StatePtr& state) {
  if ((size_ + 1) * 5 > slots_.size() * 4) rehash(std::max<std::size_t>(16, slots_.size() * 2));
  const std::size_t mask = slots_.size() - 1;
  std::size_t run = 0;
  for (std::size_t i = home(key);; i = (i + 1) & mask, ++run) {
    Slot& slot = slots_[i];
    if (!slot.state) {
      if (run > kMaxRun && !scrambled_) {
        // Long runs only grow: spread the keys now (the key is not in the table, see above).
        scrambled_ = true;
        rehash(slots_.size());
        return emplace(key, state);
      }
      slot.key = key;
      slot.state = state;
      ++size_;
      return true;
    }
    if (slot.key == key) return false;
  }
}

bool IntStateMap::erase(std::int64_t key) {
  if (size_ == 0) return false;
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = home(key);
  for (;; i = (i + 1) & mask) {
    if (!slots_[i].state) return false;
    if (slots_[i].key == key) break;
  }
  // Backward shift: move later entries of the probe run into the hole when their home allows.
  for (std::size_t j = (i + 1) & mask; slots_[j].state; j = (j + 1) & mask) {
    const std::size_t k = home(slots_[j].key);
    if (((j - k) & mask) >= ((j - i) & mask)) {
      slots_[i] = std::move(slots_[j]);
      i = j;
    }
  }
  slots_[i].state.reset();
  --size_;
  return true;
}

void IntStateMap::reserve(std::size_t n) {
  std::size_t capacity = 16;
  while (n * 5 > capacity * 4) capacity *= 2;
  if (capacity > slots_.size()) rehash(capacity);
}

void IntStateMap::rehash(std::size_t capacity) {
  std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(capacity));
  bits_ = 0;
  for (std::size_t c = capacity; c > 1; c >>= 1) ++bits_;
  mask_ = capacity - 1;
  const std::size_t mask = mask_;
  for (auto& slot : old) {
    if (!slot.state) continue;
    std::size_t i = home(slot.key);
    while (slots_[i].state) i = (i + 1) & mask;
    slots_[i] = std::move(slot);
  }
}

// ---- IdentityMap -------------------------------------------------------------------------------

IdentityMap::PerMapper& IdentityMap::grow_to(const Mapper& mapper) {
  tables_.resize(mapper.index() + 1);
  return tables_[mapper.index()];
}

const IdentityMap::PerMapper* IdentityMap::table_if(const Mapper& mapper) const {
  return mapper.index() < tables_.size() ? &tables_[mapper.index()] : nullptr;
}

IdentityMap::StatePtr IdentityMap::find(const Mapper& mapper, std::int64_t key) const {
  const PerMapper* t = table_if(mapper);
  if (!t) return nullptr;
  const StatePtr* found = t->ints.find(key);
  return found ? *found : nullptr;
}

IdentityMap::StatePtr IdentityMap::find(const Mapper& mapper, const std::vector<Value>& key) const {
  if (mapper.integer_primary_key()) {
    if (key.size() == 1 && key[0].holds<std::int64_t>()) return find(mapper, key[0].get<std::int64_t>());
    return nullptr;
  }
  const PerMapper* t = table_if(mapper);
  if (!t) return nullptr;
  auto it = t->others.find(key);
  return it == t->others.end() ? nullptr : it->second;
}

IdentityMap::StatePtr IdentityMap::find(const InstanceState& like) const {
  if (!like.has_identity) return nullptr;
  return like.mapper->integer_primary_key() ? find(*like.mapper, like.int_key) : find(*like.mapper, *like.key);
}

void IdentityMap::add(const StatePtr& state) {
  PerMapper& t = table(*state->mapper);
  bool inserted;
  if (state->mapper->integer_primary_key()) inserted = t.ints.emplace(state->int_key, state);
  else inserted = t.others.emplace(*state->key, state).second;
  if (!inserted) {
    if (find(*state) == state) return;
    throw InvalidRequestError("another object with identity " + identity_of(*state).to_string() +
                              " is already in this session");
  }
  ++size_;
}

void IdentityMap::remove(const InstanceState& state) {
  if (find(state).get() != &state) return;
  PerMapper& t = table(*state.mapper);
  if (state.mapper->integer_primary_key()) t.ints.erase(state.int_key);
  else t.others.erase(*state.key);
  --size_;
}

void IdentityMap::clear() {
  tables_.clear();
  size_ = 0;
}

void IdentityMap::reserve(const Mapper& mapper, std::size_t n) {
  PerMapper& t = table(mapper);
  if (mapper.integer_primary_key()) t.ints.reserve(t.ints.size() + n);
}

void assign_identity(InstanceState& state) {
  const Mapper& m = *state.mapper;
  if (m.integer_primary_key()) {
    m.primary_key()[0]->integer(state, state.int_key);
  } else {
    if (state.key) state.key->clear();
    else state.key = std::make_unique<std::vector<Value>>();
    for (const Attribute* a : m.primary_key()) state.key->push_back(a->get(state));
  }
  state.has_identity = true;
}

IdentityKey identity_of(const InstanceState& state) {
  IdentityKey k{state.mapper, {}};
  if (state.mapper->integer_primary_key()) k.values.emplace_back(state.int_key);
  else if (state.key) k.values = *state.key;
  return k;
}

}  // namespace detail
}  // namespace crucible
