// SPDX-License-Identifier: MIT
#include "common.hpp"

int main() {
  auto name = users_table().c<std::string>("name");
  auto i = insert(users_table()).values(set(name, 5));
  (void)i;
}
