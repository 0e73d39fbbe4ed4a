// SPDX-License-Identifier: MIT
#include "crucible/sql/dialect.hpp"

#include <atomic>
#include <cctype>

#include "crucible/sql/compiler.hpp"
#include "crucible/sql/executable.hpp"
#include "crucible/sql/statement.hpp"

namespace crucible::sql {

std::uint64_t Dialect::next_serial() {
  static std::atomic<std::uint64_t> counter{0};
  return ++counter;
}

CompiledPtr Dialect::compile(const Executable& statement) const { return statement.compile(*this); }

std::string Dialect::literal_sql(const Statement& statement) const {
  return make_compiler()->compile_literal(*statement.root());
}

void Dialect::set_server_version(std::string_view version) {
  server_version_ = std::string(version);
  features_changed();
}

void Dialect::parse_version(std::string_view text, int& major, int& minor, int& patch) {
  int parts[3] = {0, 0, 0};
  std::size_t i = 0;
  // Skip a leading non-digit prefix ("PostgreSQL 16.2", "5.5.5-10.11.6-MariaDB").
  while (i < text.size() && !std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  for (int p = 0; p < 3 && i < text.size(); ++p) {
    int value = 0;
    bool any = false;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      value = value * 10 + (text[i] - '0');
      ++i;
      any = true;
    }
    if (!any) break;
    parts[p] = value;
    if (i < text.size() && text[i] == '.') ++i;
    else break;
  }
  major = parts[0];
  minor = parts[1];
  patch = parts[2];
}

std::vector<std::string> Dialect::create_table_ddl(const Table& table, bool if_not_exists) const {
  return make_compiler()->create_table(table, if_not_exists);
}

std::vector<std::string> Dialect::create_indexes_ddl(const Table& table, bool if_not_exists) const {
  std::vector<std::string> out;
  auto compiler = make_compiler();
  for (const auto& index : table.indexes()) out.push_back(compiler->create_index(table.name(), index, if_not_exists));
  return out;
}

std::vector<std::string> Dialect::drop_table_ddl(const Table& table, bool if_exists) const {
  return make_compiler()->drop_table(table, if_exists);
}

std::string Dialect::drop_index_ddl(const Table& table, const Index& index, bool if_exists) const {
  return make_compiler()->drop_index(table.name(), index.name(), if_exists);
}

}  // namespace crucible::sql
