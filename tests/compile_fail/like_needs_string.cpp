// SPDX-License-Identifier: MIT
#include "common.hpp"

int main() {
  auto id = users_table().c<std::int64_t>("id");
  auto s = select(id).where(id.like("1%"));
  (void)s;
}
