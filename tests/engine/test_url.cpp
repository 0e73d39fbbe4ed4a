// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include "crucible/core/errors.hpp"
#include "crucible/engine/url.hpp"

using crucible::ArgumentError;
using crucible::Url;

TEST(Url, SqliteForms) {
  EXPECT_EQ(Url::parse("sqlite:///blog.db").database, "blog.db");
  EXPECT_EQ(Url::parse("sqlite:////var/data/blog.db").database, "/var/data/blog.db");
  EXPECT_EQ(Url::parse("sqlite:///:memory:").database, ":memory:");
  EXPECT_TRUE(Url::parse("sqlite:///:memory:").is_sqlite_memory());
  EXPECT_TRUE(Url::parse("sqlite://").is_sqlite_memory());
  EXPECT_FALSE(Url::parse("sqlite:///x.db").is_sqlite_memory());
  EXPECT_EQ(Url::parse("sqlite:///a%20b.db").database, "a b.db");
}

TEST(Url, ServerForms) {
  auto u = Url::parse("postgresql+psycopg://bob:s%3Acr%40t@db.local:5433/app?sslmode=require&x=a%2Bb");
  EXPECT_EQ(u.backend, "postgresql");
  EXPECT_EQ(u.driver, "psycopg");
  EXPECT_EQ(u.username, "bob");
  EXPECT_EQ(u.password, "s:cr@t");
  EXPECT_EQ(u.host, "db.local");
  EXPECT_EQ(u.port, 5433);
  EXPECT_EQ(u.database, "app");
  EXPECT_EQ(u.query_value("sslmode"), "require");
  EXPECT_EQ(u.query_value("x"), "a+b");
  auto m = Url::parse("mysql://root@[::1]:3306/shop");
  EXPECT_EQ(m.host, "::1");
  EXPECT_EQ(m.port, 3306);
  EXPECT_FALSE(m.password.has_value());
  EXPECT_EQ(Url::parse("mariadb://u:p@h/d").backend, "mariadb");
  EXPECT_EQ(Url::parse("postgresql://h/d").port, std::nullopt);
}

TEST(Url, ToStringHidesPassword) {
  auto u = Url::parse("postgresql://bob:secret@h:5432/db");
  EXPECT_EQ(u.to_string(), "postgresql://bob:***@h:5432/db");
  EXPECT_EQ(u.to_string(false), "postgresql://bob:secret@h:5432/db");
  EXPECT_EQ(Url::parse("mysql://u:p%40w@[::1]:1/d").to_string(false), "mysql://u:p%40w@[::1]:1/d");
  EXPECT_EQ(Url::parse("sqlite:////tmp/x.db").to_string(), "sqlite:////tmp/x.db");
}

namespace {
std::string error_of(const char* text) {
  try {
    Url::parse(text);
  } catch (const ArgumentError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Url, MalformedUrlsNameTheProblem) {
  EXPECT_NE(error_of("blog.db").find("no scheme"), std::string::npos);
  EXPECT_NE(error_of("oracle://h/db").find("unknown database backend 'oracle'"), std::string::npos);
  EXPECT_NE(error_of("postgresql://h:99999/db").find("bad port"), std::string::npos);
  EXPECT_NE(error_of("postgresql://h:abc/db").find("bad port"), std::string::npos);
  EXPECT_NE(error_of("postgresql://u:p%zz@h/db").find("bad percent-escape"), std::string::npos);
  EXPECT_NE(error_of("sqlite://host/x.db").find("no host"), std::string::npos);
  EXPECT_NE(error_of("mysql://[::1/db").find("IPv6"), std::string::npos);
  // The password never appears in the message.
  EXPECT_EQ(error_of("postgresql://u:hunter2@h:bad/db").find("hunter2"), std::string::npos);
}

// The user information ends at the last '@' before the path (SQLAlchemy's reading), so a password
// holding '/' or '@' is not taken for a port or a host.
TEST(Url, UserinfoEndsAtTheLastAtBeforeThePath) {
  auto u = Url::parse("postgresql://app:s3cret/pw@127.0.0.1:1/blog");
  EXPECT_EQ(u.username, "app");
  EXPECT_EQ(u.password, "s3cret/pw");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 1);
  EXPECT_EQ(u.database, "blog");
  auto v = Url::parse("mysql://app:p@ss@db:3306/shop");
  EXPECT_EQ(v.password, "p@ss");
  EXPECT_EQ(v.host, "db");
  auto w = Url::parse("mysql://u:p@db/shop@archive");  // an '@' in the path stays there
  EXPECT_EQ(w.password, "p");
  EXPECT_EQ(w.host, "db");
  EXPECT_EQ(w.database, "shop@archive");
  auto x = Url::parse("postgresql://db/app@x");  // no user information at all
  EXPECT_EQ(x.host, "db");
  EXPECT_EQ(x.username, "");
  EXPECT_EQ(x.database, "app@x");
  EXPECT_EQ(Url::parse("postgresql://bob:s%2Fcr%40t@h/d").password, "s/cr@t");
}

// No URL error quotes a password: neither the URL shown nor the problem, including a URL whose
// missing '@' puts the password where a host or port belongs.
TEST(Url, ErrorsNeverQuoteThePassword) {
  for (const std::string url : {
           "postgresql://app:s3cret127.0.0.1/blog",           // missing '@': the password is a "port"
           "postgresql://app:s3cret.db.local:99999/blog",      // missing '@', a host and a bad port
           "mysql://app:s3cret@127.0.0.1:99999/db",            // a bad port after a good password
           "mysql://app:s3cret%zz@127.0.0.1/db",               // a bad escape in the password
           "postgresql://app:s3cret@[::1/blog",                // an unterminated IPv6 host
           "postgresql://app:s3cret@127.0.0.1:/blog",          // an empty port
           "nosuchdb://app:s3cret@127.0.0.1/blog",             // an unknown backend
       }) {
    try {
      Url::parse(url);
      ADD_FAILURE() << "parsed: " << url;
    } catch (const ArgumentError& e) {
      EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << e.what();
    }
  }
}

// Issue 20.14: hosts with '[', ']' or ':' that to_string() could not write back were accepted.
TEST(Url, HostsRoundTripOrAreRefused) {
  for (const char* bad : {"postgresql://a:b:5432/db", "postgresql://h]:1/db", "postgresql://[h]:1/db",
                          "postgresql://[]:1/db", "mysql://u:pw@[::1]]:1/d", "postgresql://x[y/db",
                          "postgresql://[::1%zz]/db", "postgresql://u:hunter2@a:b:1/db"}) {
    const std::string message = error_of(bad);
    EXPECT_NE(message.find("host"), std::string::npos) << bad << ": " << message;
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  }
  for (const char* good : {"postgresql://[::1]:5432/db", "mysql://u:***@[fe80::1:2]/d", "postgresql://[::ffff:127.0.0.1]/db",
                           "postgresql://db.local:5432/db", "postgresql://127.0.0.1/db", "postgresql://h/db"}) {
    const Url url = Url::parse(good);
    EXPECT_EQ(url.to_string(), good);
    EXPECT_EQ(Url::parse(url.to_string(false)).host, url.host) << good;
  }
}
