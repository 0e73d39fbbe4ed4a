// SPDX-License-Identifier: MIT
//
// Revisions: one reviewed step of a schema's history, kept as a TOML file that the `crucible`
// program reads without compiling anything (docs/migrations.md, "Revision files", says why
// TOML). A revision has an id, its parent(s), what it depends on, a message, a creation time,
// and its upgrade and downgrade steps: migration operations (operations.hpp), each written as
// one [[upgrade]] / [[downgrade]] table.
//
//   revision = "3f9a1c2b7d4e"
//   parents = ["0a1b2c3d4e5f"]
//   message = "add user_points"
//   created = "2026-12-07T12:00:00Z"
//
//   [[upgrade]]
//   op = "add_column"
//   table = "users"
//   column = { name = "karma", type = "Integer", nullable = false, server_default = "0" }
//
// Parsing is strict: an unknown key, a wrong type or a missing required key is a
// MigrationError naming the file, the line and the key, never a step silently skipped.
//
// Thread-safety: values; parse and write are pure functions.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "crucible/migrate/operations.hpp"

namespace crucible::migrate {

// One step of a revision: an operation and, where it is hazardous (hazard()), the author's
// acknowledgement that it is meant (`intended = "why"`), without which upgrade refuses it.
struct Step {
  Operation operation;
  std::string intended;
  int line = 0;  // where the step starts in its file; 0 when built in code
  // For the reviewer (autogenerate's "a rename, not a drop"): written as a comment above the
  // step, so it is neither read back nor part of the checksum.
  std::string note;
};

struct Revision {
  std::string id;
  std::vector<std::string> parents;     // none for a first revision; two or more for a merge
  std::vector<std::string> depends_on;  // revisions (of other branches) applied before this one
  std::vector<std::string> replaces;    // a squash: the revisions it stands for
  std::string message;
  std::string created;                  // ISO 8601, UTC
  std::vector<Step> upgrade;
  std::vector<Step> downgrade;
  // Whether the file has a [[downgrade]] section (or `downgrade = []`, an empty downgrade); when
  // it has none, downgrading runs the reverses of the upgrade steps, last first.
  bool downgrade_written = false;
  std::filesystem::path path;  // the file it was read from; empty when built in code

  // The steps a downgrade runs: the written ones, or the upgrade reversed (MigrationError, naming
  // this revision, when a step has no reverse).
  std::vector<Step> downgrade_steps() const;
  // SHA-256 (hex) of the canonical form of the steps: an edit that changes what the revision
  // does changes it; comments, spacing and key order do not.
  std::string checksum() const;
};

// Parses a revision file's text. `source` names it in errors ("versions/3f9a_add_points.toml").
Revision parse_revision(std::string_view text, const std::string& source);
Revision read_revision(const std::filesystem::path& path);
// The file's text, in the canonical layout: parse_revision(write_revision(r)) gives r back.
std::string write_revision(const Revision& revision);

// A new revision id: 12 hex digits from a random source (as Alembic's).
std::string new_revision_id();
// A filesystem-friendly slug of a message ("Add user points!" -> "add_user_points").
std::string slug(std::string_view message);

// The type spelling of revision files ("BigInteger", "String(80)", "Numeric(10, 2)",
// "DateTime(timezone)"); MigrationError for an unknown one.
SqlType parse_type(std::string_view spelled);
std::string type_spelling(const SqlType& type);

}  // namespace crucible::migrate
