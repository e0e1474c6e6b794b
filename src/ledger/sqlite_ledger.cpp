#include "sqlite_ledger.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/async_result.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <iterator>
#include <type_traits>

namespace governor::ledger {
namespace {

/** A settlement whose batch failed is applied again this many times in all before it is given
 *  up (its reservation then stays held until a restart reconciles it). */
constexpr unsigned kSettleAttempts = 3;

Refusal unavailable() {
  Refusal r;
  r.reason = Refusal::Reason::ledger_unavailable;
  r.scope = Scope::task;
  r.message = "budget ledger unavailable: the reservation could not be stored, try again";
  return r;
}

}  // namespace

SqliteLedger::SqliteLedger(StorePtr store, WallClock clock, std::size_t max_batch,
                           std::uint64_t next_reservation_id,
                           std::function<void(std::chrono::microseconds)> on_commit,
                           std::chrono::milliseconds cache_idle)
    : store_(std::move(store)),
      clock_(std::move(clock)),
      max_batch_(std::max<std::size_t>(1, max_batch)),
      on_commit_(std::move(on_commit)),
      cache_idle_(cache_idle) {
  book_.set_next_reservation_id(next_reservation_id);
  thread_ = std::thread([this] { run(); });
}

SqliteLedger::~SqliteLedger() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_->notify_one();
  thread_.join();
}

// ---- callers' side ------------------------------------------------------------------------

template <class T, class Payload>
net::awaitable<T> SqliteLedger::submit(std::unique_ptr<Payload> payload) {
  // async_initiate runs the initiation when the coroutine awaits; the handler it gets resumes
  // that coroutine on the coroutine's own executor.
  return net::async_initiate<const net::use_awaitable_t<>&, void(T)>(
      [this](auto handler, std::unique_ptr<Payload> p) {
        enqueue(Op{Pending<Payload, T>{std::move(p), Completion<T>(std::move(handler))}});
      },
      net::use_awaitable, std::move(payload));
}

void SqliteLedger::enqueue(Op&& op) {
  // Looked at in place, and copied only for a kick (one per executor and batch): a copy and
  // destruction of an any_io_executor for every operation cost about 40 instructions.
  const net::any_io_executor& caller = std::visit(
      [](const auto& o) -> const net::any_io_executor& { return o.done.executor(); }, op);
  std::optional<net::any_io_executor> kick;
  {
    const std::lock_guard lock(mutex_);
    if (std::find(kicks_pending_.begin(), kicks_pending_.end(), caller) == kicks_pending_.end()) {
      kick = caller;
    }
    queue_.push_back(std::move(op));  // `caller` is gone with it
    queue_depth_.store(queue_.size(), std::memory_order_relaxed);
    if (kick) {
      // Only now: had the queue's push thrown, a kick registered but never posted would hold
      // back this executor's kicks, and the ledger thread would sleep.
      kicks_pending_.push_back(*kick);
    }
  }
  // The ledger thread is not woken now but by a function posted behind whatever the caller's
  // event loop already has ready: every operation those handlers submit joins the same batch,
  // so under load a commit covers a whole round of the loop (as Redis writes its AOF once per
  // loop iteration) instead of the first few operations. The kick takes kKickHops hops (it posts
  // itself again), so the rounds after it join the batch too: through the proxy benchmark at 64
  // connections two hops made about 30% fewer commits than one, and four about 35% fewer than
  // two. Alone, the hops run next and add a microsecond or so each. It holds the wake-up by
  // shared_ptr: it may run after the ledger is gone (then it wakes nobody).
  if (kick) {
    auto ex = net::prefer(*kick, net::execution::outstanding_work.untracked);
    net::post(ex, Kick{ex, wake_, kKickHops});
  }
}

void SqliteLedger::Kick::operator()() {
  if (--hops > 0) {
    auto again = executor;
    net::post(again, std::move(*this));
    return;
  }
  wake->notify_one();
}

net::awaitable<ReserveOutcome> SqliteLedger::reserve(ReserveRequest request) {
  return submit<ReserveOutcome>(std::make_unique<ReserveRequest>(std::move(request)));
}

net::awaitable<ReserveOutcome> SqliteLedger::reserve(std::unique_ptr<ReserveRequest> request) {
  return submit<ReserveOutcome>(std::move(request));
}

net::awaitable<Remaining> SqliteLedger::settle(Settlement settlement) {
  return submit<Remaining>(std::make_unique<Settlement>(std::move(settlement)));
}

net::awaitable<Remaining> SqliteLedger::settle(std::unique_ptr<Settlement> settlement) {
  return submit<Remaining>(std::move(settlement));
}

net::awaitable<std::optional<TaskView>> SqliteLedger::task(std::string tenant, std::string task,
                                                           config::SessionBudget session_budget,
                                                           config::TenantBudget tenant_budget) {
  return submit<std::optional<TaskView>>(std::make_unique<TaskQuery>(
      TaskQuery{TaskKey{std::move(tenant), std::move(task)}, session_budget, tenant_budget}));
}

net::awaitable<OpenResult> SqliteLedger::open_task(OpenTask request) {
  return submit<OpenResult>(std::make_unique<OpenTask>(std::move(request)));
}

LedgerStats SqliteLedger::stats() const {
  LedgerStats s;
  s.reservations = reservations_.load(std::memory_order_relaxed);
  s.refusals = refusals_.load(std::memory_order_relaxed);
  s.settlements = settlements_.load(std::memory_order_relaxed);
  s.overruns = overruns_.load(std::memory_order_relaxed);
  s.overrun_amount = MicroUsd{overrun_micros_.load(std::memory_order_relaxed)};
  s.commits = commits_.load(std::memory_order_relaxed);
  s.batched_ops = batched_ops_.load(std::memory_order_relaxed);
  s.queue_depth = queue_depth_.load(std::memory_order_relaxed);
  s.last_commit_us = last_commit_us_.load(std::memory_order_relaxed);
  s.checkpoints = store_->checkpoints();
  s.cached_tasks = cached_tasks_.load(std::memory_order_relaxed);
  s.cached_windows = cached_windows_.load(std::memory_order_relaxed);
  s.evicted_tasks = evicted_tasks_.load(std::memory_order_relaxed);
  s.evicted_windows = evicted_windows_.load(std::memory_order_relaxed);
  return s;
}

// ---- the ledger thread --------------------------------------------------------------------

void SqliteLedger::run() {
  pthread_setname_np(pthread_self(), "gov-ledger");  // for top -H, perf and gdb
  std::vector<Op> batch;
  for (;;) {
    batch.clear();
    // Settlements of a failed batch go first, before anything queued after them.
    batch.swap(retry_);
    {
      std::unique_lock lock(mutex_);
      wake_->wait(lock, [&] { return !queue_.empty() || stopping_ || !batch.empty(); });
      kicks_pending_.clear();  // what they would wake the thread for is taken now
      if (queue_.empty() && batch.empty()) {
        return;  // stopping, and every queued operation has completed
      }
      const std::size_t room = max_batch_ > batch.size() ? max_batch_ - batch.size() : 0;
      const std::size_t take = std::min(room, queue_.size());
      if (batch.empty() && take == queue_.size()) {
        batch.swap(queue_);  // the common case: everything, no copying
      } else {
        batch.insert(batch.end(), std::make_move_iterator(queue_.begin()),
                     std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(take)));
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take));
      }
      queue_depth_.store(queue_.size(), std::memory_order_relaxed);
    }
    try {
      process(batch);
    } catch (const std::exception& e) {
      spdlog::error("ledger batch_exception error=\"{}\"", e.what());
      recover(batch);
    }
    // After the batch's callers have their results: a checkpoint finished here delays only the
    // next batch.
    store_->maintain();
    sweep_cache(batch_time_);
  }
}

void SqliteLedger::sweep_cache(TimePoint now) {
  if (cache_idle_.count() > 0) {
    if (!last_sweep_ || now < *last_sweep_) {
      last_sweep_ = now;  // the first batch, or the wall clock stepped back: start counting here
    } else if (!sweep_threshold_ && now - *last_sweep_ >= cache_idle_) {
      // What the period since the last sweep did not touch goes; from now on a new period
      // stamps what operations touch, so it stays.
      sweep_threshold_ = sweep_period_;
      sweep_period_ = book_.begin_period();
      book_.begin_sweep();
      last_sweep_ = now;
    }
    if (sweep_threshold_) {
      // A step per batch: a book of 100k idle tasks takes some 60 ms to forget, spread over a
      // few hundred batches instead of held against one. Everything the book handed out is
      // committed here (or, after a failed batch, the book was rebuilt from the database):
      // what it forgets, it can load again.
      const Book::Evicted evicted = book_.sweep_step(*sweep_threshold_, kSweepBuckets);
      if (evicted.windows > 0) {
        spend_ensured_.reset();  // the windows it names may be gone
      }
      if (evicted.done) {
        sweep_threshold_.reset();
      }
      evicted_tasks_.fetch_add(evicted.tasks, std::memory_order_relaxed);
      evicted_windows_.fetch_add(evicted.windows, std::memory_order_relaxed);
    }
  }
  publish_book_size();
}

void SqliteLedger::publish_book_size() {
  cached_tasks_.store(book_.task_count(), std::memory_order_relaxed);
  cached_windows_.store(book_.window_count(), std::memory_order_relaxed);
}

void SqliteLedger::process(std::vector<Op>& batch) {
  if (degraded_) {
    rebuild();
  }
  const TimePoint now = clock_();
  batch_time_ = now;
  batch_overruns_ = {};
  batch_ok_ = !degraded_ && store_->begin();
  writes_.clear();
  for (Op& op : batch) {
    std::visit([&](auto& o) { apply(o, now); }, op);
  }
  // The batch's rows, each at its final value, go in just before the commit.
  batch_ok_ = batch_ok_ && flush();
  const auto writes =
      static_cast<std::uint64_t>(std::count_if(batch.begin(), batch.end(), [](const Op& op) {
        return std::visit([](const auto& o) { return o.wrote; }, op);
      }));
  if (batch_ok_) {
    const auto start = std::chrono::steady_clock::now();
    batch_ok_ = store_->commit();  // a batch of reads only commits nothing and syncs nothing
    if (batch_ok_ && writes > 0) {
      const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - start);
      last_commit_us_.store(took.count(), std::memory_order_relaxed);
      if (on_commit_) {
        on_commit_(took);
      }
      commits_.fetch_add(1, std::memory_order_relaxed);
      batched_ops_.fetch_add(writes, std::memory_order_relaxed);
      overruns_.fetch_add(batch_overruns_.count, std::memory_order_relaxed);
      overrun_micros_.fetch_add(batch_overruns_.amount.micros(), std::memory_order_relaxed);
    }
  }
  if (!batch_ok_) {
    store_->rollback();
    spdlog::error("ledger batch_failed ops={} writes={}: rolled back, rebuilding from the database",
                  batch.size(), writes);
    rebuild();
    for (Op& op : batch) {
      std::visit([&](auto& o) { fail(o); }, op);
    }
  }

  complete(batch);
}

void SqliteLedger::complete(std::vector<Op>& batch) {
  // First the counters, the book's size and the retries, so that a caller who has its result
  // reads statistics that include it; what is left undelivered after this is completed (a
  // settlement moved to retry_ has no handler left either).
  publish_book_size();
  for (Op& op : batch) {
    std::visit(
        [&](auto& o) {
          using O = std::decay_t<decltype(o)>;
          if (o.done.completed()) {
            return;
          }
          if constexpr (std::is_same_v<O, SettleOp>) {
            if (!o.result) {
              retry_.push_back(std::move(op));
              return;
            }
            if (o.wrote && batch_ok_) {
              settlements_.fetch_add(1, std::memory_order_relaxed);
            }
          } else if constexpr (std::is_same_v<O, ReserveOp>) {
            if (std::holds_alternative<Grant>(*o.result)) {
              reservations_.fetch_add(1, std::memory_order_relaxed);
            } else {
              refusals_.fetch_add(1, std::memory_order_relaxed);
            }
          }
        },
        op);
  }
  const auto completed = [](const Op& op) {
    return std::visit([](const auto& o) { return o.done.completed(); }, op);
  };
  const auto executor_of = [](const Op& op) -> const net::any_io_executor& {
    return std::visit(
        [](const auto& o) -> const net::any_io_executor& { return o.done.executor(); }, op);
  };
  // The common case, one caller executor and every operation delivered: the batch itself is
  // posted, and the ledger keeps a handed-back vector in its place. Moving each (large)
  // operation into a newly allocated group was most of complete()'s time.
  const bool whole = !batch.empty() && std::none_of(batch.begin(), batch.end(), completed) &&
                     std::all_of(batch.begin(), batch.end(), [&](const Op& op) {
                       return executor_of(op) == executor_of(batch.front());
                     });
  if (whole) {
    std::vector<Op> ops = op_vectors_->take(batch.size());
    ops.swap(batch);
    deliveries_.push_back(Delivery{executor_of(ops.front()), std::move(ops)});
  } else {
    for (Op& op : batch) {
      if (completed(op)) {
        continue;
      }
      const net::any_io_executor& ex = executor_of(op);
      auto group = std::find_if(deliveries_.begin(), deliveries_.end(),
                                [&](const Delivery& d) { return d.executor == ex; });
      if (group == deliveries_.end()) {
        // Room for the whole batch at once: growing it moved every operation again at each
        // doubling.
        deliveries_.push_back(Delivery{ex, op_vectors_->take(batch.size())});
        group = std::prev(deliveries_.end());
      }
      group->ops.push_back(std::move(op));
    }
  }
  // One post per caller executor, not per operation: each wakes a caller thread at most once per
  // batch. The posted function is itself work, so the operations' own work guards can go.
  for (Delivery& d : deliveries_) {
    for (Op& op : d.ops) {
      std::visit([](auto& o) { o.done.release_work(); }, op);
    }
    net::any_io_executor ex = std::move(d.executor);
    net::post(ex, Deliver{net::prefer(ex, net::execution::outstanding_work.untracked),
                          std::move(d.ops), op_vectors_});
  }
  deliveries_.clear();
}

std::vector<SqliteLedger::Op> SqliteLedger::OpVectors::take(std::size_t n) {
  std::vector<Op> ops;
  {
    const std::lock_guard lock(mutex_);
    if (!free_.empty()) {
      ops = std::move(free_.back());
      free_.pop_back();
    }
  }
  ops.reserve(n);
  return ops;
}

void SqliteLedger::OpVectors::give(std::vector<Op>&& ops) {
  ops.clear();
  // A few are enough: about one per batch in flight between the ledger and its callers.
  constexpr std::size_t kKept = 8;
  const std::lock_guard lock(mutex_);
  if (free_.size() < kKept) {
    free_.push_back(std::move(ops));
  }
}

void SqliteLedger::Deliver::operator()() {
  for (std::size_t i = 0; i < ops.size(); ++i) {
    try {
      std::visit([](auto& o) { o.done.invoke(std::move(*o.result)); }, ops[i]);
    } catch (...) {
      // A handler threw out of the caller's run(): the operations after it still get their
      // results, as they would have with one post each.
      if (i + 1 < ops.size()) {
        std::vector<Op> rest(
            std::make_move_iterator(ops.begin() + static_cast<std::ptrdiff_t>(i + 1)),
            std::make_move_iterator(ops.end()));
        net::post(executor, Deliver{executor, std::move(rest), vectors});
      }
      throw;
    }
  }
  vectors->give(std::move(ops));
}

void SqliteLedger::recover(std::vector<Op>& batch) noexcept {
  try {
    store_->rollback();
    batch_ok_ = false;
    rebuild();
    for (Op& op : batch) {
      std::visit(
          [&](auto& o) {
            if (!o.done.completed()) {
              fail(o);
            }
          },
          op);
    }
    complete(batch);
  } catch (const std::exception& e) {
    // Out of memory while recovering: nothing sensible is left to do for this batch. Its
    // handlers are destroyed unrun, which destroys the waiting coroutines' frames.
    spdlog::critical("ledger recovery_failed error=\"{}\"", e.what());
    degraded_ = true;
  }
}

void SqliteLedger::apply(ReserveOp& op, TimePoint now) {
  const ReserveRequest& r = *op.payload;
  // A one-step call's first reservation names a new task (after its reservation id): there is
  // nothing to look up. Its escalation's task is in the book while the call is in flight, or,
  // settled earlier in this batch, in writes_, which ensure_task() writes before it loads.
  const bool fresh = r.one_step && r.task.empty();
  if (!batch_ok_ || (!fresh && !ensure_task(TaskKey{r.tenant, r.task}))) {
    batch_ok_ = false;
    return;
  }
  // The windows a call counts in depend only on its tenant, session and the time, and the book
  // keeps a window once it has it (until a rebuild): the same as the last reserve's need no
  // second look.
  const bool same_windows = spend_ensured_ && spend_ensured_->now == now &&
                            spend_ensured_->tenant == r.tenant &&
                            spend_ensured_->session == r.session;
  if (!same_windows) {
    if (!ensure_spend(Book::spend_keys(r.tenant, r.session, now))) {
      batch_ok_ = false;
      return;
    }
    spend_ensured_ = EnsuredWindows{r.tenant, r.session, now};
  }
  Effects& effects = fresh_effects();
  op.result = book_.reserve(r, now, effects);
  if (!effects.empty()) {
    op.wrote = true;
    writes_.add(std::move(effects));
  }
}

void SqliteLedger::apply(SettleOp& op, TimePoint) {
  if (!batch_ok_) {
    return;
  }
  const Book::Overruns before = book_.overruns();
  Effects& effects = fresh_effects();
  op.result = book_.settle(*op.payload, effects);
  batch_overruns_.count += book_.overruns().count - before.count;
  batch_overruns_.amount += book_.overruns().amount - before.amount;
  if (!effects.empty()) {
    op.wrote = true;
    writes_.add(std::move(effects));
  }
}

void SqliteLedger::apply(TaskOp& op, TimePoint now) {
  if (!batch_ok_) {
    return;  // answered from the rebuilt book in fail()
  }
  if (!ensure_task(op.payload->key)) {
    batch_ok_ = false;
    return;
  }
  if (const TaskRecord* t = book_.find_task(op.payload->key)) {
    if (!ensure_spend(Book::spend_keys(op.payload->key.tenant, t->session, now))) {
      batch_ok_ = false;
      return;
    }
  }
  op.result =
      book_.view(op.payload->key, op.payload->session_budget, op.payload->tenant_budget, now);
}

void SqliteLedger::apply(OpenOp& op, TimePoint now) {
  if (!batch_ok_ || !ensure_task(TaskKey{op.payload->tenant, op.payload->task})) {
    batch_ok_ = false;
    return;
  }
  auto applied = book_.open(*op.payload, now);
  op.result = applied.outcome;
  if (!applied.effects.empty()) {
    op.wrote = true;
    writes_.add(std::move(applied.effects));
  }
}

Effects& SqliteLedger::fresh_effects() {
  // Assigned from a constant empty one: whatever members Effects has, all end up empty, and a
  // vector keeps its memory. (Not `effects_ = Effects{}`: that constructs one, zero-filled.)
  static const Effects none;
  effects_ = none;
  return effects_;
}

void SqliteLedger::fail(ReserveOp& op) {
  // A refusal stays a refusal; anything that would have held budget did not become durable.
  if (!op.result || std::holds_alternative<Grant>(*op.result)) {
    op.result = unavailable();
  }
}

void SqliteLedger::fail(SettleOp& op) {
  op.wrote = false;
  if (++op.attempts < kSettleAttempts) {
    op.result.reset();  // apply again in the next batch
    return;
  }
  spdlog::error(
      "ledger settle_failed reservation={} cost_usd={}: the reservation stays held until a "
      "restart counts it as spent",
      op.payload->reservation, op.payload->cost.to_string());
  op.result = Remaining{};
}

void SqliteLedger::fail(TaskOp& op) {
  // A view taken before the failure may show changes that were rolled back: take it again.
  op.result.reset();
  const TimePoint now = clock_();
  if (degraded_ || !ensure_task(op.payload->key)) {
    op.result = std::optional<TaskView>{};
    return;
  }
  if (const TaskRecord* t = book_.find_task(op.payload->key)) {
    if (!ensure_spend(Book::spend_keys(op.payload->key.tenant, t->session, now))) {
      op.result = std::optional<TaskView>{};
      return;
    }
  }
  op.result =
      book_.view(op.payload->key, op.payload->session_budget, op.payload->tenant_budget, now);
}

void SqliteLedger::fail(OpenOp& op) {
  if (!op.result || *op.result == OpenResult::created) {
    op.result = OpenResult::unavailable;
  }
}

bool SqliteLedger::flush() {
  if (writes_.empty()) {
    return true;
  }
  if (!store_->write(writes_)) {
    return false;  // kept for rebuild(): it still needs the rows of one-step calls in flight
  }
  writes_.clear();
  return true;
}

bool SqliteLedger::ensure_task(const TaskKey& key) {
  if (book_.has_task(key)) {
    return true;
  }
  // A one-step task leaves the book when it is settled; if that was earlier in this batch, its
  // latest rows are still in writes_, and the load must see them.
  if (writes_.has_task(key) && !flush()) {
    return false;
  }
  auto loaded = store_->load_task(key);
  if (!loaded) {
    return false;
  }
  if (*loaded) {
    book_.install_task(key, std::move((*loaded)->record), std::move((*loaded)->steps));
  }
  return true;
}

bool SqliteLedger::ensure_spend(const std::vector<SpendKey>& keys) {
  for (const SpendKey& k : keys) {
    if (book_.has_spend(k)) {
      continue;
    }
    if (writes_.has_spend(k) && !flush()) {
      return false;
    }
    const auto spent = store_->load_spend(k);
    if (!spent) {
      return false;
    }
    book_.install_spend(k, *spent);
  }
  return true;
}

void SqliteLedger::rebuild() {
  // The old book and the rolled-back rows still know the policy and budget of one-step calls in
  // flight, which the database will not until they settle.
  Book before = std::exchange(book_, Book{});
  WriteSet rolled_back = std::exchange(writes_, WriteSet{});
  spend_ensured_.reset();
  sweep_period_ = 0;  // the new book's periods start again (its first sweep forgets nothing)
  sweep_threshold_.reset();
  book_.set_next_reservation_id(before.next_reservation_id());
  degraded_ = true;
  auto live = store_->load_reservations();
  if (!live) {
    spdlog::error("ledger degraded: cannot reload reservations; refusing calls until it can");
    return;
  }
  for (ReservationRecord& r : *live) {
    if (!ensure_task(r.task) || !ensure_spend(r.scopes)) {
      spdlog::error("ledger degraded: cannot reload reservation={}", r.id);
      return;
    }
    if (!book_.has_task(r.task)) {
      // A durable reservation without a task row is a one-step call that has not settled.
      const TaskRecord* known = before.find_task(r.task);
      book_.install_unsettled_task(r, known != nullptr ? known : rolled_back.added_task(r.task));
    }
    book_.install_reservation(std::move(r));
  }
  degraded_ = false;
}

// ---- opening ------------------------------------------------------------------------------

OpenLedgerResult open_sqlite_ledger(SqliteLedgerOptions options) {
  OpenLedgerResult result;
  auto store =
      Store::open(options.path, options.durability == SqliteLedgerOptions::Durability::power_loss);
  if (!store) {
    result.error = store.error();
    return result;
  }
  const auto reconciled = (*store)->reconcile();
  if (!reconciled) {
    result.error = "cannot reconcile the reservations left in " + options.path;
    return result;
  }
  const auto next_id = (*store)->next_reservation_id();
  if (!next_id) {
    result.error = "cannot read the ledger database " + options.path;
    return result;
  }
  if (!options.clock) {
    options.clock = [] { return std::chrono::system_clock::now(); };
  }
  result.reconciled = *reconciled;
  result.ledger =
      std::make_unique<SqliteLedger>(std::move(*store), std::move(options.clock), options.max_batch,
                                     *next_id, std::move(options.on_commit), options.cache_idle);
  return result;
}

}  // namespace governor::ledger
