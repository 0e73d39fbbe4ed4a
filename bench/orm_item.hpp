// SPDX-License-Identifier: MIT
// The object the ORM benchmarks move (bench_orm_sqlite, bench_orm_servers): a key, two strings
// (one past the small-string buffer) and an integer, in table bench_orm_items.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "crucible/crucible.hpp"

namespace bench {

struct Item {
  std::int64_t id = 0;
  std::string name{};
  std::string description{};
  std::int64_t score = 0;
};
CRUCIBLE_MAPPING(Item, "bench_orm_items",
  column("id", &Item::id).primary_key(),
  column("name", &Item::name, String(100)),
  column("description", &Item::description, Text()),
  column("score", &Item::score));

// `rows` new items (no keys yet), the same on every run.
inline std::vector<Item> make_items(int rows) {
  std::vector<Item> items;
  items.reserve(static_cast<std::size_t>(rows));
  for (int i = 1; i <= rows; ++i)
    items.push_back(Item{.name = "name " + std::to_string(i),
                         .description = "a description of row " + std::to_string(i) + " with some text",
                         .score = i});
  return items;
}

}  // namespace bench
