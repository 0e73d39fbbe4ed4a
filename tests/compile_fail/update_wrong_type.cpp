// SPDX-License-Identifier: MIT
#include "common.hpp"

int main() {
  auto id = users_table().c<std::int64_t>("id");
  auto u = update(users_table()).values(set(id, "x"));
  (void)u;
}
