// SPDX-License-Identifier: MIT
// Compiler visits for INSERT (with upsert), UPDATE, DELETE and text SQL.
#include "crucible/core/errors.hpp"
#include "crucible/sql/compiler.hpp"

namespace crucible::sql {

void Compiler::visit_insert(const InsertNode& n) {
  kind_ = StatementKind::insert;
  out_ += "INSERT INTO ";
  out_ += quote(n.table->name());
  const std::vector<const Column*>& columns = n.columns;
  const bool named_binds = n.rows.empty() && !n.from_select;
  // insert(t) alone: every column takes its default. Run with parameters, the engine gives it
  // their columns first (Insert::bare).
  if (columns.empty()) {
    render_default_values();
  } else {
    out_ += " (";
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (i) out_ += ", ";
      out_ += quote(columns[i]->name());
    }
    out_ += ')';
    if (n.from_select) {
      out_ += ' ';
      visit(*n.from_select);
    } else if (named_binds) {
      out_ += " VALUES ";
      const std::size_t tuple_at = out_.size();
      out_ += '(';
      for (std::size_t i = 0; i < columns.size(); ++i) {
        if (i) out_ += ", ";
        emit_placeholder(BindSlot{columns[i]->name(), -1, columns[i]->type()});
      }
      out_ += ')';
      values_tuple_ = {tuple_at, out_.size() - tuple_at};
    } else {
      if (n.rows.size() > 1 && !dialect_.features().supports_multirow_insert) unsupported("multi-row INSERT");
      out_ += " VALUES ";
      for (std::size_t r = 0; r < n.rows.size(); ++r) {
        if (r) out_ += ", ";
        out_ += '(';
        visit_list(n.rows[r]);
        out_ += ')';
      }
    }
  }
  if (n.conflict != ConflictAction::none) render_on_conflict(n);
  render_returning(n.returning, StatementKind::insert);
}

void Compiler::render_on_conflict(const InsertNode& n) {
  if (!dialect_.features().supports_on_conflict) unsupported("ON CONFLICT");
  out_ += " ON CONFLICT";
  if (!n.conflict_targets.empty()) {
    out_ += " (";
    for (std::size_t i = 0; i < n.conflict_targets.size(); ++i) {
      if (i) out_ += ", ";
      out_ += quote(n.conflict_targets[i]->name());
    }
    out_ += ')';
  }
  if (n.conflict == ConflictAction::do_nothing) {
    out_ += " DO NOTHING";
    return;
  }
  if (n.conflict_targets.empty())
    throw CompileError("on_conflict_do_update() needs the index columns of the conflict on " +
                       std::string(dialect_.name()));
  out_ += " DO UPDATE SET ";
  for (std::size_t i = 0; i < n.conflict_sets.size(); ++i) {
    if (i) out_ += ", ";
    out_ += quote(n.conflict_sets[i].column->name());
    out_ += " = ";
    visit(*n.conflict_sets[i].value);
  }
  if (n.conflict_where) {
    out_ += " WHERE ";
    visit(*n.conflict_where);
  }
}

void Compiler::visit_update(const UpdateNode& n) {
  kind_ = StatementKind::update;
  dml_table_ = n.table;
  if (n.sets.empty()) throw CompileError("update() needs values(set(column, value)...)");
  out_ += "UPDATE ";
  out_ += quote(n.table->name());
  out_ += " SET ";
  for (std::size_t i = 0; i < n.sets.size(); ++i) {
    if (i) out_ += ", ";
    out_ += quote(n.sets[i].column->name());
    out_ += " = ";
    visit(*n.sets[i].value);
  }
  if (n.where) {
    out_ += " WHERE ";
    visit(*n.where);
  }
  render_returning(n.returning, StatementKind::update);
}

void Compiler::visit_delete(const DeleteNode& n) {
  kind_ = StatementKind::del;
  dml_table_ = n.table;
  out_ += "DELETE FROM ";
  out_ += quote(n.table->name());
  if (n.where) {
    out_ += " WHERE ";
    visit(*n.where);
  }
  render_returning(n.returning, StatementKind::del);
}

void Compiler::visit_text(const TextNode& n) {
  if (n.escaped_colon_name && dialect_.features().colon_names_are_parameters)
    throw CompileError("text(): an escaped colon before a name (\\:name) outside quotes renders ':name', which " +
                       std::string(dialect_.name()) +
                       " reads as a parameter; put the colon inside a string literal or a quoted identifier");
  kind_ = StatementKind::text;
  returns_rows_ = n.returns_rows;
  if (inline_literals_ && !n.bind_names.empty()) unsupported("a named bind parameter in inline SQL");
  for (std::size_t i = 0; i < n.segments.size(); ++i) {
    out_ += n.segments[i];
    if (i < n.bind_names.size()) emit_placeholder(BindSlot{n.bind_names[i], -1, NullType()});
  }
}

}  // namespace crucible::sql
