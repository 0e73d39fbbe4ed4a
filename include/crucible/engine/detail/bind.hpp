// SPDX-License-Identifier: MIT
// Typed binding for execute_many over tuples: each element goes straight to the driver's typed
// bind call (no Value, no allocation for integers, floats, strings, blobs, enums).
#pragma once

#include <cstdint>
#include <optional>
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

template <typename T>
void bind_typed(dialects::DriverStatement& stmt, int index, const T& v) {
  if constexpr (IsOptional<T>::value) {
    if (v) bind_typed(stmt, index, *v);
    else stmt.bind_null(index);
  } else if constexpr (std::is_same_v<T, bool>) {
    stmt.bind(index, Value(v));  // the backend decides how booleans are stored
  } else if constexpr (std::is_integral_v<T>) {
    stmt.bind_int64(index, static_cast<std::int64_t>(v));
  } else if constexpr (std::is_floating_point_v<T>) {
    stmt.bind_double(index, static_cast<double>(v));
  } else if constexpr (std::is_same_v<T, std::string>) {
    stmt.bind_string(index, v);
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    stmt.bind_text(index, std::string_view(v));
  } else if constexpr (std::is_same_v<T, Blob>) {
    stmt.bind_blob(index, v);
  } else if constexpr (std::is_same_v<T, Decimal>) {
    stmt.bind_text(index, v.str());  // borrowed from the row, which outlives the step
  } else if constexpr (MappedEnum<T>) {
    stmt.bind_text(index, enum_to_label(v));
  } else if constexpr (std::is_same_v<T, Value>) {
    stmt.bind(index, v);
  } else if constexpr (std::is_same_v<T, Null> || std::is_same_v<T, std::nullopt_t>) {
    stmt.bind_null(index);
  } else if constexpr (std::is_constructible_v<Value, const T&>) {
    stmt.bind(index, Value(v));  // calendar types, Uuid, Json: the driver copies its text form
  } else {
    static_assert(always_false<T>, "crucible: this C++ type cannot be bound as a SQL parameter");
  }
}

template <typename Tuple, std::size_t... I>
void bind_element(dialects::DriverStatement& stmt, int index, const Tuple& row, int element,
                  std::index_sequence<I...>) {
  ((static_cast<int>(I) == element ? bind_typed(stmt, index, std::get<I>(row)) : void()), ...);
}

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
