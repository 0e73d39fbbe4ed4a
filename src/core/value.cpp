// SPDX-License-Identifier: MIT
#include "crucible/core/value.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>

#include "crucible/core/errors.hpp"

namespace crucible {
namespace {

// Days since 1970-01-01 for a proleptic Gregorian date (the era-based civil algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

Date civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return Date{static_cast<int>(y + (m <= 2)), m, d};
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int y, unsigned m) {
  static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

constexpr std::int64_t kMicrosPerDay = 86'400'000'000LL;

// A tiny cursor over text for the fixed ISO layouts; every reader reports failure by bool.
struct Reader {
  std::string_view text;
  std::size_t pos = 0;

  bool done() const { return pos == text.size(); }
  bool peek(char c) const { return pos < text.size() && text[pos] == c; }
  bool expect(char c) {
    if (!peek(c)) return false;
    ++pos;
    return true;
  }
  // Exactly `width` decimal digits.
  bool digits(int width, unsigned& out) {
    if (pos + static_cast<std::size_t>(width) > text.size()) return false;
    unsigned v = 0;
    for (int i = 0; i < width; ++i) {
      char c = text[pos + static_cast<std::size_t>(i)];
      if (c < '0' || c > '9') return false;
      v = v * 10 + static_cast<unsigned>(c - '0');
    }
    pos += static_cast<std::size_t>(width);
    out = v;
    return true;
  }
};

[[noreturn]] void bad_text(std::string_view what, std::string_view text) {
  throw ArgumentError("invalid " + std::string(what) + " '" + std::string(text) + "'");
}

bool read_date(Reader& r, Date& out) {
  unsigned y = 0, m = 0, d = 0;
  if (!r.digits(4, y) || !r.expect('-') || !r.digits(2, m) || !r.expect('-') || !r.digits(2, d))
    return false;
  if (m < 1 || m > 12 || d < 1 || d > days_in_month(static_cast<int>(y), m)) return false;
  out = Date{static_cast<int>(y), m, d};
  return true;
}

bool read_time(Reader& r, Time& out) {
  unsigned h = 0, mi = 0, s = 0;
  if (!r.digits(2, h) || !r.expect(':') || !r.digits(2, mi)) return false;
  if (r.expect(':')) {
    if (!r.digits(2, s)) return false;
  }
  unsigned micro = 0;
  if (r.expect('.')) {
    int count = 0;
    while (!r.done() && r.text[r.pos] >= '0' && r.text[r.pos] <= '9') {
      if (count < 6) micro = micro * 10 + static_cast<unsigned>(r.text[r.pos] - '0');
      ++count;
      ++r.pos;
    }
    if (count == 0) return false;
    for (int i = count; i < 6; ++i) micro *= 10;
  }
  if (h > 23 || mi > 59 || s > 59) return false;
  out = Time{h, mi, s, micro};
  return true;
}

std::string two(unsigned v) {
  char buf[3] = {static_cast<char>('0' + v / 10 % 10), static_cast<char>('0' + v % 10), 0};
  return buf;
}

}  // namespace

// ----- Date ------------------------------------------------------------------------------------

std::string Date::to_string() const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", year, month, day);
  return buf;
}

Date Date::from_string(std::string_view text) {
  Reader r{text};
  Date d;
  if (!read_date(r, d) || !r.done()) bad_text("date", text);
  return d;
}

// ----- Time ------------------------------------------------------------------------------------

std::string Time::to_string() const {
  std::string s = two(hour) + ":" + two(minute) + ":" + two(second);
  if (microsecond != 0) {
    char buf[16];
    std::snprintf(buf, sizeof buf, ".%06u", microsecond);
    s += buf;
  }
  return s;
}

Time Time::from_string(std::string_view text) {
  Reader r{text};
  Time t;
  if (!read_time(r, t) || !r.done()) bad_text("time", text);
  return t;
}

// ----- DateTime --------------------------------------------------------------------------------

std::int64_t DateTime::epoch_microseconds() const {
  const std::int64_t days = days_from_civil(date.year, date.month, date.day);
  const std::int64_t in_day =
      ((static_cast<std::int64_t>(time.hour) * 60 + time.minute) * 60 + time.second) * 1'000'000 +
      time.microsecond;
  return days * kMicrosPerDay + in_day;
}

DateTime DateTime::from_epoch_microseconds(std::int64_t us, bool aware) {
  std::int64_t days = us / kMicrosPerDay;
  std::int64_t rest = us % kMicrosPerDay;
  if (rest < 0) {
    rest += kMicrosPerDay;
    --days;
  }
  DateTime dt;
  dt.date = civil_from_days(days);
  const auto micros = static_cast<std::uint64_t>(rest);
  dt.time.microsecond = static_cast<unsigned>(micros % 1'000'000);
  const auto secs = micros / 1'000'000;
  dt.time.second = static_cast<unsigned>(secs % 60);
  dt.time.minute = static_cast<unsigned>(secs / 60 % 60);
  dt.time.hour = static_cast<unsigned>(secs / 3600);
  dt.utc = aware;
  return dt;
}

DateTime DateTime::now_utc() {
  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now());
  return from_epoch_microseconds(now.time_since_epoch().count(), true);
}

DateTime DateTime::now_naive() {
  DateTime dt = now_utc();
  dt.utc = false;
  return dt;
}

std::string DateTime::to_string() const {
  std::string s = date.to_string() + " " + time.to_string();
  if (utc) s += "+00:00";
  return s;
}

DateTime DateTime::from_string(std::string_view text) {
  Reader r{text};
  DateTime dt;
  if (!read_date(r, dt.date)) bad_text("datetime", text);
  if (r.done()) return dt;  // a bare date is midnight
  if (!r.expect(' ') && !r.expect('T')) bad_text("datetime", text);
  if (!read_time(r, dt.time)) bad_text("datetime", text);
  if (r.done()) return dt;
  if (r.expect('Z')) {
    if (!r.done()) bad_text("datetime", text);
    dt.utc = true;
    return dt;
  }
  const bool negative = r.peek('-');
  if (!r.expect('+') && !r.expect('-')) bad_text("datetime", text);
  unsigned oh = 0, om = 0;
  if (!r.digits(2, oh)) bad_text("datetime", text);
  if (r.expect(':') || (!r.done() && r.text[r.pos] >= '0' && r.text[r.pos] <= '9')) {
    if (!r.digits(2, om)) bad_text("datetime", text);
  }
  if (!r.done() || oh > 23 || om > 59) bad_text("datetime", text);
  const std::int64_t offset = (static_cast<std::int64_t>(oh) * 60 + om) * 60 * 1'000'000;
  return from_epoch_microseconds(dt.epoch_microseconds() - (negative ? -offset : offset), true);
}

// ----- Decimal ---------------------------------------------------------------------------------

Decimal::Decimal(std::string_view text) {
  // Canonical form: optional '-', digits without superfluous leading zeros, optional fraction.
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  std::string integer, fraction;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') integer += text[i++];
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') fraction += text[i++];
  }
  if (i != text.size() || (integer.empty() && fraction.empty())) bad_text("decimal", text);
  const auto first = integer.find_first_not_of('0');
  integer = first == std::string::npos ? "0" : integer.substr(first);
  const bool zero = integer == "0" && fraction.find_first_not_of('0') == std::string::npos;
  text_ = (negative && !zero ? "-" : "") + integer;
  if (!fraction.empty()) text_ += "." + fraction;
}

double Decimal::to_double() const {
  double v = 0;
  std::from_chars(text_.data(), text_.data() + text_.size(), v);
  return v;
}

// ----- Uuid ------------------------------------------------------------------------------------

std::string Uuid::to_string() const {
  static constexpr char hex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += hex[bytes[i] >> 4];
    s += hex[bytes[i] & 0xF];
  }
  return s;
}

Uuid Uuid::from_string(std::string_view text) {
  auto nibble = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Uuid u;
  if (text.size() != 36) bad_text("uuid", text);
  std::size_t out = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') bad_text("uuid", text);
      ++i;
      continue;
    }
    const int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) bad_text("uuid", text);
    u.bytes[out++] = static_cast<unsigned char>(hi << 4 | lo);
    i += 2;
  }
  return u;
}

Uuid Uuid::random_v4() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  Uuid u;
  for (std::size_t i = 0; i < 16; i += 8) {
    const std::uint64_t r = engine();
    for (std::size_t b = 0; b < 8; ++b) u.bytes[i + b] = static_cast<unsigned char>(r >> (8 * b));
  }
  u.bytes[6] = static_cast<unsigned char>((u.bytes[6] & 0x0F) | 0x40);
  u.bytes[8] = static_cast<unsigned char>((u.bytes[8] & 0x3F) | 0x80);
  return u;
}

// ----- Value -----------------------------------------------------------------------------------

std::string_view value_type_name(std::size_t index) {
  static constexpr std::string_view names[] = {"NULL",    "bool", "int64", "double",
                                                "string",  "blob", "Decimal", "Date",
                                                "Time",    "DateTime", "Uuid", "Json"};
  return index < std::size(names) ? names[index] : "unknown";
}

void throw_value_type_error(std::size_t held, std::size_t wanted) {
  throw TypeError("value holds " + std::string(value_type_name(held)) + ", not " +
                  std::string(value_type_name(wanted)));
}

std::string Value::to_display_truncated() const {
  constexpr std::size_t kShown = 100;
  std::string text = to_display();
  if (text.size() <= kShown * 2) return text;
  const std::size_t total = text.size();
  text.resize(kShown);
  text += "... (" + std::to_string(total - kShown) + " characters truncated)";
  return text;
}

std::string Value::to_display() const {
  struct Visitor {
    std::string operator()(Null) const { return "NULL"; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const {
      char buf[32];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
      return std::string(buf, end);
    }
    std::string operator()(const std::string& s) const {
      std::string out = "'";
      for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
      return out + "'";
    }
    std::string operator()(const Blob& b) const {
      static constexpr char hex[] = "0123456789abcdef";
      std::string out = "x'";
      for (unsigned char c : b) {
        out += hex[c >> 4];
        out += hex[c & 0xF];
      }
      return out + "'";
    }
    std::string operator()(const Decimal& d) const { return d.str(); }
    std::string operator()(const Date& d) const { return "'" + d.to_string() + "'"; }
    std::string operator()(const Time& t) const { return "'" + t.to_string() + "'"; }
    std::string operator()(const DateTime& t) const { return "'" + t.to_string() + "'"; }
    std::string operator()(const Uuid& u) const { return "'" + u.to_string() + "'"; }
    std::string operator()(const Json& j) const { return j.dump(); }
  };
  return std::visit(Visitor{}, v_);
}

}  // namespace crucible
