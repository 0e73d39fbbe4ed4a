// SPDX-License-Identifier: MIT
// Control for the ORM cases: well typed, must compile.
#include "orm_common.hpp"

int count_updates(Session& session) {
  auto popular = session.query<Post>().where(col(&Post::views_count) > 10, col(&Post::title) == "x").all();
  return static_cast<int>(session.query<Post>()
                              .where(col(&Post::title).like("a%"))
                              .update(set(col(&Post::views_count), 0), set(col(&Post::title), "y")) +
                          static_cast<std::int64_t>(popular.size()));
}

int main() { return 0; }
