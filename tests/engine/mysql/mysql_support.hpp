// SPDX-License-Identifier: MIT
//
// MariaDB / MySQL test support: the server comes from CRUCIBLE_TEST_MYSQL_URL (make test and
// scripts/servers.sh set it); without it every test here skips. Each test names its tables
// uniquely (process id + random suffix: ctest -j runs test cases as separate processes against
// one database) and drops them in TearDown.
//
//   class MyTest : public crucible::testkit::MysqlTest {};
//   TEST_F(MyTest, Works) { auto t = table("items"); auto e = engine(); ... }
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "crucible/crucible.hpp"
#include "crucible/dialects/mysql/driver.hpp"

namespace crucible::testkit {

class MysqlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("CRUCIBLE_TEST_MYSQL_URL");
    if (!url || !*url)
      GTEST_SKIP() << "CRUCIBLE_TEST_MYSQL_URL is not set: no MariaDB server to test against "
                      "(`make test` starts one; or eval \"$(CRUCIBLE_TEST_SERVERS=mysql "
                      "scripts/servers.sh start)\")";
    url_ = url;
  }

  void TearDown() override {
    if (url_.empty() || tables_.empty()) return;
    try {
      auto conn = create_engine(url_, {.pool_class = PoolClass::null_pool}).connect();
      std::string sql = "DROP TABLE IF EXISTS ";
      for (std::size_t i = 0; i < tables_.size(); ++i) sql += (i ? ", " : "") + tables_[i];
      conn.exec_driver_sql(sql);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "dropping the test tables failed: " << e.what();
    }
  }

  // A table name no other test process uses; dropped after the test.
  std::string table(const std::string& stem) {
    static std::mt19937_64 random{std::random_device{}()};
    std::string name = "crucible_" + stem + "_" + std::to_string(::getpid()) + "_" +
                       std::to_string(random() % 1'000'000);
    tables_.push_back(name);
    return name;
  }

  Engine engine(EngineOptions options = {}) const { return create_engine(url_, std::move(options)); }

  // The test server as driver options, for driver-level tests.
  dialects::MysqlConnectOptions driver_options() const {
    const Url url = Url::parse(url_);
    dialects::MysqlConnectOptions options;
    options.host = url.host;
    options.port = url.port.value_or(0);
    options.user = url.username;
    options.password = url.password;
    options.database = url.database;
    return options;
  }

  const std::string& url() const { return url_; }

 private:
  std::string url_;
  std::vector<std::string> tables_;
};

}  // namespace crucible::testkit
