// SPDX-License-Identifier: MIT
//
// Statement: the common base of every built statement (Select, Insert, Update, Delete,
// TextClause...). It implements sql::Executable over the statement's node tree:
//   - cache_key(): the tree's structural key, literals replaced by a marker, plus the literals;
//   - extract_literals(): the literal values alone, from a list of literal nodes computed once;
//   - compile(dialect): memoised per dialect instance, so a statement built once and run many
//     times compiles once.
//
// Builders are immutable: each builder call returns a new statement with its own memo.
//
// Thread-safety: a built statement may be executed from several threads at once; the memo is
// guarded by a mutex and the literal list is computed under std::call_once.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "crucible/sql/compiled.hpp"
#include "crucible/sql/executable.hpp"
#include "crucible/sql/nodes.hpp"

namespace crucible::sql {

class Statement : public Executable {
 public:
  bool cache_key(std::string& key, std::vector<Value>& literals) const override;
  CompiledPtr compile(const Dialect& dialect) const override;
  void extract_literals(std::vector<Value>& literals) const override;
  CompiledPtr memoized(const Dialect& dialect) const override;

  // The root of the statement's node tree.
  const NodePtr& root() const { return root_; }

 protected:
  explicit Statement(NodePtr root);
  // Copies keep sharing the memo of the same tree; builders call this to start a new one.
  void set_root(NodePtr root);

 private:
  struct Memo {
    std::mutex mutex;
    std::vector<std::pair<std::uint64_t, CompiledPtr>> compiled;  // by Dialect::serial()
    std::once_flag literals_once;
    std::vector<const Node*> literal_nodes;
  };
  NodePtr root_;
  std::shared_ptr<Memo> memo_;
};

}  // namespace crucible::sql
