// SPDX-License-Identifier: MIT
// Control: everything here is well typed and must compile.
#include <optional>

#include "common.hpp"

int main() {
  auto& users = users_table();
  auto id = users.c<std::int64_t>("id");
  auto name = users.c<std::string>("name");
  auto email = users.c<std::optional<std::string>>("name");
  auto s = select(id, name).where(id > 10, name == "a", id == short{3}, id < 2.5, email == null, email == "x",
                                  name.like("a%") && !(id == 3));
  auto i = insert(users).values(set(name, "bob"), set(id, 5));
  auto u = update(users).values(set(id, id + 1), set(email, null)).where(name != std::string("x"));
  (void)s;
  (void)i;
  (void)u;
  return 0;
}
