// SPDX-License-Identifier: MIT
// Uses only the installed public API. Grows with it: once the engine exists, this should be
// create_engine("sqlite:///:memory:") and one query.
#include <crucible/core/value.hpp>

#include <iostream>

int main() {
  const auto text = crucible::Date::from_string("2024-01-02").to_string();
  std::cout << "crucible consumer: " << text << '\n';
  return text == "2024-01-02" ? 0 : 1;
}
