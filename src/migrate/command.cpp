// SPDX-License-Identifier: MIT
// The `crucible` command line (command.hpp): CLI11 for the arguments, the migrate layer for the
// work. Every failure ends here as one line on standard error and exit status 1.
#include "crucible/migrate/command.hpp"

#include <unistd.h>

// GCC 12 at -O2 reports a "potential null pointer dereference" inside CLI11's own string
// splitting once inlined here (a false positive in std::string's move); the rest of the library
// keeps the warning.
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <optional>
#include <toml++/toml.h>

#include "crucible/engine/connection.hpp"
#include "crucible/engine/engine.hpp"
#include "crucible/migrate/autogenerate.hpp"
#include "crucible/migrate/graph.hpp"
#include "crucible/migrate/inspector.hpp"
#include "crucible/migrate/migrator.hpp"
#include "crucible/sql/dialect.hpp"

namespace crucible::migrate {

namespace {

constexpr const char* project_file_name = "crucible.toml";

// Errors are one line: a driver's message (libpq's has a hint on a second line) or a list of
// steps is folded onto it.
std::string one_line(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space && c != ' ') out += ' ';
    space = false;
    out += c;
  }
  return out;
}


// Where a project's revisions live and how they are applied (crucible.toml).
struct Project {
  std::filesystem::path file;
  std::filesystem::path migrations = "migrations";
  std::string url;
  std::string version_table = "crucible_version";
  NamingConvention convention;
};

Project load_project(const std::string& config, bool must_exist) {
  Project p;
  p.file = config.empty() ? std::filesystem::path(project_file_name) : std::filesystem::path(config);
  std::error_code ec;
  if (!std::filesystem::exists(p.file, ec)) {
    if (must_exist || !config.empty())
      throw MigrationError(p.file.string() + ": no project file here (crucible init writes one)");
    return p;
  }
  toml::table doc;
  try {
    doc = toml::parse_file(p.file.string());
  } catch (const toml::parse_error& e) {
    throw MigrationError(p.file.string() + ":" + std::to_string(e.source().begin.line) + ": not valid TOML: " +
                         std::string(e.description()));
  }
  const std::filesystem::path base = p.file.parent_path();
  for (const auto& entry : doc) {
    const toml::node& node = entry.second;  // not a structured binding: lambdas below capture it
    const std::string k(entry.first.str());
    const auto line = std::to_string(node.source().begin.line);
    auto text = [&]() {
      if (!node.is_string()) throw MigrationError(p.file.string() + ":" + line + ": '" + k + "' must be a string");
      return node.as_string()->get();
    };
    if (k == "migrations") p.migrations = base / text();
    else if (k == "url") p.url = text();
    else if (k == "version_table") p.version_table = text();
    else if (k == "naming_convention") {
      if (!node.is_table()) throw MigrationError(p.file.string() + ":" + line + ": 'naming_convention' must be a table");
      for (const auto& [ck, cv] : *node.as_table()) {
        const std::string name(ck.str());
        if (!cv.is_string())
          throw MigrationError(p.file.string() + ":" + std::to_string(cv.source().begin.line) + ": naming_convention." +
                               name + " must be a string");
        const std::string value = cv.as_string()->get();
        if (name == "ix") p.convention.index = value;
        else if (name == "uq") p.convention.unique = value;
        else if (name == "ck") p.convention.check = value;
        else if (name == "fk") p.convention.foreign_key = value;
        else if (name == "pk") p.convention.primary_key = value;
        else
          throw MigrationError(p.file.string() + ":" + std::to_string(cv.source().begin.line) +
                               ": unknown naming_convention key '" + name + "' (ix, uq, ck, fk, pk)");
      }
    } else {
      throw MigrationError(p.file.string() + ":" + line + ": unknown key '" + k +
                           "' (migrations, url, version_table, naming_convention)");
    }
  }
  return p;
}

// Colour only on a terminal, and never with NO_COLOR set (no-color.org).
struct Printer {
  std::ostream& out;
  bool colour;
  std::string paint(const std::string& text, const char* code) const {
    return colour ? std::string("\033[") + code + "m" + text + "\033[0m" : text;
  }
  std::string id(const std::string& s) const { return paint(s, "1;36"); }
  std::string good(const std::string& s) const { return paint(s, "32"); }
  std::string warn(const std::string& s) const { return paint(s, "33"); }
  std::string dim(const std::string& s) const { return paint(s, "2"); }
};

std::string now_iso() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string file_stamp() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d_%H%M%S", &tm);
  return buf;
}

std::filesystem::path write_new_revision(const Project& project, Revision r) {
  const std::filesystem::path path =
      project.migrations / (file_stamp() + "_" + r.id + (slug(r.message).empty() ? "" : "_" + slug(r.message)) + ".toml");
  if (std::filesystem::exists(path)) throw MigrationError(path.string() + " already exists");
  std::ofstream out(path, std::ios::binary);
  if (!out) throw MigrationError(path.string() + ": cannot be written");
  std::string text = write_revision(r);
  if (r.upgrade.empty() && !r.downgrade_written)
    text += "\n# Steps go here, one table each (docs/migrations.md, \"Revision files\"):\n"
            "# [[upgrade]]\n# op = \"add_column\"\n# table = \"users\"\n"
            "# column = { name = \"karma\", type = \"Integer\", server_default = \"0\" }\n";
  out << text;
  if (!out) throw MigrationError(path.string() + ": cannot be written");
  return path;
}

// A dialect for offline SQL: the URL's, or --dialect's (no connection is opened either way).
Engine offline_engine(const std::string& url, const std::string& dialect) {
  if (!dialect.empty()) {
    if (dialect == "sqlite") return create_engine("sqlite://");
    if (dialect == "postgresql") return create_engine("postgresql://offline/offline");
    if (dialect == "mysql" || dialect == "mariadb") return create_engine("mysql://offline/offline");
    throw MigrationError("unknown dialect '" + dialect + "' (sqlite, postgresql, mysql or mariadb)");
  }
  if (url.empty()) throw MigrationError("offline SQL needs a dialect: give --dialect, --url or DATABASE_URL");
  return create_engine(url);
}

class Cli {
 public:
  Cli(const CommandLineOptions& options, std::ostream& out, std::ostream& err)
      : options_(options), out_(out), err_(err),
        print_{out, options.colour && !std::getenv("NO_COLOR") && &out == &std::cout && isatty(STDOUT_FILENO) != 0} {}

  int run(int argc, const char* const* argv);

 private:
  Project project(bool must_exist = false) {
    // An embedding application that names its revision directory needs no project file.
    Project p = load_project(config_, must_exist && options_.migrations.empty());
    if (config_.empty() && !std::filesystem::exists(p.file) && !options_.migrations.empty())
      p.migrations = options_.migrations;
    if (!dir_.empty()) p.migrations = dir_;
    return p;
  }
  std::string url(const Project& p) {
    if (!url_.empty()) return url_;
    if (const char* env = std::getenv("DATABASE_URL"); env && *env) return env;
    if (!p.url.empty()) return p.url;
    if (!options_.default_url.empty()) return options_.default_url;
    throw MigrationError("no database: give --url, set DATABASE_URL, or put url in " + p.file.string());
  }
  Engine engine(const Project& p) { return create_engine(url(p)); }
  AutogenerateOptions autogenerate_options(const Project& p) {
    AutogenerateOptions o;
    o.version_table = p.version_table;
    return o;
  }
  MigratorOptions migrator_options(const Project& p) {
    MigratorOptions o;
    o.version_table = p.version_table;
    o.naming_convention = p.convention;
    o.allow_hazards = allow_hazards_;
    o.on_event = [this](const MigrationEvent& e) { progress(e); };
    return o;
  }
  void progress(const MigrationEvent& e) {
    using Kind = MigrationEvent::Kind;
    if (e.kind == Kind::revision_started) {
      started_ = std::chrono::steady_clock::now();
      out_ << (e.upgrading ? "Upgrading to " : "Downgrading ") << print_.id(e.revision->id) << "  " << e.revision->message
           << "\n";
    } else if (e.kind == Kind::step_started) {
      step_started_ = std::chrono::steady_clock::now();
      out_ << "  " << e.step << "/" << e.steps << "  " << e.description << "\n";
    } else {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_);
      out_ << "  " << print_.good("done") << " in " << ms.count() << " ms\n";
    }
    out_.flush();
  }

  int init();
  int revision();
  int upgrade();
  int downgrade();
  int current();
  int history();
  int heads();
  int merge();
  int squash();
  int stamp();
  int check();
  int lint();
  int inspect();

  const CommandLineOptions& options_;
  std::ostream& out_;
  std::ostream& err_;
  Printer print_;
  std::chrono::steady_clock::time_point started_, step_started_;

  std::string url_, config_, dir_, dialect_, message_, head_, target_, from_, to_, table_filter_;
  std::vector<std::string> revisions_;
  bool sql_ = false, autogenerate_ = false, allow_hazards_ = false, verbose_ = false, all_ = false;
};

int Cli::run(int argc, const char* const* argv) {
  CLI::App app("Schema migrations for Crucible: revisions kept as reviewed TOML files, applied to SQLite, "
               "PostgreSQL and MariaDB (docs/migrations.md).",
               options_.program);
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--url", url_, "Database URL (else DATABASE_URL, else the project file's url)");
  app.add_option("--config", config_, "Project file (default: crucible.toml here)");
  app.add_option("--dir", dir_, "Revision directory (default: the project file's, or migrations)");

  auto* init_cmd = app.add_subcommand("init", "Start a project: write crucible.toml and the revision directory");
  auto* revision_cmd = app.add_subcommand("revision", "Write a new, empty revision file after the head");
  revision_cmd->add_option("-m,--message", message_, "What the revision does")->required();
  revision_cmd->add_option("--head", head_, "The revision to build on, when there are several heads");
  revision_cmd->add_flag("--autogenerate", autogenerate_, "Fill it by comparing the models with the database");
  auto* upgrade_cmd = app.add_subcommand("upgrade", "Apply revisions up to a target");
  upgrade_cmd->add_option("target", target_, "head (default), heads, a revision, +N; with --sql, FROM:TO");
  upgrade_cmd->add_flag("--sql", sql_, "Print the SQL instead of running it (offline mode)");
  upgrade_cmd->add_option("--dialect", dialect_, "Dialect for --sql without a URL: sqlite, postgresql, mysql");
  upgrade_cmd->add_flag("--allow-hazards", allow_hazards_, "Run steps lint flags although not marked intended");
  auto* downgrade_cmd = app.add_subcommand("downgrade", "Undo revisions down to a target");
  downgrade_cmd->add_option("target", target_, "base, a revision, or -N; with --sql, FROM:TO")->required();
  downgrade_cmd->add_flag("--sql", sql_, "Print the SQL instead of running it (offline mode)");
  downgrade_cmd->add_option("--dialect", dialect_, "Dialect for --sql without a URL: sqlite, postgresql, mysql");
  auto* current_cmd = app.add_subcommand("current", "Show the revisions the database is at");
  current_cmd->add_flag("-v,--verbose", verbose_, "Also when and with what checksum each was applied");
  auto* history_cmd = app.add_subcommand("history", "List the revisions, newest first");
  history_cmd->add_flag("-v,--verbose", verbose_, "Also each revision's file, date and steps");
  auto* heads_cmd = app.add_subcommand("heads", "List the revisions nothing builds on");
  auto* merge_cmd = app.add_subcommand("merge", "Write a revision joining several heads");
  merge_cmd->add_option("-m,--message", message_, "What the merge joins")->required();
  merge_cmd->add_option("revisions", revisions_, "The heads to join (default: all)");
  auto* squash_cmd = app.add_subcommand("squash", "Fold a run of revisions into one for new databases");
  squash_cmd->add_option("from", from_, "First revision of the run")->required();
  squash_cmd->add_option("to", to_, "Last revision of the run")->required();
  squash_cmd->add_option("-m,--message", message_, "What the squash stands for")->required();
  auto* stamp_cmd = app.add_subcommand("stamp", "Record a target as applied without running anything");
  stamp_cmd->add_option("target", target_, "head, heads, a revision, or base")->required();
  auto* check_cmd = app.add_subcommand("check", "Exit non-zero when the models and the database differ");
  auto* lint_cmd = app.add_subcommand("lint", "Report steps that destroy data or lock a busy table");
  lint_cmd->add_flag("--all", all_, "Every revision, not only those the database lacks (needs no database)");
  lint_cmd->add_option("--dialect", dialect_, "Dialect to judge by with --all and no URL");
  auto* inspect_cmd = app.add_subcommand("inspect", "Print the schema the database holds");
  inspect_cmd->add_option("table", table_filter_, "Only this table");

  // A word where a command belongs that names none: say so, rather than CLI11's "a subcommand
  // is required".
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word == "--url" || word == "--config" || word == "--dir") {
      ++i;
      continue;
    }
    if (word.rfind("-", 0) == 0) continue;
    bool known = false;
    for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) known = known || sub->get_name() == word;
    if (!known) {
      err_ << options_.program << ": error: unknown command '" << word
           << "' (init, revision, upgrade, downgrade, current, history, heads, merge, squash, stamp, check, lint, "
              "inspect)\n";
      return 2;
    }
    break;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, out_, err_);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, out_, err_);
  } catch (const CLI::ParseError& e) {
    err_ << options_.program << ": error: " << e.what() << " (see --help)\n";
    return 2;
  }
  try {
    if (init_cmd->parsed()) return init();
    if (revision_cmd->parsed()) return revision();
    if (upgrade_cmd->parsed()) return upgrade();
    if (downgrade_cmd->parsed()) return downgrade();
    if (current_cmd->parsed()) return current();
    if (history_cmd->parsed()) return history();
    if (heads_cmd->parsed()) return heads();
    if (merge_cmd->parsed()) return merge();
    if (squash_cmd->parsed()) return squash();
    if (stamp_cmd->parsed()) return stamp();
    if (check_cmd->parsed()) return check();
    if (lint_cmd->parsed()) return lint();
    if (inspect_cmd->parsed()) return inspect();
  } catch (const std::exception& e) {
    err_ << options_.program << ": error: " << one_line(e.what()) << "\n";
    return 1;
  }
  return 0;
}

int Cli::init() {
  const std::filesystem::path file = config_.empty() ? std::filesystem::path(project_file_name) : std::filesystem::path(config_);
  if (std::filesystem::exists(file)) throw MigrationError(file.string() + " already exists: this project is set up");
  const std::string dir = dir_.empty() ? "migrations" : dir_;
  std::filesystem::create_directories(file.parent_path() / dir);
  std::ofstream out(file);
  out << "# Crucible migrations (docs/migrations.md)\n"
      << "migrations = \"" << dir << "\"\n"
      << "version_table = \"crucible_version\"\n"
      << "# url = \"postgresql://user@host/db\"   # --url and DATABASE_URL take precedence\n\n"
      << "# Names for unnamed constraints, so that later revisions can drop them by name:\n"
      << "[naming_convention]\n"
      << "ix = \"ix_%(column_0_label)s\"\n"
      << "uq = \"uq_%(table_name)s_%(column_0_name)s\"\n"
      << "ck = \"ck_%(table_name)s_%(constraint_name)s\"\n"
      << "fk = \"fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s\"\n"
      << "pk = \"pk_%(table_name)s\"\n";
  if (!out) throw MigrationError(file.string() + ": cannot be written");
  out_ << "Wrote " << file.string() << " and " << (file.parent_path() / dir).string() << "/\n"
       << "Next: " << options_.program << " revision -m \"first schema\"\n";
  return 0;
}

int Cli::revision() {
  const Project p = project(true);
  if (autogenerate_ && !options_.metadata)
    throw MigrationError("--autogenerate needs the application's models, which this program cannot load: run it "
                         "through the application's own db command (docs/migrations.md, \"Autogenerate\")");
  const RevisionGraph graph = RevisionGraph::load(p.migrations);
  Revision r;
  r.id = new_revision_id();
  r.message = message_;
  r.created = now_iso();
  if (!head_.empty()) r.parents = {graph.get(head_).id};
  else if (!graph.empty()) r.parents = {graph.head()};
  if (autogenerate_) {
    const Engine e = engine(p);
    Migrator m(e, graph, migrator_options(p));
    if (!m.pending("heads").empty())
      throw MigrationError("the database is not at the head of the revisions: upgrade it first, then autogenerate "
                           "compares it with the models");
    r.upgrade = autogenerate(e, *options_.metadata, autogenerate_options(p));
    try {
      for (auto it = r.upgrade.rbegin(); it != r.upgrade.rend(); ++it)
        r.downgrade.push_back({reverse(it->operation), "", 0, ""});
      r.downgrade_written = true;
    } catch (const MigrationError&) {
      r.downgrade.clear();  // downgrade then reverses the steps it can, and names the one it cannot
    }
  }
  const auto path = write_new_revision(p, r);
  out_ << "Wrote " << print_.id(r.id) << " " << path.string() << "\n";
  if (autogenerate_) {
    if (r.upgrade.empty()) out_ << "No changes: the database matches the models\n";
    const Engine e = engine(p);
    for (const auto& step : r.upgrade) {
      out_ << "  - " << describe(step.operation) << "\n";
      if (const std::string why = hazard(step.operation, e.dialect()); !why.empty())
        out_ << "    " << print_.warn("hazard: ") << why << " (review it; mark it intended = \"why\" to run it)\n";
      if (!step.note.empty()) out_ << "    " << print_.warn("note: ") << step.note << "\n";
    }
  }
  return 0;
}

int Cli::upgrade() {
  const Project p = project(true);
  const RevisionGraph graph = RevisionGraph::load(p.migrations);
  if (sql_) {
    std::string from = "base", to = target_.empty() ? "head" : target_;
    if (auto colon = to.find(':'); colon != std::string::npos) {
      from = to.substr(0, colon);
      to = to.substr(colon + 1);
    }
    std::string url_text;
    if (dialect_.empty()) url_text = url(p);
    const Engine e = offline_engine(url_text, dialect_);
    const Migrator m(e, graph, migrator_options(p));
    for (const auto& sql : m.upgrade_sql(from, to, e.dialect())) out_ << sql << (sql.rfind("--", 0) == 0 ? "\n" : ";\n");
    return 0;
  }
  if (!dialect_.empty()) throw MigrationError("--dialect goes with --sql (online, the database says its dialect)");
  Migrator m(engine(p), graph, migrator_options(p));
  for (const auto& edited : m.edited()) out_ << print_.warn("warning: ") << "revision " << edited << " changed since it was applied\n";
  const auto ran = m.upgrade(target_.empty() ? "head" : target_);
  if (ran.empty()) out_ << "Nothing to do: the database is at " << (m.current().empty() ? std::string("base") : m.current().front()) << "\n";
  else out_ << print_.good("Upgraded") << " " << ran.size() << " revision(s)\n";
  return 0;
}

int Cli::downgrade() {
  const Project p = project(true);
  if (sql_) {
    const auto colon = target_.find(':');
    if (colon == std::string::npos)
      throw MigrationError("downgrade --sql needs FROM:TO (offline, the database's current revision is unknown)");
    std::string url_text;
    if (dialect_.empty()) url_text = url(p);
    const Engine e = offline_engine(url_text, dialect_);
    const Migrator m(e, RevisionGraph::load(p.migrations), migrator_options(p));
    for (const auto& sql : m.downgrade_sql(target_.substr(0, colon), target_.substr(colon + 1), e.dialect()))
      out_ << sql << (sql.rfind("--", 0) == 0 ? "\n" : ";\n");
    return 0;
  }
  if (!dialect_.empty()) throw MigrationError("--dialect goes with --sql (online, the database says its dialect)");
  Migrator m(engine(p), RevisionGraph::load(p.migrations), migrator_options(p));
  const auto ran = m.downgrade(target_);
  if (ran.empty()) out_ << "Nothing to do\n";
  else out_ << print_.good("Downgraded") << " " << ran.size() << " revision(s)\n";
  return 0;
}

int Cli::current() {
  const Project p = project(true);
  Migrator m(engine(p), RevisionGraph::load(p.migrations), migrator_options(p));
  const auto heads_now = m.graph().heads();
  const auto ids = m.current();
  if (ids.empty()) out_ << "base (no revision applied)\n";
  for (const auto& id : ids) {
    const Revision* r = m.graph().find(id);
    out_ << print_.id(id);
    if (!r) out_ << " " << print_.warn("(not in the revision files: the database is ahead of them)");
    else {
      if (std::find(heads_now.begin(), heads_now.end(), id) != heads_now.end()) out_ << " (head)";
      out_ << "  " << r->message;
    }
    out_ << "\n";
  }
  if (verbose_)
    for (const auto& row : m.applied())
      out_ << "  " << row.id << "  applied " << row.applied_at << "  checksum " << row.checksum.substr(0, 12) << "\n";
  for (const auto& edited : m.edited()) out_ << print_.warn("warning: ") << "revision " << edited << " changed since it was applied\n";
  return 0;
}

int Cli::history() {
  const Project p = project(true);
  const RevisionGraph graph = RevisionGraph::load(p.migrations);
  const auto heads_now = graph.heads();
  const auto& all = graph.revisions();
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    std::string parents;
    for (const auto& parent : it->parents) parents += (parents.empty() ? "" : ", ") + parent;
    out_ << print_.dim(parents.empty() ? "base" : parents) << " -> " << print_.id(it->id);
    if (std::find(heads_now.begin(), heads_now.end(), it->id) != heads_now.end()) out_ << " (head)";
    if (it->parents.size() > 1) out_ << " (merge)";
    if (!it->replaces.empty()) out_ << " (squash of " << it->replaces.size() << ")";
    out_ << "  " << it->message << "\n";
    if (verbose_) {
      out_ << "    " << it->path.string() << "  created " << it->created << "\n";
      for (const auto& step : it->upgrade) out_ << "    - " << describe(step.operation) << "\n";
    }
  }
  return 0;
}

int Cli::heads() {
  const Project p = project(true);
  const RevisionGraph graph = RevisionGraph::load(p.migrations);
  for (const auto& id : graph.heads()) out_ << print_.id(id) << "  " << graph.find(id)->message << "\n";
  return 0;
}

int Cli::merge() {
  const Project p = project(true);
  const RevisionGraph graph = RevisionGraph::load(p.migrations);
  std::vector<std::string> parents;
  if (revisions_.empty()) parents = graph.heads();
  else
    for (const auto& r : revisions_) parents.push_back(graph.get(r).id);
  if (parents.size() < 2) throw MigrationError("nothing to merge: there is one head (" + graph.head() + ")");
  Revision r;
  r.id = new_revision_id();
  r.message = message_;
  r.created = now_iso();
  r.parents = parents;
  const auto path = write_new_revision(p, r);
  out_ << "Wrote merge " << print_.id(r.id) << " " << path.string() << "\n";
  return 0;
}

// The run FROM..TO must be a line: each revision the only child of the one before.
int Cli::squash() {
  const Project p = project(true);
  const RevisionGraph graph = RevisionGraph::load(p.migrations);
  const Revision& first = graph.get(from_);
  const Revision& last = graph.get(to_);
  std::vector<const Revision*> run{&first};
  while (run.back()->id != last.id) {
    std::vector<const Revision*> children;
    for (const auto& r : graph.revisions())
      if (std::find(r.parents.begin(), r.parents.end(), run.back()->id) != r.parents.end()) children.push_back(&r);
    if (children.size() != 1 || children.front()->parents.size() != 1 || !children.front()->depends_on.empty())
      throw MigrationError("squash " + from_ + " " + to_ + ": revision " + run.back()->id +
                           " is not followed by exactly one revision on a straight line to " + last.id);
    run.push_back(children.front());
  }
  Revision s;
  s.id = new_revision_id();
  s.message = message_;
  s.created = now_iso();
  s.parents = first.parents;
  s.downgrade_written = true;
  for (const auto* r : run) {
    s.replaces.push_back(r->id);
    s.upgrade.insert(s.upgrade.end(), r->upgrade.begin(), r->upgrade.end());
  }
  for (auto it = run.rbegin(); it != run.rend(); ++it) {
    auto steps = (*it)->downgrade_steps();
    s.downgrade.insert(s.downgrade.end(), steps.begin(), steps.end());
  }
  const auto path = write_new_revision(p, s);
  out_ << "Wrote squash " << print_.id(s.id) << " " << path.string() << " replacing " << run.size() << " revision(s)\n"
       << "Databases past them keep working; once every database is, their files may go.\n";
  return 0;
}

int Cli::stamp() {
  const Project p = project(true);
  Migrator m(engine(p), RevisionGraph::load(p.migrations), migrator_options(p));
  m.stamp(target_);
  const auto ids = m.current();
  out_ << "Stamped: the database is at " << (ids.empty() ? std::string("base") : ids.front()) << "\n";
  return 0;
}

int Cli::check() {
  if (!options_.metadata)
    throw MigrationError("check needs the application's models, which this program cannot load: run it through "
                         "the application's own db command (docs/migrations.md, \"Autogenerate\")");
  const Project p = project(false);
  const auto steps = autogenerate(engine(p), *options_.metadata, autogenerate_options(p));
  if (steps.empty()) {
    out_ << "No changes: the database matches the models\n";
    return 0;
  }
  out_ << print_.warn("The database differs from the models") << " (" << steps.size() << " step(s) to match them):\n";
  for (const auto& step : steps) out_ << "  - " << describe(step.operation) << "\n";
  return 1;
}

int Cli::lint() {
  const Project p = project(true);
  const RevisionGraph graph = RevisionGraph::load(p.migrations);
  std::optional<Engine> e;
  std::optional<Migrator> m;  // owns the revisions pending() points to
  std::vector<const Revision*> revisions;
  if (all_) {
    std::string url_text;
    if (dialect_.empty()) url_text = url(p);
    e = offline_engine(url_text, dialect_);
    for (const auto& r : graph.revisions()) revisions.push_back(&r);
  } else {
    e = engine(p);
    m.emplace(*e, graph, migrator_options(p));
    revisions = m->pending("heads");
  }
  int unmarked = 0, marked = 0;
  for (const auto* r : revisions)
    for (std::size_t i = 0; i < r->upgrade.size(); ++i) {
      const Step& step = r->upgrade[i];
      const std::string why = hazard(step.operation, e->dialect());
      if (why.empty()) continue;
      out_ << r->path.string() << ":" << step.line << ": " << print_.id(r->id) << " step " << (i + 1) << ": " << why;
      if (step.intended.empty()) {
        out_ << " " << print_.warn("[not marked intended]") << "\n";
        ++unmarked;
      } else {
        out_ << " " << print_.dim("[intended: " + step.intended + "]") << "\n";
        ++marked;
      }
    }
  out_ << revisions.size() << " revision(s) checked: " << unmarked << " hazard(s) not marked intended, " << marked
       << " marked\n";
  return unmarked ? 1 : 0;
}

int Cli::inspect() {
  const Project p = project(false);
  const Inspector inspector(engine(p));
  bool found = false;
  for (const auto& t : inspector.tables()) {
    if (!table_filter_.empty() && t.name != table_filter_) continue;
    found = true;
    out_ << print_.id(t.name) << (t.comment.empty() ? "" : "  -- " + t.comment) << "\n";
    for (const auto& c : t.columns) {
      out_ << "  " << c.name << " " << c.type_sql << (c.nullable ? "" : " NOT NULL");
      if (c.server_default) out_ << " DEFAULT " << *c.server_default;
      if (c.autoincrement) out_ << " (generated)";
      if (!c.comment.empty()) out_ << "  -- " << c.comment;
      out_ << "\n";
    }
    auto list = [](const std::vector<std::string>& names) {
      std::string s;
      for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
      return s;
    };
    if (!t.primary_key.columns.empty())
      out_ << "  primary key " << (t.primary_key.name.empty() ? "" : t.primary_key.name + " ") << "(" << list(t.primary_key.columns) << ")\n";
    for (const auto& fk : t.foreign_keys)
      out_ << "  foreign key " << (fk.name.empty() ? "" : fk.name + " ") << "(" << list(fk.columns) << ") -> "
           << fk.referred_table << " (" << list(fk.referred_columns) << ")"
           << (fk.on_delete.empty() ? "" : " ON DELETE " + fk.on_delete) << "\n";
    for (const auto& u : t.unique_constraints)
      out_ << "  unique " << (u.name.empty() ? "" : u.name + " ") << "(" << list(u.columns) << ")\n";
    for (const auto& ck : t.check_constraints) out_ << "  check " << (ck.name.empty() ? "" : ck.name + " ") << "(" << ck.sql << ")\n";
    for (const auto& ix : t.indexes)
      out_ << "  " << (ix.unique ? "unique index " : "index ") << ix.name << " (" << list(ix.columns) << ")"
           << (ix.where.empty() ? "" : " WHERE " + ix.where) << "\n";
  }
  if (!table_filter_.empty() && !found) throw MigrationError("no table '" + table_filter_ + "' in the database");
  return 0;
}

}  // namespace

int command_line(int argc, const char* const* argv, const CommandLineOptions& options) {
  std::ostream& out = options.out ? *options.out : std::cout;
  std::ostream& err = options.err ? *options.err : std::cerr;
  try {
    Cli cli(options, out, err);
    return cli.run(argc, argv);
  } catch (const std::exception& e) {
    err << options.program << ": error: " << one_line(e.what()) << "\n";
    return 1;
  }
}

}  // namespace crucible::migrate
