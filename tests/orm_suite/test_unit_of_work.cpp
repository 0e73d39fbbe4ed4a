// SPDX-License-Identifier: MIT
// The unit of work on every backend: optimistic locking across two sessions, stale deletes,
// batched updates and deletes, ORM events, and rows of one table referring to each other.
#include <optional>
#include <string>
#include <vector>

#include "orm_suite/fixture.hpp"
#include "orm_suite/models.hpp"

namespace orm_suite {
namespace {

using namespace crucible;

class OrmUnitOfWork : public OrmSuite {};

TEST_P(OrmUnitOfWork, VersionCounterDetectsConcurrentChanges) {
  Session a(engine());
  auto acc = a.add(Account{.balance = 100});
  a.commit();
  EXPECT_EQ(acc->version, 1);
  Session b(engine());
  auto other = b.get<Account>(acc->id);
  ASSERT_TRUE(other);
  other->balance = 50;
  b.commit();
  EXPECT_EQ(other->version, 2);
  acc->balance = 70;  // based on version 1
  try {
    a.commit();
    FAIL() << "expected StaleDataError";
  } catch (const StaleDataError& e) {
    EXPECT_NE(std::string(e.what()).find("os_accounts"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(a.in_transaction());
  Session check(engine());
  auto now = check.get<Account>(acc->id);
  EXPECT_EQ(now->balance, 50);  // nothing written
  EXPECT_EQ(now->version, 2);
}

TEST_P(OrmUnitOfWork, StaleDeleteIsReported) {
  Session a(engine());
  auto u = a.add(User{.username = "gone", .email = "g"});
  a.commit();
  {
    auto conn = engine().connect();
    conn.execute(text("DELETE FROM os_users WHERE id = :id"), {{"id", u->id}});
    conn.commit();
  }
  a.delete_(u);
  try {
    a.flush();
    FAIL() << "expected StaleDataError";
  } catch (const StaleDataError& e) {
    EXPECT_NE(std::string(e.what()).find("expected to delete 1 row(s); 0 were matched"), std::string::npos)
        << e.what();
  }
}

// An UPDATE that matches its row but changes nothing in it (another transaction wrote the same
// value first) is not stale: rows are counted as matched, not as changed, on every backend.
TEST_P(OrmUnitOfWork, AnUpdateMatchingAnUnchangedRowIsNotStale) {
  Session session(engine());
  auto u = session.add(User{.username = "same", .email = "s"});
  session.flush();
  auto m = session.add(Membership{.group_name = "g", .user_id = u->id, .role = "reader"});
  session.commit();
  {
    auto conn = engine().connect();
    conn.execute(text("UPDATE os_memberships SET role = 'writer' WHERE user_id = :id"), {{"id", u->id}});
    conn.commit();
  }
  m->role = "writer";
  take();
  EXPECT_NO_THROW(session.commit());
  ASSERT_EQ(take().size(), 1u);
  EXPECT_EQ(scalar("SELECT count(*) FROM os_memberships WHERE role = 'writer'"), 1);
  // Bulk statements count the same way.
  EXPECT_EQ(session.query<Membership>().where(col(&Membership::role) == "writer").update(set(col(&Membership::role), "writer")),
            1);
}

TEST_P(OrmUnitOfWork, UpdatesAndDeletesOfOneShapeAreBatched) {
  Session session(engine());
  std::vector<User> users;
  for (int i = 0; i < 4; ++i) users.push_back(User{.username = "b" + std::to_string(i), .email = "e"});
  auto hs = session.add_all(std::move(users));
  session.commit();
  for (auto& h : hs) h->posts_count += 1;
  take();
  session.flush();
  auto sql = take();
  ASSERT_EQ(sql.size(), 1u);  // one execute_many: a pipeline, array binding or a loop, by backend
  EXPECT_EQ(verb(sql[0]), "UPDATE");
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM os_users WHERE posts_count = 1"), 4);
  for (auto& h : hs) session.delete_(h);
  take();
  session.flush();
  sql = take();
  ASSERT_EQ(sql.size(), 1u);
  EXPECT_EQ(verb(sql[0]), "DELETE");
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM os_users"), 0);
}

TEST_P(OrmUnitOfWork, OrmEventsFireAroundStatements) {
  Session session(engine());
  std::vector<std::string> seen;
  session.events().before_flush([&](Session&) { seen.push_back("before_flush"); });
  session.events().before_insert<User>([&](User& u) {
    seen.push_back("before_insert " + u.username);
    u.email = "set-by-listener";
  });
  session.events().after_insert<User>([&](User& u) { seen.push_back("after_insert " + std::to_string(u.id > 0)); });
  session.events().before_update<User>([&](User&) { seen.push_back("before_update"); });
  session.events().after_update<User>([&](User&) { seen.push_back("after_update"); });
  session.events().before_delete<User>([&](User&) { seen.push_back("before_delete"); });
  session.events().after_delete<User>([&](User&) { seen.push_back("after_delete"); });
  session.events().after_commit([&](Session&) { seen.push_back("after_commit"); });
  session.events().after_rollback([&](Session&) { seen.push_back("after_rollback"); });
  auto u = session.add(User{.username = "ev", .email = "e"});
  session.commit();
  EXPECT_EQ(u->email, "set-by-listener");
  EXPECT_EQ(scalar("SELECT count(*) FROM os_users WHERE email = 'set-by-listener'"), 1);
  u->posts_count = 3;
  session.flush();
  session.delete_(u);
  session.flush();
  session.rollback();
  std::vector<std::string> expected{"before_flush", "before_insert ev", "after_insert 1", "after_commit",
                                    "before_flush", "before_update", "after_update",
                                    "before_flush", "before_delete", "after_delete", "after_rollback"};
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(scalar("SELECT posts_count FROM os_users"), 0);  // the rolled-back update
}

TEST_P(OrmUnitOfWork, SelfReferencingInsertsRunParentFirst) {
  Session session(engine());
  std::vector<std::string> order;
  session.events().after_insert<TreeNode>([&](TreeNode& n) { order.push_back(n.label); });
  // Added child first: grandchild, child, root.
  session.add(TreeNode{.id = 3, .parent_id = 2, .label = "grandchild"});
  session.add(TreeNode{.id = 2, .parent_id = 1, .label = "child"});
  session.add(TreeNode{.id = 1, .label = "root"});
  session.add(TreeNode{.id = 4, .label = "other"});
  EXPECT_NO_THROW(session.commit());  // the database checks each row's foreign key
  EXPECT_EQ(order, (std::vector<std::string>{"root", "child", "grandchild", "other"}));
  Session check(engine());
  EXPECT_EQ(check.get<TreeNode>(3)->parent_id, std::optional<std::int64_t>(2));
  EXPECT_EQ(scalar("SELECT count(*) FROM os_tree_nodes"), 4);
}

TEST_P(OrmUnitOfWork, SelfReferencingDeletesRunChildFirst) {
  Session session(engine());
  auto root = session.add(TreeNode{.id = 10, .label = "root"});
  auto child = session.add(TreeNode{.id = 11, .parent_id = 10, .label = "child"});
  auto leaf = session.add(TreeNode{.id = 12, .parent_id = 11, .label = "leaf"});
  session.commit();
  // Marked parent first; one DELETE per row (execute_many), so the order matters to the database.
  session.delete_(root);
  session.delete_(child);
  session.delete_(leaf);
  EXPECT_NO_THROW(session.commit());
  Session check(engine());
  EXPECT_EQ(check.query<TreeNode>().count(), 0);
}

TEST_P(OrmUnitOfWork, SelfReferencingCycleInOneFlushIsReported) {
  Session session(engine());
  session.add(TreeNode{.id = 20, .parent_id = 21, .label = "a"});
  session.add(TreeNode{.id = 21, .parent_id = 20, .label = "b"});
  take();
  EXPECT_THROW(session.flush(), CircularDependencyError);
  for (const auto& sql : take()) EXPECT_NE(verb(sql), "INSERT") << sql;  // found before any INSERT
}

CRUCIBLE_DIALECT_SUITE(OrmUnitOfWork);

}  // namespace
}  // namespace orm_suite
