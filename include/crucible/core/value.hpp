// SPDX-License-Identifier: MIT
//
// Value: one SQL value as C++ sees it, the currency between the expression language, the
// compiler's bound parameters, the drivers and result rows.
//
// The calendar types (Date, Time, DateTime), Decimal and Uuid are small value types of our own
// so that every backend can round-trip them exactly: Decimal keeps its decimal text (no binary
// floating point in between), DateTime keeps microseconds and whether it is UTC-aware.
//
// Thread-safety: plain values; share freely when not mutated.
//
//   crucible::Value v = std::int64_t{42};
//   if (v.is_null()) ...
//   auto n = v.get<std::int64_t>();          // throws TypeError when v holds something else
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>
#include <array>

#include <nlohmann/json.hpp>

namespace crucible {

using Json = nlohmann::json;

// Raw bytes for LargeBinary columns.
using Blob = std::vector<unsigned char>;

// A calendar date (proleptic Gregorian); no time zone.
struct Date {
  int year = 1970;
  unsigned month = 1;  // 1..12
  unsigned day = 1;    // 1..31

  // "YYYY-MM-DD"; from_string throws ArgumentError on anything else or an impossible date.
  std::string to_string() const;
  static Date from_string(std::string_view text);
  friend auto operator<=>(const Date&, const Date&) = default;
};

// A time of day with microsecond precision; no time zone.
struct Time {
  unsigned hour = 0;         // 0..23
  unsigned minute = 0;       // 0..59
  unsigned second = 0;       // 0..59 (leap seconds are not represented)
  unsigned microsecond = 0;  // 0..999999

  // "HH:MM:SS" or "HH:MM:SS.ffffff" (trailing zeros of the fraction are kept to six digits).
  std::string to_string() const;
  static Time from_string(std::string_view text);
  friend auto operator<=>(const Time&, const Time&) = default;
};

// A point in time with microsecond precision. Naive (utc == false) means a wall-clock reading
// with no zone, as SQL TIMESTAMP; aware (utc == true) means the fields are in UTC, as
// TIMESTAMP WITH TIME ZONE normalised to UTC.
struct DateTime {
  Date date;
  Time time;
  bool utc = false;

  // The current time, UTC-aware or as a naive UTC wall-clock reading.
  static DateTime now_utc();
  static DateTime now_naive();
  // Microseconds since 1970-01-01 00:00:00 of the fields (the zone flag is not applied).
  std::int64_t epoch_microseconds() const;
  static DateTime from_epoch_microseconds(std::int64_t us, bool utc);

  // ISO 8601 with a space separator: "YYYY-MM-DD HH:MM:SS[.ffffff][+00:00]".
  // from_string accepts 'T' or ' ', an optional fraction, and an optional "Z" / "+HH:MM" /
  // "-HH:MM" offset, which it converts to UTC and marks the result aware.
  std::string to_string() const;
  static DateTime from_string(std::string_view text);
  friend auto operator<=>(const DateTime&, const DateTime&) = default;
};

// An exact decimal number kept as its canonical decimal text ("-12.50"), so NUMERIC(p,s) values
// never pass through binary floating point. Construction validates the text.
class Decimal {
 public:
  Decimal() : text_("0") {}
  explicit Decimal(std::string_view text);  // throws ArgumentError if not a decimal number
  explicit Decimal(std::int64_t v) : text_(std::to_string(v)) {}
  const std::string& str() const { return text_; }
  double to_double() const;
  friend bool operator==(const Decimal&, const Decimal&) = default;

 private:
  std::string text_;
};

// A 128-bit UUID.
struct Uuid {
  std::array<unsigned char, 16> bytes{};
  // Canonical lower-case 8-4-4-4-12 form; parse accepts upper case and braces-free forms only.
  std::string to_string() const;
  static Uuid from_string(std::string_view text);  // throws ArgumentError
  static Uuid random_v4();
  friend auto operator<=>(const Uuid&, const Uuid&) = default;
};

// Tag for SQL NULL.
struct Null {
  friend bool operator==(Null, Null) { return true; }
};
inline constexpr Null null{};

// The alternatives, in this order, are part of the contract (index() is used by drivers).
using ValueVariant = std::variant<Null, bool, std::int64_t, double, std::string, Blob, Decimal, Date,
                                  Time, DateTime, Uuid, Json>;

class Value {
 public:
  Value() = default;
  Value(Null) {}
  Value(bool v) : v_(v) {}
  // Every integral type widens to int64 (the one integer representation).
  template <typename I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool>)
  Value(I v) : v_(static_cast<std::int64_t>(v)) {}
  Value(float v) : v_(static_cast<double>(v)) {}
  Value(double v) : v_(v) {}
  Value(std::string v) : v_(std::move(v)) {}
  Value(std::string_view v) : v_(std::string(v)) {}
  Value(const char* v) : v_(std::string(v)) {}
  Value(Blob v) : v_(std::move(v)) {}
  Value(Decimal v) : v_(std::move(v)) {}
  Value(Date v) : v_(v) {}
  Value(Time v) : v_(v) {}
  Value(DateTime v) : v_(v) {}
  Value(Uuid v) : v_(v) {}
  Value(Json v) : v_(std::move(v)) {}
  template <typename T>
  Value(const std::optional<T>& v) {
    if (v) *this = Value(*v);
  }

  bool is_null() const { return std::holds_alternative<Null>(v_); }
  template <typename T>
  bool holds() const { return std::holds_alternative<T>(v_); }
  // Typed access; throws TypeError naming both types when the value holds another alternative.
  template <typename T>
  const T& get() const;

  const ValueVariant& variant() const { return v_; }
  ValueVariant& variant() { return v_; }
  std::size_t index() const { return v_.index(); }

  // Human-readable rendering for error messages and echo logs (strings quoted, blobs as x'..').
  std::string to_display() const;
  // to_display() cut for messages and logs: a long value keeps its first 100 characters and says
  // how many were cut, so a 1 MB parameter never becomes a 1 MB error message or log line.
  std::string to_display_truncated() const;

  friend bool operator==(const Value&, const Value&) = default;

 private:
  ValueVariant v_;
};

// Name of a Value alternative, for messages: "NULL", "bool", "int64", "double", "string", ...
std::string_view value_type_name(std::size_t variant_index);

}  // namespace crucible

#include "crucible/core/detail/value_get.hpp"
