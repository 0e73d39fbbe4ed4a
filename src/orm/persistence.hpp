// SPDX-License-Identifier: MIT
// Internal: statements of the unit of work (INSERT batches, UPDATE / DELETE by key, SELECT by key)
// built from a mapper, and the per-mapper cache of their compiled forms. The typed front is not
// involved: everything here works on Mappers, Attributes and Core nodes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

#include "crucible/engine/connection.hpp"
#include "crucible/orm/mapper.hpp"
#include "crucible/sql/compiled.hpp"
#include "crucible/sql/dialect.hpp"
#include "crucible/sql/dml.hpp"
#include "crucible/sql/select.hpp"

namespace crucible::detail {

// A compiled statement whose bound values are all literals placed by the unit of work:
// slot[i] says which (row * width + column) value literal i takes.
struct PlacedStatement {
  sql::CompiledPtr compiled;
  std::vector<std::size_t> slot;
  std::vector<std::size_t> literal_of;  // inverse of slot: position -> literal index
  std::size_t width = 0;  // values per row
  // Per placeholder of `compiled`, in order: the (row, column) value it takes (typed binding).
  struct Place {
    std::uint32_t row;
    std::uint32_t column;
  };
  std::vector<Place> bind_place;
};

// INSERT of `rows` rows giving `columns` (attribute indexes), RETURNING `returning`.
struct InsertShape {
  std::uint64_t dialect = 0;
  std::vector<std::size_t> columns;
  std::vector<std::size_t> returning;
  std::size_t rows = 0;
  friend auto operator<=>(const InsertShape&, const InsertShape&) = default;
};

// UPDATE ... SET <columns> WHERE <key> [AND version]: per placeholder, the attribute whose value
// it takes and whether that is the snapshot's (key, version) or the object's (SET).
struct UpdateStatement {
  sql::CompiledPtr compiled;
  struct Place {
    std::size_t attribute;
    bool committed;
  };
  std::vector<Place> places;
};

struct PersistenceCache {
  std::mutex mutex;
  std::map<std::pair<std::uint64_t, std::vector<std::size_t>>, std::shared_ptr<const UpdateStatement>> updates;
  std::map<InsertShape, std::shared_ptr<const PlacedStatement>> inserts;
  std::map<std::uint64_t, std::shared_ptr<const PlacedStatement>> gets;  // by dialect serial
};

std::shared_ptr<const PlacedStatement> insert_statement(const Mapper& mapper, const sql::Dialect& dialect,
                                                        const InsertShape& shape);
// The UPDATE of `columns` (attribute indexes) by key, compiled once per dialect and column set.
std::shared_ptr<const UpdateStatement> update_statement(const Mapper& mapper, const sql::Dialect& dialect,
                                                        const std::vector<std::size_t>& columns);
// SELECT every column WHERE pk = ? (one value per primary key column).
std::shared_ptr<const PlacedStatement> get_statement(const Mapper& mapper, const sql::Dialect& dialect);

// Runs a placed statement; `literals` are in literal order (fill them through literal_of).
inline Result run_placed(Connection& conn, const PlacedStatement& stmt, const std::vector<Value>& literals) {
  return conn.execute(stmt.compiled, {}, literals);
}

}  // namespace crucible::detail
