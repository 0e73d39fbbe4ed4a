// SPDX-License-Identifier: MIT
//
// Expr<T>: a typed SQL expression whose values are of C++ type T. A thin wrapper over a
// shared, immutable node of the runtime tree (sql/nodes.hpp); every operator lowers at once to
// that tree, so template depth stays at one level and errors stop at the API surface.
//
// Column handles are Expr<T> (Table::c<T>("name")). Literal operands become bound parameters.
// Type rules (sql/detail/type_rules.hpp): a std::string column compares with strings only, a
// numeric column with any number, optional<T> columns accept T and NULL; violations fail to
// compile with one sentence ("crucible: cannot compare a std::string column with a number").
//
// Thread-safety: immutable values; copy and share freely.
//
//   auto id = users.c<std::int64_t>("id");
//   auto name = users.c<std::string>("name");
//   Expr<bool> cond = (id > 10 && name.startswith("a")) || name == null;
//   select(id, name).where(cond).order_by(name.desc().nulls_last());
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crucible/core/types.hpp"
#include "crucible/core/value.hpp"
#include "crucible/sql/detail/type_rules.hpp"
#include "crucible/sql/nodes.hpp"

namespace crucible {

template <typename T>
class Expr;
class OrderBy;
struct Window;

namespace detail {
using sql::NodeList;
using sql::NodePtr;

NodePtr make_literal(Value v, SqlType type);
NodePtr make_bind_param(std::string name, SqlType type);
NodePtr make_raw_sql(std::string sql, SqlType type);
NodePtr make_compare(sql::BinaryOp op, NodePtr left, NodePtr right);  // == NULL -> IS NULL
NodePtr make_binary(sql::BinaryOp op, NodePtr left, NodePtr right, SqlType type);
NodePtr make_unary(sql::UnaryOp op, NodePtr operand, SqlType type);
NodePtr make_and(NodePtr a, NodePtr b);
NodePtr make_or(NodePtr a, NodePtr b);
NodePtr make_in_list(NodePtr expr, NodeList items, bool negate);
NodePtr make_in_select(NodePtr expr, NodePtr select, bool negate);
NodePtr make_between(NodePtr expr, NodePtr low, NodePtr high, bool negate);
NodePtr make_like(NodePtr expr, NodePtr pattern, bool case_insensitive, bool negate, char escape);
// contains / startswith / endswith: escapes % _ and the escape character in `text`, then wraps
// it in % as asked; the result is bound with ESCAPE '/'.
NodePtr make_pattern_like(NodePtr expr, std::string_view text, bool leading, bool trailing,
                          bool case_insensitive);
NodePtr make_is_null(NodePtr expr, bool negate);
NodePtr make_label(NodePtr expr, std::string name);
NodePtr make_cast(NodePtr expr, SqlType type);
NodePtr make_function(std::string name, NodeList args, SqlType type);
NodePtr make_over(NodePtr function, NodeList partition_by, NodeList order_by);
NodePtr make_order(NodePtr expr, sql::Direction dir, sql::NullsOrder nulls);

// The SQL type a C++ value type defaults to, or NullType() for types without one.
template <typename U>
SqlType default_sql_type() {
  using V = unopt_t<U>;
  if constexpr (requires { TypeTraits<V>::default_type(); }) return TypeTraits<V>::default_type();
  else if constexpr (std::is_integral_v<V> && !std::is_same_v<V, bool>) return BigInteger();
  else if constexpr (category<V>() == Cat::string) return String();
  else return NullType();
}

template <typename U>
Value to_value(const U& v) {
  using D = std::remove_cvref_t<U>;
  if constexpr (std::is_same_v<D, Value>) {
    return v;
  } else if constexpr (category<D>() == Cat::null) {
    return Value();
  } else if constexpr (requires { typename D::value_type; v.has_value(); } &&
                       !std::is_convertible_v<const D&, std::string_view>) {
    return v ? to_value(*v) : Value();  // std::optional<T>
  } else if constexpr (std::is_enum_v<D>) {
    return Value(std::string(enum_to_label(v)));
  } else {
    return Value(v);
  }
}

// Turns an operand into a node: expressions pass through, values become bound literals typed
// after `hint` (the other side of the comparison) when it is known.
template <typename U>
NodePtr to_node(const U& v, const SqlType& hint) {
  if constexpr (IsExpr<U>) {
    return v.node();
  } else if constexpr (category<U>() == Cat::null) {
    return sql::make_null();
  } else {
    return make_literal(to_value(v), hint.kind == TypeKind::null_type ? default_sql_type<U>() : hint);
  }
}

template <typename E>
struct expr_value {
  using type = void;
};
template <typename E>
  requires IsExpr<E>
struct expr_value<E> {
  using type = typename std::remove_cvref_t<E>::value_type;
};
// Arithmetic yields the expression side's type, or double when either side is floating.
template <typename L, typename R>
using arithmetic_result_t =
    std::conditional_t<category<L>() == Cat::floating || category<R>() == Cat::floating, double,
                       std::conditional_t<IsExpr<L>, typename expr_value<L>::type, typename expr_value<R>::type>>;
}  // namespace detail

// ORDER BY item: expr.asc() / expr.desc() / asc(expr), with NULLS FIRST / LAST.
class OrderBy {
 public:
  OrderBy(sql::NodePtr expr, sql::Direction dir, sql::NullsOrder nulls = sql::NullsOrder::none)
      : expr_(std::move(expr)), dir_(dir), nulls_(nulls) {}
  OrderBy nulls_first() const { return {expr_, dir_, sql::NullsOrder::first}; }
  OrderBy nulls_last() const { return {expr_, dir_, sql::NullsOrder::last}; }
  sql::NodePtr node() const { return detail::make_order(expr_, dir_, nulls_); }

 private:
  sql::NodePtr expr_;
  sql::Direction dir_;
  sql::NullsOrder nulls_;
};

// Window specification for Expr::over: over(partition_by(a), order_by(b.desc())).
struct PartitionBy {
  sql::NodeList items;
};
struct OrderByList {
  sql::NodeList items;
};
namespace detail {
inline sql::NodePtr order_node(const OrderBy& o) { return o.node(); }
template <typename E>
  requires IsExpr<E>
sql::NodePtr order_node(const E& e) {
  return e.node();
}
}  // namespace detail
template <typename... E>
PartitionBy partition_by(const E&... e) {
  return {{e.node()...}};
}
template <typename... E>
OrderByList order_by(const E&... e) {
  return {{detail::order_node(e)...}};
}

template <typename T>
class Expr {
 public:
  using value_type = T;
  static constexpr bool is_crucible_expr = true;

  Expr() = default;  // empty; only for assigning later
  explicit Expr(sql::NodePtr node) : node_(std::move(node)) {}

  const sql::NodePtr& node() const { return node_; }
  const SqlType& sql_type() const { return node_->type(); }
  // For a column (or a labelled column): which one, so a Row can be read by it
  // (row.get(users_name)); an empty source for other expressions.
  detail::ColumnSource result_source() const { return sql::column_source(*node_); }

  Expr label(std::string name) const { return Expr(detail::make_label(node_, std::move(name))); }
  OrderBy asc() const { return {node_, sql::Direction::asc}; }
  OrderBy desc() const { return {node_, sql::Direction::desc}; }
  // DISTINCT x, as in count(x.distinct()).
  Expr distinct() const { return Expr(detail::make_unary(sql::UnaryOp::distinct, node_, sql_type())); }

  template <typename U>
  Expr<bool> in_(const std::vector<U>& values) const {
    return in_impl<U>(values.begin(), values.end(), false);
  }
  template <typename U>
  Expr<bool> in_(std::initializer_list<U> values) const {
    return in_impl<U>(values.begin(), values.end(), false);
  }
  template <typename U>
  Expr<bool> not_in(const std::vector<U>& values) const {
    return in_impl<U>(values.begin(), values.end(), true);
  }
  template <typename U>
  Expr<bool> not_in(std::initializer_list<U> values) const {
    return in_impl<U>(values.begin(), values.end(), true);
  }
  // IN (subquery): any select-like statement with one column.
  template <typename S>
    requires requires(const S& s) { s.select_node(); }
  Expr<bool> in_(const S& select) const {
    return Expr<bool>(detail::make_in_select(node_, select.select_node(), false));
  }
  template <typename S>
    requires requires(const S& s) { s.select_node(); }
  Expr<bool> not_in(const S& select) const {
    return Expr<bool>(detail::make_in_select(node_, select.select_node(), true));
  }

  template <typename L, typename H>
  Expr<bool> between(const L& low, const H& high) const {
    detail::check_orderable<T, L>();
    detail::check_orderable<T, H>();
    return Expr<bool>(detail::make_between(node_, detail::to_node(low, sql_type()),
                                           detail::to_node(high, sql_type()), false));
  }

  template <typename P>
  Expr<bool> like(const P& pattern, char escape = 0) const {
    return like_impl(pattern, false, false, escape);
  }
  template <typename P>
  Expr<bool> not_like(const P& pattern, char escape = 0) const {
    return like_impl(pattern, false, true, escape);
  }
  // Case-insensitive LIKE: ILIKE on PostgreSQL, lower(x) LIKE lower(y) elsewhere.
  template <typename P>
  Expr<bool> ilike(const P& pattern, char escape = 0) const {
    return like_impl(pattern, true, false, escape);
  }
  template <typename P>
  Expr<bool> not_ilike(const P& pattern, char escape = 0) const {
    return like_impl(pattern, true, true, escape);
  }
  // Substring tests with % and _ in `text` matched literally (escaped, ESCAPE '/').
  Expr<bool> contains(std::string_view text) const { return pattern(text, true, true); }
  Expr<bool> startswith(std::string_view text) const { return pattern(text, false, true); }
  Expr<bool> endswith(std::string_view text) const { return pattern(text, true, false); }

  Expr<bool> is_null() const { return Expr<bool>(detail::make_is_null(node_, false)); }
  Expr<bool> is_not_null() const { return Expr<bool>(detail::make_is_null(node_, true)); }

  // Window function call: func::row_number().over(partition_by(a), order_by(b.desc())).
  Expr over() const { return Expr(detail::make_over(node_, {}, {})); }
  Expr over(PartitionBy p) const { return Expr(detail::make_over(node_, std::move(p.items), {})); }
  Expr over(OrderByList o) const { return Expr(detail::make_over(node_, {}, std::move(o.items))); }
  Expr over(PartitionBy p, OrderByList o) const {
    return Expr(detail::make_over(node_, std::move(p.items), std::move(o.items)));
  }

 private:
  template <typename U, typename It>
  Expr<bool> in_impl(It first, It last, bool negate) const {
    detail::check_comparable<T, U>();
    sql::NodeList items;
    for (; first != last; ++first) items.push_back(detail::to_node(*first, sql_type()));
    return Expr<bool>(detail::make_in_list(node_, std::move(items), negate));
  }
  template <typename P>
  Expr<bool> like_impl(const P& pat, bool ci, bool negate, char escape) const {
    detail::check_string<T>();
    detail::check_string<P>();
    return Expr<bool>(detail::make_like(node_, detail::to_node(pat, sql_type()), ci, negate, escape));
  }
  Expr<bool> pattern(std::string_view text, bool leading, bool trailing) const {
    detail::check_string<T>();
    return Expr<bool>(detail::make_pattern_like(node_, text, leading, trailing, false));
  }

  sql::NodePtr node_;
};

template <typename E>
  requires detail::IsExpr<E>
OrderBy asc(const E& e) {
  return {e.node(), sql::Direction::asc};
}
template <typename E>
  requires detail::IsExpr<E>
OrderBy desc(const E& e) {
  return {e.node(), sql::Direction::desc};
}

// ----- operators -------------------------------------------------------------------------------
// Each takes any pair where at least one side is an expression; the type rule is checked in the
// body so a mismatch reports one sentence rather than a list of rejected overloads.

namespace detail {
template <typename L, typename R>
constexpr void check_pair_comparable() {
  if constexpr (IsExpr<L>) check_comparable<typename std::remove_cvref_t<L>::value_type, R>();
  else check_comparable<typename std::remove_cvref_t<R>::value_type, L>();
}
template <typename L, typename R>
constexpr void check_pair_orderable() {
  if constexpr (IsExpr<L>) check_orderable<typename std::remove_cvref_t<L>::value_type, R>();
  else check_orderable<typename std::remove_cvref_t<R>::value_type, L>();
}
template <typename L, typename R>
Expr<bool> compare(sql::BinaryOp op, const L& l, const R& r) {
  if constexpr (IsExpr<L>) {
    auto ln = l.node();
    return Expr<bool>(make_compare(op, ln, to_node(r, ln->type())));
  } else {
    auto rn = r.node();
    return Expr<bool>(make_compare(op, to_node(l, rn->type()), rn));
  }
}
// Both operands as nodes; a plain value is typed after the expression on the other side.
template <typename L, typename R>
std::pair<NodePtr, NodePtr> arithmetic_operands(const L& l, const R& r) {
  if constexpr (IsExpr<L>) {
    NodePtr ln = l.node();
    NodePtr rn = to_node(r, ln->type());
    return {std::move(ln), std::move(rn)};
  } else {
    NodePtr rn = r.node();
    NodePtr ln = to_node(l, rn->type());
    return {std::move(ln), std::move(rn)};
  }
}
template <typename L, typename R>
auto arithmetic(sql::BinaryOp op, const L& l, const R& r) {
  check_arithmetic<L, R>();
  using Result = arithmetic_result_t<L, R>;
  auto [ln, rn] = arithmetic_operands(l, r);
  SqlType type = std::is_same_v<unopt_t<Result>, double> && category<L>() != Cat::floating &&
                         (!IsExpr<R> || category<R>() != Cat::floating)
                     ? Double()
                     : (IsExpr<L> ? ln->type() : rn->type());
  return Expr<Result>(make_binary(op, std::move(ln), std::move(rn), std::move(type)));
}
}  // namespace detail

#define CRUCIBLE_DETAIL_COMPARE(OP, BOP, CHECK)                      \
  template <typename L, typename R>                                  \
    requires(detail::IsExpr<L> || detail::IsExpr<R>)                 \
  Expr<bool> operator OP(const L& l, const R& r) {                   \
    detail::CHECK<L, R>();                                           \
    return detail::compare(sql::BinaryOp::BOP, l, r);                \
  }
CRUCIBLE_DETAIL_COMPARE(==, eq, check_pair_comparable)
CRUCIBLE_DETAIL_COMPARE(!=, ne, check_pair_comparable)
CRUCIBLE_DETAIL_COMPARE(<, lt, check_pair_orderable)
CRUCIBLE_DETAIL_COMPARE(<=, le, check_pair_orderable)
CRUCIBLE_DETAIL_COMPARE(>, gt, check_pair_orderable)
CRUCIBLE_DETAIL_COMPARE(>=, ge, check_pair_orderable)
#undef CRUCIBLE_DETAIL_COMPARE

#define CRUCIBLE_DETAIL_ARITH(OP, BOP)                               \
  template <typename L, typename R>                                  \
    requires(detail::IsExpr<L> || detail::IsExpr<R>)                 \
  auto operator OP(const L& l, const R& r) {                         \
    return detail::arithmetic(sql::BinaryOp::BOP, l, r);             \
  }
CRUCIBLE_DETAIL_ARITH(+, add)
CRUCIBLE_DETAIL_ARITH(-, sub)
CRUCIBLE_DETAIL_ARITH(*, mul)
CRUCIBLE_DETAIL_ARITH(%, mod)
#undef CRUCIBLE_DETAIL_ARITH

// True division, as SQLAlchemy 2.0 and Python 3: an integer divided by an integer is a double
// on every backend (literal(15) / literal(10) is 1.5, never 1 nor "1.5000"); a floating or
// Decimal operand divides as the database does. floordiv() is the integer form.
template <typename L, typename R>
  requires(detail::IsExpr<L> || detail::IsExpr<R>)
auto operator/(const L& l, const R& r) {
  if constexpr (detail::category<L>() == detail::Cat::integer && detail::category<R>() == detail::Cat::integer) {
    detail::check_arithmetic<L, R>();
    auto [ln, rn] = detail::arithmetic_operands(l, r);
    return Expr<double>(detail::make_binary(sql::BinaryOp::true_div, std::move(ln), std::move(rn), Double()));
  } else {
    return detail::arithmetic(sql::BinaryOp::div, l, r);
  }
}

// Floor division (Python's a // b) of integers: the quotient rounded towards minus infinity,
// an integer on every backend (floordiv(-7, 2) is -4), computed exactly in integer arithmetic.
template <typename L, typename R>
  requires(detail::IsExpr<L> || detail::IsExpr<R>)
Expr<std::int64_t> floordiv(const L& l, const R& r) {
  static_assert(detail::category<L>() == detail::Cat::integer && detail::category<R>() == detail::Cat::integer,
                "crucible: floordiv() takes integer operands; divide reals with / and round with a function");
  auto [ln, rn] = detail::arithmetic_operands(l, r);
  return Expr<std::int64_t>(detail::make_binary(sql::BinaryOp::floor_div, std::move(ln), std::move(rn), BigInteger()));
}

template <typename T>
Expr<T> operator-(const Expr<T>& e) {
  detail::check_arithmetic<T, T>();
  return Expr<T>(detail::make_unary(sql::UnaryOp::negate, e.node(), e.sql_type()));
}

template <typename L, typename R>
  requires(detail::IsExpr<L> && detail::IsExpr<R>)
Expr<bool> operator&&(const L& l, const R& r) {
  detail::check_boolean<L>();
  detail::check_boolean<R>();
  return Expr<bool>(detail::make_and(l.node(), r.node()));
}
template <typename L, typename R>
  requires(detail::IsExpr<L> && detail::IsExpr<R>)
Expr<bool> operator||(const L& l, const R& r) {
  detail::check_boolean<L>();
  detail::check_boolean<R>();
  return Expr<bool>(detail::make_or(l.node(), r.node()));
}
template <typename E>
  requires detail::IsExpr<E>
Expr<bool> operator!(const E& e) {
  detail::check_boolean<E>();
  return Expr<bool>(detail::make_unary(sql::UnaryOp::not_, e.node(), Boolean()));
}

// and_(a, b, c...) / or_(...) / not_(a): the function spellings.
template <typename... E>
Expr<bool> and_(const E&... e) {
  (detail::check_boolean<E>(), ...);
  return Expr<bool>(sql::and_all({e.node()...}));
}
template <typename... E>
Expr<bool> or_(const E&... e) {
  (detail::check_boolean<E>(), ...);
  return Expr<bool>(sql::or_all({e.node()...}));
}
template <typename E>
Expr<bool> not_(const E& e) {
  return !e;
}

// ----- leaves ------------------------------------------------------------------------------------

// A value as an expression (bound, never inlined): literal(5), literal<std::string>("x").
template <typename T>
Expr<detail::unopt_t<T>> literal(const T& v) {
  using V = detail::unopt_t<T>;
  if constexpr (std::is_convertible_v<const T&, std::string_view> && !std::is_same_v<V, Json>) {
    return Expr<std::string>(detail::make_literal(Value(std::string_view(v)), String()));
  } else {
    return Expr<V>(detail::make_literal(detail::to_value(v), detail::default_sql_type<V>()));
  }
}
inline Expr<std::string> literal(const char* v) {
  return Expr<std::string>(detail::make_literal(Value(v), String()));
}

// A named parameter supplied at execution (Params{{"id", 5}}).
template <typename T>
Expr<T> bindparam(std::string name, SqlType type = detail::default_sql_type<T>()) {
  return Expr<T>(detail::make_bind_param(std::move(name), std::move(type)));
}

// SQL text used as an expression, spliced verbatim (no binds): literal_column<int>("1").
template <typename T = Value>
Expr<T> literal_column(std::string sql, SqlType type = detail::default_sql_type<T>()) {
  return Expr<T>(detail::make_raw_sql(std::move(sql), std::move(type)));
}

// CAST(expr AS type): cast<std::string>(id), or with an explicit SQL type.
template <typename U, typename E>
  requires detail::IsExpr<E>
Expr<U> cast(const E& e, SqlType type = detail::default_sql_type<U>()) {
  return Expr<U>(detail::make_cast(e.node(), std::move(type)));
}

// String concatenation: a || b (CONCAT(a, b) on MySQL).
template <typename L, typename R>
  requires(detail::IsExpr<L> || detail::IsExpr<R>)
Expr<std::string> concat(const L& l, const R& r) {
  detail::check_string<L>();
  detail::check_string<R>();
  return Expr<std::string>(detail::make_binary(sql::BinaryOp::concat, detail::to_node(l, String()),
                                               detail::to_node(r, String()), String()));
}

// CASE WHEN ... THEN ... ELSE ... END, typed by its results:
//   case_<std::string>().when(score > 90, "high").when(score > 50, "mid").else_("low")
template <typename T>
class Case : public Expr<T> {
 public:
  Case() : Expr<T>(build({}, nullptr)) {}
  template <typename C, typename V>
  Case when(const C& condition, const V& value) const {
    detail::check_boolean<C>();
    detail::check_assignable<T, V>();
    auto whens = whens_;
    whens.emplace_back(condition.node(), detail::to_node(value, detail::default_sql_type<T>()));
    return Case(std::move(whens), else_node_);
  }
  template <typename V>
  Case else_(const V& value) const {
    detail::check_assignable<T, V>();
    return Case(whens_, detail::to_node(value, detail::default_sql_type<T>()));
  }

 private:
  using Whens = std::vector<std::pair<sql::NodePtr, sql::NodePtr>>;
  Case(Whens w, sql::NodePtr e) : Expr<T>(build(w, e)), whens_(std::move(w)), else_node_(std::move(e)) {}
  static sql::NodePtr build(const Whens& w, const sql::NodePtr& e) {
    return std::make_shared<sql::CaseNode>(w, e, detail::default_sql_type<T>());
  }
  Whens whens_;
  sql::NodePtr else_node_;
};
template <typename T>
Case<T> case_() {
  return Case<T>();
}

}  // namespace crucible
