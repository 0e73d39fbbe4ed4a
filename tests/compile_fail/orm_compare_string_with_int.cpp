// SPDX-License-Identifier: MIT
#include "orm_common.hpp"

int main() {
  auto e = col(&Post::title) > 10;
  (void)e;
}
