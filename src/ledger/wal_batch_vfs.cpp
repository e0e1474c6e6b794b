#include "wal_batch_vfs.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

namespace governor::ledger::sqlite {
namespace {

constexpr char kName[] = "governor-wal-batch";
constexpr int kWalHeaderSize = 32;    // the WAL file's own header, at offset 0
constexpr int kFrameHeaderSize = 24;  // each frame's header, before its page
/** The most one write hands the default VFS: its unix xWrite takes less than 128 KiB a call
 *  (it masks the length with 0x1ffff), so a larger buffer is written in pieces of this size at
 *  most. A ledger commit is about 40 KiB. */
constexpr std::size_t kMaxWrite = 96 * 1024;

sqlite3_vfs* base_of(sqlite3_vfs* vfs) {
  return static_cast<sqlite3_vfs*>(vfs->pAppData);
}

/** A WAL file: the default VFS's file object (`real`, in the same allocation, after this) and
 *  the frames not written yet. */
struct WalFile {
  sqlite3_file base;  // first: SQLite calls the methods with a pointer to it
  sqlite3_file* real = nullptr;
  std::vector<unsigned char> pending;
  sqlite3_int64 pending_offset = 0;
  bool after_header = false;  ///< the last buffered write was a frame header: its page is next
};

constexpr std::size_t kRealOffset = (sizeof(WalFile) + alignof(std::max_align_t) - 1) /
                                    alignof(std::max_align_t) * alignof(std::max_align_t);

WalFile& wal(sqlite3_file* f) {
  return *reinterpret_cast<WalFile*>(f);
}

sqlite3_file* real(sqlite3_file* f) {
  return wal(f).real;
}

/** Writes the pending frames with one call. A failure drops them: SQLite then fails the
 *  transaction, whose frames were never committed. */
int write_pending(WalFile& w) {
  w.after_header = false;
  if (w.pending.empty()) {
    return SQLITE_OK;
  }
  const int rc = w.real->pMethods->xWrite(w.real, w.pending.data(),
                                          static_cast<int>(w.pending.size()), w.pending_offset);
  w.pending.clear();
  return rc;
}

int write_pending(sqlite3_file* f) {
  return write_pending(wal(f));
}

bool is_commit_header(const unsigned char* header) {
  // Bytes 4-7: the database size after the commit, non-zero only in a transaction's last frame.
  return (header[4] | header[5] | header[6] | header[7]) != 0;
}

int wal_write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  WalFile& w = wal(f);
  if (!w.pending.empty() &&
      offset != w.pending_offset + static_cast<sqlite3_int64>(w.pending.size())) {
    if (const int rc = write_pending(w); rc != SQLITE_OK) {
      return rc;
    }
  }
  const auto* bytes = static_cast<const unsigned char*>(data);
  const bool header = amount == kFrameHeaderSize;
  const bool page = w.after_header;
  const bool log_header = amount == kWalHeaderSize && offset == 0;
  if (w.pending.size() + static_cast<std::size_t>(amount) > kMaxWrite) {
    const bool was_after_header = w.after_header;
    if (const int rc = write_pending(w); rc != SQLITE_OK) {
      return rc;
    }
    w.after_header = was_after_header;  // still contiguous: the page of the header just written
  }
  if (static_cast<std::size_t>(amount) > kMaxWrite || (!header && !page && !log_header)) {
    // Not a shape this buffers: what is pending first, then this, in order.
    if (const int rc = write_pending(w); rc != SQLITE_OK) {
      return rc;
    }
    return w.real->pMethods->xWrite(w.real, data, amount, offset);
  }
  if (w.pending.empty()) {
    w.pending_offset = offset;
  }
  w.pending.insert(w.pending.end(), bytes, bytes + amount);
  w.after_header = header;
  // A commit frame's header goes out with everything before it, at once: then no write of a
  // committing transaction is ever left in the buffer when SQLite's call returns, whatever
  // SQLite writes next (its page, written through, or nothing, when SQLite rewrites the headers
  // of frames already in the log). Under synchronous=FULL an xSync follows and finds nothing.
  if (header && is_commit_header(bytes)) {
    return write_pending(w);
  }
  return SQLITE_OK;
}

int wal_close(sqlite3_file* f) {
  WalFile& w = wal(f);
  const int flushed = write_pending(w);
  const int closed = w.real->pMethods != nullptr ? w.real->pMethods->xClose(w.real) : SQLITE_OK;
  w.~WalFile();
  return flushed != SQLITE_OK ? flushed : closed;
}

int wal_read(sqlite3_file* f, void* data, int amount, sqlite3_int64 offset) {
  if (const int rc = write_pending(f); rc != SQLITE_OK) {
    return rc;
  }
  return real(f)->pMethods->xRead(real(f), data, amount, offset);
}

int wal_truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (const int rc = write_pending(f); rc != SQLITE_OK) {
    return rc;
  }
  return real(f)->pMethods->xTruncate(real(f), size);
}

int wal_sync(sqlite3_file* f, int flags) {
  if (const int rc = write_pending(f); rc != SQLITE_OK) {
    return rc;
  }
  return real(f)->pMethods->xSync(real(f), flags);
}

int wal_file_size(sqlite3_file* f, sqlite3_int64* size) {
  if (const int rc = write_pending(f); rc != SQLITE_OK) {
    return rc;
  }
  return real(f)->pMethods->xFileSize(real(f), size);
}

int wal_lock(sqlite3_file* f, int level) {
  return real(f)->pMethods->xLock(real(f), level);
}

int wal_unlock(sqlite3_file* f, int level) {
  return real(f)->pMethods->xUnlock(real(f), level);
}

int wal_check_reserved_lock(sqlite3_file* f, int* out) {
  return real(f)->pMethods->xCheckReservedLock(real(f), out);
}

int wal_file_control(sqlite3_file* f, int op, void* arg) {
  if (const int rc = write_pending(f); rc != SQLITE_OK) {
    return rc;
  }
  return real(f)->pMethods->xFileControl(real(f), op, arg);
}

int wal_sector_size(sqlite3_file* f) {
  return real(f)->pMethods->xSectorSize(real(f));
}

int wal_device_characteristics(sqlite3_file* f) {
  return real(f)->pMethods->xDeviceCharacteristics(real(f));
}

int wal_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return real(f)->pMethods->xShmMap(real(f), region, size, extend, out);
}

int wal_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
}

void wal_shm_barrier(sqlite3_file* f) {
  real(f)->pMethods->xShmBarrier(real(f));
}

int wal_shm_unmap(sqlite3_file* f, int delete_flag) {
  return real(f)->pMethods->xShmUnmap(real(f), delete_flag);
}

int wal_fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  *out = nullptr;
  if (const int rc = write_pending(f); rc != SQLITE_OK) {
    return rc;
  }
  return real(f)->pMethods->iVersion >= 3 ? real(f)->pMethods->xFetch(real(f), offset, amount, out)
                                          : SQLITE_OK;  // no memory map: SQLite reads instead
}

int wal_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) {
  return real(f)->pMethods->iVersion >= 3 ? real(f)->pMethods->xUnfetch(real(f), offset, p)
                                          : SQLITE_OK;
}

const sqlite3_io_methods kWalMethods = {
    3,
    wal_close,
    wal_read,
    wal_write,
    wal_truncate,
    wal_sync,
    wal_file_size,
    wal_lock,
    wal_unlock,
    wal_check_reserved_lock,
    wal_file_control,
    wal_sector_size,
    wal_device_characteristics,
    wal_shm_map,
    wal_shm_lock,
    wal_shm_barrier,
    wal_shm_unmap,
    wal_fetch,
    wal_unfetch,
};

int vfs_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  sqlite3_vfs* base = base_of(vfs);
  if ((flags & SQLITE_OPEN_WAL) == 0) {
    // Every other file is the default VFS's own object, in the space SQLite gave us: its
    // methods are called directly, exactly as without this VFS.
    return base->xOpen(base, name, file, flags, out_flags);
  }
  auto* w = new (file) WalFile{};
  w->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kRealOffset);
  w->real->pMethods = nullptr;
  const int rc = base->xOpen(base, name, w->real, flags, out_flags);
  if (rc != SQLITE_OK && w->real->pMethods == nullptr) {
    w->~WalFile();
    file->pMethods = nullptr;  // nothing to close
    return rc;
  }
  w->base.pMethods = &kWalMethods;  // a failed open with methods set is still closed by SQLite
  return rc;
}

int vfs_delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return base_of(vfs)->xDelete(base_of(vfs), name, sync_dir);
}

int vfs_access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return base_of(vfs)->xAccess(base_of(vfs), name, flags, out);
}

int vfs_full_pathname(sqlite3_vfs* vfs, const char* name, int size, char* out) {
  return base_of(vfs)->xFullPathname(base_of(vfs), name, size, out);
}

void* vfs_dl_open(sqlite3_vfs* vfs, const char* name) {
  return base_of(vfs)->xDlOpen(base_of(vfs), name);
}

void vfs_dl_error(sqlite3_vfs* vfs, int size, char* out) {
  base_of(vfs)->xDlError(base_of(vfs), size, out);
}

void (*vfs_dl_sym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return base_of(vfs)->xDlSym(base_of(vfs), handle, symbol);
}

void vfs_dl_close(sqlite3_vfs* vfs, void* handle) {
  base_of(vfs)->xDlClose(base_of(vfs), handle);
}

int vfs_randomness(sqlite3_vfs* vfs, int size, char* out) {
  return base_of(vfs)->xRandomness(base_of(vfs), size, out);
}

int vfs_sleep(sqlite3_vfs* vfs, int microseconds) {
  return base_of(vfs)->xSleep(base_of(vfs), microseconds);
}

int vfs_current_time(sqlite3_vfs* vfs, double* out) {
  return base_of(vfs)->xCurrentTime(base_of(vfs), out);
}

int vfs_get_last_error(sqlite3_vfs* vfs, int size, char* out) {
  return base_of(vfs)->xGetLastError != nullptr
             ? base_of(vfs)->xGetLastError(base_of(vfs), size, out)
             : 0;
}

int vfs_current_time_int64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  sqlite3_vfs* base = base_of(vfs);
  if (base->iVersion >= 2 && base->xCurrentTimeInt64 != nullptr) {
    return base->xCurrentTimeInt64(base, out);
  }
  double days = 0;
  const int rc = base->xCurrentTime(base, &days);
  *out = static_cast<sqlite3_int64>(days * 86'400'000.0);
  return rc;
}

/** Registers the VFS once; nullptr when SQLite has no default VFS or refuses it. */
sqlite3_vfs* make_vfs() {
  sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
  if (base == nullptr) {
    return nullptr;
  }
  static sqlite3_vfs vfs{};
  vfs.iVersion = 2;
  vfs.szOsFile = std::max(base->szOsFile, static_cast<int>(kRealOffset) + base->szOsFile);
  vfs.mxPathname = base->mxPathname;
  vfs.zName = kName;
  vfs.pAppData = base;
  vfs.xOpen = vfs_open;
  vfs.xDelete = vfs_delete;
  vfs.xAccess = vfs_access;
  vfs.xFullPathname = vfs_full_pathname;
  vfs.xDlOpen = vfs_dl_open;
  vfs.xDlError = vfs_dl_error;
  vfs.xDlSym = vfs_dl_sym;
  vfs.xDlClose = vfs_dl_close;
  vfs.xRandomness = vfs_randomness;
  vfs.xSleep = vfs_sleep;
  vfs.xCurrentTime = vfs_current_time;
  vfs.xGetLastError = vfs_get_last_error;
  vfs.xCurrentTimeInt64 = vfs_current_time_int64;
  if (sqlite3_vfs_register(&vfs, 0) != SQLITE_OK) {
    return nullptr;
  }
  return &vfs;
}

}  // namespace

const char* wal_batch_vfs() {
  static sqlite3_vfs* const vfs = make_vfs();
  return vfs != nullptr ? vfs->zName : nullptr;
}

}  // namespace governor::ledger::sqlite
