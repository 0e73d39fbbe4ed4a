// SPDX-License-Identifier: MIT
//
// Migrator: applies a revision graph to a database (Alembic's command module, without the
// Python). It keeps the applied revisions in a version table (`crucible_version`: revision,
// message, checksum, applied_at), one row per applied revision, so that branches, merges and a
// database ahead of its scripts are all visible.
//
//   crucible::migrate::Migrator migrator(engine, crucible::migrate::RevisionGraph::load("migrations"));
//   migrator.upgrade("head");
//   migrator.downgrade("-1");
//
// Targets: "head" (the one head), "heads" (all), "base" (nothing applied), a revision id or a
// unique prefix of one, "+N" / "-N" (N revisions up or down from the current one, on a line
// without branches).
//
// Safety:
// - One upgrade at a time: a lock (pg_advisory_lock on PostgreSQL, GET_LOCK on MariaDB, the
//   database's write lock on SQLite), waited for up to `lock_timeout`; the second process then
//   reads the version table and finds nothing left to do.
// - Where DDL is transactional (PostgreSQL, SQLite) a whole upgrade or downgrade is one
//   transaction: a failing step leaves the database where it was. MariaDB commits each DDL
//   statement, so there each revision is recorded as soon as it has run, and a failure says
//   which step of which revision stopped, what of it ran, and where the version table stands.
// - A step lint flags (hazard()) runs only when the revision marks it `intended`, or with
//   `allow_hazards`; the whole plan is checked before anything runs.
// - SQLite: foreign key enforcement is off while the migration runs (batch copies need it
//   off) and `PRAGMA foreign_key_check` must pass before the commit.
//
// Thread-safety: one Migrator per thread; the lock serialises processes.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "crucible/engine/engine.hpp"
#include "crucible/migrate/graph.hpp"

namespace crucible::migrate {

struct AppliedRevision {
  std::string id;
  std::string message;
  std::string checksum;
  std::string applied_at;  // ISO 8601, UTC
};

// What a running upgrade or downgrade reports (for progress output).
struct MigrationEvent {
  enum class Kind { revision_started, step_started, revision_finished };
  Kind kind;
  const Revision* revision = nullptr;
  bool upgrading = true;
  std::size_t step = 0;   // 1-based, for step_started
  std::size_t steps = 0;  // the revision's step count
  std::string description;
};

struct MigratorOptions {
  std::string version_table = "crucible_version";
  NamingConvention naming_convention;  // names for unnamed constraints in revisions
  bool allow_hazards = false;          // run steps lint flags although they are not marked intended
  std::chrono::milliseconds lock_timeout{std::chrono::minutes(5)};
  std::function<void(const MigrationEvent&)> on_event;
};

class Migrator {
 public:
  Migrator(Engine engine, RevisionGraph graph, MigratorOptions options = {});

  const RevisionGraph& graph() const { return graph_; }

  // The version table's rows, oldest first (empty when it does not exist yet).
  std::vector<AppliedRevision> applied();
  // The applied revisions nothing applied builds on (the database's heads).
  std::vector<std::string> current();
  // Applied revisions the scripts do not have: the database is ahead of them.
  std::vector<std::string> unknown_applied();
  // Applied revisions whose file changed since (checksum differs): "id: file".
  std::vector<std::string> edited();
  // What upgrade(target) would run, in order.
  std::vector<const Revision*> pending(std::string_view target = "head");

  // Runs what `target` needs and returns it. MigrationError (with the failing revision and step)
  // for a failure; unknown revisions in the database, several heads for "head", a hazard not
  // marked intended are refused before anything runs.
  std::vector<const Revision*> upgrade(std::string_view target = "head");
  std::vector<const Revision*> downgrade(std::string_view target);
  // Records `target` (and what it builds on) as applied without running anything; "base"
  // records nothing.
  void stamp(std::string_view target);

  // Offline: the SQL of upgrading from `from` ("base" or a revision) to `to`, for `dialect`,
  // values as literals, version table rows included. MigrationError for what needs the live
  // database (a SQLite batch copy, a MariaDB MODIFY without existing_* values).
  std::vector<std::string> upgrade_sql(std::string_view from, std::string_view to, const sql::Dialect& dialect) const;
  // Offline downgrade: the SQL of undoing the revisions `from` has and `to` ("base" or a
  // revision it builds on) has not, last first, version rows deleted.
  std::vector<std::string> downgrade_sql(std::string_view from, std::string_view to, const sql::Dialect& dialect) const;

 private:
  struct Plan;
  Engine engine_;
  RevisionGraph graph_;
  MigratorOptions options_;
};

}  // namespace crucible::migrate
