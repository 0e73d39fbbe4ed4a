// SPDX-License-Identifier: MIT
// Rows of one table that reference each other (a foreign key to their own table): a flush inserts
// parents before children and deletes children before parents, by the key values the rows hold.
#include <optional>
#include <string>
#include <vector>

#include "orm/models.hpp"

namespace orm_test {

struct TreeNode {
  std::int64_t id = 0;
  std::optional<std::int64_t> parent_id{};
  std::string label{};
};
CRUCIBLE_MAPPING(TreeNode, "tree_nodes",
  column("id", &TreeNode::id).primary_key(),
  column("parent_id", &TreeNode::parent_id).references("tree_nodes.id"),
  column("label", &TreeNode::label, crucible::String(40)));

namespace {

using namespace crucible;

TEST_F(OrmTest, SelfReferencingInsertsRunParentFirst) {
  Session session(engine_);
  std::vector<std::string> order;
  session.events().after_insert<TreeNode>([&](TreeNode& n) { order.push_back(n.label); });
  // Added child-first: grandchild, child, root.
  session.add(TreeNode{.id = 3, .parent_id = 2, .label = "grandchild"});
  session.add(TreeNode{.id = 2, .parent_id = 1, .label = "child"});
  session.add(TreeNode{.id = 1, .label = "root"});
  session.add(TreeNode{.id = 4, .label = "other"});
  session.commit();
  EXPECT_EQ(order, (std::vector<std::string>{"root", "child", "grandchild", "other"}));
  Session check(engine_);
  EXPECT_EQ(check.get<TreeNode>(3)->parent_id, std::optional<std::int64_t>(2));
}

TEST_F(OrmTest, SelfReferencingDeletesRunChildFirst) {
  Session session(engine_);
  auto root = session.add(TreeNode{.id = 10, .label = "root"});
  auto child = session.add(TreeNode{.id = 11, .parent_id = 10, .label = "child"});
  auto leaf = session.add(TreeNode{.id = 12, .parent_id = 11, .label = "leaf"});
  session.commit();
  // Marked parent-first; one DELETE per row (execute_many), so the order matters to the database.
  session.delete_(root);
  session.delete_(child);
  session.delete_(leaf);
  EXPECT_NO_THROW(session.commit());
  Session check(engine_);
  EXPECT_EQ(check.query<TreeNode>().count(), 0);
}

TEST_F(OrmTest, SelfReferencingCycleInOneFlushIsReported) {
  Session session(engine_);
  session.add(TreeNode{.id = 20, .parent_id = 21, .label = "a"});
  session.add(TreeNode{.id = 21, .parent_id = 20, .label = "b"});
  EXPECT_THROW(session.flush(), CircularDependencyError);
}

}  // namespace
}  // namespace orm_test
