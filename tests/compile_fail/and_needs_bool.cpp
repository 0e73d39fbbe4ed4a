// SPDX-License-Identifier: MIT
#include "common.hpp"

int main() {
  auto id = users_table().c<std::int64_t>("id");
  auto name = users_table().c<std::string>("name");
  auto s = select(id).where(id == 1 && name);
  (void)s;
}
