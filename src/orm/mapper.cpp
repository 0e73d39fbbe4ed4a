// SPDX-License-Identifier: MIT
#include "crucible/orm/mapper.hpp"

#include "crucible/core/errors.hpp"
#include "crucible/orm/mapping.hpp"
#include "orm/links.hpp"
#include "orm/persistence.hpp"

namespace crucible {

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
