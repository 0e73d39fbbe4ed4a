// SPDX-License-Identifier: MIT
// Typed binding for execute_many over tuples and the ORM's attributes: each element goes
// straight to the driver as a ParamRef (no Value, no allocation for integers, floats, strings,
// blobs, enums).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "crucible/core/row.hpp"
#include "crucible/core/types.hpp"
#include "crucible/core/value.hpp"
#include "crucible/dialects/driver.hpp"

namespace crucible::detail {

// Types bound from a Value made for the purpose (calendar types, Uuid, Json: the driver stores
// their text form); every other bindable type is borrowed as it is.
template <typename T>
constexpr bool kBindsThroughValue = [] {
  if constexpr (IsOptional<T>::value) return kBindsThroughValue<typename T::value_type>;
  else
    return !(std::is_arithmetic_v<T> || std::is_convertible_v<const T&, std::string_view> ||
             std::is_same_v<T, Blob> || std::is_same_v<T, Decimal> || MappedEnum<T> ||
             std::is_same_v<T, Value> || std::is_same_v<T, Null> || std::is_same_v<T, std::nullopt_t>);
}();

// `v` as a driver parameter. `scratch` holds the Value of a kBindsThroughValue type (null for
// the others) and must outlive the use of the result.
template <typename T>
dialects::ParamRef param_ref(const T& v, [[maybe_unused]] Value* scratch) {
  using dialects::ParamRef;
  if constexpr (IsOptional<T>::value) {
    return v ? param_ref(*v, scratch) : ParamRef();
  } else if constexpr (std::is_same_v<T, bool>) {
    return ParamRef::of_bool(v);  // the backend decides how booleans are stored
  } else if constexpr (std::is_integral_v<T>) {
    return ParamRef::of_integer(static_cast<std::int64_t>(v));
  } else if constexpr (std::is_floating_point_v<T>) {
    return ParamRef::of_real(static_cast<double>(v));
  } else if constexpr (std::is_same_v<T, std::string>) {
    return ParamRef::of_string(v);
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    return ParamRef::of_text(std::string_view(v));
  } else if constexpr (std::is_same_v<T, Blob>) {
    return ParamRef::of_blob(v);
  } else if constexpr (std::is_same_v<T, Decimal>) {
    return ParamRef::of_string(v.str());  // borrowed from the row, which outlives the step
  } else if constexpr (MappedEnum<T>) {
    return ParamRef::of_text(enum_to_label(v));
  } else if constexpr (std::is_same_v<T, Value>) {
    return ParamRef::of_value(v);
  } else if constexpr (std::is_same_v<T, Null> || std::is_same_v<T, std::nullopt_t>) {
    return ParamRef();
  } else if constexpr (std::is_constructible_v<Value, const T&>) {
    *scratch = Value(v);
    return ParamRef::of_value(*scratch);
  } else {
    static_assert(always_false<T>, "crucible: this C++ type cannot be bound as a SQL parameter");
  }
}

template <typename T>
void bind_typed(dialects::DriverStatement& stmt, int index, const T& v) {
  if constexpr (kBindsThroughValue<T>) {
    Value scratch;
    stmt.bind_ref(index, param_ref(v, &scratch));
  } else {
    stmt.bind_ref(index, param_ref(v, nullptr));
  }
}

// One tuple's elements as driver parameters, element k at refs()[k], for DriverStatement::run.
// Kept across rows: fill() overwrites every element.
template <typename Tuple>
class TupleParams {
  static constexpr std::size_t kArity = std::tuple_size_v<Tuple>;
  template <std::size_t... I>
  static constexpr bool through_value(std::index_sequence<I...>) {
    return (kBindsThroughValue<std::tuple_element_t<I, Tuple>> || ...);
  }
  static constexpr bool kScratch = through_value(std::make_index_sequence<kArity>{});

 public:
  void fill(const Tuple& row) { fill(row, std::make_index_sequence<kArity>{}); }
  std::span<const dialects::ParamRef> refs() const { return refs_; }

 private:
  template <std::size_t... I>
  void fill(const Tuple& row, std::index_sequence<I...>) {
    ((refs_[I] = param_ref(std::get<I>(row), kScratch ? scratch_.data() + I : nullptr)), ...);
  }
  std::array<dialects::ParamRef, kArity> refs_;
  std::array<Value, kScratch ? kArity : 0> scratch_;  // the Values of kBindsThroughValue elements
};

// The Value of a tuple element, for error messages and events.
template <typename T>
Value element_value(const T& v) {
  if constexpr (IsOptional<T>::value) {
    return v ? element_value(*v) : Value();
  } else if constexpr (MappedEnum<T>) {
    return Value(std::string(enum_to_label(v)));
  } else if constexpr (std::is_same_v<T, std::nullopt_t>) {
    return Value();
  } else if constexpr (std::is_convertible_v<const T&, std::string_view> &&
                       !std::is_same_v<T, std::string>) {
    return Value(std::string(std::string_view(v)));
  } else {
    return Value(v);
  }
}

}  // namespace crucible::detail
