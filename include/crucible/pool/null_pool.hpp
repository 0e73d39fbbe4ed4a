// SPDX-License-Identifier: MIT
//
// NullPool: no pooling. Each checkout opens a connection and each return closes it; useful for
// scripts, forked processes, and tests that must see a fresh connection every time.
// Thread-safe.
//
//   crucible::NullPool pool(factory);
#pragma once

#include <atomic>

#include "crucible/pool/pool.hpp"

namespace crucible {

class NullPool final : public Pool {
 public:
  explicit NullPool(ConnectionFactory factory, PoolOptions options = {});

  PooledConnection connect() override;
  PoolStatus status_info() const override;
  std::string_view name() const override { return "NullPool"; }
  void dispose() override {}

 private:
  void checkin(std::unique_ptr<detail::PoolRecord> record) override;
  std::atomic<std::size_t> checked_out_{0};
};

}  // namespace crucible
