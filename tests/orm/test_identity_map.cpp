// SPDX-License-Identifier: MIT
// The integer-key table of the identity map, without a database: key patterns that defeat its
// locality-keeping home (overlapping runs of consecutive keys) still find, replace and erase
// every key, before and after it switches to scrambled homes.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "crucible/orm/identity_map.hpp"

namespace orm_tests {
namespace {

using crucible::detail::InstanceState;
using crucible::detail::IntStateMap;

void check_pattern(const std::vector<std::int64_t>& keys) {
  IntStateMap map;
  std::vector<std::shared_ptr<InstanceState>> states;
  for (std::int64_t k : keys) {
    states.push_back(std::make_shared<InstanceState>());
    ASSERT_TRUE(map.emplace(k, states.back()));
  }
  ASSERT_EQ(map.size(), keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto* found = map.find(keys[i]);
    ASSERT_NE(found, nullptr) << keys[i];
    EXPECT_EQ(found->get(), states[i].get());
    EXPECT_FALSE(map.emplace(keys[i], states[i]));  // present: nothing done
  }
  EXPECT_EQ(map.find(-1), nullptr);
  for (std::size_t i = 0; i < keys.size(); i += 2) EXPECT_TRUE(map.erase(keys[i]));
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto* found = map.find(keys[i]);
    if (i % 2 == 0) {
      EXPECT_EQ(found, nullptr) << keys[i];
    } else {
      ASSERT_NE(found, nullptr) << keys[i];
      EXPECT_EQ(found->get(), states[i].get());
    }
  }
  EXPECT_EQ(map.size(), keys.size() / 2);
}

TEST(IntStateMap, OverlappingRunsOfKeys) {
  // Children loaded parent by parent: 1, 1001, 2001, ... 9001, 2, 1002, ...
  std::vector<std::int64_t> keys;
  for (std::int64_t parent = 1; parent <= 1000; ++parent)
    for (std::int64_t k = 0; k < 10; ++k) keys.push_back(parent + 1000 * k);
  check_pattern(keys);
}

TEST(IntStateMap, ConsecutiveStridedAndLargeKeys) {
  std::vector<std::int64_t> consecutive, strided, large;
  for (std::int64_t i = 1; i <= 5000; ++i) consecutive.push_back(i);
  for (std::int64_t i = 0; i < 5000; ++i) strided.push_back((i * 7919) % 100000 + 1);
  for (std::int64_t i = 0; i < 5000; ++i) large.push_back(((1'700'000'000'000 + i * 3) << 22) | (i % 7));
  check_pattern(consecutive);
  check_pattern(strided);
  check_pattern(large);
}

}  // namespace
}  // namespace orm_tests
