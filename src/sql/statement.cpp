// SPDX-License-Identifier: MIT
#include "crucible/sql/statement.hpp"

#include "crucible/sql/compiler.hpp"
#include "crucible/sql/dialect.hpp"

namespace crucible::sql {

Statement::Statement(NodePtr root) : root_(std::move(root)), memo_(std::make_shared<Memo>()) {}

void Statement::set_root(NodePtr root) {
  root_ = std::move(root);
  memo_ = std::make_shared<Memo>();
}

bool Statement::cache_key(std::string& key, std::vector<Value>& literals) const {
  append_key(*root_, key, &literals);
  return true;
}

Statement::Memo::~Memo() {
  const MemoEntry* e = compiled.load(std::memory_order_acquire);
  while (e) delete std::exchange(e, e->next);
}

void Statement::extract_literals(std::vector<Value>& literals) const {
  // Statements without literals (the common prepared shape: binds only) cost one load here.
  int state = memo_->literal_state.load(std::memory_order_acquire);
  if (state == literals_none) return;
  if (state == literals_unknown) {
    std::call_once(memo_->literals_once, [&] {
      collect_literal_nodes(*root_, memo_->literal_nodes);
      memo_->literal_state.store(memo_->literal_nodes.empty() ? literals_none : literals_some,
                                 std::memory_order_release);
    });
    if (memo_->literal_nodes.empty()) return;
  }
  literals.reserve(literals.size() + memo_->literal_nodes.size());
  for (const Node* n : memo_->literal_nodes) literals.push_back(literal_value(*n));
}

const CompiledPtr* Statement::memoized(const Dialect& dialect) const {
  const std::uint64_t serial = dialect.serial();
  for (const MemoEntry* e = memo_->compiled.load(std::memory_order_acquire); e; e = e->next)
    if (e->serial == serial) return &e->compiled;
  return nullptr;
}

CompiledPtr Statement::compile(const Dialect& dialect) const {
  if (const CompiledPtr* hit = memoized(dialect)) return *hit;
  // Compile outside the lock: two threads may both compile; the first to publish wins.
  return publish(dialect, dialect.make_compiler()->compile(*root_));
}

void Statement::memoize(const Dialect& dialect, const CompiledPtr& compiled) const { publish(dialect, compiled); }

const CompiledPtr& Statement::publish(const Dialect& dialect, const CompiledPtr& compiled) const {
  std::lock_guard lock(memo_->add_mutex);
  if (const CompiledPtr* hit = memoized(dialect)) return *hit;
  const MemoEntry* head = memo_->compiled.load(std::memory_order_relaxed);
  auto* entry = new MemoEntry{dialect.serial(), compiled, head};
  memo_->compiled.store(entry, std::memory_order_release);
  return entry->compiled;
}

}  // namespace crucible::sql
