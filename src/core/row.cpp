// SPDX-License-Identifier: MIT
// Row reads: the out-of-line conversions and the TypeError messages.
#include "crucible/core/row.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace crucible {
namespace detail {

int ResultMeta::index_of(std::string_view name) const {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<int>(i);
  return -1;
}

int ResultMeta::index_of(const ColumnSource& source) const {
  if (!source.from) return -1;
  for (std::size_t i = 0; i < sources.size(); ++i)
    if (sources[i] == source) return static_cast<int>(i);
  return -1;
}

std::string_view cell_kind_name(CellKind kind) {
  switch (kind) {
    case CellKind::null_value: return "NULL";
    case CellKind::integer: return "integer";
    case CellKind::real: return "real";
    case CellKind::text: return "text";
    case CellKind::blob: return "blob";
  }
  return "unknown";
}

namespace {
std::string column_label(const ResultMeta* meta, int index) {
  std::string out = "column " + std::to_string(index);
  if (meta && index >= 0 && static_cast<std::size_t>(index) < meta->names.size())
    out += " '" + meta->names[static_cast<std::size_t>(index)] + "'";
  return out;
}

std::string_view text_of(const Cell& c, const ResultMeta* meta, int index, std::string_view wanted) {
  if (c.kind == CellKind::null_value)
    throw_read_error(meta, index, "NULL", wanted, "use std::optional for nullable columns");
  if (c.kind != CellKind::text) throw_read_error(meta, index, cell_kind_name(c.kind), wanted);
  return c.bytes;
}

// Runs a value-type parser, turning its ArgumentError into a TypeError about the column.
template <typename F>
auto parse_or_throw(const ResultMeta* meta, int index, std::string_view wanted,
                    std::string_view text, F&& parse) {
  try {
    return parse(text);
  } catch (const ArgumentError&) {
    throw_read_error(meta, index, "text", wanted, "cannot parse '" + std::string(text.substr(0, 64)) + "'");
  }
}
}  // namespace

void throw_read_error(const ResultMeta* meta, int index, std::string_view held,
                      std::string_view wanted, std::string_view detail) {
  std::string msg = "cannot read " + column_label(meta, index) + " holding " + std::string(held) +
                    " as " + std::string(wanted);
  if (!detail.empty()) msg += ": " + std::string(detail);
  throw TypeError(msg);
}

void throw_arity_error(int columns, std::size_t wanted) {
  throw TypeError("row has " + std::to_string(columns) + " columns but the tuple has " +
                  std::to_string(wanted) + " elements");
}

void throw_unknown_column(const ResultMeta* meta, std::string_view name) {
  std::string msg = "no column named '" + std::string(name) + "' in the result";
  if (meta && !meta->names.empty()) {
    msg += " (columns:";
    for (const auto& n : meta->names) msg += " " + n;
    msg += ")";
  }
  throw InvalidRequestError(msg);
}

bool declared_numeric(const ResultMeta* meta, int index) {
  const SqlType* type = meta ? meta->type_at(index) : nullptr;
  if (!type) return false;
  const TypeKind family = type_family(type->kind);
  return family == TypeKind::big_integer || family == TypeKind::float64 ||
         family == TypeKind::numeric;
}

std::int64_t numeric_text_to_int64(const Cell& c, const ResultMeta* meta, int index,
                                   std::string_view wanted) {
  const std::string_view text = c.bytes;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  // "123" and "123.000" are integers; "12.5" is not.
  const std::string_view rest(end, static_cast<std::size_t>(text.data() + text.size() - end));
  const bool zero_fraction =
      rest.empty() || (rest[0] == '.' && rest.find_first_not_of('0', 1) == std::string_view::npos);
  if (ec != std::errc() || !zero_fraction)
    throw_read_error(meta, index, "numeric text", wanted,
                     "cannot read '" + std::string(text.substr(0, 64)) + "' as an integer");
  return v;
}

double numeric_text_to_double(const Cell& c, const ResultMeta* meta, int index) {
  const std::string_view text = c.bytes;
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size())
    throw_read_error(meta, index, "numeric text", "double",
                     "cannot parse '" + std::string(text.substr(0, 64)) + "'");
  return v;
}

namespace {
// `text` (a plain decimal: sign, digits, an optional fraction) with exactly `scale` fraction
// digits: zeros appended, or rounded half away from zero, as NUMERIC(p, s) stores it.
std::string at_scale(std::string text, int scale) {
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) text.erase(0, 1);
  const auto dot = text.find('.');
  std::string integer = text.substr(0, dot);
  std::string fraction = dot == std::string::npos ? "" : text.substr(dot + 1);
  const auto want = static_cast<std::size_t>(scale);
  bool round_up = false;
  if (fraction.size() > want) {
    round_up = fraction[want] >= '5';
    fraction.resize(want);
  }
  fraction.append(want - fraction.size(), '0');
  std::string digits = integer + fraction;
  if (round_up) {
    std::size_t i = digits.size();
    while (i > 0 && digits[i - 1] == '9') digits[--i] = '0';
    if (i == 0) digits.insert(0, "1");
    else ++digits[i - 1];
  }
  std::string out = negative ? "-" : "";
  out.append(digits, 0, digits.size() - want);
  if (want) out += "." + digits.substr(digits.size() - want);
  return out;
}
}  // namespace

// SQLite hands a NUMERIC value back as the INTEGER or REAL it stored (its NUMERIC affinity keeps
// no decimal text): the declared scale is restored here, so NUMERIC(5, 3)'s 1.000 reads back as
// "1.000", and a real becomes the shortest decimal that is the same double ("54.23424645165",
// not "54.234246451650002"; "0.00001", not "1.0000000000000001e-05"). A double holds 15
// significant digits exactly; the SQLite driver refuses a Decimal it would round.
Decimal cell_to_decimal(const Cell& c, const ResultMeta* meta, int index) {
  if (c.kind == CellKind::integer || c.kind == CellKind::real) {
    std::string text;
    if (c.kind == CellKind::integer) {
      text = std::to_string(c.integer);
    } else {
      char buf[512];  // the longest fixed form of a double (5e-324) is under 350 characters
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, c.real, std::chars_format::fixed);
      if (ec != std::errc() || !std::isfinite(c.real))
        throw_read_error(meta, index, "real", "Decimal", "not a finite number");
      text.assign(buf, end);
    }
    const SqlType* type = meta ? meta->type_at(index) : nullptr;
    if (type && type->kind == TypeKind::numeric && type->precision > 0) text = at_scale(std::move(text), type->scale);
    return Decimal(text);
  }
  auto text = text_of(c, meta, index, "Decimal");
  return parse_or_throw(meta, index, "Decimal", text, [](std::string_view t) { return Decimal(t); });
}

Date cell_to_date(const Cell& c, const ResultMeta* meta, int index) {
  return parse_or_throw(meta, index, "Date", text_of(c, meta, index, "Date"), &Date::from_string);
}

Time cell_to_time(const Cell& c, const ResultMeta* meta, int index) {
  return parse_or_throw(meta, index, "Time", text_of(c, meta, index, "Time"), &Time::from_string);
}

DateTime cell_to_datetime(const Cell& c, const ResultMeta* meta, int index) {
  DateTime dt = parse_or_throw(meta, index, "DateTime", text_of(c, meta, index, "DateTime"),
                               &DateTime::from_string);
  // MySQL's DATETIME has no zone: an aware column is stored as UTC fields (every session runs
  // with time_zone '+00:00'), so the declared type restores the flag.
  if (!dt.utc) {
    const SqlType* type = meta ? meta->type_at(index) : nullptr;
    if (type && type->kind == TypeKind::date_time && type->timezone) dt.utc = true;
  }
  return dt;
}

Uuid cell_to_uuid(const Cell& c, const ResultMeta* meta, int index) {
  if (c.kind == CellKind::blob && c.bytes.size() == 16) {
    Uuid u;
    for (std::size_t i = 0; i < 16; ++i) u.bytes[i] = static_cast<unsigned char>(c.bytes[i]);
    return u;
  }
  return parse_or_throw(meta, index, "Uuid", text_of(c, meta, index, "Uuid"), &Uuid::from_string);
}

Json cell_to_json(const Cell& c, const ResultMeta* meta, int index) {
  auto text = text_of(c, meta, index, "Json");
  Json j = Json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded())
    throw_read_error(meta, index, "text", "Json", "not valid JSON: '" + std::string(text.substr(0, 64)) + "'");
  return j;
}

Value cell_to_value(const Cell& c, const SqlType* type, const ResultMeta* meta, int index) {
  if (c.kind == CellKind::null_value) return Value();
  if (type) {
    switch (type->kind) {
      case TypeKind::boolean:
        if (c.kind == CellKind::integer) return Value(c.integer != 0);
        break;
      case TypeKind::numeric: return Value(cell_to_decimal(c, meta, index));
      case TypeKind::date: return Value(cell_to_date(c, meta, index));
      case TypeKind::time: return Value(cell_to_time(c, meta, index));
      case TypeKind::date_time: return Value(cell_to_datetime(c, meta, index));
      case TypeKind::uuid: return Value(cell_to_uuid(c, meta, index));
      case TypeKind::json: return Value(cell_to_json(c, meta, index));
      case TypeKind::float32:
      case TypeKind::float64:
        if (c.kind == CellKind::integer) return Value(static_cast<double>(c.integer));
        break;
      default: break;
    }
  }
  switch (c.kind) {
    case CellKind::integer: return Value(c.integer);
    case CellKind::real: return Value(c.real);
    case CellKind::text: return Value(std::string(c.bytes));
    case CellKind::blob:
      return Value(Blob(reinterpret_cast<const unsigned char*>(c.bytes.data()),
                        reinterpret_cast<const unsigned char*>(c.bytes.data()) + c.bytes.size()));
    case CellKind::null_value: break;
  }
  return Value();
}

Cell value_to_cell(const Value& v, std::string& scratch) {
  Cell c;
  std::visit(
      [&](const auto& x) {
        using X = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<X, Null>) {
          c.kind = CellKind::null_value;
        } else if constexpr (std::is_same_v<X, bool>) {
          c.kind = CellKind::integer;
          c.integer = x ? 1 : 0;
        } else if constexpr (std::is_same_v<X, std::int64_t>) {
          c.kind = CellKind::integer;
          c.integer = x;
        } else if constexpr (std::is_same_v<X, double>) {
          c.kind = CellKind::real;
          c.real = x;
        } else if constexpr (std::is_same_v<X, std::string>) {
          c.kind = CellKind::text;
          c.bytes = x;
        } else if constexpr (std::is_same_v<X, Blob>) {
          c.kind = CellKind::blob;
          c.bytes = std::string_view(reinterpret_cast<const char*>(x.data()), x.size());
        } else if constexpr (std::is_same_v<X, Decimal>) {
          c.kind = CellKind::text;
          c.bytes = x.str();
        } else if constexpr (std::is_same_v<X, Json>) {
          scratch = x.dump();
          c.kind = CellKind::text;
          c.bytes = scratch;
        } else {
          scratch = x.to_string();
          c.kind = CellKind::text;
          c.bytes = scratch;
        }
      },
      v.variant());
  return c;
}

}  // namespace detail

namespace {
const std::vector<std::string> no_keys;
}

Row Row::view(const detail::ResultMeta* meta, RowSource* source) {
  Row r;
  r.meta_ = meta;
  r.source_ = source;
  return r;
}

Row Row::owning(std::shared_ptr<const detail::ResultMeta> meta, std::vector<Value> values) {
  Row r;
  r.meta_ = meta.get();
  r.meta_owner_ = std::move(meta);
  r.values_ = std::move(values);
  return r;
}

std::size_t Row::size() const { return static_cast<std::size_t>(column_count()); }

const std::vector<std::string>& Row::keys() const { return meta_ ? meta_->names : no_keys; }

int Row::checked_index(std::size_t index) const {
  if (index >= size())
    throw InvalidRequestError("column index " + std::to_string(index) + " out of range; the row has " +
                              std::to_string(size()) + " columns");
  return static_cast<int>(index);
}

int Row::index_of(std::string_view name) const {
  int i = meta_ ? meta_->index_of(name) : -1;
  if (i < 0) detail::throw_unknown_column(meta_, name);
  return i;
}

int Row::index_of(const detail::ColumnSource& source) const {
  const int i = meta_ ? meta_->index_of(source) : -1;
  if (i < 0)
    throw InvalidRequestError("the result has no column read from '" + source.name +
                              "' of that table or subquery (select the column object itself)");
  return i;
}

bool Row::is_null(std::size_t index) const {
  const int i = checked_index(index);
  if (!source_) return values_[index].is_null();
  Cell c;
  source_->read_cell(i, c);
  return c.kind == CellKind::null_value;
}

namespace {
// Whether cell_to_value returns integer / text / NULL cells unchanged for this declared type.
bool stored_as_is(const SqlType* type) {
  if (!type) return true;
  switch (type->kind) {
    case TypeKind::boolean:
    case TypeKind::numeric:
    case TypeKind::date:
    case TypeKind::time:
    case TypeKind::date_time:
    case TypeKind::uuid:
    case TypeKind::json:
    case TypeKind::float32:
    case TypeKind::float64: return false;
    default: return true;
  }
}
}  // namespace

std::vector<Value> Row::values() const {
  if (!source_) return values_;
  std::vector<Value> out;
  const int n = column_count();
  out.reserve(static_cast<std::size_t>(n));
  Cell c;
  for (int i = 0; i < n; ++i) {
    source_->read_cell(i, c);
    const SqlType* type = meta_ ? meta_->type_at(i) : nullptr;
    if (stored_as_is(type)) {
      // The common case (integers, text, blobs, NULL): build the Value in place.
      switch (c.kind) {
        case CellKind::integer: out.emplace_back(c.integer); continue;
        case CellKind::text: out.emplace_back(c.bytes); continue;
        case CellKind::null_value: out.emplace_back(); continue;
        default: break;
      }
    }
    out.push_back(detail::cell_to_value(c, type, meta_, i));
  }
  return out;
}

Row Row::materialize() const {
  if (!source_) return *this;
  // Views borrow the meta from their Result; an owning row needs its own copy.
  auto meta = meta_ ? std::make_shared<detail::ResultMeta>(*meta_)
                    : std::make_shared<detail::ResultMeta>();
  return owning(std::move(meta), values());
}

}  // namespace crucible
