// SPDX-License-Identifier: MIT
//
// Compile-time type rules of the expression language: which C++ values a typed column may be
// compared with, assigned from, or used with in arithmetic. Each rule fails with one readable
// sentence (a static_assert at the API surface) instead of a template wall.
// Internal to crucible::sql; not part of the public API.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "crucible/core/value.hpp"

namespace crucible::detail {

template <typename T>
struct unopt {
  using type = T;
};
template <typename T>
struct unopt<std::optional<T>> {
  using type = T;
};
template <typename T>
using unopt_t = typename unopt<std::remove_cvref_t<T>>::type;

// Anything built by the expression language (Expr<T> and its subclasses such as Case<T>).
template <typename T>
concept IsExpr = requires { std::remove_cvref_t<T>::is_crucible_expr; };

enum class Cat {
  boolean, integer, floating, decimal, string, date, time, date_time, uuid, json, blob,
  enumeration, any, null, unknown
};

template <typename T>
consteval Cat category() {
  using U = unopt_t<T>;
  if constexpr (IsExpr<U>) {
    return category<typename U::value_type>();
  } else if constexpr (std::is_same_v<U, bool>) {
    return Cat::boolean;
  } else if constexpr (std::is_integral_v<U>) {
    return Cat::integer;
  } else if constexpr (std::is_floating_point_v<U>) {
    return Cat::floating;
  } else if constexpr (std::is_same_v<U, Decimal>) {
    return Cat::decimal;
  } else if constexpr (std::is_same_v<U, Date>) {
    return Cat::date;
  } else if constexpr (std::is_same_v<U, Time>) {
    return Cat::time;
  } else if constexpr (std::is_same_v<U, DateTime>) {
    return Cat::date_time;
  } else if constexpr (std::is_same_v<U, Uuid>) {
    return Cat::uuid;
  } else if constexpr (std::is_same_v<U, Json>) {  // before string: json converts to anything
    return Cat::json;
  } else if constexpr (std::is_same_v<U, Blob>) {
    return Cat::blob;
  } else if constexpr (std::is_enum_v<U>) {
    return Cat::enumeration;
  } else if constexpr (std::is_same_v<U, Value>) {
    return Cat::any;
  } else if constexpr (std::is_same_v<U, Null> || std::is_same_v<U, std::nullopt_t> ||
                       std::is_same_v<U, std::nullptr_t>) {
    return Cat::null;
  } else if constexpr (std::is_convertible_v<const U&, std::string_view>) {
    return Cat::string;
  } else {
    return Cat::unknown;
  }
}

// The underlying C++ value type of an operand (Expr<T> -> T, optional<T> -> T).
template <typename T>
struct operand_value {
  using type = unopt_t<T>;
};
template <typename T>
  requires IsExpr<T>
struct operand_value<T> {
  using type = unopt_t<typename std::remove_cvref_t<T>::value_type>;
};
template <typename T>
using operand_value_t = typename operand_value<std::remove_cvref_t<T>>::type;

consteval bool is_numeric(Cat c) { return c == Cat::integer || c == Cat::floating || c == Cat::decimal; }

template <typename A, typename B>
consteval bool comparable() {
  constexpr Cat a = category<A>(), b = category<B>();
  if constexpr (a == Cat::any || b == Cat::any) return true;
  else if constexpr (is_numeric(a) && is_numeric(b)) return true;
  else if constexpr (a == Cat::enumeration && b == Cat::enumeration)
    return std::is_same_v<operand_value_t<A>, operand_value_t<B>>;
  else return a == b;
}

// Column (or expression) of type T compared with an operand of type U.
template <typename T, typename U>
constexpr void check_comparable() {
  constexpr Cat t = category<T>(), u = category<U>();
  constexpr bool ok = u == Cat::null || comparable<T, U>();
  static_assert(u != Cat::unknown, "crucible: this C++ type cannot be used as an SQL value");
  static_assert(u == Cat::unknown || ok || t != Cat::string || !is_numeric(u),
                "crucible: cannot compare a std::string column with a number");
  static_assert(u == Cat::unknown || ok || t != Cat::string || is_numeric(u),
                "crucible: cannot compare a std::string column with a value that is not a string");
  static_assert(u == Cat::unknown || ok || !is_numeric(t),
                "crucible: cannot compare a numeric column with a value that is not a number");
  static_assert(u == Cat::unknown || ok || t != Cat::boolean,
                "crucible: cannot compare a bool column with a value that is not a bool");
  static_assert(u == Cat::unknown || ok || t != Cat::enumeration,
                "crucible: cannot compare an enum column with a value of another type");
  static_assert(u == Cat::unknown || ok || t == Cat::string || is_numeric(t) ||
                    t == Cat::boolean || t == Cat::enumeration,
                "crucible: cannot compare a column with a value of a different C++ type");
}

// Ordering (<, <=, >, >=) also rejects NULL: use is_null().
template <typename T, typename U>
constexpr void check_orderable() {
  static_assert(category<U>() != Cat::null,
                "crucible: cannot order-compare with NULL; use is_null() / is_not_null()");
  if constexpr (category<U>() != Cat::null) check_comparable<T, U>();
}

template <typename T, typename U>
consteval bool assignable() {
  constexpr Cat t = category<T>(), u = category<U>();
  if constexpr (u == Cat::null || u == Cat::any || t == Cat::any) return true;
  else if constexpr (IsExpr<U>) return comparable<T, U>();
  else if constexpr (t == Cat::integer) return u == Cat::integer;
  else if constexpr (t == Cat::floating) return u == Cat::integer || u == Cat::floating;
  else if constexpr (t == Cat::decimal) return u == Cat::decimal || u == Cat::integer;
  else if constexpr (t == Cat::enumeration)
    return u == Cat::enumeration && std::is_same_v<operand_value_t<T>, operand_value_t<U>>;
  else return t == u;
}

// A value of type U assigned to a column of type T (insert values, update set).
template <typename T, typename U>
constexpr void check_assignable() {
  constexpr Cat t = category<T>(), u = category<U>();
  constexpr bool ok = assignable<T, U>();
  static_assert(u != Cat::unknown, "crucible: this C++ type cannot be used as an SQL value");
  static_assert(u == Cat::unknown || ok || t != Cat::string || !is_numeric(u),
                "crucible: cannot assign a number to a std::string column");
  static_assert(u == Cat::unknown || ok || t != Cat::string || is_numeric(u),
                "crucible: cannot assign a value that is not a string to a std::string column");
  static_assert(u == Cat::unknown || ok || t != Cat::integer,
                "crucible: cannot assign a value that is not an integer to an integer column");
  static_assert(u == Cat::unknown || ok || t != Cat::floating,
                "crucible: cannot assign a value that is not a number to a floating-point column");
  static_assert(u == Cat::unknown || ok || t != Cat::decimal,
                "crucible: cannot assign a value that is not a Decimal or an integer to a Decimal column");
  static_assert(u == Cat::unknown || ok || t != Cat::boolean,
                "crucible: cannot assign a value that is not a bool to a bool column");
  static_assert(u == Cat::unknown || ok || t != Cat::enumeration,
                "crucible: cannot assign a value of another type to an enum column");
  static_assert(u == Cat::unknown || ok || t == Cat::string || is_numeric(t) ||
                    t == Cat::boolean || t == Cat::enumeration,
                "crucible: cannot assign a value of a different C++ type to this column");
}

template <typename T, typename U>
constexpr void check_arithmetic() {
  static_assert(is_numeric(category<T>()) || category<T>() == Cat::any,
                "crucible: arithmetic needs numeric operands (the left one is not a number)");
  static_assert(is_numeric(category<U>()) || category<U>() == Cat::any,
                "crucible: arithmetic needs numeric operands (the right one is not a number)");
}

template <typename T>
constexpr void check_boolean() {
  static_assert(category<T>() == Cat::boolean || category<T>() == Cat::any,
                "crucible: AND / OR / NOT need boolean expressions");
}

template <typename T>
constexpr void check_string() {
  static_assert(category<T>() == Cat::string || category<T>() == Cat::any,
                "crucible: LIKE, contains, startswith and endswith need a string column");
}

}  // namespace crucible::detail
