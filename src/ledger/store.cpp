#include "store.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <bit>

#include "row_codec.hpp"

namespace governor::ledger {
namespace {

// Version 5 (1 lacked steps.decision; 2 lacked the tasks.step_* columns and meta; 3 lacked
// calls and holds, and kept each live reservation in a `reservations` row; 4 lacked
// call_batches, and kept each one-step call in a `calls` row). Amounts are integer
// micro-dollars; NULL limits mean "no limit". Rows are keyed by what the ledger looks them up by,
// so every read and write is one primary-key probe.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS tasks (
  tenant TEXT NOT NULL,
  task TEXT NOT NULL,
  session TEXT NOT NULL,
  policy TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  one_step INTEGER NOT NULL,
  total_limit INTEGER,
  max_input_tokens INTEGER,
  max_output_tokens INTEGER,
  reserve_synthesis INTEGER NOT NULL,
  reserve_handoff INTEGER NOT NULL,
  hard_stop_after_retries INTEGER,
  min_useful_output_tokens INTEGER NOT NULL,
  retries INTEGER NOT NULL,
  last_hash INTEGER NOT NULL,
  spent INTEGER NOT NULL,
  synthesis_spent INTEGER NOT NULL,
  handoff_spent INTEGER NOT NULL,
  step_id INTEGER,
  step_type TEXT,
  step_model TEXT,
  step_tier TEXT,
  step_input_tokens INTEGER,
  step_output_tokens INTEGER,
  step_cost INTEGER,
  step_reserved INTEGER,
  step_outcome TEXT,
  step_reason TEXT,
  step_latency_ms INTEGER,
  step_usage_estimated INTEGER,
  step_decision TEXT,
  PRIMARY KEY (tenant, task)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS spend (
  scope TEXT NOT NULL,
  tenant TEXT NOT NULL,
  name TEXT NOT NULL,
  spent INTEGER NOT NULL,
  PRIMARY KEY (scope, tenant, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS steps (
  id INTEGER PRIMARY KEY,
  tenant TEXT NOT NULL,
  task TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  step TEXT NOT NULL,
  model TEXT NOT NULL,
  tier TEXT NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cost INTEGER NOT NULL,
  reserved INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  reason TEXT NOT NULL,
  latency_ms INTEGER NOT NULL,
  usage_estimated INTEGER NOT NULL,
  decision TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS steps_by_task ON steps (tenant, task, id);
CREATE TABLE IF NOT EXISTS reservations (
  id INTEGER PRIMARY KEY,
  tenant TEXT NOT NULL,
  task TEXT NOT NULL,
  session TEXT NOT NULL,
  day TEXT NOT NULL,
  month TEXT NOT NULL,
  step TEXT NOT NULL,
  amount INTEGER NOT NULL,
  time_ms INTEGER NOT NULL,
  session_limit INTEGER,
  day_limit INTEGER,
  month_limit INTEGER
);
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS calls (
  id INTEGER PRIMARY KEY,
  tenant TEXT NOT NULL,
  record BLOB NOT NULL,
  decision TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS holds (
  id INTEGER PRIMARY KEY,
  reservations BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS call_batches (
  batch INTEGER PRIMARY KEY,
  first_id INTEGER NOT NULL,
  last_id INTEGER NOT NULL,
  count INTEGER NOT NULL,
  calls BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS call_batches_by_id ON call_batches (first_id);
PRAGMA user_version = 5;
)sql";

/** Version 1 files (before the routing decision was kept per step) gain the column. */
constexpr const char* kAddDecisionColumn =
    "ALTER TABLE steps ADD COLUMN decision TEXT NOT NULL DEFAULT ''";

/** Version 1 and 2 files (before a one-step task's step was kept in its task row) gain the
 *  columns, NULL in their rows: their one-step tasks keep their rows in `steps`. Adding a column
 *  rewrites nothing. */
constexpr const char* kAddStepColumns =
    "ALTER TABLE tasks ADD COLUMN step_id INTEGER;"
    "ALTER TABLE tasks ADD COLUMN step_type TEXT;"
    "ALTER TABLE tasks ADD COLUMN step_model TEXT;"
    "ALTER TABLE tasks ADD COLUMN step_tier TEXT;"
    "ALTER TABLE tasks ADD COLUMN step_input_tokens INTEGER;"
    "ALTER TABLE tasks ADD COLUMN step_output_tokens INTEGER;"
    "ALTER TABLE tasks ADD COLUMN step_cost INTEGER;"
    "ALTER TABLE tasks ADD COLUMN step_reserved INTEGER;"
    "ALTER TABLE tasks ADD COLUMN step_outcome TEXT;"
    "ALTER TABLE tasks ADD COLUMN step_reason TEXT;"
    "ALTER TABLE tasks ADD COLUMN step_latency_ms INTEGER;"
    "ALTER TABLE tasks ADD COLUMN step_usage_estimated INTEGER;"
    "ALTER TABLE tasks ADD COLUMN step_decision TEXT;";

constexpr std::string_view kNextIdKey = "next_reservation_id";
/** How many ids past the largest one stored in a task row meta marks as taken (see commit()). */
constexpr std::uint64_t kIdsAhead = 4096;

/** A `call_batches` row spans fewer than this many ids (last_id - first_id < kCallBatchSpan),
 *  so the rows that may hold an id are those whose first id is at most this far below it: a
 *  bounded range of the index, however long a call ran before it settled. The SQL below spells
 *  it out as 4095. */
constexpr std::uint64_t kCallBatchSpan = 4096;
static_assert(kCallBatchSpan == 4096,
              "the SQL of select_call_batches_ and next_reservation_id "
              "spells the span out as 4095");

constexpr std::string_view kReconciled = "reconciled_after_restart";

/** Resets a statement when the scope using it ends, whatever path it leaves by. */
class Use {
 public:
  explicit Use(sqlite::Statement& s) : s_(s) {}
  ~Use() { s_.reset(); }
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  sqlite::Statement* operator->() { return &s_; }
  const sqlite::Statement& get() const { return s_; }

 private:
  sqlite::Statement& s_;
};

std::optional<MicroUsd> optional_micros(const sqlite::Statement& s, int column) {
  if (const auto v = s.optional_int64(column)) {
    return MicroUsd{*v};
  }
  return std::nullopt;
}

/** A hash is 64 opaque bits; SQLite integers are signed 64-bit. */
std::int64_t to_column(std::uint64_t hash) {
  return std::bit_cast<std::int64_t>(hash);
}

/** A step's columns, from `first` on in the order step, model, tier, input and output tokens,
 *  cost, reserved, outcome, reason, latency, usage_estimated, decision: the same in a `steps`
 *  row and in a one-step task's row (whose step time is the task's creation). */
StepView step_view_at(const sqlite::Statement& s, int first, std::int64_t time_unix_ms) {
  StepView v;
  v.time_unix_ms = time_unix_ms;
  v.step = parse_step_type(s.text(first)).value_or(StepType::act);
  v.model = s.text(first + 1);
  v.tier = s.text(first + 2);
  v.usage = TokenUsage{s.int64(first + 3), s.int64(first + 4)};
  v.cost = MicroUsd{s.int64(first + 5)};
  v.reserved = MicroUsd{s.int64(first + 6)};
  v.outcome = s.text(first + 7);
  v.reason = s.text(first + 8);
  v.latency_ms = s.int64(first + 9);
  v.usage_estimated = s.int64(first + 10) != 0;
  v.decision = s.text(first + 11);
  return v;
}

/** A one-step task whose row `calls` can hold: one step, whose id its name carries, and
 *  nothing the row does not keep (no retry, spend that is the step's cost). */
bool fits_call_row(const TaskRow& row) {
  if (!row.only_step || one_step_call_id(row.key.task) != row.only_step->id) {
    return false;
  }
  const TaskRecord& r = row.record;
  const StepView& v = row.only_step->view;
  const MicroUsd zero{0};
  return r.one_step && r.retries == 0 && r.last_hash == 0 && r.spent == v.cost &&
         r.synthesis_spent == (v.step == StepType::summarize ? v.cost : zero) &&
         r.handoff_spent == (v.step == StepType::handoff ? v.cost : zero) &&
         r.created_unix_ms == v.time_unix_ms;
}

/** The task row of a one-step call that a crash cut short before it settled: what the
 *  reservation row knows (the policy's limits are not kept there), charged the worst case. */
TaskRow reconciled_task_row(const ReservationRecord& r) {
  TaskRow row{r.task, one_step_record_of(r)};
  TaskRecord& t = row.record;
  t.spent = r.amount;
  if (r.step == StepType::summarize) {
    t.synthesis_spent = r.amount;
  } else if (r.step == StepType::handoff) {
    t.handoff_spent = r.amount;
  }
  return row;
}

StepRecord reconciled_step_row(const ReservationRecord& r) {
  StepRecord rec;
  rec.id = r.id;
  rec.task = r.task;
  rec.view.time_unix_ms = r.time_unix_ms;
  rec.view.step = r.step;
  rec.view.reserved = r.amount;
  rec.view.cost = r.amount;
  rec.view.outcome = std::string(kReconciled);
  return rec;
}

/** The one-step task a stored call is: nothing when it is another tenant's. */
Result<std::optional<LoadedTask>> call_task(const TaskKey& key, std::uint64_t id,
                                            std::string_view tenant, std::string_view record,
                                            std::string_view decision) {
  if (tenant != key.tenant) {
    return std::optional<LoadedTask>{};  // another tenant's call: no such task for this one
  }
  LoadedTask loaded;
  TaskRecord& r = loaded.record;
  StepView v;
  if (!decode_call(record, r, v)) {
    spdlog::error("ledger corrupt_call id={}: its record cannot be read", id);
    return errc::internal;
  }
  v.decision = decision;
  r.one_step = true;
  // What fits_call_row() left out of the row, as it was.
  r.spent = v.cost;
  if (v.step == StepType::summarize) {
    r.synthesis_spent = v.cost;
  } else if (v.step == StepType::handoff) {
    r.handoff_spent = v.cost;
  }
  loaded.steps.push_back(StepRecord{id, key, std::move(v)});
  return std::optional<LoadedTask>{std::move(loaded)};
}

}  // namespace

// ---- WriteSet ------------------------------------------------------------------------------

namespace {

/** A row coalesced with a later one of the same key: only the values can differ. A spend
 *  window's key is two strings, so only its amount is copied. */
void coalesce(TaskRow& row, TaskRow&& later) {
  row = std::move(later);
}
void coalesce(SpendRow& row, SpendRow&& later) {
  row.spent = later.spent;
}

}  // namespace

// `key` may be `row`'s own key: it is not read after `row` is moved.
template <class Row, class Key, class Hash, class KeyOf>
std::size_t WriteSet::upsert(std::vector<Entry<Row>>& rows,
                             std::unordered_multimap<std::size_t, std::size_t>& index, Row&& row,
                             bool added, const Key& key, const Hash& hash, const KeyOf& key_of) {
  const std::size_t h = hash(key);
  const auto [first, last] = index.equal_range(h);
  for (auto it = first; it != last; ++it) {
    Entry<Row>& e = rows[it->second];
    if (key_of(e.row) == key) {
      coalesce(e.row, std::move(row));
      e.added = e.added || added;  // inserted earlier in the batch: still an INSERT
      return it->second;
    }
  }
  index.emplace(h, rows.size());
  // In place: a settled task's row is large. (Assigned, not aggregate-constructed by
  // emplace_back's arguments, which clang does not do yet.)
  Entry<Row>& entry = rows.emplace_back();
  entry.row = std::move(row);
  entry.added = added;
  return rows.size() - 1;
}

void WriteSet::add_spend(SpendRow&& row) {
  std::size_t& recent = recent_spend_[static_cast<std::size_t>(row.key.scope)];
  if (recent < spend_.size() && spend_[recent].row.key == row.key) {
    coalesce(spend_[recent].row, std::move(row));
    return;
  }
  recent = upsert(spend_, spend_index_, std::move(row), false, row.key, SpendKeyHash{},
                  [](const SpendRow& r) -> const SpendKey& { return r.key; });
}

void WriteSet::add(Effects&& fx) {
  // The key is the row's own: upsert() is done with it before it moves the row (no copy of
  // the key, which for a one-step task's id was a malloc).
  if (fx.task) {
    upsert(tasks_, task_index_, std::move(*fx.task), fx.task_added, fx.task->key, TaskKeyHash{},
           [](const TaskRow& r) -> const TaskKey& { return r.key; });
  }
  for (SpendRow& row : fx.spend) {
    add_spend(std::move(row));
  }
  if (fx.step) {
    const auto [it, inserted] = step_index_.try_emplace(fx.step->id, steps_.size());
    if (inserted) {
      Entry<StepRecord>& entry = steps_.emplace_back();
      entry.row = std::move(*fx.step);
      entry.added = fx.step_added;
    } else {
      Entry<StepRecord>& e = steps_[it->second];
      e.row = std::move(*fx.step);
      e.added = e.added || fx.step_added;
    }
  }
  if (fx.reservation_added != nullptr) {
    const Added grant{fx.reservation_added->id, fx.reservation_added};
    // At the end unless some caller adds ids out of order (the ledger never does).
    const auto at =
        added_.empty() || added_.back().id < grant.id
            ? added_.end()
            : std::upper_bound(added_.begin(), added_.end(), grant.id,
                               [](std::uint64_t id, const Added& a) { return id < a.id; });
    added_.insert(at, grant);
  }
  if (fx.reservation_removed) {
    const std::uint64_t id = *fx.reservation_removed;
    const auto it =
        std::lower_bound(added_.begin(), added_.end(), id,
                         [](const Added& a, std::uint64_t wanted) { return a.id < wanted; });
    if (it != added_.end() && it->id == id && it->record != nullptr) {
      it->record = nullptr;  // never stored, so nothing to delete
    } else {
      removed_.push_back(id);
    }
  }
}

bool WriteSet::empty() const {
  return tasks_.empty() && spend_.empty() && steps_.empty() && added_.empty() && removed_.empty();
}

void WriteSet::clear() {
  tasks_.clear();
  task_index_.clear();
  spend_.clear();
  spend_index_.clear();
  steps_.clear();
  step_index_.clear();
  added_.clear();
  removed_.clear();
}

bool WriteSet::has_task(const TaskKey& key) const {
  const auto [first, last] = task_index_.equal_range(TaskKeyHash{}(key));
  return std::any_of(first, last, [&](const auto& e) { return tasks_[e.second].row.key == key; });
}

const TaskRecord* WriteSet::added_task(const TaskKey& key) const {
  const auto [first, last] = task_index_.equal_range(TaskKeyHash{}(key));
  for (auto it = first; it != last; ++it) {
    const Entry<TaskRow>& e = tasks_[it->second];
    if (e.row.key == key) {
      return e.added ? &e.row.record : nullptr;
    }
  }
  return nullptr;
}

bool WriteSet::has_spend(const SpendKey& key) const {
  const auto [first, last] = spend_index_.equal_range(SpendKeyHash{}(key));
  return std::any_of(first, last, [&](const auto& e) { return spend_[e.second].row.key == key; });
}

// ---- Store ---------------------------------------------------------------------------------

boost::system::result<StorePtr, std::string> Store::open(const std::string& path,
                                                         bool fsync_commits) {
  // Before the database is touched: a second Governor must not even reconcile it.
  DatabaseLock lock;
  if (path != ":memory:") {
    auto acquired = DatabaseLock::acquire(path);
    if (!acquired) {
      return acquired.error();
    }
    lock = std::move(*acquired);
  }
  sqlite::Database db{path};
  if (!db.is_open()) {
    return "cannot open ledger database " + path + ": " + db.error();
  }
  // WAL: readers never block the writer and a commit appends to one file. synchronous=FULL makes
  // every commit durable across power loss (fsync of the WAL); NORMAL makes it durable across a
  // crash of this process (the commit is in the OS's page cache) and fsyncs only at checkpoints.
  // busy_timeout covers a backup tool reading the file.
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL",
        fsync_commits ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
        "PRAGMA busy_timeout=5000"}) {
    if (!db.exec(pragma)) {
      return "cannot set up ledger database " + path + ": " + db.error();
    }
  }
  std::int64_t version = 0;
  if (auto read = db.prepare("PRAGMA user_version");
      read.valid() && read.step() == sqlite::Statement::Step::row) {
    version = read.int64(0);
  }
  // One transaction, with the new user_version: a file is upgraded whole or not at all, and a
  // crash halfway leaves the old version to upgrade again.
  const bool upgraded = db.exec("BEGIN IMMEDIATE") &&
                        (version != 1 || db.exec(kAddDecisionColumn)) &&
                        ((version != 1 && version != 2) || db.exec(kAddStepColumns)) &&
                        db.exec(kSchema) && db.exec("COMMIT");
  if (!upgraded) {
    std::string error = db.error();
    db.exec("ROLLBACK");
    return "cannot create or upgrade the ledger schema in " + path + ": " + error;
  }
  StorePtr store{new Store(std::move(lock), std::move(db))};
  if (!store->prepare_all()) {
    return "cannot prepare ledger statements for " + path + ": " + store->db_.error();
  }
  store->checkpoints_ = WalCheckpoints::start(store->db_.handle(), path);
  return store;
}

bool Store::prepare_all() {
  struct Entry {
    sqlite::Statement& statement;
    std::string_view sql;
  };
  const Entry entries[] = {
      // IMMEDIATE: the write lock is taken up front, so a batch that reads before it writes can
      // never fail to upgrade its lock halfway (SQLITE_BUSY_SNAPSHOT).
      {begin_, "BEGIN IMMEDIATE"},
      {commit_, "COMMIT"},
      {rollback_, "ROLLBACK"},
      {upsert_task_,
       "INSERT INTO tasks (tenant, task, session, policy, created_ms, one_step, total_limit, "
       "max_input_tokens, max_output_tokens, reserve_synthesis, reserve_handoff, "
       "hard_stop_after_retries, min_useful_output_tokens, retries, last_hash, spent, "
       "synthesis_spent, handoff_spent, step_id, step_type, step_model, step_tier, "
       "step_input_tokens, step_output_tokens, step_cost, step_reserved, step_outcome, "
       "step_reason, step_latency_ms, step_usage_estimated, step_decision) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
       "?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31) "
       "ON CONFLICT (tenant, task) DO UPDATE SET retries = excluded.retries, "
       "last_hash = excluded.last_hash, spent = excluded.spent, "
       "synthesis_spent = excluded.synthesis_spent, handoff_spent = excluded.handoff_spent, "
       "step_id = excluded.step_id, step_type = excluded.step_type, "
       "step_model = excluded.step_model, step_tier = excluded.step_tier, "
       "step_input_tokens = excluded.step_input_tokens, "
       "step_output_tokens = excluded.step_output_tokens, step_cost = excluded.step_cost, "
       "step_reserved = excluded.step_reserved, step_outcome = excluded.step_outcome, "
       "step_reason = excluded.step_reason, step_latency_ms = excluded.step_latency_ms, "
       "step_usage_estimated = excluded.step_usage_estimated, "
       "step_decision = excluded.step_decision"},
      {insert_call_batch_,
       "INSERT INTO call_batches (first_id, last_id, count, calls) VALUES (?1, ?2, ?3, ?4)"},
      // Newest row first: a call stored twice is as its last write left it.
      {select_call_batches_,
       "SELECT batch, first_id, calls FROM call_batches "
       "WHERE first_id BETWEEN ?1 - 4095 AND ?1 AND last_id >= ?1 ORDER BY batch DESC"},
      {update_call_batch_,
       "UPDATE call_batches SET first_id = ?2, last_id = ?3, count = ?4, calls = ?5 "
       "WHERE batch = ?1"},
      {delete_call_batch_, "DELETE FROM call_batches WHERE batch = ?1"},
      {upsert_spend_,
       "INSERT INTO spend (scope, tenant, name, spent) VALUES (?1, ?2, ?3, ?4) "
       "ON CONFLICT (scope, tenant, name) DO UPDATE SET spent = excluded.spent"},
      {update_spend_, "UPDATE spend SET spent = ?4 WHERE scope = ?1 AND tenant = ?2 AND name = ?3"},
      {add_spend_,
       "INSERT INTO spend (scope, tenant, name, spent) VALUES (?1, ?2, ?3, ?4) "
       "ON CONFLICT (scope, tenant, name) DO UPDATE SET spent = spent + excluded.spent"},
      {upsert_step_,
       "INSERT OR REPLACE INTO steps (id, tenant, task, time_ms, step, model, tier, input_tokens, "
       "output_tokens, cost, reserved, outcome, reason, latency_ms, usage_estimated, decision) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"},
      // What a settlement changes in rows that exist. Only unindexed columns: no index entry is
      // rewritten, unlike an upsert's replace.
      {update_task_,
       "UPDATE tasks SET retries = ?3, last_hash = ?4, spent = ?5, synthesis_spent = ?6, "
       "handoff_spent = ?7 WHERE tenant = ?1 AND task = ?2"},
      {update_step_,
       "UPDATE steps SET model = ?2, tier = ?3, input_tokens = ?4, output_tokens = ?5, cost = ?6, "
       "reserved = ?7, outcome = ?8, reason = ?9, latency_ms = ?10, usage_estimated = ?11, "
       "decision = ?12 WHERE id = ?1"},
      {delete_reservation_, "DELETE FROM reservations WHERE id = ?1"},
      {insert_holds_, "INSERT INTO holds (id, reservations) VALUES (?1, ?2)"},
      {delete_holds_, "DELETE FROM holds WHERE id = ?1"},
      {select_holds_, "SELECT id, reservations FROM holds ORDER BY id"},
      // A reservation left in a holds row was settled when its settlement's record exists: its
      // call (in a version-4 calls row here; settled() looks in call_batches), its step with an
      // outcome, or (a one-step task in a task row) its step id.
      {select_settled_,
       "SELECT EXISTS (SELECT 1 FROM calls WHERE id = ?1) "
       "OR EXISTS (SELECT 1 FROM steps WHERE id = ?1 AND outcome <> 'in_flight') "
       "OR EXISTS (SELECT 1 FROM tasks WHERE tenant = ?2 AND task = ?3 AND step_id = ?1)"},
      {upsert_next_id_,
       "INSERT INTO meta (key, value) VALUES (?1, ?2) "
       "ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value)"},
      {select_task_,
       "SELECT session, policy, created_ms, one_step, total_limit, max_input_tokens, "
       "max_output_tokens, reserve_synthesis, reserve_handoff, hard_stop_after_retries, "
       "min_useful_output_tokens, retries, last_hash, spent, synthesis_spent, handoff_spent, "
       "step_id, step_type, step_model, step_tier, step_input_tokens, step_output_tokens, "
       "step_cost, step_reserved, step_outcome, step_reason, step_latency_ms, "
       "step_usage_estimated, step_decision "
       "FROM tasks WHERE tenant = ?1 AND task = ?2"},
      {delete_call_, "DELETE FROM calls WHERE id = ?1"},
      {select_call_, "SELECT tenant, record, decision FROM calls WHERE id = ?1"},
      {select_steps_,
       "SELECT id, time_ms, step, model, tier, input_tokens, output_tokens, cost, reserved, "
       "outcome, reason, latency_ms, usage_estimated, decision "
       "FROM steps WHERE tenant = ?1 AND task = ?2 ORDER BY id"},
      {select_spend_, "SELECT spent FROM spend WHERE scope = ?1 AND tenant = ?2 AND name = ?3"},
      {select_reservations_,
       "SELECT id, tenant, task, session, day, month, step, amount, time_ms, session_limit, "
       "day_limit, month_limit FROM reservations ORDER BY id"},
  };
  for (const Entry& e : entries) {
    e.statement = db_.prepare(e.sql);
    if (!e.statement.valid()) {
      return false;
    }
  }
  return true;
}

bool Store::fail(std::string_view what) {
  spdlog::error("ledger sqlite_error op={} error=\"{}\"", what, db_.error());
  return false;
}

void Store::maintain() {
  if (checkpoints_) {
    checkpoints_->maintain();
  }
}

std::uint64_t Store::checkpoints() const {
  return checkpoints_ ? checkpoints_->completions() : 0;
}

bool Store::begin() {
  return Use(begin_)->run() || fail("begin");
}

bool Store::commit() {
  if (!write_pending_calls()) {
    return false;
  }
  // Ids stay unique across restarts without an index on the task rows' step ids: meta records
  // that ids up to `recorded_id_` are taken. It is written ahead, a block of ids at a time, so
  // only about one transaction in kIdsAhead / (calls per commit) writes it (a meta row in every
  // commit was one more statement and one more WAL page each). A restart skips the rest of the
  // block: ids still only grow.
  std::uint64_t recorded = recorded_id_;
  if (unindexed_id_ > recorded_id_) {
    recorded = unindexed_id_ + kIdsAhead;
    if (!write_last_id(recorded)) {
      return false;
    }
  }
  if (!Use(commit_)->run()) {
    return fail("commit");
  }
  recorded_id_ = recorded;
  return true;
}

void Store::rollback() {
  // Fails harmlessly when no transaction is open (SQLite already rolled back on some errors).
  Use(rollback_)->run();
  unindexed_id_ = recorded_id_;  // the rows that needed it were rolled back with it
  pending_calls_.clear();
  pending_bytes_.clear();
}

bool Store::write(const Effects& fx) {
  if (fx.task && !write_task(*fx.task)) {
    return false;
  }
  for (const SpendRow& row : fx.spend) {
    if (!write_spend(row)) {
      return false;
    }
  }
  if (fx.step && !write_step(*fx.step)) {
    return false;
  }
  if (fx.reservation_added != nullptr && !write_holds({fx.reservation_added})) {
    return false;
  }
  if (fx.reservation_removed && !release_hold(*fx.reservation_removed)) {
    return false;
  }
  return true;
}

bool Store::write(const WriteSet& w) {
  for (const auto& [row, added] : w.tasks_) {
    if (!(added || row.only_step ? write_task(row) : update_task(row))) {
      return false;
    }
  }
  for (const auto& e : w.spend_) {
    if (!write_spend(e.row)) {
      return false;
    }
  }
  for (const auto& [step, added] : w.steps_) {
    if (!(added ? write_step(step) : update_step(step))) {
      return false;
    }
  }
  batch_holds_.clear();
  for (const WriteSet::Added& a : w.added_) {
    if (a.record != nullptr) {
      batch_holds_.push_back(a.record);
    }
  }
  if (!write_holds(batch_holds_)) {
    return false;
  }
  for (const std::uint64_t id : w.removed_) {
    if (!release_hold(id)) {
      return false;
    }
  }
  return true;
}

bool Store::write_holds(const std::vector<const ReservationRecord*>& reservations) {
  if (reservations.empty()) {
    return true;
  }
  // Keyed by its first reservation's id: unique, and growing, so each row is an append.
  const std::uint64_t row = reservations.front()->id;
  hold_bytes_.clear();
  encode_holds(reservations, hold_bytes_);
  {
    Use s(insert_holds_);
    s->bind(1, static_cast<std::int64_t>(row));
    s->bind_blob(2, hold_bytes_);
    if (!s->run()) {
      return fail("write_holds");
    }
  }
  for (const ReservationRecord* r : reservations) {
    hold_row_[r->id] = row;
  }
  live_in_row_[row] += static_cast<std::uint32_t>(reservations.size());
  return true;
}

bool Store::release_hold(std::uint64_t id) {
  const auto it = hold_row_.find(id);
  if (it == hold_row_.end()) {
    return delete_reservation(id);  // a version-3 row (or none at all)
  }
  const std::uint64_t row = it->second;
  hold_row_.erase(it);
  const auto live = live_in_row_.find(row);
  if (live == live_in_row_.end() || --live->second > 0) {
    return true;  // others of its batch are still held; its settlement's record marks it done
  }
  live_in_row_.erase(live);
  Use s(delete_holds_);
  s->bind(1, static_cast<std::int64_t>(row));
  return s->run() || fail("release_hold");
}

bool Store::write_task(const TaskRow& row) {
  if (fits_call_row(row)) {
    return write_call(row);
  }
  const TaskRecord& r = row.record;
  const config::TaskBudget& b = r.budget;
  Use s(upsert_task_);
  s->bind_all(row.key.tenant, row.key.task, r.session, r.policy, r.created_unix_ms,
              std::int64_t{r.one_step}, b.total_dollars, b.max_input_tokens, b.max_output_tokens,
              b.reserve_for_final_synthesis, b.reserve_for_human_handoff,
              b.hard_stop_after_retries.has_value()
                  ? std::optional<std::int64_t>{*b.hard_stop_after_retries}
                  : std::nullopt,
              b.min_useful_output_tokens, std::int64_t{r.retries}, to_column(r.last_hash), r.spent,
              r.synthesis_spent, r.handoff_spent);
  constexpr int kFirstStepColumn = 19;
  if (row.only_step) {
    unindexed_id_ = std::max(unindexed_id_, row.only_step->id);
    const StepView& v = row.only_step->view;
    int index = kFirstStepColumn;
    s->bind(index++, static_cast<std::int64_t>(row.only_step->id));
    s->bind(index++, to_string(v.step));
    s->bind(index++, v.model);
    s->bind(index++, v.tier);
    s->bind(index++, v.usage.input_tokens);
    s->bind(index++, v.usage.output_tokens);
    s->bind(index++, v.cost);
    s->bind(index++, v.reserved);
    s->bind(index++, v.outcome);
    s->bind(index++, v.reason);
    s->bind(index++, v.latency_ms);
    s->bind(index++, std::int64_t{v.usage_estimated});
    s->bind(index++, sqlite::Blob{v.decision});
  }
  // Without a step, the step columns stay NULL (the reset cleared every binding).
  return s->run() || fail("write_task");
}

bool Store::write_call(const TaskRow& row) {
  const StepView& v = row.only_step->view;
  PendingCall& p = pending_calls_.emplace_back();
  p.id = row.only_step->id;
  p.at = pending_bytes_.size();
  pending_bytes_.append(row.key.tenant);
  p.tenant = row.key.tenant.size();
  encode_call(row.record, v, pending_bytes_);
  p.record = pending_bytes_.size() - p.at - p.tenant;
  pending_bytes_.append(v.decision);
  p.decision = v.decision.size();
  return true;
}

bool Store::write_pending_calls() {
  if (pending_calls_.empty()) {
    return true;
  }
  // In id order; the same id twice (never written so, but as INSERT OR REPLACE allowed) keeps
  // its later write, the one further on in pending_bytes_.
  std::sort(pending_calls_.begin(), pending_calls_.end(),
            [](const PendingCall& a, const PendingCall& b) {
              return a.id != b.id ? a.id < b.id : a.at < b.at;
            });
  batch_calls_.clear();
  const std::string_view bytes = pending_bytes_;
  for (const PendingCall& p : pending_calls_) {
    if (!batch_calls_.empty() && batch_calls_.back().id == p.id) {
      batch_calls_.pop_back();
    }
    batch_calls_.push_back(CallEntry{p.id, bytes.substr(p.at, p.tenant),
                                     bytes.substr(p.at + p.tenant, p.record),
                                     bytes.substr(p.at + p.tenant + p.record, p.decision)});
  }
  const std::span<const CallEntry> calls = batch_calls_;
  std::size_t begin = 0;
  while (begin < calls.size()) {
    const std::uint64_t first = calls[begin].id;
    std::size_t end = begin + 1;
    while (end < calls.size() && calls[end].id - first < kCallBatchSpan) {
      ++end;
    }
    call_bytes_.clear();
    encode_call_batch(first, calls.subspan(begin, end - begin), call_bytes_);
    Use s(insert_call_batch_);
    s->bind_all(static_cast<std::int64_t>(first), static_cast<std::int64_t>(calls[end - 1].id),
                static_cast<std::int64_t>(end - begin), sqlite::Blob{call_bytes_});
    if (!s->run()) {
      return fail("write_call_batch");
    }
    begin = end;
  }
  pending_calls_.clear();
  pending_bytes_.clear();
  return true;
}

Result<std::optional<Store::BatchedCall>> Store::find_batched_call(std::uint64_t id,
                                                                   std::string& blob,
                                                                   std::vector<CallEntry>& calls) {
  if (!write_pending_calls()) {  // a call of this transaction is found like any other
    return errc::internal;
  }
  const auto by_id = [](const CallEntry& c, std::uint64_t wanted) { return c.id < wanted; };
  Use s(select_call_batches_);
  s->bind(1, static_cast<std::int64_t>(id));
  for (;;) {
    switch (s->step()) {
      case sqlite::Statement::Step::done:
        return std::optional<BatchedCall>{};
      case sqlite::Statement::Step::error:
        fail("find_batched_call");
        return errc::internal;
      case sqlite::Statement::Step::row:
        break;
    }
    // Copied: the views in `calls` outlive the statement's reset, which frees the column.
    blob.assign(s->blob(2));
    if (!decode_call_batch(blob, static_cast<std::uint64_t>(s->int64(1)), calls)) {
      spdlog::error("ledger corrupt_call_batches_row batch={}: its calls cannot be read",
                    s->int64(0));
      return errc::internal;
    }
    const auto it = std::lower_bound(calls.begin(), calls.end(), id, by_id);
    if (it != calls.end() && it->id == id) {
      return std::optional<BatchedCall>{
          BatchedCall{s->int64(0), static_cast<std::size_t>(it - calls.begin())}};
    }
  }
}

bool Store::delete_call(std::uint64_t id) {
  {
    Use s(delete_call_);  // a version-4 row
    s->bind(1, static_cast<std::int64_t>(id));
    if (!s->run()) {
      return fail("delete_call");
    }
  }
  std::string blob;
  std::vector<CallEntry> calls;
  for (;;) {  // every row that has it (one, unless it was ever written twice)
    auto found = find_batched_call(id, blob, calls);
    if (!found) {
      return false;
    }
    if (!*found) {
      return true;
    }
    calls.erase(calls.begin() + static_cast<std::ptrdiff_t>((*found)->index));
    if (calls.empty()) {
      Use s(delete_call_batch_);
      s->bind(1, (*found)->batch);
      if (!s->run()) {
        return fail("delete_call_batch");
      }
      continue;
    }
    call_bytes_.clear();
    encode_call_batch(calls.front().id, calls, call_bytes_);
    Use s(update_call_batch_);
    s->bind_all((*found)->batch, static_cast<std::int64_t>(calls.front().id),
                static_cast<std::int64_t>(calls.back().id), static_cast<std::int64_t>(calls.size()),
                sqlite::Blob{call_bytes_});
    if (!s->run()) {
      return fail("update_call_batch");
    }
  }
}

bool Store::write_last_id(std::uint64_t id) {
  Use s(upsert_next_id_);
  s->bind_all(kNextIdKey, static_cast<std::int64_t>(id + 1));
  return s->run() || fail("write_last_id");
}

bool Store::update_task(const TaskRow& row) {
  const TaskRecord& r = row.record;
  {
    Use s(update_task_);
    s->bind_all(row.key.tenant, row.key.task, std::int64_t{r.retries}, to_column(r.last_hash),
                r.spent, r.synthesis_spent, r.handoff_spent);
    if (!s->run()) {
      return fail("update_task");
    }
  }
  // The row should be there; if it is not, the full upsert stores it rather than lose it.
  return db_.changes() > 0 || write_task(row);
}

bool Store::update_step(const StepRecord& step) {
  const StepView& v = step.view;
  {
    Use s(update_step_);
    s->bind_all(static_cast<std::int64_t>(step.id), v.model, v.tier, v.usage.input_tokens,
                v.usage.output_tokens, v.cost, v.reserved, v.outcome, v.reason, v.latency_ms,
                std::int64_t{v.usage_estimated}, sqlite::Blob{v.decision});
    if (!s->run()) {
      return fail("update_step");
    }
  }
  return db_.changes() > 0 || write_step(step);
}

bool Store::write_spend(const SpendRow& row) {
  // A window's row exists after its first settlement, so an UPDATE in place is the common case:
  // at one call per batch the upsert was about 8k instructions a window, a sixth of the ledger
  // thread's work.
  {
    Use s(update_spend_);
    s->bind_all(to_string(row.key.scope), row.key.tenant, row.key.name, row.spent);
    if (!s->run()) {
      return fail("update_spend");
    }
  }
  if (db_.changes() > 0) {
    return true;
  }
  Use s(upsert_spend_);
  s->bind_all(to_string(row.key.scope), row.key.tenant, row.key.name, row.spent);
  return s->run() || fail("write_spend");
}

bool Store::write_step(const StepRecord& step) {
  const StepView& v = step.view;
  Use s(upsert_step_);
  s->bind_all(static_cast<std::int64_t>(step.id), step.task.tenant, step.task.task, v.time_unix_ms,
              to_string(v.step), v.model, v.tier, v.usage.input_tokens, v.usage.output_tokens,
              v.cost, v.reserved, v.outcome, v.reason, v.latency_ms,
              std::int64_t{v.usage_estimated}, sqlite::Blob{v.decision});
  return s->run() || fail("write_step");
}

bool Store::delete_reservation(std::uint64_t id) {
  Use s(delete_reservation_);
  s->bind_all(static_cast<std::int64_t>(id));
  return s->run() || fail("delete_reservation");
}

Result<std::optional<LoadedTask>> Store::load_call(const TaskKey& key, std::uint64_t id) {
  {
    Use s(select_call_);  // a version-4 row
    s->bind_all(static_cast<std::int64_t>(id));
    switch (s->step()) {
      case sqlite::Statement::Step::done:
        break;
      case sqlite::Statement::Step::error:
        fail("load_call");
        return errc::internal;
      case sqlite::Statement::Step::row:
        return call_task(key, id, s->text(0), s->blob(1), s->text(2));
    }
  }
  std::string blob;
  std::vector<CallEntry> calls;
  const auto found = find_batched_call(id, blob, calls);
  if (!found) {
    return found.error();
  }
  if (!*found) {
    return std::optional<LoadedTask>{};
  }
  const CallEntry& c = calls[(*found)->index];
  return call_task(key, id, c.tenant, c.record, c.decision);
}

Result<std::optional<LoadedTask>> Store::load_task(const TaskKey& key) {
  // A one-step task is a stored call, unless the cascade escalated it (then it has two steps and
  // lives in `tasks` and `steps` like any other).
  if (const auto id = one_step_call_id(key.task)) {
    auto call = load_call(key, *id);
    if (!call || *call) {
      return call;
    }
  }
  LoadedTask loaded;
  {
    Use s(select_task_);
    s->bind_all(key.tenant, key.task);
    switch (s->step()) {
      case sqlite::Statement::Step::done:
        return std::optional<LoadedTask>{};
      case sqlite::Statement::Step::error:
        fail("load_task");
        return errc::internal;
      case sqlite::Statement::Step::row:
        break;
    }
    TaskRecord& r = loaded.record;
    config::TaskBudget& b = r.budget;
    r.session = s->text(0);
    r.policy = s->text(1);
    r.created_unix_ms = s->int64(2);
    r.one_step = s->int64(3) != 0;
    b.total_dollars = optional_micros(s.get(), 4);
    b.max_input_tokens = s->optional_int64(5);
    b.max_output_tokens = s->optional_int64(6);
    b.reserve_for_final_synthesis = MicroUsd{s->int64(7)};
    b.reserve_for_human_handoff = MicroUsd{s->int64(8)};
    if (const auto hard_stop = s->optional_int64(9)) {
      b.hard_stop_after_retries = static_cast<std::uint32_t>(*hard_stop);
    }
    b.min_useful_output_tokens = s->int64(10);
    r.retries = static_cast<std::uint32_t>(s->int64(11));
    r.last_hash = std::bit_cast<std::uint64_t>(s->int64(12));
    r.spent = MicroUsd{s->int64(13)};
    r.synthesis_spent = MicroUsd{s->int64(14)};
    r.handoff_spent = MicroUsd{s->int64(15)};
    if (!s->is_null(16)) {
      // A one-step task (since version 3): its one step is in its row, not in `steps`.
      loaded.steps.push_back(StepRecord{static_cast<std::uint64_t>(s->int64(16)), key,
                                        step_view_at(s.get(), 17, r.created_unix_ms)});
      return std::optional<LoadedTask>{std::move(loaded)};
    }
  }
  Use s(select_steps_);
  s->bind_all(key.tenant, key.task);
  for (;;) {
    const auto step = s->step();
    if (step == sqlite::Statement::Step::done) {
      break;
    }
    if (step == sqlite::Statement::Step::error) {
      fail("load_steps");
      return errc::internal;
    }
    loaded.steps.push_back(StepRecord{static_cast<std::uint64_t>(s->int64(0)), key,
                                      step_view_at(s.get(), 2, s->int64(1))});
  }
  return std::optional<LoadedTask>{std::move(loaded)};
}

Result<MicroUsd> Store::load_spend(const SpendKey& key) {
  Use s(select_spend_);
  s->bind_all(to_string(key.scope), key.tenant, key.name);
  switch (s->step()) {
    case sqlite::Statement::Step::row:
      return MicroUsd{s->int64(0)};
    case sqlite::Statement::Step::done:
      return MicroUsd{0};
    case sqlite::Statement::Step::error:
      break;
  }
  fail("load_spend");
  return errc::internal;
}

Result<bool> Store::settled(const ReservationRecord& r) {
  Use s(select_settled_);
  s->bind_all(static_cast<std::int64_t>(r.id), r.task.tenant, r.task.task);
  if (s->step() != sqlite::Statement::Step::row) {
    fail("settled");
    return errc::internal;
  }
  if (s->int64(0) != 0) {
    return true;
  }
  std::string blob;
  std::vector<CallEntry> calls;
  const auto found = find_batched_call(r.id, blob, calls);
  if (!found) {
    return errc::internal;  // logged
  }
  return found->has_value();
}

Result<std::vector<ReservationRecord>> Store::load_reservations() {
  auto out = load_version_three_reservations();
  if (!out) {
    return out;
  }
  // What is held is read again from the rows: the maps of a rolled-back batch are wrong.
  hold_row_.clear();
  live_in_row_.clear();
  Use s(select_holds_);
  for (;;) {
    const auto step = s->step();
    if (step == sqlite::Statement::Step::done) {
      break;
    }
    if (step == sqlite::Statement::Step::error) {
      fail("load_holds");
      return errc::internal;
    }
    const auto row = static_cast<std::uint64_t>(s->int64(0));
    auto records = decode_holds(s->blob(1));
    if (!records) {
      spdlog::error("ledger corrupt_holds_row id={}: its reservations cannot be read", row);
      return errc::internal;
    }
    for (ReservationRecord& r : *records) {
      largest_held_id_ = std::max(largest_held_id_, r.id);
      const auto done = settled(r);
      if (!done) {
        return done.error();
      }
      if (!*done) {
        hold_row_[r.id] = row;
        ++live_in_row_[row];
        out->push_back(std::move(r));
      }
    }
  }
  std::sort(out->begin(), out->end(),
            [](const ReservationRecord& a, const ReservationRecord& b) { return a.id < b.id; });
  return out;
}

Result<std::vector<ReservationRecord>> Store::load_version_three_reservations() {
  std::vector<ReservationRecord> out;
  Use s(select_reservations_);
  for (;;) {
    const auto step = s->step();
    if (step == sqlite::Statement::Step::done) {
      return out;
    }
    if (step == sqlite::Statement::Step::error) {
      fail("load_reservations");
      return errc::internal;
    }
    ReservationRecord r;
    r.id = static_cast<std::uint64_t>(s->int64(0));
    r.task = TaskKey{s->text(1), s->text(2)};
    if (std::string session = s->text(3); !session.empty()) {
      r.scopes.push_back(SpendKey{Scope::session, r.task.tenant, std::move(session)});
    }
    r.scopes.push_back(SpendKey{Scope::tenant_day, r.task.tenant, s->text(4)});
    r.scopes.push_back(SpendKey{Scope::tenant_month, r.task.tenant, s->text(5)});
    r.step = parse_step_type(s->text(6)).value_or(StepType::act);
    r.amount = MicroUsd{s->int64(7)};
    r.time_unix_ms = s->int64(8);
    r.session_limit = optional_micros(s.get(), 9);
    r.day_limit = optional_micros(s.get(), 10);
    r.month_limit = optional_micros(s.get(), 11);
    out.push_back(std::move(r));
  }
}

Result<std::uint64_t> Store::next_reservation_id() {
  // Steps outlive reservations, but a one-step call's step is in its task row (an id no index
  // finds): the ledger keeps the next id in meta as well, and the largest is the answer.
  sqlite::Statement s = db_.prepare(
      "SELECT MAX((SELECT COALESCE(MAX(id), 0) FROM steps), "
      "(SELECT COALESCE(MAX(id), 0) FROM reservations), "
      "(SELECT COALESCE(MAX(id), 0) FROM calls), "
      // A row spans fewer than kCallBatchSpan ids: the largest is in one of the last rows.
      "(SELECT COALESCE(MAX(last_id), 0) FROM call_batches WHERE first_id >= "
      "(SELECT COALESCE(MAX(first_id), 0) FROM call_batches) - 4095), "
      "(SELECT COALESCE(MAX(value), 1) - 1 FROM meta WHERE key = 'next_reservation_id'))");
  if (!s.valid() || s.step() != sqlite::Statement::Step::row) {
    fail("next_reservation_id");
    return errc::internal;
  }
  return static_cast<std::uint64_t>(s.int64(0)) + 1;
}

bool Store::move_call_to_task_rows(const ReservationRecord& r) {
  const std::optional<std::uint64_t> first = one_step_call_id(r.task.task);
  if (!first || *first == r.id) {
    return true;
  }
  auto call = load_call(r.task, *first);
  if (!call) {
    return false;
  }
  if (!*call) {
    return true;  // its first step is already in tasks and steps (or not stored at all)
  }
  LoadedTask& task = **call;
  if (!write_task(TaskRow{r.task, task.record}) || !write_step(task.steps.front())) {
    return false;
  }
  return delete_call(*first);
}

Result<std::size_t> Store::reconcile() {
  auto left = load_reservations();
  if (!left) {
    return left.error();
  }
  if (left->empty() && largest_held_id_ == 0) {
    return std::size_t{0};  // no holds rows either
  }
  sqlite::Statement charge_task = db_.prepare(
      "UPDATE tasks SET spent = spent + ?3, synthesis_spent = synthesis_spent + ?4, "
      "handoff_spent = handoff_spent + ?5 WHERE tenant = ?1 AND task = ?2");
  sqlite::Statement close_step =
      db_.prepare("UPDATE steps SET outcome = ?2, cost = ?3 WHERE id = ?1");
  if (!charge_task.valid() || !close_step.valid()) {
    fail("reconcile_prepare");
    return errc::internal;
  }
  if (!begin()) {
    return errc::internal;
  }
  for (const ReservationRecord& r : *left) {
    // The cascade's escalation of a one-step call whose first step this loop has just stored
    // (both were in flight): a task of two steps lives in tasks and steps.
    if (!move_call_to_task_rows(r)) {
      fail("reconcile_escalation");
      rollback();
      return errc::internal;
    }
    // We cannot know what the call really cost: its worst case is the safe figure.
    const MicroUsd zero{0};
    charge_task.bind_all(r.task.tenant, r.task.task, r.amount,
                         r.step == StepType::summarize ? r.amount : zero,
                         r.step == StepType::handoff ? r.amount : zero);
    bool ok = charge_task.run();
    charge_task.reset();
    // A one-step call writes its task and step rows only when it settles: one cut short by the
    // crash has neither, and gets them here, charged its worst case like any other.
    const bool rowless = ok && db_.changes() == 0;
    if (rowless) {
      TaskRow row = reconciled_task_row(r);
      row.only_step = reconciled_step_row(r);
      ok = write_task(row);
    }
    for (const SpendKey& k : r.scopes) {
      Use add(add_spend_);
      add->bind_all(to_string(k.scope), k.tenant, k.name, r.amount);
      ok = ok && add->run();
    }
    if (!rowless) {
      close_step.bind_all(static_cast<std::int64_t>(r.id), kReconciled, r.amount);
      ok = ok && close_step.run();
      close_step.reset();
      // A one-step task's later step (the cascade's escalation) has no row until it settles.
      ok = ok && (db_.changes() > 0 || write_step(reconciled_step_row(r)));
    }
    if (!ok) {
      fail("reconcile");
      rollback();
      return errc::internal;
    }
  }
  // Every held id has its record now, but one that never had any keeps its place in meta, so ids
  // never repeat.
  if (!db_.exec("DELETE FROM holds; DELETE FROM reservations") ||
      !write_last_id(largest_held_id_)) {
    fail("reconcile_clear");
    rollback();
    return errc::internal;
  }
  hold_row_.clear();
  live_in_row_.clear();
  if (!commit()) {
    rollback();
    return errc::internal;
  }
  return left->size();
}

}  // namespace governor::ledger
