// The state store as the operator commands open it: `--state DIR` names the state directory
// (the database is DIR/mahnwerk.db); without it the default of store::default_state_path
// ($STATE_DIRECTORY, $XDG_STATE_HOME/mahnwerk, ~/.local/state/mahnwerk).
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "connector/core/result.h"
#include "connector/store/sqlite_store.h"

namespace mahnwerk::cli {

// Adds `--state DIR` to a subcommand.
void add_state_option(CLI::App& command, std::string& state_dir);

// The database file for `state_dir` (empty: the default location).
std::string state_file(const std::string& state_dir);

// Opens the store. For commands that only read (`must_exist`), a missing file is kNotFound
// naming it instead of a freshly created empty store; the others create a missing --state folder
// (mode 0700) and the file. Errors of open_sqlite_store otherwise.
core::Result<std::unique_ptr<store::SqliteStore>> open_state(const std::string& state_dir, bool must_exist);

}  // namespace mahnwerk::cli
