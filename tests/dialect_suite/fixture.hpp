// SPDX-License-Identifier: MIT
//
// The backend fixture of the compliance suite (DESIGN.md, "How we test"; STYLE.md, practice 5).
// Every case is written once and runs on each backend: GoogleTest value-parameterised tests over
// "sqlite", "postgresql" and "mysql", instantiated per fixture with CRUCIBLE_DIALECT_SUITE().
//
//   sqlite      a fresh database file in a temporary directory, per test
//   postgresql  CRUCIBLE_TEST_POSTGRESQL_URL (skipped when unset or the backend is not built)
//   mysql       CRUCIBLE_TEST_MYSQL_URL (likewise; skipped while create_engine / connect says
//               NotSupportedError)
//
// Servers are shared by parallel test processes (ctest -j, and the sanitizer run after it), so
// tables get names unique to the test (table_name(): process id, a per-process salt, a counter)
// and are declared in metadata_, created with create_tables() and dropped in TearDown.
// Cases ask for capabilities, never for a database name:
//
//   class Things : public crucible::testkit::DialectSuite {
//    protected:
//     void SetUp() override {
//       DialectSuite::SetUp();
//       if (IsSkipped()) return;
//       things_ = &metadata_.table(table_name("things"), Column("id", BigInteger()).primary_key());
//       create_tables();
//     }
//     const Table* things_ = nullptr;
//   };
//   TEST_P(Things, Returning) {
//     CRUCIBLE_REQUIRE(features().supports_insert_returning);
//     auto conn = engine().connect(); ...
//   }
//   CRUCIBLE_DIALECT_SUITE(Things);
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "crucible/core/errors.hpp"
#include "crucible/core/result.hpp"
#include "crucible/engine/connection.hpp"
#include "crucible/engine/engine.hpp"
#include "crucible/engine/schema.hpp"
#include "crucible/sql/dialect.hpp"
#include "crucible/sql/dml.hpp"
#include "crucible/sql/functions.hpp"
#include "crucible/sql/schema.hpp"
#include "crucible/sql/select.hpp"
#include "crucible/sql/text.hpp"
#include "support/temp_dir.hpp"

namespace crucible::testkit {

class DialectSuite : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string& name = backend();
    std::string url;
    if (name == "sqlite") {
      temp_.emplace();
      url = temp_->url("suite.db");
    } else {
      const bool built = name == "postgresql" ? CRUCIBLE_HAVE_POSTGRESQL != 0 : CRUCIBLE_HAVE_MYSQL != 0;
      const std::string variable = name == "postgresql" ? "CRUCIBLE_TEST_POSTGRESQL_URL" : "CRUCIBLE_TEST_MYSQL_URL";
      if (!built) GTEST_SKIP() << "the " << name << " backend is not built";
      const char* value = std::getenv(variable.c_str());
      if (!value || !*value) GTEST_SKIP() << variable << " not set";
      url = value;
    }
    try {
      engine_.emplace(create_engine(url));
      // The first connection refines the dialect's features from the server version.
      auto conn = engine_->connect();
    } catch (const NotSupportedError& e) {
      engine_.reset();
      GTEST_SKIP() << name << ": " << e.what();
    }
  }

  void TearDown() override {
    if (!engine_) return;
    if (created_) {
      try {
        drop_all(*engine_, metadata_);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "dropping the test tables failed: " << e.what();
      }
    }
    engine_->dispose();
  }

  const std::string& backend() const { return GetParam(); }
  const Engine& engine() const { return *engine_; }
  const sql::DialectFeatures& features() const { return engine_->dialect().features(); }
  // The n-th bound parameter as the dialect writes it in compiled SQL ("?" or "$n"), for cases
  // that expect exact statements or messages quoting them.
  std::string placeholder(int n) const {
    return engine_->dialect().param_style() == sql::ParamStyle::numeric ? "$" + std::to_string(n) : "?";
  }

  // A table (or index) name no other test, process or run uses: "t<pid>_<salt>x<n>_<stem>".
  static std::string table_name(std::string_view stem) {
    static const std::string salt = [] {
      std::random_device rd;
      return std::to_string(rd() % 46656);
    }();
    static std::atomic<int> counter = 0;
    return "t" + std::to_string(::getpid()) + "_" + salt + "x" + std::to_string(++counter) + "_" + std::string(stem);
  }

  // Creates the tables declared in metadata_ so far (dropped again in TearDown).
  void create_tables() {
    created_ = true;
    create_all(*engine_, metadata_);
  }

  // Number of rows in `table` (a fresh statement on `conn`).
  static std::int64_t count_rows(Connection& conn, const Table& table) {
    return conn.scalar<std::int64_t>(select(func::count()).select_from(table));
  }

  MetaData metadata_;

 private:
  std::optional<TempDir> temp_;
  std::optional<Engine> engine_;
  bool created_ = false;
};

// The backends every suite runs on, and readable test names ("Fixture.Case/postgresql").
inline ::testing::internal::ParamGenerator<std::string> suite_backends() {
  return ::testing::Values(std::string("sqlite"), std::string("postgresql"), std::string("mysql"));
}
inline std::string suite_backend_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

}  // namespace crucible::testkit

// Skips the current test unless the backend has the capability, naming it:
//   CRUCIBLE_REQUIRE(features().supports_window_functions);
#define CRUCIBLE_REQUIRE(capability)                                                             \
  if (capability) {                                                                              \
  } else                                                                                         \
    GTEST_SKIP() << "needs " #capability ", which the " << backend() << " dialect lacks"

// Runs every TEST_P of `fixture` on every backend.
#define CRUCIBLE_DIALECT_SUITE(fixture)                                              \
  INSTANTIATE_TEST_SUITE_P(Backends, fixture, ::crucible::testkit::suite_backends(), \
                           ::crucible::testkit::suite_backend_name)
