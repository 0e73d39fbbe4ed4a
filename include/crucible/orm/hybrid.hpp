// SPDX-License-Identifier: MIT
//
// Hybrid properties: one name for a C++ computation on a loaded object and the SQL expression
// that computes the same thing inside a query (SQLAlchemy's @hybrid_property).
//
//   inline const crucible::Hybrid<User, bool> is_active_user{
//       [](const User& u) { return u.posts_count > 0 && u.last_login && *u.last_login > cutoff(); },
//       [] { return col(&User::posts_count) > 0 && col(&User::last_login) > cutoff(); }};
//   is_active_user(*alice);                                        // C++: bool
//   session.query<User>().where(col(is_active_user)).all();        // SQL: WHERE posts_count > ? AND ...
//
// The expression is built each time it is used, so values such as "now" are current.
// Thread-safety: immutable; share freely.
#pragma once

#include <functional>
#include <utility>

#include "crucible/sql/expression.hpp"

namespace crucible {

template <typename T, typename R>
class Hybrid {
 public:
  Hybrid(std::function<R(const T&)> value, std::function<Expr<R>()> expression)
      : value_(std::move(value)), expression_(std::move(expression)) {}
  R operator()(const T& object) const { return value_(object); }
  Expr<R> expression() const { return expression_(); }

 private:
  std::function<R(const T&)> value_;
  std::function<Expr<R>()> expression_;
};

// col(hybrid): the hybrid's SQL side, usable wherever a column expression is.
template <typename T, typename R>
Expr<R> col(const Hybrid<T, R>& hybrid) {
  return hybrid.expression();
}

}  // namespace crucible
