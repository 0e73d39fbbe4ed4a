// SPDX-License-Identifier: MIT
//
// create_all / drop_all: emit a MetaData's DDL on a database, as SQLAlchemy's
// metadata.create_all(engine) / drop_all(engine).
//
//   create_all  tables in MetaData::sorted_tables() order (a table after the tables its foreign
//               keys refer to), each table's indexes right after it.
//   drop_all    tables in the reverse order (their indexes go with them).
//   checkfirst  asks the database first (the dialect's has_table_sql()) and skips tables that
//               already exist (create) or are missing (drop); false emits every statement, so
//               the database reports what is already there (or absent) as an error.
//
// The Engine overloads check a connection out and run everything in one transaction, committed
// at the end, where the dialect has transactional DDL (DialectFeatures); elsewhere each
// statement commits on its own (the server commits DDL implicitly anyway). The Connection
// overloads run in the caller's transaction (autobegun as any statement) and never commit.
//
// Errors: the translated DBAPIError of the failing statement; ArgumentError for a foreign-key
// cycle between tables (sorted_tables() names them). Ownership: nothing is kept; metadata is
// only read. Thread-safety: as Engine / Connection (a Connection is one thread's).
//
//   crucible::MetaData metadata;
//   metadata.table("users", Column("id", BigInteger()).primary_key(), ...);
//   auto engine = crucible::create_engine("sqlite:///blog.db");
//   crucible::create_all(engine, metadata);          // idempotent: existing tables are skipped
//   crucible::drop_all(engine, metadata);
#pragma once

#include <string_view>

#include "crucible/engine/connection.hpp"
#include "crucible/engine/engine.hpp"
#include "crucible/sql/schema.hpp"

namespace crucible {

void create_all(const Engine& engine, const MetaData& metadata, bool checkfirst = true);
void create_all(Connection& connection, const MetaData& metadata, bool checkfirst = true);

void drop_all(const Engine& engine, const MetaData& metadata, bool checkfirst = true);
void drop_all(Connection& connection, const MetaData& metadata, bool checkfirst = true);

// Whether `table_name` reaches a table, a view or a temporary table on this connection (its
// current schema / database and search path; docs/backends.md, "Schema changes").
bool has_table(Connection& connection, std::string_view table_name);

}  // namespace crucible
