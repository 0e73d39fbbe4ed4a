// SPDX-License-Identifier: MIT
// The engine's single driver-error translation point (STYLE practice 9).
#include <charconv>

#include "engine/detail/state.hpp"

namespace crucible::detail {

void raise_driver_error(EngineState& engine, ConnectionState* conn,
                        dialects::DriverException& error, std::string_view sql,
                        std::span<const Value> parameters, std::size_t batch) {
  DriverErrorInfo info = std::move(error.info());
  if (info.backend.empty()) info.backend = std::string(engine.dialect->name());
  info.sql = std::string(sql);
  info.parameters.clear();
  if (engine.options.hide_parameters) {
    if (!parameters.empty() || batch) info.parameters.emplace_back("[redacted]");
  } else {
    for (const Value& v : parameters) info.parameters.push_back(v.to_display_truncated());
  }
  if (batch > 0) info.driver_message += " (in parameter set " + std::to_string(batch) + ")";
  const ErrorKind kind = engine.dialect->classify_error(info);
  // A driver may already know (a dropped socket); the dialect decides for the rest.
  info.retryable = info.retryable || engine.dialect->is_retryable(info);
  info.disconnect = info.disconnect || engine.dialect->is_disconnect(info);
  if (info.disconnect && conn && conn->lease) {
    // Every connection of this generation is suspect: the server went away for all of them.
    conn->close_cursors();
    conn->lease.invalidate("disconnect: " + info.driver_message);
    engine.pool->invalidate_all();
  }
  try {
    throw_dbapi_error(kind, std::move(info));
  } catch (const DBAPIError& translated) {
    engine.events->error.fire(translated);
    throw;
  }
}

void throw_placeholder_mismatch(int placeholders, const sql::CompiledStatement& compiled) {
  throw ArgumentError("statement has " + std::to_string(placeholders) + " placeholders but " +
                      std::to_string(compiled.binds.size()) + " bind slots: " + compiled.sql);
}

void raise_lost_transaction(EngineState& engine) {
  DriverErrorInfo info;
  info.backend = std::string(engine.dialect->name());
  info.sql = "COMMIT";
  info.driver_message =
      "the connection to the server was lost inside this transaction: nothing of it was committed";
  info.disconnect = true;
  try {
    throw_dbapi_error(ErrorKind::operational, std::move(info));
  } catch (const DBAPIError& translated) {
    engine.events->error.fire(translated);
    throw;
  }
}

namespace {
// Whether SQLite-like NUMERIC storage keeps `text` exactly: at most `digits` significant digits,
// or a whole number without a fraction that fits 64 bits (stored as an INTEGER).
bool numeric_keeps(const std::string& text, int digits) {
  if (text.find('.') == std::string::npos) {
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec == std::errc() && end == text.data() + text.size()) return true;
  }
  std::string all;
  for (char c : text)
    if (c >= '0' && c <= '9') all += c;
  const auto first = all.find_first_not_of('0');
  if (first == std::string::npos) return true;
  const auto last = all.find_last_not_of('0');
  return last - first + 1 <= static_cast<std::size_t>(digits);
}
}  // namespace

namespace {
[[noreturn]] void refuse_numeric(EngineState& engine, const sql::CompiledStatement& compiled, const Value* v,
                                 std::size_t set) {
  DriverErrorInfo info;
  info.backend = std::string(engine.dialect->name());
  info.driver_message = "Decimal " + v->get<Decimal>().str() + " has more significant digits than " +
                        info.backend + " keeps in a NUMERIC column (" + std::to_string(compiled.numeric_digits) +
                        ": it stores a double); keep it in a String column or in integer units";
  if (set > 0) info.driver_message += " (in parameter set " + std::to_string(set) + ")";
  info.sql = compiled.sql;
  if (engine.options.hide_parameters) info.parameters.emplace_back("[redacted]");
  else info.parameters.push_back(v->to_display_truncated());
  try {
    throw_dbapi_error(ErrorKind::data, std::move(info));
  } catch (const DBAPIError& error) {
    engine.events->error.fire(error);
    throw;
  }
}
}  // namespace

void check_numeric_binds(EngineState& engine, const sql::CompiledStatement& compiled,
                         std::span<const Value> literals, const Params& params, std::size_t set) {
  for (const auto& slot : compiled.binds) {
    if (slot.type.kind != TypeKind::numeric) continue;
    const Value* v = slot_value(slot, literals, params);
    if (v && v->holds<Decimal>() && !numeric_keeps(v->get<Decimal>().str(), compiled.numeric_digits))
      refuse_numeric(engine, compiled, v, set);
  }
}

void check_numeric_values(EngineState& engine, const sql::CompiledStatement& compiled, std::span<const Value> values,
                          std::size_t set) {
  for (std::size_t i = 0; i < compiled.binds.size() && i < values.size(); ++i) {
    if (compiled.binds[i].type.kind != TypeKind::numeric) continue;
    const Value& v = values[i];
    if (v.holds<Decimal>() && !numeric_keeps(v.get<Decimal>().str(), compiled.numeric_digits))
      refuse_numeric(engine, compiled, &v, set);
  }
}

}  // namespace crucible::detail
