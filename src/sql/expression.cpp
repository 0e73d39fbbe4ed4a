// SPDX-License-Identifier: MIT
// Node factories behind the typed front (expression.hpp), kept out of line so the templates in
// the header stay one call deep.
#include "crucible/sql/expression.hpp"

#include "crucible/core/errors.hpp"

namespace crucible::detail {

using namespace crucible::sql;

NodePtr make_literal(Value v, SqlType type) { return std::make_shared<LiteralNode>(std::move(v), std::move(type)); }

NodePtr make_bind_param(std::string name, SqlType type) {
  if (name.empty()) throw ArgumentError("bindparam() needs a name");
  return std::make_shared<BindParamNode>(std::move(name), std::move(type));
}

NodePtr make_raw_sql(std::string sql, SqlType type) { return std::make_shared<RawSqlNode>(std::move(sql), std::move(type)); }

NodePtr make_compare(BinaryOp op, NodePtr left, NodePtr right) {
  // x == NULL means IS NULL (a bound NULL would never compare equal).
  if (op == BinaryOp::eq || op == BinaryOp::ne) {
    if (right->kind() == NodeKind::null_value) return make_is_null(std::move(left), op == BinaryOp::ne);
    if (left->kind() == NodeKind::null_value) return make_is_null(std::move(right), op == BinaryOp::ne);
  }
  return std::make_shared<BinaryNode>(op, std::move(left), std::move(right), Boolean());
}

NodePtr make_binary(BinaryOp op, NodePtr left, NodePtr right, SqlType type) {
  return std::make_shared<BinaryNode>(op, std::move(left), std::move(right), std::move(type));
}

NodePtr make_unary(UnaryOp op, NodePtr operand, SqlType type) {
  return std::make_shared<UnaryNode>(op, std::move(operand), std::move(type));
}

NodePtr make_and(NodePtr a, NodePtr b) { return and_all({std::move(a), std::move(b)}); }
NodePtr make_or(NodePtr a, NodePtr b) { return or_all({std::move(a), std::move(b)}); }

NodePtr make_in_list(NodePtr expr, NodeList items, bool negate) {
  return std::make_shared<InListNode>(std::move(expr), std::move(items), negate);
}

NodePtr make_in_select(NodePtr expr, NodePtr select, bool negate) {
  return std::make_shared<InSelectNode>(std::move(expr), std::move(select), negate);
}

NodePtr make_between(NodePtr expr, NodePtr low, NodePtr high, bool negate) {
  return std::make_shared<BetweenNode>(std::move(expr), std::move(low), std::move(high), negate);
}

NodePtr make_like(NodePtr expr, NodePtr pattern, bool case_insensitive, bool negate, char escape) {
  return std::make_shared<LikeNode>(std::move(expr), std::move(pattern), case_insensitive, negate, escape);
}

NodePtr make_pattern_like(NodePtr expr, std::string_view text, bool leading, bool trailing, bool case_insensitive) {
  constexpr char escape = '/';
  std::string pattern;
  pattern.reserve(text.size() + 4);
  if (leading) pattern += '%';
  for (char ch : text) {
    if (ch == '%' || ch == '_' || ch == escape) pattern += escape;
    pattern += ch;
  }
  if (trailing) pattern += '%';
  auto type = expr->type();
  return make_like(std::move(expr), make_literal(Value(std::move(pattern)), std::move(type)), case_insensitive,
                   false, escape);
}

NodePtr make_is_null(NodePtr expr, bool negate) { return std::make_shared<IsNullNode>(std::move(expr), negate); }

NodePtr make_label(NodePtr expr, std::string name) {
  if (name.empty()) throw ArgumentError("label() needs a name");
  return std::make_shared<LabelNode>(std::move(expr), std::move(name));
}

NodePtr make_cast(NodePtr expr, SqlType type) { return std::make_shared<CastNode>(std::move(expr), std::move(type)); }

NodePtr make_function(std::string name, NodeList args, SqlType type) {
  if (name.empty()) throw ArgumentError("a function needs a name");
  return std::make_shared<FunctionNode>(std::move(name), std::move(args), std::move(type));
}

NodePtr make_over(NodePtr function, NodeList partition_by, NodeList order_by) {
  if (function->kind() != NodeKind::function)
    throw ArgumentError("over() applies to a function call (row_number(), sum(x)...)");
  NodeList orders;
  orders.reserve(order_by.size());
  for (auto& o : order_by)
    orders.push_back(o->kind() == NodeKind::order_item ? o : make_order(o, Direction::none, NullsOrder::none));
  return std::make_shared<OverNode>(std::move(function), std::move(partition_by), std::move(orders));
}

NodePtr make_order(NodePtr expr, Direction dir, NullsOrder nulls) {
  return std::make_shared<OrderItemNode>(std::move(expr), dir, nulls);
}

}  // namespace crucible::detail
