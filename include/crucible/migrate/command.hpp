// SPDX-License-Identifier: MIT
//
// The `crucible` command line (tools/crucible) as a library function, so that an application
// can embed it as its own sub-command and hand it what the stand-alone program cannot load: its
// models (the MetaData autogenerate compares with the database).
//
//   int main(int argc, char** argv) { return crucible::migrate::command_line(argc, argv); }
//
//   // in an application: `myapp db upgrade head`, `myapp db revision --autogenerate -m "..."`
//   crucible::migrate::CommandLineOptions options;
//   options.program = "myapp db";
//   options.metadata = &app_metadata;
//   return crucible::migrate::command_line(argc - 1, argv + 1, options);
//
// Commands: init, revision, upgrade, downgrade, current, history, heads, merge, squash, stamp,
// check, lint, inspect (`--help` on each). The database comes from --url, else DATABASE_URL,
// else the project file's `url`; the project file (crucible.toml, written by init) says where
// the revision files are. Errors: one line on standard error and a non-zero exit status (1; 2
// for a command line that does not parse).
#pragma once

#include <iosfwd>
#include <string>

namespace crucible {
class MetaData;
}

namespace crucible::migrate {

struct CommandLineOptions {
  std::string program = "crucible";  // how help and errors name the program
  const MetaData* metadata = nullptr;  // the application's models, for autogenerate and check
  std::string default_url;             // used when neither --url nor DATABASE_URL is given
  std::string migrations;              // the revision directory when there is no project file
  std::ostream* out = nullptr;         // standard output when null
  std::ostream* err = nullptr;         // standard error when null
  bool colour = true;                  // colour on a terminal only, and never with NO_COLOR set
};

// Runs one command; returns the process exit status.
int command_line(int argc, const char* const* argv, const CommandLineOptions& options = {});

}  // namespace crucible::migrate
