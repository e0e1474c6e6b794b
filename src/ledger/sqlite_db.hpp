#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "governor/core/money.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace governor::ledger::sqlite {

/** Bytes to bind as a BLOB (bind_all binds a std::string_view as TEXT). */
struct Blob {
  std::string_view bytes;
};

/** A prepared statement; finalized on destruction. Binding indexes start at 1, columns at 0.
 *  @par Thread safety Not thread-safe: used by its connection's one thread. */
class Statement {
 public:
  enum class Step { row, done, error };

  Statement() = default;
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  bool valid() const { return stmt_ != nullptr; }

  void bind(int index, std::int64_t value);
  /** Binds the text without copying it (SQLITE_STATIC): it must stay alive and unchanged until
   *  the statement is reset. A copy per text was a malloc and a free per column. */
  void bind(int index, std::string_view text);
  void bind(int index, MicroUsd value) { bind(index, value.micros()); }
  void bind_null(int index);
  /** Binds bytes as a BLOB, without copying them (as bind(int, std::string_view)). */
  void bind_blob(int index, std::string_view bytes);
  void bind(int index, Blob blob) { bind_blob(index, blob.bytes); }
  template <class T>
  void bind(int index, const std::optional<T>& value) {
    if (value) {
      bind(index, *value);
    } else {
      bind_null(index);
    }
  }
  /** Binds every argument in order, from index 1. Text is not copied (see bind), so a temporary
   *  std::string, which dies at the end of this call, is refused at compile time. */
  template <class... Args>
  void bind_all(Args&&... args) {
    static_assert((!(std::is_same_v<std::remove_cvref_t<Args>, std::string> &&
                     !std::is_lvalue_reference_v<Args>)&&...),
                  "bind_all: a temporary std::string would dangle (text is bound without a copy)");
    int index = 0;
    (bind(++index, std::as_const(args)), ...);
  }

  Step step();
  /** Steps to completion (for statements that return no rows). */
  bool run() { return step() == Step::done; }
  /** Resets for the next execution and clears the bindings. */
  void reset();

  bool is_null(int column) const;
  std::int64_t int64(int column) const;
  std::string text(int column) const;
  /** A BLOB column's bytes, valid until the next step or reset. */
  std::string_view blob(int column) const;
  std::optional<std::int64_t> optional_int64(int column) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

/** One connection. Opened in multi-thread mode (no connection mutex): the ledger gives it to
 *  one thread.
 *  @par Thread safety Not thread-safe. */
class Database {
 public:
  /** Opens or creates `path` (":memory:" for a private in-memory database). On failure the
   *  database is not open and error() says why. */
  explicit Database(const std::string& path);
  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;

  bool is_open() const { return db_ != nullptr && open_error_.empty(); }
  /** Runs one or more statements that return nothing. */
  bool exec(const char* sql);
  /** Prepares a statement (empty Statement on error; see error()). */
  Statement prepare(std::string_view sql);
  /** Rows changed by the last INSERT, UPDATE or DELETE. */
  std::int64_t changes() const;
  /** The last error of this connection. */
  std::string error() const;
  /** The connection itself, for SQLite calls this wrapper does not cover (null if not open). */
  sqlite3* handle() const { return db_.get(); }

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  std::unique_ptr<sqlite3, Closer> db_;
  std::string open_error_;
};

}  // namespace governor::ledger::sqlite
