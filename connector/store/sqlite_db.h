// Small RAII wrappers over SQLite's C API: a connection that owns its handle and turns result
// codes into classified errors naming the file, and prepared statements with bound parameters.
// Only connector/store includes sqlite3.h.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "connector/core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace mahnwerk::store {

class Statement;

// One open SQLite connection. Move-only; closes on destruction.
class Database {
 public:
  // Opens (creating when absent) the file at `path` or ":memory:". Errors name the path.
  static core::Result<Database> open(const std::string& path);
  ~Database();
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }

  // The classified error for result code `rc` of the last call: kind from the code, message
  // "<doing>: <sqlite's message>", context the file.
  core::Error error(int rc, std::string_view doing) const;
  // Runs fixed SQL that carries no data (schema, BEGIN, COMMIT, PRAGMA with constants).
  core::Status exec(const char* sql, std::string_view doing);
  // A statement from the cache, reset and with cleared bindings. `sql` must be a string literal
  // (the cache keys on its address and keeps it prepared for the connection's lifetime).
  core::Result<Statement*> prepare(const char* sql);
  // Rows changed by the last INSERT/UPDATE/DELETE.
  std::int64_t changes() const;

 private:
  Database(sqlite3* db, std::string path);
  void close();

  sqlite3* db_ = nullptr;
  std::string path_;
  std::unordered_map<const char*, std::unique_ptr<Statement>> statements_;
};

// A prepared statement. Parameters are numbered from 1, columns from 0.
class Statement {
 public:
  Statement(Database& db, sqlite3_stmt* stmt) : db_(&db), stmt_(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, bool value) { return bind(index, static_cast<std::int64_t>(value ? 1 : 0)); }
  Statement& bind_null(int index);
  // NULL for nullopt.
  Statement& bind_optional(int index, const std::optional<std::string>& text);

  // Steps once: true with a row to read, false when done.
  core::Result<bool> step();
  // Steps to the end (for statements without rows).
  core::Status run();
  // Ready for the next use: reset, bindings cleared.
  void reset();

  bool is_null(int column) const;
  std::string_view text(int column) const;
  std::int64_t integer(int column) const;
  std::string_view column_name(int column) const;

 private:
  Database* db_;
  sqlite3_stmt* stmt_;
  int bind_error_ = 0;  // first failed bind, reported by step()
};

// Resets a statement when leaving the scope, so no read stays open past its use.
class StatementScope {
 public:
  explicit StatementScope(Statement& statement) : statement_(statement) {}
  ~StatementScope() { statement_.reset(); }
  StatementScope(const StatementScope&) = delete;
  StatementScope& operator=(const StatementScope&) = delete;
  Statement* operator->() const { return &statement_; }
  Statement& operator*() const { return statement_; }

 private:
  Statement& statement_;
};

}  // namespace mahnwerk::store
