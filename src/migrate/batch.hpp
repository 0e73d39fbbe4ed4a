// SPDX-License-Identifier: MIT
// SQLite's batch copy: the change SQLite's ALTER TABLE cannot make, made on a copy of the table
// (SQLite's documented twelve steps: https://www.sqlite.org/lang_altertable.html#otheralter).
#pragma once

#include <string>
#include <vector>

#include "crucible/migrate/operations.hpp"

namespace crucible::migrate::batch {

// Whether SQLite's ADD COLUMN refuses this column: a key, a unique constraint, NOT NULL
// without a default, a default that is not a constant.
bool add_column_needs_copy(const Column& column);
// Whether SQLite's DROP COLUMN refuses it: a key, an index, a constraint that uses the column,
// or a SQLite older than 3.35.
bool drop_column_needs_copy(Connection& connection, const DropColumn& op);

// Copies `table` into a new table with `op` applied, moves the rows, drops the old table and
// renames the new one, re-creates indexes and triggers and checks the foreign keys, in the
// connection's transaction (one of its own when none is open). Foreign key enforcement is off
// for the copy where SQLite allows it (outside a transaction); inside one, a table other tables
// refer to is refused, since dropping it would run their ON DELETE actions.
// `was_in_transaction`: whether the caller had a transaction open before the operation began
// (the catalog reads that decided on the copy may have begun one since).
void copy_table(Connection& connection, const std::string& table, const Operation& op,
                const NamingConvention& convention, bool was_in_transaction, std::vector<std::string>& statements);

}  // namespace crucible::migrate::batch
