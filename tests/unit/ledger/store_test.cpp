// The store's batch writes: a WriteSet keeps each row once at its final value, and what the
// database ends up with is the same as writing every operation's rows one by one.
#include "store.hpp"

#include <gtest/gtest.h>

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
  reserved.effects.reservation_added.reset();
  WriteSet writes;
  writes.add(std::move(reserved.effects));
  ASSERT_TRUE(commit(*store, writes));
  const auto loaded = store->load_task(kTask);
  ASSERT_TRUE(loaded && *loaded);
  EXPECT_EQ((*loaded)->record.policy, "default");
  ASSERT_EQ((*loaded)->steps.size(), 1u);
  EXPECT_EQ((*loaded)->steps[0].view.outcome, "in_flight");
}

}  // namespace
}  // namespace governor::ledger::testing
