// SPDX-License-Identifier: MIT
// QueryMonitor: statistics and the slow-query log, fed by the engine's events.
#include "crucible/monitor/query_monitor.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <deque>
#include <mutex>
#include <span>
#include <unordered_map>
#include <utility>

#include "crucible/core/errors.hpp"
#include "crucible/engine/events.hpp"

namespace crucible {
namespace {

using std::chrono::nanoseconds;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kOtherStatements = "(other statements)";

// Whether this thread is inside a monitor's slow sink (see State::executed).
thread_local bool in_sink = false;

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

void default_sink(const SlowQuery& query) {
  const std::string line = "[crucible] " + query.to_string() + "\n";
  std::fputs(line.c_str(), stderr);
}

// Milliseconds with three decimals, for the report's aligned columns.
std::string millis(nanoseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f ms", static_cast<double>(d.count()) / 1e6);
  return buf;
}

// One line, whitespace runs collapsed, cut at `width` characters (0: whole).
std::string one_line(std::string_view sql, std::size_t width) {
  std::string out;
  bool space = false;
  for (char c : sql) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  if (width && out.size() > width) {
    out.resize(width);
    out += "...";
  }
  return out;
}

bool keyword_at(std::string_view text, std::size_t i, std::string_view word) {
  if (i + word.size() > text.size()) return false;
  for (std::size_t k = 0; k < word.size(); ++k)
    if (std::toupper(static_cast<unsigned char>(text[i + k])) != word[k]) return false;
  return true;
}

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string pad_left(std::string s, std::size_t width) {
  if (s.size() < width) s.insert(0, width - s.size(), ' ');
  return s;
}

}  // namespace

// ---- the state the listeners share --------------------------------------------------------------

struct QueryMonitor::State {
  // Fixed at construction.
  bool hide_parameters = false;
  bool keep_parameters = true;
  std::size_t slow_log_size = 100;
  std::size_t max_statements = 1000;
  std::function<void(const SlowQuery&)> sink;

  std::atomic<std::int64_t> threshold_ns{0};
  std::atomic<std::uint64_t> connects{0}, checkouts{0}, invalidations{0};

  // Figures, under `mutex`. StatementStats::sql stays empty here: the key holds the text.
  mutable std::mutex mutex;
  std::unordered_map<std::string, StatementStats, StringHash, std::equal_to<>> statements;
  std::deque<SlowQuery> slow_log;
  MonitorTotals totals;
  Clock::time_point since = Clock::now();

  // Sink calls, one at a time; `closed` once the monitor is being destroyed.
  std::mutex sink_mutex;
  bool closed = false;

  bool is_slow(nanoseconds d) const { return d.count() >= threshold_ns.load(std::memory_order_relaxed); }

  std::vector<std::string> render(std::span<const Value> parameters, std::size_t batch) const {
    std::vector<std::string> shown;
    if (hide_parameters) {
      if (!parameters.empty() || batch > 1) shown.emplace_back("[redacted]");
      return shown;
    }
    shown.reserve(parameters.size());
    for (const Value& v : parameters) shown.push_back(v.to_display_truncated());  // as the engine's error messages
    return shown;
  }

  // The entry for `sql` (inserted when new); over max_statements, the shared "other" entry.
  StatementStats& entry(std::string_view sql) {
    if (auto it = statements.find(sql); it != statements.end()) return it->second;
    if (statements.size() >= max_statements) sql = kOtherStatements;
    auto [it, inserted] = statements.try_emplace(std::string(sql));
    if (inserted) ++totals.statements;
    return it->second;
  }

  void executed(const ExecuteInfo& info, const ExecuteStats& stats) {
    const nanoseconds d = stats.duration;
    std::optional<SlowQuery> slow;
    if (is_slow(d)) {
      slow.emplace();
      slow->sql = std::string(info.sql);
      slow->duration = d;
      slow->parameters = render(info.parameters, info.batch_size);
      if (!hide_parameters) slow->values.assign(info.parameters.begin(), info.parameters.end());
      slow->batch_size = info.batch_size;
      slow->rows_affected = stats.rows_affected;
      slow->when = std::chrono::system_clock::now();
    }
    {
      std::lock_guard lock(mutex);
      StatementStats& s = entry(info.sql);
      if (s.executions == 0 || d < s.min) s.min = d;
      if (s.executions == 0 || d > s.max) {
        s.max = d;
        if (keep_parameters && !hide_parameters)
          s.slowest_parameters.assign(info.parameters.begin(), info.parameters.end());
      }
      ++s.executions;
      s.parameter_sets += info.batch_size;
      s.total += d;
      ++totals.executions;
      totals.parameter_sets += info.batch_size;
      totals.total += d;
      if (stats.rows_affected > 0) {
        s.rows_affected += stats.rows_affected;
        totals.rows_affected += stats.rows_affected;
      }
      if (slow) {
        ++s.slow;
        ++totals.slow;
        if (slow_log_size > 0) {
          if (slow_log.size() >= slow_log_size) slow_log.pop_front();
          slow_log.push_back(*slow);
        }
      }
    }
    // A statement the sink itself runs on this engine (logging slow queries to a table) comes
    // back here on the same thread: counted above, but not sunk again (that would deadlock).
    if (slow && !in_sink) {
      std::lock_guard lock(sink_mutex);
      if (closed) return;
      in_sink = true;
      try {
        sink(*slow);
      } catch (...) {
        // Listeners must not throw into the engine; a failing log must not fail the query.
      }
      in_sink = false;
    }
  }

  void failed(const DBAPIError& error) {
    std::lock_guard lock(mutex);
    ++totals.errors;
    if (!error.sql().empty()) ++entry(error.sql()).errors;
  }
};

// ---- QueryMonitor ---------------------------------------------------------------------------------------

QueryMonitor::QueryMonitor(const Engine& engine, QueryMonitorOptions options)
    : engine_(engine), state_(std::make_shared<State>()) {
  State& st = *state_;
  st.hide_parameters = engine.options().hide_parameters;
  st.keep_parameters = options.keep_parameters;
  st.slow_log_size = options.slow_log_size;
  st.max_statements = std::max<std::size_t>(options.max_statements, 1);
  st.sink = options.slow_sink ? std::move(options.slow_sink) : default_sink;
  st.threshold_ns.store(options.slow_threshold.count());

  // The listeners hold the state, not the monitor: one still running on another thread when the
  // monitor goes away touches nothing freed.
  EngineEvents& events = engine.events();
  handles_.push_back(events.on_after_execute(
      [st = state_](const ExecuteInfo& info, const ExecuteStats& stats) { st->executed(info, stats); }));
  handles_.push_back(events.on_error([st = state_](const DBAPIError& error) { st->failed(error); }));
  handles_.push_back(events.on_connect([st = state_](dialects::DriverConnection&) {
    st->connects.fetch_add(1, std::memory_order_relaxed);
  }));
  handles_.push_back(events.on_checkout([st = state_](dialects::DriverConnection&) {
    st->checkouts.fetch_add(1, std::memory_order_relaxed);
  }));
  handles_.push_back(events.on_invalidate([st = state_](dialects::DriverConnection&, std::string_view) {
    st->invalidations.fetch_add(1, std::memory_order_relaxed);
  }));
}

QueryMonitor::~QueryMonitor() {
  for (EventHandle& h : handles_) h.remove();
  // A listener that took its snapshot before the removal may still be running: let a sink call
  // in progress finish, and stop later ones (the sink may refer to things about to be freed).
  std::lock_guard lock(state_->sink_mutex);
  state_->closed = true;
}

std::vector<StatementStats> QueryMonitor::statements() const {
  std::vector<StatementStats> out;
  {
    std::lock_guard lock(state_->mutex);
    out.reserve(state_->statements.size());
    for (const auto& [sql, stats] : state_->statements) {
      out.push_back(stats);
      out.back().sql = sql;
    }
  }
  std::sort(out.begin(), out.end(), [](const StatementStats& a, const StatementStats& b) {
    if (a.total != b.total) return a.total > b.total;
    if (a.executions != b.executions) return a.executions > b.executions;
    return a.sql < b.sql;
  });
  return out;
}

std::optional<StatementStats> QueryMonitor::statement(std::string_view sql) const {
  std::lock_guard lock(state_->mutex);
  auto it = state_->statements.find(sql);
  if (it == state_->statements.end()) return std::nullopt;
  StatementStats out = it->second;
  out.sql = it->first;
  return out;
}

MonitorTotals QueryMonitor::totals() const {
  MonitorTotals out;
  {
    std::lock_guard lock(state_->mutex);
    out = state_->totals;
    out.elapsed = Clock::now() - state_->since;
  }
  out.connects = state_->connects.load(std::memory_order_relaxed);
  out.checkouts = state_->checkouts.load(std::memory_order_relaxed);
  out.invalidations = state_->invalidations.load(std::memory_order_relaxed);
  return out;
}

std::vector<SlowQuery> QueryMonitor::slow_queries() const {
  std::lock_guard lock(state_->mutex);
  return {state_->slow_log.begin(), state_->slow_log.end()};
}

void QueryMonitor::reset() {
  {
    std::lock_guard lock(state_->mutex);
    state_->statements.clear();
    state_->slow_log.clear();
    state_->totals = MonitorTotals{};
    state_->since = Clock::now();
  }
  state_->connects.store(0);
  state_->checkouts.store(0);
  state_->invalidations.store(0);
}

nanoseconds QueryMonitor::slow_threshold() const { return nanoseconds(state_->threshold_ns.load()); }

void QueryMonitor::set_slow_threshold(nanoseconds threshold) { state_->threshold_ns.store(threshold.count()); }

std::string QueryMonitor::report(std::size_t top, std::size_t sql_width) const {
  const MonitorTotals t = totals();
  const std::vector<StatementStats> stats = statements();
  const std::vector<SlowQuery> slow = slow_queries();
  const nanoseconds threshold = slow_threshold();

  std::string out;
  out += "Statements: " + std::to_string(t.executions) + " execution" + (t.executions == 1 ? "" : "s") + " of " +
         std::to_string(t.statements) + " statement" + (t.statements == 1 ? "" : "s") + ", " +
         format_duration(t.total) + " in the database";
  if (t.parameter_sets != t.executions) out += ", " + std::to_string(t.parameter_sets) + " parameter sets";
  out += ", " + std::to_string(t.rows_affected) + " rows affected, " + std::to_string(t.errors) + " error" +
         (t.errors == 1 ? "" : "s") + "\n";
  out += "Slow:       " + std::to_string(t.slow) + " at or over ";
  out += threshold == nanoseconds::max() ? std::string("(off)") : format_duration(threshold);
  out += "\n";
  out += "Pool:       " + pool_status(engine_).to_string() + "\n";
  out += "            " + std::to_string(t.connects) + " connection" + (t.connects == 1 ? "" : "s") + " opened, " +
         std::to_string(t.checkouts) + " checkout" + (t.checkouts == 1 ? "" : "s") + ", " +
         std::to_string(t.invalidations) + " invalidated\n";

  const std::size_t shown = std::min(top, stats.size());
  out += "\nTop " + std::to_string(shown) + " of " + std::to_string(stats.size()) + " statements by total time:\n";
  out += "  " + pad_left("calls", 7) + pad_left("total", 13) + pad_left("mean", 13) + pad_left("max", 13) +
         pad_left("rows", 8) + "  SQL\n";
  for (std::size_t i = 0; i < shown; ++i) {
    const StatementStats& s = stats[i];
    std::string calls = std::to_string(s.executions);
    if (s.parameter_sets != s.executions) calls += "x" + std::to_string(s.parameter_sets / std::max<std::uint64_t>(s.executions, 1));
    out += "  " + pad_left(calls, 7) + pad_left(millis(s.total), 13) + pad_left(millis(s.mean()), 13) +
           pad_left(millis(s.max), 13) + pad_left(s.rows_affected ? std::to_string(s.rows_affected) : "-", 8) + "  " +
           summarize_sql(s.sql, sql_width);
    if (s.errors) out += "  (" + std::to_string(s.errors) + " failed)";
    out += "\n";
  }
  if (shown == 0) out += "  (none)\n";

  out += "\nSlow statements";
  if (slow.empty()) {
    out += ": none\n";
  } else {
    const std::size_t first = slow.size() > top ? slow.size() - top : 0;
    out += " (last " + std::to_string(slow.size() - first) + "):\n";
    for (std::size_t i = first; i < slow.size(); ++i) {
      out += "  " + pad_left(format_duration(slow[i].duration), 10) + "  " + summarize_sql(slow[i].sql, sql_width);
      if (slow[i].batch_size > 1) out += "  [" + std::to_string(slow[i].batch_size) + " parameter sets]";
      else if (!slow[i].parameters.empty()) {
        out += "  [parameters: (";
        for (std::size_t p = 0; p < slow[i].parameters.size(); ++p)
          out += (p ? ", " : "") + one_line(slow[i].parameters[p], 60);
        out += ")]";
      }
      out += "\n";
    }
  }
  return out;
}

// ---- SlowQuery, durations -----------------------------------------------------------------------------

std::string SlowQuery::to_string() const {
  std::string text = "slow query (" + format_duration(duration) + "): " + sql;
  if (batch_size > 1) {
    text += " [" + std::to_string(batch_size) + " parameter sets]";
  } else if (!parameters.empty()) {
    text += " [parameters: (";
    for (std::size_t i = 0; i < parameters.size(); ++i) text += (i ? ", " : "") + parameters[i];
    text += ")]";
  }
  return text;
}

std::string summarize_sql(std::string_view sql, std::size_t width) {
  const std::string flat = one_line(sql, 0);
  std::string out;
  out.reserve(flat.size());
  char quote = 0;
  std::size_t i = 0;
  while (i < flat.size()) {
    const char c = flat[i];
    if (quote) {
      if (c == quote) quote = 0;
      out += flat[i++];
      continue;
    }
    if (c == '\'' || c == '"' || c == '`') {
      quote = c;
      out += flat[i++];
      continue;
    }
    if (keyword_at(flat, i, "SELECT ") && (i == 0 || !word_char(flat[i - 1]))) {
      // This SELECT's list ends at " FROM " on its own parenthesis level; past its first item
      // it becomes ", ...".
      out.append(flat, i, 7);
      i += 7;
      std::size_t j = i, first_comma = std::string::npos;
      int depth = 0;
      char q = 0;
      for (; j < flat.size(); ++j) {
        const char d = flat[j];
        if (q) {
          if (d == q) q = 0;
        } else if (d == '\'' || d == '"' || d == '`') {
          q = d;
        } else if (d == '(') {
          ++depth;
        } else if (d == ')') {
          if (depth == 0) break;
          --depth;
        } else if (depth == 0 && d == ',' && first_comma == std::string::npos) {
          first_comma = j;
        } else if (depth == 0 && keyword_at(flat, j, " FROM ")) {
          break;
        }
      }
      if (first_comma != std::string::npos && keyword_at(flat, j, " FROM ")) {
        out.append(flat, i, first_comma - i).append(", ...");
        i = j;
      }
      continue;
    }
    out += flat[i++];
  }
  if (width && out.size() > width) {
    out.resize(width);
    out += "...";
  }
  return out;
}

std::string format_duration(nanoseconds d) {
  char buf[48];
  const auto ns = d.count();
  const double v = static_cast<double>(ns);
  if (ns < 1000) std::snprintf(buf, sizeof buf, "%" PRId64 " ns", static_cast<std::int64_t>(ns));
  else if (ns < 1000000) std::snprintf(buf, sizeof buf, "%.1f us", v / 1e3);
  else if (ns < 1000000000) std::snprintf(buf, sizeof buf, "%.3f ms", v / 1e6);
  else std::snprintf(buf, sizeof buf, "%.2f s", v / 1e9);
  return buf;
}

}  // namespace crucible
