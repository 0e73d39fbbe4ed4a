// SPDX-License-Identifier: MIT
// Inspector: bulk catalog queries per backend (names; columns and primary keys), and the
// mapping of each catalog's type spelling back to Crucible's types.
#include "crucible/migrate/inspector.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <tuple>
#include <utility>

#include "crucible/core/errors.hpp"
#include "crucible/engine/connection.hpp"
#include "crucible/engine/engine.hpp"
#include "crucible/sql/dialect.hpp"
#include "crucible/sql/schema.hpp"
#include "crucible/sql/text.hpp"

namespace crucible::migrate {

const ReflectedColumn* ReflectedTable::column(std::string_view wanted) const {
  for (const auto& c : columns)
    if (c.name == wanted) return &c;
  return nullptr;
}

namespace {

enum class Backend { sqlite, postgresql, mysql };

Backend backend_of(const Connection& conn) {
  const std::string_view name = conn.dialect().name();
  if (name == "postgresql") return Backend::postgresql;
  if (name == "mysql" || name == "mariadb") return Backend::mysql;
  return Backend::sqlite;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

std::string trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// "numeric(10, 2)" -> {"numeric", {10, 2}}; arguments that are not numbers (an ENUM's values)
// leave the list empty.
std::pair<std::string, std::vector<int>> split_type(const std::string& spelled) {
  const std::string t = lower(trimmed(spelled));
  const auto open = t.find('(');
  if (open == std::string::npos) return {t, {}};
  std::string base = trimmed(std::string_view(t).substr(0, open));
  const auto close = t.find(')', open);
  if (close == std::string::npos) return {base, {}};
  // Words after the arguments ("time(6) without time zone", "int(11) unsigned") stay in the base.
  const std::string after = trimmed(std::string_view(t).substr(close + 1));
  if (!after.empty()) base += " " + after;
  std::vector<int> args;
  std::string_view inside = std::string_view(t).substr(open + 1, close - open - 1);
  while (!inside.empty()) {
    const auto comma = inside.find(',');
    const std::string part = trimmed(inside.substr(0, comma));
    if (part.empty() || !std::all_of(part.begin(), part.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
      return {base, {}};
    args.push_back(std::stoi(part));
    if (comma == std::string_view::npos) break;
    inside.remove_prefix(comma + 1);
  }
  return {base, args};
}

SqlType numeric(const std::vector<int>& args) {
  if (args.size() == 2) return Numeric(args[0], args[1]);
  if (args.size() == 1) return Numeric(args[0], 0);
  return detail::make_type(TypeKind::numeric);
}

SqlType string_type(const std::vector<int>& args) { return String(args.empty() ? 0 : args[0]); }

// SQLite keeps the declared type as written (Crucible writes it upper case).
SqlType sqlite_type(const std::string& spelled) {
  const auto [base, args] = split_type(spelled);
  if (base == "integer" || base == "int") return Integer();
  if (base == "bigint") return BigInteger();
  if (base == "smallint") return SmallInteger();
  if (base == "boolean") return Boolean();
  if (base == "float" || base == "real") return Float();
  if (base == "double" || base == "double precision") return Double();
  if (base == "numeric" || base == "decimal") return numeric(args);
  if (base == "varchar" || base == "char" || base == "character" || base == "character varying")
    return string_type(args);
  if (base == "text" || base == "clob") return Text();
  if (base == "date") return DateType();
  if (base == "time") return TimeType();
  if (base == "datetime" || base == "timestamp") return DateTimeType();
  if (base == "json") return JSONType();
  if (base == "uuid") return UUIDType();
  if (base == "blob") return LargeBinary();
  return NullType();
}

// PostgreSQL: format_type()'s spelling.
SqlType postgresql_type(const std::string& spelled) {
  const auto [base, args] = split_type(spelled);
  if (base == "integer") return Integer();
  if (base == "bigint") return BigInteger();
  if (base == "smallint") return SmallInteger();
  if (base == "boolean") return Boolean();
  if (base == "real") return Float();
  if (base == "double precision") return Double();
  if (base == "numeric") return numeric(args);
  if (base == "character varying" || base == "character") return string_type(args);
  if (base == "text") return Text();
  if (base == "date") return DateType();
  if (base == "time without time zone" || base == "time with time zone") return TimeType();
  if (base == "timestamp without time zone") return DateTimeType(false);
  if (base == "timestamp with time zone") return DateTimeType(true);
  if (base == "json" || base == "jsonb") return JSONType();
  if (base == "uuid") return UUIDType();
  if (base == "bytea") return LargeBinary();
  return NullType();
}

// MariaDB / MySQL: information_schema.COLUMNS.COLUMN_TYPE ("int(11)", "tinyint(1)", ...).
SqlType mysql_type(const std::string& spelled) {
  auto [base, args] = split_type(spelled);
  if (const auto at = base.find(" unsigned"); at != std::string::npos) base.erase(at);
  if (base == "int" || base == "integer" || base == "mediumint") return Integer();
  if (base == "bigint") return BigInteger();
  if (base == "smallint") return SmallInteger();
  if (base == "tinyint") return args.size() == 1 && args[0] == 1 ? Boolean() : SmallInteger();
  if (base == "float") return Float();
  if (base == "double") return Double();
  if (base == "decimal" || base == "numeric") return numeric(args);
  if (base == "varchar" || base == "char") return string_type(args);
  if (base == "text" || base == "mediumtext" || base == "longtext" || base == "tinytext") return Text();
  if (base == "date") return DateType();
  if (base == "time") return TimeType();
  if (base == "datetime" || base == "timestamp") return DateTimeType();
  if (base == "json") return JSONType();
  if (base == "blob" || base == "mediumblob" || base == "longblob" || base == "tinyblob") return LargeBinary();
  return NullType();
}

// SQLite names a schema by quoting it before sqlite_schema; an empty one is `main`.
std::string sqlite_schema_table(std::string_view schema) {
  if (schema.empty()) return "sqlite_schema";
  std::string quoted = "\"";
  for (char c : schema) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\".sqlite_schema";
}

std::string sqlite_schema_name(std::string_view schema) { return schema.empty() ? "main" : std::string(schema); }

// The schema's own tables as `m`, for the per-table pragma joins (SQLite's internal sqlite_*
// tables left out).
std::string sqlite_user_tables(std::string_view schema) {
  return "(SELECT name, sql FROM " + sqlite_schema_table(schema) +
         " WHERE type = 'table' AND substr(name, 1, 7) <> 'sqlite_') AS m";
}

std::vector<std::string> names(Connection& conn, std::string_view schema, bool views) {
  switch (backend_of(conn)) {
    case Backend::sqlite:
      return conn
          .execute(text("SELECT name FROM " + sqlite_schema_table(schema) +
                        " WHERE type = :type AND substr(name, 1, 7) <> 'sqlite_' ORDER BY name"),
                   {{"type", views ? "view" : "table"}})
          .scalars<std::string>();
    case Backend::postgresql:
      return conn
          .execute(text("SELECT c.relname::text FROM pg_catalog.pg_class c "
                        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = coalesce(nullif(:schema, ''), current_schema()) AND c.relkind IN " +
                        std::string(views ? "('v', 'm')" : "('r', 'p')") + " ORDER BY c.relname"),
                   {{"schema", std::string(schema)}})
          .scalars<std::string>();
    case Backend::mysql:
      return conn
          .execute(text("SELECT TABLE_NAME FROM information_schema.TABLES "
                        "WHERE TABLE_SCHEMA = coalesce(nullif(:schema, ''), DATABASE()) AND TABLE_TYPE = :type "
                        "ORDER BY TABLE_NAME"),
                   {{"schema", std::string(schema)}, {"type", views ? "VIEW" : "BASE TABLE"}})
          .scalars<std::string>();
  }
  return {};
}

// The bulk queries return one row per column of a key, index or constraint, ordered by table
// and then by it: a row starts a new one when its (table, key) differs from the row before.
class RunStarts {
 public:
  bool operator()(const std::string& table, const std::string& key) {
    const bool fresh = table != table_ || key != key_;
    table_ = table;
    key_ = key;
    return fresh;
  }

 private:
  std::string table_, key_;
};

// Tables by name, filled by the bulk queries below.
using TableMap = std::map<std::string, ReflectedTable>;

ReflectedTable& table_in(TableMap& tables, std::string_view schema, const std::string& name) {
  auto [it, fresh] = tables.try_emplace(name);
  if (fresh) {
    it->second.schema = std::string(schema);
    it->second.name = name;
  }
  return it->second;
}

void reflect_sqlite(Connection& conn, std::string_view schema, TableMap& tables) {
  // One query: every table's pragma_table_info, in column order; pk is the column's position in
  // the primary key (0: not part of it).
  auto rows = conn.execute(text("SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk "
                                "FROM " + sqlite_user_tables(schema) + " JOIN pragma_table_info(m.name, :schema) AS p "
                                "ORDER BY m.name, p.cid"),
                           {{"schema", sqlite_schema_name(schema)}})
                  .as<std::string, std::string, std::string, std::int64_t, std::optional<std::string>, std::int64_t>()
                  .all();
  std::map<std::string, std::vector<std::pair<std::int64_t, std::string>>> keys;
  for (auto& [table, name, type, notnull, dflt, pk] : rows) {
    ReflectedTable& t = table_in(tables, schema, table);
    ReflectedColumn c;
    c.name = name;
    c.type_sql = type;
    c.type = sqlite_type(type);
    c.nullable = notnull == 0 && pk == 0;
    c.server_default = dflt;
    t.columns.push_back(std::move(c));
    if (pk > 0) keys[table].emplace_back(pk, name);
  }
  for (auto& [table, cols] : keys) {
    std::sort(cols.begin(), cols.end());
    ReflectedTable& t = tables.at(table);
    for (const auto& [pos, name] : cols) t.primary_key.columns.push_back(name);
    // A single INTEGER key column is the rowid, which SQLite generates: 64 bits wide, so it
    // reads back as BigInteger (Crucible declares a generated BigInteger key that way).
    if (cols.size() == 1)
      for (auto& c : t.columns)
        if (c.name == cols[0].second && lower(trimmed(c.type_sql)) == "integer") {
          c.autoincrement = true;
          c.type = BigInteger();
        }
  }
}

// A referential action as the catalogs spell it, with the backend's default left empty.
std::string action(std::string_view spelled, bool restrict_is_default) {
  const std::string a = upper(trimmed(spelled));
  if (a == "NO ACTION" || (restrict_is_default && a == "RESTRICT")) return "";
  return a;
}

void sqlite_foreign_keys(Connection& conn, std::string_view schema, TableMap& tables) {
  // pragma_foreign_key_list numbers each table's keys (id) and their columns (seq). A key that
  // names no referred columns refers to the referred table's primary key: `to` is NULL there.
  auto rows = conn.execute(text("SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\", f.on_delete, f.on_update "
                                "FROM " + sqlite_user_tables(schema) + " JOIN pragma_foreign_key_list(m.name, :schema) AS f "
                                "ORDER BY m.name, f.id DESC, f.seq"),
                           {{"schema", sqlite_schema_name(schema)}})
                  .as<std::string, std::int64_t, std::string, std::string, std::optional<std::string>, std::string,
                      std::string>()
                  .all();
  RunStarts starts;
  for (auto& [table, id, referred, from, to, on_delete, on_update] : rows) {
    ReflectedTable& t = table_in(tables, schema, table);
    if (starts(table, std::to_string(id))) {
      ReflectedForeignKey fk;
      fk.referred_table = referred;
      fk.on_delete = action(on_delete, false);
      fk.on_update = action(on_update, false);
      t.foreign_keys.push_back(std::move(fk));
    }
    auto& fk = t.foreign_keys.back();
    fk.columns.push_back(from);
    if (to) fk.referred_columns.push_back(*to);
  }
  // Keys without referred columns name the referred table's primary key.
  for (auto& [name, t] : tables)
    for (auto& fk : t.foreign_keys)
      if (fk.referred_columns.empty())
        if (auto it = tables.find(fk.referred_table); it != tables.end())
          fk.referred_columns = it->second.primary_key.columns;
}

// The predicate of a partial index from its CREATE INDEX text ("... WHERE b > 0").
std::string sqlite_index_where(const std::optional<std::string>& create_sql) {
  if (!create_sql) return "";
  const auto at = upper(*create_sql).rfind(" WHERE ");
  return at == std::string::npos ? "" : trimmed(std::string_view(*create_sql).substr(at + 7));
}

void sqlite_indexes(Connection& conn, std::string_view schema, TableMap& tables) {
  // origin: c = CREATE INDEX, u = a UNIQUE constraint's index, pk = the primary key's.
  auto rows = conn.execute(text("SELECT m.name, il.name, il.\"unique\", il.origin, ii.name, "
                                "(SELECT s.sql FROM " + sqlite_schema_table(schema) + " AS s "
                                "WHERE s.type = 'index' AND s.name = il.name) "
                                "FROM " + sqlite_user_tables(schema) + " JOIN pragma_index_list(m.name, :schema) AS il "
                                "JOIN pragma_index_info(il.name, :schema) AS ii WHERE il.origin <> 'pk' "
                                "ORDER BY m.name, il.name, ii.seqno"),
                           {{"schema", sqlite_schema_name(schema)}})
                  .as<std::string, std::string, std::int64_t, std::string, std::optional<std::string>,
                      std::optional<std::string>>()
                  .all();
  RunStarts starts;
  for (auto& [table, index, unique, origin, column, create_sql] : rows) {
    ReflectedTable& t = table_in(tables, schema, table);
    const bool fresh = starts(table, index);
    if (origin == "u") {
      if (fresh) t.unique_constraints.emplace_back();
      t.unique_constraints.back().columns.push_back(column.value_or(""));
      continue;
    }
    if (fresh) {
      ReflectedIndex ix;
      ix.name = index;
      ix.unique = unique != 0;
      ix.where = sqlite_index_where(create_sql);
      t.indexes.push_back(std::move(ix));
    }
    t.indexes.back().columns.push_back(column.value_or(""));
  }
}

// One row of a server's foreign-key query: a column pair of key `name`, the key's first row
// creating it (the rows come ordered by table, key name and position).
void add_foreign_key_row(ReflectedTable& t, const std::string& name, const std::string& column,
                         const std::string& referred_schema, const std::string& referred,
                         const std::string& referred_column, std::string on_delete, std::string on_update) {
  if (t.foreign_keys.empty() || t.foreign_keys.back().name != name) {
    ReflectedForeignKey fk;
    fk.name = name;
    fk.referred_schema = referred_schema;
    fk.referred_table = referred;
    fk.on_delete = std::move(on_delete);
    fk.on_update = std::move(on_update);
    t.foreign_keys.push_back(std::move(fk));
  }
  t.foreign_keys.back().columns.push_back(column);
  t.foreign_keys.back().referred_columns.push_back(referred_column);
}

// A table-level constraint named in the CREATE TABLE text: CONSTRAINT name UNIQUE / PRIMARY
// KEY / FOREIGN KEY (columns).
struct NamedSqliteConstraint {
  std::string kind;  // "unique", "primary", "foreign"
  std::string name;
  std::vector<std::string> columns;
};

struct SqliteTableText {
  std::vector<ReflectedCheckConstraint> checks;
  std::vector<NamedSqliteConstraint> named;
};

// SQLite keeps CHECK constraints, and the names of all constraints, only in the CREATE TABLE
// text: read them from it. Skips string literals and quoted identifiers; a CONSTRAINT name
// applies to the constraint right after it.
SqliteTableText parse_sqlite_create(std::string_view sql) {
  SqliteTableText out;
  std::string pending_name;
  std::size_t i = 0;
  auto skip_space = [&] {
    while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
  };
  // A quoted run starting at i ('...', "...", `...`, [...]); returns its text, unquoted.
  auto quoted = [&]() {
    const char open = sql[i];
    const char close = open == '[' ? ']' : open;
    std::string text;
    for (++i; i < sql.size(); ++i) {
      if (sql[i] == close) {
        if (close != ']' && i + 1 < sql.size() && sql[i + 1] == close) {
          text += close;
          ++i;
          continue;
        }
        ++i;
        break;
      }
      text += sql[i];
    }
    return text;
  };
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  auto identifier = [&]() {
    skip_space();
    if (i < sql.size() && (sql[i] == '"' || sql[i] == '`' || sql[i] == '[' || sql[i] == '\'')) return quoted();
    const std::size_t start = i;
    while (i < sql.size() && is_word(sql[i])) ++i;
    return std::string(sql.substr(start, i - start));
  };
  // "(a, b)" at i, after an optional KEY; empty when something else follows.
  auto column_list = [&]() {
    std::vector<std::string> columns;
    skip_space();
    if (lower(sql.substr(i, 3)) == "key") {
      i += 3;
      skip_space();
    }
    if (i >= sql.size() || sql[i] != '(') return columns;
    ++i;
    while (i < sql.size()) {
      columns.push_back(identifier());
      skip_space();
      while (i < sql.size() && sql[i] != ',' && sql[i] != ')') ++i;  // COLLATE, ASC / DESC
      if (i >= sql.size() || sql[i++] == ')') break;
    }
    return columns;
  };
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == '\'' || c == '"' || c == '`' || c == '[') {
      quoted();
      continue;
    }
    if (!is_word(c)) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < sql.size() && is_word(sql[i])) ++i;
    const std::string word = lower(sql.substr(start, i - start));
    if (word == "constraint") {
      pending_name = identifier();
      continue;
    }
    if ((word == "unique" || word == "primary" || word == "foreign") && !pending_name.empty()) {
      auto columns = column_list();
      if (!columns.empty()) out.named.push_back({word, std::exchange(pending_name, {}), std::move(columns)});
      pending_name.clear();
      continue;
    }
    if (word == "check") {
      skip_space();
      if (i >= sql.size() || sql[i] != '(') continue;
      const std::size_t body = ++i;
      int depth = 1;
      while (i < sql.size() && depth > 0) {
        if (sql[i] == '\'' || sql[i] == '"' || sql[i] == '`' || sql[i] == '[') {
          quoted();
          continue;
        }
        if (sql[i] == '(') ++depth;
        if (sql[i] == ')') --depth;
        ++i;
      }
      out.checks.push_back({std::exchange(pending_name, {}), trimmed(sql.substr(body, i - 1 - body))});
      continue;
    }
    if (word == "primary" || word == "unique" || word == "foreign" || word == "references" || word == "not" ||
        word == "null" || word == "default" || word == "collate" || word == "generated" || word == "as")
      pending_name.clear();  // the name belonged to another constraint
  }
  return out;
}

void sqlite_constraint_text(Connection& conn, std::string_view schema, TableMap& tables) {
  auto rows = conn.execute(text("SELECT m.name, m.sql FROM " + sqlite_user_tables(schema) + " ORDER BY m.name"))
                  .as<std::string, std::optional<std::string>>()
                  .all();
  for (auto& [table_name, create_sql] : rows) {
    if (!create_sql) continue;
    ReflectedTable& t = table_in(tables, schema, table_name);
    SqliteTableText parsed = parse_sqlite_create(*create_sql);
    t.check_constraints = std::move(parsed.checks);
    for (auto& named : parsed.named) {
      if (named.kind == "primary" && t.primary_key.columns == named.columns) t.primary_key.name = named.name;
      if (named.kind == "unique")
        for (auto& u : t.unique_constraints)
          if (u.name.empty() && u.columns == named.columns) {
            u.name = named.name;
            break;
          }
      if (named.kind == "foreign")
        for (auto& fk : t.foreign_keys)
          if (fk.name.empty() && fk.columns == named.columns) {
            fk.name = named.name;
            break;
          }
    }
  }
}

// "CHECK ((v > 0))" -> "(v > 0)": the catalogs' definition without the keyword and its parentheses.
std::string check_body(std::string_view definition) {
  std::string d = trimmed(definition);
  if (lower(d.substr(0, 5)) == "check") d = trimmed(std::string_view(d).substr(5));
  if (d.size() >= 2 && d.front() == '(' && d.back() == ')') d = trimmed(std::string_view(d).substr(1, d.size() - 2));
  return d;
}

void reflect_postgresql(Connection& conn, std::string_view schema, TableMap& tables) {
  const Params params{{"schema", std::string(schema)}};
  const std::string in_schema = "n.nspname = coalesce(nullif(:schema, ''), current_schema())";
  auto columns = conn.execute(text("SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), "
                                   "a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, "
                                   "col_description(c.oid, a.attnum), obj_description(c.oid, 'pg_class') "
                                   "FROM pg_catalog.pg_attribute a "
                                   "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
                                   "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                                   "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
                                   "WHERE " + in_schema + " AND c.relkind IN ('r', 'p') AND a.attnum > 0 "
                                   "AND NOT a.attisdropped ORDER BY c.relname, a.attnum"),
                              params)
                     .as<std::string, std::string, std::string, bool, std::optional<std::string>, std::string,
                         std::optional<std::string>, std::optional<std::string>>()
                     .all();
  for (auto& [table, name, type, notnull, dflt, identity, comment, table_comment] : columns) {
    ReflectedColumn c;
    c.name = name;
    c.type_sql = type;
    c.type = postgresql_type(type);
    c.nullable = !notnull;
    c.autoincrement = !identity.empty() || (dflt && dflt->rfind("nextval(", 0) == 0);
    // A serial column's sequence default is how it generates: autoincrement, not a default.
    if (!(dflt && dflt->rfind("nextval(", 0) == 0)) c.server_default = dflt;
    c.comment = comment.value_or("");
    ReflectedTable& t = table_in(tables, schema, table);
    t.comment = table_comment.value_or("");
    t.columns.push_back(std::move(c));
  }
  auto keys = conn.execute(text("SELECT c.relname::text, con.conname::text, a.attname::text "
                                "FROM pg_catalog.pg_constraint con "
                                "JOIN pg_catalog.pg_class c ON c.oid = con.conrelid "
                                "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                                "CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, position) "
                                "JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum "
                                "WHERE " + in_schema + " AND con.contype = 'p' ORDER BY c.relname, k.position"),
                           params)
                  .as<std::string, std::string, std::string>()
                  .all();
  for (auto& [table, constraint, column] : keys) {
    ReflectedTable& t = table_in(tables, schema, table);
    t.primary_key.name = constraint;
    t.primary_key.columns.push_back(column);
  }
  // Foreign keys: both column lists unnested side by side, in key order.
  auto fks = conn.execute(text("SELECT c.relname::text, con.conname::text, a.attname::text, "
                               "CASE WHEN rn.nspname = n.nspname THEN '' ELSE rn.nspname::text END, rc.relname::text, "
                               "ra.attname::text, con.confdeltype::text, con.confupdtype::text "
                               "FROM pg_catalog.pg_constraint con "
                               "JOIN pg_catalog.pg_class c ON c.oid = con.conrelid "
                               "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                               "JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid "
                               "JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace "
                               "CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(attnum, refnum, position) "
                               "JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum "
                               "JOIN pg_catalog.pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = k.refnum "
                               "WHERE " + in_schema + " AND con.contype = 'f' ORDER BY c.relname, con.conname, k.position"),
                          params)
                 .as<std::string, std::string, std::string, std::string, std::string, std::string, std::string, std::string>()
                 .all();
  auto pg_action = [](const std::string& code) -> std::string {
    if (code == "c") return "CASCADE";
    if (code == "n") return "SET NULL";
    if (code == "d") return "SET DEFAULT";
    if (code == "r") return "RESTRICT";
    return "";  // a: NO ACTION, the default
  };
  for (auto& [table, name, column, referred_schema, referred, referred_column, on_delete, on_update] : fks)
    add_foreign_key_row(table_in(tables, schema, table), name, column, referred_schema, referred, referred_column,
                        pg_action(on_delete), pg_action(on_update));
  // Indexes other than the primary key's; those of UNIQUE constraints are the constraints.
  auto indexes = conn.execute(text("SELECT c.relname::text, i.relname::text, ix.indisunique, "
                                   "coalesce(pg_get_expr(ix.indpred, ix.indrelid), ''), "
                                   "CASE WHEN k.attnum = 0 THEN pg_get_indexdef(ix.indexrelid, k.position::int, true) "
                                   "ELSE a.attname::text END, coalesce(con.conname::text, '') "
                                   "FROM pg_catalog.pg_index ix "
                                   "JOIN pg_catalog.pg_class c ON c.oid = ix.indrelid "
                                   "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                                   "JOIN pg_catalog.pg_class i ON i.oid = ix.indexrelid "
                                   "CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, position) "
                                   "LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum "
                                   "LEFT JOIN pg_catalog.pg_constraint con ON con.conindid = ix.indexrelid "
                                   "AND con.conrelid = ix.indrelid AND con.contype = 'u' "
                                   "WHERE " + in_schema + " AND c.relkind IN ('r', 'p') AND NOT ix.indisprimary "
                                   "AND k.position <= ix.indnkeyatts ORDER BY c.relname, i.relname, k.position"),
                              params)
                     .as<std::string, std::string, bool, std::string, std::string, std::string>()
                     .all();
  RunStarts starts;
  for (auto& [table, index, unique, where, column, constraint] : indexes) {
    ReflectedTable& t = table_in(tables, schema, table);
    const bool fresh = starts(table, index);
    if (!constraint.empty()) {
      if (fresh) t.unique_constraints.push_back({constraint, {}});
      t.unique_constraints.back().columns.push_back(column);
      continue;
    }
    if (fresh) t.indexes.push_back({index, {}, unique, where});
    t.indexes.back().columns.push_back(column);
  }
  auto checks = conn.execute(text("SELECT c.relname::text, con.conname::text, pg_get_constraintdef(con.oid, true) "
                                  "FROM pg_catalog.pg_constraint con "
                                  "JOIN pg_catalog.pg_class c ON c.oid = con.conrelid "
                                  "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                                  "WHERE " + in_schema + " AND con.contype = 'c' ORDER BY c.relname, con.conname"),
                             params)
                    .as<std::string, std::string, std::string>()
                    .all();
  for (auto& [table, name, definition] : checks)
    table_in(tables, schema, table).check_constraints.push_back({name, check_body(definition)});
}

void reflect_mysql(Connection& conn, std::string_view schema, TableMap& tables) {
  const Params params{{"schema", std::string(schema)}};
  const std::string in_schema = "c.TABLE_SCHEMA = coalesce(nullif(:schema, ''), DATABASE())";
  auto columns = conn.execute(text("SELECT c.TABLE_NAME, c.COLUMN_NAME, c.COLUMN_TYPE, c.IS_NULLABLE, c.COLUMN_DEFAULT, "
                                   "c.EXTRA, c.COLUMN_COMMENT, t.TABLE_COMMENT "
                                   "FROM information_schema.COLUMNS c JOIN information_schema.TABLES t "
                                   "ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME "
                                   "WHERE " + in_schema + " AND t.TABLE_TYPE = 'BASE TABLE' "
                                   "ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION"),
                              params)
                     .as<std::string, std::string, std::string, std::string, std::optional<std::string>, std::string,
                         std::string, std::string>()
                     .all();
  for (auto& [table, name, type, nullable, dflt, extra, comment, table_comment] : columns) {
    ReflectedColumn c;
    c.name = name;
    c.type_sql = type;
    c.type = mysql_type(type);
    c.nullable = nullable == "YES";
    // MariaDB spells "no default" as SQL NULL and "DEFAULT NULL" as the word NULL: both mean the
    // column starts NULL.
    if (dflt && *dflt != "NULL") c.server_default = dflt;
    c.autoincrement = lower(extra).find("auto_increment") != std::string::npos;
    c.comment = comment;
    ReflectedTable& t = table_in(tables, schema, table);
    t.comment = table_comment;
    t.columns.push_back(std::move(c));
  }
  auto keys = conn.execute(text("SELECT c.TABLE_NAME, c.COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE c "
                                "WHERE " + in_schema + " AND c.CONSTRAINT_NAME = 'PRIMARY' "
                                "ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION"),
                           params)
                  .as<std::string, std::string>()
                  .all();
  for (auto& [table, column] : keys) {
    ReflectedTable& t = table_in(tables, schema, table);
    t.primary_key.name = "PRIMARY";
    t.primary_key.columns.push_back(column);
  }
  auto fks = conn.execute(text("SELECT c.TABLE_NAME, c.CONSTRAINT_NAME, c.COLUMN_NAME, "
                               "CASE WHEN c.REFERENCED_TABLE_SCHEMA = c.TABLE_SCHEMA THEN '' ELSE c.REFERENCED_TABLE_SCHEMA END, "
                               "c.REFERENCED_TABLE_NAME, c.REFERENCED_COLUMN_NAME, r.DELETE_RULE, r.UPDATE_RULE "
                               "FROM information_schema.KEY_COLUMN_USAGE c "
                               "JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = c.CONSTRAINT_SCHEMA "
                               "AND r.TABLE_NAME = c.TABLE_NAME AND r.CONSTRAINT_NAME = c.CONSTRAINT_NAME "
                               "WHERE " + in_schema + " AND c.REFERENCED_TABLE_NAME IS NOT NULL "
                               "ORDER BY c.TABLE_NAME, c.CONSTRAINT_NAME, c.ORDINAL_POSITION"),
                          params)
                 .as<std::string, std::string, std::string, std::string, std::string, std::string, std::string, std::string>()
                 .all();
  for (auto& [table, name, column, referred_schema, referred, referred_column, on_delete, on_update] : fks)
    add_foreign_key_row(table_in(tables, schema, table), name, column, referred_schema, referred, referred_column,
                        action(on_delete, true), action(on_update, true));
  // A UNIQUE constraint is a unique index here: each is listed as both.
  auto indexes = conn.execute(text("SELECT c.TABLE_NAME, c.INDEX_NAME, c.NON_UNIQUE, c.COLUMN_NAME "
                                   "FROM information_schema.STATISTICS c "
                                   "WHERE " + in_schema + " AND c.INDEX_NAME <> 'PRIMARY' "
                                   "ORDER BY c.TABLE_NAME, c.INDEX_NAME, c.SEQ_IN_INDEX"),
                              params)
                     .as<std::string, std::string, std::int64_t, std::optional<std::string>>()
                     .all();
  RunStarts starts;
  for (auto& [table, index, non_unique, column] : indexes) {
    ReflectedTable& t = table_in(tables, schema, table);
    const bool fresh = starts(table, index);
    if (fresh) {
      t.indexes.push_back({index, {}, non_unique == 0, ""});
      if (non_unique == 0) t.unique_constraints.push_back({index, {}});
    }
    t.indexes.back().columns.push_back(column.value_or(""));
    if (non_unique == 0) t.unique_constraints.back().columns.push_back(column.value_or(""));
  }
  auto checks = conn.execute(text("SELECT c.TABLE_NAME, c.CONSTRAINT_NAME, c.CHECK_CLAUSE "
                                  "FROM information_schema.CHECK_CONSTRAINTS c "
                                  "WHERE c.CONSTRAINT_SCHEMA = coalesce(nullif(:schema, ''), DATABASE()) "
                                  "ORDER BY c.TABLE_NAME, c.CONSTRAINT_NAME"),
                             params)
                    .as<std::string, std::string, std::string>()
                    .all();
  for (auto& [table, name, clause] : checks)
    table_in(tables, schema, table).check_constraints.push_back({name, check_body(clause)});
}

// Runs `read` on the Inspector's connection, or on one of its own from the engine.
template <typename Read>
auto with_connection(const std::optional<Engine>& engine, Connection* connection, Read&& read) {
  if (connection) return read(*connection);
  auto own = engine->connect();
  return read(own);
}

}  // namespace

std::vector<std::string> Inspector::table_names(std::string_view schema) const {
  return with_connection(engine_, connection_, [&](Connection& conn) { return names(conn, schema, false); });
}

std::vector<std::string> Inspector::view_names(std::string_view schema) const {
  return with_connection(engine_, connection_, [&](Connection& conn) { return names(conn, schema, true); });
}

std::vector<ReflectedTable> Inspector::tables(std::string_view schema) const {
  TableMap found = with_connection(engine_, connection_, [&](Connection& conn) {
    TableMap tables;
    switch (backend_of(conn)) {
      case Backend::sqlite:
        reflect_sqlite(conn, schema, tables);
        sqlite_foreign_keys(conn, schema, tables);
        sqlite_indexes(conn, schema, tables);
        sqlite_constraint_text(conn, schema, tables);
        break;
      case Backend::postgresql:
        // pg_get_constraintdef and pg_get_expr open the relation: one that another session drops
        // between the catalog scan and the call fails with "could not open relation" (XX000).
        // The schema changed under the read: read it again, on a connection of the Inspector's
        // own (a caller's transaction is not the Inspector's to roll back).
        for (int attempt = 1;; ++attempt) {
          try {
            tables.clear();
            reflect_postgresql(conn, schema, tables);
            break;
          } catch (const InternalError&) {
            if (attempt == 3 || connection_) throw;
            conn.rollback();
          }
        }
        break;
      case Backend::mysql: reflect_mysql(conn, schema, tables); break;
    }
    return tables;
  });
  std::vector<ReflectedTable> out;
  out.reserve(found.size());
  for (auto& [name, table] : found) out.push_back(std::move(table));
  return out;
}

ReflectedTable Inspector::table(std::string_view name, std::string_view schema) const {
  for (auto& t : tables(schema))
    if (t.name == name) return std::move(t);
  throw NoSuchTableError("no table named '" + std::string(name) + "'" +
                         (schema.empty() ? std::string() : " in schema '" + std::string(schema) + "'"));
}

std::vector<TableItem> table_items(const ReflectedTable& t) {
  std::vector<TableItem> items;
  for (const auto& c : t.columns) {
    Column column(c.name, c.type);
    column.nullable(c.nullable);
    if (c.server_default) column.server_default(*c.server_default);
    if (t.primary_key.columns.size() == 1 && t.primary_key.columns[0] == c.name) {
      column.primary_key();
      column.autoincrement(c.autoincrement);
    }
    if (!c.comment.empty()) column.comment(c.comment);
    items.emplace_back(std::move(column));
  }
  if (t.primary_key.columns.size() > 1 || (!t.primary_key.columns.empty() && !t.primary_key.name.empty()))
    items.emplace_back(PrimaryKeyConstraint(t.primary_key.columns, t.primary_key.name));
  for (const auto& fk : t.foreign_keys) {
    const std::string target = fk.referred_schema.empty() ? fk.referred_table : fk.referred_schema + "." + fk.referred_table;
    items.emplace_back(ForeignKeyConstraint(fk.columns, target, fk.referred_columns, fk.on_delete, fk.on_update, fk.name));
  }
  for (const auto& u : t.unique_constraints) items.emplace_back(UniqueConstraint(u.columns, u.name));
  for (const auto& ck : t.check_constraints) items.emplace_back(CheckConstraint(ck.sql, ck.name));
  for (const auto& ix : t.indexes) {
    const bool expression = std::any_of(ix.columns.begin(), ix.columns.end(), [&](const std::string& name) {
      return t.column(name) == nullptr;
    });
    const bool is_constraint = std::any_of(t.unique_constraints.begin(), t.unique_constraints.end(),
                                           [&](const ReflectedUniqueConstraint& u) { return u.name == ix.name; });
    if (expression || is_constraint) continue;
    Index index(ix.name, ix.columns);
    index.unique(ix.unique);
    if (!ix.where.empty()) index.where(ix.where);
    items.emplace_back(std::move(index));
  }
  if (!t.comment.empty()) items.emplace_back(TableComment(t.comment));
  return items;
}

std::vector<const Table*> reflect(const Engine& engine, MetaData& metadata, std::string_view schema) {
  const auto reflected = Inspector(engine).tables(schema);
  for (const auto& t : reflected)
    if (metadata.find_table(t.name))
      throw ArgumentError("reflect: the MetaData already has a table named '" + t.name + "'");
  std::vector<const Table*> out;
  for (const auto& t : reflected) out.push_back(&metadata.add_table(t.name, table_items(t)));
  return out;
}

}  // namespace crucible::migrate
