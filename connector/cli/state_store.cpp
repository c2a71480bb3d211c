// Opening the state store for the operator commands.
#include "connector/cli/state_store.h"

#include <filesystem>

namespace mahnwerk::cli {

void add_state_option(CLI::App& command, std::string& state_dir) {
  command.add_option("--state", state_dir,
                     "state directory holding mahnwerk.db (default: $STATE_DIRECTORY, else "
                     "$XDG_STATE_HOME/mahnwerk)");
}

std::string state_file(const std::string& state_dir) {
  if (state_dir.empty()) return store::default_state_path();
  std::string dir = state_dir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir + "/mahnwerk.db";
}

core::Result<std::unique_ptr<store::SqliteStore>> open_state(const std::string& state_dir, bool must_exist) {
  const std::string file = state_file(state_dir);
  std::error_code ec;
  // A read-only command on a mistyped --state must say so, not report an empty office.
  if (must_exist && !std::filesystem::exists(file, ec)) {
    return core::Error{core::ErrorKind::kNotFound, "no state database (has anything been synced yet?)", file};
  }
  // A command that writes creates a missing --state folder, private: the database holds debtors'
  // personal data. A failure shows when the file is opened.
  if (!must_exist && !state_dir.empty() && std::filesystem::create_directories(state_dir, ec)) {
    std::filesystem::permissions(state_dir, std::filesystem::perms::owner_all, ec);
  }
  return store::open_sqlite_store(file);
}

}  // namespace mahnwerk::cli
