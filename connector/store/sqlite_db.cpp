// SQLite connection and statements; result codes become core::Error values here and nowhere else.
#include "connector/store/sqlite_db.h"

#include <sqlite3.h>

#include <utility>

namespace mahnwerk::store {
namespace {

core::ErrorKind kind_of(int rc) {
  switch (rc) {
    // Unique keys and the append-only triggers: the stored state refuses the change.
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_TRIGGER:
      return core::ErrorKind::kConflict;
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:  // CHECK, NOT NULL, FOREIGN KEY: the data does not fit
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
      return core::ErrorKind::kInvalidInput;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL:
    case SQLITE_NOMEM:
      return core::ErrorKind::kUnavailable;
    default:
      return core::ErrorKind::kInternal;
  }
}

// Words a user can act on for the codes that mean "this file is not what it should be".
std::string explain(int rc) {
  switch (rc & 0xff) {
    case SQLITE_NOTADB:
      return "not a SQLite database (a foreign or overwritten file)";
    case SQLITE_CORRUPT:
      return "the database file is damaged (restore it from a backup)";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return "the database is locked by another process (retry later)";
    case SQLITE_CANTOPEN:
      return "cannot open the file (missing folder or no permission)";
    case SQLITE_READONLY:
      return "the file is read-only";
    case SQLITE_FULL:
      return "the disk is full";
    default:
      return {};
  }
}

}  // namespace

core::Result<Database> Database::open(const std::string& path) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Database failed(db, path);  // closes the handle SQLite returns even on failure
    return failed.error(rc, "opening the state database");
  }
  sqlite3_extended_result_codes(db, 1);
  return Database(db, path);
}

Database::Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

Database::~Database() { close(); }

// Statements point back to their Database object, so a move finalizes them; the new owner
// prepares again on first use.
Database::Database(Database&& other) noexcept {
  other.statements_.clear();
  db_ = std::exchange(other.db_, nullptr);
  path_ = std::move(other.path_);
}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    close();
    other.statements_.clear();
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

void Database::close() {
  statements_.clear();  // finalize before close
  if (db_ != nullptr) sqlite3_close_v2(db_);
  db_ = nullptr;
}

core::Error Database::error(int rc, std::string_view doing) const {
  std::string message(doing);
  message += ": ";
  const std::string plain = explain(rc);
  const char* detail = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  if (!plain.empty()) {
    message += plain;
    message += " (";
    message += detail;
    message += ")";
  } else {
    message += detail;
  }
  return core::Error{kind_of(rc), std::move(message), path_};
}

core::Status Database::exec(const char* sql, std::string_view doing) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return error(rc, doing);
  return core::Ok{};
}

core::Result<Statement*> Database::prepare(const char* sql) {
  auto found = statements_.find(sql);
  if (found != statements_.end()) {
    found->second->reset();
    return found->second.get();
  }
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return error(rc, "preparing a statement");
  }
  auto statement = std::make_unique<Statement>(*this, stmt);
  Statement* raw = statement.get();
  statements_.emplace(sql, std::move(statement));
  return raw;
}

std::int64_t Database::changes() const { return sqlite3_changes64(db_); }

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, std::string_view text) {
  // SQLITE_TRANSIENT: SQLite copies, so the caller's buffer may go away before step().
  // A default string_view has no data pointer, which SQLite would bind as NULL.
  const char* data = text.data() != nullptr ? text.data() : "";
  const int rc = sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Statement& Statement::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Statement& Statement::bind_optional(int index, const std::optional<std::string>& text) {
  return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

core::Result<bool> Statement::step() {
  if (bind_error_ != 0) return db_->error(bind_error_, "binding a parameter");
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->error(rc, "running a statement");
}

core::Status Statement::run() {
  for (;;) {
    auto row = step();
    if (!row) return row.error();
    if (!*row) return core::Ok{};
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_ = 0;
}

bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::string_view Statement::text(int column) const {
  const unsigned char* data = sqlite3_column_text(stmt_, column);
  if (data == nullptr) return {};
  return {reinterpret_cast<const char*>(data), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string_view Statement::column_name(int column) const {
  const char* name = sqlite3_column_name(stmt_, column);
  return name != nullptr ? std::string_view(name) : std::string_view("?");
}

}  // namespace mahnwerk::store
