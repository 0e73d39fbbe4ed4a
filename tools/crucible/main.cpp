// SPDX-License-Identifier: MIT
// The `crucible` program: schema migrations from the command line (docs/migrations.md). All of
// it is the library's command_line(), which an application can also embed as its own command.
#include "crucible/migrate/command.hpp"

int main(int argc, char** argv) { return crucible::migrate::command_line(argc, argv); }
