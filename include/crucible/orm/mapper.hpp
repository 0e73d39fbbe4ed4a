// SPDX-License-Identifier: MIT
//
// Mapper: the runtime description of one mapped class — its Core Table, its column attributes
// (one per table column, in column order), primary key, generated key and version counter — and
// Registry, which owns mappers and the MetaData their tables live in (SQLAlchemy's registry and
// Base.metadata).
//
// Mappers are built once by CRUCIBLE_MAPPING (mapping.hpp) during static initialisation, then
// only read: share them freely between threads. mapper_of<T>() finds T's mapper through the
// function the macro declares beside T (argument-dependent lookup), so mappings may live in any
// namespace.
//
//   const crucible::Mapper& m = crucible::mapper_of<User>();
//   m.table().name();                        // "users"
//   crucible::create_all(engine, crucible::default_registry().metadata());
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "crucible/orm/attribute.hpp"
#include "crucible/sql/schema.hpp"

namespace crucible {

class Relationship;
namespace detail {
struct PersistenceCache;  // compiled unit-of-work statements, per mapper (src/orm)
class ObjectGraph;
void ensure_configured();
}

class Mapper {
 public:
  using StateFactory = std::shared_ptr<detail::InstanceState> (*)(const Mapper&,
                                                                  const std::shared_ptr<detail::ObjectGraph>&, bool);
  // Relationships other mappers get by backref, keyed by the key of the relationship declaring them.
  using BackrefMap = std::map<std::string, std::unique_ptr<Relationship>, std::less<>>;

  Mapper(std::string class_name, const Table& table,
         std::vector<std::unique_ptr<Attribute>> attributes, StateFactory factory,
         std::string version_column, std::vector<std::unique_ptr<Relationship>> relationships,
         BackrefMap backrefs);
  ~Mapper();
  Mapper(const Mapper&) = delete;
  Mapper& operator=(const Mapper&) = delete;

  const std::string& class_name() const { return class_name_; }
  const Table& table() const { return *table_; }
  // Parallel to table().columns().
  const std::vector<std::unique_ptr<Attribute>>& attributes() const { return attributes_; }
  const Attribute* find_attribute(std::string_view key) const;
  const Attribute& attribute(std::string_view key) const;  // ArgumentError when absent
  const std::vector<const Attribute*>& primary_key() const { return primary_key_; }
  // A single integer primary key column (the identity map's fast path).
  bool integer_primary_key() const { return integer_pk_; }
  // The column the database generates (autoincrement), or nullptr.
  const Attribute* generated_key() const { return generated_key_; }
  // The optimistic-locking version counter, or nullptr.
  const Attribute* version_attribute() const { return version_; }
  // Relationship properties (with those other mappers declare here by backref), configured.
  const std::vector<std::unique_ptr<Relationship>>& relationships() const { return relationships_; }
  const Relationship* find_relationship(std::string_view key) const;
  bool relationships_configured() const { return configured_; }
  // Registration order in its registry (dense, from 0): per-mapper tables index by it.
  std::size_t index() const { return index_; }

  // A fresh state holding a value-initialised object of the mapped class, owned by `graph`;
  // `links_loaded` false for rows from the database (relationships load on access).
  std::shared_ptr<detail::InstanceState> new_state(const std::shared_ptr<detail::ObjectGraph>& graph,
                                                   bool links_loaded = true) const {
    return factory_(*this, graph, links_loaded);
  }

  detail::PersistenceCache& persistence_cache() const { return *cache_; }
  // String columns, whose snapshots each state keeps beside it (state.hpp, TextSnapshot).
  std::size_t text_snapshots() const { return text_snapshots_; }

 private:
  friend class Registry;
  friend void detail::ensure_configured();
  std::string class_name_;
  const Table* table_;
  std::vector<std::unique_ptr<Attribute>> attributes_;
  std::vector<const Attribute*> primary_key_;
  std::vector<std::unique_ptr<Relationship>> relationships_;
  BackrefMap backrefs_;
  bool configured_ = false;
  const Attribute* generated_key_ = nullptr;
  const Attribute* version_ = nullptr;
  bool integer_pk_ = false;
  StateFactory factory_;
  std::size_t index_ = 0;
  std::size_t text_snapshots_ = 0;
  std::unique_ptr<detail::PersistenceCache> cache_;
};

// Owns mappers and their MetaData. Populate at start-up; read-only afterwards.
class Registry {
 public:
  Registry();
  ~Registry();
  MetaData& metadata() { return metadata_; }
  const MetaData& metadata() const { return metadata_; }
  Mapper& add(std::unique_ptr<Mapper> mapper);
  std::vector<const Mapper*> mappers() const;
  // The mapper of a table, or nullptr (foreign-key dependencies between mappers).
  const Mapper* find(const Table& table) const;

 private:
  mutable std::mutex mutex_;
  MetaData metadata_;
  std::vector<std::unique_ptr<Mapper>> mappers_;
};

// The registry CRUCIBLE_MAPPING registers into.
Registry& default_registry();

template <typename T>
struct MapperTag {};

template <typename T>
concept Mapped = requires { { crucible_mapper(MapperTag<T>{}) } -> std::same_as<const Mapper&>; };

template <typename T>
const Mapper& mapper_of() {
  static_assert(Mapped<T>,
                "crucible: this type has no mapping; declare CRUCIBLE_MAPPING(Type, \"table\", ...) "
                "beside it");
  return crucible_mapper(MapperTag<T>{});
}

}  // namespace crucible
