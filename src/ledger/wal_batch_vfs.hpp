#pragma once

namespace governor::ledger::sqlite {

/** The name of a SQLite VFS that writes each commit's WAL frames with one write instead of two
 *  per frame; registered on first use (thread-safe), not as the default VFS.
 *
 *  SQLite writes a WAL frame as two writes: its 24-byte header, then its page. A ledger commit
 *  holds about ten frames, so about twenty pwrite calls, and on a VM each syscall costs far
 *  more than its copy. This VFS wraps the default one. The main database file is the default
 *  VFS's own file object, untouched. The WAL file's writes are appended to a buffer while they
 *  are contiguous and shaped like frames, and the buffer is written with one call as soon as the
 *  page of a *commit* frame (the last frame of a transaction: a header whose "database size
 *  after commit" field is non-zero) arrives. So when that xWrite returns, the commit is in the
 *  file exactly as without the buffer, and a failure is returned by that same call, before
 *  SQLite publishes the commit in the WAL index. Every other operation on the WAL file (read,
 *  sync, truncate, size, file control, close) and any write that does not continue the buffer
 *  writes the buffer first; a write of any other shape is written through at once. A buffer
 *  is written in pieces of at most 96 KiB (the default VFS takes less than 128 KiB a call).
 *  Durability and crash recovery are unchanged: no commit returns before its frames were
 *  handed to the kernel (and fsynced, under synchronous=FULL, by the xSync that follows).
 *  @par Thread safety Safe to call from any thread. Each file is used by its connection only. */
const char* wal_batch_vfs();

}  // namespace governor::ledger::sqlite
