// SPDX-License-Identifier: MIT
#include "crucible/pool/queue_pool.hpp"

#include <cstdio>
#include <vector>

#include "crucible/core/errors.hpp"

namespace crucible {

QueuePool::QueuePool(ConnectionFactory factory, PoolOptions options)
    : Pool(std::move(factory), options) {}

QueuePool::~QueuePool() { dispose(); }

bool QueuePool::has_capacity() const {
  return options_.max_overflow < 0 ||
         total_ < options_.pool_size + static_cast<std::size_t>(options_.max_overflow);
}

PooledConnection QueuePool::connect() {
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  for (;;) {
    std::vector<std::unique_ptr<detail::PoolRecord>> stale;
    std::unique_ptr<detail::PoolRecord> record;
    bool open_new = false;
    {
      std::unique_lock lock(mutex_);
      for (;;) {
        while (!idle_.empty() && is_stale(*idle_.front())) {
          stale.push_back(std::move(idle_.front()));
          idle_.pop_front();
          --total_;
        }
        if (!idle_.empty()) {
          record = std::move(idle_.front());
          idle_.pop_front();
          break;
        }
        if (has_capacity()) {
          ++total_;
          open_new = true;
          break;
        }
        if (available_.wait_until(lock, deadline) == std::cv_status::timeout &&
            idle_.empty() && !has_capacity()) {
          char timeout[32];
          std::snprintf(timeout, sizeof timeout, "%.2f",
                        std::chrono::duration<double>(options_.timeout).count());
          lock.unlock();
          for (auto& r : stale) close_record(std::move(r));
          throw TimeoutError("QueuePool limit of size " + std::to_string(options_.pool_size) +
                             " overflow " + std::to_string(options_.max_overflow) +
                             " reached, connection timed out, timeout " + timeout + "s");
        }
      }
      ++checked_out_;
    }
    for (auto& r : stale) close_record(std::move(r));
    if (!stale.empty()) available_.notify_all();  // their slots are free again

    if (open_new) {
      try {
        return lease(open_record());
      } catch (...) {
        {
          std::lock_guard lock(mutex_);
          --total_;
          --checked_out_;
        }
        available_.notify_one();
        throw;
      }
    }
    if (ping_ok(*record)) return lease(std::move(record));
    // Dead connection: drop it and try again (the slot it held is free now).
    close_record(std::move(record));
    {
      std::lock_guard lock(mutex_);
      --total_;
      --checked_out_;
    }
    available_.notify_one();
  }
}

void QueuePool::checkin(std::unique_ptr<detail::PoolRecord> record) {
  const bool reusable = prepare_for_reuse(*record);
  std::unique_ptr<detail::PoolRecord> to_close;
  {
    std::lock_guard lock(mutex_);
    --checked_out_;
    if (reusable && idle_.size() < options_.pool_size) {
      idle_.push_back(std::move(record));
    } else {
      --total_;  // overflow or broken: close instead of keeping
      to_close = std::move(record);
    }
  }
  available_.notify_one();
  close_record(std::move(to_close));
}

PoolStatus QueuePool::status_info() const {
  std::lock_guard lock(mutex_);
  PoolStatus s;
  s.size = options_.pool_size;
  s.checked_in = idle_.size();
  s.checked_out = checked_out_;
  s.overflow = static_cast<long>(total_) - static_cast<long>(options_.pool_size);
  return s;
}

void QueuePool::dispose() {
  std::deque<std::unique_ptr<detail::PoolRecord>> closing;
  {
    std::lock_guard lock(mutex_);
    closing.swap(idle_);
    total_ -= closing.size();
  }
  invalidate_all();  // connections out now close when they come back
  available_.notify_all();
  for (auto& r : closing) close_record(std::move(r));
}

}  // namespace crucible
