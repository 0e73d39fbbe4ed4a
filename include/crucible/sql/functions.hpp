// SPDX-License-Identifier: MIT
//
// SQL functions as typed expressions: crucible::func::count(), sum, avg, min, max, coalesce,
// lower, upper, now, the window functions row_number / rank / dense_rank, and the generic
// func::call<R>("name", args...) for anything else (rendered as name(args...)).
//
// Thread-safety: builds immutable expressions.
//
//   select(func::count()).select_from(users);
//   select(posts.c<std::int64_t>("user_id"), func::count(posts.c<std::int64_t>("id")).label("n"))
//       .group_by(posts.c<std::int64_t>("user_id"));
//   func::row_number().over(partition_by(user_id), order_by(created_at.desc()));
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "crucible/sql/expression.hpp"

namespace crucible::func {

namespace detail {
using crucible::detail::IsExpr;
using crucible::detail::unopt_t;
template <typename E>
using value_of = unopt_t<typename std::remove_cvref_t<E>::value_type>;
}  // namespace detail

// count(*)
inline Expr<std::int64_t> count() {
  return Expr<std::int64_t>(crucible::detail::make_function(
      "count", {std::make_shared<sql::StarNode>()}, BigInteger()));
}
// count(expr); count(expr.distinct()) for COUNT(DISTINCT expr).
template <typename E>
  requires detail::IsExpr<E>
Expr<std::int64_t> count(const E& e) {
  return Expr<std::int64_t>(crucible::detail::make_function("count", {e.node()}, BigInteger()));
}

// Aggregates over no rows give NULL, hence optional results.
template <typename E>
  requires detail::IsExpr<E>
Expr<std::optional<detail::value_of<E>>> sum(const E& e) {
  crucible::detail::check_arithmetic<E, E>();
  return Expr<std::optional<detail::value_of<E>>>(
      crucible::detail::make_function("sum", {e.node()}, e.sql_type()));
}
template <typename E>
  requires detail::IsExpr<E>
Expr<std::optional<double>> avg(const E& e) {
  crucible::detail::check_arithmetic<E, E>();
  return Expr<std::optional<double>>(crucible::detail::make_function("avg", {e.node()}, Double()));
}
template <typename E>
  requires detail::IsExpr<E>
Expr<std::optional<detail::value_of<E>>> min(const E& e) {
  return Expr<std::optional<detail::value_of<E>>>(
      crucible::detail::make_function("min", {e.node()}, e.sql_type()));
}
template <typename E>
  requires detail::IsExpr<E>
Expr<std::optional<detail::value_of<E>>> max(const E& e) {
  return Expr<std::optional<detail::value_of<E>>>(
      crucible::detail::make_function("max", {e.node()}, e.sql_type()));
}

// coalesce(x, fallback...): the first non-NULL argument; fallbacks must compare with x.
template <typename E, typename... A>
  requires detail::IsExpr<E>
Expr<detail::value_of<E>> coalesce(const E& e, const A&... fallbacks) {
  (crucible::detail::check_comparable<typename std::remove_cvref_t<E>::value_type, A>(), ...);
  return Expr<detail::value_of<E>>(crucible::detail::make_function(
      "coalesce", {e.node(), crucible::detail::to_node(fallbacks, e.sql_type())...}, e.sql_type()));
}

template <typename E>
  requires detail::IsExpr<E>
Expr<std::string> lower(const E& e) {
  crucible::detail::check_string<E>();
  return Expr<std::string>(crucible::detail::make_function("lower", {e.node()}, String()));
}
template <typename E>
  requires detail::IsExpr<E>
Expr<std::string> upper(const E& e) {
  crucible::detail::check_string<E>();
  return Expr<std::string>(crucible::detail::make_function("upper", {e.node()}, String()));
}

// The current timestamp (now() on PostgreSQL / MySQL, CURRENT_TIMESTAMP on SQLite).
inline Expr<DateTime> now() {
  return Expr<DateTime>(crucible::detail::make_function("now", {}, DateTimeType()));
}

inline Expr<std::int64_t> row_number() {
  return Expr<std::int64_t>(crucible::detail::make_function("row_number", {}, BigInteger()));
}
inline Expr<std::int64_t> rank() {
  return Expr<std::int64_t>(crucible::detail::make_function("rank", {}, BigInteger()));
}
inline Expr<std::int64_t> dense_rank() {
  return Expr<std::int64_t>(crucible::detail::make_function("dense_rank", {}, BigInteger()));
}

// Any other function: func::call<std::int64_t>("length", name). R defaults to Value (untyped,
// compares with anything). Plain values become bound parameters.
template <typename R = Value, typename... A>
Expr<R> call(std::string name, const A&... args) {
  return Expr<R>(crucible::detail::make_function(
      std::move(name), {crucible::detail::to_node(args, NullType())...},
      crucible::detail::default_sql_type<R>()));
}

}  // namespace crucible::func
