// SPDX-License-Identifier: MIT
//
// Query<T>: a generative ORM query (session.query<T>()); every call returns a new query.
//
//   auto posts = session.query<Post>()
//       .where(col(&Post::status) == PostStatus::published && col(&Post::is_featured))
//       .order_by(desc(&Post::created_at))
//       .limit(10)
//       .all();                                   // std::vector<std::shared_ptr<Post>>
//   auto page = session.query<Post>().order_by(col(&Post::id)).paginate(2, 20);
//   page.items; page.total; page.pages(); page.has_next(); page.has_prev();
//   for (auto post : session.query<Post>().stream()) ...            // rows stream, one by one
//   auto rows = session.query<Post>().group_by(col(&Post::author_id))
//                   .values(col(&Post::author_id), func::count());   // vector<tuple<int64, int64>>
//   auto authors = session.query<Post>().where(...).select(col(&Post::author_id));  // a Core Select
//   session.query<User>().where(col(&User::id).in_(authors)).all();
//   session.query<User>().where(col(&User::active) == false).update(set(col(&User::karma), 0));
//   session.query<User>().where(...).delete_();
//   session.query<Account>().where(col(&Account::id) == 7).with_for_update().one();  // row locked
//
// Running a query autoflushes first (SessionOptions::autoflush). Loaded rows go through the
// identity map: a row already there yields the existing object (reloaded only if expired).
// one() / one_or_none() raise NoResultFound / MultipleResultsFound with the SQL in the message.
// Bulk update / delete keep the identity map consistent: loaded objects they match are
// refreshed / removed (and become deleted).
//
// Thread-safety: a Query is a value; running it uses its session (the session's thread).
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "crucible/core/errors.hpp"
#include "crucible/orm/session.hpp"
#include "crucible/sql/dml.hpp"
#include "crucible/sql/functions.hpp"
#include "crucible/sql/select.hpp"

namespace crucible {

namespace detail {

// The criteria of a query, kept apart from its columns so that the same criteria build the
// entity SELECT, the count, column queries and bulk statements. Non-template (query.cpp).
struct QueryCriteria {
  struct JoinItem {
    sql::NodePtr target;
    const Table* table = nullptr;
    sql::NodePtr on;  // nullptr: inferred from foreign keys
    bool outer = false;
  };
  const Mapper* mapper = nullptr;
  sql::NodeList where;
  sql::NodeList order;
  sql::NodeList group;
  sql::NodePtr having;
  std::vector<JoinItem> joins;
  std::optional<std::int64_t> limit, offset;
  bool distinct = false;
  std::optional<ForUpdateOptions> for_update;  // Query::with_for_update
  bool populate_existing = false;               // Query::populate_existing
  std::vector<LoadOption> options;

  Select build(sql::NodeList columns) const;
  Select entity_select() const;
  sql::NodePtr where_node() const;  // nullptr when unfiltered
};

std::int64_t query_count(Session& session, const QueryCriteria& criteria);
std::string query_sql(Session& session, const Select& select);
[[noreturn]] void throw_no_result(Session& session, const Select& select);
[[noreturn]] void throw_multiple_results(Session& session, const Select& select);
// paginate's arguments: with error_out, ArgumentError when page or per_page is below 1; without,
// page 1 and 20 per page instead.
void check_page(std::int64_t& page, std::int64_t& per_page, bool error_out);
// The first row of page `page` (>= 1) of `per_page` (>= 1), or nullopt past INT64_MAX.
inline std::optional<std::int64_t> page_offset(std::int64_t page, std::int64_t per_page) {
  if (page - 1 > std::numeric_limits<std::int64_t>::max() / per_page) return std::nullopt;
  return (page - 1) * per_page;
}
[[noreturn]] void throw_page_past_end(std::int64_t page, std::int64_t per_page, std::int64_t total);
std::int64_t bulk_update(Session& session, const QueryCriteria& criteria, std::vector<ColumnValue> sets);
std::int64_t bulk_delete(Session& session, const QueryCriteria& criteria);
// Runs an entity query with its loader options (and the mapper's eager defaults): joined
// strategies in the statement, the others after it. Entities come once each, in row order.
std::vector<std::shared_ptr<InstanceState>> load_entities(Session& session, const QueryCriteria& criteria);
bool has_eager_defaults(const Mapper& mapper);
// A locking read met an object the session holds (version-counted mappers): StaleDataError when
// the row's version is not the one the object was loaded at (SQLAlchemy's with_for_update check).
void check_locked_version(const Mapper& mapper, const InstanceState& s, const Row& row, std::size_t offset);
// The criteria of a Dynamic relationship's query: the owner's related rows.
QueryCriteria dynamic_criteria(const InstanceState& owner, const Relationship& r);
[[noreturn]] void throw_stream_with_eager(const Mapper& mapper);

}  // namespace detail

// One page of a paginated query, as Flask-SQLAlchemy's Pagination.
template <typename T>
struct Page {
  std::vector<std::shared_ptr<T>> items;
  std::int64_t page = 1;
  std::int64_t per_page = 0;
  std::int64_t total = 0;
  std::int64_t pages() const { return per_page < 1 ? 0 : total / per_page + (total % per_page != 0 ? 1 : 0); }
  bool has_prev() const { return page > 1; }
  bool has_next() const { return page < pages(); }
  std::optional<std::int64_t> prev_num() const { return has_prev() ? std::optional(page - 1) : std::nullopt; }
  std::optional<std::int64_t> next_num() const { return has_next() ? std::optional(page + 1) : std::nullopt; }
};

// Rows of a query read one at a time: objects are built as the loop advances.
template <typename T>
class Stream {
 public:
  class iterator {
   public:
    using value_type = std::shared_ptr<T>;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(Stream* s) : s_(s) { advance(); }
    const std::shared_ptr<T>& operator*() const { return current_; }
    // Moves the current object out (the next advance replaces it anyway).
    std::shared_ptr<T> take() { return std::move(current_); }
    iterator& operator++() {
      advance();
      return *this;
    }
    void operator++(int) { advance(); }
    bool operator==(std::default_sentinel_t) const { return s_ == nullptr; }

   private:
    void advance() {
      if (!s_->result_.advance()) {
        s_ = nullptr;
        current_.reset();
        return;
      }
      auto state = s_->session_->load_row(*s_->mapper_, s_->result_.row(), 0, s_->overwrite_);
      if (s_->version_check_) detail::check_locked_version(*s_->mapper_, *state, s_->result_.row(), 0);
      current_ = detail::handle<T>(std::move(state));
    }
    Stream* s_ = nullptr;
    std::shared_ptr<T> current_;
  };
  // `overwrite`: objects already in the session take the row's values (Query::populate_existing).
  // `version_check`: a locking read (with_for_update without populate_existing) of a
  // version-counted class: held objects must be at the row's version.
  Stream(Session& session, const Mapper& mapper, Result result, bool overwrite = false, bool version_check = false)
      : session_(&session), mapper_(&mapper), result_(std::move(result)), overwrite_(overwrite),
        version_check_(version_check) {}
  iterator begin() { return iterator(this); }
  // Once begun: the rows from the current one on, when the driver holds them all (else 1).
  std::size_t rows_hint() const { return result_.rows_hint(); }
  std::default_sentinel_t end() const { return {}; }

 private:
  Session* session_;
  const Mapper* mapper_;
  Result result_;
  bool overwrite_ = false;
  bool version_check_ = false;
};

template <typename T>
class Query {
 public:
  explicit Query(Session& session) : session_(&session) { criteria_.mapper = &mapper_of<T>(); }
  Query(Session& session, detail::QueryCriteria criteria) : session_(&session), criteria_(std::move(criteria)) {}

  // Loader options: .options(joinedload(&Post::author), selectinload(&Post::tags)).
  template <typename... O>
  Query options(O... opts) const {
    Query q(*this);
    (q.criteria_.options.push_back(std::move(opts)), ...);
    return q;
  }

  template <typename... C>
  Query where(const C&... conditions) const {
    (detail::check_boolean<C>(), ...);
    Query q(*this);
    (q.criteria_.where.push_back(conditions.node()), ...);
    return q;
  }
  template <typename... C>
  Query filter(const C&... conditions) const { return where(conditions...); }
  // Expressions (ascending) or asc() / desc() items.
  template <typename... E>
  Query order_by(const E&... items) const {
    Query q(*this);
    (q.criteria_.order.push_back(ExprArg(items).node), ...);
    return q;
  }
  Query limit(std::int64_t n) const { return with([n](auto& c) { c.limit = n; }); }
  Query offset(std::int64_t n) const { return with([n](auto& c) { c.offset = n; }); }
  Query distinct(bool on = true) const { return with([on](auto& c) { c.distinct = on; }); }
  // Objects of this class already in the session take the values of the rows read, as if just
  // loaded (their unflushed edits are lost). Without it the identity map keeps what it holds:
  // pair it with with_for_update() to decide on the values the lock protects.
  Query populate_existing(bool on = true) const { return with([on](auto& c) { c.populate_existing = on; }); }
  // Locks the rows the query returns until the session's transaction ends (Select's
  // with_for_update: the same options, and no clause on a dialect without row locks). With
  // joined eager loading the lock names the entity's table where the dialect can (FOR UPDATE OF).
  Query with_for_update(ForUpdateOptions options = {}) const {
    return with([&](auto& c) { c.for_update = std::move(options); });
  }
  // JOIN another mapped class (ON from the foreign key between them) or any FROM object.
  template <Mapped U>
  Query join() const { return join_impl(mapper_of<U>().table(), nullptr, false); }
  template <Mapped U>
  Query outerjoin() const { return join_impl(mapper_of<U>().table(), nullptr, true); }
  template <Mapped U, typename C>
  Query join(const C& on) const { return join_impl(mapper_of<U>().table(), on.node(), false); }
  template <Mapped U, typename C>
  Query outerjoin(const C& on) const { return join_impl(mapper_of<U>().table(), on.node(), true); }
  template <typename... E>
  Query group_by(const E&... items) const {
    Query q(*this);
    (q.criteria_.group.push_back(items.node()), ...);
    return q;
  }
  template <typename C>
  Query having(const C& condition) const {
    detail::check_boolean<C>();
    return with([&](auto& c) { c.having = condition.node(); });
  }

  // ---- running ----
  std::vector<std::shared_ptr<T>> all() const {
    std::vector<std::shared_ptr<T>> out;
    if (eager()) {
      auto states = detail::load_entities(*session_, criteria_);
      out.reserve(states.size());
      for (auto& s : states) out.push_back(detail::handle<T>(std::move(s)));
      return out;
    }
    auto rows = stream();
    auto it = rows.begin();
    if (it == rows.end()) return out;
    out.reserve(rows.rows_hint());
    for (; it != rows.end(); ++it) out.push_back(it.take());
    return out;
  }
  // Rows streamed from the database as the loop advances.
  // Eager loader options need whole results: InvalidRequestError (use all()).
  Stream<T> stream() const {
    if (eager()) detail::throw_stream_with_eager(*criteria_.mapper);
    const Select st = statement();
    session_->autoflush_before(*st.root(), /*entity_rows=*/!criteria_.populate_existing);
    return Stream<T>(*session_, *criteria_.mapper, session_->connection().execute(st), criteria_.populate_existing,
                     criteria_.for_update && !criteria_.populate_existing && criteria_.mapper->version_attribute());
  }
  // The first row's object (LIMIT 1), or nullptr.
  std::shared_ptr<T> first() const {
    if (eager()) {
      auto rows = limit(1).all();
      return rows.empty() ? nullptr : rows.front();
    }
    for (auto& o : limit(1).stream()) return o;
    return nullptr;
  }
  std::shared_ptr<T> one() const {
    auto o = one_or_none();
    if (!o) detail::throw_no_result(*session_, statement());
    return o;
  }
  std::shared_ptr<T> one_or_none() const {
    if (eager()) {
      auto rows = all();
      if (rows.size() > 1) detail::throw_multiple_results(*session_, statement());
      return rows.empty() ? nullptr : rows.front();
    }
    std::shared_ptr<T> found;
    for (auto& o : stream()) {
      if (found) detail::throw_multiple_results(*session_, statement());
      found = o;
    }
    return found;
  }
  std::int64_t count() const { return detail::query_count(*session_, criteria_); }
  // Page `page` (from 1) of `per_page` items, with the total, as Flask-SQLAlchemy's paginate().
  // error_out: ArgumentError when page < 1 or per_page < 1, and NoResultFound when a page other
  // than the first has no items (Flask's 404). Without it (the default here, where a service
  // has no 404 to turn it into), page < 1 reads page 1, per_page < 1 reads 20, and a page past
  // the end is empty (with the right totals). A page whose first row would lie past INT64_MAX
  // is past the end.
  Page<T> paginate(std::int64_t page, std::int64_t per_page, bool error_out = false) const {
    Page<T> p;
    p.page = page;
    p.per_page = per_page;
    detail::check_page(p.page, p.per_page, error_out);
    p.total = count();
    if (const auto start = detail::page_offset(p.page, p.per_page); start && *start < p.total)
      p.items = offset(*start).limit(p.per_page).all();
    if (error_out && p.items.empty() && p.page != 1) detail::throw_page_past_end(p.page, p.per_page, p.total);
    return p;
  }
  // Column / aggregate query into typed tuples, under this query's criteria.
  template <typename... E>
  std::vector<std::tuple<typename E::value_type...>> values(const E&... columns) const {
    const Select st = select(columns...);
    session_->autoflush_before(*st.root());
    return session_->connection().execute(st).template as<typename E::value_type...>().all();
  }
  // This query's criteria as a Core SELECT of the given columns (subqueries: in_(q.select(c))).
  template <typename... E>
  Select select(const E&... columns) const { return criteria_.build({columns.node()...}); }
  // The entity SELECT this query runs.
  Select statement() const { return criteria_.entity_select(); }

  // Bulk UPDATE / DELETE of the rows matching the criteria (no joins); returns rows matched.
  template <typename... V>
  std::int64_t update(const V&... sets) const {
    return detail::bulk_update(*session_, criteria_, std::vector<ColumnValue>{sets...});
  }
  std::int64_t delete_() const { return detail::bulk_delete(*session_, criteria_); }

 private:
  template <typename F>
  Query with(F&& f) const {
    Query q(*this);
    f(q.criteria_);
    return q;
  }
  Query join_impl(const Table& table, sql::NodePtr on, bool outer) const {
    Query q(*this);
    q.criteria_.joins.push_back({table.node(), &table, std::move(on), outer});
    return q;
  }
  bool eager() const { return !criteria_.options.empty() || detail::has_eager_defaults(*criteria_.mapper); }
  Session* session_;
  detail::QueryCriteria criteria_;
};

template <Mapped T>
Query<T> Session::query() {
  return Query<T>(*this);
}

template <typename T>
Query<T> Dynamic<T>::query() const {
  detail::InstanceState* owner = owner_for_query();
  return Query<T>(*owner->session, detail::dynamic_criteria(*owner, *property_));
}
template <typename T>
template <typename... C>
Query<T> Dynamic<T>::where(const C&... conditions) const {
  return query().where(conditions...);
}
template <typename T>
std::vector<std::shared_ptr<T>> Dynamic<T>::all() const {
  return query().all();
}
template <typename T>
std::int64_t Dynamic<T>::count() const {
  return query().count();
}

}  // namespace crucible
