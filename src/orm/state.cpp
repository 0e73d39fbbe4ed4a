// SPDX-License-Identifier: MIT
#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "crucible/orm/inspection.hpp"
#include "crucible/orm/mapper.hpp"
#include "crucible/orm/state.hpp"

namespace crucible {

std::string_view to_string(ObjectState state) {
  switch (state) {
    case ObjectState::transient: return "transient";
    case ObjectState::pending: return "pending";
    case ObjectState::persistent: return "persistent";
    case ObjectState::deleted: return "deleted";
    case ObjectState::detached: return "detached";
  }
  return "unknown";
}

namespace detail {

void InstanceState::refuse_transition(ObjectState to) const {
  throw InvalidRequestError("object of " + (mapper ? mapper->class_name() : std::string("?")) + " cannot go from " +
                            std::string(to_string(state)) + " to " + std::string(to_string(to)));
}

std::shared_ptr<ObjectGraph> ObjectGraph::create() {
  return std::shared_ptr<ObjectGraph>(new ObjectGraph(), GraphDeleter{});
}

ObjectGraph::~ObjectGraph() {
  for (InstanceState* s : states_) s->~InstanceState();
}

namespace {

constexpr std::size_t kHugeChunk = 2 * 1024 * 1024;
constexpr std::size_t kSpareFrom = 64 * 1024;  // see allocate_in_new_chunk

// Freed 2 MiB arena chunks kept for the next graph, up to kMaxSpare (32 MiB). A service opens a
// session per request: without this every big load or add_all faults its memory in afresh (on a
// virtual machine that was a third of a 100,000-object load). Never destroyed, so a graph freed
// during static destruction still finds it, and LeakSanitizer sees the kept chunks as reachable.
class SpareChunks {
 public:
  static SpareChunks& instance() {
    static auto* spare = new SpareChunks;
    return *spare;
  }
  std::byte* take() {
    std::lock_guard lock(mutex_);
    if (chunks_.empty()) return nullptr;
    std::byte* chunk = chunks_.back();
    chunks_.pop_back();
    return chunk;
  }
  bool keep(std::byte* chunk) {
    std::lock_guard lock(mutex_);
    if (chunks_.size() >= kMaxSpare) return false;
    chunks_.push_back(chunk);  // reserved below: never allocates, never throws
    return true;
  }
  std::size_t release() {
    std::vector<std::byte*> freed;
    {
      std::lock_guard lock(mutex_);
      freed.assign(chunks_.begin(), chunks_.end());
      chunks_.clear();
    }
    for (std::byte* chunk : freed) ::operator delete[](chunk, std::align_val_t{kHugeChunk});
    return freed.size() * kHugeChunk;
  }

 private:
  static constexpr std::size_t kMaxSpare = 16;
  SpareChunks() { chunks_.reserve(kMaxSpare); }
  std::mutex mutex_;
  std::vector<std::byte*> chunks_;
};

}  // namespace

void ObjectGraph::ChunkFree::operator()(std::byte* chunk) const noexcept {
  if (align == kHugeChunk && SpareChunks::instance().keep(chunk)) return;
  ::operator delete[](chunk, std::align_val_t{align});
}

void* ObjectGraph::allocate_in_new_chunk(std::size_t size, std::size_t align) {
  if (align > kChunkAlign)
    throw ArgumentError("a mapped class aligned to more than " + std::to_string(kChunkAlign) + " bytes");
  // Chunks double from one state's worth up to 2 MiB: a graph of one object (a transient
  // make_instance) costs one small chunk, a load of thousands a few large ones. A 2 MiB chunk
  // is aligned to 2 MiB and offered to the kernel as one transparent huge page: the states of
  // a big load or add_all then cost one page fault per 2 MiB instead of 512 (first touches of
  // fresh memory were most of the time of add_all on virtual machines, tens of us a fault).
  // From kSpareFrom on, a kept 2 MiB chunk (SpareChunks) is taken when there is one, in place of
  // a fresh chunk of the next size: the doubling steps of every big load were otherwise fresh
  // heap memory each time, given back to the kernel when the session ended (the heap's top
  // trimmed) and faulted in again by the next one.
  const std::size_t next = chunks_.empty() ? size : std::min(kHugeChunk, chunk_size_ * 2);
  std::byte* spare = next >= kSpareFrom && size <= kHugeChunk ? SpareChunks::instance().take() : nullptr;
  chunk_size_ = spare ? kHugeChunk : std::max(next, size);
  const std::size_t chunk_align = chunk_size_ == kHugeChunk ? kHugeChunk : kChunkAlign;
  chunks_.push_back(Chunk(spare ? spare : new (std::align_val_t{chunk_align}) std::byte[chunk_size_],
                          ChunkFree{chunk_align}));
#ifdef MADV_HUGEPAGE
  if (chunk_align == kHugeChunk && !spare)
    madvise(chunks_.back().get(), kHugeChunk, MADV_HUGEPAGE);  // a hint only
#endif
  chunk_used_ = size;
  return chunks_.back().get();
}

void GraphDeleter::operator()(ObjectGraph* graph) const noexcept { delete graph; }

}  // namespace detail

std::size_t release_spare_object_memory() { return detail::SpareChunks::instance().release(); }

namespace detail {

ObjectGraph* ObjectGraph::forwarded_root() {
  ObjectGraph* g = this;
  while (g->forward_) g = g->forward_.get();
  // Path compression: later lookups from here take one step.
  if (forward_ && forward_.get() != g) forward_ = g->shared_from_this();
  return g;
}

void ObjectGraph::adopt(InstanceState* state) {
  states_.push_back(state);
  state->graph = this;
}

ObjectGraph* ObjectGraph::merge(ObjectGraph* a, ObjectGraph* b) {
  ObjectGraph* ra = a->root();
  ObjectGraph* rb = b->root();
  if (ra == rb) return ra;
  if (ra->states_.size() < rb->states_.size()) std::swap(ra, rb);
  ra->states_.reserve(ra->states_.size() + rb->states_.size());
  for (InstanceState* s : rb->states_) {
    ra->states_.push_back(s);
    s->graph = ra;
  }
  rb->states_.clear();
  rb->states_.shrink_to_fit();
  // The memory of the moved states goes with them; the survivor keeps filling its own chunk.
  ra->chunks_.insert(ra->chunks_.begin(), std::make_move_iterator(rb->chunks_.begin()),
                     std::make_move_iterator(rb->chunks_.end()));
  rb->chunks_.clear();
  rb->chunk_used_ = rb->chunk_size_ = 0;
  rb->forward_ = ra->shared_from_this();
  return ra;
}

void TextSnapshot::assign(std::string_view value, ObjectGraph& root) {
  if (value.size() > capacity) {
    if (value.size() > UINT32_MAX)
      throw ArgumentError("a string column value of " + std::to_string(value.size()) +
                          " bytes: no supported database stores a text value of 4 GiB or more");
    // At least doubling: a value that keeps growing takes new room a logarithmic number of times.
    const std::size_t room = std::min<std::size_t>(std::max<std::size_t>(value.size(), 2ull * capacity), UINT32_MAX);
    data = static_cast<char*>(root.allocate(room, 1));
    capacity = static_cast<std::uint32_t>(room);
  }
  if (!value.empty()) std::memcpy(data, value.data(), value.size());
  size = static_cast<std::uint32_t>(value.size());
}

void throw_not_instrumented(std::string_view what) {
  throw ArgumentError(std::string(what) +
                      " has no ORM state: create mapped objects with session.add(T{...}) or "
                      "crucible::make_instance(T{...})");
}

bool is_modified(const InstanceState& state) {
  if (!state.has_snapshot) return state.state == ObjectState::pending || state.state == ObjectState::transient;
  for (const auto& a : state.mapper->attributes())
    if (a->modified(state)) return true;
  return false;
}

AttributeHistory history_of(const InstanceState& state, const Attribute& attribute) {
  AttributeHistory h;
  Value current = attribute.get(state);
  if (!state.has_snapshot) {
    h.added.push_back(std::move(current));
  } else if (attribute.modified(state)) {
    h.added.push_back(std::move(current));
    h.deleted.push_back(attribute.get_committed(state));
  } else {
    h.unchanged.push_back(std::move(current));
  }
  return h;
}

void make_transient(InstanceState& state) {
  if (state.state == ObjectState::pending || state.state == ObjectState::deleted ||
      (state.state == ObjectState::persistent && state.session))
    throw InvalidRequestError("make_transient: expunge the object from its session first");
  if (state.state != ObjectState::transient) state.transition(ObjectState::transient);
  state.has_identity = false;
  state.key.reset();
  state.has_snapshot = false;
  state.expired = false;
  state.row_deleted = false;
  state.session = nullptr;
}

}  // namespace detail
}  // namespace crucible
