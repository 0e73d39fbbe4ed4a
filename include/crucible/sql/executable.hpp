// SPDX-License-Identifier: MIT
//
// Executable: anything the engine can run — select, insert, update, delete, upsert, DDL and
// text SQL all implement it. The engine calls, per execution:
//
//   1. cache_key(key, literals): appends the statement's *shape* to `key` (literals replaced by
//      a placeholder marker) and its literal values to `literals`, in exactly the order the
//      compiler numbers them (BindSlot::literal_index). Returns false when some node cannot
//      describe its shape; the engine then compiles without caching rather than risk a wrong hit.
//   2. on a cache miss, compile(dialect) to get the CompiledStatement for that shape.
//
// A statement object built once and executed many times also memoises its compiled form per
// dialect (compiled, or found in the cache by shape), so the steady-state path is: extract
// literals, bind, step.
//
// Thread-safety: statements are immutable once built (builders return new statements); the
// memo is guarded internally, so one statement may be executed from several threads.
#pragma once

#include <string>
#include <vector>

#include "crucible/core/value.hpp"
#include "crucible/sql/compiled.hpp"

namespace crucible {
class Insert;
}

namespace crucible::sql {

class Dialect;

class Executable {
 public:
  virtual ~Executable() = default;

  // See above. Default: not cacheable.
  virtual bool cache_key(std::string& key, std::vector<Value>& literals) const = 0;
  // Compiles for `dialect`; throws CompileError for constructs the dialect cannot express.
  virtual CompiledPtr compile(const Dialect& dialect) const = 0;
  // The literal values alone (same order as cache_key), for the memoised path.
  virtual void extract_literals(std::vector<Value>& literals) const = 0;
  // The compiled form already memoised for `dialect`, or nullptr; lets the engine skip
  // building a cache key for statements it has run before (see CompiledCache::get). A pointer
  // to the memo's own handle, valid while this statement (or a copy sharing its memo) lives:
  // the engine executes through it without copying the shared_ptr.
  virtual const CompiledPtr* memoized(const Dialect& /*dialect*/) const { return nullptr; }
  // Adopts `compiled`, found in a cache under this statement's shape for `dialect`, as its
  // memoised form: a statement built anew per call (same shape) then builds its cache key once,
  // not at every execution. Default: nothing is kept.
  virtual void memoize(const Dialect& /*dialect*/, const CompiledPtr& /*compiled*/) const {}
  // This statement when it is an insert(t) given neither values, columns nor a SELECT
  // (Insert::bare): the engine gives it its parameters' columns before compiling. Else nullptr.
  virtual const Insert* bare_insert() const { return nullptr; }
};

}  // namespace crucible::sql
