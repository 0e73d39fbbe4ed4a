// SPDX-License-Identifier: MIT
//
// The revision graph: every revision file of a project, linked by their parents (and
// depends_on), checked when loaded: each id once, every parent present, no cycle. Branches and
// merges are ordinary (a merge is a revision with two parents); several heads are fine until an
// operation needs one ("head"), which then says which heads there are.
//
// A squash (a revision whose `replaces` lists a run of revisions) stands for them: the graph
// holds the squash instead, a revision naming a replaced one as parent follows the squash, and
// the Migrator counts the squash as applied on a database that applied every replaced one.
//
// Thread-safety: immutable after construction.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "crucible/migrate/revision.hpp"

namespace crucible::migrate {

class RevisionGraph {
 public:
  RevisionGraph() = default;
  explicit RevisionGraph(std::vector<Revision> revisions);
  // Every *.toml file directly in `directory`; MigrationError naming the file for a bad one.
  static RevisionGraph load(const std::filesystem::path& directory);

  // Parents (and what a revision depends on) before children; ties by creation time, then id.
  const std::vector<Revision>& revisions() const { return revisions_; }
  bool empty() const { return revisions_.empty(); }
  const Revision* find(std::string_view id) const;
  // By id or unique prefix (at least 4 characters); MigrationError when unknown or ambiguous.
  const Revision& get(std::string_view id_or_prefix) const;

  std::vector<std::string> heads() const;  // revisions no other revision has as parent
  std::vector<std::string> bases() const;  // revisions without parents
  // The one head; MigrationError listing them when there are several ("merge them").
  std::string head() const;

  // `id` and every revision it builds on (parents and depends_on, transitively).
  std::set<std::string> ancestors(std::string_view id) const;
  // `id` and every revision that builds on it.
  std::set<std::string> descendants(std::string_view id) const;
  // The squash that stands for `id`, or "" when none does.
  std::string replaced_by(std::string_view id) const;
  // Revisions hidden behind a squash, by id (what a database may still have applied).
  const std::map<std::string, std::string>& replaced() const { return replaced_; }

 private:
  std::vector<Revision> revisions_;
  std::map<std::string, std::size_t> index_;
  std::map<std::string, std::vector<std::string>> children_;
  std::map<std::string, std::string> replaced_;  // replaced id -> squash id
};

}  // namespace crucible::migrate
