// SPDX-License-Identifier: MIT
#include "crucible/pool/null_pool.hpp"

namespace crucible {

NullPool::NullPool(ConnectionFactory factory, PoolOptions options)
    : Pool(std::move(factory), options) {}

PooledConnection NullPool::connect() {
  auto record = open_record();
  ++checked_out_;
  return lease(std::move(record));
}

void NullPool::checkin(std::unique_ptr<detail::PoolRecord> record) {
  prepare_for_reuse(*record);  // fires checkin and rolls back like the other pools
  --checked_out_;
  close_record(std::move(record));
}

PoolStatus NullPool::status_info() const {
  PoolStatus s;
  s.checked_out = checked_out_.load();
  return s;
}

}  // namespace crucible
