// SPDX-License-Identifier: MIT
// Compiler visits for SELECT, set operations and FROM objects.
#include "crucible/core/errors.hpp"
#include "crucible/sql/compiler.hpp"

namespace crucible::sql {

void Compiler::visit_table(const TableNode& n) { out_ += quote(n.table->name()); }

void Compiler::visit_alias(const AliasNode& n) {
  if (n.inner->kind() == NodeKind::table) {
    visit(*n.inner);
  } else {
    out_ += '(';
    visit(*n.inner);
    out_ += ')';
  }
  out_ += " AS ";
  out_ += quote(n.name);
}

// In FROM a CTE is referred to by name; its body is rendered once, in the WITH clause.
void Compiler::visit_cte(const CteNode& n) { out_ += quote(n.name); }

void Compiler::visit_join(const JoinNode& n) {
  visit(*n.left);
  switch (n.join_kind) {
    case JoinKind::inner: out_ += " JOIN "; break;
    case JoinKind::left: out_ += " LEFT OUTER JOIN "; break;
    case JoinKind::full:
      if (!dialect_.features().supports_full_outer_join) unsupported("FULL OUTER JOIN");
      out_ += " FULL OUTER JOIN ";
      break;
  }
  bool nested = n.right->kind() == NodeKind::join;
  if (nested) out_ += '(';
  visit(*n.right);
  if (nested) out_ += ')';
  out_ += " ON ";
  visit(*n.on);
}

void Compiler::render_result_columns(const NodeList& columns) {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i) out_ += ", ";
    const Node& c = *columns[i];
    if (c.kind() == NodeKind::label) {
      const auto& l = static_cast<const LabelNode&>(c);
      visit(*l.expr);
      out_ += " AS ";
      out_ += quote(l.name);
    } else {
      visit(c);
    }
  }
}

void Compiler::render_order_by(const NodeList& items) {
  if (items.empty()) return;
  out_ += " ORDER BY ";
  visit_list(items);
}

void Compiler::render_limit_offset(const Node* limit, const Node* offset) {
  if (limit) {
    out_ += " LIMIT ";
    visit(*limit);
  }
  if (offset) {
    out_ += " OFFSET ";
    visit(*offset);
  }
}

namespace {
bool same_from(const Node& a, const Node& b) {
  if (&a == &b) return true;
  if (a.kind() != b.kind()) return false;
  if (a.kind() == NodeKind::table)
    return static_cast<const TableNode&>(a).table == static_cast<const TableNode&>(b).table;
  return a.kind() == NodeKind::cte && static_cast<const CteNode&>(a).name == static_cast<const CteNode&>(b).name;
}
// Whether `from` is `target` or a join tree holding it.
bool holds_from(const Node& from, const Node& target) {
  if (same_from(from, target)) return true;
  if (from.kind() != NodeKind::join) return false;
  const auto& j = static_cast<const JoinNode&>(from);
  return holds_from(*j.left, target) || holds_from(*j.right, target);
}
bool listed(const std::vector<const Node*>& froms, const Node& target) {
  for (const Node* f : froms)
    if (holds_from(*f, target)) return true;
  return false;
}
}  // namespace

void Compiler::render_select_body(const SelectNode& n) {
  out_ += n.distinct ? "SELECT DISTINCT " : "SELECT ";
  if (n.columns.empty()) throw CompileError("a select needs at least one column");
  // The FROM list: the select's own, then the tables only its WHERE names, less those an
  // enclosing statement has (the subquery correlates with them).
  std::vector<const Node*> froms;
  froms.reserve(n.froms.size() + n.where_froms.size());
  for (const auto& f : n.froms) froms.push_back(f.get());
  for (const auto& f : n.where_froms) {
    if (listed(froms, *f)) continue;
    bool outer = f->kind() == NodeKind::table && static_cast<const TableNode&>(*f).table == dml_table_;
    for (const auto* enclosing : enclosing_froms_) outer = outer || listed(*enclosing, *f);
    if (!outer) froms.push_back(f.get());
  }
  enclosing_froms_.push_back(&froms);
  render_result_columns(n.columns);
  if (!froms.empty()) {
    out_ += " FROM ";
    for (std::size_t i = 0; i < froms.size(); ++i) {
      if (i) out_ += ", ";
      visit(*froms[i]);
    }
  }
  if (n.where) {
    out_ += " WHERE ";
    visit(*n.where);
  }
  if (!n.group_by.empty()) {
    out_ += " GROUP BY ";
    visit_list(n.group_by);
  }
  if (n.having) {
    out_ += " HAVING ";
    visit(*n.having);
  }
  render_order_by(n.order_by);
  if (n.limit || n.offset) render_limit_offset(n.limit.get(), n.offset.get());
  // Without row locks the database serialises writers as a whole (SQLite): nothing to say.
  if (n.locking && dialect_.features().supports_for_update) render_for_update(*n.locking);
  enclosing_froms_.pop_back();
}

void Compiler::render_for_update(const LockingClause& clause) {
  if (clause.read && !dialect_.features().supports_for_share) unsupported("FOR SHARE");
  out_ += clause.read ? " FOR SHARE" : " FOR UPDATE";
  render_locking_options(clause);
}

void Compiler::render_locking_options(const LockingClause& clause) {
  const auto& f = dialect_.features();
  if (!clause.of.empty()) {
    if (!f.supports_for_update_of) unsupported("FOR UPDATE OF");
    out_ += " OF ";
    for (std::size_t i = 0; i < clause.of.size(); ++i) {
      if (i) out_ += ", ";
      out_ += quote(from_name(*clause.of[i]));
    }
  }
  if (clause.nowait) {
    if (!f.supports_for_update_nowait) unsupported("FOR UPDATE NOWAIT");
    out_ += " NOWAIT";
  }
  if (clause.skip_locked) {
    if (!f.supports_for_update_skip_locked) unsupported("FOR UPDATE SKIP LOCKED");
    out_ += " SKIP LOCKED";
  }
}

void Compiler::visit_select(const SelectNode& n) {
  if (kind_ == StatementKind::other) {
    kind_ = StatementKind::select;
    returns_rows_ = true;
    top_columns_ = &n.columns;
  }
  ++select_depth_;
  render_ctes();
  render_select_body(n);
  --select_depth_;
}

void Compiler::visit_compound(const CompoundNode& n) {
  static constexpr const char* ops[] = {" UNION ", " UNION ALL ", " INTERSECT ", " INTERSECT ALL ", " EXCEPT ",
                                        " EXCEPT ALL "};
  if (n.op != CompoundOp::union_ && n.op != CompoundOp::union_all && !dialect_.features().supports_intersect_except)
    unsupported("INTERSECT / EXCEPT");
  bool top = kind_ == StatementKind::other;
  if (top) {
    kind_ = StatementKind::select;
    returns_rows_ = true;
  }
  ++select_depth_;
  render_ctes();
  for (std::size_t i = 0; i < n.selects.size(); ++i) {
    if (i) out_ += ops[static_cast<int>(n.op)];
    visit(*n.selects[i]);
  }
  if (top) {
    // Result columns are the first member's; set after the members so they do not take over.
    const Node* first = n.selects.front().get();
    while (first->kind() == NodeKind::compound) first = static_cast<const CompoundNode&>(*first).selects.front().get();
    top_columns_ = &static_cast<const SelectNode&>(*first).columns;
  }
  // ORDER BY of a set operation names result columns, not table columns.
  bool saved = unqualified_;
  unqualified_ = true;
  render_order_by(n.order_by);
  unqualified_ = saved;
  if (n.limit || n.offset) render_limit_offset(n.limit.get(), n.offset.get());
  --select_depth_;
}

}  // namespace crucible::sql
