// SPDX-License-Identifier: MIT
// Revision files: TOML read with toml++ (strictly: every key known, every type checked) and
// written in one canonical layout, which is also what the checksum hashes.
#include "crucible/migrate/revision.hpp"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <toml++/toml.h>
#include "migrate/support.hpp"

namespace crucible::migrate {

namespace {

using internal::compiled_ddl;
using internal::Overloaded;

// ----- writing -------------------------------------------------------------------------------------

std::string toml_quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// SQL over several lines as a literal multi-line string, read as written; one line otherwise.
std::string sql_string(std::string_view s) {
  const bool multiline = s.find('\n') != std::string_view::npos;
  const bool literal_safe =
      s.find("'''") == std::string_view::npos && (s.empty() || s.back() != '\'') &&
      std::none_of(s.begin(), s.end(), [](char c) {
        return (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') || c == 0x7f;
      });
  if (multiline && literal_safe) return "'''\n" + std::string(s) + "'''";
  return toml_quoted(s);
}

std::string string_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + toml_quoted(items[i]);
  return out + "]";
}

std::string value_toml(const Value& v) {
  return std::visit(
      Overloaded{
          [](const Null&) -> std::string { return "{ null = true }"; },
          [](bool b) -> std::string { return b ? "true" : "false"; },
          [](std::int64_t i) -> std::string { return std::to_string(i); },
          [](double d) -> std::string {
            if (std::isnan(d)) return "nan";
            if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
            char buf[40];
            std::snprintf(buf, sizeof buf, "%.17g", d);
            std::string out = buf;
            if (out.find_first_of(".eE") == std::string::npos) out += ".0";
            return out;
          },
          [](const std::string& s) -> std::string { return toml_quoted(s); },
          [](const Blob& b) -> std::string {
            static constexpr char hex[] = "0123456789abcdef";
            std::string out;
            for (unsigned char c : b) {
              out += hex[c >> 4];
              out += hex[c & 15];
            }
            return "{ hex = " + toml_quoted(out) + " }";
          },
          [](const Decimal& d) -> std::string { return "{ decimal = " + toml_quoted(d.str()) + " }"; },
          [](const Date& d) -> std::string { return "{ date = " + toml_quoted(d.to_string()) + " }"; },
          [](const Time& t) -> std::string { return "{ time = " + toml_quoted(t.to_string()) + " }"; },
          [](const DateTime& t) -> std::string { return "{ datetime = " + toml_quoted(t.to_string()) + " }"; },
          [](const Uuid& u) -> std::string { return "{ uuid = " + toml_quoted(u.to_string()) + " }"; },
          [](const Json& j) -> std::string { return "{ json = " + toml_quoted(j.dump()) + " }"; },
      },
      v.variant());
}

// key = value pairs of an inline table or a step, in order.
class Pairs {
 public:
  Pairs& add(std::string_view key, std::string value) {
    items_.emplace_back(std::string(key), std::move(value));
    return *this;
  }
  Pairs& text(std::string_view key, std::string_view value) { return add(key, toml_quoted(value)); }
  Pairs& text_if(std::string_view key, std::string_view value) { return value.empty() ? *this : text(key, value); }
  Pairs& flag_if(std::string_view key, bool value) { return value ? add(key, "true") : *this; }
  std::string inline_table() const {
    std::string out = "{ ";
    for (std::size_t i = 0; i < items_.size(); ++i) out += (i ? ", " : "") + items_[i].first + " = " + items_[i].second;
    return out + " }";
  }
  std::string lines() const {
    std::string out;
    for (const auto& [k, v] : items_) out += k + " = " + v + "\n";
    return out;
  }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

std::string type_toml(const SqlType& type) {
  if (type.kind == TypeKind::enumeration) {
    std::vector<std::string> labels;
    if (type.enum_info) labels = type.enum_info->labels;
    Pairs p;
    p.text_if("enum", type.enum_info ? type.enum_info->name : "");
    return p.add("values", string_array(labels)).inline_table();
  }
  return toml_quoted(type_spelling(type));
}

std::string column_toml(const Column& c) {
  Pairs p;
  p.text("name", c.name()).add("type", type_toml(c.type()));
  p.flag_if("primary_key", c.is_primary_key());
  if (c.autoincrement_setting() != Autoincrement::automatic)
    p.add("autoincrement", c.autoincrement_setting() == Autoincrement::yes ? "true" : "false");
  if (!c.is_primary_key() && !c.is_nullable()) p.add("nullable", "false");
  if (c.is_primary_key() && c.is_nullable()) p.add("nullable", "true");
  p.flag_if("unique", c.is_unique()).flag_if("index", c.is_indexed());
  if (c.server_default_sql()) p.text("server_default", *c.server_default_sql());
  if (const auto& fk = c.foreign_key()) {
    p.text("references", fk->target_table + "." + fk->target_columns.front());
    p.text_if("on_delete", fk->on_delete).text_if("on_update", fk->on_update).text_if("foreign_key_name", fk->name);
  }
  p.text_if("comment", c.comment());
  return p.inline_table();
}

std::string index_toml(const Index& ix) {
  Pairs p;
  p.text("name", ix.name()).add("columns", string_array(ix.columns())).flag_if("unique", ix.is_unique());
  p.text_if("where", ix.where_sql());
  return p.inline_table();
}

void constraint_pairs(Pairs& p, const TableConstraint& c) {
  std::visit(Overloaded{[&](const PrimaryKeyConstraint& k) {
                          p.text("kind", "primary_key").text_if("name", k.name).add("columns", string_array(k.columns));
                        },
                        [&](const UniqueConstraint& k) {
                          p.text("kind", "unique").text_if("name", k.name).add("columns", string_array(k.columns));
                        },
                        [&](const CheckConstraint& k) {
                          if (k.expression)
                            throw MigrationError("a check constraint built from an expression cannot be written to a "
                                                 "revision file; give its SQL text");
                          p.text("kind", "check").text_if("name", k.name).add("sql", sql_string(k.sql));
                        },
                        [&](const ForeignKeyConstraint& k) {
                          p.text("kind", "foreign_key").text_if("name", k.key.name);
                          p.add("columns", string_array(k.key.columns)).text("references", k.key.target_table);
                          p.add("referred_columns", string_array(k.key.target_columns));
                          p.text_if("on_delete", k.key.on_delete).text_if("on_update", k.key.on_update);
                        }},
             c);
}

// A table definition's keys (create_table, and drop_table's recorded definition).
void table_pairs(Pairs& p, const std::vector<TableItem>& items) {
  std::string columns, primary_key, indexes, uniques, checks, foreign_keys, comment;
  for (const auto& item : items) {
    std::visit(Overloaded{[&](const Column& c) { columns += "  " + column_toml(c) + ",\n"; },
                          [&](const PrimaryKeyConstraint& k) {
                            Pairs pk;
                            pk.text_if("name", k.name).add("columns", string_array(k.columns));
                            primary_key = pk.inline_table();
                          },
                          [&](const UniqueConstraint& k) {
                            Pairs u;
                            u.text_if("name", k.name).add("columns", string_array(k.columns));
                            uniques += "  " + u.inline_table() + ",\n";
                          },
                          [&](const CheckConstraint& k) {
                            if (k.expression)
                              throw MigrationError("a check constraint built from an expression cannot be written to a "
                                                   "revision file; give its SQL text");
                            Pairs ck;
                            ck.text_if("name", k.name).text("sql", k.sql);
                            checks += "  " + ck.inline_table() + ",\n";
                          },
                          [&](const ForeignKeyConstraint& k) {
                            Pairs f;
                            f.text_if("name", k.key.name).add("columns", string_array(k.key.columns));
                            f.text("references", k.key.target_table).add("referred_columns", string_array(k.key.target_columns));
                            f.text_if("on_delete", k.key.on_delete).text_if("on_update", k.key.on_update);
                            foreign_keys += "  " + f.inline_table() + ",\n";
                          },
                          [&](const Index& ix) { indexes += "  " + index_toml(ix) + ",\n"; },
                          [&](const TableComment& c) { comment = c.text; }},
               item);
  }
  if (!comment.empty()) p.text("comment", comment);
  if (!columns.empty()) p.add("columns", "[\n" + columns + "]");
  if (!primary_key.empty()) p.add("primary_key", primary_key);
  if (!uniques.empty()) p.add("unique", "[\n" + uniques + "]");
  if (!checks.empty()) p.add("checks", "[\n" + checks + "]");
  if (!foreign_keys.empty()) p.add("foreign_keys", "[\n" + foreign_keys + "]");
  if (!indexes.empty()) p.add("indexes", "[\n" + indexes + "]");
}

std::string step_toml(const Step& step, std::string_view section) {
  Pairs p;
  std::visit(
      Overloaded{
          [&](const CreateTable& o) {
            p.text("op", "create_table").text("table", o.name);
            table_pairs(p, o.items);
          },
          [&](const DropTable& o) {
            p.text("op", "drop_table").text("table", o.name);
            table_pairs(p, o.items);
          },
          [&](const RenameTable& o) { p.text("op", "rename_table").text("table", o.from).text("new_name", o.to); },
          [&](const AddColumn& o) { p.text("op", "add_column").text("table", o.table).add("column", column_toml(o.column)); },
          [&](const DropColumn& o) {
            p.text("op", "drop_column").text("table", o.table).text("column", o.column);
            if (o.definition) p.add("definition", column_toml(*o.definition));
          },
          [&](const AlterColumn& o) {
            p.text("op", "alter_column").text("table", o.table).text("column", o.column);
            if (o.type) p.add("type", type_toml(*o.type));
            if (o.nullable) p.add("nullable", *o.nullable ? "true" : "false");
            if (o.server_default) {
              if (*o.server_default) p.text("server_default", **o.server_default);
              else p.add("drop_server_default", "true");
            }
            if (o.comment) p.text("comment", *o.comment);
            p.text_if("new_name", o.new_name).text_if("using", o.using_sql);
            if (o.existing_type) p.add("existing_type", type_toml(*o.existing_type));
            if (o.existing_nullable) p.add("existing_nullable", *o.existing_nullable ? "true" : "false");
            if (o.existing_server_default) {
              if (*o.existing_server_default) p.text("existing_server_default", **o.existing_server_default);
              else p.add("existing_server_default_none", "true");
            }
            if (o.existing_comment) p.text("existing_comment", *o.existing_comment);
            p.flag_if("existing_autoincrement", o.existing_autoincrement);
          },
          [&](const CreateIndex& o) {
            p.text("op", "create_index").text("table", o.table).text("name", o.index.name());
            p.add("columns", string_array(o.index.columns())).flag_if("unique", o.index.is_unique());
            if (!o.index.where_sql().empty()) p.add("where", sql_string(o.index.where_sql()));
            p.flag_if("concurrently", o.concurrently);
          },
          [&](const DropIndex& o) {
            p.text("op", "drop_index").text("table", o.table).text("name", o.name).flag_if("concurrently", o.concurrently);
            if (o.definition) p.add("definition", index_toml(*o.definition));
          },
          [&](const AddConstraint& o) {
            p.text("op", "add_constraint").text("table", o.table);
            constraint_pairs(p, o.constraint);
          },
          [&](const DropConstraint& o) {
            static constexpr std::string_view kinds[] = {"primary_key", "foreign_key", "unique", "check"};
            p.text("op", "drop_constraint").text("table", o.table).text("name", o.name);
            p.text("kind", kinds[static_cast<int>(o.kind)]);
            if (o.definition) {
              Pairs d;
              constraint_pairs(d, *o.definition);
              p.add("definition", d.inline_table());
            }
          },
          [&](const SetTableComment& o) {
            p.text("op", "set_table_comment").text("table", o.table).text("comment", o.comment);
            if (o.existing_comment) p.text("existing_comment", *o.existing_comment);
          },
          [&](const ExecuteSql& o) {
            p.text("op", "execute");
            if (!o.dialects.empty()) p.add("dialects", string_array(o.dialects));
            p.add("sql", sql_string(o.sql));
            if (!o.params.empty()) {
              Pairs params;
              for (const auto& [name, value] : o.params) params.add(name, value_toml(value));
              p.add("params", params.inline_table());
            }
            if (!o.reverse_sql.empty()) p.add("reverse_sql", sql_string(o.reverse_sql));
          },
          [&](const BulkInsert& o) {
            p.text("op", "bulk_insert").text("table", o.table).add("columns", string_array(o.columns));
            std::string rows = "[\n";
            for (const auto& row : o.rows) {
              rows += "  [";
              for (std::size_t i = 0; i < row.size(); ++i) rows += (i ? ", " : "") + value_toml(row[i]);
              rows += "],\n";
            }
            p.add("rows", rows + "]");
          },
      },
      step.operation);
  if (!step.intended.empty()) p.text("intended", step.intended);
  return "[[" + std::string(section) + "]]\n" + p.lines();
}

std::string note_lines(const std::string& note) {
  std::string out;
  std::size_t start = 0;
  while (start <= note.size() && !note.empty()) {
    const std::size_t end = note.find('\n', start);
    out += "# " + note.substr(start, end == std::string::npos ? std::string::npos : end - start) + "\n";
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

// The steps in the canonical layout; with notes as comments for the file, without for the checksum.
std::string steps_toml(const Revision& r, bool with_notes = false) {
  std::string out;
  for (const auto& s : r.upgrade) out += "\n" + (with_notes ? note_lines(s.note) : "") + step_toml(s, "upgrade");
  for (const auto& s : r.downgrade) out += "\n" + (with_notes ? note_lines(s.note) : "") + step_toml(s, "downgrade");
  return out;
}

// ----- reading -------------------------------------------------------------------------------------

// One TOML table being read: every key must be read, as the type it should be.
class Fields {
 public:
  Fields(const toml::table& table, const std::string& source, std::string context)
      : table_(table), source_(source), context_(std::move(context)) {}

  int line() const { return static_cast<int>(table_.source().begin.line); }

  [[noreturn]] void fail(const toml::node* at, const std::string& message) const {
    const int where = at ? static_cast<int>(at->source().begin.line) : line();
    throw MigrationError(source_ + ":" + std::to_string(where) + ": " + context_ + ": " + message);
  }

  const toml::node* get(std::string_view key) {
    used_.insert(std::string(key));
    return table_.get(key);
  }
  std::optional<std::string> opt_string(std::string_view key) {
    const toml::node* n = get(key);
    if (!n) return std::nullopt;
    if (!n->is_string()) fail(n, "'" + std::string(key) + "' must be a string");
    return n->as_string()->get();
  }
  std::string string(std::string_view key) {
    auto v = opt_string(key);
    if (!v) fail(nullptr, "'" + std::string(key) + "' is missing");
    return *v;
  }
  std::optional<bool> opt_flag(std::string_view key) {
    const toml::node* n = get(key);
    if (!n) return std::nullopt;
    if (!n->is_boolean()) fail(n, "'" + std::string(key) + "' must be true or false");
    return n->as_boolean()->get();
  }
  bool flag(std::string_view key) { return opt_flag(key).value_or(false); }
  std::vector<std::string> strings(std::string_view key, bool required = false) {
    const toml::node* n = get(key);
    std::vector<std::string> out;
    if (!n) {
      if (required) fail(nullptr, "'" + std::string(key) + "' is missing");
      return out;
    }
    if (!n->is_array()) fail(n, "'" + std::string(key) + "' must be an array of strings");
    for (const auto& item : *n->as_array()) {
      if (!item.is_string()) fail(&item, "'" + std::string(key) + "' must hold strings only");
      out.push_back(item.as_string()->get());
    }
    if (required && out.empty()) fail(n, "'" + std::string(key) + "' is empty");
    return out;
  }
  const toml::table* opt_table(std::string_view key) {
    const toml::node* n = get(key);
    if (!n) return nullptr;
    if (!n->is_table()) fail(n, "'" + std::string(key) + "' must be a table ({ ... })");
    return n->as_table();
  }
  const toml::array* opt_array(std::string_view key) {
    const toml::node* n = get(key);
    if (!n) return nullptr;
    if (!n->is_array()) fail(n, "'" + std::string(key) + "' must be an array");
    return n->as_array();
  }
  Fields sub(const toml::node& node, const std::string& what) const {
    if (!node.is_table()) fail(&node, what + " must be a table ({ ... })");
    return Fields(*node.as_table(), source_, context_ + ", " + what);
  }
  // Unknown keys are errors: a misspelt option must not be dropped silently.
  void done() const {
    for (const auto& [key, node] : table_)
      if (!used_.count(std::string(key.str())))
        fail(&node, "unknown key '" + std::string(key.str()) + "'");
  }
  const std::string& source() const { return source_; }

 private:
  const toml::table& table_;
  const std::string& source_;
  std::string context_;
  std::set<std::string> used_;
};

SqlType read_type(Fields& f, std::string_view key, const toml::node* n) {
  if (n->is_string()) {
    try {
      return parse_type(n->as_string()->get());
    } catch (const MigrationError& e) {
      f.fail(n, e.what());
    }
  }
  if (n->is_table()) {
    Fields t = f.sub(*n, std::string(key));
    auto info = std::make_shared<EnumInfo>();
    info->name = t.opt_string("enum").value_or("");
    info->labels = t.strings("values", true);
    t.done();
    SqlType type = detail::make_type(TypeKind::enumeration);
    type.enum_info = std::move(info);
    return type;
  }
  f.fail(n, "'" + std::string(key) + "' must be a type name or { enum = ..., values = [...] }");
}

std::optional<SqlType> opt_type(Fields& f, std::string_view key) {
  const toml::node* n = f.get(key);
  if (!n) return std::nullopt;
  return read_type(f, key, n);
}

Value read_value(const Fields& f, const toml::node& n) {
  if (n.is_string()) return Value(n.as_string()->get());
  if (n.is_integer()) return Value(n.as_integer()->get());
  if (n.is_floating_point()) return Value(n.as_floating_point()->get());
  if (n.is_boolean()) return Value(n.as_boolean()->get());
  if (n.is_table()) {
    const toml::table& t = *n.as_table();
    if (t.size() != 1) f.fail(&n, "a typed value is a table of one key: null, hex, decimal, date, time, datetime, uuid or json");
    const auto only = t.begin();  // its element refers into the iterator: keep it alive
    const toml::node& inner = only->second;
    const std::string k(only->first.str());
    if (k == "null") {
      if (!inner.is_boolean() || !inner.as_boolean()->get()) f.fail(&n, "write NULL as { null = true }");
      return Value();
    }
    if (!inner.is_string()) f.fail(&n, "the value of '" + k + "' must be a string");
    const std::string text = inner.as_string()->get();
    try {
      if (k == "decimal") return Value(Decimal(text));
      if (k == "date") return Value(Date::from_string(text));
      if (k == "time") return Value(Time::from_string(text));
      if (k == "datetime") return Value(DateTime::from_string(text));
      if (k == "uuid") return Value(Uuid::from_string(text));
      if (k == "json") return Value(Json::parse(text));
      if (k == "hex") {
        if (text.size() % 2) f.fail(&n, "hex needs an even number of digits");
        Blob b;
        for (std::size_t i = 0; i < text.size(); i += 2) {
          auto digit = [&](char c) -> int {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            f.fail(&n, "hex holds a character that is not a hex digit");
          };
          b.push_back(static_cast<unsigned char>(digit(text[i]) * 16 + digit(text[i + 1])));
        }
        return Value(std::move(b));
      }
    } catch (const MigrationError&) {
      throw;
    } catch (const std::exception& e) {
      f.fail(&n, "bad " + k + " value '" + text + "': " + e.what());
    }
    f.fail(&n, "unknown typed value '" + k + "'");
  }
  f.fail(&n, "a value must be a string, number, boolean or a typed value table ({ null = true }, { date = ... } ...)");
}

std::string action_of(Fields& f, std::string_view key) {
  auto v = f.opt_string(key);
  if (!v) return {};
  std::string upper;
  for (char c : *v) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  static const std::set<std::string> allowed{"CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION"};
  if (!allowed.count(upper)) f.fail(nullptr, "'" + std::string(key) + "' must be CASCADE, SET NULL, SET DEFAULT, RESTRICT or NO ACTION");
  return upper;
}

Column read_column(Fields f) {
  const std::string name = f.string("name");
  const toml::node* t = f.get("type");
  if (!t) f.fail(nullptr, "column '" + name + "' has no 'type'");
  Column c(name, read_type(f, "type", t));
  if (f.flag("primary_key")) c.primary_key();
  if (auto a = f.opt_flag("autoincrement")) c.autoincrement(*a);
  if (auto n = f.opt_flag("nullable")) c.nullable(*n);
  if (f.flag("unique")) c.unique();
  if (f.flag("index")) c.index();
  if (auto d = f.opt_string("server_default")) c.server_default(*d);
  if (auto r = f.opt_string("references")) {
    try {
      c.references(*r);
    } catch (const ArgumentError& e) {
      f.fail(nullptr, e.what());
    }
    if (auto a = action_of(f, "on_delete"); !a.empty()) c.on_delete(a);
    if (auto a = action_of(f, "on_update"); !a.empty()) c.on_update(a);
    if (auto n = f.opt_string("foreign_key_name")) c.foreign_key_name(*n);
  }
  if (auto comment = f.opt_string("comment")) c.comment(*comment);
  f.done();
  return c;
}

// `name`: the index's name when the enclosing step gives it (drop_index's definition).
Index read_index(Fields f, std::optional<std::string> name = std::nullopt) {
  const auto written = f.opt_string("name");
  if (!name && !written) f.fail(nullptr, "'name' is missing");
  if (name && written && *name != *written) f.fail(nullptr, "the definition names index '" + *written + "', not '" + *name + "'");
  Index ix(name ? *name : *written, f.strings("columns", true));
  ix.unique(f.flag("unique"));
  if (auto w = f.opt_string("where")) ix.where(*w);
  f.done();
  return ix;
}

ConstraintKind read_kind(Fields& f) {
  const std::string kind = f.string("kind");
  if (kind == "primary_key") return ConstraintKind::primary_key;
  if (kind == "foreign_key") return ConstraintKind::foreign_key;
  if (kind == "unique") return ConstraintKind::unique;
  if (kind == "check") return ConstraintKind::check;
  f.fail(nullptr, "'kind' must be primary_key, foreign_key, unique or check, not '" + kind + "'");
}

// The constraint keys of add_constraint (and of drop_constraint's definition).
TableConstraint read_constraint(Fields& f) {
  const ConstraintKind kind = read_kind(f);
  const std::string name = f.opt_string("name").value_or("");
  switch (kind) {
    case ConstraintKind::primary_key: return PrimaryKeyConstraint(f.strings("columns", true), name);
    case ConstraintKind::unique: return UniqueConstraint(f.strings("columns", true), name);
    case ConstraintKind::check: return CheckConstraint(f.string("sql"), name);
    case ConstraintKind::foreign_key: {
      auto columns = f.strings("columns", true);
      const std::string target = f.string("references");
      auto referred = f.strings("referred_columns", true);
      if (referred.size() != columns.size()) f.fail(nullptr, "'referred_columns' must be as many as 'columns'");
      const std::string on_delete = action_of(f, "on_delete");
      const std::string on_update = action_of(f, "on_update");
      return ForeignKeyConstraint(std::move(columns), target, std::move(referred), on_delete, on_update, name);
    }
  }
  f.fail(nullptr, "unknown constraint kind");
}

std::vector<TableItem> read_table_items(Fields& f, bool required) {
  std::vector<TableItem> items;
  const toml::array* columns = f.opt_array("columns");
  if (!columns) {
    if (required) f.fail(nullptr, "'columns' is missing");
  } else {
    for (const auto& c : *columns) items.emplace_back(read_column(f.sub(c, "a column")));
  }
  if (const toml::table* pk = f.opt_table("primary_key")) {
    Fields k(*pk, f.source(), "primary_key");
    items.emplace_back(PrimaryKeyConstraint(k.strings("columns", true), k.opt_string("name").value_or("")));
    k.done();
  }
  if (const toml::array* a = f.opt_array("unique"))
    for (const auto& u : *a) {
      Fields k = f.sub(u, "a unique constraint");
      items.emplace_back(UniqueConstraint(k.strings("columns", true), k.opt_string("name").value_or("")));
      k.done();
    }
  if (const toml::array* a = f.opt_array("checks"))
    for (const auto& c : *a) {
      Fields k = f.sub(c, "a check constraint");
      items.emplace_back(CheckConstraint(k.string("sql"), k.opt_string("name").value_or("")));
      k.done();
    }
  if (const toml::array* a = f.opt_array("foreign_keys"))
    for (const auto& c : *a) {
      Fields k = f.sub(c, "a foreign key");
      auto cols = k.strings("columns", true);
      const std::string target = k.string("references");
      auto referred = k.strings("referred_columns", true);
      if (referred.size() != cols.size()) k.fail(nullptr, "'referred_columns' must be as many as 'columns'");
      const std::string on_delete = action_of(k, "on_delete");
      const std::string on_update = action_of(k, "on_update");
      items.emplace_back(ForeignKeyConstraint(std::move(cols), target, std::move(referred), on_delete, on_update,
                                              k.opt_string("name").value_or("")));
      k.done();
    }
  if (const toml::array* a = f.opt_array("indexes"))
    for (const auto& i : *a) items.emplace_back(read_index(f.sub(i, "an index")));
  if (auto comment = f.opt_string("comment")) items.emplace_back(TableComment(*comment));
  return items;
}

Step read_step(const toml::node& node, const std::string& source, std::string_view section, std::size_t number) {
  const std::string where = std::string(section) + " step " + std::to_string(number);
  if (!node.is_table())
    throw MigrationError(source + ":" + std::to_string(node.source().begin.line) + ": " + where + " must be a table");
  Fields f(*node.as_table(), source, where);
  Step step;
  step.line = f.line();
  const std::string op = f.string("op");
  Fields& g = f;
  if (op == "create_table") {
    const std::string table = g.string("table");
    step.operation = CreateTable{table, read_table_items(g, true)};
  } else if (op == "drop_table") {
    const std::string table = g.string("table");
    step.operation = DropTable{table, read_table_items(g, false)};
  } else if (op == "rename_table") {
    step.operation = RenameTable{g.string("table"), g.string("new_name")};
  } else if (op == "add_column") {
    const std::string table = g.string("table");
    const toml::node* c = g.get("column");
    if (!c) g.fail(nullptr, "'column' is missing");
    step.operation = AddColumn{table, read_column(g.sub(*c, "column"))};
  } else if (op == "drop_column") {
    DropColumn d;
    d.table = g.string("table");
    d.column = g.string("column");
    if (const toml::node* def = g.get("definition")) d.definition = read_column(g.sub(*def, "definition"));
    step.operation = std::move(d);
  } else if (op == "alter_column") {
    AlterColumn a;
    a.table = g.string("table");
    a.column = g.string("column");
    a.type = opt_type(g, "type");
    a.nullable = g.opt_flag("nullable");
    if (auto d = g.opt_string("server_default")) a.server_default = std::optional<std::string>(*d);
    if (g.flag("drop_server_default")) {
      if (a.server_default) g.fail(nullptr, "'server_default' and 'drop_server_default' contradict each other");
      a.server_default = std::optional<std::string>();
    }
    a.comment = g.opt_string("comment");
    a.new_name = g.opt_string("new_name").value_or("");
    a.using_sql = g.opt_string("using").value_or("");
    a.existing_type = opt_type(g, "existing_type");
    a.existing_nullable = g.opt_flag("existing_nullable");
    if (auto d = g.opt_string("existing_server_default")) a.existing_server_default = std::optional<std::string>(*d);
    if (g.flag("existing_server_default_none")) a.existing_server_default = std::optional<std::string>();
    a.existing_comment = g.opt_string("existing_comment");
    a.existing_autoincrement = g.flag("existing_autoincrement");
    if (!a.changes_definition() && a.new_name.empty()) g.fail(nullptr, "alter_column changes nothing");
    step.operation = std::move(a);
  } else if (op == "create_index") {
    const std::string table = g.string("table");
    const std::string name = g.string("name");
    Index ix(name, g.strings("columns", true));
    ix.unique(g.flag("unique"));
    if (auto w = g.opt_string("where")) ix.where(*w);
    step.operation = CreateIndex{table, std::move(ix), g.flag("concurrently")};
  } else if (op == "drop_index") {
    DropIndex d;
    d.table = g.string("table");
    d.name = g.string("name");
    d.concurrently = g.flag("concurrently");
    if (const toml::node* def = g.get("definition")) d.definition = read_index(g.sub(*def, "definition"), d.name);
    step.operation = std::move(d);
  } else if (op == "add_constraint") {
    const std::string table = g.string("table");
    step.operation = AddConstraint{table, read_constraint(g)};
  } else if (op == "drop_constraint") {
    DropConstraint d;
    d.table = g.string("table");
    d.name = g.opt_string("name").value_or("");
    d.kind = read_kind(g);
    if (d.name.empty() && d.kind != ConstraintKind::primary_key) g.fail(nullptr, "'name' is missing");
    if (const toml::node* def = g.get("definition")) {
      Fields k = g.sub(*def, "definition");
      d.definition = read_constraint(k);
      k.done();
    }
    step.operation = std::move(d);
  } else if (op == "set_table_comment") {
    SetTableComment c;
    c.table = g.string("table");
    c.comment = g.string("comment");
    c.existing_comment = g.opt_string("existing_comment");
    step.operation = std::move(c);
  } else if (op == "execute") {
    ExecuteSql e;
    e.sql = g.string("sql");
    e.dialects = g.strings("dialects");
    for (const auto& d : e.dialects)
      if (d != "sqlite" && d != "postgresql" && d != "mysql" && d != "mariadb")
        g.fail(nullptr, "unknown dialect '" + d + "' (sqlite, postgresql, mysql or mariadb)");
    if (const toml::table* params = g.opt_table("params"))
      for (const auto& [key, value] : *params) e.params.set(key.str(), read_value(g, value));
    e.reverse_sql = g.opt_string("reverse_sql").value_or("");
    step.operation = std::move(e);
  } else if (op == "bulk_insert") {
    BulkInsert b;
    b.table = g.string("table");
    b.columns = g.strings("columns", true);
    if (const toml::array* rows = g.opt_array("rows"))
      for (const auto& row : *rows) {
        if (!row.is_array()) g.fail(&row, "each row must be an array of values");
        std::vector<Value> values;
        for (const auto& v : *row.as_array()) values.push_back(read_value(g, v));
        if (values.size() != b.columns.size())
          g.fail(&row, "a row has " + std::to_string(values.size()) + " values for " + std::to_string(b.columns.size()) +
                           " columns");
        b.rows.push_back(std::move(values));
      }
    step.operation = std::move(b);
  } else {
    g.fail(g.get("op"), "unknown op '" + op +
                            "' (create_table, drop_table, rename_table, add_column, drop_column, alter_column, "
                            "create_index, drop_index, add_constraint, drop_constraint, set_table_comment, execute, "
                            "bulk_insert)");
  }
  step.intended = g.opt_string("intended").value_or("");
  g.done();
  return step;
}

}  // namespace

// ----- types ---------------------------------------------------------------------------------------

std::string type_spelling(const SqlType& type) {
  if (type.kind == TypeKind::numeric && type.precision == 0) return "Numeric";
  if (type.kind == TypeKind::enumeration)
    return "Enum(" + (type.enum_info ? type.enum_info->name : std::string()) + ")";
  return type_display(type);
}

SqlType parse_type(std::string_view spelled) {
  std::string name(spelled);
  std::vector<std::string> args;
  if (auto open = name.find('('); open != std::string::npos) {
    if (name.back() != ')') throw MigrationError("type '" + std::string(spelled) + "': unbalanced parentheses");
    std::string inside = name.substr(open + 1, name.size() - open - 2);
    name = name.substr(0, open);
    std::stringstream in(inside);
    for (std::string arg; std::getline(in, arg, ',');) {
      arg.erase(0, arg.find_first_not_of(' '));
      arg.erase(arg.find_last_not_of(' ') + 1);
      args.push_back(arg);
    }
  }
  auto number = [&](std::size_t i) {
    try {
      std::size_t used = 0;
      const int n = std::stoi(args.at(i), &used);
      if (used != args[i].size() || n < 0) throw std::invalid_argument("");
      return n;
    } catch (const std::exception&) {
      throw MigrationError("type '" + std::string(spelled) + "': expected a number");
    }
  };
  auto arity = [&](std::size_t lo, std::size_t hi) {
    if (args.size() < lo || args.size() > hi)
      throw MigrationError("type '" + std::string(spelled) + "' takes " +
                           (lo == hi ? std::to_string(lo) : std::to_string(lo) + " to " + std::to_string(hi)) +
                           " arguments");
  };
  if (name == "Integer") return arity(0, 0), Integer();
  if (name == "BigInteger") return arity(0, 0), BigInteger();
  if (name == "SmallInteger") return arity(0, 0), SmallInteger();
  if (name == "Boolean") return arity(0, 0), Boolean();
  if (name == "Float") return arity(0, 0), Float();
  if (name == "Double") return arity(0, 0), Double();
  if (name == "Text") return arity(0, 0), Text();
  if (name == "Date") return arity(0, 0), DateType();
  if (name == "Time") return arity(0, 0), TimeType();
  if (name == "JSON") return arity(0, 0), JSONType();
  if (name == "UUID") return arity(0, 0), UUIDType();
  if (name == "LargeBinary") return arity(0, 0), LargeBinary();
  if (name == "String") {
    arity(0, 1);
    return String(args.empty() ? 0 : number(0));
  }
  if (name == "Numeric") {
    arity(0, 2);
    if (args.empty()) return detail::make_type(TypeKind::numeric);
    return Numeric(number(0), args.size() > 1 ? number(1) : 0);
  }
  if (name == "DateTime") {
    arity(0, 1);
    if (!args.empty() && args[0] != "timezone")
      throw MigrationError("type '" + std::string(spelled) + "': DateTime takes only 'timezone'");
    return DateTimeType(!args.empty());
  }
  if (name == "Enum")
    throw MigrationError("an Enum type is written as { enum = \"name\", values = [\"a\", \"b\"] }");
  throw MigrationError("unknown type '" + std::string(spelled) +
                       "' (Integer, BigInteger, SmallInteger, Boolean, Float, Double, Numeric(p, s), String(n), Text, "
                       "Date, Time, DateTime, DateTime(timezone), JSON, UUID, LargeBinary, or an enum table)");
}

// ----- Revision ------------------------------------------------------------------------------------

std::vector<Step> Revision::downgrade_steps() const {
  if (downgrade_written) return downgrade;
  std::vector<Step> out;
  for (auto it = upgrade.rbegin(); it != upgrade.rend(); ++it) {
    try {
      out.push_back(Step{reverse(it->operation), it->intended, it->line, it->note});
    } catch (const MigrationError& e) {
      throw MigrationError("revision " + id + " has no [[downgrade]] steps, and " + e.what() +
                           "; write its downgrade in the file");
    }
  }
  return out;
}

std::string Revision::checksum() const {
  static const int ready = sodium_init();
  (void)ready;
  const std::string canonical = steps_toml(*this) + (downgrade_written ? "downgrade written\n" : "");
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(canonical.data()), canonical.size());
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : digest) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

Revision parse_revision(std::string_view text, const std::string& source) {
  toml::table doc;
  try {
    doc = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    throw MigrationError(source + ":" + std::to_string(e.source().begin.line) + ": not valid TOML: " +
                         std::string(e.description()));
  }
  Fields f(doc, source, "revision");
  Revision r;
  r.id = f.string("revision");
  if (r.id.empty() || !std::all_of(r.id.begin(), r.id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
      }))
    f.fail(f.get("revision"), "'revision' must be letters, digits, '_' or '-'");
  r.parents = f.strings("parents");
  r.depends_on = f.strings("depends_on");
  r.replaces = f.strings("replaces");
  r.message = f.opt_string("message").value_or("");
  r.created = f.opt_string("created").value_or("");
  if (const toml::array* up = f.opt_array("upgrade"))
    for (std::size_t i = 0; i < up->size(); ++i) r.upgrade.push_back(read_step(*up->get(i), source, "upgrade", i + 1));
  if (const toml::array* down = f.opt_array("downgrade")) {
    r.downgrade_written = true;
    for (std::size_t i = 0; i < down->size(); ++i)
      r.downgrade.push_back(read_step(*down->get(i), source, "downgrade", i + 1));
  }
  f.done();
  return r;
}

Revision read_revision(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw MigrationError(path.string() + ": cannot be read");
  std::stringstream buffer;
  buffer << in.rdbuf();
  Revision r = parse_revision(buffer.str(), path.string());
  r.path = path;
  return r;
}

std::string write_revision(const Revision& r) {
  std::string out = "# Crucible revision (docs/migrations.md, \"Revision files\"). Review it as code.\n";
  Pairs head;
  head.text("revision", r.id).add("parents", string_array(r.parents));
  if (!r.depends_on.empty()) head.add("depends_on", string_array(r.depends_on));
  if (!r.replaces.empty()) head.add("replaces", string_array(r.replaces));
  head.text("message", r.message).text("created", r.created);
  if (r.downgrade_written && r.downgrade.empty()) head.add("downgrade", "[]");
  out += head.lines();
  out += steps_toml(r, true);
  return out;
}

std::string new_revision_id() {
  static constexpr char hex[] = "0123456789abcdef";
  std::random_device device;
  std::string out;
  for (int i = 0; i < 12; ++i) out += hex[device() & 15];
  return out;
}

std::string slug(std::string_view message) {
  std::string out;
  for (char c : message) {
    if (std::isalnum(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!out.empty() && out.back() != '_') out += '_';
    if (out.size() >= 40) break;
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

}  // namespace crucible::migrate
