// SPDX-License-Identifier: MIT
//
// Relationships between mapped classes: the member types that hold related objects and the
// relationship() item of a mapping (SQLAlchemy's relationship()).
//
//   struct User {
//     std::int64_t id = 0;
//     std::string username{};
//     crucible::Many<Post> posts{};              // one-to-many (a loaded collection)
//     crucible::One<UserProfile> profile{};      // one-to-one (the key is on user_profiles)
//     crucible::Dynamic<User> following{};       // many-to-many, as a query (lazy="dynamic")
//     crucible::Dynamic<User> followers{};
//   };
//   struct Post {
//     std::int64_t id = 0;
//     std::int64_t user_id = 0;
//     crucible::One<User> author{};              // many-to-one over posts.user_id
//     crucible::Many<Tag> tags{};                // many-to-many through post_tags
//   };
//   CRUCIBLE_MAPPING(User, "users", ...,
//     relationship("posts", &User::posts).back_populates("author").cascade("all, delete-orphan"),
//     relationship("profile", &User::profile).backref("user", &UserProfile::user),
//     relationship("following", &User::following)
//         .secondary(user_follows, "follower_id", "followed_id").back_populates("followers"),
//     relationship("followers", &User::followers)
//         .secondary(user_follows, "followed_id", "follower_id").back_populates("following"));
//
// What a relationship joins over is inferred from the foreign keys between the two tables (and
// the secondary table); .foreign_key("col") picks one when several exist. The member type says
// what it holds: One<T> a scalar (many-to-one, or one-to-one when the key is on T's table),
// Many<T> a collection, Dynamic<T> a collection that is never loaded whole: it gives queries.
//
// One<T>, Many<T> and Dynamic<T> are the only members whose assignment Crucible sees, so their
// changes are recorded as they happen: back_populates keeps the other side in step at once
// (post->author = user puts the post in user->posts when that is loaded), save-update cascade
// adds new related objects to the session, and the flush turns the recorded changes into
// foreign-key values, rows of the secondary table, and orphan deletes.
//
// Loading: a relationship loads on first access (lazy "select") unless its default or a query
// option says otherwise: Loading::joined (LEFT OUTER JOIN in the same statement), selectin (one
// IN query per relationship and 500 parents), subquery, raise (access throws: catches N+1),
// noload. Accessing an unloaded relationship of a detached object throws DetachedInstanceError;
// what was loaded stays readable after the session closes.
//
// Ownership: related objects are non-owning pointers inside one object graph (state.hpp), so
// cycles cannot leak. Iterating a Many<T> yields T&; ptr(i) / handles() give std::shared_ptr<T>.
//
// Thread-safety: as the objects (their session's thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "crucible/orm/attribute.hpp"
#include "crucible/orm/mapper.hpp"
#include "crucible/orm/state.hpp"
#include "crucible/sql/schema.hpp"

namespace crucible {

class Mapper;
class Relationship;
template <typename T>
class Query;

// How a relationship loads (SQLAlchemy's lazy= values).
enum class Loading {
  select,    // on first access, one SELECT (many-to-one: none when the identity map has it)
  joined,    // LEFT OUTER JOIN in the parent's statement
  selectin,  // after the parents: SELECT ... WHERE key IN (500 parents at a time)
  subquery,  // after the parents: SELECT ... JOIN (the parent query as a subquery)
  raise,     // access raises RaiseLoadError: proves a code path loads what it needs up front
  noload,    // never loaded: stays empty unless the application fills it
};
std::string_view to_string(Loading loading);

enum class RelationshipDirection { many_to_one, one_to_many, many_to_many };

// What operations on a parent reach the objects of one of its relationships.
struct Cascade {
  bool save_update = true;  // adding the parent adds them; new ones appended later are added
  bool merge = true;            // merge() of the parent merges them (loaded / held ones)
  bool expunge = false;         // expunge() of the parent expunges the loaded ones
  bool delete_ = false;         // deleting the parent deletes them
  bool delete_orphan = false;   // removed from the parent: deleted (pending ones expunged at once)
  bool refresh_expire = false;  // expire() / refresh() of the parent expire / refresh the loaded ones
  // "save-update, merge" (the default), "all" (all but delete-orphan), "all, delete-orphan",
  // "delete", "none"... ArgumentError for an unknown word.
  static Cascade parse(std::string_view spec);
};

// An unloaded relationship was accessed with the raise strategy.
class RaiseLoadError : public InvalidRequestError {
 public:
  using InvalidRequestError::InvalidRequestError;
};

namespace detail {

// The non-template part of One<T>, Many<T> and Dynamic<T>: which object and relationship a
// member belongs to once it lives in an object, whether its value reflects the database, and
// (while it lives outside any object, e.g. in a temporary T{...}) a reference that keeps its
// targets alive.
class LinkBase {
 public:
  // Loaded from the database, or set by the application (new objects' links are loaded).
  bool loaded() const { return loaded_; }

 protected:
  LinkBase() = default;
  LinkBase(const LinkBase& other);
  LinkBase& operator=(const LinkBase&) = delete;
  ~LinkBase() = default;

  InstanceState* owner_ = nullptr;
  const Relationship* property_ = nullptr;
  std::shared_ptr<ObjectGraph> keep_;
  bool loaded_ = true;
  std::uint8_t strategy_ = 0;  // 0: the relationship's own; else 1 + Loading (a query option)

  friend struct LinkAccess;
};

class ScalarLink : public LinkBase {
 protected:
  ScalarLink() = default;
  ScalarLink(const ScalarLink& other) : LinkBase(other), target_(other.target_) {}
  ScalarLink& operator=(const ScalarLink&) = delete;
  ~ScalarLink() = default;
  InstanceState* current() const;  // loads first
  void assign(InstanceState* target);
  void assign_from(const ScalarLink& other);

  InstanceState* target_ = nullptr;
  InstanceState* committed_ = nullptr;  // value at load / last flush
  bool changed_ = false;

  friend struct LinkAccess;
};

class CollectionLink : public LinkBase {
 protected:
  CollectionLink() = default;
  CollectionLink(const CollectionLink& other) : LinkBase(other), items_(other.items_) {}
  CollectionLink& operator=(const CollectionLink&) = delete;
  ~CollectionLink() = default;
  const std::vector<InstanceState*>& current() const;  // loads first
  void append(InstanceState* item);
  bool remove(InstanceState* item);
  void clear();
  void assign(const std::vector<InstanceState*>& items);
  void assign_from(const CollectionLink& other);
  // Keeps `item`'s graph alive while this link is not bound to an object.
  void hold(const std::shared_ptr<InstanceState>& item);
  [[noreturn]] void throw_out_of_range(std::size_t index) const;
  InstanceState* owner_for_query() const;  // the owner, attached to a session (else throws)

  std::vector<InstanceState*> items_;
  std::vector<InstanceState*> added_;    // since the last flush
  std::vector<InstanceState*> removed_;  // since the last flush

  friend struct LinkAccess;
};

[[noreturn]] void throw_empty_scalar(const LinkBase& link);
void hold_target(LinkBase& link, const std::shared_ptr<InstanceState>& target);

template <typename T>
T* object_of(InstanceState* s) {
  return s ? &static_cast<TypedState<T>*>(s)->object : nullptr;
}
// For states known to exist (collection items): no null branch for the optimiser to warn about.
template <typename T>
T& object_ref(InstanceState* s) {
  return static_cast<TypedState<T>*>(s)->object;
}
template <typename T>
InstanceState* state_of_handle(const std::shared_ptr<T>& object) {
  if (!object) return nullptr;
  InstanceState* s = find_state(object);
  if (!s) throw_not_instrumented("an object put into a relationship");
  return s;
}

}  // namespace detail

// A related object (many-to-one, one-to-one): reads like a pointer, assigns from a handle.
//   post->author = alice;  post->author->username;  if (post->author) ...;  post->author = nullptr;
template <typename T>
class One : public detail::ScalarLink {
 public:
  One() = default;
  One(std::nullptr_t) {}  // NOLINT: implicit, as a pointer
  One(const std::shared_ptr<T>& target) { set(target); }  // NOLINT: Post{.author = alice}
  One(const One& other) = default;
  One& operator=(const One& other) {
    assign_from(other);
    return *this;
  }
  One& operator=(const std::shared_ptr<T>& target) {
    set(target);
    return *this;
  }
  One& operator=(std::nullptr_t) {
    assign(nullptr);
    return *this;
  }

  // The related object (loading it on first access), or nullptr.
  std::shared_ptr<T> get() const {
    detail::InstanceState* s = current();
    return s ? detail::handle<T>(*s) : nullptr;
  }
  T* operator->() const { return &**this; }
  // InvalidRequestError when there is no related object.
  T& operator*() const {
    T* p = detail::object_of<T>(current());
    if (!p) detail::throw_empty_scalar(*this);
    return *p;
  }
  explicit operator bool() const { return current() != nullptr; }
  friend bool operator==(const One& a, std::nullptr_t) { return a.current() == nullptr; }
  friend bool operator==(const One& a, const std::shared_ptr<T>& b) {
    return a.current() == (b ? detail::find_state(b) : nullptr);
  }

 private:
  void set(const std::shared_ptr<T>& target) {
    detail::InstanceState* s = detail::state_of_handle(target);
    if (s && !owner_) detail::hold_target(*this, std::shared_ptr<detail::InstanceState>(target, s));
    assign(s);
  }
};

// A related collection (one-to-many, many-to-many), loaded whole on first access.
//   for (Post& p : user->posts) ...;   user->posts.push_back(post);   user->posts.remove(post);
template <typename T>
class Many : public detail::CollectionLink {
 public:
  class iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = T*;
    using reference = T&;
    iterator() = default;
    explicit iterator(detail::InstanceState* const* p) : p_(p) {}
    T& operator*() const { return detail::object_ref<T>(*p_); }
    T* operator->() const { return &detail::object_ref<T>(*p_); }
    T& operator[](difference_type n) const { return detail::object_ref<T>(p_[n]); }
    iterator& operator++() { ++p_; return *this; }
    iterator operator++(int) { auto t = *this; ++p_; return t; }
    iterator& operator--() { --p_; return *this; }
    iterator operator--(int) { auto t = *this; --p_; return t; }
    iterator& operator+=(difference_type n) { p_ += n; return *this; }
    iterator& operator-=(difference_type n) { p_ -= n; return *this; }
    friend iterator operator+(iterator i, difference_type n) { return i += n; }
    friend iterator operator+(difference_type n, iterator i) { return i += n; }
    friend iterator operator-(iterator i, difference_type n) { return i -= n; }
    friend difference_type operator-(iterator a, iterator b) { return a.p_ - b.p_; }
    friend auto operator<=>(iterator a, iterator b) = default;
    // The handle of the current object.
    std::shared_ptr<T> ptr() const { return detail::handle<T>(**p_); }

   private:
    detail::InstanceState* const* p_ = nullptr;
  };
  using value_type = T;
  using const_iterator = iterator;

  Many() = default;
  Many(std::initializer_list<std::shared_ptr<T>> items) {  // Post{.tags = {a, b}}
    for (const auto& i : items) push_back(i);
  }
  Many(const std::vector<std::shared_ptr<T>>& items) {  // NOLINT: implicit, as a container
    for (const auto& i : items) push_back(i);
  }
  Many(const Many& other) = default;
  Many& operator=(const Many& other) {
    assign_from(other);
    return *this;
  }
  Many& operator=(const std::vector<std::shared_ptr<T>>& items) {
    std::vector<detail::InstanceState*> states;
    for (const auto& i : items) {
      states.push_back(detail::state_of_handle(i));
      if (!owner_) hold(std::shared_ptr<detail::InstanceState>(i, states.back()));
    }
    assign(states);
    return *this;
  }

  iterator begin() const { return iterator(current().data()); }
  iterator end() const { return iterator(current().data() + current().size()); }
  std::size_t size() const { return current().size(); }
  bool empty() const { return current().empty(); }
  T& operator[](std::size_t i) const { return detail::object_ref<T>(current()[i]); }
  T& at(std::size_t i) const {
    if (i >= size()) throw_out_of_range(i);
    return (*this)[i];
  }
  T& front() const { return at(0); }
  T& back() const { return at(size() - 1); }
  std::shared_ptr<T> ptr(std::size_t i) const {
    if (i >= size()) throw_out_of_range(i);
    return detail::handle<T>(*current()[i]);
  }
  std::vector<std::shared_ptr<T>> handles() const {
    std::vector<std::shared_ptr<T>> out;
    out.reserve(size());
    for (detail::InstanceState* s : current()) out.push_back(detail::handle<T>(*s));
    return out;
  }
  bool contains(const T& object) const { return index_of(object) != npos; }
  bool contains(const std::shared_ptr<T>& object) const { return object && contains(*object); }

  // Appends (no-op when already there); the object joins the owner's session by save-update.
  void push_back(const std::shared_ptr<T>& object) {
    detail::InstanceState* s = detail::state_of_handle(object);
    if (!s) throw ArgumentError("a relationship collection cannot hold a null object");
    if (!owner_) hold(std::shared_ptr<detail::InstanceState>(object, s));
    CollectionLink::append(s);
  }
  void append(const std::shared_ptr<T>& object) { push_back(object); }
  // Makes a new object in the owner's graph, appends it, returns its handle.
  std::shared_ptr<T> emplace(T object);
  // False when the object was not in the collection.
  bool remove(const std::shared_ptr<T>& object) { return object && remove(*object); }
  bool remove(const T& object) {
    const std::size_t i = index_of(object);
    return i != npos && CollectionLink::remove(current()[i]);
  }
  void clear() { CollectionLink::clear(); }

 private:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  std::size_t index_of(const T& object) const {
    const auto& items = current();
    for (std::size_t i = 0; i < items.size(); ++i)
      if (detail::object_of<T>(items[i]) == &object) return i;
    return npos;
  }
};

// A collection that is never loaded whole (SQLAlchemy's lazy="dynamic" / write-only): it gives
// queries over the related rows, and records appends / removals for the next flush.
//   user->posts.query().where(...).order_by(...).paginate(1, 20);   user->posts.count();
//   user->following.append(bob);   user->following.remove(bob);
template <typename T>
class Dynamic : public detail::CollectionLink {
 public:
  Dynamic() = default;
  Dynamic(const Dynamic& other) = default;
  Dynamic& operator=(const Dynamic& other) {
    assign_from(other);
    return *this;
  }
  // The related objects as a query (autoflushes first, as every query does). The owner must be
  // in a session (DetachedInstanceError otherwise).
  Query<T> query() const;
  template <typename... C>
  Query<T> where(const C&... conditions) const;
  template <typename... C>
  Query<T> filter(const C&... conditions) const { return where(conditions...); }
  std::vector<std::shared_ptr<T>> all() const;
  std::int64_t count() const;

  void append(const std::shared_ptr<T>& object) {
    detail::InstanceState* s = detail::state_of_handle(object);
    if (!s) throw ArgumentError("a relationship collection cannot hold a null object");
    if (!owner_) hold(std::shared_ptr<detail::InstanceState>(object, s));
    CollectionLink::append(s);
  }
  void push_back(const std::shared_ptr<T>& object) { append(object); }
  bool remove(const std::shared_ptr<T>& object) {
    return object && CollectionLink::remove(detail::state_of_handle(object));
  }
  // Appended / removed since the last flush.
  std::size_t pending_appends() const { return added_.size(); }
  std::size_t pending_removals() const { return removed_.size(); }
};

template <typename T>
using WriteOnly = Dynamic<T>;

// ---- the relationship property ------------------------------------------------------------------

// A configured relationship of a mapper. Built by relationship(...) in a mapping; configured
// (target, direction, join columns, other side) once, before the first object is made.
class Relationship : public MapperProperty {
 public:
  PropertyKind kind() const override { return PropertyKind::relationship; }
  const Mapper& parent() const { return *parent_; }
  const Mapper& target() const { return *target_; }
  RelationshipDirection direction() const { return direction_; }
  bool collection() const { return collection_; }
  bool dynamic() const { return dynamic_; }
  const Cascade& cascade() const { return cascade_; }
  bool passive_deletes() const { return passive_deletes_; }
  Loading lazy() const { return lazy_; }
  const Relationship* reverse() const { return reverse_; }
  // "Post.author"
  std::string name() const;

  // Join columns (attribute indexes of the mapped tables, positions in the secondary):
  //   many_to_one   parent_columns (foreign key on the parent) -> target_columns (target's key)
  //   one_to_many   parent_columns (parent's key) <- target_columns (foreign key on the target)
  //   many_to_many  parent_columns <- secondary_parent; secondary_target -> target_columns
  const std::vector<std::size_t>& parent_columns() const { return parent_columns_; }
  const std::vector<std::size_t>& target_columns() const { return target_columns_; }
  const Table* secondary() const { return secondary_; }
  const std::vector<std::size_t>& secondary_parent() const { return secondary_parent_; }
  const std::vector<std::size_t>& secondary_target() const { return secondary_target_; }
  const sql::NodeList& order_by() const { return order_by_; }
  // The target columns are the target's primary key: the identity map answers lookups by them.
  bool targets_key() const { return targets_key_; }

  // The member of an object of the parent class.
  virtual detail::LinkBase& link(detail::InstanceState& state) const = 0;
  virtual const Mapper& resolve_target() const = 0;
  // A fresh relationship of the target class for the member `backref` named (backref()).
  virtual std::unique_ptr<Relationship> make_backref() const = 0;

  // ---- builder (relationship(...) returns a RelationshipSpec wrapping these) ----
  struct Options {
    std::vector<std::string> foreign_key;  // explicit foreign key columns
    const Table* secondary = nullptr;
    std::vector<std::string> secondary_parent, secondary_target;
    std::string back_populates;
    std::string backref;
    Cascade cascade;
    bool passive_deletes = false;
    Loading lazy = Loading::select;
    bool lazy_given = false;
    sql::NodeList order_by;
  };
  Options& options() { return options_; }
  const Options& options() const { return options_; }

 protected:
  Relationship(std::string key, bool collection, bool dynamic)
      : MapperProperty(std::move(key)), collection_(collection), dynamic_(dynamic) {}

 private:
  friend struct RelationshipConfigurator;
  Options options_;
  const Mapper* parent_ = nullptr;
  const Mapper* target_ = nullptr;
  RelationshipDirection direction_ = RelationshipDirection::many_to_one;
  bool collection_;
  bool dynamic_;
  Cascade cascade_;
  bool passive_deletes_ = false;
  Loading lazy_ = Loading::select;
  const Relationship* reverse_ = nullptr;
  std::vector<std::size_t> parent_columns_, target_columns_;
  const Table* secondary_ = nullptr;
  std::vector<std::size_t> secondary_parent_, secondary_target_;
  sql::NodeList order_by_;
  bool targets_key_ = false;
};

namespace detail {

template <typename L>
struct LinkTraits;
template <typename U>
struct LinkTraits<One<U>> {
  using target = U;
  static constexpr bool collection = false, dynamic = false;
};
template <typename U>
struct LinkTraits<Many<U>> {
  using target = U;
  static constexpr bool collection = true, dynamic = false;
};
template <typename U>
struct LinkTraits<Dynamic<U>> {
  using target = U;
  static constexpr bool collection = true, dynamic = true;
};

// The mapper of a relationship's target class, found without the Mapped check (the target's
// mapping may be declared after the relationship that names it).
template <typename T>
const Mapper& mapper_of_target() {
  return crucible_mapper(MapperTag<T>{});
}

template <typename T, typename L>
class MemberRelationship final : public Relationship {
 public:
  MemberRelationship(std::string key, L T::*member)
      : Relationship(std::move(key), LinkTraits<L>::collection, LinkTraits<L>::dynamic), member_(member) {}
  L T::*member() const { return member_; }
  LinkBase& link(InstanceState& s) const override { return static_cast<TypedState<T>&>(s).object.*member_; }
  const Mapper& resolve_target() const override { return mapper_of_target<typename LinkTraits<L>::target>(); }
  std::unique_ptr<Relationship> make_backref() const override { return nullptr; }

 private:
  L T::*member_;
};

// A relationship declared from the other side (backref): knows its own member.
template <typename T, typename L>
std::unique_ptr<Relationship> make_relationship(std::string key, L T::*member) {
  return std::make_unique<MemberRelationship<T, L>>(std::move(key), member);
}

}  // namespace detail

// relationship("posts", &User::posts) and its options, chained.
template <typename T>
class RelationshipSpec {
 public:
  template <typename L>
  RelationshipSpec(std::string key, L T::*member) : property_(detail::make_relationship(std::move(key), member)) {}

  // The other side's relationship name: changes on one side show on the other at once.
  RelationshipSpec& back_populates(std::string key) {
    property_->options().back_populates = std::move(key);
    return *this;
  }
  // Declares the other side from here: `.backref("author", &Post::author)`.
  template <typename U, typename L>
  RelationshipSpec& backref(std::string key, L U::*member) {
    property_->options().backref = key;
    backref_ = detail::make_relationship(std::move(key), member);
    return *this;
  }
  // The foreign key column(s) to join over, when the tables have several.
  RelationshipSpec& foreign_key(std::string column) {
    property_->options().foreign_key.push_back(std::move(column));
    return *this;
  }
  // Many-to-many through `table`: `parent_column` refers to this class, `target_column` to the
  // related one (both inferred from the table's foreign keys when left empty).
  RelationshipSpec& secondary(const Table& table, std::string parent_column = {}, std::string target_column = {}) {
    auto& o = property_->options();
    o.secondary = &table;
    if (!parent_column.empty()) o.secondary_parent = {std::move(parent_column)};
    if (!target_column.empty()) o.secondary_target = {std::move(target_column)};
    return *this;
  }
  RelationshipSpec& cascade(std::string_view spec) {
    property_->options().cascade = Cascade::parse(spec);
    return *this;
  }
  // Deleting the parent leaves the related rows to ON DELETE CASCADE / SET NULL: unloaded
  // collections are not loaded to delete or update them.
  RelationshipSpec& passive_deletes(bool on = true) {
    property_->options().passive_deletes = on;
    return *this;
  }
  RelationshipSpec& lazy(Loading loading) {
    property_->options().lazy = loading;
    property_->options().lazy_given = true;
    return *this;
  }
  // Order of a collection's objects when loaded.
  template <typename... E>
  RelationshipSpec& order_by(const E&... items) {
    (property_->options().order_by.push_back(items.node()), ...);
    return *this;
  }

  // Used by the mapping builder.
  std::unique_ptr<Relationship> take_property() { return std::move(property_); }
  std::unique_ptr<Relationship> take_backref() { return std::move(backref_); }

 private:
  std::unique_ptr<Relationship> property_;
  std::unique_ptr<Relationship> backref_;
};

template <typename T, typename L>
RelationshipSpec<T> relationship(std::string key, L T::*member) {
  static_assert(requires { typename detail::LinkTraits<L>::target; },
                "crucible: a relationship member must be One<T>, Many<T> or Dynamic<T>");
  return RelationshipSpec<T>(std::move(key), member);
}

// ---- per-query loader options -------------------------------------------------------------------

// A loader option for session.query<T>().options(...): which relationship, which strategy, and
// options for the related objects' own relationships (.joinedload(...), .selectinload(...)...).
class LoadOption {
 public:
  LoadOption(std::function<const Relationship&()> find, Loading loading)
      : find_(std::move(find)), loading_(loading) {}
  const Relationship& relationship() const { return find_(); }
  Loading loading() const { return loading_; }
  const std::vector<LoadOption>& children() const { return children_; }

  template <typename U, typename L>
  LoadOption joinedload(L U::*member) && { return std::move(*this).then(member, Loading::joined); }
  template <typename U, typename L>
  LoadOption selectinload(L U::*member) && { return std::move(*this).then(member, Loading::selectin); }
  template <typename U, typename L>
  LoadOption subqueryload(L U::*member) && { return std::move(*this).then(member, Loading::subquery); }
  template <typename U, typename L>
  LoadOption lazyload(L U::*member) && { return std::move(*this).then(member, Loading::select); }
  template <typename U, typename L>
  LoadOption raiseload(L U::*member) && { return std::move(*this).then(member, Loading::raise); }
  template <typename U, typename L>
  LoadOption noload(L U::*member) && { return std::move(*this).then(member, Loading::noload); }

  template <typename U, typename L>
  static LoadOption make(L U::*member, Loading loading);

 private:
  template <typename U, typename L>
  LoadOption then(L U::*member, Loading loading) && {
    // Appends to the deepest option of the chain: a.joinedload(b).joinedload(c) is a -> b -> c.
    LoadOption* at = this;
    while (!at->children_.empty()) at = &at->children_.back();
    at->children_.push_back(make(member, loading));
    return std::move(*this);
  }
  std::function<const Relationship&()> find_;
  Loading loading_;
  std::vector<LoadOption> children_;
};

namespace detail {
const Relationship& find_relationship(const Mapper& mapper, const std::function<bool(const Relationship&)>& match);
}

template <typename U, typename L>
LoadOption LoadOption::make(L U::*member, Loading loading) {
  return LoadOption(
      [member]() -> const Relationship& {
        return detail::find_relationship(detail::mapper_of_target<U>(), [member](const Relationship& r) {
          const auto* m = dynamic_cast<const detail::MemberRelationship<U, L>*>(&r);
          return m && m->member() == member;
        });
      },
      loading);
}

template <typename U, typename L>
LoadOption joinedload(L U::*member) { return LoadOption::make(member, Loading::joined); }
template <typename U, typename L>
LoadOption selectinload(L U::*member) { return LoadOption::make(member, Loading::selectin); }
template <typename U, typename L>
LoadOption subqueryload(L U::*member) { return LoadOption::make(member, Loading::subquery); }
template <typename U, typename L>
LoadOption lazyload(L U::*member) { return LoadOption::make(member, Loading::select); }
template <typename U, typename L>
LoadOption raiseload(L U::*member) { return LoadOption::make(member, Loading::raise); }
template <typename U, typename L>
LoadOption noload(L U::*member) { return LoadOption::make(member, Loading::noload); }

}  // namespace crucible

namespace crucible {
template <typename T>
std::shared_ptr<T> Many<T>::emplace(T object) {
  auto graph = owner_ ? owner_->graph->shared_from_this() : detail::ObjectGraph::create();
  auto s = detail::new_state<T>(detail::mapper_of_target<T>(), graph);
  s->object = std::move(object);
  auto h = detail::handle<T>(std::shared_ptr<detail::InstanceState>(std::move(s)));
  push_back(h);
  return h;
}
}  // namespace crucible
