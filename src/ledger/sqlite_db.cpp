#include "sqlite_db.hpp"

#include <sqlite3.h>

#include <utility>

#include "wal_batch_vfs.hpp"

namespace governor::ledger::sqlite {
namespace {

/** Process-wide settings, applied once before the first connection (sqlite3_config must come
 *  before SQLite initializes; if something else initialized it first, the call fails harmlessly
 *  and the defaults stay). MEMSTATUS off: otherwise every sqlite3_malloc and sqlite3_free takes a
 *  global mutex to keep the counters of sqlite3_memory_used(), which nothing here reads. That
 *  was about 2% of the ledger thread's CPU (perf: pthread_mutex_lock under sqlite3Malloc). */
void configure_process() {
  static const int configured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  static_cast<void>(configured);
}

}  // namespace

Statement::Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

void Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
}

void Statement::bind(int index, std::string_view text) {
  // SQLITE_STATIC: SQLite reads the caller's bytes when the statement runs (see the header).
  // An empty view may have no data at all, and a null pointer would bind NULL, not ''.
  sqlite3_bind_text(stmt_, index, text.data() != nullptr ? text.data() : "",
                    static_cast<int>(text.size()), SQLITE_STATIC);
}

void Statement::bind_blob(int index, std::string_view bytes) {
  // A zero-length blob still needs a non-null pointer: a null one would bind NULL.
  sqlite3_bind_blob(stmt_, index, bytes.data() != nullptr ? bytes.data() : "",
                    static_cast<int>(bytes.size()), SQLITE_STATIC);
}

void Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
}

Statement::Step Statement::step() {
  switch (sqlite3_step(stmt_)) {
    case SQLITE_ROW:
      return Step::row;
    case SQLITE_DONE:
      return Step::done;
    default:
      return Step::error;
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  return p == nullptr ? std::string{} : std::string(reinterpret_cast<const char*>(p), n);
}

std::string_view Statement::blob(int column) const {
  const void* p = sqlite3_column_blob(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  return p == nullptr ? std::string_view{}
                      : std::string_view(static_cast<const char*>(p), static_cast<std::size_t>(n));
}

std::optional<std::int64_t> Statement::optional_int64(int column) const {
  if (is_null(column)) {
    return std::nullopt;
  }
  return int64(column);
}

void Database::Closer::operator()(sqlite3* db) const {
  sqlite3_close_v2(db);
}

Database::Database(const std::string& path) {
  configure_process();
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
      wal_batch_vfs());  // nullptr (the default VFS) if it could not be registered
  db_.reset(db);         // even a failed open returns a handle that must be closed
  if (rc != SQLITE_OK) {
    open_error_ = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  }
}

bool Database::exec(const char* sql) {
  return sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}

Statement Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return Statement{};
  }
  return Statement{stmt};
}

std::int64_t Database::changes() const {
  return sqlite3_changes64(db_.get());
}

std::string Database::error() const {
  if (!open_error_.empty()) {
    return open_error_;
  }
  return db_ ? sqlite3_errmsg(db_.get()) : "database not open";
}

}  // namespace governor::ledger::sqlite
