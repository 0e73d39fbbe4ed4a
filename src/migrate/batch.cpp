// SPDX-License-Identifier: MIT
// SQLite batch copy (batch.hpp). The new table is written from the reflected one, keeping each
// untouched column's declared type text as it was (its affinity and rowid aliasing depend on
// that text), and the indexes and triggers are re-created from their own SQL.
#include "migrate/batch.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>
#include <optional>

#include "crucible/engine/connection.hpp"
#include "crucible/migrate/inspector.hpp"
#include "crucible/sql/compiler.hpp"
#include "crucible/sql/dialect.hpp"
#include "crucible/sql/text.hpp"
#include "migrate/support.hpp"

namespace crucible::migrate::batch {

namespace {

using internal::compiled_ddl;
using internal::Overloaded;

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Whether `word` appears in `sql` as a whole identifier (bare or quoted), case-insensitively.
bool mentions(std::string_view sql, std::string_view word) {
  const std::string haystack = upper(sql);
  const std::string needle = upper(word);
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (std::size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) {
    const bool left = at == 0 || !is_word(haystack[at - 1]);
    const std::size_t end = at + needle.size();
    const bool right = end >= haystack.size() || !is_word(haystack[end]);
    if (left && right) return true;
  }
  return false;
}

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// A default SQLite's ADD COLUMN accepts: a number, a string or blob literal, NULL, TRUE, FALSE.
bool constant_default(std::string_view sql) {
  if (sql.empty()) return true;
  const std::string u = upper(sql);
  if (u == "NULL" || u == "TRUE" || u == "FALSE") return true;
  if (sql.front() == '\'' || ((u[0] == 'X') && sql.size() > 1 && sql[1] == '\'')) return true;
  std::size_t i = (sql.front() == '-' || sql.front() == '+') ? 1 : 0;
  if (i >= sql.size()) return false;
  for (; i < sql.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(sql[i])) && sql[i] != '.' && sql[i] != 'e' && sql[i] != 'E')
      return false;
  return true;
}

// The copy's plan: the reflected table changed by the operation, and what moves across.
struct Plan {
  ReflectedTable table;
  std::vector<std::string> copied;         // columns whose values move (same name both sides)
  std::vector<std::string> changed_types;  // columns whose declared type is rewritten
  std::vector<std::string> extra_indexes;  // CREATE INDEX statements to add
  std::vector<std::string> dropped_column_words;  // an index or trigger mentioning these goes
};

ReflectedColumn& column_in(ReflectedTable& t, const std::string& name) {
  for (auto& c : t.columns)
    if (c.name == name) return c;
  throw MigrationError("table '" + t.name + "' has no column '" + name + "'");
}

// Drops the CHECK that an enum declaration made for `column` ("col" IN (...)).
void drop_enum_check(ReflectedTable& t, const std::string& column) {
  std::erase_if(t.check_constraints, [&](const ReflectedCheckConstraint& ck) {
    if (!ck.name.empty()) return false;
    const std::string u = upper(ck.sql);
    const std::string col = upper(column);
    return u.rfind(col + " IN (", 0) == 0 || u.rfind("\"" + col + "\" IN (", 0) == 0;
  });
}

void apply(Plan& plan, const Operation& op, sql::Compiler& compiler, const sql::Dialect& dialect,
           const NamingConvention& convention) {
  ReflectedTable& t = plan.table;
  if (const auto* a = std::get_if<AlterColumn>(&op)) {
    ReflectedColumn& c = column_in(t, a->column);
    if (a->type) {
      if (c.type.kind == TypeKind::enumeration || (a->existing_type && a->existing_type->kind == TypeKind::enumeration) ||
          a->type->kind == TypeKind::enumeration)
        drop_enum_check(t, c.name);
      c.type = *a->type;
      c.type_sql = compiler.type_name(*a->type);
      plan.changed_types.push_back(c.name);
      if (a->type->kind == TypeKind::enumeration && a->type->enum_info) {
        std::string check = dialect.quote_identifier(c.name) + " IN (";
        for (std::size_t i = 0; i < a->type->enum_info->labels.size(); ++i)
          check += (i ? ", " : "") + compiler.value_literal(Value(a->type->enum_info->labels[i]));
        t.check_constraints.push_back({"", check + ")"});
      }
    }
    if (a->nullable) c.nullable = *a->nullable;
    if (a->server_default) c.server_default = *a->server_default;
    return;
  }
  if (const auto* add = std::get_if<AddConstraint>(&op)) {
    const TableConstraint constraint = named(add->constraint, t.name, convention);
    std::visit(
        [&](const auto& k) {
          using K = std::decay_t<decltype(k)>;
          if constexpr (std::is_same_v<K, ForeignKeyConstraint>) {
            for (const auto& name : k.key.columns) column_in(t, name);
          } else if constexpr (!std::is_same_v<K, CheckConstraint>) {
            for (const auto& name : k.columns) column_in(t, name);
          }
          if constexpr (std::is_same_v<K, PrimaryKeyConstraint>) {
            if (!t.primary_key.columns.empty())
              throw MigrationError("table '" + t.name + "' already has a primary key; drop it first");
            t.primary_key = {k.name, k.columns};
          } else if constexpr (std::is_same_v<K, UniqueConstraint>) {
            t.unique_constraints.push_back({k.name, k.columns});
          } else if constexpr (std::is_same_v<K, CheckConstraint>) {
            t.check_constraints.push_back({k.name, k.expression ? compiler.render_inline(*k.expression) : k.sql});
          } else {
            ReflectedForeignKey fk;
            fk.name = k.key.name;
            fk.columns = k.key.columns;
            fk.referred_table = k.key.target_table;
            fk.referred_columns = k.key.target_columns;
            fk.on_delete = k.key.on_delete;
            fk.on_update = k.key.on_update;
            t.foreign_keys.push_back(std::move(fk));
          }
        },
        constraint);
    return;
  }
  if (const auto* drop = std::get_if<DropConstraint>(&op)) {
    auto missing = [&]() {
      return MigrationError("table '" + t.name + "' has no " + std::string(constraint_kind_name(drop->kind)) + " named '" +
                            drop->name + "' (SQLite keeps a constraint's name only when it was declared with one)");
    };
    auto erase_named = [&](auto& list) {
      const auto before = list.size();
      std::erase_if(list, [&](const auto& item) { return item.name == drop->name; });
      if (list.size() == before) throw missing();
    };
    switch (drop->kind) {
      case ConstraintKind::primary_key:
        if (t.primary_key.columns.empty()) throw missing();
        t.primary_key = {};
        for (auto& c : t.columns) c.autoincrement = false;
        break;
      case ConstraintKind::unique: erase_named(t.unique_constraints); break;
      case ConstraintKind::check: erase_named(t.check_constraints); break;
      case ConstraintKind::foreign_key: erase_named(t.foreign_keys); break;
    }
    return;
  }
  if (const auto* add = std::get_if<AddColumn>(&op)) {
    const Column& col = add->column;
    if (t.column(col.name())) throw MigrationError("table '" + t.name + "' already has a column '" + col.name() + "'");
    if (col.is_primary_key())
      throw MigrationError("add column " + t.name + "." + col.name() +
                           ": a primary key column cannot be added to a table with rows; add the column, then the key");
    ReflectedColumn c;
    c.name = col.name();
    c.type = col.type();
    c.type_sql = compiler.type_name(col.type());
    c.nullable = col.is_nullable();
    c.server_default = col.server_default_sql();
    t.columns.push_back(std::move(c));
    if (col.type().kind == TypeKind::enumeration && col.type().enum_info) {
      std::string check = dialect.quote_identifier(col.name()) + " IN (";
      for (std::size_t i = 0; i < col.type().enum_info->labels.size(); ++i)
        check += (i ? ", " : "") + compiler.value_literal(Value(col.type().enum_info->labels[i]));
      t.check_constraints.push_back({"", check + ")"});
    }
    if (col.is_unique())
      t.unique_constraints.push_back({convention.name_for(ConstraintKind::unique, t.name, {col.name()}), {col.name()}});
    if (const auto& key = col.foreign_key()) {
      ReflectedForeignKey fk;
      fk.name = key->name.empty() ? convention.name_for(ConstraintKind::foreign_key, t.name, key->columns,
                                                        key->target_table, key->target_columns)
                                  : key->name;
      fk.columns = key->columns;
      fk.referred_table = key->target_table;
      fk.referred_columns = key->target_columns;
      fk.on_delete = key->on_delete;
      fk.on_update = key->on_update;
      t.foreign_keys.push_back(std::move(fk));
    }
    if (col.is_indexed()) {
      std::string name = convention.index_name(t.name, {col.name()});
      if (name.empty()) name = "ix_" + t.name + "_" + col.name();
      plan.extra_indexes.push_back(compiler.create_index(t.name, Index(name, {col.name()}), false));
    }
    return;
  }
  if (const auto* drop = std::get_if<DropColumn>(&op)) {
    column_in(t, drop->column);
    std::erase_if(t.columns, [&](const ReflectedColumn& c) { return c.name == drop->column; });
    if (t.columns.empty()) throw MigrationError("drop column " + t.name + "." + drop->column + ": it is the table's last column");
    std::erase(plan.copied, drop->column);
    if (contains(t.primary_key.columns, drop->column)) t.primary_key = {};
    std::erase_if(t.unique_constraints, [&](const auto& u) { return contains(u.columns, drop->column); });
    std::erase_if(t.foreign_keys, [&](const auto& fk) { return contains(fk.columns, drop->column); });
    std::erase_if(t.check_constraints, [&](const auto& ck) { return mentions(ck.sql, drop->column); });
    plan.dropped_column_words.push_back(drop->column);
    return;
  }
  throw MigrationError("internal error: '" + describe(op) + "' is not a batch operation (please report)");
}

std::string create_statement(const Plan& plan, const std::string& name, bool autoincrement_keyword,
                             sql::Compiler& compiler, const sql::Dialect& dialect) {
  const ReflectedTable& t = plan.table;
  auto q = [&](std::string_view s) { return dialect.quote_identifier(s); };
  const bool rowid_key = t.primary_key.columns.size() == 1 && [&] {
    const ReflectedColumn* c = t.column(t.primary_key.columns.front());
    return c && upper(c->type_sql) == "INTEGER";
  }();
  std::vector<std::string> parts;
  for (const auto& c : t.columns) {
    std::string part = q(c.name);
    if (!c.type_sql.empty()) part += " " + c.type_sql;
    if (rowid_key && c.name == t.primary_key.columns.front()) {
      if (!t.primary_key.name.empty()) part += " CONSTRAINT " + q(t.primary_key.name);
      part += " PRIMARY KEY";
      if (autoincrement_keyword) part += " AUTOINCREMENT";
    }
    if (!c.nullable) part += " NOT NULL";
    if (c.server_default) part += " DEFAULT " + *c.server_default;
    parts.push_back(std::move(part));
  }
  if (!t.primary_key.columns.empty() && !rowid_key)
    parts.push_back(compiler.constraint_clause(PrimaryKeyConstraint(t.primary_key.columns, t.primary_key.name)));
  for (const auto& u : t.unique_constraints) parts.push_back(compiler.constraint_clause(UniqueConstraint(u.columns, u.name)));
  for (const auto& fk : t.foreign_keys)
    parts.push_back(compiler.constraint_clause(ForeignKeyConstraint(fk.columns, fk.referred_table, fk.referred_columns,
                                                                    fk.on_delete, fk.on_update, fk.name)));
  for (const auto& ck : t.check_constraints)
    parts.push_back((ck.name.empty() ? "" : "CONSTRAINT " + q(ck.name) + " ") + "CHECK (" + ck.sql + ")");
  std::string out = "CREATE TABLE " + q(name) + " (";
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
  return out + ")";
}

// Restores PRAGMA foreign_keys when the copy ends, however it ends.
class ForeignKeysOff {
 public:
  explicit ForeignKeysOff(Connection& connection) : connection_(connection) {
    connection_.exec_driver_sql("PRAGMA foreign_keys = OFF");
  }
  ~ForeignKeysOff() {
    try {
      connection_.exec_driver_sql("PRAGMA foreign_keys = ON");
    } catch (...) {
      // Never back in the pool without enforcement: a new connection gets the engine's options.
      connection_.invalidate();
    }
  }
  ForeignKeysOff(const ForeignKeysOff&) = delete;
  ForeignKeysOff& operator=(const ForeignKeysOff&) = delete;

 private:
  Connection& connection_;
};

}  // namespace

bool add_column_needs_copy(const Column& column) {
  if (column.is_unique() || column.is_primary_key()) return true;
  const auto& dflt = column.server_default_sql();
  if (!column.is_nullable() && !dflt) return true;
  if (dflt && !constant_default(*dflt)) return true;
  if (column.foreign_key() && dflt && upper(*dflt) != "NULL") return true;
  return false;
}

bool drop_column_needs_copy(Connection& connection, const DropColumn& op) {
  int major = 0, minor = 0;
  if (std::sscanf(connection.dialect().server_version().c_str(), "%d.%d", &major, &minor) == 2 &&
      (major < 3 || (major == 3 && minor < 35)))
    return true;
  const ReflectedTable t = Inspector(connection).table(op.table);
  if (contains(t.primary_key.columns, op.column)) return true;
  for (const auto& ix : t.indexes)
    if (contains(ix.columns, op.column) || std::any_of(ix.columns.begin(), ix.columns.end(), [](const std::string& c) { return c.empty(); }))
      return true;
  for (const auto& u : t.unique_constraints)
    if (contains(u.columns, op.column)) return true;
  for (const auto& fk : t.foreign_keys)
    if (contains(fk.columns, op.column)) return true;
  for (const auto& ck : t.check_constraints)
    if (mentions(ck.sql, op.column)) return true;
  return false;
}

void copy_table(Connection& connection, const std::string& table, const Operation& op,
                const NamingConvention& convention, bool was_in_transaction, std::vector<std::string>& statements) {
  const sql::Dialect& dialect = connection.dialect();
  auto compiler = dialect.make_compiler();
  auto q = [&](std::string_view s) { return dialect.quote_identifier(s); };
  auto run = [&](const std::string& sql) {
    statements.push_back(sql);
    connection.execute(compiled_ddl(sql));
  };

  // Foreign key enforcement must be off while the old table is dropped: with it on, the drop
  // deletes every row first and runs the ON DELETE actions of the tables that refer to it.
  const bool enforcing = connection.scalar<std::int64_t>("PRAGMA foreign_keys") != 0;
  const auto referring = connection
                             .execute(text("SELECT DISTINCT m.name FROM sqlite_master m "
                                           "JOIN pragma_foreign_key_list(m.name) f "
                                           "WHERE m.type = 'table' AND f.\"table\" = :t AND m.name <> :t"),
                                      {{"t", table}})
                             .scalars<std::string>();
  std::optional<ForeignKeysOff> keys_off;
  std::optional<Transaction> own;
  if (!was_in_transaction) {
    connection.rollback();  // ends the read transaction the queries above began
    if (enforcing) keys_off.emplace(connection);
    own.emplace(connection.begin());
  } else if (enforcing && !referring.empty()) {
    throw MigrationError("a batch copy of '" + table + "' (which SQLite needs for '" + describe(op) +
                         "') must drop it, and with foreign keys enforced inside this transaction that would run the "
                         "ON DELETE actions of " + referring.front() + "; run it outside a transaction (the migration "
                         "runner does) or with PRAGMA foreign_keys off");
  }

  Plan plan;
  plan.table = Inspector(connection).table(table);
  for (const auto& c : plan.table.columns) plan.copied.push_back(c.name);
  apply(plan, op, *compiler, dialect, convention);

  const auto create_sql = connection
                              .execute(text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"),
                                       {{"t", table}})
                              .scalars<std::string>();
  const bool autoincrement_keyword = !create_sql.empty() && mentions(create_sql.front(), "AUTOINCREMENT");
  auto kept = [&](const std::string& sql) {
    return std::none_of(plan.dropped_column_words.begin(), plan.dropped_column_words.end(),
                        [&](const std::string& column) { return mentions(sql, column); });
  };
  std::vector<std::string> indexes;
  for (auto& sql : connection
                       .execute(text("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t "
                                     "AND sql IS NOT NULL ORDER BY name"),
                                {{"t", table}})
                       .scalars<std::string>())
    if (kept(sql)) indexes.push_back(std::move(sql));
  const auto triggers = connection
                            .execute(text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t "
                                          "ORDER BY name"),
                                     {{"t", table}})
                            .scalars<std::string>();

  const std::string temporary = "_crucible_batch_" + table;
  run(create_statement(plan, temporary, autoincrement_keyword, *compiler, dialect));
  std::string columns;
  for (const auto& c : plan.copied)
    if (plan.table.column(c)) columns += (columns.empty() ? "" : ", ") + q(c);
  run("INSERT INTO " + q(temporary) + " (" + columns + ") SELECT " + columns + " FROM " + q(table));
  run("DROP TABLE " + q(table));
  // Legacy rename: the views and other tables' keys that name the table keep naming it, and
  // SQLite does not re-check them against the dropped table mid-copy.
  connection.exec_driver_sql("PRAGMA legacy_alter_table = ON");
  try {
    run("ALTER TABLE " + q(temporary) + " RENAME TO " + q(table));
  } catch (...) {
    connection.exec_driver_sql("PRAGMA legacy_alter_table = OFF");
    throw;
  }
  connection.exec_driver_sql("PRAGMA legacy_alter_table = OFF");
  for (const auto& sql : indexes) run(sql);
  for (const auto& sql : plan.extra_indexes) run(sql);
  for (const auto& sql : triggers) run(sql);

  std::vector<std::string> checked{table};
  checked.insert(checked.end(), referring.begin(), referring.end());
  for (const auto& name : checked) {
    auto violations = connection
                          .execute(text("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check(:t)"),
                                   {{"t", name}})
                          .as<std::string, std::optional<std::int64_t>, std::string>()
                          .all();
    if (!violations.empty()) {
      const auto& [child, rowid, parent] = violations.front();
      throw MigrationError("after '" + describe(op) + "', " + std::to_string(violations.size()) +
                           " row(s) break a foreign key: the first is row " +
                           (rowid ? std::to_string(*rowid) : std::string("?")) + " of " + child +
                           ", whose key names no row of " + parent + " (the copy is undone with its transaction)");
    }
  }
  if (own) own->commit();
}

}  // namespace crucible::migrate::batch
