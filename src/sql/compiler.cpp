// SPDX-License-Identifier: MIT
// The compiler's driver: literal numbering, CTE collection, dispatch, placeholders, names.
#include "crucible/sql/compiler.hpp"

#include <algorithm>
#include <unordered_set>
#include <utility>
#include <vector>

#include "crucible/core/errors.hpp"

namespace crucible::sql {

namespace {

void collect_ctes(const Node& n, std::unordered_set<std::string>& seen, std::vector<const CteNode*>& out) {
  if (n.kind() == NodeKind::cte) {
    const auto& cte = static_cast<const CteNode&>(n);
    // The anchor of a recursive CTE shares the final CTE's name: seen first, skipped.
    if (!seen.insert(cte.name).second) return;
    collect_ctes(*cte.body, seen, out);
    out.push_back(&cte);
    return;
  }
  n.for_each_child([&](const Node& child) { collect_ctes(child, seen, out); });
}

bool is_value(const Node& n) {
  return n.kind() == NodeKind::bind_param || n.kind() == NodeKind::literal || n.kind() == NodeKind::computed_literal;
}

// `item` is "<column of table> = <value>" (either way round): the column, else nullptr.
const Column* fixed_column(const Node& item, const Table& table) {
  if (item.kind() != NodeKind::binary) return nullptr;
  const auto& b = static_cast<const BinaryNode&>(item);
  if (b.op != BinaryOp::eq) return nullptr;
  const Node* column = b.left.get();
  const Node* value = b.right.get();
  if (column->kind() != NodeKind::column) std::swap(column, value);
  if (column->kind() != NodeKind::column || !is_value(*value)) return nullptr;
  const auto& c = static_cast<const ColumnNode&>(*column);
  if (!c.column || c.column->table() != &table || !c.from || c.from->kind() != NodeKind::table) return nullptr;
  return c.column;
}

// Whether the SELECT can return two rows (CompiledStatement::at_most_one_row). Conservative:
// false whenever unsure.
bool at_most_one_row(const SelectNode& n) {
  if (n.limit && n.limit->kind() == NodeKind::literal) {
    const Value& v = static_cast<const LiteralNode&>(*n.limit).value;
    if (v.holds<std::int64_t>() && v.get<std::int64_t>() <= 1) return true;
  }
  if (n.froms.size() != 1 || n.froms[0]->kind() != NodeKind::table || !n.where) return false;
  const Table& table = *static_cast<const TableNode&>(*n.froms[0]).table;
  const std::vector<const Column*> key = table.primary_key();
  if (key.empty()) return false;
  std::vector<const Node*> conjuncts;
  if (n.where->kind() == NodeKind::bool_list && static_cast<const BoolListNode&>(*n.where).is_and) {
    for (const auto& item : static_cast<const BoolListNode&>(*n.where).items) conjuncts.push_back(item.get());
  } else {
    conjuncts.push_back(n.where.get());
  }
  std::size_t fixed = 0;
  for (const Column* k : key) {
    for (const Node* item : conjuncts) {
      if (fixed_column(*item, table) == k) {
        ++fixed;
        break;
      }
    }
  }
  return fixed == key.size();
}

}  // namespace

CompiledPtr Compiler::compile(const Node& root) {
  std::vector<const Node*> literals;
  collect_literal_nodes(root, literals);
  literal_index_.reserve(literals.size());
  for (std::size_t i = 0; i < literals.size(); ++i) literal_index_.emplace(literals[i], static_cast<int>(i));
  std::unordered_set<std::string> seen;
  collect_ctes(root, seen, ctes_);

  visit(root);

  auto compiled = std::make_shared<CompiledStatement>();
  compiled->sql = std::move(out_);
  compiled->binds = std::move(binds_);
  compiled->kind = kind_;
  compiled->returns_rows = returns_rows_;
  compiled->values_tuple = values_tuple_;
  compiled->numeric_digits = numeric_digits_;
  compiled->at_most_one_row = root.kind() == NodeKind::select && at_most_one_row(static_cast<const SelectNode&>(root));
  if (top_columns_) {
    for (std::size_t i = 0; i < top_columns_->size(); ++i) {
      compiled->result_names.push_back(result_name(*(*top_columns_)[i], i));
      compiled->result_types.push_back((*top_columns_)[i]->type());
      compiled->result_sources.push_back(column_source(*(*top_columns_)[i]));
    }
  }
  return compiled;
}

std::string Compiler::render_inline(const Node& expression) {
  std::string saved;
  saved.swap(out_);
  bool saved_inline = inline_literals_, saved_unqualified = unqualified_;
  inline_literals_ = true;
  unqualified_ = true;
  visit(expression);
  inline_literals_ = saved_inline;
  unqualified_ = saved_unqualified;
  saved.swap(out_);
  return saved;
}

std::string Compiler::compile_literal(const Node& root) {
  inline_literals_ = true;
  std::unordered_set<std::string> seen;
  collect_ctes(root, seen, ctes_);
  visit(root);
  return std::move(out_);
}

void Compiler::visit(const Node& node) {
  switch (node.kind()) {
    case NodeKind::table: return visit_table(static_cast<const TableNode&>(node));
    case NodeKind::alias: return visit_alias(static_cast<const AliasNode&>(node));
    case NodeKind::cte: return visit_cte(static_cast<const CteNode&>(node));
    case NodeKind::join: return visit_join(static_cast<const JoinNode&>(node));
    case NodeKind::column: return visit_column(static_cast<const ColumnNode&>(node));
    case NodeKind::literal:
    case NodeKind::computed_literal: return visit_literal(node);
    case NodeKind::bind_param: return visit_bind_param(static_cast<const BindParamNode&>(node));
    case NodeKind::null_value: return visit_null(static_cast<const NullNode&>(node));
    case NodeKind::star: return visit_star(static_cast<const StarNode&>(node));
    case NodeKind::raw_sql: return visit_raw_sql(static_cast<const RawSqlNode&>(node));
    case NodeKind::excluded: return visit_excluded(static_cast<const ExcludedNode&>(node));
    case NodeKind::unary: return visit_unary(static_cast<const UnaryNode&>(node));
    case NodeKind::binary: return visit_binary(static_cast<const BinaryNode&>(node));
    case NodeKind::bool_list: return visit_bool_list(static_cast<const BoolListNode&>(node));
    case NodeKind::in_list: return visit_in_list(static_cast<const InListNode&>(node));
    case NodeKind::in_select: return visit_in_select(static_cast<const InSelectNode&>(node));
    case NodeKind::between: return visit_between(static_cast<const BetweenNode&>(node));
    case NodeKind::like: return visit_like(static_cast<const LikeNode&>(node));
    case NodeKind::is_null: return visit_is_null(static_cast<const IsNullNode&>(node));
    case NodeKind::case_: return visit_case(static_cast<const CaseNode&>(node));
    case NodeKind::cast: return visit_cast(static_cast<const CastNode&>(node));
    case NodeKind::label: return visit_label(static_cast<const LabelNode&>(node));
    case NodeKind::function: return visit_function(static_cast<const FunctionNode&>(node));
    case NodeKind::over: return visit_over(static_cast<const OverNode&>(node));
    case NodeKind::order_item: return visit_order_item(static_cast<const OrderItemNode&>(node));
    case NodeKind::scalar_subquery: return visit_scalar_subquery(static_cast<const ScalarSubqueryNode&>(node));
    case NodeKind::exists: return visit_exists(static_cast<const ExistsNode&>(node));
    case NodeKind::select: return visit_select(static_cast<const SelectNode&>(node));
    case NodeKind::compound: return visit_compound(static_cast<const CompoundNode&>(node));
    case NodeKind::insert: return visit_insert(static_cast<const InsertNode&>(node));
    case NodeKind::update: return visit_update(static_cast<const UpdateNode&>(node));
    case NodeKind::del: return visit_delete(static_cast<const DeleteNode&>(node));
    case NodeKind::text: return visit_text(static_cast<const TextNode&>(node));
  }
  unsupported("this expression");
}

void Compiler::unsupported(std::string_view construct) const {
  throw CompileError(std::string(construct) + " is not supported on " + std::string(dialect_.name()));
}

std::string Compiler::quote_string(std::string_view text) const {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

void Compiler::emit_placeholder(BindSlot slot) {
  if (slot.type.kind == TypeKind::numeric) numeric_digits_ = dialect_.features().numeric_significant_digits;
  binds_.push_back(std::move(slot));
  if (dialect_.param_style() == ParamStyle::numeric) {
    out_ += '$';
    out_ += std::to_string(binds_.size());
  } else {
    out_ += '?';
  }
}

void Compiler::visit_list(const NodeList& items, std::string_view separator) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out_ += separator;
    visit(*items[i]);
  }
}

int Compiler::precedence(const Node& n) {
  switch (n.kind()) {
    case NodeKind::bool_list: return static_cast<const BoolListNode&>(n).is_and ? 2 : 1;
    case NodeKind::unary:
      switch (static_cast<const UnaryNode&>(n).op) {
        case UnaryOp::not_: return 3;
        case UnaryOp::negate: return 8;
        case UnaryOp::distinct: return 10;
      }
      return 10;
    case NodeKind::binary:
      switch (static_cast<const BinaryNode&>(n).op) {
        case BinaryOp::eq:
        case BinaryOp::ne:
        case BinaryOp::lt:
        case BinaryOp::le:
        case BinaryOp::gt:
        case BinaryOp::ge: return 4;
        case BinaryOp::concat: return 5;
        case BinaryOp::add:
        case BinaryOp::sub: return 6;
        case BinaryOp::mul:
        case BinaryOp::div:
        case BinaryOp::true_div:
        case BinaryOp::mod: return 7;
        case BinaryOp::floor_div: return 10;  // rendered in parentheses
      }
      return 10;
    case NodeKind::in_list:
    case NodeKind::in_select:
    case NodeKind::between:
    case NodeKind::like:
    case NodeKind::is_null: return 4;
    case NodeKind::label: return precedence(*static_cast<const LabelNode&>(n).expr);
    default: return 10;
  }
}

void Compiler::visit_operand(const Node& child, int parent_precedence, bool right_side) {
  int p = precedence(child);
  // Equal precedence needs parentheses on the right of non-associative operators and on
  // either side of comparisons ("(a = b) = c").
  bool paren = p < parent_precedence || (p == parent_precedence && (right_side || parent_precedence == 4) &&
                                         parent_precedence > 2);
  if (paren) out_ += '(';
  visit(child);
  if (paren) out_ += ')';
}

std::string Compiler::result_name(const Node& column, std::size_t position) {
  switch (column.kind()) {
    case NodeKind::label: return static_cast<const LabelNode&>(column).name;
    case NodeKind::column: return static_cast<const ColumnNode&>(column).name;
    case NodeKind::function: return static_cast<const FunctionNode&>(column).name;
    case NodeKind::over: return result_name(*static_cast<const OverNode&>(column).function, position);
    default: return "column_" + std::to_string(position + 1);
  }
}

void Compiler::render_ctes() {
  if (ctes_rendered_ || ctes_.empty()) return;
  ctes_rendered_ = true;
  bool recursive = false;
  for (const auto* c : ctes_) recursive = recursive || c->recursive;
  if (recursive && !dialect_.features().supports_recursive_cte) unsupported("WITH RECURSIVE");
  out_ += recursive ? "WITH RECURSIVE " : "WITH ";
  for (std::size_t i = 0; i < ctes_.size(); ++i) {
    if (i) out_ += ", ";
    out_ += quote(ctes_[i]->name);
    out_ += " AS (";
    visit(*ctes_[i]->body);
    out_ += ')';
  }
  out_ += ' ';
}

void Compiler::render_returning(const NodeList& items, StatementKind kind) {
  if (items.empty()) return;
  const auto& f = dialect_.features();
  bool ok = kind == StatementKind::insert   ? f.supports_insert_returning
            : kind == StatementKind::update ? f.supports_update_returning
                                            : f.supports_delete_returning;
  if (!ok) {
    std::string what = kind == StatementKind::insert ? "INSERT" : kind == StatementKind::update ? "UPDATE" : "DELETE";
    throw CompileError("RETURNING is not supported on " + std::string(dialect_.name()) + " (in " + what + ")");
  }
  out_ += " RETURNING ";
  bool saved = unqualified_;
  unqualified_ = true;
  render_result_columns(items);
  unqualified_ = saved;
  top_columns_ = &items;
  returns_rows_ = true;
}

std::string Compiler::enum_varchar(const SqlType& type) {
  std::size_t n = 1;
  if (type.enum_info)
    for (const auto& label : type.enum_info->labels) n = std::max(n, label.size());
  return "VARCHAR(" + std::to_string(n) + ")";
}

}  // namespace crucible::sql
