// SPDX-License-Identifier: MIT
// The crucible-blog program itself, run as a subprocess on SQLite files in a temporary folder:
// what it does with bad input (numbers out of range, an unknown environment: usage errors,
// exit 2), with a database that has no schema (one line, exit 1) and with one that has the
// blog's tables already (demo refuses to drop them without --reset).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

struct Outcome {
  int status = -1;
  std::string out, err;
  std::string first_error_line() const { return err.substr(0, err.find('\n')); }
};

class BlogCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) / (std::string("crucible_blog_cli_") + info->name());
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
  // Runs crucible-blog with `args` in the test's folder.
  Outcome run(const std::string& args) const {
    const fs::path out = dir_ / "stdout.txt", err = dir_ / "stderr.txt";
    const std::string command = "cd '" + dir_.string() + "' && '" CRUCIBLE_BLOG_PROGRAM "' " + args + " >'" +
                                out.string() + "' 2>'" + err.string() + "'";
    const int rc = std::system(command.c_str());
    Outcome r;
    r.status = rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }
  std::string url(const std::string& file) const { return "sqlite:///" + (dir_ / file).string(); }

  fs::path dir_;
};

// Numbers that do not fit, or fall outside an option's range, were wrapped or clamped
// (--scale 4294967297 ran as scale 1; --page 99999999999999999999 became INT64_MAX).
TEST_F(BlogCli, NumbersOutOfRangeAreUsageErrors) {
  const std::string db = " --url " + url("blog.db");
  for (const std::string args : {"timeline alice --page 99999999999999999999", "timeline alice --page 0",
                                 "timeline alice --page -3", "timeline alice --page 2x", "demo --scale 4294967297",
                                 "demo --scale 0", "demo --scale 10001", "demo --slow-ms -1",
                                 "demo --slow-ms 9223372036854775807", "transfer alice bob 99999999999999999999"}) {
    const Outcome r = run(args + db);
    EXPECT_EQ(r.status, 2) << args << ": " << r.err;
    EXPECT_NE(r.first_error_line().find("must be a whole number from"), std::string::npos) << args << ": " << r.err;
    EXPECT_NE(r.err.find("usage: crucible-blog"), std::string::npos) << args;
  }
  const Outcome r = run("timeline alice --page 99999999999999999999" + db);
  EXPECT_EQ(r.first_error_line(),
            "crucible-blog: --page must be a whole number from 1 to 9223372036854775807 (got '99999999999999999999')");
  EXPECT_FALSE(fs::exists(dir_ / "blog.db"));  // refused before opening anything
}

TEST_F(BlogCli, UnknownEnvironmentIsAUsageError) {
  const Outcome r = run("demo --env bogus");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(r.first_error_line(), "crucible-blog: unknown environment 'bogus' (development, testing or production)");
  EXPECT_NE(r.err.find("usage: crucible-blog"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "blog_dev.db"));
}

// timeline, transfer and stats on a database without the blog's tables reported SQLite's
// "no such table: users"; they say what is missing and how to create it.
TEST_F(BlogCli, CommandsOnADatabaseWithoutTheSchemaSaySo) {
  const std::string db = " --url " + url("new.db");
  for (const std::string args : {"timeline alice", "transfer alice bob 10", "stats"}) {
    const Outcome r = run(args + db);
    EXPECT_EQ(r.status, 1) << args << ": " << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << args << ": one line expected: " << r.err;
    EXPECT_EQ(r.err, "crucible-blog: " + url("new.db") + " has no blog schema: crucible-blog demo creates and seeds it\n")
        << args;
  }
}

// demo on a database with the blog's tables refuses (they and their rows would be dropped)
// unless --reset, which says what it dropped; make demo passes --reset and runs again.
TEST_F(BlogCli, DemoDropsExistingTablesOnlyWithReset) {
  const std::string db = " --url " + url("blog.db");
  const Outcome first = run("demo" + db);
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_EQ(first.out.find("reset:"), std::string::npos);
  EXPECT_EQ(first.out.rfind("schema: upgraded to head through 2 revision(s) from ", 0), 0u) << first.out;
  EXPECT_NE(first.out.find("seeded 10 users"), std::string::npos);
  ASSERT_EQ(run("transfer alice bob 5" + db).status, 0);

  const Outcome again = run("demo" + db);
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.err.find("already has 12 of the blog's tables: crucible-blog demo --reset drops them and their rows first"),
            std::string::npos)
      << again.err;
  const Outcome kept = run("timeline bob" + db);  // alice's transfer is still there
  EXPECT_EQ(kept.status, 0) << kept.err;

  const Outcome reset = run("demo --reset" + db);
  ASSERT_EQ(reset.status, 0) << reset.err;
  EXPECT_EQ(reset.out.rfind("reset: dropped the blog's 12 tables and their rows in sqlite:///", 0), 0u) << reset.out;
  EXPECT_NE(reset.out.find("balances: alice 70, bob 130"), std::string::npos) << reset.out;  // a fresh seed

  // A page past the end of the timeline is empty, with the number of pages there are.
  const Outcome past = run("timeline alice --page 9223372036854775807" + db);
  EXPECT_EQ(past.status, 0) << past.err;
  EXPECT_NE(past.out.find("alice's timeline, page 9223372036854775807 of 2"), std::string::npos) << past.out;
}

// crucible-blog db: the crucible command line with the blog's revisions and models, so that
// autogenerate and check compare the database with the blog's own mappings.
TEST_F(BlogCli, DbRunsTheMigrationCommandsWithTheBlogsRevisionsAndModels) {
  fs::copy(fs::path(CRUCIBLE_BLOG_MIGRATIONS), dir_ / "m");
  const std::string db = " --dir m --url " + url("blog.db");
  Outcome r = run("db check" + db);
  EXPECT_EQ(r.status, 1) << "an empty database lacks every model's table";
  r = run("db upgrade" + db);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Upgraded 2 revision(s)"), std::string::npos) << r.out;
  r = run("db check" + db);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "No changes: the database matches the models\n");
  r = run("db revision --autogenerate -m again" + db);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("No changes: the database matches the models"), std::string::npos) << r.out;
  r = run("db downgrade base" + db);
  EXPECT_EQ(r.status, 0) << r.err;
  r = run("db current" + db);
  EXPECT_EQ(r.out, "base (no revision applied)\n");
  r = run("db frobnicate" + db);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err.rfind("crucible-blog db: error: unknown command 'frobnicate'", 0), 0u) << r.err;
}

}  // namespace
