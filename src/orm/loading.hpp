// SPDX-License-Identifier: MIT
// Internal: loader options resolved against mappers, and the loaders a query runs.
#pragma once

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

}  // namespace crucible::detail
