// SPDX-License-Identifier: MIT
// The engine's single driver-error translation point (STYLE practice 9).
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

}  // namespace crucible::detail
