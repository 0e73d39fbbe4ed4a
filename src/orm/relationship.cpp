// SPDX-License-Identifier: MIT
// Relationships: configuration (target, direction, join columns, the other side), binding of
// link members to their objects, and the recorded changes of One / Many / Dynamic with
// back_populates and save-update cascade as they happen.
#include "crucible/orm/relationship.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <string>

#include "crucible/orm/query.hpp"
#include "crucible/orm/session.hpp"
#include "orm/links.hpp"

namespace crucible {

std::string_view to_string(Loading loading) {
  switch (loading) {
    case Loading::select: return "select";
    case Loading::joined: return "joined";
    case Loading::selectin: return "selectin";
    case Loading::subquery: return "subquery";
    case Loading::raise: return "raise";
    case Loading::noload: return "noload";
  }
  return "?";
}

Cascade Cascade::parse(std::string_view spec) {
  Cascade c;
  c.save_update = c.merge = false;
  std::size_t at = 0;
  while (at <= spec.size()) {
    std::size_t end = spec.find(',', at);
    if (end == std::string_view::npos) end = spec.size();
    std::string_view word = spec.substr(at, end - at);
    while (!word.empty() && word.front() == ' ') word.remove_prefix(1);
    while (!word.empty() && word.back() == ' ') word.remove_suffix(1);
    if (word == "all") {
      c.save_update = c.merge = c.expunge = c.delete_ = c.refresh_expire = true;
    } else if (word == "save-update") {
      c.save_update = true;
    } else if (word == "merge") {
      c.merge = true;
    } else if (word == "expunge") {
      c.expunge = true;
    } else if (word == "delete") {
      c.delete_ = true;
    } else if (word == "delete-orphan") {
      c.delete_orphan = true;
    } else if (word == "refresh-expire") {
      c.refresh_expire = true;
    } else if (word == "none" || word.empty()) {
    } else {
      throw ArgumentError("cascade: unknown option '" + std::string(word) +
                          "' (use all, save-update, merge, expunge, delete, delete-orphan, refresh-expire, none)");
    }
    at = end + 1;
  }
  return c;
}

std::string Relationship::name() const { return (parent_ ? parent_->class_name() : std::string("?")) + "." + key(); }

// ---- configuration --------------------------------------------------------------------------------

namespace {

std::size_t position_of(const Table& table, std::string_view column, const std::string& context) {
  const auto& cols = table.columns();
  for (std::size_t i = 0; i < cols.size(); ++i)
    if (cols[i].name() == column) return i;
  throw ArgumentError(context + ": table '" + table.name() + "' has no column '" + std::string(column) + "'");
}

std::vector<std::size_t> positions(const Table& table, const std::vector<std::string>& names, const std::string& context) {
  std::vector<std::size_t> out;
  for (const auto& n : names) out.push_back(position_of(table, n, context));
  return out;
}

const Table* fk_target(const Table& from, const ForeignKey& fk) {
  return from.metadata() ? from.metadata()->find_table(fk.target_table) : nullptr;
}

// Foreign keys of `from` that refer to `to`, restricted to those whose columns are `only` (when given).
std::vector<const ForeignKey*> keys_between(const Table& from, const Table& to, const std::vector<std::string>& only) {
  std::vector<const ForeignKey*> out;
  for (const auto& fk : from.foreign_keys()) {
    if (fk_target(from, fk) != &to) continue;
    if (!only.empty() && fk.columns != only) continue;
    out.push_back(&fk);
  }
  return out;
}

bool has_columns(const Table& t, const std::vector<std::string>& names) {
  for (const auto& n : names) {
    bool found = false;
    for (const auto& c : t.columns()) found = found || c.name() == n;
    if (!found) return false;
  }
  return !names.empty();
}

}  // namespace
namespace detail {
std::vector<std::size_t> key_positions(const Table& t) {
  std::vector<std::size_t> out;
  for (const Column* c : t.primary_key()) out.push_back(static_cast<std::size_t>(c - t.columns().data()));
  return out;
}
}  // namespace detail
namespace {
using detail::key_positions;

std::mutex& configure_mutex() {
  static std::mutex m;
  return m;
}
std::atomic<bool> g_configured{false};

}  // namespace

struct RelationshipConfigurator {
  static void configure(Relationship& r, const Mapper& parent) {
    resolve(r, parent);
    r.targets_key_ = r.target_columns_ == key_positions(r.target_->table());
    // Options that would be parsed and then do nothing are refused here, at start-up.
    const std::string ctx = "relationship " + parent.class_name() + "." + r.key();
    if (r.cascade_.delete_orphan && r.direction_ != RelationshipDirection::one_to_many)
      throw ArgumentError(ctx + ": delete-orphan applies to one-to-many and one-to-one relationships (the key on the "
                          "related table); an object reached by many-to-one or many-to-many may have other parents");
    if (r.dynamic_ && (r.lazy_ == Loading::joined || r.lazy_ == Loading::selectin || r.lazy_ == Loading::subquery))
      throw ArgumentError(ctx + ": a Dynamic relationship gives queries and cannot load eagerly (lazy(" +
                          std::string(to_string(r.lazy_)) + "))");
  }

  static void resolve(Relationship& r, const Mapper& parent) {
    const std::string ctx = "relationship " + parent.class_name() + "." + r.key();
    r.parent_ = &parent;
    r.target_ = &r.resolve_target();
    const auto& o = r.options_;
    r.cascade_ = o.cascade;
    r.passive_deletes_ = o.passive_deletes;
    r.lazy_ = o.lazy;
    r.order_by_ = o.order_by;
    const Table& P = parent.table();
    const Table& U = r.target_->table();

    if (o.secondary) {
      if (!r.collection_)
        throw ArgumentError(ctx + ": a many-to-many relationship (secondary) needs a Many<T> or Dynamic<T> member");
      r.direction_ = RelationshipDirection::many_to_many;
      r.secondary_ = o.secondary;
      const Table& S = *o.secondary;
      auto side = [&](const std::vector<std::string>& given, const Table& end, std::vector<std::size_t>& sec_cols,
                      std::vector<std::size_t>& end_cols, const char* which) {
        std::vector<const ForeignKey*> fks = keys_between(S, end, given);
        if (given.empty() && fks.size() != 1)
          throw ArgumentError(ctx + ": cannot tell which foreign key of '" + S.name() + "' refers to the " + which +
                              " table '" + end.name() + "' (" + std::to_string(fks.size()) +
                              " candidates); give the columns: .secondary(table, \"parent_col\", \"target_col\")");
        if (!given.empty() && fks.empty()) {
          // A column of the secondary, without a declared foreign key: it refers to the key.
          sec_cols = positions(S, given, ctx);
          end_cols = key_positions(end);
        } else {
          sec_cols = positions(S, fks[0]->columns, ctx);
          end_cols = positions(end, fks[0]->target_columns, ctx);
        }
        if (sec_cols.size() != end_cols.size())
          throw ArgumentError(ctx + ": the columns of '" + S.name() + "' do not match the key of '" + end.name() + "'");
      };
      side(o.secondary_parent, P, r.secondary_parent_, r.parent_columns_, "parent");
      side(o.secondary_target, U, r.secondary_target_, r.target_columns_, "target");
      return;
    }

    auto pick = [&](std::vector<const ForeignKey*> fks, const Table& from, const Table& to) -> const ForeignKey* {
      if (fks.size() == 1) return fks[0];
      if (fks.empty()) return nullptr;
      throw ArgumentError(ctx + ": table '" + from.name() + "' has " + std::to_string(fks.size()) +
                          " foreign keys to '" + to.name() + "'; name the one to use with .foreign_key(\"column\")");
    };
    const auto& given = o.foreign_key;
    const bool self = &P == &U;
    // Which side holds the foreign key: the member type decides for collections and self-
    // references, the foreign keys (or the named columns) otherwise.
    bool key_on_parent;
    if (r.collection_) {
      key_on_parent = false;
    } else if (!given.empty()) {
      key_on_parent = has_columns(P, given) && (!has_columns(U, given) || self || !keys_between(P, U, given).empty());
    } else {
      key_on_parent = self || !keys_between(P, U, {}).empty();
    }
    const Table& holder = key_on_parent ? P : U;
    const Table& referred = key_on_parent ? U : P;
    const ForeignKey* fk = pick(keys_between(holder, referred, given), holder, referred);
    std::vector<std::size_t> fk_cols, key_cols;
    if (fk) {
      fk_cols = positions(holder, fk->columns, ctx);
      key_cols = positions(referred, fk->target_columns, ctx);
    } else if (!given.empty() && has_columns(holder, given)) {
      fk_cols = positions(holder, given, ctx);
      key_cols = key_positions(referred);
    } else {
      throw ArgumentError(ctx + ": no foreign key joins '" + P.name() + "' and '" + U.name() +
                          "'; declare one (.references(\"table.column\")) or name it with .foreign_key(\"column\")");
    }
    if (fk_cols.size() != key_cols.size())
      throw ArgumentError(ctx + ": the foreign key columns do not match the referred key");
    if (key_on_parent) {
      r.direction_ = RelationshipDirection::many_to_one;
      r.parent_columns_ = fk_cols;
      r.target_columns_ = key_cols;
    } else {
      r.direction_ = RelationshipDirection::one_to_many;
      r.parent_columns_ = key_cols;
      r.target_columns_ = fk_cols;
    }
  }

  // The options that make `back` (declared by backref) the mirror image of `r`.
  static void mirror_options(const Relationship& r, Relationship& back) {
    auto& b = back.options_;
    b.back_populates = r.key();
    const Table& P = r.parent_->table();
    const Table& U = r.target_->table();
    if (r.secondary_) {
      b.secondary = r.secondary_;
      for (std::size_t i : r.secondary_target_) b.secondary_parent.push_back(r.secondary_->columns()[i].name());
      for (std::size_t i : r.secondary_parent_) b.secondary_target.push_back(r.secondary_->columns()[i].name());
    } else if (r.direction_ == RelationshipDirection::many_to_one) {
      for (std::size_t i : r.parent_columns_) b.foreign_key.push_back(P.columns()[i].name());
    } else {
      for (std::size_t i : r.target_columns_) b.foreign_key.push_back(U.columns()[i].name());
    }
  }

  static void link_reverse(Relationship& r) {
    const auto& name = r.options_.back_populates;
    if (name.empty()) return;
    Relationship* other = nullptr;
    for (const auto& p : r.target_->relationships())
      if (p->key() == name) other = p.get();
    if (!other)
      throw ArgumentError("relationship " + r.name() + ": back_populates(\"" + name + "\") names no relationship of " +
                          r.target_->class_name());
    if (&other->target() != r.parent_)
      throw ArgumentError("relationship " + r.name() + ": back_populates(\"" + name + "\") refers to " + other->name() +
                          ", which does not lead back to " + r.parent_->class_name());
    r.reverse_ = other;
    other->reverse_ = &r;
  }
};

namespace detail {

void ensure_configured() {
  if (g_configured.load(std::memory_order_acquire)) return;
  std::lock_guard lock(configure_mutex());
  if (g_configured.load(std::memory_order_relaxed)) return;
  Registry& registry = default_registry();
  // Resolving targets may register more mappers: repeat until every mapper is configured.
  std::vector<Mapper*> done;
  for (;;) {
    std::vector<Mapper*> todo;
    for (const Mapper* m : registry.mappers())
      if (!m->relationships_configured()) todo.push_back(const_cast<Mapper*>(m));
    if (todo.empty()) break;
    for (Mapper* m : todo) {
      for (auto& r : m->relationships_) RelationshipConfigurator::configure(*r, *m);
      m->configured_ = true;
      done.push_back(m);
    }
    // Backrefs join their target mapper, configured as mirror images.
    for (Mapper* m : todo) {
      for (std::size_t i = 0; i < m->relationships_.size(); ++i) {
        Relationship& r = *m->relationships_[i];
        auto it = m->backrefs_.find(r.key());
        if (it == m->backrefs_.end()) continue;
        std::unique_ptr<Relationship> back = std::move(it->second);
        m->backrefs_.erase(it);
        auto& target = const_cast<Mapper&>(r.target());
        for (const auto& existing : target.relationships_)
          if (existing->key() == back->key())
            throw ArgumentError("relationship " + r.name() + ": backref \"" + back->key() + "\" clashes with " +
                                existing->name());
        RelationshipConfigurator::mirror_options(r, *back);
        RelationshipConfigurator::configure(*back, target);
        target.relationships_.push_back(std::move(back));
      }
    }
  }
  for (Mapper* m : done)
    for (auto& r : m->relationships_) RelationshipConfigurator::link_reverse(*r);
  g_configured.store(true, std::memory_order_release);
}

void mappers_changed() { g_configured.store(false, std::memory_order_release); }

const Relationship& find_relationship(const Mapper& mapper, const std::function<bool(const Relationship&)>& match) {
  ensure_configured();
  for (const auto& r : mapper.relationships())
    if (match(*r)) return *r;
  throw ArgumentError("this member of " + mapper.class_name() + " is not a mapped relationship");
}

// ---- link operations -----------------------------------------------------------------------------

void LinkAccess::bind(LinkBase& l, InstanceState& owner, const Relationship& r, bool loaded) {
  l.owner_ = &owner;
  l.property_ = &r;
  l.keep_.reset();
  l.loaded_ = loaded;
  l.strategy_ = 0;
}

void LinkAccess::note_change(LinkBase& l) {
  InstanceState* o = l.owner_;
  if (!o || o->links_changed || !o->session) return;
  o->links_changed = true;
  o->session->note_links_changed(*o);
}

void LinkAccess::join_graphs(LinkBase& l, InstanceState* target) {
  if (target && l.owner_ && target->graph != l.owner_->graph) ObjectGraph::merge(l.owner_->graph, target->graph);
}

void LinkAccess::cascade_save(LinkBase& l, InstanceState* target) {
  if (!target || !l.owner_ || !l.owner_->session || !l.property_->cascade().save_update) return;
  if (target->state == ObjectState::transient) l.owner_->session->cascade_add(*target);
}

InstanceState* LinkAccess::known_old(ScalarLink& l) {
  if (l.loaded_ || !l.owner_) return l.target_;
  const Relationship& r = *l.property_;
  if (r.direction() != RelationshipDirection::many_to_one || !l.owner_->session) return nullptr;
  std::vector<Value> key;
  for (std::size_t c : r.parent_columns()) {
    key.push_back(l.owner_->mapper->attributes()[c]->get(*l.owner_));
    if (key.back().is_null()) return nullptr;
  }
  if (!r.targets_key()) return nullptr;
  return l.owner_->session->identity_map().find(r.target(), key).get();
}

void LinkAccess::set_scalar(ScalarLink& l, InstanceState* t, const Relationship* initiator, InstanceState* initiator_owner) {
  if (!l.owner_) {
    l.target_ = t;
    return;
  }
  const Relationship& r = *l.property_;
  InstanceState* old = known_old(l);
  if (!l.loaded_) {
    l.committed_ = old;
    l.target_ = old;
    l.loaded_ = true;
  }
  if (l.target_ == t) return;
  join_graphs(l, t);
  l.target_ = t;
  l.changed_ = true;
  note_change(l);
  if (const Relationship* rev = r.reverse()) {
    const bool from_rev = initiator == rev;
    if (old && old != t && !(from_rev && initiator_owner == old)) reverse_detach(*rev, *old, l.owner_, &r);
    if (t && !(from_rev && initiator_owner == t)) reverse_attach(*rev, *t, l.owner_, &r);
  }
  cascade_save(l, t);
}

void LinkAccess::append(CollectionLink& l, InstanceState* x, const Relationship* initiator, InstanceState* initiator_owner) {
  if (!l.owner_) {
    if (std::find(l.items_.begin(), l.items_.end(), x) == l.items_.end()) l.items_.push_back(x);
    return;
  }
  const Relationship& r = *l.property_;
  if (!r.dynamic()) {
    const auto& items = l.current();
    if (std::find(items.begin(), items.end(), x) != items.end()) return;
    l.items_.push_back(x);
  } else if (std::find(l.added_.begin(), l.added_.end(), x) != l.added_.end()) {
    return;
  }
  if (auto it = std::find(l.removed_.begin(), l.removed_.end(), x); it != l.removed_.end()) l.removed_.erase(it);
  else l.added_.push_back(x);
  join_graphs(l, x);
  note_change(l);
  if (const Relationship* rev = r.reverse())
    if (!(initiator == rev && initiator_owner == x)) reverse_attach(*rev, *x, l.owner_, &r);
  cascade_save(l, x);
}

bool LinkAccess::remove(CollectionLink& l, InstanceState* x, const Relationship* initiator, InstanceState* initiator_owner) {
  if (!l.owner_) {
    auto it = std::find(l.items_.begin(), l.items_.end(), x);
    if (it == l.items_.end()) return false;
    l.items_.erase(it);
    return true;
  }
  const Relationship& r = *l.property_;
  if (!r.dynamic()) {
    l.current();
    auto it = std::find(l.items_.begin(), l.items_.end(), x);
    if (it == l.items_.end()) return false;
    l.items_.erase(it);
  }
  if (auto it = std::find(l.added_.begin(), l.added_.end(), x); it != l.added_.end()) {
    l.added_.erase(it);
    // A new child appended and removed again has no parent now: the flush must blank its key
    // (or refuse a NOT NULL one), not insert whatever the member holds.
    if (x->state == ObjectState::pending && r.direction() == RelationshipDirection::one_to_many) l.removed_.push_back(x);
  } else {
    l.removed_.push_back(x);
  }
  note_change(l);
  if (const Relationship* rev = r.reverse())
    if (!(initiator == rev && initiator_owner == x)) reverse_detach(*rev, *x, l.owner_, &r);
  // A pending orphan leaves the session at once (SQLAlchemy expunges it): it never had a row.
  if (r.cascade().delete_orphan && r.direction() == RelationshipDirection::one_to_many &&
      x->state == ObjectState::pending && x->session && x->session == l.owner_->session) {
    const Relationship* rev = r.reverse();
    const bool attached = rev && !rev->collection() && rev->link(*x).loaded_ && scalar(rev->link(*x)).target_;
    if (!attached) {
      if (auto it = std::find(l.removed_.begin(), l.removed_.end(), x); it != l.removed_.end()) l.removed_.erase(it);
      x->session->expunge_orphan(*x);
    }
  }
  return true;
}

std::vector<InstanceState*> LinkAccess::all_items(LinkBase& l) {
  CollectionLink& c = coll(l);
  if (!c.property_ || !c.property_->dynamic() || !c.owner_) return c.current();
  std::vector<InstanceState*> out;
  InstanceState& owner = *c.owner_;
  if (owner.session && owner.has_identity) {
    for (const auto& s : load_entities(*owner.session, dynamic_criteria(owner, *c.property_)))
      if (std::find(c.removed_.begin(), c.removed_.end(), s.get()) == c.removed_.end()) out.push_back(s.get());
  }
  for (InstanceState* x : c.added_)
    if (std::find(out.begin(), out.end(), x) == out.end()) out.push_back(x);
  return out;
}

void LinkAccess::reverse_attach(const Relationship& rev, InstanceState& x, InstanceState* owner, const Relationship* from) {
  LinkBase& link = rev.link(x);
  if (!rev.collection()) {
    set_scalar(scalar(link), owner, from, owner);
  } else if (!rev.dynamic() && link.loaded_) {
    append(coll(link), owner, from, owner);
  } else if (!rev.dynamic() && x.session) {
    // Not loaded: queued, and applied when it loads (SQLAlchemy's pending collection changes),
    // so a load before the flush (autoflush off) still shows it. The flush writes the change
    // from the other side; it clears the queue, after which a load reads it from the database.
    CollectionLink& c = coll(link);
    if (auto it = std::find(c.removed_.begin(), c.removed_.end(), owner); it != c.removed_.end()) c.removed_.erase(it);
    else c.added_.push_back(owner);
    note_change(link);
  }
}

void LinkAccess::reverse_detach(const Relationship& rev, InstanceState& x, InstanceState* owner, const Relationship* from) {
  LinkBase& link = rev.link(x);
  if (!rev.collection()) {
    ScalarLink& s = scalar(link);
    if (known_old(s) == owner) set_scalar(s, nullptr, from, owner);
  } else if (!rev.dynamic() && link.loaded_) {
    remove(coll(link), owner, from, owner);
  } else if (!rev.dynamic() && x.session) {  // queued, as in reverse_attach
    CollectionLink& c = coll(link);
    if (auto it = std::find(c.added_.begin(), c.added_.end(), owner); it != c.added_.end()) c.added_.erase(it);
    else c.removed_.push_back(owner);
    note_change(link);
  }
}

bool LinkAccess::queued_out(const CollectionLink& c, const InstanceState* item) {
  return std::find(c.removed_.begin(), c.removed_.end(), item) != c.removed_.end() ||
         std::find(c.added_.begin(), c.added_.end(), item) != c.added_.end();
}

bool LinkAccess::has_history(LinkBase& l) {
  if (l.property_ && l.property_->collection()) return !coll(l).added_.empty() || !coll(l).removed_.empty();
  return scalar(l).changed_;
}

void LinkAccess::populate_scalar(LinkBase& l, InstanceState* t) {
  ScalarLink& s = scalar(l);
  join_graphs(l, t);
  s.target_ = s.committed_ = t;
  s.changed_ = false;
  s.loaded_ = true;
}

void LinkAccess::populate_collection(LinkBase& l, std::vector<InstanceState*> items) {
  CollectionLink& c = coll(l);
  for (InstanceState* x : items) join_graphs(l, x);
  c.items_ = std::move(items);
  c.loaded_ = true;
  if (c.added_.empty() && c.removed_.empty()) return;
  // Changes queued while it was not loaded (reverse_attach / reverse_detach) apply on top of the
  // rows, and stay recorded for the flush (whose other side writes the same rows once).
  std::erase_if(c.items_, [&](InstanceState* x) { return queued_out(c, x); });
  std::vector<InstanceState*> added;
  for (InstanceState* x : c.added_)
    if (std::find(added.begin(), added.end(), x) == added.end()) added.push_back(x);
  c.added_ = added;
  for (InstanceState* x : added) {
    join_graphs(l, x);
    c.items_.push_back(x);
  }
}

void LinkAccess::reset(LinkBase& l, bool loaded) {
  l.loaded_ = loaded;
  l.strategy_ = 0;
  if (l.property_ && l.property_->collection()) {
    CollectionLink& c = coll(l);
    c.items_.clear();
    c.added_.clear();
    c.removed_.clear();
  } else {
    ScalarLink& s = scalar(l);
    s.target_ = s.committed_ = nullptr;
    s.changed_ = false;
  }
}

void LinkAccess::flushed(LinkBase& l) {
  if (l.property_ && l.property_->collection()) {
    CollectionLink& c = coll(l);
    c.added_.clear();
    c.removed_.clear();
  } else {
    ScalarLink& s = scalar(l);
    s.committed_ = s.target_;
    s.changed_ = false;
  }
}

void LinkAccess::hold(LinkBase& l, InstanceState& item) {
  if (l.owner_) return;
  if (!l.keep_) l.keep_ = item.graph->shared_from_this();
  else if (l.keep_->root() != item.graph) ObjectGraph::merge(l.keep_.get(), item.graph);
}

void bind_links(InstanceState& state, bool loaded) {
  for (const auto& r : state.mapper->relationships()) LinkAccess::bind(r->link(state), state, *r, loaded);
}

void reset_links(InstanceState& state, bool loaded) {
  for (const auto& r : state.mapper->relationships()) LinkAccess::reset(r->link(state), loaded);
  state.links_changed = false;
}

void links_flushed(InstanceState& state) {
  for (const auto& r : state.mapper->relationships()) LinkAccess::flushed(r->link(state));
  state.links_changed = false;
}

// ---- the member types' non-template halves ---------------------------------------------------------

LinkBase::LinkBase(const LinkBase& other)
    : keep_(other.owner_ ? other.owner_->graph->shared_from_this() : other.keep_), loaded_(other.loaded_) {}

void hold_target(LinkBase& link, const std::shared_ptr<InstanceState>& target) { LinkAccess::hold(link, *target); }

void throw_empty_scalar(const LinkBase& link) {
  const std::string what = LinkAccess::property(link) ? LinkAccess::property(link)->name() : std::string("this relationship");
  throw InvalidRequestError(what + " holds no object (test it before dereferencing: if (obj->rel) ...)");
}

InstanceState* ScalarLink::current() const {
  if (!loaded_ && owner_) load_relationship(*owner_, *property_);
  return target_;
}

void ScalarLink::assign(InstanceState* target) { LinkAccess::set_scalar(*this, target, nullptr, nullptr); }

void ScalarLink::assign_from(const ScalarLink& other) {
  if (!other.loaded_) return;  // an unloaded copy says nothing about the value
  if (!owner_) {
    target_ = other.target_;
    keep_ = other.owner_ ? other.owner_->graph->shared_from_this() : other.keep_;
    loaded_ = true;
    return;
  }
  LinkAccess::set_scalar(*this, other.target_, nullptr, nullptr);
}

const std::vector<InstanceState*>& CollectionLink::current() const {
  if (!loaded_ && owner_ && !property_->dynamic()) load_relationship(*owner_, *property_);
  return items_;
}

void CollectionLink::append(InstanceState* item) { LinkAccess::append(*this, item, nullptr, nullptr); }

bool CollectionLink::remove(InstanceState* item) { return LinkAccess::remove(*this, item, nullptr, nullptr); }

void CollectionLink::clear() {
  if (owner_ && property_->dynamic()) {
    added_.clear();
    return;
  }
  const std::vector<InstanceState*> items = current();
  for (auto it = items.rbegin(); it != items.rend(); ++it) remove(*it);
}

void CollectionLink::assign(const std::vector<InstanceState*>& items) {
  if (!owner_) {
    items_.clear();
    for (InstanceState* x : items)
      if (std::find(items_.begin(), items_.end(), x) == items_.end()) items_.push_back(x);
    return;
  }
  const std::vector<InstanceState*> old = current();
  for (InstanceState* x : old)
    if (std::find(items.begin(), items.end(), x) == items.end()) remove(x);
  for (InstanceState* x : items) append(x);
  if (!property_->dynamic()) {  // keep the order given
    std::vector<InstanceState*> ordered;
    for (InstanceState* x : items)
      if (std::find(ordered.begin(), ordered.end(), x) == ordered.end()) ordered.push_back(x);
    items_ = std::move(ordered);
  }
}

void CollectionLink::assign_from(const CollectionLink& other) {
  if (!other.loaded_) return;
  if (!owner_) {
    items_ = other.items_;
    added_ = other.added_;
    keep_ = other.owner_ ? other.owner_->graph->shared_from_this() : other.keep_;
    loaded_ = true;
    return;
  }
  // A Dynamic member copied from a temporary carries its appends.
  assign(property_->dynamic() ? (other.owner_ ? other.added_ : other.items_) : other.items_);
}

void CollectionLink::hold(const std::shared_ptr<InstanceState>& item) { LinkAccess::hold(*this, *item); }

void CollectionLink::throw_out_of_range(std::size_t index) const {
  const std::string what = property_ ? property_->name() : std::string("collection");
  throw ArgumentError(what + ": index " + std::to_string(index) + " is out of range (size " +
                      std::to_string(items_.size()) + ")");
}

InstanceState* CollectionLink::owner_for_query() const {
  if (!owner_) throw InvalidRequestError("a Dynamic relationship outside a mapped object has no query");
  if (!owner_->session)
    throw DetachedInstanceError("Parent instance of " + property_->name() +
                                " is not bound to a Session; its dynamic relationship cannot run a query");
  if (owner_->state == ObjectState::pending) owner_->session->flush();
  return owner_;
}

}  // namespace detail
}  // namespace crucible
