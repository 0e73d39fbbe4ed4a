// SPDX-License-Identifier: MIT
//
// Attribute: a mapped column property of a model — the link between one struct member and one
// table column. Every per-attribute operation the session needs (read as a Value, assign from a
// Value, load from a result row, compare with the snapshot, take the snapshot, tell whether the
// member still holds its value-initialised "unset" value) is one virtual call generated once per
// member pointer by MemberAttribute<T, M>: a small function table, no recursion over members.
//
// Attributes are built by the mapping (mapping.hpp) and owned by their Mapper; they are
// immutable afterwards and shared read-only between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "crucible/core/row.hpp"
#include "crucible/core/types.hpp"
#include "crucible/core/value.hpp"
#include "crucible/dialects/driver.hpp"
#include "crucible/engine/detail/bind.hpp"
#include "crucible/orm/state.hpp"
#include "crucible/sql/expression.hpp"

namespace crucible {

class Column;
class Mapper;

// What kind of property a mapper holds. Relationships (next) join columns here.
enum class PropertyKind { column, relationship };

// Base of every mapper property: a name and a kind.
class MapperProperty {
 public:
  virtual ~MapperProperty() = default;
  virtual PropertyKind kind() const = 0;
  const std::string& key() const { return key_; }

 protected:
  explicit MapperProperty(std::string key) : key_(std::move(key)) {}

 private:
  std::string key_;
};

class Attribute : public MapperProperty {
 public:
  PropertyKind kind() const override { return PropertyKind::column; }
  // Position among the mapper's attributes, equal to the column's position in the table.
  std::size_t index() const { return index_; }
  const Column& column() const { return *column_; }
  const Mapper& mapper() const { return *mapper_; }

  // The member's value (or the snapshot's) as a Value (enums as their labels).
  virtual Value get(const detail::InstanceState& s) const = 0;
  virtual Value get_committed(const detail::InstanceState& s) const = 0;
  // Assigns a Value to the member, converting (TypeError when it cannot).
  virtual void set(detail::InstanceState& s, const Value& v) const = 0;
  // Reads column `index` of `row` into the member.
  virtual void load(detail::InstanceState& s, const Row& row, std::size_t index) const = 0;
  // Reads column `index` of `row` into the member and the snapshot (one read, hydration). The
  // caller has checked that the row has that column.
  virtual void load_committed(detail::InstanceState& s, const Row& row, std::size_t index) const = 0;
  // Binds the member as placeholder `index` of `stmt`, typed (no Value); strings are borrowed
  // from the object, which must outlive the statement's execution.
  virtual void bind(dialects::DriverStatement& stmt, int index, const detail::InstanceState& s) const = 0;
  // The same for the snapshot's value (keys and version counters in WHERE clauses).
  virtual void bind_committed(dialects::DriverStatement& stmt, int index, const detail::InstanceState& s) const = 0;
  // Current value differs from the snapshot.
  virtual bool modified(const detail::InstanceState& s) const = 0;
  // Snapshot := current value.
  virtual void commit(detail::InstanceState& s) const = 0;
  // The member equals its value-initialised value (0, "", nullopt, epoch...): for a primary key
  // (a generated one, or one a default fills), "not given".
  virtual bool unset(const detail::InstanceState& s) const = 0;
  // The member is a std::optional holding nullopt: for a column with a default, "not given",
  // so the default fills it (client) or the database does (server). Any other value is written.
  virtual bool not_given(const detail::InstanceState& s) const = 0;
  // The member is a std::optional.
  virtual bool optional_member() const = 0;
  // The member's value in a value-initialised object, `T{}`: its default member initialiser.
  virtual Value initial_value() const = 0;
  // "Not given" (mapping.hpp): a key member holding its value-initialised value, another member
  // a std::optional holding nullopt. Only then does a column default act (and merge() leaves the
  // target's value alone); any other value is written.
  bool left_to_default(const detail::InstanceState& s) const;
  // The member is an integer (not bool).
  virtual bool is_integer() const = 0;
  // Integer members: the value; false for other types.
  virtual bool integer(const detail::InstanceState& s, std::int64_t& out) const = 0;
  // Assigns an integer (a generated or read key) without a Value's conversions where the member
  // is one; false, having assigned nothing, when an integer member is too narrow to hold `v`.
  [[nodiscard]] virtual bool set_integer(detail::InstanceState& s, std::int64_t v) const = 0;
  // Copies the member from another state of the same mapper (merge).
  virtual void copy(detail::InstanceState& to, const detail::InstanceState& from) const = 0;

  // std::string members keep their snapshot as a TextSnapshot (state.hpp): which one of the
  // state's is this attribute's.
  std::size_t text_slot() const { return text_slot_; }

 protected:
  Attribute(std::string key, bool text_snapshot)
      : MapperProperty(std::move(key)), text_snapshot_(text_snapshot) {}

 private:
  friend class Mapper;
  bool text_snapshot_ = false;
  std::size_t text_slot_ = 0;
  std::size_t index_ = 0;
  const Column* column_ = nullptr;
  const Mapper* mapper_ = nullptr;
};

namespace detail {

// Value -> C++ member type, through the same conversions result rows use.
template <typename M>
M from_value(const Value& v) {
  if constexpr (std::is_same_v<M, Value>) {
    return v;
  } else {
    Cell cell;
    std::string scratch;
    cell = value_to_cell(v, scratch);
    return cell_as<M>(cell, nullptr, 0);
  }
}

template <typename T, typename M>
class MemberAttribute final : public Attribute {
 public:
  MemberAttribute(std::string key, M T::*member)
      : Attribute(std::move(key), kText), member_(member) {}
  M T::*member() const { return member_; }

  Value get(const InstanceState& s) const override { return to_value(obj(s).*member_); }
  Value get_committed(const InstanceState& s) const override {
    if constexpr (kText) return Value(std::string(snapshot(s).view()));
    else return to_value(typed(s).committed.*member_);
  }
  void set(InstanceState& s, const Value& v) const override { obj(s).*member_ = from_value<M>(v); }
  void load(InstanceState& s, const Row& row, std::size_t index) const override {
    obj(s).*member_ = row.get<M>(index);
  }
  void load_committed(InstanceState& s, const Row& row, std::size_t index) const override {
    auto& t = typed(s);
    t.object.*member_ = RowAccess::get<M>(row, index);
    commit(s);
  }
  void bind(dialects::DriverStatement& stmt, int index, const InstanceState& s) const override {
    bind_typed(stmt, index, obj(s).*member_);
  }
  void bind_committed(dialects::DriverStatement& stmt, int index, const InstanceState& s) const override {
    if constexpr (kText) stmt.bind_text(index, snapshot(s).view());
    else bind_typed(stmt, index, typed(s).committed.*member_);
  }
  bool modified(const InstanceState& s) const override {
    if constexpr (kText) return std::string_view(obj(s).*member_) != snapshot(s).view();
    else return !(typed(s).object.*member_ == typed(s).committed.*member_);
  }
  void commit(InstanceState& s) const override {
    auto& t = typed(s);
    if constexpr (kText) text_snapshots(t)[text_slot()].assign(t.object.*member_, *s.graph->root());
    else t.committed.*member_ = t.object.*member_;
  }
  bool unset(const InstanceState& s) const override { return obj(s).*member_ == M{}; }
  bool not_given(const InstanceState& s) const override {
    if constexpr (kOptional) return !(obj(s).*member_).has_value();
    else return (void)s, false;
  }
  bool optional_member() const override { return kOptional; }
  Value initial_value() const override {
    const T blank{};
    const M& member = blank.*member_;
    // An empty optional's payload is never read: said outright, since GCC's -O2 flow analysis
    // cannot see through optional's engaged flag and warns (maybe-uninitialized) otherwise.
    if constexpr (kOptional) {
      if (!member.has_value()) return Value();
      return to_value(*member);
    } else {
      return to_value(member);
    }
  }
  bool is_integer() const override { return std::is_integral_v<M> && !std::is_same_v<M, bool>; }
  bool integer(const InstanceState& s, std::int64_t& out) const override {
    if constexpr (std::is_integral_v<M> && !std::is_same_v<M, bool>) {
      out = static_cast<std::int64_t>(obj(s).*member_);
      return true;
    } else {
      (void)s;
      (void)out;
      return false;
    }
  }
  bool set_integer(InstanceState& s, std::int64_t v) const override {
    if constexpr (std::is_integral_v<M> && !std::is_same_v<M, bool>) {
      if (!std::in_range<M>(v)) return false;
      obj(s).*member_ = static_cast<M>(v);
    } else {
      set(s, Value(v));
    }
    return true;
  }
  void copy(InstanceState& to, const InstanceState& from) const override {
    obj(to).*member_ = obj(from).*member_;
  }

 private:
  static TypedState<T>& typed(InstanceState& s) { return static_cast<TypedState<T>&>(s); }
  static const TypedState<T>& typed(const InstanceState& s) {
    return static_cast<const TypedState<T>&>(s);
  }
  static T& obj(InstanceState& s) { return typed(s).object; }
  static const T& obj(const InstanceState& s) { return typed(s).object; }
  const TextSnapshot& snapshot(const InstanceState& s) const { return text_snapshots(typed(s))[text_slot()]; }

  static constexpr bool kText = std::is_same_v<M, std::string>;
  template <typename X>
  static constexpr bool is_optional(const X*) { return false; }
  template <typename X>
  static constexpr bool is_optional(const std::optional<X>*) { return true; }
  static constexpr bool kOptional = is_optional(static_cast<const M*>(nullptr));

  M T::*member_;
};

}  // namespace detail
}  // namespace crucible
