// SPDX-License-Identifier: MIT
// Parameter sets for a driver's batch path (DriverStatement::execute_batch), as a function that
// binds set i: the drivers' batch tests feed them straight to the driver.
#pragma once

#include <cstddef>
#include <functional>
#include <utility>

#include "crucible/dialects/driver.hpp"

namespace crucible::testkit {

class BatchSets final : public dialects::BatchSource {
 public:
  BatchSets(std::size_t n, std::function<void(dialects::DriverStatement&, std::size_t)> bind)
      : n_(n), bind_(std::move(bind)) {}
  std::size_t size() const override { return n_; }
  void bind(dialects::DriverStatement& stmt, std::size_t index) const override { bind_(stmt, index); }

 private:
  std::size_t n_;
  std::function<void(dialects::DriverStatement&, std::size_t)> bind_;
};

}  // namespace crucible::testkit
