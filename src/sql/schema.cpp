// SPDX-License-Identifier: MIT
#include "crucible/sql/schema.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "crucible/core/detail/topological_sort.hpp"

namespace crucible {

namespace {

std::string normalize_action(std::string_view action) {
  std::string upper;
  for (char ch : action) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  static constexpr std::array<std::string_view, 5> allowed{"CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT",
                                                           "NO ACTION"};
  if (std::find(allowed.begin(), allowed.end(), upper) == allowed.end())
    throw ArgumentError("unknown foreign key action '" + std::string(action) +
                        "' (expected CASCADE, SET NULL, SET DEFAULT, RESTRICT or NO ACTION)");
  return upper;
}

bool is_integer_kind(TypeKind k) {
  return k == TypeKind::integer || k == TypeKind::big_integer || k == TypeKind::small_integer;
}

}  // namespace

// ----- Column ------------------------------------------------------------------------------------

Column::Column(std::string name, SqlType type) : name_(std::move(name)), type_(std::move(type)) {
  if (name_.empty()) throw ArgumentError("a column needs a name");
}

Column& Column::primary_key(bool on) {
  primary_key_ = on;
  return *this;
}
Column& Column::autoincrement(bool on) {
  autoincrement_ = on ? Autoincrement::yes : Autoincrement::no;
  return *this;
}
Column& Column::nullable(bool on) {
  nullable_ = on;
  return *this;
}
Column& Column::unique(bool on) {
  unique_ = on;
  return *this;
}
Column& Column::index(bool on) {
  index_ = on;
  return *this;
}
Column& Column::comment(std::string text) {
  comment_ = std::move(text);
  return *this;
}
Column& Column::default_value(Value v) {
  default_fn_ = [v = std::move(v)] { return v; };
  return *this;
}
Column& Column::default_fn(std::function<Value()> fn) {
  default_fn_ = std::move(fn);
  return *this;
}
Column& Column::default_now() {
  bool utc = type_.timezone;
  default_fn_ = [utc] { return Value(utc ? DateTime::now_utc() : DateTime::now_naive()); };
  return *this;
}
Column& Column::server_default(std::string sql) {
  server_default_ = std::move(sql);
  return *this;
}
Column& Column::onupdate(Value v) {
  onupdate_fn_ = [v = std::move(v)] { return v; };
  return *this;
}
Column& Column::onupdate_fn(std::function<Value()> fn) {
  onupdate_fn_ = std::move(fn);
  return *this;
}
Column& Column::references(std::string_view target) {
  auto dot = target.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == target.size())
    throw ArgumentError("references() expects \"table.column\", got '" + std::string(target) + "'");
  ForeignKey fk;
  fk.columns = {name_};
  fk.target_table = std::string(target.substr(0, dot));
  fk.target_columns = {std::string(target.substr(dot + 1))};
  foreign_key_ = std::move(fk);
  return *this;
}
Column& Column::on_delete(std::string_view action) {
  if (!foreign_key_) throw ArgumentError("on_delete() needs references() first on column '" + name_ + "'");
  foreign_key_->on_delete = normalize_action(action);
  return *this;
}
Column& Column::on_update(std::string_view action) {
  if (!foreign_key_) throw ArgumentError("on_update() needs references() first on column '" + name_ + "'");
  foreign_key_->on_update = normalize_action(action);
  return *this;
}

Column& Column::foreign_key_name(std::string name) {
  if (!foreign_key_) throw ArgumentError("foreign_key_name() needs references() first on column '" + name_ + "'");
  foreign_key_->name = std::move(name);
  return *this;
}

ForeignKeyConstraint::ForeignKeyConstraint(std::vector<std::string> columns, std::string_view target_table,
                                           std::vector<std::string> target_columns, std::string on_delete,
                                           std::string on_update, std::string name) {
  if (columns.empty() || columns.size() != target_columns.size())
    throw ArgumentError("ForeignKeyConstraint needs as many target columns as local columns");
  key.columns = std::move(columns);
  key.target_table = std::string(target_table);
  key.target_columns = std::move(target_columns);
  key.on_delete = on_delete.empty() ? "" : normalize_action(on_delete);
  key.on_update = on_update.empty() ? "" : normalize_action(on_update);
  key.name = std::move(name);
}

Index::Index(std::string name, std::vector<std::string> columns) : name_(std::move(name)), columns_(std::move(columns)) {
  if (name_.empty() || columns_.empty()) throw ArgumentError("an Index needs a name and at least one column");
}

// ----- Table -------------------------------------------------------------------------------------

Table::Table(const MetaData* metadata, std::string name, std::vector<TableItem> items)
    : metadata_(metadata), name_(std::move(name)) {
  if (name_.empty()) throw ArgumentError("a table needs a name");
  std::vector<PrimaryKeyConstraint> pks;
  for (auto& item : items) {
    std::visit(
        [&](auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, Column>) {
            if (find_column(v.name()))
              throw ArgumentError("table '" + name_ + "' declares column '" + v.name() + "' twice");
            columns_.push_back(std::move(v));
          } else if constexpr (std::is_same_v<V, PrimaryKeyConstraint>) {
            pks.push_back(std::move(v));
          } else if constexpr (std::is_same_v<V, UniqueConstraint>) {
            uniques_.push_back(std::move(v));
          } else if constexpr (std::is_same_v<V, CheckConstraint>) {
            checks_.push_back(std::move(v));
          } else if constexpr (std::is_same_v<V, ForeignKeyConstraint>) {
            foreign_keys_.push_back(std::move(v.key));
          } else if constexpr (std::is_same_v<V, Index>) {
            indexes_.push_back(std::move(v));
          } else if constexpr (std::is_same_v<V, TableComment>) {
            comment_ = std::move(v.text);
          }
        },
        item);
  }
  if (columns_.empty()) throw ArgumentError("table '" + name_ + "' has no columns");
  if (pks.size() > 1) throw ArgumentError("table '" + name_ + "' has more than one PrimaryKeyConstraint");
  auto require = [&](const std::vector<std::string>& names, std::string_view what) {
    for (const auto& n : names)
      if (!find_column(n))
        throw ArgumentError(std::string(what) + " on table '" + name_ + "' names unknown column '" + n + "'");
  };
  if (!pks.empty()) {
    require(pks.front().columns, "PrimaryKeyConstraint");
    for (auto& c : columns_)
      if (std::find(pks.front().columns.begin(), pks.front().columns.end(), c.name()) != pks.front().columns.end())
        c.primary_key_ = true;
    pk_name_ = pks.front().name;
  }
  // Column-level keys first, in column order, then the table-level ones as declared.
  std::vector<ForeignKey> fks;
  std::vector<UniqueConstraint> uniques;
  for (auto& c : columns_) {
    c.table_ = this;
    if (c.foreign_key_) fks.push_back(*c.foreign_key_);
    if (c.unique_) uniques.push_back(UniqueConstraint({c.name()}));
    if (c.index_) indexes_.push_back(Index(column_index_name(c.name()), {c.name()}));
  }
  fks.insert(fks.end(), foreign_keys_.begin(), foreign_keys_.end());
  foreign_keys_ = std::move(fks);
  uniques.insert(uniques.end(), uniques_.begin(), uniques_.end());
  uniques_ = std::move(uniques);
  for (const auto& fk : foreign_keys_) require(fk.columns, "ForeignKey");
  for (const auto& u : uniques_) require(u.columns, "UniqueConstraint");
  for (const auto& i : indexes_) require(i.columns(), "Index");

  if (metadata_ && !metadata_->naming_convention().empty()) apply_naming_convention(metadata_->naming_convention());

  // Autoincrement: an explicit yes wins; otherwise a lone integer primary key without a
  // foreign key (SQLAlchemy's "auto").
  auto pk = primary_key();
  for (const auto* c : pk)
    if (c->autoincrement_ == Autoincrement::yes) autoincrement_ = c;
  if (!autoincrement_ && pk.size() == 1 && pk.front()->autoincrement_ == Autoincrement::automatic &&
      is_integer_kind(pk.front()->type().kind) && !pk.front()->foreign_key_)
    autoincrement_ = pk.front();

  node_ = std::make_shared<sql::TableNode>(this);
  column_nodes_.reserve(columns_.size());
  for (const auto& c : columns_) column_nodes_.push_back(std::make_shared<sql::ColumnNode>(node_, c.name(), c.type(), &c));
}

std::string Table::column_index_name(const std::string& column) const {
  if (metadata_) {
    std::string name = metadata_->naming_convention().index_name(name_, {column});
    if (!name.empty()) return name;
  }
  return "ix_" + name_ + "_" + column;
}

// Names what the declaration left unnamed; a given name goes through the check template only
// (as SQLAlchemy, whose ck convention usually wraps %(constraint_name)s).
void Table::apply_naming_convention(const NamingConvention& convention) {
  std::vector<std::string> pk_columns;
  for (const auto* c : primary_key()) pk_columns.push_back(c->name());
  if (pk_name_.empty() && !pk_columns.empty())
    pk_name_ = convention.name_for(ConstraintKind::primary_key, name_, pk_columns);
  for (auto& u : uniques_)
    if (u.name.empty()) u.name = convention.name_for(ConstraintKind::unique, name_, u.columns);
  for (auto& fk : foreign_keys_)
    if (fk.name.empty())
      fk.name = convention.name_for(ConstraintKind::foreign_key, name_, fk.columns, fk.target_table, fk.target_columns);
  for (auto& ck : checks_) {
    if (convention.check.empty()) continue;
    const bool needs_name = convention.check.find("%(constraint_name)s") != std::string::npos;
    if (needs_name && ck.name.empty())
      throw ArgumentError("table '" + name_ + "': the naming convention's check template uses %(constraint_name)s, "
                          "so each CheckConstraint needs a name");
    ck.name = convention.name_for(ConstraintKind::check, name_, {}, {}, {}, ck.name);
  }
}

const Column* Table::find_column(std::string_view name) const {
  for (const auto& c : columns_)
    if (c.name() == name) return &c;
  return nullptr;
}

const Column& Table::column(std::string_view name) const {
  if (const auto* c = find_column(name)) return *c;
  throw ArgumentError("table '" + name_ + "' has no column '" + std::string(name) + "'");
}

std::vector<const Column*> Table::primary_key() const {
  std::vector<const Column*> out;
  for (const auto& c : columns_)
    if (c.is_primary_key()) out.push_back(&c);
  return out;
}

sql::NodePtr Table::column_node(std::string_view name, const SqlType& cpp_type) const {
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].name() != name) continue;
    if (!type_accepts(columns_[i].type(), cpp_type))
      throw TypeError("column " + name_ + "." + std::string(name) + " is " + type_display(columns_[i].type()) +
                      "; a handle of C++ type for " + type_display(cpp_type) + " cannot read it");
    return column_nodes_[i];
  }
  throw ArgumentError("table '" + name_ + "' has no column '" + std::string(name) + "'");
}

Expr<Value> Table::column_expr(std::string_view name) const { return Expr<Value>(column_node(name, NullType())); }

// ----- MetaData ----------------------------------------------------------------------------------

Table& MetaData::add_table(std::string name, std::vector<TableItem> items) {
  if (find_table(name)) throw ArgumentError("table '" + name + "' is already defined in this MetaData");
  tables_.push_back(std::make_unique<Table>(this, std::move(name), std::move(items)));
  return *tables_.back();
}

const Table* MetaData::find_table(std::string_view name) const {
  for (const auto& t : tables_)
    if (t->name() == name) return t.get();
  return nullptr;
}

const Table& MetaData::get_table(std::string_view name) const {
  if (const auto* t = find_table(name)) return *t;
  throw NoSuchTableError("no table '" + std::string(name) + "' in this MetaData");
}

std::vector<const Table*> MetaData::tables() const {
  std::vector<const Table*> out;
  out.reserve(tables_.size());
  for (const auto& t : tables_) out.push_back(t.get());
  return out;
}

std::vector<ResolvedForeignKey> MetaData::resolved_foreign_keys(const Table& table) const {
  std::vector<ResolvedForeignKey> out;
  for (const auto& fk : table.foreign_keys()) out.push_back({&table, find_table(fk.target_table), &fk});
  return out;
}

std::vector<const Table*> MetaData::sorted_tables() const {
  auto items = tables();
  std::vector<std::pair<const Table*, const Table*>> edges;
  for (const auto* t : items)
    for (const auto& fk : resolved_foreign_keys(*t))
      if (fk.target && fk.target != t) edges.emplace_back(fk.target, t);
  auto result = detail::topological_sort(items, edges);
  if (!result.cyclic.empty()) {
    std::string names;
    for (const auto* t : result.cyclic) names += (names.empty() ? "" : ", ") + t->name();
    throw ArgumentError("cannot sort tables by foreign key dependency: cycle involving tables " + names);
  }
  return result.sorted;
}

// ----- Naming convention -------------------------------------------------------------------------

std::string_view constraint_kind_name(ConstraintKind kind) {
  switch (kind) {
    case ConstraintKind::primary_key: return "primary key";
    case ConstraintKind::foreign_key: return "foreign key";
    case ConstraintKind::unique: return "unique constraint";
    case ConstraintKind::check: return "check constraint";
  }
  return "constraint";
}

ConstraintKind kind_of(const TableConstraint& constraint) {
  return std::visit(
      [](const auto& c) {
        using C = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<C, PrimaryKeyConstraint>) return ConstraintKind::primary_key;
        else if constexpr (std::is_same_v<C, UniqueConstraint>) return ConstraintKind::unique;
        else if constexpr (std::is_same_v<C, CheckConstraint>) return ConstraintKind::check;
        else return ConstraintKind::foreign_key;
      },
      constraint);
}

const std::string& name_of(const TableConstraint& constraint) {
  return std::visit(
      [](const auto& c) -> const std::string& {
        if constexpr (std::is_same_v<std::decay_t<decltype(c)>, ForeignKeyConstraint>) return c.key.name;
        else return c.name;
      },
      constraint);
}

NamingConvention NamingConvention::recommended() {
  NamingConvention c;
  c.index = "ix_%(column_0_label)s";
  c.unique = "uq_%(table_name)s_%(column_0_name)s";
  c.check = "ck_%(table_name)s_%(constraint_name)s";
  c.foreign_key = "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s";
  c.primary_key = "pk_%(table_name)s";
  return c;
}

namespace {

constexpr std::size_t max_identifier_length = 63;

// Cut to the limit, ending in 8 hex digits of a hash of the whole (FNV-1a): stable across runs.
std::string fit_identifier(std::string name) {
  if (name.size() <= max_identifier_length) return name;
  std::uint32_t hash = 2166136261u;
  for (unsigned char ch : name) hash = (hash ^ ch) * 16777619u;
  static constexpr char hex[] = "0123456789abcdef";
  std::string suffix = "_";
  for (int shift = 28; shift >= 0; shift -= 4) suffix += hex[(hash >> shift) & 0xF];
  name.resize(max_identifier_length - suffix.size());
  return name + suffix;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? std::string(separator) : "") + parts[i];
  return out;
}

}  // namespace

std::string expand_naming_template(std::string_view pattern, std::string_view table,
                                   const std::vector<std::string>& columns, std::string_view referred_table,
                                   const std::vector<std::string>& referred_columns, std::string_view constraint_name) {
  auto first = [&](const std::vector<std::string>& list, std::string_view token) -> const std::string& {
    if (list.empty())
      throw ArgumentError("naming convention '" + std::string(pattern) + "' uses " + std::string(token) +
                          " but the constraint on '" + std::string(table) + "' has no such column");
    return list.front();
  };
  std::string out;
  std::size_t i = 0;
  while (i < pattern.size()) {
    if (pattern.compare(i, 2, "%(") != 0) {
      out += pattern[i++];
      continue;
    }
    const std::size_t close = pattern.find(")s", i);
    if (close == std::string_view::npos)
      throw ArgumentError("naming convention '" + std::string(pattern) + "': unterminated %(...)s token");
    const std::string_view token = pattern.substr(i + 2, close - i - 2);
    const std::string spelled = "%(" + std::string(token) + ")s";
    if (token == "table_name") out += table;
    else if (token == "column_0_name" || token == "column_0_key") out += first(columns, spelled);
    else if (token == "column_0_label") out += std::string(table) + "_" + first(columns, spelled);
    else if (token == "column_0N_name" || token == "column_0N_key") out += join(columns, "");
    else if (token == "column_0_N_name" || token == "column_0_N_key") out += join(columns, "_");
    else if (token == "column_0N_label") out += std::string(table) + "_" + join(columns, "");
    else if (token == "column_0_N_label") out += std::string(table) + "_" + join(columns, "_");
    else if (token == "referred_table_name") out += referred_table;
    else if (token == "referred_column_0_name") out += first(referred_columns, spelled);
    else if (token == "referred_column_0N_name") out += join(referred_columns, "");
    else if (token == "referred_column_0_N_name") out += join(referred_columns, "_");
    else if (token == "constraint_name") {
      if (constraint_name.empty())
        throw ArgumentError("naming convention '" + std::string(pattern) + "' needs a constraint name on '" +
                            std::string(table) + "'");
      out += constraint_name;
    } else {
      throw ArgumentError("naming convention '" + std::string(pattern) + "': unknown token " + spelled);
    }
    i = close + 2;
  }
  return fit_identifier(std::move(out));
}

std::string NamingConvention::name_for(ConstraintKind kind, std::string_view table,
                                       const std::vector<std::string>& columns, std::string_view referred_table,
                                       const std::vector<std::string>& referred_columns,
                                       std::string_view constraint_name) const {
  const std::string& pattern = kind == ConstraintKind::primary_key   ? primary_key
                               : kind == ConstraintKind::foreign_key ? foreign_key
                               : kind == ConstraintKind::unique      ? unique
                                                                     : check;
  if (pattern.empty()) return std::string(constraint_name);
  return expand_naming_template(pattern, table, columns, referred_table, referred_columns, constraint_name);
}

std::string NamingConvention::index_name(std::string_view table, const std::vector<std::string>& columns) const {
  if (index.empty()) return {};
  return expand_naming_template(index, table, columns, {}, {}, {});
}

}  // namespace crucible
