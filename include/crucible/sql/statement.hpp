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
// Thread-safety: a built statement may be executed from several threads at once. Reads of the
// memo take no lock (every execute reads it): compiled forms are published as an immutable list
// through an atomic pointer, and a mutex only serialises adding to it; the literal list is
// computed once under std::call_once, after which an atomic flag answers without it.
#pragma once

#include <atomic>
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
  const CompiledPtr* memoized(const Dialect& dialect) const override;
  void memoize(const Dialect& dialect, const CompiledPtr& compiled) const override;

  // The root of the statement's node tree.
  const NodePtr& root() const { return root_; }

 protected:
  explicit Statement(NodePtr root);
  // Copies keep sharing the memo of the same tree; builders call this to start a new one.
  void set_root(NodePtr root);

 private:
  // One memoised compilation; entries are immutable once published, newest first.
  struct MemoEntry {
    std::uint64_t serial;  // Dialect::serial()
    CompiledPtr compiled;
    const MemoEntry* next;
  };
  enum LiteralState : int { literals_unknown, literals_none, literals_some };
  struct Memo {
    Memo() = default;
    Memo(const Memo&) = delete;
    Memo& operator=(const Memo&) = delete;
    ~Memo();
    std::atomic<const MemoEntry*> compiled{nullptr};
    std::mutex add_mutex;  // writers only
    std::atomic<int> literal_state{literals_unknown};
    std::once_flag literals_once;
    std::vector<const Node*> literal_nodes;
  };
  // Adds `compiled` to the memo unless another thread got there first; the memoised form.
  const CompiledPtr& publish(const Dialect& dialect, const CompiledPtr& compiled) const;

  NodePtr root_;
  std::shared_ptr<Memo> memo_;
};

}  // namespace crucible::sql
