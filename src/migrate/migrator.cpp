// SPDX-License-Identifier: MIT
// Migrator: the version table, the lock, plans for targets, and running them (migrator.hpp).
#include "crucible/migrate/migrator.hpp"

#include <algorithm>
#include <optional>
#include <thread>

#include "crucible/engine/connection.hpp"
#include "crucible/engine/schema.hpp"
#include "crucible/sql/dialect.hpp"
#include "crucible/sql/dml.hpp"
#include "crucible/sql/select.hpp"

namespace crucible::migrate {

namespace {

std::string joined(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id;
  return out.empty() ? "base (nothing applied)" : out;
}

bool relative(std::string_view target, char sign) {
  return target.size() > 1 && target[0] == sign &&
         std::all_of(target.begin() + 1, target.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::size_t relative_count(std::string_view target) {
  return static_cast<std::size_t>(std::stoul(std::string(target.substr(1))));
}

// The version table, declared with Core so that every dialect creates and reads it alike.
class VersionTable {
 public:
  explicit VersionTable(const std::string& name)
      : table_(metadata_.table(name, Column("revision", String(64)).primary_key(), Column("message", Text()),
                               Column("checksum", String(64)).nullable(false),
                               Column("applied_at", DateTimeType(true)).nullable(false))) {}

  const Table& table() const { return table_; }
  void ensure(Connection& conn) const { create_all(conn, metadata_, true); }
  bool exists(Connection& conn) const { return has_table(conn, table_.name()); }

  std::vector<AppliedRevision> read(Connection& conn) const {
    auto rows = conn.execute(select(table_.c<std::string>("revision"), table_.c<std::optional<std::string>>("message"),
                                    table_.c<std::string>("checksum"), table_.c<DateTime>("applied_at"))
                                 .order_by(table_.c<DateTime>("applied_at"), table_.c<std::string>("revision")))
                    .as<std::string, std::optional<std::string>, std::string, DateTime>()
                    .all();
    std::vector<AppliedRevision> out;
    for (auto& [id, message, checksum, at] : rows) out.push_back({id, message.value_or(""), checksum, at.to_string()});
    return out;
  }
  void record(Connection& conn, const Revision& r) const { conn.execute(insert_statement(r)); }
  Insert insert_statement(const Revision& r) const {
    return insert(table_).values(set(table_.c<std::string>("revision"), r.id),
                                 set(table_.c<std::string>("message"), r.message),
                                 set(table_.c<std::string>("checksum"), r.checksum()),
                                 set(table_.c<DateTime>("applied_at"), DateTime::now_utc()));
  }
  void erase(Connection& conn, const std::string& id) const {
    conn.execute(delete_(table_).where(table_.c<std::string>("revision") == id));
  }

 private:
  MetaData metadata_;
  const Table& table_;
};

enum class LockKind { advisory, named, write_lock };

LockKind lock_kind(const sql::Dialect& dialect) {
  if (dialect.features().in_process) return LockKind::write_lock;
  return dialect.name() == "postgresql" ? LockKind::advisory : LockKind::named;
}

// 64-bit FNV-1a of the version table's name: the advisory lock key.
std::int64_t lock_key(const std::string& name) {
  std::uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : name) hash = (hash ^ c) * 1099511628211ull;
  return static_cast<std::int64_t>(hash >> 1);
}

}  // namespace

// One run on one connection: the lock, SQLite's foreign keys, the version table.
struct Migrator::Plan {
  Plan(Connection& c, const MigratorOptions& o, const VersionTable& v) : conn(c), options(o), versions(v) {
    kind = lock_kind(conn.dialect());
    const auto deadline = std::chrono::steady_clock::now() + options.lock_timeout;
    auto timed_out = [&] {
      return MigrationError("another migration holds the lock on " + options.version_table + " (waited " +
                            std::to_string(options.lock_timeout.count()) + " ms)");
    };
    if (kind == LockKind::advisory) {
      while (!conn.scalar<bool>("SELECT pg_try_advisory_lock(:key)", {{"key", lock_key(options.version_table)}})) {
        conn.rollback();
        if (std::chrono::steady_clock::now() > deadline) throw timed_out();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      locked = true;
      conn.rollback();  // a fresh snapshot after the wait
    } else if (kind == LockKind::named) {
      const auto seconds = std::max<std::int64_t>(1, std::chrono::duration_cast<std::chrono::seconds>(options.lock_timeout).count());
      const auto got = conn.execute("SELECT GET_LOCK(:name, :seconds)", {{"name", options.version_table}, {"seconds", seconds}})
                           .scalar<std::optional<std::int64_t>>();
      if (got.value_or(0) != 1) throw timed_out();
      locked = true;
      conn.commit();
    } else {
      foreign_keys_were_on = conn.scalar<std::int64_t>("PRAGMA foreign_keys") != 0;
      conn.rollback();
      if (foreign_keys_were_on) conn.exec_driver_sql("PRAGMA foreign_keys = OFF");
      take_write_lock(deadline);
    }
    versions.ensure(conn);
    if (!conn.dialect().features().supports_transactional_ddl) conn.commit();
  }
  ~Plan() {
    try {
      if (conn.in_transaction()) conn.rollback();
      if (locked && kind == LockKind::advisory)
        conn.execute("SELECT pg_advisory_unlock(:key)", {{"key", lock_key(options.version_table)}});
      if (locked && kind == LockKind::named) conn.execute("SELECT RELEASE_LOCK(:name)", {{"name", options.version_table}});
      if (conn.in_transaction()) conn.commit();
      if (foreign_keys_were_on) conn.exec_driver_sql("PRAGMA foreign_keys = ON");
    } catch (...) {  // NOLINT(bugprone-empty-catch): the connection closes with its session's locks
      conn.invalidate();
    }
  }
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;

  // SQLite: BEGIN IMMEDIATE takes the write lock before anything is read, so a second process
  // waits here (busy_timeout, then again until the deadline) rather than failing on a lock it
  // could only upgrade to.
  void take_write_lock(std::chrono::steady_clock::time_point deadline) {
    for (;;) {
      try {
        conn.exec_driver_sql("BEGIN IMMEDIATE");
        return;
      } catch (const OperationalError&) {
        if (std::chrono::steady_clock::now() > deadline)
          throw MigrationError("another migration holds the write lock on the database (waited " +
                               std::to_string(options.lock_timeout.count()) + " ms)");
      }
    }
  }

  // Commits what ran so far (SQLite: after its foreign keys are checked).
  void commit() {
    if (foreign_keys_were_on) {
      auto broken = conn.execute("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check")
                        .as<std::string, std::optional<std::int64_t>, std::string>()
                        .all();
      if (!broken.empty()) {
        const auto& [table, rowid, parent] = broken.front();
        throw MigrationError(std::to_string(broken.size()) + " row(s) break a foreign key after the migration: the first "
                             "is row " + (rowid ? std::to_string(*rowid) : std::string("?")) + " of " + table +
                             ", whose key names no row of " + parent);
      }
    }
    conn.commit();
  }

  Connection& conn;
  const MigratorOptions& options;
  const VersionTable& versions;
  LockKind kind;
  bool locked = false;
  bool foreign_keys_were_on = false;
};

Migrator::Migrator(Engine engine, RevisionGraph graph, MigratorOptions options)
    : engine_(std::move(engine)), graph_(std::move(graph)), options_(std::move(options)) {}

std::vector<AppliedRevision> Migrator::applied() {
  const VersionTable versions(options_.version_table);
  auto conn = engine_.connect();
  if (!versions.exists(conn)) return {};
  return versions.read(conn);
}

namespace {

std::set<std::string> ids_of(const std::vector<AppliedRevision>& rows) {
  std::set<std::string> out;
  for (const auto& r : rows) out.insert(r.id);
  return out;
}

// The applied set in the graph's terms: a squash counts as applied when every revision it
// replaces is; a database that applied only some of them cannot be moved by the squash.
std::set<std::string> normalized(const RevisionGraph& graph, std::set<std::string> applied) {
  std::map<std::string, std::vector<std::string>> by_squash;
  for (const auto& [old, squash] : graph.replaced()) by_squash[squash].push_back(old);
  for (const auto& [squash, olds] : by_squash) {
    std::size_t have = 0;
    for (const auto& o : olds) have += applied.count(o);
    if (have == olds.size()) applied.insert(squash);
    else if (have > 0 && !applied.count(squash))
      throw MigrationError("the database applied only some of the revisions squash " + squash +
                           " replaces; apply the rest with their own revision files first");
    for (const auto& o : olds) applied.erase(o);
  }
  return applied;
}

std::vector<std::string> unknown_ids(const RevisionGraph& graph, const std::set<std::string>& applied) {
  std::vector<std::string> out;
  for (const auto& id : applied)
    if (!graph.find(id) && graph.replaced_by(id).empty()) out.push_back(id);
  return out;
}

void refuse_unknown(const RevisionGraph& graph, const std::set<std::string>& applied) {
  const auto unknown = unknown_ids(graph, applied);
  if (!unknown.empty())
    throw MigrationError("the database has applied revision(s) " + joined(unknown) +
                         " that no revision file has: it is ahead of these scripts (deploy the newer scripts, or "
                         "check that this is the right database)");
}

// Revisions in the graph's order whose ids are in `wanted`.
std::vector<const Revision*> in_order(const RevisionGraph& graph, const std::set<std::string>& wanted) {
  std::vector<const Revision*> out;
  for (const auto& r : graph.revisions())
    if (wanted.count(r.id)) out.push_back(&r);
  return out;
}

std::set<std::string> upgrade_targets(const RevisionGraph& graph, std::string_view target,
                                      const std::set<std::string>& applied) {
  std::set<std::string> out;
  if (target == "base") return out;
  if (target == "heads") {
    for (const auto& h : graph.heads())
      for (const auto& a : graph.ancestors(h)) out.insert(a);
    return out;
  }
  if (relative(target, '+')) {
    const std::size_t n = relative_count(target);
    std::vector<const Revision*> ahead;
    for (const auto* r : in_order(graph, graph.ancestors(graph.head())))
      if (!applied.count(r->id)) ahead.push_back(r);
    if (n > ahead.size())
      throw MigrationError("upgrade " + std::string(target) + ": only " + std::to_string(ahead.size()) +
                           " revision(s) remain to the head");
    for (std::size_t i = 0; i < n; ++i)
      for (const auto& a : graph.ancestors(ahead[i]->id)) out.insert(a);
    return out;
  }
  const std::string id = target == "head" ? graph.head() : graph.get(target).id;
  return graph.ancestors(id);
}

// The revisions `target` needs that `have` lacks, in the order they run.
std::vector<const Revision*> missing_for(const RevisionGraph& graph, std::string_view target,
                                         const std::set<std::string>& have) {
  std::set<std::string> wanted;
  for (const auto& id : upgrade_targets(graph, target, have))
    if (!have.count(id)) wanted.insert(id);
  return in_order(graph, wanted);
}

// Offline: one revision's steps as SQL, CONCURRENTLY steps outside the transaction.
void render_steps(std::vector<std::string>& out, const Revision& r, const std::vector<Step>& steps,
                  std::string_view direction, const sql::Dialect& dialect, const NamingConvention& convention) {
  const bool transactional = dialect.features().supports_transactional_ddl;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    try {
      const bool autocommit = needs_autocommit(steps[i].operation, dialect);
      if (autocommit && transactional) out.push_back("COMMIT");
      for (auto& s : render(steps[i].operation, dialect, convention)) out.push_back(std::move(s));
      if (autocommit && transactional) out.push_back("BEGIN");
    } catch (const std::exception& e) {
      throw MigrationError("revision " + r.id + ", " + std::string(direction) + " step " + std::to_string(i + 1) +
                           " (" + describe(steps[i].operation) + ") cannot be written offline for " +
                           std::string(dialect.name()) + ": " + e.what());
    }
  }
}

}  // namespace

std::vector<std::string> Migrator::current() {
  const auto rows = applied();
  std::set<std::string> ids = ids_of(rows);
  std::vector<std::string> unknown = unknown_ids(graph_, ids);
  ids = normalized(graph_, ids);
  std::vector<std::string> out;
  for (const auto* r : in_order(graph_, ids)) {
    bool built_on = false;
    for (const auto& other : ids)
      if (const Revision* o = graph_.find(other))
        built_on = built_on || std::find(o->parents.begin(), o->parents.end(), r->id) != o->parents.end();
    if (!built_on) out.push_back(r->id);
  }
  out.insert(out.end(), unknown.begin(), unknown.end());
  return out;
}

std::vector<std::string> Migrator::unknown_applied() { return unknown_ids(graph_, ids_of(applied())); }

std::vector<std::string> Migrator::edited() {
  std::vector<std::string> out;
  for (const auto& row : applied())
    if (const Revision* r = graph_.find(row.id); r && r->checksum() != row.checksum)
      out.push_back(r->id + ": " + (r->path.empty() ? std::string("(in code)") : r->path.string()));
  return out;
}

std::vector<const Revision*> Migrator::pending(std::string_view target) {
  std::set<std::string> have = ids_of(applied());
  refuse_unknown(graph_, have);
  have = normalized(graph_, have);
  return missing_for(graph_, target, have);
}

std::vector<const Revision*> Migrator::upgrade(std::string_view target) {
  const VersionTable versions(options_.version_table);
  auto conn = engine_.connect();
  Plan plan(conn, options_, versions);
  std::set<std::string> raw = ids_of(versions.read(conn));
  refuse_unknown(graph_, raw);
  const std::set<std::string> have = normalized(graph_, raw);
  const std::vector<const Revision*> todo = missing_for(graph_, target, have);

  // A squash the database reached through the revisions it replaces is recorded as applied.
  std::vector<const Revision*> reached_by_replaced;
  for (const auto& id : have)
    if (!raw.count(id))
      if (const Revision* r = graph_.find(id)) reached_by_replaced.push_back(r);

  const sql::Dialect& dialect = conn.dialect();
  for (const auto* r : todo)
    for (std::size_t i = 0; i < r->upgrade.size(); ++i) {
      const Step& step = r->upgrade[i];
      const std::string why = hazard(step.operation, dialect);
      if (!why.empty() && step.intended.empty() && !options_.allow_hazards)
        throw MigrationError("revision " + r->id + " (" + r->message + "), upgrade step " + std::to_string(i + 1) +
                             (r->path.empty() ? "" : " (" + r->path.string() + ":" + std::to_string(step.line) + ")") +
                             ": " + why + ". Mark the step intended = \"why\" in the revision if it is meant; "
                             "nothing was run");
    }

  const bool transactional = dialect.features().supports_transactional_ddl;
  auto notify = [&](MigrationEvent event) {
    if (options_.on_event) options_.on_event(event);
  };
  std::vector<std::string> recorded;  // committed, for messages
  for (const auto* r : reached_by_replaced) versions.record(conn, *r);
  if (!transactional && !reached_by_replaced.empty()) conn.commit();

  std::vector<const Revision*> ran;
  for (const auto* r : todo) {
    notify({MigrationEvent::Kind::revision_started, r, true, 0, r->upgrade.size(), r->message});
    Operations ops(conn, options_.naming_convention);
    for (std::size_t i = 0; i < r->upgrade.size(); ++i) {
      const Step& step = r->upgrade[i];
      notify({MigrationEvent::Kind::step_started, r, true, i + 1, r->upgrade.size(), describe(step.operation)});
      try {
        if (needs_autocommit(step.operation, dialect)) {
          // What ran before a concurrent index build is committed with it.
          plan.commit();
          for (const auto* done : ran) recorded.push_back(done->id);
        }
        ops.run(step.operation);
      } catch (const std::exception& e) {
        const std::string at = "revision " + r->id + " (" + r->message + "), upgrade step " + std::to_string(i + 1) +
                               " of " + std::to_string(r->upgrade.size()) + " (" + describe(step.operation) + ")";
        conn.rollback();
        if (transactional) {
          throw MigrationError("upgrade failed at " + at + ": " + e.what() + ". It ran in one transaction, rolled back: " +
                               (recorded.empty() ? "the database is as it was before the upgrade"
                                                 : "revisions " + joined(recorded) + " were committed before a "
                                                   "concurrent index build and stay applied"));
        }
        std::string ran_steps;
        for (std::size_t k = 0; k < i; ++k)
          ran_steps += "\n  " + std::to_string(k + 1) + ". " + describe(r->upgrade[k].operation);
        throw MigrationError("upgrade stopped at " + at + ": " + e.what() +
                             ". This database commits each schema change at once: " +
                             (i == 0 ? std::string("no step of ") + r->id + " ran"
                                     : "of " + r->id + ", these steps ran and stay:" + ran_steps + "\n") +
                             " The version table does not list " + r->id + (recorded.empty() ? "" : "; it lists " + joined(recorded) + " from this run") +
                             ". Fix the cause, then undo those steps and run upgrade again, or finish " + r->id +
                             " by hand and stamp it");
      }
    }
    versions.record(conn, *r);
    if (!transactional) {
      conn.commit();
      recorded.push_back(r->id);
    }
    ran.push_back(r);
    notify({MigrationEvent::Kind::revision_finished, r, true, r->upgrade.size(), r->upgrade.size(), r->message});
  }
  try {
    plan.commit();
  } catch (const MigrationError& e) {
    conn.rollback();
    throw MigrationError(std::string("upgrade rolled back: ") + e.what());
  }
  return ran;
}

std::vector<const Revision*> Migrator::downgrade(std::string_view target) {
  const VersionTable versions(options_.version_table);
  auto conn = engine_.connect();
  Plan plan(conn, options_, versions);
  std::set<std::string> raw = ids_of(versions.read(conn));
  refuse_unknown(graph_, raw);
  const std::set<std::string> have = normalized(graph_, raw);
  std::set<std::string> undo;
  if (target == "base") {
    undo = have;
  } else if (relative(target, '-')) {
    const std::size_t n = relative_count(target);
    auto order = in_order(graph_, have);
    if (n > order.size())
      throw MigrationError("downgrade " + std::string(target) + ": only " + std::to_string(order.size()) +
                           " revision(s) are applied");
    for (std::size_t i = 0; i < n; ++i) undo.insert(order[order.size() - 1 - i]->id);
  } else {
    const std::string id = graph_.get(target).id;
    if (!have.count(id))
      throw MigrationError("downgrade " + std::string(target) + ": revision " + id +
                           " is not applied here (current: " + joined(current()) + ")");
    for (const auto& d : graph_.descendants(id))
      if (d != id && have.count(d)) undo.insert(d);
  }
  auto order = in_order(graph_, undo);
  std::reverse(order.begin(), order.end());
  // Each downgrade's steps are known (or their absence reported) before anything runs.
  std::vector<std::vector<Step>> steps;
  for (const auto* r : order) steps.push_back(r->downgrade_steps());

  const bool transactional = conn.dialect().features().supports_transactional_ddl;
  std::vector<const Revision*> ran;
  for (std::size_t n = 0; n < order.size(); ++n) {
    const Revision* r = order[n];
    if (options_.on_event) options_.on_event({MigrationEvent::Kind::revision_started, r, false, 0, steps[n].size(), r->message});
    Operations ops(conn, options_.naming_convention);
    for (std::size_t i = 0; i < steps[n].size(); ++i) {
      if (options_.on_event)
        options_.on_event({MigrationEvent::Kind::step_started, r, false, i + 1, steps[n].size(), describe(steps[n][i].operation)});
      try {
        if (needs_autocommit(steps[n][i].operation, conn.dialect())) plan.commit();
        ops.run(steps[n][i].operation);
      } catch (const std::exception& e) {
        conn.rollback();
        throw MigrationError("downgrade failed at revision " + r->id + " (" + r->message + "), downgrade step " +
                             std::to_string(i + 1) + " of " + std::to_string(steps[n].size()) + " (" +
                             describe(steps[n][i].operation) + "): " + e.what() +
                             (transactional ? ". It ran in one transaction, rolled back"
                                            : ". This database commits each schema change at once: steps before it "
                                              "ran and stay, and the version table still lists " + r->id));
      }
    }
    // A squash reached through the revisions it replaces is recorded under their ids too.
    versions.erase(conn, r->id);
    for (const auto& old : r->replaces) versions.erase(conn, old);
    if (!transactional) conn.commit();
    ran.push_back(r);
    if (options_.on_event)
      options_.on_event({MigrationEvent::Kind::revision_finished, r, false, steps[n].size(), steps[n].size(), r->message});
  }
  plan.commit();
  return ran;
}

void Migrator::stamp(std::string_view target) {
  const VersionTable versions(options_.version_table);
  auto conn = engine_.connect();
  Plan plan(conn, options_, versions);
  const std::set<std::string> wanted = upgrade_targets(graph_, target, {});
  for (const auto& row : versions.read(conn))
    if (!wanted.count(row.id)) versions.erase(conn, row.id);
  const std::set<std::string> have = ids_of(versions.read(conn));
  for (const auto* r : in_order(graph_, wanted))
    if (!have.count(r->id)) versions.record(conn, *r);
  plan.commit();
}

std::vector<std::string> Migrator::upgrade_sql(std::string_view from, std::string_view to,
                                               const sql::Dialect& dialect) const {
  const VersionTable versions(options_.version_table);
  const std::set<std::string> have = from == "base" ? std::set<std::string>() : graph_.ancestors(graph_.get(from).id);
  const bool transactional = dialect.features().supports_transactional_ddl;
  std::vector<std::string> out;
  if (transactional) out.push_back("BEGIN");
  if (from == "base") {
    for (auto& s : dialect.create_table_ddl(versions.table(), true)) out.push_back(std::move(s));
  }
  for (const auto* r : missing_for(graph_, to, have)) {
    out.push_back("-- revision " + r->id + ": " + r->message);
    render_steps(out, *r, r->upgrade, "upgrade", dialect, options_.naming_convention);
    out.push_back(dialect.literal_sql(versions.insert_statement(*r)));
  }
  if (transactional) out.push_back("COMMIT");
  return out;
}

std::vector<std::string> Migrator::downgrade_sql(std::string_view from, std::string_view to,
                                                 const sql::Dialect& dialect) const {
  const VersionTable versions(options_.version_table);
  const std::string top = from == "head" ? graph_.head() : graph_.get(from).id;
  const std::set<std::string> have = graph_.ancestors(top);
  std::set<std::string> keep;
  if (to != "base") {
    const std::string bottom = graph_.get(to).id;
    if (!have.count(bottom))
      throw MigrationError("downgrade " + std::string(from) + ":" + std::string(to) + ": " + bottom + " is not below " + top);
    keep = graph_.ancestors(bottom);
  }
  std::set<std::string> undo;
  for (const auto& id : have)
    if (!keep.count(id)) undo.insert(id);
  auto order = in_order(graph_, undo);
  std::reverse(order.begin(), order.end());
  const bool transactional = dialect.features().supports_transactional_ddl;
  std::vector<std::string> out;
  if (transactional) out.push_back("BEGIN");
  for (const auto* r : order) {
    out.push_back("-- undo revision " + r->id + ": " + r->message);
    render_steps(out, *r, r->downgrade_steps(), "downgrade", dialect, options_.naming_convention);
    out.push_back(dialect.literal_sql(delete_(versions.table()).where(versions.table().c<std::string>("revision") == r->id)));
  }
  if (transactional) out.push_back("COMMIT");
  return out;
}

}  // namespace crucible::migrate
