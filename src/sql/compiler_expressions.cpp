// SPDX-License-Identifier: MIT
// Compiler visits for expressions: columns, literals, operators, functions, CASE, CAST...
#include <cmath>
#include <cstdio>

#include "crucible/core/errors.hpp"
#include "crucible/sql/compiler.hpp"

namespace crucible::sql {

void Compiler::visit_column(const ColumnNode& n) {
  if (!unqualified_ && n.from) {
    const auto& qualifier = from_name(*n.from);
    if (!qualifier.empty()) {
      out_ += quote(qualifier);
      out_ += '.';
    }
  }
  out_ += quote(n.name);
}

void Compiler::visit_literal(const Node& n) {
  if (inline_literals_) return render_value(literal_value(n));
  auto it = literal_index_.find(&n);
  if (it == literal_index_.end())
    throw CompileError("internal error: a literal outside the statement's walk order (please report)");
  emit_placeholder(BindSlot{"", it->second, n.type()});
}

void Compiler::visit_bind_param(const BindParamNode& n) {
  if (inline_literals_) unsupported("a named bind parameter in inline SQL");
  emit_placeholder(BindSlot{n.name, -1, n.type()});
}

void Compiler::visit_null(const NullNode&) { out_ += "NULL"; }
void Compiler::visit_star(const StarNode&) { out_ += '*'; }
void Compiler::visit_raw_sql(const RawSqlNode& n) { out_ += n.sql; }

void Compiler::visit_excluded(const ExcludedNode& n) {
  out_ += "excluded.";
  out_ += quote(n.name);
}

void Compiler::visit_unary(const UnaryNode& n) {
  switch (n.op) {
    case UnaryOp::not_: {
      out_ += "NOT ";
      bool paren = precedence(*n.operand) < 10;
      if (paren) out_ += '(';
      visit(*n.operand);
      if (paren) out_ += ')';
      return;
    }
    case UnaryOp::negate: {
      out_ += '-';
      bool paren = precedence(*n.operand) < 10;
      if (paren) out_ += '(';
      visit(*n.operand);
      if (paren) out_ += ')';
      return;
    }
    case UnaryOp::distinct:
      out_ += "DISTINCT ";
      visit(*n.operand);
      return;
  }
}

void Compiler::visit_binary(const BinaryNode& n) {
  static constexpr const char* ops[] = {" = ", " != ", " < ", " <= ", " > ", " >= ", " + ",
                                        " - ", " * ", " / ", " % ", " || "};
  if (n.op == BinaryOp::floor_div) return render_floor_div(n);
  int p = precedence(n);
  visit_operand(*n.left, p, false);
  if (n.op == BinaryOp::true_div) {
    // A real divisor makes every backend divide as reals: SQLite and PostgreSQL truncate an
    // integer quotient, MariaDB gives a DECIMAL with four more digits (div_precision_increment).
    out_ += " / CAST(";
    visit(*n.right);
    out_ += " AS ";
    out_ += cast_type_name(Double());
    out_ += ')';
    return;
  }
  out_ += ops[static_cast<int>(n.op)];
  visit_operand(*n.right, p, true);
}

// a // b on integers, exact (no trip through a double, which would round past 2^53): the
// truncating quotient, less one when the remainder is not zero and its sign differs from the
// divisor's. Every backend's % takes the dividend's sign.
void Compiler::render_floor_div(const BinaryNode& n) {
  auto operand = [&](const NodePtr& x) { visit_operand(*x, 7, true); };
  auto remainder = [&] {
    operand(n.left);
    out_ += " % ";
    operand(n.right);
  };
  out_ += '(';
  operand(n.left);
  out_ += integer_division_operator();
  operand(n.right);
  out_ += " - CASE WHEN (";
  remainder();
  out_ += " < 0 AND ";
  operand(n.right);
  out_ += " > 0) OR (";
  remainder();
  out_ += " > 0 AND ";
  operand(n.right);
  out_ += " < 0) THEN 1 ELSE 0 END)";
}

void Compiler::visit_bool_list(const BoolListNode& n) {
  int p = precedence(n);
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    if (i) out_ += n.is_and ? " AND " : " OR ";
    visit_operand(*n.items[i], p, false);
  }
}

void Compiler::visit_in_list(const InListNode& n) {
  if (n.items.empty()) {
    // An empty IN is false (NOT IN true) whatever the left side, NULL included.
    out_ += n.negate ? "1 = 1" : "1 != 1";
    return;
  }
  visit_operand(*n.expr, 4, false);
  out_ += n.negate ? " NOT IN (" : " IN (";
  visit_list(n.items);
  out_ += ')';
}

void Compiler::visit_in_select(const InSelectNode& n) {
  visit_operand(*n.expr, 4, false);
  out_ += n.negate ? " NOT IN (" : " IN (";
  visit(*n.select);
  out_ += ')';
}

void Compiler::visit_between(const BetweenNode& n) {
  visit_operand(*n.expr, 4, false);
  out_ += n.negate ? " NOT BETWEEN " : " BETWEEN ";
  visit_operand(*n.low, 5, false);
  out_ += " AND ";
  visit_operand(*n.high, 5, false);
}

void Compiler::visit_like(const LikeNode& n) {
  bool native_ilike = n.case_insensitive && dialect_.features().supports_ilike;
  if (n.case_insensitive && !native_ilike) {
    out_ += "lower(";
    visit(*n.expr);
    out_ += ')';
  } else {
    visit_operand(*n.expr, 4, false);
  }
  out_ += n.negate ? " NOT" : "";
  out_ += native_ilike ? " ILIKE " : " LIKE ";
  if (n.case_insensitive && !native_ilike) {
    out_ += "lower(";
    visit(*n.pattern);
    out_ += ')';
  } else {
    visit_operand(*n.pattern, 4, true);
  }
  if (n.escape) {
    out_ += " ESCAPE ";
    out_ += quote_string(std::string(1, n.escape));
  }
}

void Compiler::visit_is_null(const IsNullNode& n) {
  visit_operand(*n.expr, 4, false);
  out_ += n.negate ? " IS NOT NULL" : " IS NULL";
}

void Compiler::visit_case(const CaseNode& n) {
  if (n.whens.empty()) throw CompileError("case_() needs at least one when()");
  out_ += "CASE";
  for (const auto& [when, then] : n.whens) {
    out_ += " WHEN ";
    visit(*when);
    out_ += " THEN ";
    visit(*then);
  }
  if (n.else_) {
    out_ += " ELSE ";
    visit(*n.else_);
  }
  out_ += " END";
}

void Compiler::visit_cast(const CastNode& n) {
  out_ += "CAST(";
  visit(*n.expr);
  out_ += " AS ";
  out_ += cast_type_name(n.type());
  out_ += ')';
}

// A label outside a select list renders its expression (select lists add "AS name" themselves;
// ORDER BY refers to the label by name).
void Compiler::visit_label(const LabelNode& n) { visit(*n.expr); }

void Compiler::render_function_name(const FunctionNode& n, bool& emit_parens) {
  emit_parens = true;
  out_ += n.name;
}

void Compiler::visit_function(const FunctionNode& n) {
  bool parens = true;
  render_function_name(n, parens);
  if (!parens) return;
  out_ += '(';
  visit_list(n.args);
  out_ += ')';
}

void Compiler::visit_over(const OverNode& n) {
  if (!dialect_.features().supports_window_functions) unsupported("window functions (OVER)");
  visit(*n.function);
  out_ += " OVER (";
  if (!n.partition_by.empty()) {
    out_ += "PARTITION BY ";
    visit_list(n.partition_by);
  }
  if (!n.order_by.empty()) {
    if (!n.partition_by.empty()) out_ += ' ';
    out_ += "ORDER BY ";
    visit_list(n.order_by);
  }
  out_ += ')';
}

void Compiler::visit_order_item(const OrderItemNode& n) {
  auto render_expr = [&] {
    if (n.expr->kind() == NodeKind::label) out_ += quote(static_cast<const LabelNode&>(*n.expr).name);
    else visit(*n.expr);
  };
  bool emulate = n.nulls != NullsOrder::none && !dialect_.features().supports_nulls_ordering;
  if (emulate) {
    // Booleans sort false first: "x IS NULL" puts NULLs last, "x IS NOT NULL" puts them first.
    visit_operand(*n.expr, 4, false);
    out_ += n.nulls == NullsOrder::first ? " IS NOT NULL, " : " IS NULL, ";
  }
  render_expr();
  if (n.dir == Direction::asc) out_ += " ASC";
  if (n.dir == Direction::desc) out_ += " DESC";
  if (!emulate && n.nulls == NullsOrder::first) out_ += " NULLS FIRST";
  if (!emulate && n.nulls == NullsOrder::last) out_ += " NULLS LAST";
}

void Compiler::visit_scalar_subquery(const ScalarSubqueryNode& n) {
  out_ += '(';
  visit(*n.select);
  out_ += ')';
}

void Compiler::visit_exists(const ExistsNode& n) {
  out_ += "EXISTS (";
  visit(*n.select);
  out_ += ')';
}

void Compiler::render_value(const Value& value) {
  const auto& v = value.variant();
  std::visit(
      [&](const auto& x) {
        using X = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<X, Null>) {
          out_ += "NULL";
        } else if constexpr (std::is_same_v<X, bool>) {
          out_ += dialect_.features().supports_native_boolean ? (x ? "TRUE" : "FALSE") : (x ? "1" : "0");
        } else if constexpr (std::is_same_v<X, std::int64_t>) {
          out_ += std::to_string(x);
        } else if constexpr (std::is_same_v<X, double>) {
          if (!std::isfinite(x)) throw CompileError("a non-finite double cannot be written as an SQL literal");
          char buf[32];
          std::snprintf(buf, sizeof buf, "%.17g", x);
          out_ += buf;
        } else if constexpr (std::is_same_v<X, std::string>) {
          if (x.find('\0') != std::string::npos)
            throw CompileError("text with a NUL character cannot be written as an SQL literal");
          out_ += quote_string(x);
        } else if constexpr (std::is_same_v<X, Blob>) {
          static constexpr char hex[] = "0123456789ABCDEF";
          out_ += "X'";
          for (unsigned char b : x) {
            out_ += hex[b >> 4];
            out_ += hex[b & 15];
          }
          out_ += '\'';
        } else if constexpr (std::is_same_v<X, Decimal>) {
          out_ += x.str();
        } else if constexpr (std::is_same_v<X, Json>) {
          out_ += quote_string(x.dump());
        } else {
          out_ += quote_string(x.to_string());  // Date, Time, DateTime, Uuid
        }
      },
      v);
}

}  // namespace crucible::sql
