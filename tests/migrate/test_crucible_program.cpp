// SPDX-License-Identifier: MIT
// The `crucible` program itself (issue 21): each command's output and exit status, and one line
// on standard error with a non-zero status for bad input (a malformed URL, an unreachable
// server, an unknown revision, several heads, a database ahead of its scripts, a malformed
// revision file naming the file and line, an unknown command).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "crucible/migrate/graph.hpp"

namespace {

namespace fs = std::filesystem;

struct Outcome {
  int status = -1;
  std::string out, err;
  int error_lines() const {
    int n = 0;
    for (char c : err) n += c == '\n';
    return n;
  }
};

class CrucibleProgram : public ::testing::Test {
 protected:
  void SetUp() override {
#ifndef CRUCIBLE_PROGRAM
    GTEST_SKIP() << "the crucible program is not built (CRUCIBLE_BUILD_TOOLS=OFF)";
#endif
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) / (std::string("crucible_program_") + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  // Runs `crucible args` in the test's folder against its SQLite file (DATABASE_URL).
  Outcome run(const std::string& args) const {
#ifdef CRUCIBLE_PROGRAM
    const fs::path out = dir_ / "stdout.txt", err = dir_ / "stderr.txt";
    const std::string command = "cd '" + dir_.string() + "' && DATABASE_URL='sqlite:///" + (dir_ / "app.db").string() +
                                "' NO_COLOR=1 '" CRUCIBLE_PROGRAM "' " + args + " >'" + out.string() + "' 2>'" +
                                err.string() + "'";
    const int rc = std::system(command.c_str());
    Outcome r;
    r.status = rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
#else
    (void)args;
    return {};
#endif
  }
  // The newest revision file, after `revision` wrote it.
  fs::path newest() const {
    fs::path found;
    for (const auto& e : fs::directory_iterator(dir_ / "migrations"))
      if (found.empty() || e.path().filename() > found.filename()) found = e.path();
    return found;
  }
  void append(const fs::path& file, const std::string& text) const { std::ofstream(file, std::ios::app) << text; }
  std::string id_of(const fs::path& file) const { return crucible::migrate::read_revision(file).id; }
  // `revision -m message`, then the steps appended to the file; returns the new revision's id.
  std::string revision(const std::string& message, const std::string& steps, const std::string& extra = "") {
    const Outcome r = run("revision -m '" + message + "'" + extra);
    EXPECT_EQ(r.status, 0) << r.err;
    // Files are named by the second they were written in: make the next one sort after.
    const fs::path file = newest();
    const fs::path renamed = dir_ / "migrations" / (std::to_string(++written_) + "_" + file.filename().string());
    fs::rename(file, renamed);
    append(renamed, steps);
    return id_of(renamed);
  }

  fs::path dir_;
  int written_ = 100;
};

const std::string create_users = R"toml(
[[upgrade]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "BigInteger", primary_key = true },
  { name = "username", type = "String(80)", nullable = false },
]
)toml";

TEST_F(CrucibleProgram, HelpListsEveryCommandAndEachCommandHasItsOwn) {
  const Outcome help = run("--help");
  EXPECT_EQ(help.status, 0);
  for (const char* command : {"init", "revision", "upgrade", "downgrade", "current", "history", "heads", "merge", "squash",
                              "stamp", "check", "lint", "inspect"})
    EXPECT_NE(help.out.find(std::string("  ") + command + " "), std::string::npos) << command << "\n" << help.out;
  const Outcome upgrade = run("upgrade --help");
  EXPECT_EQ(upgrade.status, 0);
  EXPECT_NE(upgrade.out.find("--sql"), std::string::npos);
  EXPECT_NE(upgrade.out.find("--allow-hazards"), std::string::npos);
}

TEST_F(CrucibleProgram, InitRevisionUpgradeCurrentHistoryDowngrade) {
  const Outcome init = run("init");
  ASSERT_EQ(init.status, 0) << init.err;
  EXPECT_TRUE(fs::exists(dir_ / "crucible.toml"));
  EXPECT_TRUE(fs::is_directory(dir_ / "migrations"));
  const Outcome again = run("init");
  EXPECT_EQ(again.status, 1);
  EXPECT_EQ(again.err, "crucible: error: crucible.toml already exists: this project is set up\n");

  const std::string first = revision("users", create_users);
  const std::string second = revision("karma", R"toml(
[[upgrade]]
op = "add_column"
table = "users"
column = { name = "karma", type = "Integer", nullable = false, server_default = "0" }
)toml");
  EXPECT_EQ(crucible::migrate::read_revision(newest()).parents, std::vector<std::string>{first});

  Outcome r = run("current");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "base (no revision applied)\n");
  r = run("upgrade");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Upgrading to " + first + "  users\n  1/1  create table users\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Upgraded 2 revision(s)"), std::string::npos) << r.out;
  r = run("current");
  EXPECT_EQ(r.out, second + " (head)  karma\n");
  r = run("upgrade");
  EXPECT_EQ(r.out, "Nothing to do: the database is at " + second + "\n");
  r = run("history");
  EXPECT_EQ(r.out, first + " -> " + second + " (head)  karma\nbase -> " + first + "  users\n");
  r = run("heads");
  EXPECT_EQ(r.out, second + "  karma\n");
  r = run("inspect users");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("karma INTEGER NOT NULL DEFAULT 0"), std::string::npos) << r.out;

  r = run("downgrade -1");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(run("current").out, first + "  users\n");
  r = run("stamp head");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(run("current").out, second + " (head)  karma\n");
  EXPECT_EQ(run("inspect users").out.find("karma"), std::string::npos) << "stamp records, it does not run";
}

TEST_F(CrucibleProgram, BadInputIsOneLineAndANonZeroStatus) {
  ASSERT_EQ(run("init").status, 0);
  const std::string first = revision("users", create_users);
  struct Case {
    std::string args, message;
    int status;
  };
  const std::vector<Case> cases{
      {"--url nonsense current", "crucible: error: invalid database URL 'nonsense': no scheme", 1},
      {"--url postgresql://nobody@127.0.0.1:1/none current", "crucible: error: (postgresql", 1},
      {"upgrade zzzz9999", "crucible: error: no revision 'zzzz9999' in the revision files", 1},
      {"frobnicate", "crucible: error: unknown command 'frobnicate'", 2},
      {"revision", "crucible: error: --message is required", 2},
      {"check", "crucible: error: check needs the application's models", 1},
      {"revision --autogenerate -m x", "crucible: error: --autogenerate needs the application's models", 1},
  };
  for (const auto& c : cases) {
    const Outcome r = run(c.args);
    EXPECT_EQ(r.status, c.status) << c.args << ": " << r.err;
    EXPECT_EQ(r.err.rfind(c.message, 0), 0u) << c.args << ": " << r.err;
    EXPECT_EQ(r.error_lines(), 1) << c.args << ": " << r.err;
  }

  // A malformed revision file: its name and line.
  std::ofstream(dir_ / "migrations" / "999_bad.toml") << "revision = \"bad00001\"\nparents = [\"" << first
                                                      << "\"]\n[[upgrade]]\nop = \"drop_table\"\ntabel = \"users\"\n";
  Outcome r = run("history");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "crucible: error: migrations/999_bad.toml:3: upgrade step 1: 'table' is missing\n");
  fs::remove(dir_ / "migrations" / "999_bad.toml");

  // Several heads.
  std::ofstream(dir_ / "migrations" / "050_branch.toml") << "revision = \"branch01\"\nparents = [\"" << first << "\"]\n";
  std::ofstream(dir_ / "migrations" / "051_branch.toml") << "revision = \"branch02\"\nparents = [\"" << first << "\"]\n";
  r = run("upgrade");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "crucible: error: there are several heads (branch01, branch02): merge them (crucible merge) or name "
                   "the one to use\n");
  r = run("revision -m next");
  EXPECT_EQ(r.status, 1) << "a new revision needs to know which head it follows";
  r = run("merge -m 'join the branches'");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(crucible::migrate::read_revision(newest()).parents, (std::vector<std::string>{"branch01", "branch02"}));
  r = run("upgrade");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Upgraded 4 revision(s)"), std::string::npos) << r.out;

  // A database ahead of its scripts.
  fs::remove(newest());
  r = run("upgrade");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("that no revision file has: it is ahead of these scripts"), std::string::npos) << r.err;
  EXPECT_EQ(r.error_lines(), 1);
  r = run("current");
  EXPECT_NE(r.out.find("(not in the revision files: the database is ahead of them)"), std::string::npos) << r.out;
}

TEST_F(CrucibleProgram, LintOfflineSqlAndSquash) {
  ASSERT_EQ(run("init").status, 0);
  const std::string first = revision("users", create_users);
  const std::string second = revision("drop", R"toml(
[[upgrade]]
op = "drop_column"
table = "users"
column = "username"

[[downgrade]]
op = "add_column"
table = "users"
column = { name = "username", type = "String(80)" }
)toml");
  Outcome r = run("lint");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("drops column users.username and its values [not marked intended]"), std::string::npos) << r.out;
  r = run("upgrade");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("Mark the step intended"), std::string::npos);
  r = run("upgrade --allow-hazards");
  EXPECT_EQ(r.status, 0) << r.err;
  r = run("lint");
  EXPECT_EQ(r.status, 0) << "nothing pending";
  r = run("lint --all --dialect postgresql");
  EXPECT_EQ(r.status, 1);

  r = run("upgrade --sql --dialect postgresql " + first + ":head");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("BEGIN;\n-- revision " + second + ": drop\nALTER TABLE users DROP COLUMN username;\n", 0), 0u)
      << r.out;
  EXPECT_NE(r.out.find("COMMIT;\n"), std::string::npos);
  r = run("upgrade --sql --dialect oracle");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "crucible: error: unknown dialect 'oracle' (sqlite, postgresql, mysql or mariadb)\n");

  r = run("downgrade --sql --dialect sqlite head:base");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("-- undo revision " + second + ": drop\nALTER TABLE users ADD COLUMN username VARCHAR(80);\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("DROP TABLE users;\nDELETE FROM crucible_version WHERE crucible_version.revision = '" + first + "';\nCOMMIT;\n"),
            std::string::npos)
      << r.out;
  r = run("downgrade --sql head");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "crucible: error: downgrade --sql needs FROM:TO (offline, the database's current revision is unknown)\n");

  r = run("squash " + first + " " + second + " -m 'users, squashed'");
  EXPECT_EQ(r.status, 0) << r.err;
  const fs::path squash_file = newest();
  const auto squash = crucible::migrate::read_revision(squash_file);
  EXPECT_EQ(squash.replaces, (std::vector<std::string>{first, second}));
  EXPECT_EQ(squash.upgrade.size(), 2u);
  EXPECT_EQ(squash.downgrade.size(), 2u);
  // The database past both keeps working: the squash counts as applied there.
  r = run("upgrade");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(run("current").out, squash.id + " (head)  users, squashed\n");
}

}  // namespace
