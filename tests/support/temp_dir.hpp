// SPDX-License-Identifier: MIT
// Test helpers shared by every test folder: a temporary directory per test for real SQLite files.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>

namespace crucible::testkit {

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("crucible-test-" + std::to_string(rd()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string url(const std::string& name) const { return "sqlite:///" + file(name); }

 private:
  std::filesystem::path path_;
};

}  // namespace crucible::testkit
