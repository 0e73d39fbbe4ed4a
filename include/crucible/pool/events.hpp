// SPDX-License-Identifier: MIT
//
// Event listener lists shared by the pool and the engine, and EventHandle to remove a listener.
//
// Listening costs nothing when nobody listens: fire() checks one atomic flag first. Adding and
// removing listeners is thread-safe and may happen while other threads fire (listeners are
// copied on write; a firing thread sees a consistent snapshot). Listeners run on the thread that
// fires the event and must not throw.
//
//   auto handle = engine.events().on_checkout([](auto&) { ++checkouts; });
//   handle.remove();
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace crucible {

// Removes its listener on remove(); destroying the handle leaves the listener registered.
class EventHandle {
 public:
  EventHandle() = default;
  explicit EventHandle(std::function<void()> remover) : remover_(std::move(remover)) {}
  void remove() {
    if (auto r = std::exchange(remover_, nullptr)) r();
  }
  bool active() const { return static_cast<bool>(remover_); }

 private:
  std::function<void()> remover_;
};

namespace detail {

template <typename Sig>
class EventList {
  using Listeners = std::vector<std::pair<std::uint64_t, std::function<Sig>>>;
  struct State {
    std::mutex mutex;
    std::shared_ptr<const Listeners> listeners = std::make_shared<Listeners>();
    std::atomic<bool> any{false};
    std::uint64_t next_id = 1;
  };

 public:
  EventHandle add(std::function<Sig> fn) {
    std::lock_guard lock(state_->mutex);
    auto copy = std::make_shared<Listeners>(*state_->listeners);
    const auto id = state_->next_id++;
    copy->emplace_back(id, std::move(fn));
    state_->listeners = std::move(copy);
    state_->any.store(true, std::memory_order_release);
    return EventHandle([weak = std::weak_ptr<State>(state_), id] {
      if (auto state = weak.lock()) {
        std::lock_guard inner(state->mutex);
        auto rest = std::make_shared<Listeners>();
        for (const auto& item : *state->listeners)
          if (item.first != id) rest->push_back(item);
        state->any.store(!rest->empty(), std::memory_order_release);
        state->listeners = std::move(rest);
      }
    });
  }

  bool empty() const { return !state_->any.load(std::memory_order_acquire); }

  template <typename... Args>
  void fire(Args&&... args) const {
    if (empty()) return;
    std::shared_ptr<const Listeners> snapshot;
    {
      std::lock_guard lock(state_->mutex);
      snapshot = state_->listeners;
    }
    for (const auto& item : *snapshot) item.second(args...);
  }

 private:
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace detail
}  // namespace crucible
