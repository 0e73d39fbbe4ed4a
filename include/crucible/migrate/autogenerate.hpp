// SPDX-License-Identifier: MIT
//
// Autogenerate: the steps that take the database from what it holds (reflected) to what the
// application's models declare (its MetaData), for a person to review in a revision; never
// applied by itself. Compared: tables, columns (type as the dialect renders it, nullability,
// server default normalised, comment), indexes, unique constraints, foreign keys, named check
// constraints and table comments.
//
//   auto steps = crucible::migrate::autogenerate(engine, crucible::default_registry().metadata());
//   // empty: the database matches the models
//
// Renames: where a table loses one column and gains one of the same type and nullability, the
// step is a rename (with a note saying so) rather than a drop that loses the data; the same for
// a table that disappears while one of the same shape appears. Left alone, with a note in the
// docs: expression indexes (models cannot declare them), unnamed check constraints (their text
// is the database's), the indexes MariaDB makes for foreign keys and unique constraints.
//
// Thread-safety: reads through its own connection (or the caller's).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "crucible/migrate/revision.hpp"

namespace crucible {
class Connection;
class Engine;
class MetaData;
}  // namespace crucible

namespace crucible::migrate {

struct AutogenerateOptions {
  std::string version_table = "crucible_version";  // never proposed for dropping
  std::string schema;                              // empty: the connection's current one
  bool detect_renames = true;
  // Which database tables take part (the models' tables always do); all by default. A shared
  // database holding other applications' tables narrows it (Alembic's include_name).
  std::function<bool(const std::string&)> include_table;
};

// The steps, in an order that runs (tables before what refers to them; drops last), each with a
// note where the comparison had to guess (a rename). Step::note is written above the step as a
// comment in the revision file.
std::vector<Step> autogenerate(Connection& connection, const MetaData& models, const AutogenerateOptions& options = {});
std::vector<Step> autogenerate(const Engine& engine, const MetaData& models, const AutogenerateOptions& options = {});

// SQL default text as written or as a catalog reads it back, reduced to one spelling:
// PostgreSQL's casts ('x'::character varying) and outer parentheses gone, keywords lower case,
// current_timestamp() and now() as current_timestamp, true / false as 1 / 0.
std::string normalize_default(std::string_view sql);

}  // namespace crucible::migrate
