// SPDX-License-Identifier: MIT
//
// SQL types and their C++ value types.
//
//   SQL type          C++ value type          factory
//   Integer           int (int32)             Integer()
//   BigInteger        std::int64_t            BigInteger()
//   SmallInteger      std::int16_t            SmallInteger()
//   Boolean           bool                    Boolean()
//   Float             float                   Float()
//   Double            double                  Double()
//   Numeric(p, s)     crucible::Decimal       Numeric(10, 2)
//   String(n)         std::string             String(80)
//   Text              std::string             Text()
//   Date              crucible::Date          DateType()
//   Time              crucible::Time          TimeType()
//   DateTime          crucible::DateTime      DateTimeType() / DateTimeType(timezone = true)
//   Enum              a C++ enum              Enum<PostStatus>()
//   JSON              crucible::Json          JSONType()
//   UUID              crucible::Uuid          UUIDType()
//   LargeBinary       crucible::Blob          LargeBinary()
//
// std::optional<T> is the nullable form of T's type. The factories for Date, Time, DateTime,
// JSON and UUID carry a "Type" suffix because the unsuffixed names are the C++ value types.
//
// A C++ enum becomes usable as a column value by declaring its names once:
//
//   enum class PostStatus { draft, published, archived };
//   template <> struct crucible::EnumNames<PostStatus> {
//     static constexpr std::array names{"draft", "published", "archived"};  // by enumerator value
//   };
//
// Thread-safety: SqlType is an immutable value; EnumInfo is shared read-only.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "crucible/core/value.hpp"

namespace crucible {

enum class TypeKind {
  integer,
  big_integer,
  small_integer,
  boolean,
  float32,
  float64,
  numeric,
  string,
  text,
  date,
  time,
  date_time,
  enumeration,
  json,
  uuid,
  large_binary,
  null_type,  // type of a bare NULL or of an expression whose type is not known
};

// Names of a C++ enum's enumerators, declared by the user (see above).
template <typename E>
struct EnumNames;

template <typename E>
concept MappedEnum = std::is_enum_v<E> && requires { EnumNames<E>::names; };

// Runtime description of an Enum type: its SQL name (for CREATE TYPE on PostgreSQL) and labels,
// indexed by the enumerator's underlying value.
struct EnumInfo {
  std::string name;
  std::vector<std::string> labels;
};

struct SqlType {
  TypeKind kind = TypeKind::null_type;
  int length = 0;      // String(n); 0 = unbounded
  int precision = 0;   // Numeric
  int scale = 0;       // Numeric
  bool timezone = false;  // DateTime: UTC-aware
  std::shared_ptr<const EnumInfo> enum_info;  // Enum only

  friend bool operator==(const SqlType& a, const SqlType& b) {
    return a.kind == b.kind && a.length == b.length && a.precision == b.precision &&
           a.scale == b.scale && a.timezone == b.timezone &&
           (a.enum_info == b.enum_info ||
            (a.enum_info && b.enum_info && a.enum_info->name == b.enum_info->name));
  }
};

// Readable name of a type for messages ("String(80)", "Numeric(10, 2)").
std::string type_display(const SqlType& type);

namespace detail {
inline SqlType make_type(TypeKind kind, int length = 0, int precision = 0, int scale = 0,
                         bool timezone = false) {
  SqlType t;
  t.kind = kind;
  t.length = length;
  t.precision = precision;
  t.scale = scale;
  t.timezone = timezone;
  return t;
}
}  // namespace detail

inline SqlType Integer() { return detail::make_type(TypeKind::integer); }
inline SqlType BigInteger() { return detail::make_type(TypeKind::big_integer); }
inline SqlType SmallInteger() { return detail::make_type(TypeKind::small_integer); }
inline SqlType Boolean() { return detail::make_type(TypeKind::boolean); }
inline SqlType Float() { return detail::make_type(TypeKind::float32); }
inline SqlType Double() { return detail::make_type(TypeKind::float64); }
inline SqlType Numeric(int precision, int scale) {
  return detail::make_type(TypeKind::numeric, 0, precision, scale);
}
inline SqlType String(int length = 0) { return detail::make_type(TypeKind::string, length); }
inline SqlType Text() { return detail::make_type(TypeKind::text); }
inline SqlType DateType() { return detail::make_type(TypeKind::date); }
inline SqlType TimeType() { return detail::make_type(TypeKind::time); }
inline SqlType DateTimeType(bool timezone = false) {
  return detail::make_type(TypeKind::date_time, 0, 0, 0, timezone);
}
inline SqlType JSONType() { return detail::make_type(TypeKind::json); }
inline SqlType UUIDType() { return detail::make_type(TypeKind::uuid); }
inline SqlType LargeBinary() { return detail::make_type(TypeKind::large_binary); }
inline SqlType NullType() { return detail::make_type(TypeKind::null_type); }

// Converts between a mapped enum and its label; throws ArgumentError on an unknown label.
template <MappedEnum E>
std::string_view enum_to_label(E value) {
  const auto& names = EnumNames<E>::names;
  auto index = static_cast<std::size_t>(value);
  if (index >= names.size()) throw ArgumentError("enum value out of range of its declared names");
  return names[index];
}
template <MappedEnum E>
E enum_from_label(std::string_view label) {
  const auto& names = EnumNames<E>::names;
  for (std::size_t i = 0; i < names.size(); ++i)
    if (label == names[i]) return static_cast<E>(i);
  throw ArgumentError("unknown enum label '" + std::string(label) + "'");
}

// Enum<E>(name): the SQL type of a mapped C++ enum. The name defaults to the lower-cased
// type name chosen by the caller; PostgreSQL uses it for CREATE TYPE.
template <MappedEnum E>
SqlType Enum(std::string name = "") {
  auto info = std::make_shared<EnumInfo>();
  info->name = std::move(name);
  for (auto label : EnumNames<E>::names) info->labels.emplace_back(label);
  SqlType t = detail::make_type(TypeKind::enumeration);
  t.enum_info = std::move(info);
  return t;
}

// ----- C++ value type <-> SQL type -----------------------------------------------------------

// TypeTraits<T>: the default SQL type for C++ type T, whether it is nullable, and the underlying
// non-optional type. Specialised for every supported value type; a missing specialisation is a
// compile error naming T.
template <typename T>
struct TypeTraits;

template <typename T>
concept SqlValueType = requires { TypeTraits<T>::default_type(); };

#define CRUCIBLE_DETAIL_TYPE_TRAITS(CPP, FACTORY)           \
  template <>                                               \
  struct TypeTraits<CPP> {                                  \
    using value_type = CPP;                                 \
    static constexpr bool nullable = false;                 \
    static SqlType default_type() { return FACTORY; }       \
  };
CRUCIBLE_DETAIL_TYPE_TRAITS(bool, Boolean())
CRUCIBLE_DETAIL_TYPE_TRAITS(std::int16_t, SmallInteger())
CRUCIBLE_DETAIL_TYPE_TRAITS(std::int32_t, Integer())
CRUCIBLE_DETAIL_TYPE_TRAITS(std::int64_t, BigInteger())
CRUCIBLE_DETAIL_TYPE_TRAITS(float, Float())
CRUCIBLE_DETAIL_TYPE_TRAITS(double, Double())
CRUCIBLE_DETAIL_TYPE_TRAITS(Decimal, Numeric(18, 4))
CRUCIBLE_DETAIL_TYPE_TRAITS(std::string, String())
CRUCIBLE_DETAIL_TYPE_TRAITS(Date, DateType())
CRUCIBLE_DETAIL_TYPE_TRAITS(Time, TimeType())
CRUCIBLE_DETAIL_TYPE_TRAITS(DateTime, DateTimeType())
CRUCIBLE_DETAIL_TYPE_TRAITS(Json, JSONType())
CRUCIBLE_DETAIL_TYPE_TRAITS(Uuid, UUIDType())
CRUCIBLE_DETAIL_TYPE_TRAITS(Blob, LargeBinary())
#undef CRUCIBLE_DETAIL_TYPE_TRAITS

template <MappedEnum E>
struct TypeTraits<E> {
  using value_type = E;
  static constexpr bool nullable = false;
  static SqlType default_type() { return Enum<E>(); }
};

template <SqlValueType T>
struct TypeTraits<std::optional<T>> {
  using value_type = T;
  static constexpr bool nullable = true;
  static SqlType default_type() { return TypeTraits<T>::default_type(); }
};

// Whether a C++ value whose default SQL type is `cpp_type` can stand for values of a column of
// `column_type`: same family (any integer width, String/Text, Float/Double, same enum...). Used
// to check typed column handles once, at run time, when they are taken from a Table.
bool type_accepts(const SqlType& column_type, const SqlType& cpp_type);

// Family of a kind: integer kinds share one, string and text share one, floats share one.
TypeKind type_family(TypeKind kind);

}  // namespace crucible
