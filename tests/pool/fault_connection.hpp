// SPDX-License-Identifier: MIT
// Fault injection (STYLE practice 15): a DriverConnection wrapper that can be told to die.
#pragma once

#include <atomic>
#include <memory>

#include "crucible/dialects/driver.hpp"

namespace crucible::testkit {

class FaultConnection final : public dialects::DriverConnection {
 public:
  explicit FaultConnection(std::unique_ptr<dialects::DriverConnection> inner)
      : inner_(std::move(inner)) {}
  std::atomic<bool> dead{false};

  std::string_view backend() const override { return inner_->backend(); }
  std::string server_version() const override { return inner_->server_version(); }
  std::unique_ptr<dialects::DriverStatement> prepare(std::string_view sql, bool p) override {
    check();
    return inner_->prepare(sql, p);
  }
  void exec(std::string_view sql) override {
    check();
    inner_->exec(sql);
  }
  void begin() override { check(); inner_->begin(); }
  void commit() override { check(); inner_->commit(); }
  void rollback() override { inner_->rollback(); }
  bool in_transaction() const override { return inner_->in_transaction(); }
  void set_isolation_level(IsolationLevel l) override { inner_->set_isolation_level(l); }
  std::optional<std::int64_t> last_insert_id() const override { return inner_->last_insert_id(); }
  bool ping() override { return !dead && inner_->ping(); }
  bool is_alive() const override { return inner_->is_alive(); }
  void close() override {
    clear_statement_cache();
    inner_->close();
  }

 private:
  void check() {
    if (!dead) return;
    DriverErrorInfo info;
    info.backend = "sqlite";
    info.driver_message = "server closed the connection unexpectedly";
    info.disconnect = true;
    throw dialects::DriverException(std::move(info));
  }
  std::unique_ptr<dialects::DriverConnection> inner_;
};

}  // namespace crucible::testkit
