#include "shared_snapshot.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace governor::server {
namespace {

struct Version {
  int number;
  int doubled;  ///< always 2 × number: a torn or freed value breaks it
};
using VersionPtr = std::shared_ptr<const Version>;

TEST(SharedSnapshot, StartsEmptyAndReturnsWhatWasStored) {
  SharedSnapshot<VersionPtr> snapshot;
  EXPECT_EQ(snapshot.load(), nullptr);
  snapshot.store(std::make_shared<const Version>(Version{1, 2}));
  ASSERT_NE(snapshot.load(), nullptr);
  EXPECT_EQ(snapshot.load()->number, 1);
}

TEST(SharedSnapshot, AHeldSnapshotOutlivesItsReplacement) {
  SharedSnapshot<VersionPtr> snapshot;
  snapshot.store(std::make_shared<const Version>(Version{1, 2}));
  const VersionPtr held = snapshot.load();
  snapshot.store(std::make_shared<const Version>(Version{2, 4}));
  EXPECT_EQ(held->number, 1);
  EXPECT_EQ(snapshot.load()->number, 2);
  EXPECT_EQ(held.use_count(), 1);  // the snapshot no longer holds the old value
}

TEST(SharedSnapshot, ReadersSeeWholeValuesInOrderWhileAWriterReplacesThem) {
  SharedSnapshot<VersionPtr> snapshot;
  snapshot.store(std::make_shared<const Version>(Version{0, 0}));
  constexpr int kVersions = 2000;
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&] {
      int last = 0;
      while (!done.load()) {
        const VersionPtr v = snapshot.load();
        if (v->doubled != 2 * v->number || v->number < last) {
          ++bad;
        }
        last = v->number;
      }
    });
  }
  for (int n = 1; n <= kVersions; ++n) {
    snapshot.store(std::make_shared<const Version>(Version{n, 2 * n}));
  }
  done = true;
  for (auto& t : readers) {
    t.join();
  }
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(snapshot.load()->number, kVersions);
}

}  // namespace
}  // namespace governor::server
