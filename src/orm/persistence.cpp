// SPDX-License-Identifier: MIT
#include "orm/persistence.hpp"

#include <algorithm>
#include <string>

#include "crucible/core/errors.hpp"
#include "crucible/sql/expression.hpp"

namespace crucible::detail {
namespace {

// Literal nodes holding their own position as a sentinel; after compiling, extract_literals()
// tells which position each bind slot takes, whatever order the compiler visits them in.
sql::NodePtr placeholder(std::size_t position, const Column& column) {
  return make_literal(Value(static_cast<std::int64_t>(position)), column.type());
}

std::shared_ptr<PlacedStatement> place(const sql::Statement& stmt, const sql::Dialect& dialect,
                                       std::size_t count, std::size_t width) {
  auto placed = std::make_shared<PlacedStatement>();
  placed->compiled = dialect.compile(stmt);
  placed->width = width;
  std::vector<Value> literals;
  stmt.extract_literals(literals);
  if (literals.size() != count)
    throw InvalidRequestError("crucible internal error: unit-of-work statement has " +
                              std::to_string(literals.size()) + " literals, expected " +
                              std::to_string(count));
  for (const auto& v : literals) placed->slot.push_back(static_cast<std::size_t>(v.get<std::int64_t>()));
  placed->literal_of.resize(count);
  for (std::size_t i = 0; i < placed->slot.size(); ++i) placed->literal_of[placed->slot[i]] = i;
  const std::size_t w = std::max<std::size_t>(1, width);
  for (const auto& b : placed->compiled->binds) {
    if (b.literal_index < 0 || static_cast<std::size_t>(b.literal_index) >= placed->slot.size())
      throw InvalidRequestError("crucible internal error: unit-of-work statement has a named bind");
    const std::size_t position = placed->slot[static_cast<std::size_t>(b.literal_index)];
    placed->bind_place.push_back(
        {static_cast<std::uint32_t>(position / w), static_cast<std::uint32_t>(position % w)});
  }
  return placed;
}

}  // namespace

std::shared_ptr<const PlacedStatement> insert_statement(const Mapper& mapper, const sql::Dialect& dialect,
                                                        const InsertShape& shape) {
  auto& cache = mapper.persistence_cache();
  {
    std::lock_guard lock(cache.mutex);
    auto it = cache.inserts.find(shape);
    if (it != cache.inserts.end()) return it->second;
  }
  const Table& table = mapper.table();
  const auto& columns = table.columns();
  std::vector<std::vector<ColumnValue>> rows(shape.rows);
  std::size_t position = 0;
  for (auto& row : rows) {
    row.reserve(shape.columns.size());
    for (std::size_t c : shape.columns)
      row.push_back(ColumnValue{&columns[c], placeholder(position++, columns[c])});
  }
  Insert ins = insert(table).values(std::move(rows));
  if (!shape.returning.empty()) {
    std::vector<ExprArg> ret;
    for (std::size_t c : shape.returning) ret.emplace_back(Expr<Value>(table.column_nodes()[c]));
    ins = ins.returning(std::move(ret));
  }
  std::shared_ptr<const PlacedStatement> placed = place(ins, dialect, position, shape.columns.size());
  std::lock_guard lock(cache.mutex);
  return cache.inserts.emplace(shape, placed).first->second;
}

std::shared_ptr<const UpdateStatement> update_statement(const Mapper& mapper, const sql::Dialect& dialect,
                                                        const std::vector<std::size_t>& columns) {
  auto& cache = mapper.persistence_cache();
  auto cache_key = std::make_pair(dialect.serial(), columns);
  {
    std::lock_guard lock(cache.mutex);
    auto it = cache.updates.find(cache_key);
    if (it != cache.updates.end()) return it->second;
  }
  const Table& table = mapper.table();
  const auto& attrs = mapper.attributes();
  std::vector<ColumnValue> sets;
  for (std::size_t c : columns)
    sets.push_back(make_column_value(table.column_nodes()[c],
                                     make_bind_param("u" + std::to_string(c), attrs[c]->column().type())));
  sql::NodeList conds;
  for (std::size_t k = 0; k < mapper.primary_key().size(); ++k) {
    const Attribute* a = mapper.primary_key()[k];
    conds.push_back(make_compare(sql::BinaryOp::eq, table.column_nodes()[a->index()],
                                 make_bind_param("k" + std::to_string(k), a->column().type())));
  }
  if (const Attribute* v = mapper.version_attribute())
    conds.push_back(make_compare(sql::BinaryOp::eq, table.column_nodes()[v->index()],
                                 make_bind_param("v", v->column().type())));
  const Update stmt = update(table).values(std::move(sets)).where(Expr<bool>(sql::and_all(std::move(conds))));
  auto out = std::make_shared<UpdateStatement>();
  out->compiled = dialect.compile(stmt);
  for (const auto& b : out->compiled->binds) {
    if (b.literal_index >= 0 || b.name.empty())
      throw InvalidRequestError("crucible internal error: unit-of-work UPDATE has a literal bind");
    const std::size_t number = b.name.size() > 1 ? std::stoul(b.name.substr(1)) : 0;
    if (b.name[0] == 'u') out->places.push_back({number, false});
    else if (b.name[0] == 'k') out->places.push_back({mapper.primary_key().at(number)->index(), true});
    else out->places.push_back({mapper.version_attribute()->index(), true});
  }
  std::shared_ptr<const UpdateStatement> placed = out;
  std::lock_guard lock(cache.mutex);
  return cache.updates.emplace(std::move(cache_key), placed).first->second;
}

std::shared_ptr<const PlacedStatement> get_statement(const Mapper& mapper, const sql::Dialect& dialect) {
  auto& cache = mapper.persistence_cache();
  {
    std::lock_guard lock(cache.mutex);
    auto it = cache.gets.find(dialect.serial());
    if (it != cache.gets.end()) return it->second;
  }
  const Table& table = mapper.table();
  sql::NodeList conditions;
  std::size_t position = 0;
  for (const Attribute* a : mapper.primary_key())
    conditions.push_back(make_compare(sql::BinaryOp::eq, table.column_nodes()[a->index()],
                                      placeholder(position++, a->column())));
  Select s = select(table).where(Expr<bool>(sql::and_all(std::move(conditions))));
  std::shared_ptr<const PlacedStatement> placed = place(s, dialect, position, position);
  std::lock_guard lock(cache.mutex);
  return cache.gets.emplace(dialect.serial(), placed).first->second;
}

}  // namespace crucible::detail
