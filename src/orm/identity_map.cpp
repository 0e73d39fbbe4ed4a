// SPDX-License-Identifier: MIT
#include "crucible/orm/identity_map.hpp"

#include <functional>
#include <string>

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

IdentityMap::PerMapper& IdentityMap::table(const Mapper& mapper) {
  if (tables_.size() <= mapper.index()) tables_.resize(mapper.index() + 1);
  return tables_[mapper.index()];
}

const IdentityMap::PerMapper* IdentityMap::table_if(const Mapper& mapper) const {
  return mapper.index() < tables_.size() ? &tables_[mapper.index()] : nullptr;
}

IdentityMap::StatePtr IdentityMap::find(const Mapper& mapper, std::int64_t key) const {
  const PerMapper* t = table_if(mapper);
  if (!t) return nullptr;
  auto it = t->ints.find(key);
  return it == t->ints.end() ? nullptr : it->second;
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
  return like.mapper->integer_primary_key() ? find(*like.mapper, like.int_key) : find(*like.mapper, like.key);
}

void IdentityMap::add(const StatePtr& state) {
  PerMapper& t = table(*state->mapper);
  bool inserted;
  if (state->mapper->integer_primary_key()) inserted = t.ints.emplace(state->int_key, state).second;
  else inserted = t.others.emplace(state->key, state).second;
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
  else t.others.erase(state.key);
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
    state.key.clear();
    for (const Attribute* a : m.primary_key()) state.key.push_back(a->get(state));
  }
  state.has_identity = true;
}

IdentityKey identity_of(const InstanceState& state) {
  IdentityKey k{state.mapper, {}};
  if (state.mapper->integer_primary_key()) k.values.emplace_back(state.int_key);
  else k.values = state.key;
  return k;
}

}  // namespace detail
}  // namespace crucible
