// The SQLite state store: the embedded default implementation of the Store port (one file in
// the state directory, WAL mode, foreign keys on, schema migrations at open). docs/store.md
// describes the schema, migrations, location and lease semantics.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "connector/core/result.h"
#include "connector/sync/store.h"

namespace mahnwerk::store {

struct SqliteOptions {
  // How long a statement waits for another process's write lock before kUnavailable.
  std::chrono::milliseconds busy_timeout{5000};
};

// The path ":memory:" opens a private in-memory store (tests); it has no WAL.
inline constexpr std::string_view kInMemory = ":memory:";

class SqliteStore;

// Opens (creating when absent, mode 0600) the state database at `path` and brings its schema
// up to date. Errors name the file: kInvalidInput for a file that is not a SQLite database, is
// damaged, belongs to another application or has a newer schema than this code; kUnavailable
// when it cannot be opened or written (folder missing, permissions, locked, disk full).
core::Result<std::unique_ptr<SqliteStore>> open_sqlite_store(const std::string& path,
                                                             const SqliteOptions& options = {});

class SqliteStore final : public sync::Store {
 public:
  ~SqliteStore() override;
  // REQUIRES: no transaction of this store outlives the store.
  core::Result<std::unique_ptr<sync::Transaction>> begin(
      sync::Access access = sync::Access::kReadWrite) override;
  std::string location() const override;

  // The schema version of the open file (PRAGMA user_version).
  core::Result<int> schema_version();
  // PRAGMA quick_check: O(size of the file), so not run at open; for `mahnwerk status`/support.
  core::Status check_integrity();

  struct Impl;

 private:
  explicit SqliteStore(std::unique_ptr<Impl> impl);
  friend core::Result<std::unique_ptr<SqliteStore>> open_sqlite_store(const std::string&,
                                                                      const SqliteOptions&);
  std::unique_ptr<Impl> impl_;
};

// Looks up an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The default state file: $STATE_DIRECTORY/mahnwerk.db (systemd's StateDirectory=; the first
// of a colon-separated list), else $XDG_STATE_HOME/mahnwerk/mahnwerk.db (an absolute path
// only, as the XDG spec says), else $HOME/.local/state/mahnwerk/mahnwerk.db. Folders that do
// not exist are created with mode 0700; a failure to create them shows when the file is opened.
std::string default_state_path();
std::string default_state_path(const EnvLookup& env);

}  // namespace mahnwerk::store
