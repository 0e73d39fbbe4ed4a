// SPDX-License-Identifier: MIT
#include "crucible/engine/url.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "crucible/core/errors.hpp"

namespace crucible {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Where the user information of a URL's `rest` (after "://", before '?') ends: the last '@'
// before the path, as SQLAlchemy reads it, so a password may hold '/' and '@' ("u:pa/ss@h/db",
// "u:p@ss@h/db"); the path starts at the first '/' after the first '@'. npos when there is no
// user information (no '@', or one inside a path: "h/db@x").
std::size_t userinfo_end(std::string_view rest) {
  const std::size_t first = rest.find('@');
  if (first == std::string_view::npos) return first;
  const std::size_t path = rest.find('/', first);
  const std::size_t at = rest.rfind('@', path == std::string_view::npos ? path : path - 1);
  const std::string_view user = rest.substr(0, std::min(rest.find(':'), at));
  return user.find('/') == std::string_view::npos ? at : std::string_view::npos;
}

// Replaces every occurrence of `secret` in `text` with "***".
void scrub(std::string& text, std::string_view secret) {
  if (secret.empty()) return;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
    text.replace(at, secret.size(), "***");
}

[[noreturn]] void bad_url(std::string_view text, const std::string& problem) {
  // Never echo a password back, neither in the URL shown nor in the problem: the password (as
  // written and decoded) is masked. A URL without its '@' may hold a password where a host or
  // port belongs ("u:secret.host/db"), so there everything after the first ':' of the host part
  // is masked too (an IPv6 host in brackets excepted).
  std::string message = "invalid database URL '" + std::string(text) + "': " + problem;
  const auto scheme_end = text.find("://");
  if (scheme_end != std::string_view::npos) {
    std::string_view rest = text.substr(scheme_end + 3);
    rest = rest.substr(0, rest.find('?'));
    std::vector<std::string> secrets;
    if (const auto at = userinfo_end(rest); at != std::string_view::npos) {
      const std::string_view userinfo = rest.substr(0, at);
      if (const auto colon = userinfo.find(':'); colon != std::string_view::npos) {
        const std::string_view password = userinfo.substr(colon + 1);
        secrets.emplace_back(password);
        std::string decoded;  // a lenient decode: the escapes may be what is wrong
        for (std::size_t i = 0; i < password.size(); ++i) {
          const int hi = password[i] == '%' && i + 2 < password.size() ? hex_value(password[i + 1]) : -1;
          const int lo = hi >= 0 ? hex_value(password[i + 2]) : -1;
          if (lo >= 0) {
            decoded += static_cast<char>(hi * 16 + lo);
            i += 2;
          } else {
            decoded += password[i];
          }
        }
        secrets.push_back(std::move(decoded));
      }
    } else if (!rest.empty() && rest.front() != '[') {
      const std::string_view host_part = rest.substr(0, rest.find('/'));
      if (const auto colon = host_part.find(':'); colon != std::string_view::npos) {
        const std::string_view after = host_part.substr(colon + 1);
        secrets.emplace_back(after);
        for (std::size_t pos = 0; pos < after.size();) {  // and each ':'-separated piece of it
          const auto next = std::min(after.find(':', pos), after.size());
          secrets.emplace_back(after.substr(pos, next - pos));
          pos = next + 1;
        }
      }
    }
    // Longest first, so that a piece never leaves the rest of a longer secret behind.
    std::sort(secrets.begin(), secrets.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    for (const auto& secret : secrets) scrub(message, secret);
  }
  throw ArgumentError(message);
}

std::string decode(std::string_view url, std::string_view part, std::string_view what,
                   bool plus_is_space = false) {
  std::string out;
  out.reserve(part.size());
  for (std::size_t i = 0; i < part.size(); ++i) {
    const char c = part[i];
    if (c == '%') {
      const int hi = i + 1 < part.size() ? hex_value(part[i + 1]) : -1;
      const int lo = i + 2 < part.size() ? hex_value(part[i + 2]) : -1;
      if (hi < 0 || lo < 0)
        bad_url(url, what == "password" ? "bad percent-escape in the password"
                                        : "bad percent-escape '" + std::string(part.substr(i, 3)) + "' in the " +
                                              std::string(what));
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string encode(std::string_view text) { return detail::percent_encode(text); }

bool known_backend(std::string_view b) {
  return b == "sqlite" || b == "postgresql" || b == "mysql" || b == "mariadb";
}

}  // namespace

Url Url::parse(std::string_view text) {
  Url url;
  const auto sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0)
    bad_url(text, "no scheme (expected something like sqlite:///file.db or "
                  "postgresql://user@host/db)");
  std::string scheme(text.substr(0, sep));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (auto plus = scheme.find('+'); plus != std::string::npos) {
    url.backend = scheme.substr(0, plus);
    url.driver = scheme.substr(plus + 1);
  } else {
    url.backend = scheme;
  }
  if (url.backend == "postgres") url.backend = "postgresql";
  if (!known_backend(url.backend))
    bad_url(text, "unknown database backend '" + url.backend +
                      "' (expected sqlite, postgresql, mysql or mariadb)");

  std::string_view rest = text.substr(sep + 3);
  std::string_view query_text;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query_text = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  for (std::size_t pos = 0; pos < query_text.size();) {
    auto amp = query_text.find('&', pos);
    if (amp == std::string_view::npos) amp = query_text.size();
    auto item = query_text.substr(pos, amp - pos);
    if (!item.empty()) {
      auto eq = item.find('=');
      std::string key = decode(text, item.substr(0, eq), "query", true);
      std::string value =
          eq == std::string_view::npos ? std::string() : decode(text, item.substr(eq + 1), "query", true);
      if (key.empty()) bad_url(text, "empty query parameter name");
      url.query.emplace_back(std::move(key), std::move(value));
    }
    pos = amp + 1;
  }

  if (url.backend == "sqlite") {
    const auto slash = rest.find('/');
    if (rest.substr(0, slash).size() != 0)
      bad_url(text, "sqlite URLs take no host; use sqlite:///relative.db or sqlite:////absolute.db");
    url.database = decode(text, slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1), "database");
    return url;
  }

  // User information up to the last '@' before the path; then the authority up to the next '/'.
  std::string_view userinfo;
  bool has_userinfo = false;
  if (const auto at = userinfo_end(rest); at != std::string_view::npos) {
    userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    has_userinfo = true;
  }
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);

  if (has_userinfo) {
    if (auto colon = userinfo.find(':'); colon != std::string_view::npos) {
      url.username = decode(text, userinfo.substr(0, colon), "user name");
      url.password = decode(text, userinfo.substr(colon + 1), "password");
    } else {
      url.username = decode(text, userinfo, "user name");
    }
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) bad_url(text, "unterminated '[' in an IPv6 host");
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') bad_url(text, "unexpected text after the IPv6 host");
      port_text = after.substr(1);
      if (port_text.empty()) bad_url(text, "empty port");
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    url.host = std::string(authority.substr(0, colon));
    port_text = authority.substr(colon + 1);
    if (port_text.empty()) bad_url(text, "empty port");
  } else {
    url.host = std::string(authority);
  }
  // A host to_string() can write back: an IPv6 address only in brackets (where it must be one),
  // and no bracket or colon in any other host ("a:b:5432" would come back as "[a:b]:5432").
  if (!authority.empty() && authority.front() == '[') {
    in6_addr address{};
    if (url.host.empty() || inet_pton(AF_INET6, url.host.c_str(), &address) != 1)
      bad_url(text, "bad host '[" + url.host + "]': not an IPv6 address");
  } else if (url.host.find_first_of("[]:") != std::string::npos) {
    bad_url(text, "bad host '" + url.host + "' ('[', ']' and ':' belong only around and in an IPv6 address, as [::1])");
  }
  if (!port_text.empty()) {
    unsigned long port = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9' || port > 65535)
        bad_url(text, "bad port '" + std::string(port_text) + "' (expected 1-65535)");
      port = port * 10 + static_cast<unsigned long>(c - '0');
    }
    if (port == 0 || port > 65535)
      bad_url(text, "bad port '" + std::string(port_text) + "' (expected 1-65535)");
    url.port = static_cast<std::uint16_t>(port);
  }
  url.database = decode(text, path, "database");
  return url;
}

std::string Url::drivername() const { return driver.empty() ? backend : backend + "+" + driver; }

std::string Url::to_string(bool hide_password) const {
  std::string out = drivername() + "://";
  if (backend == "sqlite") {
    if (!database.empty()) out += "/" + database;
  } else {
    if (!username.empty() || password) {
      out += encode(username);
      if (password) out += ":" + (hide_password ? std::string("***") : encode(*password));
      out += "@";
    }
    out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (port) out += ":" + std::to_string(*port);
    if (!database.empty()) out += "/" + encode(database);
  }
  for (std::size_t i = 0; i < query.size(); ++i)
    out += (i ? "&" : "?") + encode(query[i].first) + "=" + encode(query[i].second);
  return out;
}

std::optional<std::string> Url::query_value(std::string_view name) const {
  for (const auto& [k, v] : query)
    if (k == name) return v;
  return std::nullopt;
}

bool Url::is_sqlite_memory() const {
  if (backend != "sqlite") return false;
  if (database.empty() || database == ":memory:") return true;
  // file::memory: or file:name?mode=memory URIs
  return database.rfind("file::memory:", 0) == 0 || query_value("mode") == "memory";
}

std::string detail::percent_encode(std::string_view text, std::string_view keep) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || keep.find(ch) != std::string_view::npos) {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace crucible
