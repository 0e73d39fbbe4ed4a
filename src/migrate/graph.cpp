// SPDX-License-Identifier: MIT
#include "crucible/migrate/graph.hpp"

#include <algorithm>
#include <functional>

namespace crucible::migrate {

namespace {

std::string where(const Revision& r) { return r.path.empty() ? "revision " + r.id : r.path.string(); }

std::string joined(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id;
  return out;
}

}  // namespace

RevisionGraph::RevisionGraph(std::vector<Revision> revisions) {
  // Squashes first: what they replace leaves the graph, and references to it follow the squash.
  std::map<std::string, const Revision*> by_id;
  for (const auto& r : revisions) {
    if (auto [it, fresh] = by_id.emplace(r.id, &r); !fresh)
      throw MigrationError("revision " + r.id + " is defined twice: in " + where(*it->second) + " and in " + where(r));
  }
  for (const auto& r : revisions)
    for (const auto& old : r.replaces) {
      if (old == r.id) throw MigrationError(where(r) + ": a squash cannot replace itself");
      if (auto [it, fresh] = replaced_.emplace(old, r.id); !fresh)
        throw MigrationError("revision " + old + " is replaced by two squashes: " + it->second + " and " + r.id);
    }
  std::vector<Revision> kept;
  for (auto& r : revisions)
    if (!replaced_.count(r.id)) kept.push_back(std::move(r));
  auto follow = [&](std::vector<std::string>& ids, const Revision& owner) {
    for (auto& id : ids)
      if (auto it = replaced_.find(id); it != replaced_.end() && it->second != owner.id) id = it->second;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  };
  for (auto& r : kept) {
    follow(r.parents, r);
    follow(r.depends_on, r);
  }
  std::map<std::string, Revision*> kept_by_id;
  for (auto& r : kept) kept_by_id[r.id] = &r;
  for (const auto& r : kept) {
    for (const auto& p : r.parents) {
      if (!kept_by_id.count(p))
        throw MigrationError(where(r) + ": parent revision " + p + " is in no revision file");
      children_[p].push_back(r.id);
    }
    for (const auto& d : r.depends_on)
      if (!kept_by_id.count(d)) throw MigrationError(where(r) + ": depends_on revision " + d + " is in no revision file");
  }

  // Topological order (Kahn), ready revisions taken oldest first, then by id: stable run to run.
  std::map<std::string, int> waiting;
  std::map<std::string, std::vector<std::string>> unlocks;
  for (const auto& r : kept) {
    waiting[r.id] = static_cast<int>(r.parents.size() + r.depends_on.size());
    for (const auto& p : r.parents) unlocks[p].push_back(r.id);
    for (const auto& d : r.depends_on) unlocks[d].push_back(r.id);
  }
  auto earlier = [&](const std::string& a, const std::string& b) {
    const Revision& ra = *kept_by_id[a];
    const Revision& rb = *kept_by_id[b];
    return std::tie(ra.created, ra.id) > std::tie(rb.created, rb.id);  // a heap: smallest on top
  };
  std::vector<std::string> ready;
  for (const auto& [id, n] : waiting)
    if (n == 0) ready.push_back(id);
  std::make_heap(ready.begin(), ready.end(), earlier);
  while (!ready.empty()) {
    std::pop_heap(ready.begin(), ready.end(), earlier);
    const std::string id = ready.back();
    ready.pop_back();
    index_[id] = revisions_.size();
    revisions_.push_back(std::move(*kept_by_id[id]));
    for (const auto& next : unlocks[id])
      if (--waiting[next] == 0) {
        ready.push_back(next);
        std::push_heap(ready.begin(), ready.end(), earlier);
      }
  }
  if (revisions_.size() != kept.size()) {
    std::vector<std::string> cyclic;
    for (const auto& [id, n] : waiting)
      if (n > 0) cyclic.push_back(id);
    throw MigrationError("revisions form a cycle through their parents: " + joined(cyclic));
  }
}

RevisionGraph RevisionGraph::load(const std::filesystem::path& directory) {
  std::error_code ec;
  if (!std::filesystem::is_directory(directory, ec))
    throw MigrationError(directory.string() + ": no such revisions directory (crucible init makes one)");
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(directory))
    if (entry.is_regular_file() && entry.path().extension() == ".toml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  std::vector<Revision> revisions;
  for (const auto& f : files) revisions.push_back(read_revision(f));
  return RevisionGraph(std::move(revisions));
}

const Revision* RevisionGraph::find(std::string_view id) const {
  auto it = index_.find(std::string(id));
  return it == index_.end() ? nullptr : &revisions_[it->second];
}

const Revision& RevisionGraph::get(std::string_view id_or_prefix) const {
  if (const Revision* r = find(id_or_prefix)) return *r;
  std::vector<std::string> matches;
  if (id_or_prefix.size() >= 4)
    for (const auto& [id, i] : index_)
      if (id.compare(0, id_or_prefix.size(), id_or_prefix) == 0) matches.push_back(id);
  if (matches.size() == 1) return revisions_[index_.at(matches.front())];
  if (matches.size() > 1)
    throw MigrationError("revision '" + std::string(id_or_prefix) + "' is ambiguous: " + joined(matches));
  if (auto it = replaced_.find(std::string(id_or_prefix)); it != replaced_.end())
    return revisions_[index_.at(it->second)];
  throw MigrationError("no revision '" + std::string(id_or_prefix) + "' in the revision files");
}

std::vector<std::string> RevisionGraph::heads() const {
  std::vector<std::string> out;
  for (const auto& r : revisions_)
    if (!children_.count(r.id)) out.push_back(r.id);
  return out;
}

std::vector<std::string> RevisionGraph::bases() const {
  std::vector<std::string> out;
  for (const auto& r : revisions_)
    if (r.parents.empty()) out.push_back(r.id);
  return out;
}

std::string RevisionGraph::head() const {
  const auto h = heads();
  if (h.empty()) throw MigrationError("there are no revisions yet (crucible revision -m \"...\" writes the first)");
  if (h.size() > 1)
    throw MigrationError("there are several heads (" + joined(h) +
                         "): merge them (crucible merge) or name the one to use");
  return h.front();
}

std::set<std::string> RevisionGraph::ancestors(std::string_view id) const {
  std::set<std::string> out;
  std::vector<std::string> stack{get(id).id};
  while (!stack.empty()) {
    const std::string current = stack.back();
    stack.pop_back();
    if (!out.insert(current).second) continue;
    const Revision& r = revisions_[index_.at(current)];
    for (const auto& p : r.parents) stack.push_back(p);
    for (const auto& d : r.depends_on) stack.push_back(d);
  }
  return out;
}

std::set<std::string> RevisionGraph::descendants(std::string_view id) const {
  const std::string root = get(id).id;
  std::set<std::string> out{root};
  // Revisions come parents first, so one pass in order finds every descendant.
  for (const auto& r : revisions_) {
    const bool builds_on = std::any_of(r.parents.begin(), r.parents.end(), [&](const std::string& p) { return out.count(p); }) ||
                           std::any_of(r.depends_on.begin(), r.depends_on.end(),
                                       [&](const std::string& d) { return out.count(d); });
    if (builds_on) out.insert(r.id);
  }
  return out;
}

std::string RevisionGraph::replaced_by(std::string_view id) const {
  auto it = replaced_.find(std::string(id));
  return it == replaced_.end() ? std::string() : it->second;
}

}  // namespace crucible::migrate
