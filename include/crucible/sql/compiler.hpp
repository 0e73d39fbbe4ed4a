// SPDX-License-Identifier: MIT
//
// Compiler: the visitor that turns a node tree into a CompiledStatement for one dialect, and
// schema objects into DDL. One visit per node kind; anything a dialect cannot express ends in
// unsupported(), which throws CompileError("<construct> is not supported on <dialect>").
// Dialect compilers (SqliteCompiler, PostgresqlCompiler, MysqlCompiler) override only the
// visits and hooks that differ; most differences are driven by DialectFeatures.
//
// Source files follow statement families: compiler.cpp (driver, names, binds),
// compiler_expressions.cpp, compiler_select.cpp, compiler_dml.cpp, compiler_ddl.cpp.
//
// Who uses it: Dialect::compile / Statement::compile and the DDL helpers on Dialect. Layers
// above do not need it.
//
// Thread-safety: a Compiler is single-use state for one compilation; make one per call through
// Dialect::make_compiler().
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "crucible/sql/alter.hpp"
#include "crucible/sql/compiled.hpp"
#include "crucible/sql/dialect.hpp"
#include "crucible/sql/nodes.hpp"
#include "crucible/sql/schema.hpp"

namespace crucible::sql {

class Compiler {
 public:
  explicit Compiler(const Dialect& dialect) : dialect_(dialect) {}
  virtual ~Compiler() = default;
  Compiler(const Compiler&) = delete;
  Compiler& operator=(const Compiler&) = delete;

  // Compiles a statement tree (select, compound, insert, update, delete, text).
  CompiledPtr compile(const Node& root);
  // Renders an expression with literal values inline (DDL: CHECK, partial index WHERE;
  // offline migration SQL). Column references render unqualified.
  std::string render_inline(const Node& expression);
  // A whole statement with its values rendered as literals, quoted and escaped for the dialect
  // (SQLAlchemy's literal_binds), for logs and debugging: never executed by Crucible. Throws
  // CompileError for what cannot be written safely as a literal: a named bind parameter (its
  // value comes at execution), a non-finite double, text with a NUL character.
  std::string compile_literal(const Node& root);

  // ---- DDL (compiler_ddl.cpp) ----
  virtual std::vector<std::string> create_table(const Table& table, bool if_not_exists);
  virtual std::vector<std::string> drop_table(const Table& table, bool if_exists);
  // `concurrently`: build without blocking writes (PostgreSQL CONCURRENTLY, which cannot run in
  // a transaction; MariaDB LOCK=NONE; SQLite has one writer and renders the plain form).
  virtual std::string create_index(std::string_view table, const Index& index, bool if_not_exists,
                                   bool concurrently = false);
  virtual std::string drop_index(std::string_view table, std::string_view index, bool if_exists,
                                 bool concurrently = false);

  // name type [DEFAULT ...] [NOT NULL] [COMMENT ...]: a column outside CREATE TABLE.
  std::string plain_column_ddl(const Column& column);
  // The table-level clause of a constraint: [CONSTRAINT name] UNIQUE (...) / CHECK / ...
  std::string constraint_clause(const TableConstraint& constraint);
  std::string foreign_key_clause(const ForeignKey& key);
  // A value as a literal of this dialect (offline migration SQL); CompileError as compile_literal.
  std::string value_literal(const Value& value);

  // ---- ALTER (compiler_alter.cpp): what migration operations render ----
  // ADD COLUMN with type, default, nullability, an enum's CHECK, comment; a foreign key on the
  // column follows as ADD CONSTRAINT (SQLite: inline REFERENCES, the one form it accepts).
  virtual std::vector<std::string> add_column(std::string_view table, const Column& column,
                                              const NamingConvention& convention = {});
  virtual std::string drop_column(std::string_view table, std::string_view column);
  // CompileError for what the dialect cannot ALTER in place (SQLite: all but a rename, which the
  // migrate layer runs as a batch copy instead).
  virtual std::vector<std::string> alter_column(const ColumnAlteration& change);
  virtual std::string rename_table(std::string_view from, std::string_view to);
  virtual std::string add_constraint(std::string_view table, const TableConstraint& constraint);
  virtual std::string drop_constraint(std::string_view table, std::string_view name, ConstraintKind kind);
  // Empty where the database keeps no comments (SQLite).
  virtual std::vector<std::string> set_table_comment(std::string_view table, std::string_view comment);
  // The column type in DDL.
  virtual std::string type_name(const SqlType& type) const = 0;
  // VARCHAR(n) wide enough for the longest label: the enum spelling of dialects without a
  // native enum type (a CHECK constraint restricts the values).
  static std::string enum_varchar(const SqlType& type);

 protected:
  // ---- dispatch ----
  void visit(const Node& node);
  virtual void visit_table(const TableNode& n);
  virtual void visit_alias(const AliasNode& n);
  virtual void visit_cte(const CteNode& n);
  virtual void visit_join(const JoinNode& n);
  virtual void visit_column(const ColumnNode& n);
  virtual void visit_literal(const Node& n);  // literal and computed literal
  virtual void visit_bind_param(const BindParamNode& n);
  virtual void visit_null(const NullNode& n);
  virtual void visit_star(const StarNode& n);
  virtual void visit_raw_sql(const RawSqlNode& n);
  virtual void visit_excluded(const ExcludedNode& n);
  virtual void visit_unary(const UnaryNode& n);
  virtual void visit_binary(const BinaryNode& n);
  virtual void visit_bool_list(const BoolListNode& n);
  virtual void visit_in_list(const InListNode& n);
  virtual void visit_in_select(const InSelectNode& n);
  virtual void visit_between(const BetweenNode& n);
  virtual void visit_like(const LikeNode& n);
  virtual void visit_is_null(const IsNullNode& n);
  virtual void visit_case(const CaseNode& n);
  virtual void visit_cast(const CastNode& n);
  virtual void visit_label(const LabelNode& n);
  virtual void visit_function(const FunctionNode& n);
  virtual void visit_over(const OverNode& n);
  virtual void visit_order_item(const OrderItemNode& n);
  virtual void visit_scalar_subquery(const ScalarSubqueryNode& n);
  virtual void visit_exists(const ExistsNode& n);
  virtual void visit_select(const SelectNode& n);
  virtual void visit_compound(const CompoundNode& n);
  virtual void visit_insert(const InsertNode& n);
  virtual void visit_update(const UpdateNode& n);
  virtual void visit_delete(const DeleteNode& n);
  virtual void visit_text(const TextNode& n);

  // ---- hooks dialects override ----
  // LIMIT / OFFSET (either may be null; not both).
  virtual void render_limit_offset(const Node* limit, const Node* offset);
  // The row-locking clause after LIMIT (only called where supports_for_update).
  virtual void render_for_update(const LockingClause& clause);
  // The upsert tail after VALUES: ON CONFLICT ... / ON DUPLICATE KEY UPDATE ...
  virtual void render_on_conflict(const InsertNode& n);
  // A value rendered inline (render_inline mode and DDL defaults).
  virtual void render_value(const Value& value);
  // CAST target type name (MySQL accepts only a few).
  virtual std::string cast_type_name(const SqlType& type) const { return type_name(type); }
  // The operator of a truncating integer division (MySQL: DIV, whose `/` gives a DECIMAL).
  virtual std::string_view integer_division_operator() const { return " / "; }
  // floordiv(a, b): see compiler_expressions.cpp.
  void render_floor_div(const BinaryNode& n);
  // The name a function renders as; may return a bare keyword (SQLite: CURRENT_TIMESTAMP).
  virtual void render_function_name(const FunctionNode& n, bool& emit_parens);

  // ---- DDL hooks ----
  virtual std::string column_ddl(const Table& table, const Column& column);
  // COMMENT ON COLUMN (PostgreSQL); none where comments are inline (MariaDB) or absent (SQLite).
  virtual std::vector<std::string> column_comment_statements(std::string_view table, std::string_view column,
                                                             std::string_view comment);
  static bool needs_conversion(const SqlType& from, const SqlType& to);
  virtual std::string autoincrement_clause(const Column& column) const = 0;
  virtual std::string create_table_suffix(const Table& /*table*/) const { return ""; }
  virtual std::vector<std::string> comment_statements(const Table& table);
  virtual std::string inline_comment(const Column& /*column*/) const { return ""; }
  // An enum column's CHECK constraint (dialects with native enums return "").
  virtual std::string enum_check(const Column& column);
  virtual bool inline_primary_key(const Table& /*table*/, const Column& /*column*/) const { return false; }

  // ---- helpers ----
  [[noreturn]] void unsupported(std::string_view construct) const;
  std::string quote(std::string_view identifier) const { return dialect_.quote_identifier(identifier); }
  virtual std::string quote_string(std::string_view text) const;  // 'text' with quotes doubled
  // INSERT of a row giving no column: " DEFAULT VALUES" (MySQL: " () VALUES ()").
  virtual void render_default_values() { emit(" DEFAULT VALUES"); }
  void emit(std::string_view s) { out_ += s; }
  void emit_placeholder(BindSlot slot);
  void visit_operand(const Node& child, int parent_precedence, bool right_side);
  void visit_list(const NodeList& items, std::string_view separator = ", ");
  void render_returning(const NodeList& items, StatementKind kind);
  void render_select_body(const SelectNode& n);
  // NOWAIT / SKIP LOCKED / OF of a locking clause, checked against the dialect's features.
  void render_locking_options(const LockingClause& clause);
  void render_order_by(const NodeList& items);
  void render_ctes();
  void render_result_columns(const NodeList& columns);
  static int precedence(const Node& n);
  static std::string result_name(const Node& column, std::size_t position);

  const Dialect& dialect_;
  std::string out_;
  std::vector<BindSlot> binds_;
  std::unordered_map<const Node*, int> literal_index_;
  bool inline_literals_ = false;
  // Set while rendering names that must not be table-qualified: INSERT column lists, SET
  // targets, RETURNING, compound ORDER BY, render_inline.
  bool unqualified_ = false;
  int select_depth_ = 0;
  std::vector<const CteNode*> ctes_;  // collected before rendering, dependencies first
  bool ctes_rendered_ = false;
  const NodeList* top_columns_ = nullptr;  // result columns of the outermost statement
  // The FROM lists of the selects being rendered, outermost first, and the table of the UPDATE
  // or DELETE being rendered: a subquery's WHERE-only FROMs found there correlate.
  std::vector<const std::vector<const Node*>*> enclosing_froms_;
  const Table* dml_table_ = nullptr;
  StatementKind kind_ = StatementKind::other;
  bool returns_rows_ = false;
  int numeric_digits_ = 0;  // CompiledStatement::numeric_digits
  std::pair<std::size_t, std::size_t> values_tuple_{0, 0};  // CompiledStatement::values_tuple
};

}  // namespace crucible::sql
