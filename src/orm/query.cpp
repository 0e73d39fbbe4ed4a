// SPDX-License-Identifier: MIT
#include "crucible/orm/query.hpp"

#include <string>

#include "crucible/sql/dialect.hpp"

namespace crucible::detail {

Select QueryCriteria::build(sql::NodeList columns) const {
  Select s(std::move(columns));
  s = s.select_from(mapper->table());
  for (const auto& j : joins) {
    FromArg target = *j.table;
    if (j.on) s = j.outer ? s.outerjoin(target, Expr<bool>(j.on)) : s.join(target, Expr<bool>(j.on));
    else s = j.outer ? s.outerjoin(target) : s.join(target);
  }
  if (auto w = where_node()) s = s.where(Expr<bool>(w));
  if (!group.empty()) {
    std::vector<ExprArg> items;
    for (const auto& g : group) items.emplace_back(Expr<Value>(g));
    s = s.group_by(std::move(items));
  }
  if (having) s = s.having(Expr<bool>(having));
  if (!order.empty()) {
    std::vector<ExprArg> items;
    for (const auto& o : order) items.emplace_back(Expr<Value>(o));
    s = s.order_by(std::move(items));
  }
  if (limit) s = s.limit(*limit);
  if (offset) s = s.offset(*offset);
  if (distinct) s = s.distinct();
  if (for_update) s = s.with_for_update(*for_update);
  return s;
}

Select QueryCriteria::entity_select() const { return build(mapper->table().column_nodes()); }

sql::NodePtr QueryCriteria::where_node() const {
  if (where.empty()) return nullptr;
  return sql::and_all(where);
}

std::int64_t query_count(Session& session, const QueryCriteria& criteria) {
  // SELECT count(*) FROM (the entity query) AS anon: right with joins, DISTINCT, LIMIT alike.
  QueryCriteria c = criteria;
  c.order.clear();
  Select inner = c.entity_select();
  Select outer = select(func::count()).select_from(inner.subquery("anon_1"));
  session.autoflush_before(*inner.root(), /*entity_rows=*/true);  // the count is of its rows
  return session.connection().execute(outer).scalar<std::int64_t>();
}

std::string query_sql(Session& session, const Select& select) {
  return session.engine().dialect().compile(select)->sql;
}

void throw_no_result(Session& session, const Select& select) {
  throw NoResultFound("No row was found when one was required; query: " + query_sql(session, select));
}

void throw_multiple_results(Session& session, const Select& select) {
  throw MultipleResultsFound("Multiple rows were found when one or none was required; query: " +
                             query_sql(session, select));
}

void throw_stream_with_eager(const Mapper& mapper) {
  throw InvalidRequestError("stream() of " + mapper.class_name() +
                            " cannot apply eager loader options (joined / selectin / subquery, or a "
                            "relationship's eager default): use all(), or lazyload() the relationship");
}

void check_page(std::int64_t& page, std::int64_t& per_page, bool error_out) {
  if (per_page < 1) {
    if (error_out)
      throw ArgumentError("paginate: per_page must be at least 1 (got " + std::to_string(per_page) + ")");
    per_page = 20;  // Flask-SQLAlchemy's default
  }
  if (page < 1) {
    if (error_out) throw ArgumentError("paginate: page numbers start at 1 (got " + std::to_string(page) + ")");
    page = 1;
  }
}

void throw_page_past_end(std::int64_t page, std::int64_t per_page, std::int64_t total) {
  const std::int64_t pages = total / per_page + (total % per_page != 0 ? 1 : 0);
  throw NoResultFound("paginate: page " + std::to_string(page) + " is past the end (" + std::to_string(total) +
                      " rows: " + std::to_string(pages) + " page" + (pages == 1 ? "" : "s") + " of " +
                      std::to_string(per_page) + "); error_out = false gives an empty page instead");
}

namespace {

void check_bulk(const QueryCriteria& c, const char* what) {
  if (!c.joins.empty() || c.limit || c.offset || !c.group.empty())
    throw ArgumentError(std::string(what) + ": bulk statements take where() criteria only (no join, "
                        "limit, offset or group_by)");
}

// Primary keys of the rows the criteria match, to keep the identity map in line afterwards.
std::vector<std::vector<Value>> matched_keys(Session& session, const QueryCriteria& c) {
  const Mapper& m = *c.mapper;
  sql::NodeList cols;
  for (const Attribute* a : m.primary_key()) cols.push_back(m.table().column_nodes()[a->index()]);
  QueryCriteria k = c;
  k.order.clear();
  std::vector<std::vector<Value>> keys;
  Result r = session.connection().execute(k.build(cols));
  auto scratch_graph = ObjectGraph::create();
  auto scratch = m.new_state(scratch_graph);
  while (r.advance()) {
    std::vector<Value> key;
    for (std::size_t i = 0; i < m.primary_key().size(); ++i) {
      const Attribute* a = m.primary_key()[i];
      a->load(*scratch, r.row(), i);
      key.push_back(a->get(*scratch));
    }
    keys.push_back(std::move(key));
  }
  return keys;
}

}  // namespace

std::int64_t bulk_update(Session& session, const QueryCriteria& criteria, std::vector<ColumnValue> sets) {
  check_bulk(criteria, "update");
  session.autoflush_now();
  auto keys = matched_keys(session, criteria);
  crucible::Update stmt = update(criteria.mapper->table()).values(std::move(sets));
  if (auto w = criteria.where_node()) stmt = stmt.where(Expr<bool>(w));
  const std::int64_t n = session.write_connection().execute(stmt).rows_affected();
  session.after_bulk_update(*criteria.mapper, keys);
  return n;
}

std::int64_t bulk_delete(Session& session, const QueryCriteria& criteria) {
  check_bulk(criteria, "delete_");
  session.autoflush_now();
  auto keys = matched_keys(session, criteria);
  crucible::Delete stmt = delete_(criteria.mapper->table());
  if (auto w = criteria.where_node()) stmt = stmt.where(Expr<bool>(w));
  const std::int64_t n = session.write_connection().execute(stmt).rows_affected();
  session.after_bulk_delete(*criteria.mapper, keys);
  return n;
}

}  // namespace crucible::detail
