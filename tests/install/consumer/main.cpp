// SPDX-License-Identifier: MIT
// Uses only the installed public API, as an application would: the umbrella header (so every
// installed header must compile on its own), an engine on in-memory SQLite, a table, a typed query.
#include <crucible/crucible.hpp>

#include <iostream>

int main() {
  using namespace crucible;
  MetaData metadata;
  auto& notes = metadata.table("notes", Column("id", BigInteger()).primary_key(),
                               Column("body", Text()).nullable(false));
  const auto id = notes.c<std::int64_t>("id");
  const auto body = notes.c<std::string>("body");

  auto engine = create_engine("sqlite:///:memory:");
  create_all(engine, metadata);
  auto conn = engine.connect();
  conn.execute(insert(notes).values(set(body, std::string("installed and linked"))));
  const auto [n, text] = conn.execute(select(id, body).where(id == 1)).one().as<std::int64_t, std::string>();
  std::cout << "crucible consumer: " << n << " " << text << '\n';
  return n == 1 && text == "installed and linked" ? 0 : 1;
}
