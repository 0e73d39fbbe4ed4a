// SPDX-License-Identifier: MIT
//
// The type-erased expression tree that the typed front (Expr<T>, select(), insert()...) lowers
// to at once, and that the compiler walks. One node class per kind; NodeKind drives the
// compiler's dispatch (one visit per kind).
//
// Users of this header: the compiler and the dialect compilers, statement builders, and layers
// above that generate SQL structurally (ORM loaders). Application code uses the typed front.
//
// Invariants that keep caching correct:
//   - for_each_child visits every child the compiler may render, in a fixed order. The order of
//     literal nodes met in that walk *is* the literal numbering (BindSlot::literal_index) and
//     the order of Executable::extract_literals.
//   - key_head appends everything about the node that is not a child and changes the SQL
//     (names, operators, flags, list lengths). Literal values never appear in a key.
//   - A column reference does not walk into its FROM object (the FROM list does), so a
//     subquery's literals are walked once per FROM appearance.
//
// Thread-safety: nodes are immutable once built and shared through shared_ptr<const Node>.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "crucible/core/row.hpp"
#include "crucible/core/types.hpp"
#include "crucible/core/value.hpp"

namespace crucible {
class Table;
class Column;
}  // namespace crucible

namespace crucible::sql {

// A non-owning reference to a callable, so tree walks cost an indirect call, not an allocation.
template <typename Sig>
class FnRef;
template <typename R, typename... A>
class FnRef<R(A...)> {
 public:
  template <typename F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, FnRef>)
  FnRef(F&& f)  // NOLINT: implicit on purpose
      : obj_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* o, A... a) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<A>(a)...);
        }) {}
  R operator()(A... a) const { return call_(obj_, std::forward<A>(a)...); }

 private:
  void* obj_;
  R (*call_)(void*, A...);
};

enum class NodeKind : std::uint8_t {
  table, alias, cte, join,                                 // FROM objects
  column, literal, computed_literal, bind_param, null_value, star, raw_sql, excluded,
  unary, binary, bool_list, in_list, in_select, between, like, is_null,
  case_, cast, label, function, over, order_item, scalar_subquery, exists,
  select, compound, insert, update, del, text,             // statements
};

class Node;
using NodePtr = std::shared_ptr<const Node>;
using NodeList = std::vector<NodePtr>;
using ChildFn = FnRef<void(const Node&)>;

class Node {
 public:
  Node(NodeKind kind, SqlType type) : kind_(kind), type_(std::move(type)) {}
  Node(const Node&) = default;
  Node& operator=(const Node&) = delete;
  virtual ~Node() = default;

  NodeKind kind() const { return kind_; }
  const SqlType& type() const { return type_; }

  virtual void for_each_child(ChildFn) const {}
  virtual void key_head(std::string& out) const = 0;

 private:
  NodeKind kind_;
  SqlType type_;
};

// Appends the structural key of the subtree and, when `literals` is given, its literal values
// in walk order. Never throws for well-formed trees.
void append_key(const Node& node, std::string& out, std::vector<Value>* literals);
// The literal values of the subtree in walk order (the cheap path: no string building).
void collect_literals(const Node& node, std::vector<Value>& literals);
// The literal nodes of the subtree in walk order (statements cache this list once).
void collect_literal_nodes(const Node& node, std::vector<const Node*>& out);
// The value of a literal or computed-literal node (computed ones call their function now).
Value literal_value(const Node& node);

// ----- FROM objects --------------------------------------------------------------------------

struct TableNode final : Node {
  explicit TableNode(const Table* t) : Node(NodeKind::table, NullType()), table(t) {}
  const Table* table;
  void key_head(std::string& out) const override;
};

// A named subquery ("(SELECT ...) AS name") or a table alias ("users AS u").
struct AliasNode final : Node {
  AliasNode(std::string n, NodePtr in) : Node(NodeKind::alias, NullType()), name(std::move(n)), inner(std::move(in)) {}
  std::string name;
  NodePtr inner;  // a SelectNode / CompoundNode, or a TableNode for a table alias
  void for_each_child(ChildFn fn) const override { fn(*inner); }
  void key_head(std::string& out) const override { out += "A:"; out += name; }
};

struct CteNode final : Node {
  CteNode(std::string n, NodePtr b, bool rec)
      : Node(NodeKind::cte, NullType()), name(std::move(n)), body(std::move(b)), recursive(rec) {}
  std::string name;
  NodePtr body;
  bool recursive;
  void for_each_child(ChildFn fn) const override { fn(*body); }
  void key_head(std::string& out) const override {
    out += recursive ? "WR:" : "W:";
    out += name;
  }
};

enum class JoinKind : std::uint8_t { inner, left, full };

struct JoinNode final : Node {
  JoinNode(NodePtr l, NodePtr r, NodePtr o, JoinKind k)
      : Node(NodeKind::join, NullType()), left(std::move(l)), right(std::move(r)), on(std::move(o)), join_kind(k) {}
  NodePtr left, right, on;
  JoinKind join_kind;
  void for_each_child(ChildFn fn) const override { fn(*left); fn(*right); fn(*on); }
  void key_head(std::string& out) const override { out += "J"; out += char('0' + static_cast<int>(join_kind)); }
};

// The name a FROM object is referred to by (table name, alias or CTE name); empty otherwise.
const std::string& from_name(const Node& from);

// ----- column-like leaves --------------------------------------------------------------------

struct ColumnNode final : Node {
  ColumnNode(NodePtr f, std::string n, SqlType t, const Column* c)
      : Node(NodeKind::column, std::move(t)), from(std::move(f)), name(std::move(n)), column(c) {}
  NodePtr from;          // TableNode, AliasNode or CteNode; not walked (see header comment)
  std::string name;
  const Column* column;  // the schema column for table columns, else nullptr
  void key_head(std::string& out) const override;
};

struct LiteralNode final : Node {
  LiteralNode(Value v, SqlType t) : Node(NodeKind::literal, std::move(t)), value(std::move(v)) {}
  Value value;
  void key_head(std::string& out) const override { out += '?'; }
};

// A value computed at each execution (client-side column defaults / on-update functions).
struct ComputedLiteralNode final : Node {
  ComputedLiteralNode(std::function<Value()> f, SqlType t)
      : Node(NodeKind::computed_literal, std::move(t)), fn(std::move(f)) {}
  std::function<Value()> fn;
  void key_head(std::string& out) const override { out += '?'; }
};

struct BindParamNode final : Node {
  BindParamNode(std::string n, SqlType t) : Node(NodeKind::bind_param, std::move(t)), name(std::move(n)) {}
  std::string name;
  void key_head(std::string& out) const override { out += ':'; out += name; }
};

struct NullNode final : Node {
  NullNode() : Node(NodeKind::null_value, NullType()) {}
  void key_head(std::string& out) const override { out += "NULL"; }
};

struct StarNode final : Node {
  StarNode() : Node(NodeKind::star, NullType()) {}
  void key_head(std::string& out) const override { out += '*'; }
};

// SQL text spliced verbatim (literal_column, check constraints given as text).
struct RawSqlNode final : Node {
  RawSqlNode(std::string s, SqlType t) : Node(NodeKind::raw_sql, std::move(t)), sql(std::move(s)) {}
  std::string sql;
  void key_head(std::string& out) const override { out += "R:"; out += sql; }
};

// The row proposed for insertion, inside an upsert's update part: excluded.c / VALUES(c).
struct ExcludedNode final : Node {
  ExcludedNode(std::string n, SqlType t) : Node(NodeKind::excluded, std::move(t)), name(std::move(n)) {}
  std::string name;
  void key_head(std::string& out) const override { out += "EX:"; out += name; }
};

// ----- operators -----------------------------------------------------------------------------

enum class UnaryOp : std::uint8_t { not_, negate, distinct };

struct UnaryNode final : Node {
  UnaryNode(UnaryOp o, NodePtr e, SqlType t) : Node(NodeKind::unary, std::move(t)), op(o), operand(std::move(e)) {}
  UnaryOp op;
  NodePtr operand;
  void for_each_child(ChildFn fn) const override { fn(*operand); }
  void key_head(std::string& out) const override { out += 'U'; out += char('0' + static_cast<int>(op)); }
};

// div is the database's own `/` (integer operands truncate on SQLite and PostgreSQL);
// true_div divides as reals whatever the operands (Expr's operator/ on two integers);
// floor_div is integer division rounding towards minus infinity (floordiv()).
enum class BinaryOp : std::uint8_t { eq, ne, lt, le, gt, ge, add, sub, mul, div, mod, concat, true_div, floor_div };

struct BinaryNode final : Node {
  BinaryNode(BinaryOp o, NodePtr l, NodePtr r, SqlType t)
      : Node(NodeKind::binary, std::move(t)), op(o), left(std::move(l)), right(std::move(r)) {}
  BinaryOp op;
  NodePtr left, right;
  void for_each_child(ChildFn fn) const override { fn(*left); fn(*right); }
  void key_head(std::string& out) const override { out += 'B'; out += char('a' + static_cast<int>(op)); }
};

// AND / OR over two or more items (nested lists of the same operator are flattened).
struct BoolListNode final : Node {
  BoolListNode(bool a, NodeList i) : Node(NodeKind::bool_list, Boolean()), is_and(a), items(std::move(i)) {}
  bool is_and;
  NodeList items;
  void for_each_child(ChildFn fn) const override { for (auto& i : items) fn(*i); }
  void key_head(std::string& out) const override;
};

struct InListNode final : Node {
  InListNode(NodePtr e, NodeList i, bool n) : Node(NodeKind::in_list, Boolean()), expr(std::move(e)), items(std::move(i)), negate(n) {}
  NodePtr expr;
  NodeList items;
  bool negate;
  void for_each_child(ChildFn fn) const override { fn(*expr); for (auto& i : items) fn(*i); }
  void key_head(std::string& out) const override;
};

struct InSelectNode final : Node {
  InSelectNode(NodePtr e, NodePtr s, bool n) : Node(NodeKind::in_select, Boolean()), expr(std::move(e)), select(std::move(s)), negate(n) {}
  NodePtr expr, select;
  bool negate;
  void for_each_child(ChildFn fn) const override { fn(*expr); fn(*select); }
  void key_head(std::string& out) const override { out += negate ? "NIS" : "IS"; }
};

struct BetweenNode final : Node {
  BetweenNode(NodePtr e, NodePtr l, NodePtr h, bool n)
      : Node(NodeKind::between, Boolean()), expr(std::move(e)), low(std::move(l)), high(std::move(h)), negate(n) {}
  NodePtr expr, low, high;
  bool negate;
  void for_each_child(ChildFn fn) const override { fn(*expr); fn(*low); fn(*high); }
  void key_head(std::string& out) const override { out += negate ? "NBT" : "BT"; }
};

struct LikeNode final : Node {
  LikeNode(NodePtr e, NodePtr p, bool ci, bool n, char esc)
      : Node(NodeKind::like, Boolean()), expr(std::move(e)), pattern(std::move(p)), case_insensitive(ci), negate(n), escape(esc) {}
  NodePtr expr, pattern;
  bool case_insensitive;
  bool negate;
  char escape;  // 0: no ESCAPE clause
  void for_each_child(ChildFn fn) const override { fn(*expr); fn(*pattern); }
  void key_head(std::string& out) const override;
};

struct IsNullNode final : Node {
  IsNullNode(NodePtr e, bool n) : Node(NodeKind::is_null, Boolean()), expr(std::move(e)), negate(n) {}
  NodePtr expr;
  bool negate;
  void for_each_child(ChildFn fn) const override { fn(*expr); }
  void key_head(std::string& out) const override { out += negate ? "NN" : "IN0"; }
};

struct CaseNode final : Node {
  CaseNode(std::vector<std::pair<NodePtr, NodePtr>> w, NodePtr e, SqlType t)
      : Node(NodeKind::case_, std::move(t)), whens(std::move(w)), else_(std::move(e)) {}
  std::vector<std::pair<NodePtr, NodePtr>> whens;
  NodePtr else_;  // may be null
  void for_each_child(ChildFn fn) const override;
  void key_head(std::string& out) const override;
};

struct CastNode final : Node {
  CastNode(NodePtr e, SqlType t) : Node(NodeKind::cast, std::move(t)), expr(std::move(e)) {}
  NodePtr expr;
  void for_each_child(ChildFn fn) const override { fn(*expr); }
  void key_head(std::string& out) const override;
};

struct LabelNode final : Node {
  LabelNode(NodePtr e, std::string n) : Node(NodeKind::label, e->type()), expr(std::move(e)), name(std::move(n)) {}
  NodePtr expr;
  std::string name;
  void for_each_child(ChildFn fn) const override { fn(*expr); }
  void key_head(std::string& out) const override { out += "L:"; out += name; }
};

struct FunctionNode final : Node {
  FunctionNode(std::string n, NodeList a, SqlType t) : Node(NodeKind::function, std::move(t)), name(std::move(n)), args(std::move(a)) {}
  std::string name;  // lower case, as rendered (dialects may respell some, e.g. now)
  NodeList args;
  void for_each_child(ChildFn fn) const override { for (auto& a : args) fn(*a); }
  void key_head(std::string& out) const override;
};

struct OverNode final : Node {
  OverNode(NodePtr f, NodeList p, NodeList o)
      : Node(NodeKind::over, f->type()), function(std::move(f)), partition_by(std::move(p)), order_by(std::move(o)) {}
  NodePtr function;
  NodeList partition_by, order_by;
  void for_each_child(ChildFn fn) const override;
  void key_head(std::string& out) const override;
};

enum class Direction : std::uint8_t { none, asc, desc };
enum class NullsOrder : std::uint8_t { none, first, last };

struct OrderItemNode final : Node {
  OrderItemNode(NodePtr e, Direction d, NullsOrder n) : Node(NodeKind::order_item, e->type()), expr(std::move(e)), dir(d), nulls(n) {}
  NodePtr expr;
  Direction dir;
  NullsOrder nulls;
  void for_each_child(ChildFn fn) const override { fn(*expr); }
  void key_head(std::string& out) const override;
};

struct ScalarSubqueryNode final : Node {
  ScalarSubqueryNode(NodePtr s, SqlType t) : Node(NodeKind::scalar_subquery, std::move(t)), select(std::move(s)) {}
  NodePtr select;
  void for_each_child(ChildFn fn) const override { fn(*select); }
  void key_head(std::string& out) const override { out += "SS"; }
};

struct ExistsNode final : Node {
  explicit ExistsNode(NodePtr s) : Node(NodeKind::exists, Boolean()), select(std::move(s)) {}
  NodePtr select;
  void for_each_child(ChildFn fn) const override { fn(*select); }
  void key_head(std::string& out) const override { out += "EXISTS"; }
};

// ----- statements ----------------------------------------------------------------------------

// The row-locking clause of a SELECT (Select::with_for_update). The OF targets are rendered by
// name only, so they are not children: a walk must not number literals twice.
struct LockingClause {
  bool read = false;         // FOR SHARE instead of FOR UPDATE
  bool nowait = false;
  bool skip_locked = false;
  NodeList of;               // TableNode / AliasNode whose rows alone are locked
};

struct SelectNode final : Node {
  SelectNode() : Node(NodeKind::select, NullType()) {}
  NodeList columns;
  NodeList froms;  // TableNode / AliasNode / CteNode / JoinNode
  // FROM objects only the WHERE clause refers to (select(x).where(users.id == 1) reads FROM
  // users). Rendered after `froms`, except those an enclosing statement has: a subquery's WHERE
  // that names an outer table correlates with it (SQLAlchemy's auto-correlation).
  NodeList where_froms;
  NodePtr where;
  NodeList group_by;
  NodePtr having;
  NodeList order_by;  // OrderItemNode
  NodePtr limit, offset;
  bool distinct = false;
  bool explicit_froms = false;  // select_from was used: do not add FROMs of later columns
  std::size_t explicit_count = 0;  // froms[0, explicit_count) came from select_from (join left sides)
  std::optional<LockingClause> locking;  // FOR UPDATE / FOR SHARE
  void for_each_child(ChildFn fn) const override;
  void key_head(std::string& out) const override;
};

enum class CompoundOp : std::uint8_t { union_, union_all, intersect, intersect_all, except_, except_all };

struct CompoundNode final : Node {
  CompoundNode(CompoundOp o, NodeList s) : Node(NodeKind::compound, NullType()), op(o), selects(std::move(s)) {}
  CompoundOp op;
  NodeList selects;
  NodeList order_by;
  NodePtr limit, offset;
  void for_each_child(ChildFn fn) const override;
  void key_head(std::string& out) const override;
};

// Columns an assignment targets are named; the table is the statement's table.
struct Assignment {
  const Column* column = nullptr;
  NodePtr value;
};

enum class ConflictAction : std::uint8_t { none, do_nothing, do_update };

struct InsertNode final : Node {
  InsertNode() : Node(NodeKind::insert, NullType()) {}
  const Table* table = nullptr;
  std::vector<const Column*> columns;  // target columns, in order
  std::vector<NodeList> rows;          // one value node per column per row; empty: named binds
  NodePtr from_select;                 // INSERT ... SELECT
  NodeList returning;
  ConflictAction conflict = ConflictAction::none;
  std::vector<const Column*> conflict_targets;
  std::vector<Assignment> conflict_sets;
  NodePtr conflict_where;
  void for_each_child(ChildFn fn) const override;
  void key_head(std::string& out) const override;
};

struct UpdateNode final : Node {
  UpdateNode() : Node(NodeKind::update, NullType()) {}
  const Table* table = nullptr;
  std::vector<Assignment> sets;
  NodePtr where;
  NodeList returning;
  void for_each_child(ChildFn fn) const override;
  void key_head(std::string& out) const override;
};

struct DeleteNode final : Node {
  DeleteNode() : Node(NodeKind::del, NullType()) {}
  const Table* table = nullptr;
  NodePtr where;
  NodeList returning;
  void for_each_child(ChildFn fn) const override;
  void key_head(std::string& out) const override;
};

// Text SQL split at its named binds: segments.size() == bind_names.size() + 1.
struct TextNode final : Node {
  TextNode() : Node(NodeKind::text, NullType()) {}
  std::vector<std::string> segments;
  std::vector<std::string> bind_names;
  bool returns_rows = false;
  // An escaped colon (\:name) outside quotes became ":name", which SQLite would read as a
  // parameter of its own: the SQLite compiler refuses it (docs/core.md).
  bool escaped_colon_name = false;
  void key_head(std::string& out) const override;
};

// The column object a result column reads (a column, or a label over one); empty otherwise.
crucible::detail::ColumnSource column_source(const Node& column);

// Small helpers shared by the builders.
inline NodePtr make_null() { return std::make_shared<NullNode>(); }
NodePtr and_all(NodeList items);  // flattens; one item returns it; none returns nullptr
NodePtr or_all(NodeList items);

}  // namespace crucible::sql
