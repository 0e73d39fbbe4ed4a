// SPDX-License-Identifier: MIT
// explain: EXPLAIN (QUERY PLAN) over the statement as the engine compiles and binds it.
#include "crucible/monitor/explain.hpp"

#include <memory>
#include <unordered_map>
#include <utility>

#include "crucible/core/errors.hpp"
#include "crucible/core/result.hpp"
#include "crucible/engine/engine.hpp"
#include "crucible/sql/compiled_cache.hpp"
#include "crucible/sql/dialect.hpp"

namespace crucible {
namespace {

std::string cell_text(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v.variant())) return *s;
  return v.to_display();
}

// The plan rows as lines (see the header): SQLite's (id, parent, notused, detail) as an indented
// tree, a one-column plan as is, anything wider as column=value pairs (NULL and empty left out).
std::vector<std::string> plan_lines(Result result) {
  std::vector<std::string> lines;
  std::vector<std::string> keys;
  int id_col = -1, parent_col = -1, detail_col = -1;
  std::unordered_map<std::int64_t, std::size_t> depth_of;  // SQLite: node id -> depth
  for (const Row& row : result) {
    if (keys.empty()) {
      keys = row.keys();
      for (std::size_t i = 0; i < keys.size(); ++i) {
        if (keys[i] == "id") id_col = static_cast<int>(i);
        if (keys[i] == "parent") parent_col = static_cast<int>(i);
        if (keys[i] == "detail") detail_col = static_cast<int>(i);
      }
    }
    const std::vector<Value> cells = row.values();
    if (id_col >= 0 && parent_col >= 0 && detail_col >= 0) {
      const auto as_int = [&](int col) {
        const Value& v = cells[static_cast<std::size_t>(col)];
        return v.holds<std::int64_t>() ? v.get<std::int64_t>() : 0;
      };
      const auto parent = depth_of.find(as_int(parent_col));
      const std::size_t depth = parent == depth_of.end() ? 0 : parent->second + 1;
      depth_of[as_int(id_col)] = depth;
      lines.push_back(std::string(depth * 2, ' ') + cell_text(cells[static_cast<std::size_t>(detail_col)]));
    } else if (cells.size() == 1) {
      lines.push_back(cell_text(cells[0]));
    } else {
      std::string line;
      for (std::size_t i = 0; i < cells.size(); ++i) {
        const std::string text = cells[i].is_null() ? std::string() : cell_text(cells[i]);
        if (text.empty()) continue;
        if (!line.empty()) line += ' ';
        line += (i < keys.size() ? keys[i] : std::to_string(i)) + "=" + text;
      }
      lines.push_back(std::move(line));
    }
  }
  return lines;
}

// Runs EXPLAIN over `compiled`'s SQL with its bind slots unchanged: the same placeholders, bound
// from the same literals and params as Connection::execute would bind them.
std::vector<std::string> run_explain(Connection& conn, const sql::CompiledStatement& compiled,
                                     std::span<const Value> literals, const Params& params) {
  if (compiled.kind == sql::StatementKind::ddl)
    throw ArgumentError("explain: DDL has no query plan: " + compiled.sql);
  auto plan = std::make_shared<sql::CompiledStatement>();
  plan->sql.append(conn.dialect().explain_prefix()).append(compiled.sql);
  plan->binds = compiled.binds;
  plan->kind = sql::StatementKind::other;
  plan->returns_rows = true;
  return plan_lines(conn.execute(sql::CompiledPtr(std::move(plan)), params, literals));
}

}  // namespace

std::vector<std::string> explain(Connection& conn, const sql::Executable& statement, const Params& params) {
  // As Connection::execute: the engine's cache gives the compiled form and the literal values.
  std::vector<Value> literals;
  const sql::CompiledPtr compiled = conn.engine().compiled_cache().get(conn.dialect(), statement, literals);
  return run_explain(conn, *compiled, literals, params);
}

std::vector<std::string> explain_sql(Connection& conn, std::string_view compiled_sql,
                                     std::span<const Value> parameters) {
  sql::CompiledStatement compiled;
  compiled.sql = std::string(compiled_sql);
  compiled.kind = sql::StatementKind::text;
  compiled.binds.resize(parameters.size());
  for (std::size_t i = 0; i < parameters.size(); ++i) compiled.binds[i].literal_index = static_cast<int>(i);
  return run_explain(conn, compiled, parameters, {});
}

}  // namespace crucible
