// SPDX-License-Identifier: MIT
//
// Declaring a mapping: a plain struct, and once beside it, its table.
//
//   struct User {
//     std::int64_t id = 0;
//     std::string username, email;
//     int posts_count = 0;
//     crucible::DateTime created_at;
//     std::optional<crucible::DateTime> last_login;
//   };
//   CRUCIBLE_MAPPING(User, "users",
//     column("id", &User::id).primary_key(),
//     column("username", &User::username, String(80)).unique().index(),
//     column("email", &User::email, String(120)),
//     column("posts_count", &User::posts_count).server_default("0"),
//     column("created_at", &User::created_at).default_now().index(),
//     column("last_login", &User::last_login),
//     Index("ix_users_email_name", {"email", "username"}));
//
// The SQL type comes from the member type (std::string -> String, std::int64_t -> BigInteger,
// int -> Integer, a mapped enum -> Enum, std::optional<T> -> nullable T, ...); a third argument
// overrides it (String(80)) and must fit the member (ArgumentError at start-up otherwise). Table
// items of Core (Index, UniqueConstraint, PrimaryKeyConstraint for composite keys,
// ForeignKeyConstraint, CheckConstraint, TableComment) go in the same list. The macro yields a
// Core Table in default_registry().metadata(), so create_all and Core statements work on it.
//
// What a member holds is what the ORM writes: `Post{.views_count = 0}` stores 0 whatever the
// column's defaults. "Not given" is said by the type: a std::optional member holding nullopt on a
// column with a default is filled by the client default (default_value / default_fn /
// default_now) before the INSERT, or left to the server default and fetched back. A plain
// member's default is its initialiser (`int views_count = 5;`): a default_value or a literal
// server_default on it must equal the initialiser, and a computed default (default_now,
// default_fn, a server expression) needs a std::optional member; otherwise the mapping is an
// ArgumentError at start-up. Primary keys are the exception: a key member holding its
// value-initialised value (0, an empty string, the nil Uuid) is not given, so a generated key or a
// key default fills it. onupdate / onupdate_now values are applied to an UPDATE that does not
// change the column.
//
// col(&User::posts_count) is the Core Expr<int> of the mapped column: the Core type rules apply,
// so col(&User::posts_count) > 10 compiles and col(&User::username) > 10 does not.
//
// Thread-safety: mappings are built during static initialisation and read-only afterwards.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "crucible/core/types.hpp"
#include "crucible/orm/attribute.hpp"
#include "crucible/orm/mapper.hpp"
#include "crucible/orm/relationship.hpp"
#include "crucible/sql/expression.hpp"
#include "crucible/sql/schema.hpp"

namespace crucible {

namespace detail {
// A client default as the mapping declared it: a value, or a function called at INSERT.
struct ColumnDefault {
  bool computed = false;
  std::optional<Value> value;
};
}  // namespace detail

// One mapped column: a Core Column bound to a struct member. Built by column(); its builders
// mirror Column's and chain.
template <typename T>
class ColumnSpec {
 public:
  template <typename M>
  ColumnSpec(std::string name, M T::*member, SqlType type)
      : column_(name, std::move(type)),
        attribute_(std::make_unique<detail::MemberAttribute<T, M>>(name, member)),
        cpp_type_(detail::default_sql_type<M>()) {
    column_.nullable(TypeTraits<M>::nullable);
  }

  ColumnSpec& primary_key(bool on = true) { return apply([&](Column& c) { c.primary_key(on); }); }
  ColumnSpec& autoincrement(bool on = true) { return apply([&](Column& c) { c.autoincrement(on); }); }
  ColumnSpec& nullable(bool on) { return apply([&](Column& c) { c.nullable(on); }); }
  ColumnSpec& unique(bool on = true) { return apply([&](Column& c) { c.unique(on); }); }
  ColumnSpec& index(bool on = true) { return apply([&](Column& c) { c.index(on); }); }
  ColumnSpec& comment(std::string text) { return apply([&](Column& c) { c.comment(std::move(text)); }); }
  ColumnSpec& default_value(Value v) {
    default_ = detail::ColumnDefault{false, v};
    return apply([&](Column& c) { c.default_value(std::move(v)); });
  }
  ColumnSpec& default_fn(std::function<Value()> fn) {
    default_ = detail::ColumnDefault{true, std::nullopt};
    return apply([&](Column& c) { c.default_fn(std::move(fn)); });
  }
  ColumnSpec& default_now() {
    default_ = detail::ColumnDefault{true, std::nullopt};
    return apply([](Column& c) { c.default_now(); });
  }
  ColumnSpec& server_default(std::string sql) {
    return apply([&](Column& c) { c.server_default(std::move(sql)); });
  }
  ColumnSpec& onupdate(Value v) { return apply([&](Column& c) { c.onupdate(std::move(v)); }); }
  ColumnSpec& onupdate_fn(std::function<Value()> fn) {
    return apply([&](Column& c) { c.onupdate_fn(std::move(fn)); });
  }
  // DateTime::now_utc() for timezone-aware columns, now_naive() otherwise, at each UPDATE.
  ColumnSpec& onupdate_now() {
    const bool utc = column_.type().timezone;
    return onupdate_fn([utc] { return Value(utc ? DateTime::now_utc() : DateTime::now_naive()); });
  }
  ColumnSpec& references(std::string_view target) {
    return apply([&](Column& c) { c.references(target); });
  }
  ColumnSpec& on_delete(std::string_view action) { return apply([&](Column& c) { c.on_delete(action); }); }
  ColumnSpec& on_update(std::string_view action) { return apply([&](Column& c) { c.on_update(action); }); }
  // Optimistic locking: UPDATE and DELETE require this integer column to still hold the loaded
  // value and increment it; a row changed meanwhile raises StaleDataError.
  ColumnSpec& version_id() {
    version_ = true;
    return *this;
  }

  // Used by the mapping builder.
  Column& core_column() { return column_; }
  std::unique_ptr<Attribute> take_attribute() { return std::move(attribute_); }
  const SqlType& cpp_type() const { return cpp_type_; }
  bool is_version() const { return version_; }
  const std::optional<detail::ColumnDefault>& client_default() const { return default_; }

 private:
  template <typename F>
  ColumnSpec& apply(F&& f) {
    f(column_);
    return *this;
  }
  Column column_;
  std::unique_ptr<Attribute> attribute_;
  SqlType cpp_type_;
  bool version_ = false;
  std::optional<detail::ColumnDefault> default_;
};

// column("name", &T::member [, SqlType]): see the header comment.
template <typename T, typename M>
ColumnSpec<T> column(std::string name, M T::*member) {
  static_assert(SqlValueType<M>,
                "crucible: this member type has no SQL type; use bool, an integer, float, double, "
                "std::string, Decimal, Date, Time, DateTime, Uuid, Json, Blob, a mapped enum, or "
                "std::optional of one of them");
  return ColumnSpec<T>(std::move(name), member, TypeTraits<M>::default_type());
}
template <typename T, typename M>
ColumnSpec<T> column(std::string name, M T::*member, SqlType type) {
  static_assert(SqlValueType<M>, "crucible: this member type has no SQL type");
  return ColumnSpec<T>(std::move(name), member, std::move(type));
}

namespace detail {

struct MappingParts {
  std::vector<TableItem> items;
  std::vector<std::unique_ptr<Attribute>> attributes;
  std::vector<SqlType> cpp_types;  // parallel to attributes
  std::vector<std::optional<ColumnDefault>> client_defaults;  // parallel to attributes
  std::string version_column;
  std::vector<std::unique_ptr<Relationship>> relationships;
  Mapper::BackrefMap backrefs;
};

template <typename T>
void add_mapping_item(MappingParts& parts, ColumnSpec<T>& spec) {
  if (spec.is_version()) parts.version_column = spec.core_column().name();
  parts.cpp_types.push_back(spec.cpp_type());
  parts.client_defaults.push_back(spec.client_default());
  parts.items.emplace_back(spec.core_column());
  parts.attributes.push_back(spec.take_attribute());
}
template <typename T>
void add_mapping_item(MappingParts& parts, RelationshipSpec<T>& spec) {
  auto property = spec.take_property();
  if (auto back = spec.take_backref()) parts.backrefs.emplace(property->key(), std::move(back));
  parts.relationships.push_back(std::move(property));
}
template <typename T, typename I>
void add_mapping_item(MappingParts& parts, I& item) {
  static_assert(!std::is_same_v<std::remove_cvref_t<I>, Column>,
                "crucible: map columns with column(\"name\", &Type::member), not Column(...)");
  static_assert(std::is_constructible_v<TableItem, I&>,
                "crucible: a mapping takes column(...) items and Core table items (Index, "
                "UniqueConstraint, PrimaryKeyConstraint, ForeignKeyConstraint, CheckConstraint, "
                "TableComment)");
  parts.items.emplace_back(item);
}

// Builds the Table and the Mapper, registers both (non-template: src/orm/mapper.cpp).
const Mapper& finish_mapping(Registry& registry, std::string class_name, std::string table_name,
                             MappingParts parts, Mapper::StateFactory factory);

template <typename T, typename... Items>
const Mapper& register_mapping(std::string class_name, std::string table_name, Items&&... items) {
  MappingParts parts;
  (add_mapping_item<T>(parts, items), ...);
  return finish_mapping(default_registry(), std::move(class_name), std::move(table_name),
                        std::move(parts), [](const Mapper& m, const std::shared_ptr<ObjectGraph>& g, bool links_loaded) -> std::shared_ptr<InstanceState> {
                          return new_state<T>(m, g, links_loaded);
                        });
}

[[noreturn]] void throw_unmapped_member(const Mapper& mapper);

}  // namespace detail

// The Core expression of a mapped member's column.
template <typename T, typename M>
Expr<M> col(M T::*member) {
  const Mapper& m = mapper_of<T>();
  for (const auto& a : m.attributes()) {
    const auto* ma = dynamic_cast<const detail::MemberAttribute<T, M>*>(a.get());
    if (ma && ma->member() == member) return Expr<M>(m.table().column_nodes()[a->index()]);
  }
  detail::throw_unmapped_member(m);
}
// The mapped Attribute of a member (history, expire of one attribute...).
template <typename T, typename M>
const Attribute& attribute_of(M T::*member) {
  const Mapper& m = mapper_of<T>();
  for (const auto& a : m.attributes()) {
    const auto* ma = dynamic_cast<const detail::MemberAttribute<T, M>*>(a.get());
    if (ma && ma->member() == member) return *a;
  }
  detail::throw_unmapped_member(m);
}

template <typename T, typename M>
OrderBy asc(M T::*member) {
  return col(member).asc();
}
template <typename T, typename M>
OrderBy desc(M T::*member) {
  return col(member).desc();
}

}  // namespace crucible

// CRUCIBLE_MAPPING(Type, "table", items...): declares Type's mapping beside it (any namespace).
// It defines crucible_mapper(MapperTag<Type>), found by mapper_of<Type>() through ADL, and
// registers the mapping during static initialisation so that create_all sees every table.
#define CRUCIBLE_MAPPING(Type, table_name, ...)                                                \
  [[maybe_unused]] inline const ::crucible::Mapper& crucible_mapper(::crucible::MapperTag<Type>) { \
    static const ::crucible::Mapper& mapper = []() -> const ::crucible::Mapper& {              \
      using namespace ::crucible;                                                              \
      return ::crucible::detail::register_mapping<Type>(#Type, table_name, __VA_ARGS__);       \
    }();                                                                                       \
    return mapper;                                                                             \
  }                                                                                            \
  [[maybe_unused]] inline const ::crucible::Mapper& crucible_mapping_registered_##Type =       \
      crucible_mapper(::crucible::MapperTag<Type>{})
