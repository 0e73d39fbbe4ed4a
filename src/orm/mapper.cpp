// SPDX-License-Identifier: MIT
#include "crucible/orm/mapper.hpp"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "crucible/core/errors.hpp"
#include "crucible/orm/mapping.hpp"
#include "orm/links.hpp"
#include "orm/persistence.hpp"

namespace crucible {

bool Attribute::left_to_default(const detail::InstanceState& s) const {
  const auto& key = mapper_->primary_key();
  if (std::find(key.begin(), key.end(), this) != key.end()) return unset(s);
  return not_given(s) && (column_->has_default() || column_->server_default_sql().has_value());
}

Mapper::Mapper(std::string class_name, const Table& table,
               std::vector<std::unique_ptr<Attribute>> attributes, StateFactory factory,
               std::string version_column, std::vector<std::unique_ptr<Relationship>> relationships,
               BackrefMap backrefs)
    : class_name_(std::move(class_name)),
      table_(&table),
      attributes_(std::move(attributes)),
      relationships_(std::move(relationships)),
      backrefs_(std::move(backrefs)),
      factory_(factory),
      cache_(std::make_unique<detail::PersistenceCache>()) {
  const auto& columns = table.columns();
  // Attributes arrive in declaration order, which is the table's column order.
  for (std::size_t i = 0; i < attributes_.size(); ++i) {
    Attribute& a = *attributes_[i];
    a.index_ = i;
    a.column_ = &columns[i];
    a.mapper_ = this;
    if (a.text_snapshot_) a.text_slot_ = text_snapshots_++;
  }
  for (const Column* c : table.primary_key())
    primary_key_.push_back(attributes_[static_cast<std::size_t>(c - columns.data())].get());
  if (primary_key_.empty())
    throw ArgumentError("mapping of " + class_name_ + ": table '" + table.name() +
                        "' has no primary key; the identity map needs one (primary_key() on a "
                        "column or a PrimaryKeyConstraint)");
  integer_pk_ = primary_key_.size() == 1 && primary_key_[0]->is_integer();
  if (const Column* gen = table.autoincrement_column())
    generated_key_ = attributes_[static_cast<std::size_t>(gen - columns.data())].get();
  if (!version_column.empty()) {
    version_ = &attribute(version_column);
    if (!version_->is_integer())
      throw ArgumentError("mapping of " + class_name_ + ": version_id() column '" + version_column +
                          "' must be an integer member");
  }
}

Mapper::~Mapper() = default;

const Attribute* Mapper::find_attribute(std::string_view key) const {
  for (const auto& a : attributes_)
    if (a->key() == key) return a.get();
  return nullptr;
}

const Relationship* Mapper::find_relationship(std::string_view key) const {
  detail::ensure_configured();
  for (const auto& r : relationships_)
    if (r->key() == key) return r.get();
  return nullptr;
}

const Attribute& Mapper::attribute(std::string_view key) const {
  if (const Attribute* a = find_attribute(key)) return *a;
  throw ArgumentError("mapped class " + class_name_ + " has no attribute '" + std::string(key) + "'");
}

Registry::Registry() = default;
Registry::~Registry() = default;

Mapper& Registry::add(std::unique_ptr<Mapper> mapper) {
  std::lock_guard lock(mutex_);
  mapper->index_ = mappers_.size();
  mappers_.push_back(std::move(mapper));
  detail::mappers_changed();
  return *mappers_.back();
}

std::vector<const Mapper*> Registry::mappers() const {
  std::lock_guard lock(mutex_);
  std::vector<const Mapper*> out;
  for (const auto& m : mappers_) out.push_back(m.get());
  return out;
}

const Mapper* Registry::find(const Table& table) const {
  std::lock_guard lock(mutex_);
  for (const auto& m : mappers_)
    if (&m->table() == &table) return m.get();
  return nullptr;
}

Registry& default_registry() {
  static Registry registry;
  return registry;
}

namespace detail {

std::size_t text_snapshot_count(const Mapper& mapper) { return mapper.text_snapshots(); }

namespace {

// A server default's SQL as a value when it is a plain literal (42, -1.5, 'text', true), else
// nothing: an expression (CURRENT_TIMESTAMP, now(), a function) cannot be compared with a member.
std::optional<Value> literal_of(std::string_view sql) {
  auto trim = [](std::string_view t) {
    while (!t.empty() && (t.front() == ' ' || t.front() == '(')) t.remove_prefix(1);
    while (!t.empty() && (t.back() == ' ' || t.back() == ')')) t.remove_suffix(1);
    return t;
  };
  sql = trim(sql);
  if (sql.size() >= 2 && sql.front() == '\'' && sql.back() == '\'') {
    std::string out;
    for (std::size_t i = 1; i + 1 < sql.size(); ++i) {
      out += sql[i];
      if (sql[i] == '\'' && i + 2 < sql.size() && sql[i + 1] == '\'') ++i;
    }
    return Value(std::move(out));
  }
  std::string lower(sql);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (lower == "true") return Value(true);
  if (lower == "false") return Value(false);
  if (sql.empty()) return std::nullopt;
  char* end = nullptr;
  const std::string text(sql);
  const double number = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return Value(number);
}

// Numbers compare by value whatever their representation (a bool member and "1", an int and 5.0).
bool same_default(const Value& member, const Value& declared) {
  auto number = [](const Value& v) -> std::optional<double> {
    if (v.holds<bool>()) return v.get<bool>() ? 1.0 : 0.0;
    if (v.holds<std::int64_t>()) return static_cast<double>(v.get<std::int64_t>());
    if (v.holds<double>()) return v.get<double>();
    if (v.holds<Decimal>()) return v.get<Decimal>().to_double();
    return std::nullopt;
  };
  const auto a = number(member), b = number(declared);
  if (a && b) return *a == *b;
  if (declared.holds<std::string>()) return member.holds<std::string>() && member.get<std::string>() == declared.get<std::string>();
  return member == declared;
}

// The ORM writes what a plain member holds, so a default on one either equals its initialiser or
// could never act: refuse the mapping then, saying how to write it (mapping.hpp's header).
void check_defaults(const std::string& class_name, const Table& table, const Column& column, const Attribute& a,
                    const std::optional<ColumnDefault>& client) {
  const auto key = table.primary_key();
  if (a.optional_member() || std::find(key.begin(), key.end(), &column) != key.end()) return;
  const std::string where = "mapping of " + class_name + ": column '" + column.name() + "'";
  if (client && client->computed)
    throw ArgumentError(where + " has a default computed at INSERT (default_now / default_fn), which the ORM can "
                        "only apply to a member that can be not given: declare the member std::optional (nullopt: "
                        "the default fills it)");
  const Value initial = a.initial_value();
  if (client && client->value && !same_default(initial, *client->value))
    throw ArgumentError(where + ": its default " + client->value->to_display() + " differs from the member's " +
                        "initialiser " + initial.to_display() + "; the ORM writes what the member holds: initialise " +
                        "the member to the default, or declare it std::optional (nullopt: the default fills it)");
  if (const auto& server = column.server_default_sql()) {
    const std::optional<Value> literal = literal_of(*server);
    if (!literal || !same_default(initial, *literal))
      throw ArgumentError(where + ": its server default " + *server + " differs from the member's initialiser " +
                          initial.to_display() + "; the ORM writes what the member holds: initialise the member to " +
                          "the same value, or declare it std::optional (nullopt: the database fills it)");
  }
}

}  // namespace

const Mapper& finish_mapping(Registry& registry, std::string class_name, std::string table_name,
                             MappingParts parts, Mapper::StateFactory factory) {
  // Columns first (in declaration order), then table items, so column i is attribute i.
  std::vector<TableItem> items;
  std::vector<TableItem> others;
  for (auto& item : parts.items) {
    if (std::holds_alternative<Column>(item)) items.push_back(std::move(item));
    else others.push_back(std::move(item));
  }
  for (std::size_t i = 0; i < parts.attributes.size(); ++i) {
    const auto& column = std::get<Column>(items[i]);
    if (!type_accepts(column.type(), parts.cpp_types[i]))
      throw ArgumentError("mapping of " + class_name + ": column '" + column.name() + "' of type " +
                          type_display(column.type()) + " cannot hold its member's type " +
                          type_display(parts.cpp_types[i]));
  }
  for (auto& item : others) items.push_back(std::move(item));
  const Table& table = registry.metadata().add_table(std::move(table_name), std::move(items));
  for (std::size_t i = 0; i < parts.attributes.size(); ++i)
    check_defaults(class_name, table, table.columns()[i], *parts.attributes[i], parts.client_defaults[i]);
  for (const auto& r : parts.relationships)
    for (const auto& a : parts.attributes)
      if (a->key() == r->key())
        throw ArgumentError("mapping of " + class_name + ": '" + r->key() + "' is both a column and a relationship");
  return registry.add(std::make_unique<Mapper>(std::move(class_name), table, std::move(parts.attributes), factory,
                                               std::move(parts.version_column), std::move(parts.relationships),
                                               std::move(parts.backrefs)));
}

void throw_unmapped_member(const Mapper& mapper) {
  throw ArgumentError("this member of " + mapper.class_name() + " is not mapped to a column");
}

}  // namespace detail
}  // namespace crucible
