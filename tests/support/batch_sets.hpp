// SPDX-License-Identifier: MIT
// Parameter sets for a driver's batch path (DriverStatement::execute_batch / execute_batch_rows),
// as a function that binds set i (and one that reads its rows): the drivers' batch tests feed
// them straight to the driver.
#pragma once

#include <cstddef>
#include <functional>
#include <utility>

#include "crucible/dialects/driver.hpp"

namespace crucible::testkit {

class BatchSets final : public dialects::BatchSource {
 public:
  using Fn = std::function<void(dialects::DriverStatement&, std::size_t)>;
  // `rows(stmt, i)`, when given, reads the rows set i returned (execute_batch_rows).
  BatchSets(std::size_t n, Fn bind, Fn rows = {}) : n_(n), bind_(std::move(bind)), rows_(std::move(rows)) {}
  std::size_t size() const override { return n_; }
  void bind(dialects::DriverStatement& stmt, std::size_t index) const override { bind_(stmt, index); }
  void rows(std::size_t index, dialects::DriverStatement& stmt) const override {
    if (rows_) rows_(stmt, index);
  }

 private:
  std::size_t n_;
  Fn bind_, rows_;
};

}  // namespace crucible::testkit
