// SPDX-License-Identifier: MIT
// Shared mapped model for the ORM compile-fail cases.
#pragma once

#include <cstdint>
#include <string>

#include "crucible/orm/session.hpp"

using namespace crucible;

struct Post {
  std::int64_t id = 0;
  std::string title{};
  int views_count = 0;
};
CRUCIBLE_MAPPING(Post, "posts",
  column("id", &Post::id).primary_key(),
  column("title", &Post::title, String(200)),
  column("views_count", &Post::views_count));
