// SPDX-License-Identifier: MIT
//
// explain: the database's plan for a statement, one line per plan row — EXPLAIN QUERY PLAN on
// SQLite, EXPLAIN on PostgreSQL and MariaDB/MySQL. The statement is compiled exactly as
// Connection::execute compiles it (the engine's compiled-SQL cache) and the EXPLAIN runs with
// the same bound values (its literals and `params`): no value is ever written into the SQL, so
// the plan is the one the database picks for those values.
//
//   auto conn = engine.connect();
//   for (const std::string& line : crucible::explain(conn, select(posts.c<std::int64_t>("id"))
//                                                              .where(posts.c<int>("views") > 100)))
//     std::cout << line << "\n";
//   // SQLite:      SEARCH posts USING INDEX ix_posts_views (views>?)
//   // PostgreSQL:  Index Scan using ix_posts_views on posts  (cost=0.15..8.17 rows=1 width=8)
//   // MariaDB:     id=1 select_type=SIMPLE table=posts type=range key=ix_posts_views rows=1 ...
//
//   // ORM queries: the entity SELECT of a Query (loader options' joins are not part of it),
//   // on the session's connection (its transaction; no autoflush is done here).
//   auto plan = crucible::explain(session, session.query<Post>().where(...).statement());
//
//   // A statement the engine already ran (from the execute events or a slow-query log): its SQL
//   // as compiled for this dialect, and its values in placeholder order.
//   auto plan = crucible::explain_sql(conn, slow.sql, slow.values);
//
// Lines: SQLite's plan rows are indented two spaces per tree level below their parent;
// PostgreSQL's one-column plan is returned line by line; a plan of several columns (MariaDB) is
// one line per row of "column=value" pairs, NULL and empty columns left out.
//
// Runs on the connection like any statement (autobegins its transaction, fires the execute
// events). EXPLAIN does not execute the statement, so explaining an UPDATE or DELETE changes
// nothing. DDL has no plan: ArgumentError (as for a dialect without a known EXPLAIN spelling).
// Thread-safety: as the Connection (one thread at a
// time); the returned lines are the caller's.
#pragma once

#include <concepts>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crucible/core/value.hpp"
#include "crucible/engine/connection.hpp"
#include "crucible/sql/compiled.hpp"
#include "crucible/sql/executable.hpp"

namespace crucible {

// The plan of a Core statement (select, insert, update, delete, text) with `params` for its
// named binds.
std::vector<std::string> explain(Connection& conn, const sql::Executable& statement, const Params& params = {});

// The plan of SQL already compiled for this connection's dialect (placeholders in its style:
// ? or $n), binding `parameters` in placeholder order. ArgumentError when their number does not
// match the placeholders.
std::vector<std::string> explain_sql(Connection& conn, std::string_view compiled_sql,
                                     std::span<const Value> parameters = {});

// Anything with a connection() — a crucible::Session — explained on that connection.
template <typename S>
  requires requires(S& s) {
    { s.connection() } -> std::same_as<Connection&>;
  }
std::vector<std::string> explain(S& session, const sql::Executable& statement, const Params& params = {}) {
  return explain(session.connection(), statement, params);
}

}  // namespace crucible
