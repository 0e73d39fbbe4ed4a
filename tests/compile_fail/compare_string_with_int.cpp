// SPDX-License-Identifier: MIT
#include "common.hpp"

int main() {
  auto name = users_table().c<std::string>("name");
  auto s = select(name).where(name > 10);
  (void)s;
}
