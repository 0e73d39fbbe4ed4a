// SPDX-License-Identifier: MIT
//
// A small generic topological sort (Kahn's algorithm), stable with respect to the input order:
// among items whose dependencies are satisfied, the one listed first comes first. It knows
// nothing of tables or mapped objects; MetaData::sorted_tables and the ORM unit of work both
// use it.
//
// Thread-safety: a pure function.
//
//   std::vector<std::string> items{"posts", "users"};
//   std::vector<std::pair<std::string, std::string>> deps{{"users", "posts"}};  // users before posts
//   auto r = crucible::detail::topological_sort(items, deps);
//   // r.sorted == {"users", "posts"}, r.cyclic empty
#pragma once

#include <cstddef>
#include <unordered_map>
#include <utility>
#include <vector>

namespace crucible::detail {

template <typename T>
struct TopologicalResult {
  std::vector<T> sorted;  // every item not caught in a cycle, dependencies first
  std::vector<T> cyclic;  // items left over because they sit on (or behind) a cycle, input order
};

// `edges` are (before, after) pairs; edges naming unknown items and self edges are ignored.
template <typename T, typename Hash = std::hash<T>>
TopologicalResult<T> topological_sort(const std::vector<T>& items,
                                      const std::vector<std::pair<T, T>>& edges) {
  std::unordered_map<T, std::size_t, Hash> index;
  index.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) index.emplace(items[i], i);

  std::vector<std::vector<std::size_t>> after(items.size());
  std::vector<std::size_t> pending(items.size(), 0);
  for (const auto& [before, later] : edges) {
    auto b = index.find(before);
    auto a = index.find(later);
    if (b == index.end() || a == index.end() || b->second == a->second) continue;
    after[b->second].push_back(a->second);
    ++pending[a->second];
  }

  // Ready items are taken lowest input index first, which keeps the order stable. Item counts
  // are small (tables, flush actions), so a linear scan beats a heap.
  TopologicalResult<T> result;
  std::vector<bool> done(items.size(), false);
  for (std::size_t emitted = 0; emitted < items.size(); ++emitted) {
    std::size_t next = items.size();
    for (std::size_t i = 0; i < items.size(); ++i)
      if (!done[i] && pending[i] == 0) {
        next = i;
        break;
      }
    if (next == items.size()) break;
    done[next] = true;
    result.sorted.push_back(items[next]);
    for (auto a : after[next]) --pending[a];
  }
  for (std::size_t i = 0; i < items.size(); ++i)
    if (!done[i]) result.cyclic.push_back(items[i]);
  return result;
}

}  // namespace crucible::detail
