// SPDX-License-Identifier: MIT
// Internal: access to the insides of relationship members (One / Many / Dynamic) for the
// loaders and the unit of work, and the operations that record changes with back_populates.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "crucible/orm/relationship.hpp"

namespace crucible::detail {

struct LinkAccess {
  static ScalarLink& scalar(LinkBase& l) { return static_cast<ScalarLink&>(l); }
  static CollectionLink& coll(LinkBase& l) { return static_cast<CollectionLink&>(l); }
  static const Relationship* property(const LinkBase& l) { return l.property_; }
  static bool loaded(const LinkBase& l) { return l.loaded_; }

  static InstanceState* target(LinkBase& l) { return scalar(l).target_; }
  static InstanceState* committed(LinkBase& l) { return scalar(l).committed_; }
  static bool changed(LinkBase& l) { return scalar(l).changed_; }
  static const std::vector<InstanceState*>& items(LinkBase& l) { return coll(l).items_; }
  static const std::vector<InstanceState*>& added(LinkBase& l) { return coll(l).added_; }
  static const std::vector<InstanceState*>& removed(LinkBase& l) { return coll(l).removed_; }

  // The value, loaded first when needed.
  static const std::vector<InstanceState*>& load_items(LinkBase& l) { return coll(l).current(); }
  // What a collection holds: a Many's items (loaded first), or a Dynamic's rows (one query, the
  // owner must have a row) without its recorded removals, plus its recorded appends.
  static std::vector<InstanceState*> all_items(LinkBase& l);
  static InstanceState* load_target(LinkBase& l) { return scalar(l).current(); }

  // The strategy a query option left on this member (else the relationship's own).
  static Loading strategy(const LinkBase& l, const Relationship& r) {
    return l.strategy_ ? static_cast<Loading>(l.strategy_ - 1) : r.lazy();
  }
  static void set_strategy(LinkBase& l, Loading loading) { l.strategy_ = static_cast<std::uint8_t>(1 + static_cast<int>(loading)); }

  // Loaded values: no history, no back-population.
  static void populate_scalar(LinkBase& l, InstanceState* target);
  static void populate_collection(LinkBase& l, std::vector<InstanceState*> items);
  // Rows for a collection being loaded; what changes queued while it was unloaded took out (or
  // put in already) is skipped.
  static void populate_append(LinkBase& l, InstanceState* item) {
    CollectionLink& c = coll(l);
    if ((!c.added_.empty() || !c.removed_.empty()) && queued_out(c, item)) [[unlikely]]
      return;
    join_graphs(l, item);
    c.items_.push_back(item);
  }
  static void populate_extend(LinkBase& l, std::span<InstanceState* const> items) {
    CollectionLink& c = coll(l);
    if (!c.added_.empty() || !c.removed_.empty()) [[unlikely]] {
      for (InstanceState* item : items) populate_append(l, item);
      return;
    }
    for (InstanceState* item : items) join_graphs(l, item);
    c.items_.insert(c.items_.end(), items.begin(), items.end());
  }
  static bool queued_out(const CollectionLink& c, const InstanceState* item);
  // Changes recorded since the last flush (or, detached, since the session let go of it).
  static bool has_history(LinkBase& l);
  // As the application's assignment / append / collection assignment (merge cascade).
  static void assign_scalar(LinkBase& l, InstanceState* t) { scalar(l).assign(t); }
  static void append_item(LinkBase& l, InstanceState* t) { coll(l).append(t); }
  static void assign_items(LinkBase& l, const std::vector<InstanceState*>& items) { coll(l).assign(items); }
  static void reset(LinkBase& l, bool loaded);
  static void flushed(LinkBase& l);

  static void bind(LinkBase& l, InstanceState& owner, const Relationship& r, bool loaded);
  static void hold(LinkBase& l, InstanceState& item);
  static void note_change(LinkBase& l);
  static void join_graphs(LinkBase& l, InstanceState* target);
  static void cascade_save(LinkBase& l, InstanceState* target);
  static InstanceState* known_old(ScalarLink& l);
  static void set_scalar(ScalarLink& l, InstanceState* t, const Relationship* initiator, InstanceState* initiator_owner);
  static void append(CollectionLink& l, InstanceState* x, const Relationship* initiator, InstanceState* initiator_owner);
  static bool remove(CollectionLink& l, InstanceState* x, const Relationship* initiator, InstanceState* initiator_owner);
  static void reverse_attach(const Relationship& rev, InstanceState& x, InstanceState* owner, const Relationship* from);
  static void reverse_detach(const Relationship& rev, InstanceState& x, InstanceState* owner, const Relationship* from);
};

std::vector<std::size_t> key_positions(const Table& table);
void reset_links(InstanceState& state, bool loaded);
void links_flushed(InstanceState& state);
// Loads one relationship of one object by its strategy (the lazy loader; loading.cpp).
void load_relationship(InstanceState& owner, const Relationship& r);
void mappers_changed();

}  // namespace crucible::detail
