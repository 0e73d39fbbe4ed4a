// SPDX-License-Identifier: MIT
// Assigning through the ORM's bulk update: the column's C++ type decides what it accepts.
#include "orm_common.hpp"

std::int64_t archive(Session& session) {
  return session.query<Post>().update(set(col(&Post::views_count), "many"));
}

int main() { return 0; }
