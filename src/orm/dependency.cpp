// SPDX-License-Identifier: MIT
// The unit of work's relationship part (SQLAlchemy's dependency processors): recorded changes of
// One / Many / Dynamic members become foreign-key values, rows of secondary tables and orphan
// deletes, in the order the flush needs them.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <string>

#include "crucible/sql/dialect.hpp"
#include "crucible/sql/dml.hpp"
#include "orm/links.hpp"
#include "orm/unit_of_work.hpp"

namespace crucible::detail {
namespace {

constexpr std::size_t kSecondaryBatch = 500;

bool gone(const InstanceState& s) { return s.marked_deleted || s.state == ObjectState::deleted; }

}  // namespace

void UnitOfWork::apply_job(const SyncJob& job) {
  InstanceState& child = *job.child;
  const auto& attrs = child.mapper->attributes();
  for (std::size_t i = 0; i < job.child_columns->size(); ++i) {
    const Attribute& a = *attrs[(*job.child_columns)[i]];
    if (job.parent) {
      a.set(child, job.parent->mapper->attributes()[(*job.parent_columns)[i]]->get(*job.parent));
    } else if (a.column().is_nullable()) {
      a.set(child, Value());
    } else {
      // SQLAlchemy writes NULL and the database refuses it; a C++ member cannot hold NULL, and
      // keeping the old value (or 0 for a new row) would lose the change silently: refuse here.
      throw InvalidRequestError("flush: the " + child.mapper->class_name() + " object lost its parent, but " +
                                child.mapper->table().name() + "." + a.column().name() +
                                " is NOT NULL and cannot be set to NULL; give it another parent, delete it, "
                                "or use cascade(\"all, delete-orphan\")");
    }
  }
}

const std::vector<std::size_t>* UnitOfWork::forced_columns(const InstanceState& s) const {
  auto it = forced_.find(&s);
  return it == forced_.end() ? nullptr : &it->second;
}

void UnitOfWork::process_relationships() {
  link_sources_ = session_.links_changed_;
  const auto& deleted = session_.deleted_;
  if (link_sources_.empty() && deleted.empty()) return;

  // Objects (re)attached to a parent in this flush, per relationship: not orphans. Only
  // gathered when a delete-orphan relationship lost an object.
  std::optional<std::set<std::pair<const Relationship*, InstanceState*>>> attached;
  auto gather_attached = [&] {
    attached.emplace();
    for (const auto& s : link_sources_) {
      for (const auto& r : s->mapper->relationships()) {
        LinkBase& link = r->link(*s);
        if (!LinkAccess::loaded(link) && !r->dynamic()) continue;
        if (r->collection()) {
          for (InstanceState* x : LinkAccess::added(link)) attached->emplace(r.get(), x);
          if (s->state == ObjectState::pending && !r->dynamic())
            for (InstanceState* x : LinkAccess::items(link)) attached->emplace(r.get(), x);
        } else if (InstanceState* t = LinkAccess::target(link)) {
          attached->emplace(r.get(), t);
        }
      }
    }
  };
  auto orphan = [&](const Relationship& r, InstanceState* y) {
    if (!attached) gather_attached();
    if (attached->count({&r, y})) return false;
    if (const Relationship* rev = r.reverse(); rev && !rev->collection()) {
      LinkBase& back = rev->link(*y);
      if (LinkAccess::loaded(back) && LinkAccess::target(back)) return false;
    }
    return true;
  };

  std::vector<SyncJob> nulls, sets;
  auto job = [&](InstanceState* child, InstanceState* parent, const std::vector<std::size_t>& child_cols,
                 const std::vector<std::size_t>& parent_cols) {
    if (gone(*child)) return;
    if (child->state != ObjectState::pending && child->state != ObjectState::persistent) return;
    if (parent && parent->state != ObjectState::pending && parent->state != ObjectState::persistent) return;
    (parent ? sets : nulls).push_back({state_ref(*child), parent, &child_cols, &parent_cols});
  };

  for (const auto& sp : link_sources_) {
    InstanceState& s = *sp;
    if (s.state != ObjectState::pending && s.state != ObjectState::persistent) continue;
    if (gone(s)) {
      // A parent being deleted still lets go of the children removed from it first: orphans
      // are deleted, others have their key blanked (else its DELETE fails on their key).
      for (const auto& rp : s.mapper->relationships()) {
        const Relationship& r = *rp;
        if (r.direction() != RelationshipDirection::one_to_many || !r.collection()) continue;
        LinkBase& link = r.link(s);
        for (InstanceState* y : std::vector<InstanceState*>(LinkAccess::removed(link))) {
          if (r.cascade().delete_orphan && orphan(r, y)) {
            if (y->state == ObjectState::pending) session_.expunge_state(*y);
            else if (y->state == ObjectState::persistent && y->session == &session_) session_.delete_state(*y);
            continue;
          }
          job(y, nullptr, r.target_columns(), r.parent_columns());
        }
      }
      continue;
    }
    const bool fresh = s.state == ObjectState::pending;
    for (const auto& rp : s.mapper->relationships()) {
      const Relationship& r = *rp;
      LinkBase& link = r.link(s);
      if (!LinkAccess::loaded(link) && !r.dynamic()) continue;
      std::vector<InstanceState*> added, removed;
      if (r.collection()) {
        added = fresh && !r.dynamic() ? LinkAccess::items(link) : LinkAccess::added(link);
        removed = LinkAccess::removed(link);
      } else if (fresh || LinkAccess::changed(link)) {
        InstanceState* now = LinkAccess::target(link);
        InstanceState* before = fresh ? nullptr : LinkAccess::committed(link);
        if (now) added.push_back(now);
        if (before && before != now) removed.push_back(before);
        if (r.direction() == RelationshipDirection::many_to_one && !now && !fresh) {
          job(&s, nullptr, r.parent_columns(), r.target_columns());  // post->author = nullptr
          continue;
        }
      }
      switch (r.direction()) {
        case RelationshipDirection::many_to_one:
          if (!added.empty()) job(&s, added.front(), r.parent_columns(), r.target_columns());
          break;
        case RelationshipDirection::one_to_many:
          for (InstanceState* y : removed) {
            if (r.cascade().delete_orphan && orphan(r, y)) {
              if (y->state == ObjectState::pending) session_.expunge_state(*y);
              else if (y->state == ObjectState::persistent && y->session == &session_) session_.delete_state(*y);
              continue;
            }
            job(y, nullptr, r.target_columns(), r.parent_columns());
          }
          for (InstanceState* x : added) job(x, &s, r.target_columns(), r.parent_columns());
          break;
        case RelationshipDirection::many_to_many:
          for (InstanceState* y : removed) secondary_deletes_.push_back({&r, &s, y});
          for (InstanceState* x : added) secondary_inserts_.push_back({&r, &s, x});
          break;
      }
    }
  }

  // Objects being deleted: their secondary rows go; children not deleted with them let go of them.
  for (std::size_t i = 0; i < session_.deleted_.size(); ++i) {  // delete cascades may append
    InstanceState& s = *session_.deleted_[i];
    for (const auto& rp : s.mapper->relationships()) {
      const Relationship& r = *rp;
      if (r.passive_deletes()) continue;
      if (r.direction() == RelationshipDirection::many_to_many) {
        secondary_deletes_.push_back({&r, &s, nullptr});
      } else if (r.direction() == RelationshipDirection::one_to_many && !r.cascade().delete_) {
        LinkBase& link = r.link(s);
        std::vector<InstanceState*> children;
        if (r.collection()) children = LinkAccess::all_items(link);  // a Dynamic's rows by one query
        else if (InstanceState* t = LinkAccess::load_target(link)) children.push_back(t);
        for (InstanceState* c : children) job(c, nullptr, r.target_columns(), r.parent_columns());
      }
    }
  }

  // A persistent child whose key is set here is written by this flush even when an autoflush
  // leaves its mapper's other edits for later (collect() takes forced_order_ as candidates).
  auto sync_now = [&](const SyncJob& j) {
    apply_job(j);
    if (j.child->state == ObjectState::persistent && forced_.try_emplace(j.child.get()).second)
      forced_order_.push_back(j.child.get());
  };
  // Blank-outs first, so a child moved from one parent to another ends with the new one (and a
  // NOT NULL key that gets a new parent is not blanked out at all).
  if (!nulls.empty()) {
    std::set<std::pair<const InstanceState*, std::vector<std::size_t>>> reparented;
    for (const auto& j : sets) reparented.emplace(j.child.get(), *j.child_columns);
    for (const auto& j : nulls)  // a child deleted by a later orphan check needs no key
      if (!gone(*j.child) && !reparented.count({j.child.get(), *j.child_columns})) sync_now(j);
  }
  for (auto& j : sets) {
    if (gone(*j.child)) continue;
    if (j.parent->state == ObjectState::persistent) {
      sync_now(j);
      continue;
    }
    if (j.child->state == ObjectState::persistent) {
      auto [it, fresh] = forced_.try_emplace(j.child.get());
      if (fresh) forced_order_.push_back(j.child.get());
      auto& cols = it->second;
      cols.insert(cols.end(), j.child_columns->begin(), j.child_columns->end());
    }
    deferred_[j.child->mapper].push_back(std::move(j));
  }
}

template <typename Take>
void UnitOfWork::apply_deferred(const Mapper& mapper, Take&& take) {
  auto it = deferred_.find(&mapper);
  if (it == deferred_.end()) return;
  for (const auto& j : it->second)
    if (take(*j.child)) apply_job(j);
}

void UnitOfWork::run_inserts_in_levels(MapperActions& act) {
  const Mapper& m = *act.mapper;
  // Rows whose parent is a pending row of the same class wait for it: inserted level by level.
  std::unordered_set<const InstanceState*> waiting;
  std::unordered_map<const InstanceState*, std::vector<const InstanceState*>> parents_of;  // within `waiting`
  if (auto jobs = deferred_.find(&m); jobs != deferred_.end()) {
    for (const auto& s : act.inserts) waiting.insert(s.get());
    for (const auto& j : jobs->second)
      if (waiting.count(j.parent)) parents_of[j.child.get()].push_back(j.parent);
  }
  if (parents_of.empty()) {
    apply_deferred(m, [](const InstanceState&) { return true; });
    run_inserts(act);
    return;
  }
  std::vector<StatePtr> remaining = act.inserts;
  while (!remaining.empty()) {
    MapperActions level;
    level.mapper = &m;
    std::vector<StatePtr> later;
    for (const auto& s : remaining) {
      auto it = parents_of.find(s.get());
      const bool blocked = it != parents_of.end() && std::any_of(it->second.begin(), it->second.end(),
                                                                 [&](const InstanceState* p) { return waiting.count(p) > 0; });
      (blocked ? later : level.inserts).push_back(s);
    }
    if (level.inserts.empty())
      throw CircularDependencyError("flush: new " + m.class_name() + " objects are each other's parents through a "
                                    "relationship; break the cycle with a separate flush");
    std::unordered_set<const InstanceState*> now;
    for (const auto& s : level.inserts) now.insert(s.get());
    apply_deferred(m, [&](const InstanceState& child) { return now.count(&child) > 0; });
    run_inserts(level);
    for (const auto& s : level.inserts) waiting.erase(s.get());
    remaining = std::move(later);
  }
  // Persistent children re-parented to the rows just inserted (new rows were done level by level).
  std::unordered_set<const InstanceState*> inserted;
  for (const auto& s : act.inserts) inserted.insert(s.get());
  apply_deferred(m, [&](const InstanceState& child) { return inserted.count(&child) == 0; });
}

namespace {

// The secondary row of one (parent, target) pair, as column position -> value.
std::vector<std::pair<std::size_t, Value>> secondary_values(const Relationship& r, const InstanceState& parent,
                                                            const InstanceState* target) {
  std::vector<std::pair<std::size_t, Value>> out;
  const auto& pa = parent.mapper->attributes();
  for (std::size_t i = 0; i < r.secondary_parent().size(); ++i)
    out.emplace_back(r.secondary_parent()[i], pa[r.parent_columns()[i]]->get(parent));
  if (target) {
    const auto& ta = target->mapper->attributes();
    for (std::size_t i = 0; i < r.secondary_target().size(); ++i)
      out.emplace_back(r.secondary_target()[i], ta[r.target_columns()[i]]->get(*target));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

using RowKey = std::pair<const Table*, std::vector<std::pair<std::size_t, Value>>>;

// Rows of both sides of a back-populated many-to-many meet here once.
std::vector<RowKey> distinct_rows(const std::vector<UnitOfWork::SecondaryRow>& rows, bool skip_gone) {
  std::map<const Table*, std::unordered_set<std::vector<Value>, ValuesHash>> seen;
  std::vector<RowKey> out;
  for (const auto& r : rows) {
    if (skip_gone && (gone(*r.parent) || (r.target && gone(*r.target)))) continue;
    RowKey key{r.relationship->secondary(), secondary_values(*r.relationship, *r.parent, r.target)};
    std::vector<Value> values;
    for (const auto& [pos, v] : key.second) {
      values.emplace_back(static_cast<std::int64_t>(pos));
      values.push_back(v);
    }
    if (seen[key.first].insert(std::move(values)).second) out.push_back(std::move(key));
  }
  return out;
}

sql::NodePtr row_condition(const Table& t, const std::vector<std::pair<std::size_t, Value>>& values) {
  sql::NodeList all;
  for (const auto& [pos, v] : values)
    all.push_back(make_compare(sql::BinaryOp::eq, t.column_nodes()[pos], make_literal(v, t.columns()[pos].type())));
  return sql::and_all(std::move(all));
}

}  // namespace

void UnitOfWork::run_secondary_deletes() {
  if (secondary_deletes_.empty()) return;
  auto rows = distinct_rows(secondary_deletes_, false);
  Connection& conn = session_.write_connection();
  for (std::size_t at = 0; at < rows.size();) {
    const Table* t = rows[at].first;
    sql::NodePtr any;
    std::size_t n = 0;
    for (; at < rows.size() && rows[at].first == t && n < kSecondaryBatch; ++at, ++n) {
      sql::NodePtr one = row_condition(*t, rows[at].second);
      any = any ? make_or(any, one) : one;
    }
    conn.execute(delete_(*t).where(Expr<bool>(any)));
  }
}

void UnitOfWork::run_secondary_inserts() {
  if (secondary_inserts_.empty()) return;
  auto rows = distinct_rows(secondary_inserts_, true);
  std::stable_sort(rows.begin(), rows.end(), [](const RowKey& a, const RowKey& b) { return a.first < b.first; });
  Connection& conn = session_.write_connection();
  const bool multirow = conn.dialect().features().supports_multirow_insert;
  for (std::size_t at = 0; at < rows.size();) {
    const Table* t = rows[at].first;
    std::vector<std::vector<ColumnValue>> batch;
    for (std::size_t n = 0; at < rows.size() && rows[at].first == t && n < (multirow ? kSecondaryBatch : 1); ++at, ++n) {
      auto& row = batch.emplace_back();
      for (const auto& [pos, v] : rows[at].second)
        row.push_back({&t->columns()[pos], make_literal(v, t->columns()[pos].type())});
    }
    conn.execute(insert(*t).values(std::move(batch)));  // one node for the batch, not a copy per row
  }
}

}  // namespace crucible::detail
