// SPDX-License-Identifier: MIT
// create_all / drop_all: the dialect renders the DDL, the engine runs it through the normal
// execute path (events, error translation, transactions).
#include "crucible/engine/schema.hpp"

#include <memory>
#include <string>
#include <vector>

#include "crucible/sql/dialect.hpp"

namespace crucible {
namespace {

// Whether DDL may run inside a transaction and be rolled back with it (a dialect capability).
// Where it cannot (MySQL commits each DDL statement implicitly), the statements run one by one.
bool transactional_ddl(const sql::DialectFeatures& features) {
  return features.supports_transactional_ddl;
}

// A statement the dialect rendered in its own spelling: run as compiled (no text() scan, so a
// ':' inside DDL is never mistaken for a bind).
sql::CompiledPtr compiled_ddl(std::string sql_text) {
  auto compiled = std::make_shared<sql::CompiledStatement>();
  compiled->sql = std::move(sql_text);
  compiled->kind = sql::StatementKind::ddl;
  return compiled;
}

// has_table_sql() takes the table name through one parameter: written ":table_name" (compiled as
// text, into the dialect's placeholder style) or already in the dialect's style ("?", "$1").
sql::CompiledPtr compiled_has_table(const sql::Dialect& dialect) {
  const std::string query = dialect.has_table_sql();
  if (query.find(":table_name") != std::string::npos) return dialect.compile(text(query));
  auto compiled = std::make_shared<sql::CompiledStatement>();
  compiled->sql = query;
  sql::BindSlot slot;
  slot.name = "table_name";
  compiled->binds.push_back(std::move(slot));
  compiled->kind = sql::StatementKind::select;
  compiled->returns_rows = true;
  return compiled;
}

class SchemaRunner {
 public:
  SchemaRunner(Connection& conn, bool checkfirst, bool commit_each)
      : conn_(conn), checkfirst_(checkfirst), commit_each_(commit_each) {}

  bool exists(const Table& table) {
    if (!has_table_) has_table_ = compiled_has_table(conn_.dialect());
    return conn_.execute(has_table_, {{"table_name", table.name()}}).first().has_value();
  }

  void run(std::string sql_text) {
    conn_.execute(compiled_ddl(std::move(sql_text)));
    if (commit_each_) conn_.commit();
  }

  void create(const MetaData& metadata) {
    const sql::Dialect& dialect = conn_.dialect();
    for (const Table* table : metadata.sorted_tables()) {
      if (checkfirst_ && exists(*table)) continue;  // its indexes came with it
      for (auto& statement : dialect.create_table_ddl(*table)) run(std::move(statement));
      for (auto& statement : dialect.create_indexes_ddl(*table)) run(std::move(statement));
    }
  }

  void drop(const MetaData& metadata) {
    const sql::Dialect& dialect = conn_.dialect();
    const auto tables = metadata.sorted_tables();
    // Dependents first; DROP TABLE takes the table's indexes with it.
    for (auto it = tables.rbegin(); it != tables.rend(); ++it) {
      if (checkfirst_ && !exists(**it)) continue;
      for (auto& statement : dialect.drop_table_ddl(**it)) run(std::move(statement));
    }
  }

 private:
  Connection& conn_;
  bool checkfirst_;
  bool commit_each_;
  sql::CompiledPtr has_table_;
};

}  // namespace

bool has_table(Connection& connection, std::string_view table_name) {
  const sql::Dialect& dialect = connection.dialect();
  if (connection.execute(compiled_has_table(dialect), {{"table_name", std::string(table_name)}}).first())
    return true;
  // What the catalog query cannot see (MariaDB's temporary tables): a probe that fails with
  // 42S02 when nothing has the name. (Its failure passes through the error event like any.)
  const std::string probe = dialect.table_probe_sql(table_name);
  if (probe.empty()) return false;
  auto compiled = std::make_shared<sql::CompiledStatement>();
  compiled->sql = probe;
  compiled->kind = sql::StatementKind::select;
  compiled->returns_rows = true;
  try {
    connection.execute(compiled).close();
    return true;
  } catch (const DBAPIError& error) {
    if (error.sqlstate() == "42S02") return false;
    throw;
  }
}

void create_all(Connection& connection, const MetaData& metadata, bool checkfirst) {
  SchemaRunner(connection, checkfirst, false).create(metadata);
}

void drop_all(Connection& connection, const MetaData& metadata, bool checkfirst) {
  SchemaRunner(connection, checkfirst, false).drop(metadata);
}

void create_all(const Engine& engine, const MetaData& metadata, bool checkfirst) {
  Connection conn = engine.connect();  // first: a server dialect learns its features at connect
  const bool each = !transactional_ddl(conn.dialect().features());
  if (each) {
    SchemaRunner(conn, checkfirst, true).create(metadata);
    return;
  }
  Transaction tx = conn.begin();
  SchemaRunner(conn, checkfirst, false).create(metadata);
  tx.commit();
}

void drop_all(const Engine& engine, const MetaData& metadata, bool checkfirst) {
  Connection conn = engine.connect();  // first: a server dialect learns its features at connect
  const bool each = !transactional_ddl(conn.dialect().features());
  if (each) {
    SchemaRunner(conn, checkfirst, true).drop(metadata);
    return;
  }
  Transaction tx = conn.begin();
  SchemaRunner(conn, checkfirst, false).drop(metadata);
  tx.commit();
}

}  // namespace crucible
