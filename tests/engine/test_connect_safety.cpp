// SPDX-License-Identifier: MIT
// Connecting safely: every server connect has a deadline (a server that accepts and never
// answers fails the checkout with an OperationalError, not a hang); no password reaches an error
// message, a log line or an error event, whatever the URL's mistake; SQLite URI filenames reach
// SQLite with their options.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "crucible/core/errors.hpp"
#include "crucible/engine/engine.hpp"
#include "crucible/engine/url.hpp"
#include "support.hpp"

using namespace crucible;
using Clock = std::chrono::steady_clock;

namespace {

// A loopback listener that completes TCP handshakes (the kernel does, into the backlog) and never
// says a word: what a hung or overloaded server looks like to a client.
class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0)
      ADD_FAILURE() << "cannot listen on loopback";
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentServer() {
    if (fd_ >= 0) ::close(fd_);
  }
  SilentServer(const SilentServer&) = delete;
  SilentServer& operator=(const SilentServer&) = delete;
  std::string port() const { return std::to_string(port_); }

 private:
  int fd_ = -1;
  unsigned short port_ = 0;
};

// Connects once through `engine`, expecting a typed OperationalError; returns how long it took.
double failed_connect_seconds(const Engine& engine, std::string* message = nullptr) {
  const auto started = Clock::now();
  try {
    engine.connect();
    ADD_FAILURE() << "connected to a silent server";
  } catch (const OperationalError& e) {
    if (message) *message = e.what();
  }
  return std::chrono::duration<double>(Clock::now() - started).count();
}

bool server_backend_built(std::string_view backend) {
  return backend == "postgresql" ? CRUCIBLE_HAVE_POSTGRESQL != 0 : CRUCIBLE_HAVE_MYSQL != 0;
}

}  // namespace

TEST(ConnectTimeout, PostgresqlGivesUpOnASilentServerWithinTheUrlTimeout) {
  if (!server_backend_built("postgresql")) GTEST_SKIP() << "postgresql not built";
  SilentServer server;
  auto engine = create_engine("postgresql://app@127.0.0.1:" + server.port() + "/blog?connect_timeout=1");
  std::string message;
  const double seconds = failed_connect_seconds(engine, &message);
  EXPECT_GE(seconds, 0.9);
  EXPECT_LT(seconds, 2.5);
  EXPECT_NE(message.find("timeout"), std::string::npos) << message;
}

// No timeout anywhere: the default, 10 s (libpq's own default is to wait forever).
TEST(ConnectTimeout, PostgresqlHasADefault) {
  if (!server_backend_built("postgresql")) GTEST_SKIP() << "postgresql not built";
  SilentServer server;
  auto engine = create_engine("postgresql://app@127.0.0.1:" + server.port() + "/blog");
  const double seconds = failed_connect_seconds(engine);
  EXPECT_GE(seconds, 9.9);
  EXPECT_LT(seconds, 12.0);
}

TEST(ConnectTimeout, PostgresqlEngineOptionTakesMilliseconds) {
  if (!server_backend_built("postgresql")) GTEST_SKIP() << "postgresql not built";
  SilentServer server;
  auto engine = create_engine("postgresql://app@127.0.0.1:" + server.port() + "/blog",
                              {.connect_timeout = std::chrono::milliseconds(400)});
  const double seconds = failed_connect_seconds(engine);
  EXPECT_GE(seconds, 0.35);
  EXPECT_LT(seconds, 2.0);
}

TEST(ConnectTimeout, MariadbGivesUpOnASilentServerWithinTheUrlTimeout) {
  if (!server_backend_built("mysql")) GTEST_SKIP() << "mysql not built";
  SilentServer server;
  auto engine = create_engine("mysql://app@127.0.0.1:" + server.port() + "/blog?connect_timeout=1");
  const double seconds = failed_connect_seconds(engine);
  EXPECT_GE(seconds, 0.9);
  EXPECT_LT(seconds, 2.5);
}

TEST(ConnectTimeout, MariadbEngineOptionRoundsUpToWholeSeconds) {
  if (!server_backend_built("mysql")) GTEST_SKIP() << "mysql not built";
  SilentServer server;
  auto engine = create_engine("mariadb://app@127.0.0.1:" + server.port() + "/blog",
                              {.connect_timeout = std::chrono::milliseconds(300)});
  const double seconds = failed_connect_seconds(engine);
  EXPECT_GE(seconds, 0.25);
  EXPECT_LT(seconds, 2.5);
}

TEST(ConnectTimeout, SetTwiceDifferentlyIsAnError) {
  for (const char* url : {"postgresql://app@127.0.0.1:5432/blog?connect_timeout=3",
                          "mysql://app@127.0.0.1:3306/blog?connect_timeout=3"}) {
    if (!server_backend_built(Url::parse(url).backend)) continue;
    EXPECT_THROW(create_engine(url, {.connect_timeout = std::chrono::seconds(5)}), ArgumentError) << url;
    EXPECT_NO_THROW(create_engine(url, {.connect_timeout = std::chrono::seconds(3)})) << url;
  }
  if (server_backend_built("postgresql")) {
    EXPECT_THROW(create_engine("postgresql://app@h/blog?connect_timeout=soon"), ArgumentError);
  }
}

// ---- passwords -----------------------------------------------------------------------------

namespace {

constexpr const char* kSecret = "s3cret";

// Everything a failing URL makes the library say: the exception's text, echo lines and error
// events. None may contain the password.
std::vector<std::string> everything_said(const std::string& url) {
  std::vector<std::string> said;
  try {
    EngineOptions options;
    options.echo = true;
    options.logger = [&said](std::string_view line) { said.emplace_back(line); };
    options.connect_timeout = std::chrono::seconds(2);
    auto engine = create_engine(url, std::move(options));
    auto handle = engine.events().on_error([&said](const DBAPIError& e) { said.emplace_back(e.what()); });
    auto conn = engine.connect();
    conn.execute("SELECT 1");
    said.emplace_back("connected");
  } catch (const std::exception& e) {
    said.emplace_back(e.what());
  }
  return said;
}

}  // namespace

TEST(Passwords, NeverInConnectErrorsEventsOrLogs) {
  std::vector<std::string> urls;
  for (const std::string backend : {"postgresql", "mysql"}) {
    if (!server_backend_built(backend)) continue;
    urls.push_back(backend + "://app:s3cret/pw@127.0.0.1:1/blog");    // refused
    urls.push_back(backend + "://app:s3cret@127.0.0.1:1/blog");       // refused
    urls.push_back(backend + "://app:s3cret@no-such-host.invalid/blog");
    urls.push_back(backend + "://app:s3cret.no-such-host.invalid:5432/blog");  // missing '@'
  }
  // A real server refusing the password.
  for (const char* variable : {"CRUCIBLE_TEST_POSTGRESQL_URL", "CRUCIBLE_TEST_MYSQL_URL"}) {
    const char* value = std::getenv(variable);
    if (!value || !*value) continue;
    Url url = Url::parse(value);
    if (!server_backend_built(url.backend)) continue;
    url.password = std::string(kSecret) + "-wrong";
    url.username = "nobody";
    urls.push_back(url.to_string(false));
  }
  if (urls.empty()) GTEST_SKIP() << "no server backend built";
  for (const auto& url : urls) {
    for (const auto& line : everything_said(url))
      EXPECT_EQ(line.find(kSecret), std::string::npos) << url << " said: " << line;
  }
}

// ---- SQLite URI filenames ----------------------------------------------------------------------

TEST(SqliteUri, MemoryUriWithSharedCacheWritesNoFileAndIsShared) {
  std::random_device rd;
  const std::string name = "crucible_memdb_" + std::to_string(rd());
  const std::string url = "sqlite:///file:" + name + "?mode=memory&cache=shared";
  EXPECT_TRUE(Url::parse(url).is_sqlite_memory());
  auto first = create_engine(url);
  auto second = create_engine(url);
  {
    auto conn = first.connect();
    conn.execute("CREATE TABLE t (x INTEGER)");
    conn.execute("INSERT INTO t VALUES (7)");
    conn.commit();
    auto other = second.connect();  // another engine, another connection: the same database
    EXPECT_EQ(other.scalar<std::int64_t>("SELECT x FROM t"), 7);
  }
  EXPECT_FALSE(std::filesystem::exists(name));
  EXPECT_FALSE(std::filesystem::exists("file:" + name));
}

TEST(SqliteUri, QueryOptionsReachSqlite) {
  testkit::TempDir dir;
  {
    auto conn = create_engine(dir.url("ro.db")).connect();
    conn.execute("CREATE TABLE t (x INTEGER)");
    conn.commit();
  }
  // mode=ro through a file: URI: SQLite refuses to write.
  auto engine = create_engine("sqlite:///file:" + dir.file("ro.db") + "?mode=ro");
  auto conn = engine.connect();
  EXPECT_THROW(conn.execute("INSERT INTO t VALUES (1)"), DBAPIError);
  // A plain path with an option opens as a URI too: mode=memory writes no file.
  auto memory = create_engine(dir.url("never.db") + "?mode=memory");
  EXPECT_TRUE(memory.url().is_sqlite_memory());
  auto m = memory.connect();
  m.execute("CREATE TABLE t (x INTEGER)");
  m.commit();
  EXPECT_FALSE(std::filesystem::exists(dir.file("never.db")));
}
