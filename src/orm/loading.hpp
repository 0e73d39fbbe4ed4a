// SPDX-License-Identifier: MIT
// Internal: loader options resolved against mappers, and the loaders a query runs.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "crucible/orm/query.hpp"
#include "crucible/orm/relationship.hpp"

namespace crucible::detail {

// A loader option resolved to its relationship, with the options for the related objects.
struct OptionNode {
  const Relationship* relationship = nullptr;
  Loading loading = Loading::select;
  std::vector<OptionNode> children;
};

// The query's options, checked against `mapper`, plus (with `defaults`) the eager strategies
// its relationships declare and the query does not override.
std::vector<OptionNode> resolve_options(const Mapper& mapper, const std::vector<LoadOption>& options, bool defaults);
// Runs non-joined options over loaded parents; `top` is the parent query (subquery strategy).
void apply_options(Session& session, const std::vector<OptionNode>& options,
                   const std::vector<InstanceState*>& parents, const QueryCriteria* top);

// Runs `fn` on every row of `mapper`'s table whose primary key is one of `keys`, selecting them
// in IN batches (one statement per batch, whatever the number of keys).
void for_each_row_by_key(Connection& conn, const Mapper& mapper, const std::vector<std::vector<Value>>& keys,
                         const std::function<void(const Row&)>& fn);
// The primary key values of a row of all of `mapper`'s columns.
std::vector<Value> primary_key_of_row(const Mapper& mapper, const Row& row);

}  // namespace crucible::detail
