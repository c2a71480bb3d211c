// The SQLite schema as an ordered list of migrations, and opening a file safely: recognising
// our own files (PRAGMA application_id), refusing foreign ones and newer schemas, and applying
// missing migrations, each in its own transaction (PRAGMA user_version = migrations applied).
#pragma once

#include <cstdint>
#include <span>

#include "connector/core/result.h"
#include "connector/store/sqlite_db.h"

namespace mahnwerk::store {

struct Migration {
  int version;              // 1, 2, 3, ...: user_version after it ran
  const char* description;  // one line for docs and errors
  const char* sql;          // fixed statements; never carries data
};

// "MAHN" in ASCII: marks a SQLite file as a mahnwerk state database.
inline constexpr std::int32_t kApplicationId = 0x4D41484E;

// Every migration, oldest first.
std::span<const Migration> migrations();
int latest_schema_version();

// Checks that `db` is empty or a mahnwerk state database of a schema version this code knows,
// then applies the missing migrations. Errors (invalid input, naming the file): not a SQLite
// file, damaged, another application's database, a newer schema.
core::Status prepare_schema(Database& db);

}  // namespace mahnwerk::store
