// SPDX-License-Identifier: MIT
// Operations: description, reverse, hazards, rendering and running. SQLite's batch copy is in
// batch.cpp.
#include "crucible/migrate/operations.hpp"

#include <algorithm>
#include <memory>

#include "crucible/engine/connection.hpp"
#include "crucible/migrate/inspector.hpp"
#include "crucible/sql/compiler.hpp"
#include "crucible/sql/dialect.hpp"
#include "crucible/sql/nodes.hpp"
#include "crucible/sql/text.hpp"
#include "migrate/batch.hpp"
#include "migrate/support.hpp"

namespace crucible::migrate {

namespace {

using internal::compiled_ddl;
using internal::Overloaded;

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  return out;
}

const std::vector<std::string>& constraint_columns(const TableConstraint& c) {
  static const std::vector<std::string> none;
  return std::visit(Overloaded{[](const ForeignKeyConstraint& f) -> const std::vector<std::string>& { return f.key.columns; },
                               [](const CheckConstraint&) -> const std::vector<std::string>& { return none; },
                               [](const auto& other) -> const std::vector<std::string>& { return other.columns; }},
                    c);
}

std::string column_change_summary(const AlterColumn& a) {
  std::vector<std::string> parts;
  if (a.type) parts.push_back("type " + type_display(*a.type));
  if (a.nullable) parts.push_back(*a.nullable ? "nullable" : "not null");
  if (a.server_default) parts.push_back(*a.server_default ? "default " + **a.server_default : "no default");
  if (a.comment) parts.push_back(a.comment->empty() ? "no comment" : "comment");
  if (!a.new_name.empty()) parts.push_back("rename to " + a.new_name);
  return join(parts);
}

bool dialect_selected(const ExecuteSql& e, const sql::Dialect& dialect) {
  if (e.dialects.empty()) return true;
  const std::string_view name = dialect.name();
  return std::any_of(e.dialects.begin(), e.dialects.end(), [&](const std::string& wanted) {
    return wanted == name || (wanted == "mariadb" && name == "mysql");
  });
}

// A type that holds fewer values than another of its family: a shorter string, fewer digits, a
// smaller integer, or a different family altogether.
bool narrows(const SqlType& from, const SqlType& to) {
  auto integer_rank = [](TypeKind k) {
    switch (k) {
      case TypeKind::small_integer: return 1;
      case TypeKind::integer: return 2;
      case TypeKind::big_integer: return 3;
      default: return 0;
    }
  };
  if (integer_rank(from.kind) && integer_rank(to.kind)) return integer_rank(to.kind) < integer_rank(from.kind);
  if (from.kind == to.kind) {
    if (from.kind == TypeKind::string) return to.length > 0 && (from.length == 0 || to.length < from.length);
    if (from.kind == TypeKind::numeric)
      return to.precision > 0 && (from.precision == 0 || to.precision < from.precision || to.scale < from.scale);
    if (from.kind == TypeKind::enumeration && from.enum_info && to.enum_info)
      return std::any_of(from.enum_info->labels.begin(), from.enum_info->labels.end(), [&](const std::string& l) {
        return std::find(to.enum_info->labels.begin(), to.enum_info->labels.end(), l) == to.enum_info->labels.end();
      });
    return false;
  }
  if (from.kind == TypeKind::string && to.kind == TypeKind::text) return false;
  if (from.kind == TypeKind::float32 && to.kind == TypeKind::float64) return false;
  if (integer_rank(from.kind) && (to.kind == TypeKind::numeric || to.kind == TypeKind::float64)) return false;
  return true;
}

std::string bulk_insert_prefix(const BulkInsert& b, const sql::Dialect& dialect) {
  std::string out = "INSERT INTO " + dialect.quote_identifier(b.table) + " (";
  for (std::size_t i = 0; i < b.columns.size(); ++i) out += (i ? ", " : "") + dialect.quote_identifier(b.columns[i]);
  return out + ") VALUES ";
}

void check_bulk_insert(const BulkInsert& b) {
  if (b.columns.empty()) throw ArgumentError("bulk insert into '" + b.table + "' names no columns");
  for (std::size_t r = 0; r < b.rows.size(); ++r)
    if (b.rows[r].size() != b.columns.size())
      throw ArgumentError("bulk insert into '" + b.table + "': row " + std::to_string(r + 1) + " has " +
                          std::to_string(b.rows[r].size()) + " values for " + std::to_string(b.columns.size()) +
                          " columns");
}

// Text SQL with its :name parameters written as literals.
std::string inline_parameters(const ExecuteSql& e, sql::Compiler& compiler) {
  const TextClause clause(e.sql);
  const auto& node = static_cast<const sql::TextNode&>(*clause.root());
  std::string out;
  for (std::size_t i = 0; i < node.segments.size(); ++i) {
    out += node.segments[i];
    if (i >= node.bind_names.size()) continue;
    const Value* value = e.params.find(node.bind_names[i]);
    if (!value) throw ArgumentError("SQL of a migration uses :" + node.bind_names[i] + " but no value is given");
    out += compiler.value_literal(*value);
  }
  return out;
}

}  // namespace

TableConstraint named(TableConstraint constraint, std::string_view table, const NamingConvention& convention) {
  if (!name_of(constraint).empty() && kind_of(constraint) != ConstraintKind::check) return constraint;
  std::visit(Overloaded{[&](ForeignKeyConstraint& f) {
                          f.key.name = convention.name_for(ConstraintKind::foreign_key, table, f.key.columns,
                                                           f.key.target_table, f.key.target_columns);
                        },
                        [&](CheckConstraint& c) {
                          if (!convention.check.empty() && (!c.name.empty() || convention.check.find("%(constraint_name)s") ==
                                                                                   std::string::npos))
                            c.name = convention.name_for(ConstraintKind::check, table, {}, {}, {}, c.name);
                        },
                        [&](auto& c) { c.name = convention.name_for(kind_of(constraint), table, c.columns); }},
             constraint);
  return constraint;
}

CreateTable create_table_of(const Table& table) {
  CreateTable out{table.name(), {}};
  const auto key = table.primary_key();
  for (const Column& c : table.columns()) {
    // A fresh column: its unique, index and foreign key flags are in the table's lists below.
    Column copy(c.name(), c.type());
    if (key.size() == 1 && key.front() == &c) {
      copy.primary_key();
      if (c.autoincrement_setting() != Autoincrement::automatic) copy.autoincrement(c.autoincrement_setting() == Autoincrement::yes);
    }
    if (c.is_nullable() != copy.is_nullable()) copy.nullable(c.is_nullable());
    if (c.server_default_sql()) copy.server_default(*c.server_default_sql());
    if (!c.comment().empty()) copy.comment(c.comment());
    out.items.emplace_back(std::move(copy));
  }
  if (key.size() > 1 || (!key.empty() && !table.primary_key_name().empty())) {
    std::vector<std::string> names;
    for (const Column* c : key) names.push_back(c->name());
    out.items.emplace_back(PrimaryKeyConstraint(names, table.primary_key_name()));
  }
  for (const auto& u : table.unique_constraints()) out.items.emplace_back(u);
  for (const auto& fk : table.foreign_keys())
    out.items.emplace_back(ForeignKeyConstraint(fk.columns, fk.target_table, fk.target_columns, fk.on_delete,
                                                fk.on_update, fk.name));
  for (const auto& ck : table.check_constraints()) out.items.emplace_back(ck);
  for (const auto& ix : table.indexes()) out.items.emplace_back(ix);
  if (!table.comment().empty()) out.items.emplace_back(TableComment(table.comment()));
  return out;
}

std::string describe(const Operation& op) {
  return std::visit(
      Overloaded{
          [](const CreateTable& o) { return "create table " + o.name; },
          [](const DropTable& o) { return "drop table " + o.name; },
          [](const RenameTable& o) { return "rename table " + o.from + " to " + o.to; },
          [](const AddColumn& o) { return "add column " + o.table + "." + o.column.name(); },
          [](const DropColumn& o) { return "drop column " + o.table + "." + o.column; },
          [](const AlterColumn& o) { return "alter column " + o.table + "." + o.column + " (" + column_change_summary(o) + ")"; },
          [](const CreateIndex& o) {
            return std::string(o.index.is_unique() ? "create unique index " : "create index ") + o.index.name() + " on " +
                   o.table + " (" + join(o.index.columns()) + ")";
          },
          [](const DropIndex& o) { return "drop index " + o.name + " on " + o.table; },
          [](const AddConstraint& o) {
            const std::string& name = name_of(o.constraint);
            return "add " + std::string(constraint_kind_name(kind_of(o.constraint))) + (name.empty() ? "" : " " + name) +
                   " on " + o.table + " (" + join(constraint_columns(o.constraint)) + ")";
          },
          [](const DropConstraint& o) {
            return "drop " + std::string(constraint_kind_name(o.kind)) + " " + o.name + " on " + o.table;
          },
          [](const SetTableComment& o) { return std::string(o.comment.empty() ? "remove" : "set") + " comment on table " + o.table; },
          [](const ExecuteSql& o) {
            std::string first_line = o.sql.substr(0, o.sql.find('\n'));
            if (first_line.size() > 60) first_line = first_line.substr(0, 57) + "...";
            return "execute " + first_line + (o.dialects.empty() ? "" : " (on " + join(o.dialects) + " only)");
          },
          [](const BulkInsert& o) { return "insert " + std::to_string(o.rows.size()) + " rows into " + o.table; },
      },
      op);
}

Operation reverse(const Operation& op) {
  auto irreversible = [&](const std::string& why) -> MigrationError {
    return MigrationError("cannot reverse '" + describe(op) + "': " + why);
  };
  return std::visit(
      Overloaded{
          [](const CreateTable& o) -> Operation { return DropTable{o.name, o.items}; },
          [&](const DropTable& o) -> Operation {
            if (o.items.empty()) throw irreversible("the dropped table's definition is not recorded");
            return CreateTable{o.name, o.items};
          },
          [](const RenameTable& o) -> Operation { return RenameTable{o.to, o.from}; },
          [](const AddColumn& o) -> Operation { return DropColumn{o.table, o.column.name(), o.column}; },
          [&](const DropColumn& o) -> Operation {
            if (!o.definition) throw irreversible("the dropped column's definition is not recorded");
            return AddColumn{o.table, *o.definition};
          },
          [&](const AlterColumn& o) -> Operation {
            AlterColumn back;
            back.table = o.table;
            back.column = o.new_name.empty() ? o.column : o.new_name;
            if (!o.new_name.empty()) back.new_name = o.column;
            if (o.type) {
              if (!o.existing_type) throw irreversible("its existing type is not recorded");
              back.type = o.existing_type;
              back.existing_type = o.type;
            } else {
              back.existing_type = o.existing_type;
            }
            if (o.nullable) {
              if (!o.existing_nullable) throw irreversible("its existing nullability is not recorded");
              back.nullable = o.existing_nullable;
              back.existing_nullable = o.nullable;
            } else {
              back.existing_nullable = o.existing_nullable;
            }
            if (o.server_default) {
              if (!o.existing_server_default) throw irreversible("its existing server default is not recorded");
              back.server_default = o.existing_server_default;
              back.existing_server_default = o.server_default;
            } else {
              back.existing_server_default = o.existing_server_default;
            }
            if (o.comment) {
              if (!o.existing_comment) throw irreversible("its existing comment is not recorded");
              back.comment = o.existing_comment;
              back.existing_comment = o.comment;
            } else {
              back.existing_comment = o.existing_comment;
            }
            back.existing_autoincrement = o.existing_autoincrement;
            return back;
          },
          [](const CreateIndex& o) -> Operation { return DropIndex{o.table, o.index.name(), o.index, o.concurrently}; },
          [&](const DropIndex& o) -> Operation {
            if (!o.definition) throw irreversible("the dropped index's definition is not recorded");
            return CreateIndex{o.table, *o.definition, o.concurrently};
          },
          [&](const AddConstraint& o) -> Operation {
            const std::string& name = name_of(o.constraint);
            if (name.empty() && kind_of(o.constraint) != ConstraintKind::primary_key)
              throw irreversible("the constraint has no name to drop it by (name it, or give the MetaData a naming convention)");
            return DropConstraint{o.table, name, kind_of(o.constraint), o.constraint};
          },
          [&](const DropConstraint& o) -> Operation {
            if (!o.definition) throw irreversible("the dropped constraint's definition is not recorded");
            return AddConstraint{o.table, *o.definition};
          },
          [&](const SetTableComment& o) -> Operation {
            if (!o.existing_comment) throw irreversible("the existing comment is not recorded");
            return SetTableComment{o.table, *o.existing_comment, o.comment};
          },
          [&](const ExecuteSql& o) -> Operation {
            if (o.reverse_sql.empty()) throw irreversible("it gives no reverse SQL");
            return ExecuteSql{o.reverse_sql, o.params, o.dialects, o.sql};
          },
          [&](const BulkInsert&) -> Operation { throw irreversible("inserted rows are not removed automatically"); },
      },
      op);
}

std::string hazard(const Operation& op, const sql::Dialect& dialect) {
  return std::visit(
      Overloaded{
          [](const DropTable& o) { return "drops table " + o.name + " and every row in it"; },
          [](const DropColumn& o) { return "drops column " + o.table + "." + o.column + " and its values"; },
          [](const AddColumn& o) -> std::string {
            if (!o.column.is_nullable() && !o.column.server_default_sql())
              return "adds NOT NULL column " + o.table + "." + o.column.name() +
                     " without a server default: fails on a table that has rows";
            return {};
          },
          [](const AlterColumn& o) -> std::string {
            if (o.type && (!o.existing_type || narrows(*o.existing_type, *o.type)))
              return "changes " + o.table + "." + o.column + " to " + type_display(*o.type) +
                     (o.existing_type ? " from " + type_display(*o.existing_type) : std::string()) +
                     ": values that do not fit fail or are cut";
            if (o.nullable && !*o.nullable && o.existing_nullable.value_or(true))
              return "makes " + o.table + "." + o.column + " NOT NULL: fails while a row holds NULL";
            return {};
          },
          [&](const CreateIndex& o) -> std::string {
            if (!o.concurrently && dialect.features().index_build_blocks_writes)
              return "builds index " + o.index.name() + " without CONCURRENTLY: blocks writes to " + o.table +
                     " while it builds";
            return {};
          },
          [](const auto&) -> std::string { return {}; },
      },
      op);
}

bool needs_autocommit(const Operation& op, const sql::Dialect& dialect) {
  if (!dialect.features().supports_transactional_ddl || dialect.features().in_process) return false;
  if (const auto* c = std::get_if<CreateIndex>(&op)) return c->concurrently;
  if (const auto* d = std::get_if<DropIndex>(&op)) return d->concurrently;
  return false;
}

std::vector<std::string> render(const Operation& op, const sql::Dialect& dialect, const NamingConvention& convention) {
  auto compiler = dialect.make_compiler();
  return std::visit(
      Overloaded{
          [&](const CreateTable& o) {
            MetaData scratch(convention);
            const Table& table = scratch.add_table(o.name, o.items);
            auto out = dialect.create_table_ddl(table);
            for (auto& s : dialect.create_indexes_ddl(table)) out.push_back(std::move(s));
            return out;
          },
          [&](const DropTable& o) -> std::vector<std::string> { return {"DROP TABLE " + dialect.quote_identifier(o.name)}; },
          [&](const RenameTable& o) -> std::vector<std::string> { return {compiler->rename_table(o.from, o.to)}; },
          [&](const AddColumn& o) { return compiler->add_column(o.table, o.column, convention); },
          [&](const DropColumn& o) -> std::vector<std::string> { return {compiler->drop_column(o.table, o.column)}; },
          [&](const AlterColumn& o) { return compiler->alter_column(o); },
          [&](const CreateIndex& o) -> std::vector<std::string> {
            return {compiler->create_index(o.table, o.index, false, o.concurrently)};
          },
          [&](const DropIndex& o) -> std::vector<std::string> {
            return {compiler->drop_index(o.table, o.name, false, o.concurrently)};
          },
          [&](const AddConstraint& o) -> std::vector<std::string> {
            return {compiler->add_constraint(o.table, named(o.constraint, o.table, convention))};
          },
          [&](const DropConstraint& o) -> std::vector<std::string> {
            return {compiler->drop_constraint(o.table, o.name, o.kind)};
          },
          [&](const SetTableComment& o) { return compiler->set_table_comment(o.table, o.comment); },
          [&](const ExecuteSql& o) -> std::vector<std::string> {
            if (!dialect_selected(o, dialect)) return {};
            return {inline_parameters(o, *compiler)};
          },
          [&](const BulkInsert& o) -> std::vector<std::string> {
            check_bulk_insert(o);
            if (o.rows.empty()) return {};
            std::string sql = bulk_insert_prefix(o, dialect);
            for (std::size_t r = 0; r < o.rows.size(); ++r) {
              sql += r ? ", (" : "(";
              for (std::size_t i = 0; i < o.rows[r].size(); ++i) sql += (i ? ", " : "") + compiler->value_literal(o.rows[r][i]);
              sql += ")";
            }
            return {sql};
          },
      },
      op);
}

// ----- Operations --------------------------------------------------------------------------------

Operations::Operations(Connection& connection, NamingConvention convention)
    : connection_(connection), convention_(std::move(convention)) {}

void Operations::execute(const std::string& sql) {
  statements_.push_back(sql);
  connection_.execute(compiled_ddl(sql));
}

void Operations::run(const Operation& op) {
  const sql::Dialect& dialect = connection_.dialect();
  const bool was_in_transaction = connection_.in_transaction();
  if (const auto* e = std::get_if<ExecuteSql>(&op)) {
    if (!dialect_selected(*e, dialect)) return;
    statements_.push_back(e->sql);
    connection_.execute(text(e->sql), e->params);
    return;
  }
  if (const auto* b = std::get_if<BulkInsert>(&op)) {
    check_bulk_insert(*b);
    if (b->rows.empty()) return;
    std::string sql = bulk_insert_prefix(*b, dialect) + "(";
    for (std::size_t i = 0; i < b->columns.size(); ++i) sql += (i ? ", :p" : ":p") + std::to_string(i);
    sql += ")";
    std::vector<Params> sets;
    sets.reserve(b->rows.size());
    for (const auto& row : b->rows) {
      Params p;
      for (std::size_t i = 0; i < row.size(); ++i) p.set("p" + std::to_string(i), row[i]);
      sets.push_back(std::move(p));
    }
    statements_.push_back(sql);
    connection_.execute_many(text(sql), sets);
    return;
  }
  if (needs_autocommit(op, dialect)) {
    // CONCURRENTLY cannot run inside a transaction: what ran before it is committed first.
    if (connection_.in_transaction()) connection_.commit();
    for (const auto& sql : render(op, dialect, convention_)) {
      statements_.push_back(sql);
      connection_.exec_driver_sql(sql);
    }
    return;
  }
  if (needs_batch(op)) {
    const std::string table = std::visit(
        Overloaded{[](const AlterColumn& o) { return o.table; }, [](const AddConstraint& o) { return o.table; },
                   [](const DropConstraint& o) { return o.table; }, [](const AddColumn& o) { return o.table; },
                   [](const DropColumn& o) { return o.table; }, [](const auto&) { return std::string(); }},
        op);
    run_batch(table, op, was_in_transaction);
    return;
  }
  if (const auto* a = std::get_if<AlterColumn>(&op)) {
    for (const auto& sql : render(with_existing(*a), dialect, convention_)) execute(sql);
    return;
  }
  for (const auto& sql : render(op, dialect, convention_)) execute(sql);
}

// What the column is now, for the members the alteration leaves out, read from the database.
AlterColumn Operations::with_existing(const AlterColumn& change) {
  if (!change.changes_definition() || (change.existing_type && change.existing_nullable && change.existing_server_default &&
                                       change.existing_comment))
    return change;
  const ReflectedTable table = Inspector(connection_).table(change.table);
  const ReflectedColumn* column = table.column(change.column);
  if (!column) throw MigrationError("alter column: table '" + change.table + "' has no column '" + change.column + "'");
  AlterColumn filled = change;
  if (!filled.existing_type) filled.existing_type = column->type;
  if (!filled.existing_nullable) filled.existing_nullable = column->nullable;
  if (!filled.existing_server_default) filled.existing_server_default = column->server_default;
  if (!filled.existing_comment) filled.existing_comment = column->comment;
  filled.existing_autoincrement = filled.existing_autoincrement || column->autoincrement;
  if (filled.existing_type->kind == TypeKind::null_type && !change.type)
    throw MigrationError("alter column " + change.table + "." + change.column + ": its type " + column->type_sql +
                         " has no Crucible equivalent to restate; give existing_type");
  return filled;
}

bool Operations::needs_batch(const Operation& op) {
  if (connection_.dialect().features().supports_alter_column) return false;
  return std::visit(Overloaded{[](const AlterColumn& o) { return o.type || o.nullable || o.server_default; },
                               [](const AddConstraint&) { return true; }, [](const DropConstraint&) { return true; },
                               [](const AddColumn& o) { return batch::add_column_needs_copy(o.column); },
                               [&](const DropColumn& o) { return batch::drop_column_needs_copy(connection_, o); },
                               [](const auto&) { return false; }},
                    op);
}

void Operations::run_batch(const std::string& table, const Operation& op, bool was_in_transaction) {
  // The definition changes by copy; a rename riding along is SQLite's own RENAME COLUMN after it.
  if (const auto* a = std::get_if<AlterColumn>(&op); a && !a->new_name.empty()) {
    AlterColumn definition = *a;
    definition.new_name.clear();
    batch::copy_table(connection_, table, definition, convention_, was_in_transaction, statements_);
    AlterColumn rename;
    rename.table = a->table;
    rename.column = a->column;
    rename.new_name = a->new_name;
    for (const auto& sql : render(rename, connection_.dialect(), convention_)) execute(sql);
    return;
  }
  batch::copy_table(connection_, table, op, convention_, was_in_transaction, statements_);
}

}  // namespace crucible::migrate
