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

void Statement::extract_literals(std::vector<Value>& literals) const {
  std::call_once(memo_->literals_once, [&] { collect_literal_nodes(*root_, memo_->literal_nodes); });
  literals.reserve(literals.size() + memo_->literal_nodes.size());
  for (const Node* n : memo_->literal_nodes) literals.push_back(literal_value(*n));
}

CompiledPtr Statement::memoized(const Dialect& dialect) const {
  std::lock_guard lock(memo_->mutex);
  for (const auto& [serial, compiled] : memo_->compiled)
    if (serial == dialect.serial()) return compiled;
  return nullptr;
}

CompiledPtr Statement::compile(const Dialect& dialect) const {
  if (auto hit = memoized(dialect)) return hit;
  // Compile outside the lock: two threads may both compile once; the results are equal.
  auto compiled = dialect.make_compiler()->compile(*root_);
  std::lock_guard lock(memo_->mutex);
  memo_->compiled.emplace_back(dialect.serial(), compiled);
  return compiled;
}

}  // namespace crucible::sql
