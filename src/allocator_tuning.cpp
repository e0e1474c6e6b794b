// jemalloc's settings for the gateway, read by jemalloc at start-up from this symbol (MALLOC_CONF
// in the environment still overrides them).
//
// A call keeps a handful of coroutine frames and buffers of 1-4 kB alive while it waits, and at 64
// connections those pile up in a worker's thread cache beyond jemalloc's default of 20 blocks per
// size class: each overflow flushes half the class back to its arena, and the cache's incremental
// garbage collection ran every 64 kB allocated, a few calls apart. With budgets on (more calls in
// flight, waiting on the ledger) the flushes were about 2k of a worker's instructions a call.
// 128 blocks a class and a collection every 1 MB: bench/proxy/icount's worker 68.7k -> 66.6k
// instructions a call with budgets, 57.0k -> 56.5k without, for at most a few MB more per thread.
extern "C" {
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): jemalloc's ABI
const char* malloc_conf =
    "tcache_nslots_small_min:128,tcache_nslots_large:128,tcache_gc_incr_bytes:1048576";
}
