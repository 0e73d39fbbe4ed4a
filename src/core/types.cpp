// SPDX-License-Identifier: MIT
#include "crucible/core/types.hpp"

#include <string>

namespace crucible {

std::string type_display(const SqlType& type) {
  switch (type.kind) {
    case TypeKind::integer: return "Integer";
    case TypeKind::big_integer: return "BigInteger";
    case TypeKind::small_integer: return "SmallInteger";
    case TypeKind::boolean: return "Boolean";
    case TypeKind::float32: return "Float";
    case TypeKind::float64: return "Double";
    case TypeKind::numeric:
      return "Numeric(" + std::to_string(type.precision) + ", " + std::to_string(type.scale) + ")";
    case TypeKind::string:
      return type.length > 0 ? "String(" + std::to_string(type.length) + ")" : "String";
    case TypeKind::text: return "Text";
    case TypeKind::date: return "Date";
    case TypeKind::time: return "Time";
    case TypeKind::date_time: return type.timezone ? "DateTime(timezone)" : "DateTime";
    case TypeKind::enumeration:
      return type.enum_info && !type.enum_info->name.empty() ? "Enum(" + type.enum_info->name + ")"
                                                             : "Enum";
    case TypeKind::json: return "JSON";
    case TypeKind::uuid: return "UUID";
    case TypeKind::large_binary: return "LargeBinary";
    case TypeKind::null_type: return "NullType";
  }
  return "unknown";
}

TypeKind type_family(TypeKind kind) {
  switch (kind) {
    case TypeKind::small_integer:
    case TypeKind::integer:
    case TypeKind::big_integer: return TypeKind::big_integer;
    case TypeKind::float32:
    case TypeKind::float64: return TypeKind::float64;
    case TypeKind::string:
    case TypeKind::text: return TypeKind::string;
    default: return kind;
  }
}

bool type_accepts(const SqlType& column_type, const SqlType& cpp_type) {
  if (column_type.kind == TypeKind::null_type || cpp_type.kind == TypeKind::null_type) return true;
  const TypeKind column = type_family(column_type.kind);
  const TypeKind cpp = type_family(cpp_type.kind);
  if (column != cpp) return false;
  if (column == TypeKind::enumeration && column_type.enum_info && cpp_type.enum_info)
    return column_type.enum_info->labels == cpp_type.enum_info->labels;
  return true;
}

}  // namespace crucible
