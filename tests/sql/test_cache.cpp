// SPDX-License-Identifier: MIT
// Cache keys, literal extraction, the per-statement memo and the CompiledCache LRU.
#include "sql/support.hpp"

#include <thread>

#include "crucible/sql/compiled_cache.hpp"

namespace crucible::testing {
namespace {

class CacheTest : public ::testing::Test, protected Blog {};

TEST_F(CacheTest, SameShapeSameKeyDifferentLiterals) {
  auto a = select(u_id).where(u_name == "a", u_age > 1).limit(5);
  auto b = select(u_id).where(u_name == "b", u_age > 2).limit(7);
  EXPECT_EQ(key_of(a), key_of(b));
  std::string key;
  std::vector<Value> lits;
  a.cache_key(key, lits);
  EXPECT_EQ(lits, (std::vector<Value>{"a", 1, 5}));
  EXPECT_EQ(lits, literals_of(a));
  EXPECT_EQ(key.find("\"a\""), std::string::npos);  // literal values never in the key
}

TEST_F(CacheTest, DifferentShapeDifferentKey) {
  auto base = select(u_id).where(u_name == "a");
  EXPECT_NE(key_of(base), key_of(select(u_id).where(u_name != "a")));
  EXPECT_NE(key_of(base), key_of(select(u_name).where(u_name == "a")));
  EXPECT_NE(key_of(base), key_of(select(u_id).where(u_name == "a").limit(1)));
  EXPECT_NE(key_of(base), key_of(select(u_id).where(u_name == bindparam<std::string>("n"))));
  EXPECT_NE(key_of(base), key_of(select(u_id).where(u_name == "a").order_by(u_id)));
  EXPECT_NE(key_of(base), key_of(select(u_id).where(u_name.ilike("a"))));
  EXPECT_NE(key_of(select(u_id).order_by(u_id.asc())), key_of(select(u_id).order_by(u_id.desc())));
  EXPECT_NE(key_of(insert(users).values(set(u_name, "x"))), key_of(insert(users).values(set(u_email, "x"))));
  EXPECT_NE(key_of(text("SELECT :a")), key_of(text("SELECT :b")));
  EXPECT_NE(key_of(select(u_id).select_from(users).join(posts)), key_of(select(u_id).select_from(users).outerjoin(posts)));
}

TEST_F(CacheTest, StatementMemoisesPerDialect) {
  auto stmt = select(u_id).where(u_id == 1);
  EXPECT_EQ(stmt.memoized(sqlite()), nullptr);
  auto first = sqlite().compile(stmt);
  ASSERT_NE(stmt.memoized(sqlite()), nullptr);
  EXPECT_EQ(*stmt.memoized(sqlite()), first);
  EXPECT_EQ(sqlite().compile(stmt), first);  // same object: no recompilation
  EXPECT_NE(postgresql().compile(stmt), first);
  auto copy = stmt;  // copies share the memo
  ASSERT_NE(copy.memoized(sqlite()), nullptr);
  EXPECT_EQ(*copy.memoized(sqlite()), first);
  auto derived = stmt.limit(1);  // builders start a new one
  EXPECT_EQ(derived.memoized(sqlite()), nullptr);
}

TEST_F(CacheTest, CompiledCacheByShape) {
  sql::CompiledCache cache(2);
  std::vector<Value> lits;
  auto c1 = cache.get(sqlite(), select(u_id).where(u_id == 1), lits);
  EXPECT_EQ(lits, (std::vector<Value>{1}));
  lits.clear();
  auto c2 = cache.get(sqlite(), select(u_id).where(u_id == 2), lits);  // new object, same shape
  EXPECT_EQ(c1, c2);
  EXPECT_EQ(lits, (std::vector<Value>{2}));
  EXPECT_EQ(cache.hits(), 1u);
  lits.clear();
  auto pg = cache.get(postgresql(), select(u_id).where(u_id == 3), lits);
  EXPECT_NE(pg, c1);
  EXPECT_EQ(pg->sql, "SELECT users.id FROM users WHERE users.id = $1");
  lits.clear();
  (void)cache.get(sqlite(), select(u_name), lits);  // evicts the least recently used
  EXPECT_EQ(cache.size(), 2u);
}

// A statement built anew with a known shape adopts the cached form as its memo, so its next
// executions build no key (the cache sees one lookup per statement object, not per execution).
TEST_F(CacheTest, ACacheHitIsMemoisedOnTheStatement) {
  sql::CompiledCache cache;
  std::vector<Value> lits;
  const auto first = cache.get(sqlite(), select(u_id).where(u_id == 1), lits);
  const auto rebuilt = select(u_id).where(u_id == 2);
  EXPECT_EQ(rebuilt.memoized(sqlite()), nullptr);
  lits.clear();
  EXPECT_EQ(cache.get(sqlite(), rebuilt, lits), first);
  EXPECT_EQ(cache.hits(), 1u);
  ASSERT_NE(rebuilt.memoized(sqlite()), nullptr);
  EXPECT_EQ(*rebuilt.memoized(sqlite()), first);
  EXPECT_EQ(rebuilt.memoized(postgresql()), nullptr);  // per dialect, as compile() memoises
  for (int i = 0; i < 3; ++i) {
    lits.clear();
    EXPECT_EQ(cache.get(sqlite(), rebuilt, lits), first);
    EXPECT_EQ(lits, (std::vector<Value>{2}));  // the literals still come from the statement
  }
  EXPECT_EQ(cache.hits() + cache.misses(), 2u);
}

TEST_F(CacheTest, DialectRefinedByVersionGetsItsOwnEntries) {
  dialects::SqliteDialect d;
  auto stmt = select(u_id).order_by(u_email.asc().nulls_last());
  auto before = d.compile(stmt);
  d.set_server_version("3.29.0");
  auto after = d.compile(stmt);
  EXPECT_NE(before->sql, after->sql);
}

TEST_F(CacheTest, ConcurrentCompileAndExtract) {
  auto stmt = select(u_id, u_name).where(u_age > 3, u_name.contains("x")).limit(2);
  sql::CompiledCache cache;
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        std::vector<Value> lits;
        auto c = cache.get(postgresql(), stmt, lits);
        if (lits.size() != 3 || c->binds.size() != 3) ++bad;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace crucible::testing
