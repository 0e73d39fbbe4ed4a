// SPDX-License-Identifier: MIT
#include "crucible/orm/scoped_session.hpp"

#include <thread>

namespace crucible {

ScopedSession::ScopedSession(Engine engine, SessionOptions options, ScopeFunction scope,
                             std::function<void(Session&)> configure)
    : engine_(std::move(engine)), options_(options), scope_(std::move(scope)), configure_(std::move(configure)) {}

ScopedSession::~ScopedSession() = default;

std::uintptr_t ScopedSession::current_scope() const {
  if (scope_) return scope_();
  return std::hash<std::thread::id>{}(std::this_thread::get_id());
}

Session& ScopedSession::operator()() {
  const auto key = current_scope();
  std::lock_guard lock(mutex_);
  auto& slot = sessions_[key];
  if (!slot) {
    slot = std::make_unique<Session>(engine_, options_);
    if (configure_) configure_(*slot);
  }
  return *slot;
}

void ScopedSession::remove() {
  std::unique_ptr<Session> gone;
  {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(current_scope());
    if (it == sessions_.end()) return;
    gone = std::move(it->second);
    sessions_.erase(it);
  }
  gone->close();
}

std::size_t ScopedSession::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace crucible
