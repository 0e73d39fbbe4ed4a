// SPDX-License-Identifier: MIT
//
// The fixture of the ORM compliance suite: the backends of the Core suite
// (dialect_suite/fixture.hpp: sqlite, postgresql, mysql; servers from CRUCIBLE_TEST_*_URL,
// skipped when unset) with every model mapped in this program (models.hpp, relationship_models.hpp),
// and a recording of the statements run (the engine's before_execute event), so that cases assert
// statement counts, and exact statements through placeholder(n). This is where ORM behaviour is
// tested; tests/orm keeps what needs no database (mapping introspection, the state table) and what
// only SQLite can run.
//
// Mapped tables have fixed names (os_ prefix), so every case drops and creates all of them (drop
// first: a crashed run may have left them) and drops them after; on the shared servers the cases
// run one at a time (a ctest RESOURCE_LOCK, tests/CMakeLists.txt).
//
//   class OrmThings : public OrmSuite {};  // one fixture per file: each is instantiated once
//   TEST_P(OrmThings, Something) {
//     Session session(engine());
//     auto u = session.add(User{...});
//     take();
//     session.flush();
//     EXPECT_EQ(take().size(), 1u);
//     EXPECT_EQ(scalar("SELECT count(*) FROM os_users"), 1);
//   }
//   CRUCIBLE_DIALECT_SUITE(OrmThings);
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "crucible/crucible.hpp"
#include "dialect_suite/fixture.hpp"

namespace crucible::testkit {

class OrmSuite : public DialectSuite {
 protected:
  void SetUp() override {
    DialectSuite::SetUp();
    if (IsSkipped()) return;
    const MetaData& mapped = default_registry().metadata();
    drop_all(engine(), mapped);
    create_all(engine(), mapped);
    tables_created_ = true;
    recording_ = engine().events().on_before_execute([this](const ExecuteInfo& i) { statements_.emplace_back(i.sql); });
  }

  void TearDown() override {
    recording_.remove();
    // Also after a case that skipped itself (CRUCIBLE_REQUIRE) once the tables were there.
    if (tables_created_) {
      try {
        drop_all(engine(), default_registry().metadata());
      } catch (const std::exception& e) {
        ADD_FAILURE() << "dropping the mapped tables failed: " << e.what();
      }
    }
    DialectSuite::TearDown();
  }

  // Statements run since the last call, then forgets them.
  std::vector<std::string> take() { return std::exchange(statements_, {}); }
  static std::string verb(const std::string& sql) { return sql.substr(0, sql.find(' ')); }

  // A one-value query on a connection of its own (outside any session's transaction).
  std::int64_t scalar(const std::string& sql) {
    auto conn = engine().connect();
    return conn.execute(text(sql)).scalar<std::int64_t>();
  }

 private:
  bool tables_created_ = false;
  EventHandle recording_;
  std::vector<std::string> statements_;
};

}  // namespace crucible::testkit

namespace orm_suite {
using crucible::testkit::OrmSuite;
}  // namespace orm_suite
