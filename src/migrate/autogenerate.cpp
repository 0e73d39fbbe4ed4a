// SPDX-License-Identifier: MIT
// Autogenerate (autogenerate.hpp): the models' MetaData against the reflected database.
#include "crucible/migrate/autogenerate.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "crucible/engine/connection.hpp"
#include "crucible/engine/engine.hpp"
#include "crucible/migrate/inspector.hpp"
#include "crucible/sql/compiler.hpp"
#include "crucible/sql/dialect.hpp"

namespace crucible::migrate {

namespace {

std::string upper_spaced(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!out.empty() && out.back() != ' ') out += ' ';
      continue;
    }
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// Whether the reflected column has the model's type, as this dialect spells types: the
// catalog's own spelling or the type it maps back to must render as the model's does.
bool same_type(const Column& model, const ReflectedColumn& db, sql::Compiler& compiler) {
  const std::string wanted = upper_spaced(compiler.type_name(model.type()));
  if (upper_spaced(db.type_sql) == wanted) return true;
  if (db.type.kind != TypeKind::null_type && upper_spaced(compiler.type_name(db.type)) == wanted) return true;
  // MariaDB's JSON is an alias: LONGTEXT with a json_valid check.
  if (model.type().kind == TypeKind::json && upper_spaced(db.type_sql) == "LONGTEXT") return true;
  // MariaDB's native ENUM('a','b'): the labels decide. (Elsewhere an enum is the VARCHAR compared
  // above, and its values are in a CHECK: Comparer::enum_values.)
  if (model.type().kind == TypeKind::enumeration) {
    if (model.type().enum_info) {
      std::string labels;
      for (const auto& l : model.type().enum_info->labels) labels += (labels.empty() ? "'" : ",'") + l + "'";
      return upper_spaced(db.type_sql) == upper_spaced("enum(" + labels + ")");
    }
  }
  return false;
}

bool same_default(const std::optional<std::string>& model, const std::optional<std::string>& db) {
  if (!model && !db) return true;
  if (!model || !db) return normalize_default(model ? *model : *db) == "null";
  return normalize_default(*model) == normalize_default(*db);
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

Column column_of(const ReflectedColumn& c, bool primary_key) {
  Column out(c.name, c.type.kind == TypeKind::null_type ? Text() : c.type);
  if (primary_key) out.primary_key();
  out.nullable(c.nullable);
  if (c.server_default) out.server_default(*c.server_default);
  if (!c.comment.empty()) out.comment(c.comment);
  return out;
}

// A model column without what the table's own lists carry (unique, index, foreign key).
Column bare(const Column& c) {
  Column out(c.name(), c.type());
  if (c.is_primary_key()) out.primary_key();
  if (c.is_nullable() != out.is_nullable()) out.nullable(c.is_nullable());
  if (c.server_default_sql()) out.server_default(*c.server_default_sql());
  if (!c.comment().empty()) out.comment(c.comment());
  return out;
}

// The shape that rename detection compares: column names aside, types and nullability in order.
std::string shape_of(const Table& t, sql::Compiler& compiler) {
  std::string out;
  for (const auto& c : t.columns()) out += c.name() + ":" + upper_spaced(compiler.type_name(c.type())) + (c.is_nullable() ? "" : "!") + ";";
  return out;
}
std::string shape_of(const ReflectedTable& t, sql::Compiler& compiler) {
  std::string out;
  for (const auto& c : t.columns)
    out += c.name + ":" + upper_spaced(c.type.kind == TypeKind::null_type ? c.type_sql : compiler.type_name(c.type)) +
           (c.nullable ? "" : "!") + ";";
  return out;
}

struct Comparer {
  const sql::Dialect& dialect;
  std::unique_ptr<sql::Compiler> compiler;
  const AutogenerateOptions& options;
  std::vector<Step> creates, alters, drops;

  void table(const Table& model, const ReflectedTable& db) {
    const std::string& name = model.name();
    // Columns, with one dropped and one added of the same type and nullability read as a rename.
    std::vector<const Column*> added;
    std::vector<const ReflectedColumn*> removed;
    for (const auto& c : model.columns())
      if (!db.column(c.name())) added.push_back(&c);
    for (const auto& c : db.columns)
      if (!model.find_column(c.name)) removed.push_back(&c);
    // A removed and an added column that only each other match (type and nullability): a rename.
    if (options.detect_renames) {
      auto matches = [&](const Column* a, const ReflectedColumn* r) {
        return same_type(*a, *r, *compiler) && a->is_nullable() == r->nullable;
      };
      std::vector<std::pair<const ReflectedColumn*, const Column*>> renamed;
      for (const ReflectedColumn* r : removed) {
        const auto candidates = std::count_if(added.begin(), added.end(), [&](const Column* a) { return matches(a, r); });
        if (candidates != 1) continue;
        const Column* a = *std::find_if(added.begin(), added.end(), [&](const Column* c) { return matches(c, r); });
        const auto rivals = std::count_if(removed.begin(), removed.end(), [&](const ReflectedColumn* o) { return matches(a, o); });
        if (rivals == 1) renamed.emplace_back(r, a);
      }
      for (const auto& [r, a] : renamed) {
        AlterColumn rename;
        rename.table = name;
        rename.column = r->name;
        rename.new_name = a->name();
        alters.push_back({rename, "", 0,
                          "Proposed as a rename: " + name + " lost column " + r->name + " and gained " + a->name() +
                              " of the same type. If they are different columns, replace this step with a "
                              "drop_column and an add_column (the drop loses the values)."});
        std::erase(removed, r);
        std::erase(added, a);
      }
    }
    for (const Column* c : added) creates.push_back({AddColumn{name, bare(*c)}, "", 0, ""});
    for (const ReflectedColumn* c : removed) {
      const bool key = std::find(db.primary_key.columns.begin(), db.primary_key.columns.end(), c->name) !=
                       db.primary_key.columns.end();
      drops.push_back({DropColumn{name, c->name, column_of(*c, key)}, "", 0, ""});
    }
    for (const auto& c : model.columns()) {
      const ReflectedColumn* r = db.column(c.name());
      if (!r) continue;
      AlterColumn a;
      a.table = name;
      a.column = c.name();
      a.existing_type = r->type.kind == TypeKind::null_type ? std::optional<SqlType>() : std::optional<SqlType>(r->type);
      a.existing_nullable = r->nullable;
      a.existing_server_default = r->server_default;
      a.existing_comment = r->comment;
      a.existing_autoincrement = r->autoincrement;
      if (!same_type(c, *r, *compiler)) a.type = c.type();
      const bool key = c.is_primary_key();
      if (!key && c.is_nullable() != r->nullable) a.nullable = c.is_nullable();
      if (!r->autoincrement && !same_default(c.server_default_sql(), r->server_default)) a.server_default = c.server_default_sql();
      if (dialect.features().supports_comments && c.comment() != r->comment) a.comment = c.comment();
      if (a.changes_definition()) alters.push_back({a, "", 0, ""});
    }
    for (const auto& c : model.columns())
      if (c.type().kind == TypeKind::enumeration && db.column(c.name())) enum_values(model, db, c);
    if (dialect.features().supports_comments && model.comment() != db.comment)
      alters.push_back({SetTableComment{name, model.comment(), db.comment}, "", 0, ""});
    indexes(model, db);
    uniques(model, db);
    foreign_keys(model, db);
    checks(model, db);
  }

  // An enum kept as VARCHAR and a CHECK (every dialect but MariaDB's native ENUM): its values
  // live in the CHECK, so an added or removed value replaces the CHECK (Alembic sees neither).
  void enum_values(const Table& model, const ReflectedTable& db, const Column& column) {
    if (!column.type().enum_info) return;
    if (upper_spaced(compiler->type_name(column.type())).rfind("VARCHAR", 0) != 0) return;  // native ENUM
    const auto& labels = column.type().enum_info->labels;
    const std::set<std::string> wanted(labels.begin(), labels.end());
    const ReflectedCheckConstraint* found = nullptr;
    std::set<std::string> have;
    for (const auto& ck : db.check_constraints) {
      if (!mentions_column(ck.sql, column.name())) continue;
      std::set<std::string> literals = quoted_literals(ck.sql);
      if (literals.empty()) continue;
      found = &ck;
      have = std::move(literals);
      break;
    }
    if (found && have == wanted) return;
    const std::string note =
        "The values of enum column " + model.name() + "." + column.name() + " changed: its CHECK is replaced.";
    if (!dialect.features().supports_alter_column) {
      // SQLite: the batch copy that rewrites the column writes the new CHECK in place of the old
      // (one copy: a type change already proposed for the column does it).
      const bool copied = std::any_of(alters.begin(), alters.end(), [&](const Step& s) {
        const auto* a = std::get_if<AlterColumn>(&s.operation);
        return a && a->table == model.name() && a->column == column.name() && a->type;
      });
      if (copied) return;
      AlterColumn a;
      a.table = model.name();
      a.column = column.name();
      a.type = column.type();
      a.existing_type = column.type();
      alters.push_back({a, "", 0, note});
      return;
    }
    std::string values;
    for (const auto& l : labels) values += (values.empty() ? "" : ", ") + compiler->value_literal(Value(l));
    const std::string name = found && !found->name.empty() ? found->name : model.name() + "_" + column.name() + "_check";
    if (found && !found->name.empty())
      alters.push_back({DropConstraint{model.name(), found->name, ConstraintKind::check,
                                       CheckConstraint(found->sql, found->name)},
                        "", 0, note});
    alters.push_back({AddConstraint{model.name(),
                                    CheckConstraint(dialect.quote_identifier(column.name()) + " IN (" + values + ")", name)},
                      "", 0, found && !found->name.empty() ? "" : note});
  }
  static bool mentions_column(const std::string& sql, const std::string& column) {
    auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    for (std::size_t at = sql.find(column); at != std::string::npos; at = sql.find(column, at + 1)) {
      const std::size_t end = at + column.size();
      if ((at == 0 || !word(sql[at - 1])) && (end >= sql.size() || !word(sql[end]))) return true;
    }
    return false;
  }
  // The '...' literals of a CHECK: an enum's values, however the catalog prints the list
  // (SQLite: col IN ('a', 'b'); PostgreSQL: col::text = ANY (ARRAY['a'::character varying, ...])).
  static std::set<std::string> quoted_literals(const std::string& sql) {
    std::set<std::string> out;
    for (std::size_t i = 0; i < sql.size(); ++i) {
      if (sql[i] != '\'') continue;
      std::string text;
      for (++i; i < sql.size(); ++i) {
        if (sql[i] != '\'') {
          text += sql[i];
        } else if (i + 1 < sql.size() && sql[i + 1] == '\'') {
          text += '\'';
          ++i;
        } else {
          break;
        }
      }
      out.insert(std::move(text));
    }
    return out;
  }

  // The indexes behind keys, which MariaDB lists as indexes: a unique constraint's, and the one
  // it creates for a foreign key that has none (named after the key or after its column).
  static bool behind_a_key(const ReflectedTable& db, const ReflectedIndex& ix) {
    for (const auto& u : db.unique_constraints)
      if (u.name == ix.name) return true;
    for (const auto& fk : db.foreign_keys)
      if (fk.name == ix.name || (!ix.unique && ix.columns == fk.columns)) return true;
    return false;
  }

  void indexes(const Table& model, const ReflectedTable& db) {
    std::map<std::string, const ReflectedIndex*> have;
    for (const auto& ix : db.indexes) {
      const bool expression = std::any_of(ix.columns.begin(), ix.columns.end(), [&](const std::string& c) {
        return db.column(c) == nullptr;
      });
      const bool declared = std::any_of(model.indexes().begin(), model.indexes().end(),
                                        [&](const Index& m) { return m.name() == ix.name; });
      if (expression || (!declared && behind_a_key(db, ix))) continue;
      have[ix.name] = &ix;
    }
    std::set<std::string> wanted;
    for (const auto& ix : model.indexes()) {
      wanted.insert(ix.name());
      auto it = have.find(ix.name());
      if (it != have.end() && it->second->columns == ix.columns() && it->second->unique == ix.is_unique() &&
          (ix.where_sql().empty() == it->second->where.empty()))
        continue;
      if (it != have.end())
        drops.push_back({DropIndex{model.name(), ix.name(), index_of(*it->second), false}, "", 0,
                         "Index " + ix.name() + " changed: dropped and created again."});
      creates.push_back({CreateIndex{model.name(), ix, false}, "", 0, ""});
    }
    for (const auto& [name, ix] : have)
      if (!wanted.count(name)) drops.push_back({DropIndex{model.name(), name, index_of(*ix), false}, "", 0, ""});
  }
  static Index index_of(const ReflectedIndex& ix) {
    Index out(ix.name, ix.columns);
    out.unique(ix.unique);
    if (!ix.where.empty()) out.where(ix.where);
    return out;
  }

  void uniques(const Table& model, const ReflectedTable& db) {
    std::set<std::vector<std::string>> have, wanted;
    for (const auto& u : db.unique_constraints) have.insert(sorted(u.columns));
    for (const auto& u : model.unique_constraints()) {
      wanted.insert(sorted(u.columns));
      if (!have.count(sorted(u.columns))) alters.push_back({AddConstraint{model.name(), u}, "", 0, ""});
    }
    for (const auto& u : db.unique_constraints)
      if (!wanted.count(sorted(u.columns))) {
        // A unique index the model declares as an Index is not a lost constraint (MariaDB).
        const bool declared_index = std::any_of(model.indexes().begin(), model.indexes().end(),
                                                [&](const Index& ix) { return ix.name() == u.name; });
        if (declared_index) continue;
        drops.push_back({DropConstraint{model.name(), u.name, ConstraintKind::unique, UniqueConstraint(u.columns, u.name)},
                         "", 0, u.name.empty() ? "SQLite keeps no name for this constraint: name it to drop it." : ""});
      }
  }

  static std::string signature(const std::vector<std::string>& columns, const std::string& target,
                               const std::vector<std::string>& referred, const std::string& on_delete,
                               const std::string& on_update) {
    auto action = [](const std::string& a) { return a == "NO ACTION" ? std::string() : a; };
    std::string out;
    for (const auto& c : columns) out += c + ",";
    out += ">" + target + ":";
    for (const auto& c : referred) out += c + ",";
    return out + "|" + action(on_delete) + "|" + action(on_update);
  }

  void foreign_keys(const Table& model, const ReflectedTable& db) {
    std::set<std::string> have, wanted;
    for (const auto& fk : db.foreign_keys)
      have.insert(signature(fk.columns, fk.referred_table, fk.referred_columns, fk.on_delete, fk.on_update));
    for (const auto& fk : model.foreign_keys()) {
      const std::string sig = signature(fk.columns, fk.target_table, fk.target_columns, fk.on_delete, fk.on_update);
      wanted.insert(sig);
      if (!have.count(sig))
        creates.push_back({AddConstraint{model.name(), ForeignKeyConstraint(fk.columns, fk.target_table, fk.target_columns,
                                                                            fk.on_delete, fk.on_update, fk.name)},
                           "", 0, ""});
    }
    for (const auto& fk : db.foreign_keys)
      if (!wanted.count(signature(fk.columns, fk.referred_table, fk.referred_columns, fk.on_delete, fk.on_update)))
        drops.insert(drops.begin(),
                     Step{DropConstraint{model.name(), fk.name, ConstraintKind::foreign_key,
                                         ForeignKeyConstraint(fk.columns, fk.referred_table, fk.referred_columns,
                                                              fk.on_delete, fk.on_update, fk.name)},
                          "", 0, ""});
  }

  // Named checks only: the text of a check is the database's (PostgreSQL adds parentheses and
  // casts), so an unnamed one cannot be matched reliably; the named ones are matched by name.
  void checks(const Table& model, const ReflectedTable& db) {
    std::set<std::string> have, wanted;
    for (const auto& ck : db.check_constraints)
      if (!ck.name.empty()) have.insert(ck.name);
    for (const auto& ck : model.check_constraints()) {
      if (ck.name.empty()) continue;
      wanted.insert(ck.name);
      if (!have.count(ck.name)) alters.push_back({AddConstraint{model.name(), ck}, "", 0, ""});
    }
    for (const auto& ck : db.check_constraints) {
      if (ck.name.empty() || wanted.count(ck.name)) continue;
      // The checks a database adds by itself: MariaDB's json_valid for JSON columns, PostgreSQL
      // and SQLite names for an enum's CHECK.
      if (ck.sql.find("json_valid") != std::string::npos) continue;
      const bool model_has_unnamed = std::any_of(model.check_constraints().begin(), model.check_constraints().end(),
                                                 [](const CheckConstraint& c) { return c.name.empty(); });
      const bool enum_check = std::any_of(model.columns().begin(), model.columns().end(), [&](const Column& c) {
        return c.type().kind == TypeKind::enumeration && ck.sql.find(c.name()) != std::string::npos;
      });
      if (model_has_unnamed || enum_check) continue;
      drops.push_back({DropConstraint{model.name(), ck.name, ConstraintKind::check, CheckConstraint(ck.sql, ck.name)}, "",
                       0, ""});
    }
  }
};

}  // namespace

std::string normalize_default(std::string_view sql) {
  std::string s(sql);
  auto trim = [](std::string& t) {
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.erase(t.begin());
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
  };
  trim(s);
  // Outer parentheses, as SQLite and PostgreSQL keep or add them.
  while (s.size() >= 2 && s.front() == '(' && s.back() == ')') {
    s = s.substr(1, s.size() - 2);
    trim(s);
  }
  // PostgreSQL's casts: 'x'::character varying, 0::numeric, (...)::text.
  std::string out;
  bool quoted = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\'') {
      quoted = !quoted;
      out += c;
      continue;
    }
    if (!quoted && c == ':' && i + 1 < s.size() && s[i + 1] == ':') {
      i += 2;
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == ' ' || s[i] == '_' ||
                              s[i] == '(' || s[i] == ')' || s[i] == ','))
        ++i;
      --i;
      continue;
    }
    out += quoted ? c : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  trim(out);
  while (out.size() >= 2 && out.front() == '(' && out.back() == ')') {
    out = out.substr(1, out.size() - 2);
    trim(out);
  }
  if (out == "now()" || out == "current_timestamp()" || out == "current_timestamp") return "current_timestamp";
  if (out == "true") return "1";
  if (out == "false") return "0";
  // A number written with a fraction of zeros reads back without it on some backends.
  if (!out.empty() && (std::isdigit(static_cast<unsigned char>(out[0])) || out[0] == '-')) {
    const auto dot = out.find('.');
    if (dot != std::string::npos && out.find_first_not_of('0', dot + 1) == std::string::npos) out.resize(dot);
  }
  // A quoted number is the number (MariaDB quotes numeric defaults of some types).
  if (out.size() >= 2 && out.front() == '\'' && out.back() == '\'') {
    const std::string inner = out.substr(1, out.size() - 2);
    if (!inner.empty() && inner.find_first_not_of("0123456789.-") == std::string::npos) return normalize_default(inner);
  }
  return out;
}

std::vector<Step> autogenerate(Connection& connection, const MetaData& models, const AutogenerateOptions& options) {
  const sql::Dialect& dialect = connection.dialect();
  Comparer compare{dialect, dialect.make_compiler(), options, {}, {}, {}};
  std::vector<ReflectedTable> reflected = Inspector(connection).tables(options.schema);
  std::erase_if(reflected, [&](const ReflectedTable& t) {
    return t.name == options.version_table ||
           (options.include_table && !models.find_table(t.name) && !options.include_table(t.name));
  });
  std::map<std::string, const ReflectedTable*> in_db;
  for (const auto& t : reflected) in_db[t.name] = &t;

  std::vector<const Table*> new_tables;
  for (const Table* t : models.sorted_tables()) {
    auto it = in_db.find(t->name());
    if (it == in_db.end()) new_tables.push_back(t);
    else compare.table(*t, *it->second);
  }
  std::vector<const ReflectedTable*> gone;
  for (const auto& t : reflected)
    if (!models.find_table(t.name)) gone.push_back(&t);

  // A table that disappeared while one of the same shape appeared: a rename.
  std::vector<Step> renames;
  if (options.detect_renames)
    for (auto nt = new_tables.begin(); nt != new_tables.end();) {
      const std::string shape = shape_of(**nt, *compare.compiler);
      auto match = std::find_if(gone.begin(), gone.end(),
                                [&](const ReflectedTable* g) { return shape_of(*g, *compare.compiler) == shape; });
      if (match == gone.end()) {
        ++nt;
        continue;
      }
      renames.push_back({RenameTable{(*match)->name, (*nt)->name()}, "", 0,
                         "Proposed as a rename: table " + (*match)->name + " disappeared and " + (*nt)->name() +
                             " appeared with the same columns. If they are different tables, replace this step with "
                             "a drop_table and a create_table (the drop loses the rows)."});
      gone.erase(match);
      nt = new_tables.erase(nt);
    }

  std::vector<Step> out = std::move(renames);
  for (const Table* t : new_tables) out.push_back({create_table_of(*t), "", 0, ""});
  for (auto& s : compare.creates) out.push_back(std::move(s));
  for (auto& s : compare.alters) out.push_back(std::move(s));
  for (auto& s : compare.drops) out.push_back(std::move(s));
  // Tables last, each after every table that refers to it.
  while (!gone.empty()) {
    auto free = std::find_if(gone.begin(), gone.end(), [&](const ReflectedTable* t) {
      return std::none_of(gone.begin(), gone.end(), [&](const ReflectedTable* other) {
        return other != t && std::any_of(other->foreign_keys.begin(), other->foreign_keys.end(),
                                         [&](const ReflectedForeignKey& fk) { return fk.referred_table == t->name; });
      });
    });
    if (free == gone.end()) free = gone.begin();  // a cycle: the database reports what blocks it
    out.push_back({DropTable{(*free)->name, table_items(**free)}, "", 0, ""});
    gone.erase(free);
  }
  return out;
}

std::vector<Step> autogenerate(const Engine& engine, const MetaData& models, const AutogenerateOptions& options) {
  auto connection = engine.connect();
  return autogenerate(connection, models, options);
}

}  // namespace crucible::migrate
