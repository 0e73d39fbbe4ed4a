// SPDX-License-Identifier: MIT
// Cascades, deletes and versions as SQLAlchemy's, on every backend (issue 19, items 2-4 and 6-9):
// Dynamic delete cascades, pending orphans, self-referential deletes, collection changes around
// deletes and re-attachment, queued changes of unloaded collections, contains() after a delete,
// the row switch, optimistic locking through merge() and locking reads, and the expunge /
// refresh-expire / merge cascades. Each case checks what the database holds afterwards.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "orm_suite/cascade_models.hpp"
#include "orm_suite/fixture.hpp"
#include "orm_suite/models.hpp"

namespace orm_suite {
namespace {

using namespace crucible;

class OrmCascades : public OrmSuite {
 protected:
  std::string count_where(const std::string& table, const std::string& where = "") {
    return "SELECT count(*) FROM " + table + (where.empty() ? "" : " WHERE " + where);
  }
  std::int64_t rows(const std::string& table, const std::string& where = "") { return scalar(count_where(table, where)); }
};

// ---- item 2: delete cascade over Dynamic<T> ----------------------------------------------------

TEST_P(OrmCascades, DeleteCascadeLoadsAndDeletesDynamicChildren) {
  Session session(engine());
  auto c = session.add(CCustomer{.name = "c"});
  session.flush();
  for (int i = 0; i < 3; ++i) session.add(CNote{.customer_id = c->id, .body = "n" + std::to_string(i)});
  session.commit();
  session.close();

  Session s2(engine());
  auto loaded = s2.get<CCustomer>(c->id);
  auto fresh = make_instance(CNote{.body = "pending"});
  loaded->notes.append(fresh);  // a recorded append goes with the rest (expunged: it never had a row)
  s2.delete_(loaded);
  EXPECT_FALSE(s2.contains(fresh));
  s2.commit();  // the schema has no ON DELETE CASCADE: the notes must go first
  EXPECT_EQ(rows("os_c_customers"), 0);
  EXPECT_EQ(rows("os_c_notes"), 0);
}

TEST_P(OrmCascades, DynamicDeleteCascadeHonoursPassiveDeletes) {
  Session session(engine());
  auto c = session.add(CCustomer{.name = "c"});
  session.flush();
  session.add(CLog{.customer_id = c->id, .line = "x"});
  session.commit();
  session.close();

  Session s2(engine());
  auto loaded = s2.get<CCustomer>(c->id);
  take();
  s2.delete_(loaded);
  s2.commit();
  for (const auto& sql : take()) EXPECT_EQ(sql.find("FROM os_c_logs"), std::string::npos) << sql;
  EXPECT_EQ(rows("os_c_logs"), 0);  // ON DELETE CASCADE did it
}

// ---- item 3: pending orphans ---------------------------------------------------------------------

TEST_P(OrmCascades, RemovedPendingChildIsExpungedWithDeleteOrphan) {
  Session session(engine());
  auto u = session.add(CCustomer{.name = "u"});
  session.commit();
  auto o1 = make_instance(COrder{.item = "o1"});
  u->orders.append(o1);
  EXPECT_TRUE(session.contains(o1));
  u->orders.remove(o1);
  EXPECT_FALSE(session.contains(o1));
  EXPECT_TRUE(inspect(o1).transient());
  session.commit();
  EXPECT_EQ(rows("os_c_orders"), 0);
}

TEST_P(OrmCascades, ReplacedCollectionOfAPendingParentIsNotInserted) {
  Session session(engine());
  auto a = make_instance(COrder{.item = "a"});
  auto b = make_instance(COrder{.item = "b"});
  auto u = session.add(CCustomer{.name = "u", .orders = {a}});
  EXPECT_TRUE(session.contains(a));
  u->orders = std::vector<std::shared_ptr<COrder>>{b};
  EXPECT_FALSE(session.contains(a));
  session.commit();
  EXPECT_EQ(rows("os_c_orders"), 1);
  EXPECT_EQ(rows("os_c_orders", "customer_id = " + std::to_string(u->id) + " AND item = 'b'"), 1);
  EXPECT_EQ(rows("os_c_orders", "customer_id = 0"), 0);
}

TEST_P(OrmCascades, PendingChildWithoutParentGetsNullOrIsRefused) {
  Session session(engine());
  auto team = session.add(CTeam{.name = "t"});
  auto p = make_instance(CPlayer{.name = "p"});
  team->players.append(p);
  team->players.remove(p);  // no delete-orphan: stays pending, with no parent
  EXPECT_TRUE(session.contains(p));
  session.commit();
  EXPECT_EQ(rows("os_c_players", "team_id IS NULL AND name = 'p'"), 1);

  // A NOT NULL key: SQLAlchemy's INSERT of NULL fails; never a 0 key.
  auto shop = session.add(CShop{.name = "s"});
  session.commit();
  auto clerk = make_instance(CClerk{.name = "c"});
  shop->clerks.append(clerk);
  shop->clerks.remove(clerk);
  EXPECT_THROW(session.commit(), InvalidRequestError);
  EXPECT_EQ(rows("os_c_clerks"), 0);
}

// ---- item 4: self-referential delete without cascade -------------------------------------------------

TEST_P(OrmCascades, SelfReferentialParentDeleteNullsChildrenFirst) {
  Session session(engine());
  auto root = session.add(CCategory{.name = "root"});
  root->children.emplace(CCategory{.name = "a"});
  root->children.emplace(CCategory{.name = "b"});
  session.commit();
  session.close();

  Session s2(engine());
  auto r = s2.get<CCategory>(root->id);
  s2.delete_(r);
  s2.commit();
  EXPECT_EQ(rows("os_c_categories"), 2);
  EXPECT_EQ(rows("os_c_categories", "parent_id IS NULL"), 2);
}

// ---- item 6: collection changes around deletes and re-attachment ---------------------------------------

TEST_P(OrmCascades, ChildRemovedFromADeletedParentIsHandled) {
  Session session(engine());
  auto u = session.add(CCustomer{.name = "u"});
  auto kept = u->orders.emplace(COrder{.item = "kept"});
  auto gone = u->orders.emplace(COrder{.item = "removed"});
  auto team = session.add(CTeam{.name = "t"});
  auto p1 = team->players.emplace(CPlayer{.name = "p1"});
  team->players.emplace(CPlayer{.name = "p2"});
  session.commit();

  // delete-orphan: the removed child is deleted with the rest.
  u->orders.remove(gone);
  session.delete_(u);
  session.commit();
  EXPECT_EQ(rows("os_c_customers"), 0);
  EXPECT_EQ(rows("os_c_orders"), 0);

  // cascade "all" without delete-orphan, nullable key: the removed child stays, key NULL.
  team->players.remove(p1);
  session.delete_(team);
  session.commit();
  EXPECT_EQ(rows("os_c_teams"), 0);
  EXPECT_EQ(rows("os_c_players"), 1);
  EXPECT_EQ(rows("os_c_players", "name = 'p1' AND team_id IS NULL"), 1);
}

TEST_P(OrmCascades, DetachedParentChangesApplyWhenAddedBack) {
  std::shared_ptr<CCustomer> u;
  std::shared_ptr<COrder> old_order;
  std::shared_ptr<CTeam> team;
  std::shared_ptr<CPlayer> old_player;
  {
    Session session(engine());
    u = session.add(CCustomer{.name = "u"});
    old_order = u->orders.emplace(COrder{.item = "old"});
    team = session.add(CTeam{.name = "t"});
    old_player = team->players.emplace(CPlayer{.name = "old"});
    session.commit();
  }  // detached, collections loaded
  auto new_order = make_instance(COrder{.item = "new"});
  u->orders.append(new_order);
  u->orders.remove(old_order);
  auto new_player = make_instance(CPlayer{.name = "new"});
  team->players.append(new_player);
  team->players.remove(old_player);

  Session s2(engine());
  s2.add(u);
  s2.add(team);
  EXPECT_TRUE(s2.contains(old_order));   // the removed ones join to be handled
  EXPECT_TRUE(s2.contains(old_player));
  s2.commit();
  EXPECT_EQ(rows("os_c_orders"), 1);  // delete-orphan deleted the old one
  EXPECT_EQ(rows("os_c_orders", "item = 'new' AND customer_id = " + std::to_string(u->id)), 1);
  EXPECT_EQ(rows("os_c_players", "name = 'old' AND team_id IS NULL"), 1);
  EXPECT_EQ(rows("os_c_players", "name = 'new' AND team_id = " + std::to_string(team->id)), 1);
}

TEST_P(OrmCascades, ManyToManyAppendShowsInTheUnloadedOtherSide) {
  Session session(engine());
  auto i1 = session.add(CItem{.name = "i1"});
  auto k1 = session.add(CKeyword{.name = "k1"});
  auto k2 = session.add(CKeyword{.name = "k2"});
  i1->keywords.append(k1);
  session.commit();
  session.close();

  {
    Session s2(engine(), SessionOptions{.autoflush = false});
    auto item = s2.get<CItem>(i1->id);
    auto kw2 = s2.get<CKeyword>(k2->id);
    ASSERT_FALSE(item->keywords.loaded());
    (void)kw2->items.size();   // loaded: the append goes there directly
    kw2->items.append(item);   // item->keywords is not loaded: queued
    ASSERT_EQ(item->keywords.size(), 2u);  // loads k1 from the database, k2 from the queue
    EXPECT_TRUE(item->keywords.contains(kw2));
    s2.commit();
    EXPECT_EQ(rows("os_c_item_keywords"), 2);
  }
  {
    // The flush writes the row before the other side loads: it comes from the database once.
    Session s3(engine(), SessionOptions{.autoflush = false});
    auto item = s3.get<CItem>(i1->id);
    auto kw1 = s3.get<CKeyword>(k1->id);
    (void)kw1->items.size();
    kw1->items.remove(item);
    s3.flush();
    EXPECT_EQ(item->keywords.size(), 1u);
    EXPECT_FALSE(item->keywords.contains(kw1));
    s3.commit();
    EXPECT_EQ(rows("os_c_item_keywords"), 1);
  }
}

// ---- item 7: deleted objects do not come back; the row switch ------------------------------------------

TEST_P(OrmCascades, DeletedObjectsAreNotContainedAndCannotBeAddedBack) {
  Session session(engine());
  auto u = session.add(User{.username = "u1"});
  session.commit();
  session.delete_(u);
  EXPECT_TRUE(session.contains(u));  // marked, not flushed: still in the identity map
  session.flush();
  EXPECT_FALSE(session.contains(u));
  session.commit();
  EXPECT_FALSE(session.contains(u));
  EXPECT_THROW(session.add(u), InvalidRequestError);
  EXPECT_EQ(scalar("SELECT count(*) FROM os_users"), 0);
  make_transient(u);  // the documented way back: a new row
  session.add(u);
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM os_users"), 1);
}

TEST_P(OrmCascades, RowSwitchTurnsDeleteAndInsertIntoAnUpdate) {
  Session session(engine());
  auto c = session.add(CCustomer{.name = "old"});
  c->orders.emplace(COrder{.item = "o"});
  session.commit();
  const std::int64_t id = c->id;

  session.delete_(c);
  auto replacement = session.add(CCustomer{.id = id, .name = "new"});
  take();
  session.commit();
  std::size_t updates = 0, customer_writes = 0;
  for (const auto& sql : take()) {
    if (sql.find("os_c_customers") == std::string::npos) continue;
    if (verb(sql) == "UPDATE") ++updates;
    if (verb(sql) == "INSERT" || verb(sql) == "DELETE") ++customer_writes;
  }
  EXPECT_EQ(updates, 1u);
  EXPECT_EQ(customer_writes, 0u);
  EXPECT_TRUE(inspect(replacement).persistent());
  EXPECT_TRUE(inspect(c).detached());
  EXPECT_EQ(rows("os_c_customers", "id = " + std::to_string(id) + " AND name = 'new'"), 1);
  EXPECT_EQ(rows("os_c_orders"), 0);  // the old object's children went with it
  EXPECT_EQ(session.get<CCustomer>(id), replacement);

  // Versioned: the counter goes on from the old row's.
  auto a = session.add(Account{.id = 7, .balance = 1});
  session.commit();
  a->balance = 2;
  session.commit();  // version 2
  session.delete_(a);
  auto b = session.add(Account{.id = 7, .balance = 3});
  session.commit();
  EXPECT_EQ(b->version, 3);
  EXPECT_EQ(scalar("SELECT version FROM os_accounts WHERE id = 7"), 3);
  EXPECT_EQ(scalar("SELECT balance FROM os_accounts WHERE id = 7"), 3);
}

// ---- item 8: optimistic locking -------------------------------------------------------------------

TEST_P(OrmCascades, MergeNeverMovesTheVersionBackAndRefusesAStaleOne) {
  Session session(engine());
  auto a = session.add(Account{.balance = 1});
  session.commit();
  a->balance = 2;
  session.commit();
  ASSERT_EQ(a->version, 2);
  const std::int64_t id = a->id;
  session.close();

  Session s2(engine());
  auto merged = s2.merge(Account{.id = id, .balance = 50});  // version unset: "no version"
  EXPECT_EQ(merged->version, 2);
  s2.commit();
  EXPECT_EQ(merged->version, 3);
  EXPECT_EQ(scalar("SELECT version FROM os_accounts WHERE id = " + std::to_string(id)), 3);
  EXPECT_EQ(scalar("SELECT balance FROM os_accounts WHERE id = " + std::to_string(id)), 50);

  EXPECT_THROW(s2.merge(Account{.id = id, .balance = 60, .version = 1}), StaleDataError);
  EXPECT_EQ(merged->balance, 50);
  auto same = s2.merge(Account{.id = id, .balance = 70, .version = 3});
  EXPECT_EQ(same, merged);
  s2.commit();
  EXPECT_EQ(scalar("SELECT balance FROM os_accounts WHERE id = " + std::to_string(id)), 70);
  EXPECT_EQ(scalar("SELECT version FROM os_accounts WHERE id = " + std::to_string(id)), 4);
}

TEST_P(OrmCascades, LockingReadOfAStaleObjectRaises) {
  Session session(engine());
  auto a = session.add(Account{.balance = 1});
  session.commit();
  const std::int64_t id = a->id;
  {
    Session other(engine());
    other.get<Account>(id)->balance = 5;
    other.commit();  // version 2
  }
  auto locked = [&] { return session.query<Account>().where(col(&Account::id) == id).with_for_update(); };
  EXPECT_THROW(locked().one(), StaleDataError);
  EXPECT_THROW(locked().all(), StaleDataError);
  session.rollback();
  auto fresh = locked().populate_existing().one();  // reloads under the lock
  EXPECT_EQ(fresh, a);
  EXPECT_EQ(a->balance, 5);
  EXPECT_EQ(a->version, 2);
  EXPECT_EQ(locked().one(), a);  // now at the row's version
  session.commit();
}

TEST_P(OrmCascades, DeletingARowAnotherStatementRemovedRaisesStaleData) {
  Session session(engine());
  auto u = session.add(User{.username = "x"});
  session.commit();
  {
    auto conn = engine().connect();
    conn.execute(text("DELETE FROM os_users"));
    conn.commit();
  }
  session.delete_(u);
  EXPECT_THROW(session.commit(), StaleDataError);
}

// ---- item 9: expunge, refresh-expire and merge cascades -------------------------------------------------

TEST_P(OrmCascades, ExpungeAndRefreshCascadeAlongTheRelationship) {
  Session session(engine());
  auto u = session.add(CCustomer{.name = "u"});
  auto o = u->orders.emplace(COrder{.item = "o"});
  auto shop = session.add(CShop{.name = "s"});
  auto clerk = shop->clerks.emplace(CClerk{.name = "c"});
  session.commit();

  {  // refresh-expire ("all"): refresh() reloads the loaded orders too
    auto conn = engine().connect();
    conn.execute(text("UPDATE os_c_orders SET item = 'changed'"));
    conn.execute(text("UPDATE os_c_clerks SET name = 'changed'"));
    conn.commit();
  }
  session.refresh(u);
  EXPECT_EQ(o->item, "changed");
  session.refresh(shop);  // default cascade: no refresh-expire
  EXPECT_EQ(clerk->name, "c");

  session.expire(u);
  EXPECT_TRUE(inspect(o).expired());
  EXPECT_FALSE(inspect(clerk).expired());

  ASSERT_EQ(u->orders.size(), 1u);  // expiry unloaded it; expunge reaches loaded objects only
  session.expunge(u);  // "all" includes expunge
  EXPECT_FALSE(session.contains(u));
  EXPECT_FALSE(session.contains(o));
  session.expunge(shop);
  EXPECT_TRUE(session.contains(clerk));
}

TEST_P(OrmCascades, MergeCascadesToRelatedObjects) {
  std::shared_ptr<CCustomer> u;
  std::shared_ptr<COrder> o;
  {
    Session session(engine());
    u = session.add(CCustomer{.name = "u"});
    o = u->orders.emplace(COrder{.item = "o"});
    session.commit();
  }
  u->name = "u2";
  o->item = "o2";
  auto extra = make_instance(COrder{.item = "extra"});
  u->orders.append(extra);

  Session s2(engine());
  auto merged = s2.merge(u);
  EXPECT_NE(merged, u);
  ASSERT_EQ(merged->orders.size(), 2u);
  EXPECT_NE(merged->orders.ptr(0), o);
  EXPECT_EQ(merged->orders[0].item, "o2");
  EXPECT_EQ(merged->orders[0].customer.get(), merged);
  EXPECT_FALSE(s2.contains(extra));  // a copy of it was merged in
  s2.commit();
  EXPECT_EQ(rows("os_c_customers", "name = 'u2'"), 1);
  EXPECT_EQ(rows("os_c_orders", "item = 'o2'"), 1);
  EXPECT_EQ(rows("os_c_orders", "item = 'extra' AND customer_id = " + std::to_string(u->id)), 1);
}

CRUCIBLE_DIALECT_SUITE(OrmCascades);

}  // namespace
}  // namespace orm_suite
