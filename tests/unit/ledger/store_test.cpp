// The store's batch writes: a WriteSet keeps each row once at its final value, and what the
// database ends up with is the same as writing every operation's rows one by one.
#include "store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "book.hpp"
#include "ledger_test_support.hpp"

namespace governor::ledger::testing {
namespace {

using namespace std::chrono;

const SpendKey kDay{Scope::tenant_day, "acme", "2024-03-15"};
const SpendKey kMonth{Scope::tenant_month, "acme", "2024-03"};
const TaskKey kTask{"acme", "t1"};

StorePtr open_store(const std::string& path) {
  auto store = Store::open(path, false);
  EXPECT_TRUE(store) << (store ? "" : store.error());
  return store ? std::move(*store) : nullptr;
}

/** Writes `writes` in one transaction. */
bool commit(Store& store, const WriteSet& writes) {
  return store.begin() && store.write(writes) && store.commit();
}

std::uint64_t grant(Book& book, WriteSet& writes) {
  auto applied = book.reserve(call(), kNoon);
  writes.add(std::move(applied.effects));
  return grant_of(applied.outcome).reservation;
}

void settle(Book& book, WriteSet& writes, std::uint64_t id, std::int64_t cost) {
  Settlement s = settlement(id, cost);
  s.model = "m";
  s.outcome = "ok";
  writes.add(book.settle(s).effects);
}

TEST(WriteSet, KeepsEachRowOnceAtItsLastValue) {
  TempDir dir;
  StorePtr store = open_store(dir.file("ledger.db"));
  ASSERT_TRUE(store);
  Book book;
  WriteSet writes;
  EXPECT_TRUE(writes.empty());
  const std::uint64_t a = grant(book, writes);
  const std::uint64_t b = grant(book, writes);
  settle(book, writes, a, 100);
  EXPECT_TRUE(writes.has_task(kTask));
  EXPECT_TRUE(writes.has_spend(kDay));
  EXPECT_FALSE(writes.has_task(TaskKey{"acme", "t2"}));
  EXPECT_FALSE(writes.has_spend(SpendKey{Scope::session, "acme", "s1"}));
  ASSERT_TRUE(commit(*store, writes));

  const auto loaded = store->load_task(kTask);
  ASSERT_TRUE(loaded && *loaded);
  EXPECT_EQ((*loaded)->record.spent, usd(100));
  ASSERT_EQ((*loaded)->steps.size(), 2u);
  EXPECT_EQ((*loaded)->steps[0].view.outcome, "ok");
  EXPECT_EQ((*loaded)->steps[0].view.model, "m");
  EXPECT_EQ((*loaded)->steps[0].view.cost, usd(100));
  EXPECT_EQ((*loaded)->steps[1].view.outcome, "in_flight");
  EXPECT_EQ(*store->load_spend(kDay), usd(100));
  EXPECT_EQ(*store->load_spend(kMonth), usd(100));
  // Reserved and settled in the same set: never stored, never deleted. Only b is still held.
  const auto live = store->load_reservations();
  ASSERT_TRUE(live);
  ASSERT_EQ(live->size(), 1u);
  EXPECT_EQ(live->front().id, b);

  writes.clear();
  EXPECT_TRUE(writes.empty());
  EXPECT_FALSE(writes.has_task(kTask));
}

TEST(WriteSet, ALaterBatchUpdatesTheRowsAnEarlierOneInserted) {
  TempDir dir;
  StorePtr store = open_store(dir.file("ledger.db"));
  ASSERT_TRUE(store);
  Book book;
  WriteSet writes;
  const std::uint64_t a = grant(book, writes);
  ASSERT_TRUE(commit(*store, writes));
  writes.clear();
  settle(book, writes, a, 250);
  ASSERT_TRUE(commit(*store, writes));

  const auto loaded = store->load_task(kTask);
  ASSERT_TRUE(loaded && *loaded);
  EXPECT_EQ((*loaded)->record.spent, usd(250));
  ASSERT_EQ((*loaded)->steps.size(), 1u);
  EXPECT_EQ((*loaded)->steps[0].view.outcome, "ok");
  EXPECT_EQ((*loaded)->steps[0].view.cost, usd(250));
  EXPECT_EQ((*loaded)->steps[0].view.reserved, usd(300));
  EXPECT_EQ(*store->load_spend(kDay), usd(250));
  EXPECT_TRUE(store->load_reservations()->empty());
}

TEST(WriteSet, AnUpdateOfAMissingRowStoresTheWholeRow) {
  TempDir dir;
  StorePtr store = open_store(dir.file("ledger.db"));
  ASSERT_TRUE(store);
  Book book;
  auto reserved = book.reserve(call(), kNoon);
  // As if the database had lost the rows the book thinks it has: the update falls back to
  // storing them in full rather than dropping them.
  reserved.effects.task_added = false;
  reserved.effects.step_added = false;
  reserved.effects.reservation_added = nullptr;
  WriteSet writes;
  writes.add(std::move(reserved.effects));
  ASSERT_TRUE(commit(*store, writes));
  const auto loaded = store->load_task(kTask);
  ASSERT_TRUE(loaded && *loaded);
  EXPECT_EQ((*loaded)->record.policy, "default");
  ASSERT_EQ((*loaded)->steps.size(), 1u);
  EXPECT_EQ((*loaded)->steps[0].view.outcome, "in_flight");
}

/** The number `sql` selects from the database at `path`, read through a connection of its own
 *  (-1 when it cannot). */
std::int64_t number_in(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::int64_t number = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
      number = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return number;
}

/** Rows in `table` of the database at `path`. */
std::int64_t rows_in(const std::string& path, const std::string& table) {
  return number_in(path, "SELECT COUNT(*) FROM " + table);
}

/** One-step calls stored in `call_batches` rows. */
std::int64_t calls_in(const std::string& path) {
  return number_in(path, "SELECT COALESCE(SUM(count), 0) FROM call_batches");
}

TEST(WriteSet, AGrantSettledInTheSameSetIsDroppedWhateverOrderTheGrantsCameIn) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  StorePtr store = open_store(path);
  ASSERT_TRUE(store);
  Book book;
  std::vector<Book::Applied<ReserveOutcome>> grants;
  for (int i = 0; i < 6; ++i) {
    grants.push_back(book.reserve(one_step_call(), kNoon));
  }
  std::vector<std::uint64_t> ids;
  for (const auto& g : grants) {
    ids.push_back(grant_of(g.outcome).reservation);
  }
  // Added last first (the ledger adds them in order; a WriteSet must not depend on it).
  WriteSet writes;
  for (auto g = grants.rbegin(); g != grants.rend(); ++g) {
    writes.add(std::move(g->effects));
  }
  for (const std::size_t i : {0, 2, 5}) {
    settle(book, writes, ids[i], 100);
  }
  ASSERT_TRUE(commit(*store, writes));
  const auto live = store->load_reservations();
  ASSERT_TRUE(live);
  ASSERT_EQ(live->size(), 3u);
  EXPECT_EQ((*live)[0].id, ids[1]);
  EXPECT_EQ((*live)[1].id, ids[3]);
  EXPECT_EQ((*live)[2].id, ids[4]);
  EXPECT_EQ(rows_in(path, "holds"), 1);

  // Once the rest settle, the batch's holds row goes: it held those three only.
  writes.clear();
  for (const std::size_t i : {1, 3, 4}) {
    settle(book, writes, ids[i], 100);
  }
  ASSERT_TRUE(commit(*store, writes));
  EXPECT_TRUE(store->load_reservations()->empty());
  EXPECT_EQ(rows_in(path, "holds"), 0);
  EXPECT_EQ(calls_in(path), 6);
  EXPECT_EQ(rows_in(path, "call_batches"), 2) << "one row for each transaction's calls";
  for (const std::uint64_t id : ids) {
    const auto loaded = store->load_task(TaskKey{"acme", one_step_task_name(id)});
    ASSERT_TRUE(loaded && *loaded) << id;
    ASSERT_EQ((*loaded)->steps.size(), 1u);
    EXPECT_EQ((*loaded)->steps[0].id, id);
    EXPECT_EQ((*loaded)->steps[0].view.cost, usd(100));
  }
}

/** The row of a one-step task of one settled step (what a settlement of a one-step call that the
 *  cascade did not escalate hands the store). */
TaskRow settled_call(std::uint64_t id, std::int64_t cost) {
  TaskRow row{TaskKey{"acme", one_step_task_name(id)}, TaskRecord{}};
  row.record.one_step = true;
  row.record.created_unix_ms = 1'000;
  row.record.spent = usd(cost);
  StepRecord& step = row.only_step.emplace();
  step.id = id;
  step.task = row.key;
  step.view.time_unix_ms = 1'000;
  step.view.cost = usd(cost);
  step.view.outcome = "ok";
  return row;
}

TEST(Store, CallsWhoseIdsLieFarApartGoInRowsOfTheirOwnAndAreAllFound) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  {
    StorePtr store = open_store(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->begin());
    // Settled out of id order, one long call among them (4,096 ids is a row's span).
    const auto write = [&](std::uint64_t id, std::int64_t cost) {
      Effects fx;
      fx.task = settled_call(id, cost);
      return store->write(fx);
    };
    ASSERT_TRUE(write(5'000, 1) && write(10, 2) && write(4'105, 3) && write(12, 4));
    // A read in the transaction sees its calls (they are written for it).
    const auto mid = store->load_task(TaskKey{"acme", one_step_task_name(12)});
    ASSERT_TRUE(mid && *mid);
    EXPECT_EQ((*mid)->record.spent, usd(4));
    ASSERT_TRUE(write(4'106, 5));
    ASSERT_TRUE(store->commit());
  }
  EXPECT_EQ(calls_in(path), 5);
  EXPECT_EQ(rows_in(path, "call_batches"), 3) << "10 to 4105 and 5000 at the read, 4106 after";
  EXPECT_EQ(number_in(path, "SELECT MAX(last_id - first_id) FROM call_batches"), 4'095);
  StorePtr store = open_store(path);
  ASSERT_TRUE(store);
  for (const auto& [id, cost] : std::vector<std::pair<std::uint64_t, std::int64_t>>{
           {10, 2}, {12, 4}, {4'105, 3}, {4'106, 5}, {5'000, 1}}) {
    const auto loaded = store->load_task(TaskKey{"acme", one_step_task_name(id)});
    ASSERT_TRUE(loaded && *loaded) << id;
    EXPECT_EQ((*loaded)->record.spent, usd(cost)) << id;
    EXPECT_EQ((*loaded)->steps.at(0).id, id);
  }
  for (const std::uint64_t absent : {11, 4'104, 4'999, 5'001}) {
    const auto loaded = store->load_task(TaskKey{"acme", one_step_task_name(absent)});
    ASSERT_TRUE(loaded);
    EXPECT_FALSE(*loaded) << absent;
  }
  EXPECT_FALSE(*store->load_task(TaskKey{"globex", one_step_task_name(10)}))
      << "another tenant's call";
  EXPECT_EQ(*store->next_reservation_id(), 5'001u);
}

TEST(Store, ARolledBackTransactionLeavesNoneOfItsCalls) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  StorePtr store = open_store(path);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->begin());
  Effects fx;
  fx.task = settled_call(7, 1);
  ASSERT_TRUE(store->write(fx));
  store->rollback();
  ASSERT_TRUE(store->begin());
  ASSERT_TRUE(store->commit());
  EXPECT_EQ(calls_in(path), 0);
  EXPECT_FALSE(*store->load_task(TaskKey{"acme", one_step_task_name(7)}));
}

TEST(WriteSet, EachWindowKeepsItsLastSpendAcrossTenantsAndBatches) {
  TempDir dir;
  StorePtr store = open_store(dir.file("ledger.db"));
  ASSERT_TRUE(store);
  Book book;
  WriteSet writes;
  ReserveRequest acme = one_step_call();
  ReserveRequest globex = one_step_call();
  globex.tenant = "globex";
  ReserveRequest session = one_step_call();
  session.session = "s1";
  const SpendKey globex_day{Scope::tenant_day, "globex", "2024-03-15"};
  const SpendKey session_key{Scope::session, "acme", "s1"};
  std::int64_t acme_spent = 0;
  std::int64_t globex_spent = 0;
  std::int64_t session_spent = 0;
  // Settlements of several windows interleaved, in two batches (the second after clear(), in
  // another order, so a row remembered from the first batch is not this batch's).
  for (int batch = 0; batch < 2; ++batch) {
    std::vector<std::pair<std::uint64_t, std::int64_t*>> calls;
    const std::vector<ReserveRequest*> order = batch == 0
                                                   ? std::vector{&acme, &globex, &session, &acme}
                                                   : std::vector{&globex, &session, &acme, &globex};
    for (ReserveRequest* r : order) {
      auto applied = book.reserve(*r, kNoon);
      writes.add(std::move(applied.effects));
      calls.emplace_back(grant_of(applied.outcome).reservation, r == &globex    ? &globex_spent
                                                                : r == &session ? &session_spent
                                                                                : &acme_spent);
    }
    std::int64_t cost = 10;
    for (const auto& [id, spent] : calls) {
      settle(book, writes, id, cost);
      *spent += cost;
      cost += 10;
    }
    ASSERT_TRUE(commit(*store, writes));
    writes.clear();
    EXPECT_EQ(*store->load_spend(kDay), usd(acme_spent + session_spent)) << "batch " << batch;
    EXPECT_EQ(*store->load_spend(kMonth), usd(acme_spent + session_spent));
    EXPECT_EQ(*store->load_spend(globex_day), usd(globex_spent));
    EXPECT_EQ(*store->load_spend(session_key), usd(session_spent));
  }
}

}  // namespace
}  // namespace governor::ledger::testing
