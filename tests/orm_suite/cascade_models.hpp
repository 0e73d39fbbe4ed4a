// SPDX-License-Identifier: MIT
// Models of the cascade / delete / version cases (test_cascades.cpp), tables prefixed os_c_:
// a delete-orphan one-to-many with a NOT NULL key, Dynamic collections with a delete cascade
// (loaded or left to ON DELETE CASCADE by passive_deletes), a cascade "all" one-to-many over a
// nullable key, a default-cascade one-to-many over a NOT NULL key, a self-referential table
// without delete cascade, and a many-to-many with back_populates on both sides.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "crucible/crucible.hpp"

namespace orm_suite {

struct COrder;
struct CNote;
struct CLog;
struct CCustomer {
  std::int64_t id = 0;
  std::string name{};
  crucible::Many<COrder> orders{};
  crucible::Dynamic<CNote> notes{};
  crucible::Dynamic<CLog> logs{};
};
struct COrder {
  std::int64_t id = 0;
  std::int64_t customer_id = 0;
  std::string item{};
  crucible::One<CCustomer> customer{};
};
struct CNote {
  std::int64_t id = 0;
  std::int64_t customer_id = 0;
  std::string body{};
};
struct CLog {
  std::int64_t id = 0;
  std::int64_t customer_id = 0;
  std::string line{};
};
CRUCIBLE_MAPPING(CCustomer, "os_c_customers",
  column("id", &CCustomer::id).primary_key(),
  column("name", &CCustomer::name, String(40)),
  relationship("orders", &CCustomer::orders).back_populates("customer").cascade("all, delete-orphan"),
  relationship("notes", &CCustomer::notes).cascade("all, delete-orphan"),
  relationship("logs", &CCustomer::logs).cascade("all").passive_deletes());
CRUCIBLE_MAPPING(COrder, "os_c_orders",
  column("id", &COrder::id).primary_key(),
  column("customer_id", &COrder::customer_id).references("os_c_customers.id"),
  column("item", &COrder::item, String(40)),
  relationship("customer", &COrder::customer).back_populates("orders"));
CRUCIBLE_MAPPING(CNote, "os_c_notes",
  column("id", &CNote::id).primary_key(),
  column("customer_id", &CNote::customer_id).references("os_c_customers.id"),
  column("body", &CNote::body, String(40)));
CRUCIBLE_MAPPING(CLog, "os_c_logs",
  column("id", &CLog::id).primary_key(),
  column("customer_id", &CLog::customer_id).references("os_c_customers.id").on_delete("CASCADE"),
  column("line", &CLog::line, String(40)));

// cascade "all" (no delete-orphan) over a nullable key.
struct CPlayer;
struct CTeam {
  std::int64_t id = 0;
  std::string name{};
  crucible::Many<CPlayer> players{};
};
struct CPlayer {
  std::int64_t id = 0;
  std::optional<std::int64_t> team_id{};
  std::string name{};
  crucible::One<CTeam> team{};
};
CRUCIBLE_MAPPING(CTeam, "os_c_teams",
  column("id", &CTeam::id).primary_key(),
  column("name", &CTeam::name, String(40)),
  relationship("players", &CTeam::players).back_populates("team").cascade("all"));
CRUCIBLE_MAPPING(CPlayer, "os_c_players",
  column("id", &CPlayer::id).primary_key(),
  column("team_id", &CPlayer::team_id).references("os_c_teams.id"),
  column("name", &CPlayer::name, String(40)),
  relationship("team", &CPlayer::team).back_populates("players"));

// The default cascade over a NOT NULL key.
struct CClerk;
struct CShop {
  std::int64_t id = 0;
  std::string name{};
  crucible::Many<CClerk> clerks{};
};
struct CClerk {
  std::int64_t id = 0;
  std::int64_t shop_id = 0;
  std::string name{};
};
CRUCIBLE_MAPPING(CShop, "os_c_shops",
  column("id", &CShop::id).primary_key(),
  column("name", &CShop::name, String(40)),
  relationship("clerks", &CShop::clerks));
CRUCIBLE_MAPPING(CClerk, "os_c_clerks",
  column("id", &CClerk::id).primary_key(),
  column("shop_id", &CClerk::shop_id).references("os_c_shops.id"),
  column("name", &CClerk::name, String(40)));

// Self-referential, default cascade (no delete): children of a deleted row are let go.
struct CCategory {
  std::int64_t id = 0;
  std::optional<std::int64_t> parent_id{};
  std::string name{};
  crucible::One<CCategory> parent{};
  crucible::Many<CCategory> children{};
};
CRUCIBLE_MAPPING(CCategory, "os_c_categories",
  column("id", &CCategory::id).primary_key(),
  column("parent_id", &CCategory::parent_id).references("os_c_categories.id"),
  column("name", &CCategory::name, String(40)),
  relationship("parent", &CCategory::parent).back_populates("children"),
  relationship("children", &CCategory::children).back_populates("parent"));

// Many-to-many, back_populates on both sides.
struct CItem;
struct CKeyword {
  std::int64_t id = 0;
  std::string name{};
  crucible::Many<CItem> items{};
};
struct CItem {
  std::int64_t id = 0;
  std::string name{};
  crucible::Many<CKeyword> keywords{};
};
inline const crucible::Table& item_keywords() {
  using namespace crucible;
  static const Table& table = default_registry().metadata().add_table(
      "os_c_item_keywords",
      {Column("item_id", BigInteger()).references("os_c_items.id").primary_key(),
       Column("keyword_id", BigInteger()).references("os_c_keywords.id").primary_key()});
  return table;
}
CRUCIBLE_MAPPING(CKeyword, "os_c_keywords",
  column("id", &CKeyword::id).primary_key(),
  column("name", &CKeyword::name, String(40)),
  relationship("items", &CKeyword::items).secondary(item_keywords()).back_populates("keywords"));
CRUCIBLE_MAPPING(CItem, "os_c_items",
  column("id", &CItem::id).primary_key(),
  column("name", &CItem::name, String(40)),
  relationship("keywords", &CItem::keywords).secondary(item_keywords()).back_populates("items"));

}  // namespace orm_suite
