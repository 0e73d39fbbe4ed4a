// SPDX-License-Identifier: MIT
// Out-of-line part of Value::get, kept apart so value.hpp reads as the interface.
#pragma once

#include <cstddef>
#include <variant>

#include "crucible/core/errors.hpp"

namespace crucible {

namespace detail {
template <typename T, typename Variant>
struct VariantIndex;
template <typename T, typename... Ts>
struct VariantIndex<T, std::variant<Ts...>> {
  static constexpr std::size_t value = [] {
    constexpr bool matches[] = {std::is_same_v<T, Ts>...};
    for (std::size_t i = 0; i < sizeof...(Ts); ++i)
      if (matches[i]) return i;
    return sizeof...(Ts);
  }();
};
}  // namespace detail

// Index of T among Value's alternatives (used by drivers and messages).
template <typename T>
inline constexpr std::size_t value_index_of = detail::VariantIndex<T, ValueVariant>::value;

[[noreturn]] void throw_value_type_error(std::size_t held_index, std::size_t wanted_index);

template <typename T>
const T& Value::get() const {
  if (const T* p = std::get_if<T>(&v_)) return *p;
  throw_value_type_error(v_.index(), value_index_of<T>);
}

}  // namespace crucible
