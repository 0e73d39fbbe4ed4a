// SPDX-License-Identifier: MIT
// Node keys and the generic walks behind cache keys and literal extraction.
#include "crucible/sql/nodes.hpp"

#include <string>

#include "crucible/sql/schema.hpp"

namespace crucible::sql {

namespace {
void append_count(std::string& out, char tag, std::size_t n) {
  out += tag;
  out += std::to_string(n);
}
bool is_literal(const Node& n) {
  return n.kind() == NodeKind::literal || n.kind() == NodeKind::computed_literal;
}
}  // namespace

void append_key(const Node& node, std::string& out, std::vector<Value>* literals) {
  out += '(';
  node.key_head(out);
  if (literals && is_literal(node)) literals->push_back(literal_value(node));
  node.for_each_child([&](const Node& child) { append_key(child, out, literals); });
  out += ')';
}

void collect_literals(const Node& node, std::vector<Value>& literals) {
  if (is_literal(node)) literals.push_back(literal_value(node));
  node.for_each_child([&](const Node& child) { collect_literals(child, literals); });
}

void collect_literal_nodes(const Node& node, std::vector<const Node*>& out) {
  if (is_literal(node)) out.push_back(&node);
  node.for_each_child([&](const Node& child) { collect_literal_nodes(child, out); });
}

Value literal_value(const Node& node) {
  if (node.kind() == NodeKind::literal) return static_cast<const LiteralNode&>(node).value;
  return static_cast<const ComputedLiteralNode&>(node).fn();
}

const std::string& from_name(const Node& from) {
  static const std::string empty;
  switch (from.kind()) {
    case NodeKind::table: return static_cast<const TableNode&>(from).table->name();
    case NodeKind::alias: return static_cast<const AliasNode&>(from).name;
    case NodeKind::cte: return static_cast<const CteNode&>(from).name;
    default: return empty;
  }
}

void TableNode::key_head(std::string& out) const {
  out += "T:";
  out += table->name();
}

void ColumnNode::key_head(std::string& out) const {
  out += "C:";
  out += from ? from_name(*from) : std::string();
  out += '.';
  out += name;
  out += ':';
  out += std::to_string(static_cast<int>(type().kind));
}

void BoolListNode::key_head(std::string& out) const { append_count(out, is_and ? '&' : '|', items.size()); }

void InListNode::key_head(std::string& out) const { append_count(out, negate ? '!' : 'I', items.size()); }

void LikeNode::key_head(std::string& out) const {
  out += case_insensitive ? "IL" : "LK";
  if (negate) out += '!';
  if (escape) {
    out += 'E';
    out += escape;
  }
}

void CaseNode::for_each_child(ChildFn fn) const {
  for (const auto& [when, then] : whens) {
    fn(*when);
    fn(*then);
  }
  if (else_) fn(*else_);
}

void CaseNode::key_head(std::string& out) const {
  append_count(out, 'K', whens.size());
  if (else_) out += 'E';
}

void CastNode::key_head(std::string& out) const {
  out += "CAST:";
  out += std::to_string(static_cast<int>(type().kind));
  out += ',';
  out += std::to_string(type().length);
  out += ',';
  out += std::to_string(type().precision);
  out += ',';
  out += std::to_string(type().scale);
}

void FunctionNode::key_head(std::string& out) const {
  out += "F:";
  out += name;
  append_count(out, '/', args.size());
}

void OverNode::for_each_child(ChildFn fn) const {
  fn(*function);
  for (const auto& p : partition_by) fn(*p);
  for (const auto& o : order_by) fn(*o);
}

void OverNode::key_head(std::string& out) const {
  append_count(out, 'P', partition_by.size());
  append_count(out, 'O', order_by.size());
}

void OrderItemNode::key_head(std::string& out) const {
  out += "OI";
  out += char('0' + static_cast<int>(dir));
  out += char('0' + static_cast<int>(nulls));
}

void SelectNode::for_each_child(ChildFn fn) const {
  for (const auto& c : columns) fn(*c);
  for (const auto& f : froms) fn(*f);
  for (const auto& f : where_froms) fn(*f);
  if (where) fn(*where);
  for (const auto& g : group_by) fn(*g);
  if (having) fn(*having);
  for (const auto& o : order_by) fn(*o);
  if (limit) fn(*limit);
  if (offset) fn(*offset);
}

void SelectNode::key_head(std::string& out) const {
  out += "SEL";
  append_count(out, 'c', columns.size());
  append_count(out, 'f', froms.size());
  if (!where_froms.empty()) append_count(out, 'F', where_froms.size());
  if (where) out += 'w';
  append_count(out, 'g', group_by.size());
  if (having) out += 'h';
  append_count(out, 'o', order_by.size());
  if (limit) out += 'l';
  if (offset) out += 'x';
  if (distinct) out += 'd';
  if (locking) {
    out += locking->read ? "FS" : "FU";
    if (locking->nowait) out += 'n';
    if (locking->skip_locked) out += 'k';
    for (const auto& target : locking->of) {
      out += "of:";
      out += from_name(*target);
      out += ';';
    }
  }
}

void CompoundNode::for_each_child(ChildFn fn) const {
  for (const auto& s : selects) fn(*s);
  for (const auto& o : order_by) fn(*o);
  if (limit) fn(*limit);
  if (offset) fn(*offset);
}

void CompoundNode::key_head(std::string& out) const {
  out += "CMP";
  out += char('0' + static_cast<int>(op));
  append_count(out, 's', selects.size());
  append_count(out, 'o', order_by.size());
  if (limit) out += 'l';
  if (offset) out += 'x';
}

namespace {
void key_columns(std::string& out, const std::vector<const Column*>& cols) {
  for (const auto* c : cols) {
    out += ',';
    out += c->name();
  }
}
}  // namespace

void InsertNode::for_each_child(ChildFn fn) const {
  for (const auto& row : rows)
    for (const auto& v : row) fn(*v);
  if (from_select) fn(*from_select);
  for (const auto& r : returning) fn(*r);
  for (const auto& s : conflict_sets) fn(*s.value);
  if (conflict_where) fn(*conflict_where);
}

void InsertNode::key_head(std::string& out) const {
  out += "INS:";
  out += table->name();
  key_columns(out, columns);
  append_count(out, 'r', rows.size());
  if (from_select) out += 's';
  append_count(out, 'R', returning.size());
  out += char('0' + static_cast<int>(conflict));
  key_columns(out, conflict_targets);
  out += ';';
  for (const auto& s : conflict_sets) {
    out += s.column->name();
    out += ',';
  }
  if (conflict_where) out += 'w';
}

void UpdateNode::for_each_child(ChildFn fn) const {
  for (const auto& s : sets) fn(*s.value);
  if (where) fn(*where);
  for (const auto& r : returning) fn(*r);
}

void UpdateNode::key_head(std::string& out) const {
  out += "UPD:";
  out += table->name();
  out += ';';
  for (const auto& s : sets) {
    out += s.column->name();
    out += ',';
  }
  if (where) out += 'w';
  append_count(out, 'R', returning.size());
}

void DeleteNode::for_each_child(ChildFn fn) const {
  if (where) fn(*where);
  for (const auto& r : returning) fn(*r);
}

void DeleteNode::key_head(std::string& out) const {
  out += "DEL:";
  out += table->name();
  if (where) out += 'w';
  append_count(out, 'R', returning.size());
}

void TextNode::key_head(std::string& out) const {
  out += "TXT:";
  for (std::size_t i = 0; i < segments.size(); ++i) {
    out += segments[i];
    if (i < bind_names.size()) {
      out += "\x01";  // cannot occur in SQL text: separates segments from names unambiguously
      out += bind_names[i];
      out += "\x01";
    }
  }
}

namespace {
NodePtr bool_all(bool is_and, NodeList items) {
  NodeList flat;
  for (auto& item : items) {
    if (!item) continue;
    if (item->kind() == NodeKind::bool_list && static_cast<const BoolListNode&>(*item).is_and == is_and) {
      const auto& inner = static_cast<const BoolListNode&>(*item).items;
      flat.insert(flat.end(), inner.begin(), inner.end());
    } else {
      flat.push_back(std::move(item));
    }
  }
  if (flat.empty()) return nullptr;
  if (flat.size() == 1) return flat.front();
  return std::make_shared<BoolListNode>(is_and, std::move(flat));
}
}  // namespace

NodePtr and_all(NodeList items) { return bool_all(true, std::move(items)); }
NodePtr or_all(NodeList items) { return bool_all(false, std::move(items)); }

crucible::detail::ColumnSource column_source(const Node& column) {
  const Node* n = &column;
  if (n->kind() == NodeKind::label) n = static_cast<const LabelNode&>(*n).expr.get();
  if (n->kind() != NodeKind::column) return {};
  const auto& c = static_cast<const ColumnNode&>(*n);
  return {c.from.get(), c.name};
}

}  // namespace crucible::sql
