// The label cache: each label set is one child of its family, found again from any thread and
// whatever this thread asked other caches for in between.
#include "label_cache.hpp"

#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>
#include <thread>

namespace governor::telemetry::detail {
namespace {

using prometheus::Counter;

TEST(LabelCache, TheSameValuesAreTheSameChildAndOthersAnother) {
  prometheus::Registry registry;
  auto& family = prometheus::BuildCounter().Name("calls_total").Register(registry);
  LabelCache<Counter> cache(family, {"tier", "model"});
  Counter& a = cache.get({"cheap", "m1"});
  EXPECT_EQ(&cache.get({"cheap", "m1"}), &a);
  EXPECT_NE(&cache.get({"cheap", "m2"}), &a);
  EXPECT_NE(&cache.get({"cheapm1", ""}), &a) << "values are compared one by one, not joined";
  EXPECT_NE(&cache.get({"cheap", "m1x"}), &a);
  EXPECT_NE(&cache.get({"", "m1"}), &a);
  EXPECT_EQ(&cache.get({"", "m1"}), &cache.get({"none", "m1"})) << "empty is rendered as none";
  // More label sets than a thread remembers, then the first again: still the same child.
  for (int i = 0; i < 20; ++i) {
    cache.get({"tier" + std::to_string(i), "m"});
  }
  EXPECT_EQ(&cache.get({"cheap", "m1"}), &a);
  EXPECT_EQ(family.Collect().at(0).metric.size(), 25u);
}

TEST(LabelCache, TwoCachesOfTheSameValuesKeepTheirOwnChildren) {
  prometheus::Registry registry;
  auto& first_family = prometheus::BuildCounter().Name("first_total").Register(registry);
  auto& second_family = prometheus::BuildCounter().Name("second_total").Register(registry);
  LabelCache<Counter> first(first_family, {"model"});
  LabelCache<Counter> second(second_family, {"model"});
  first.get({"m"}).Increment();
  second.get({"m"}).Increment(2);
  first.get({"m"}).Increment();
  EXPECT_EQ(first_family.Collect().at(0).metric.at(0).counter.value, 2.0);
  EXPECT_EQ(second_family.Collect().at(0).metric.at(0).counter.value, 2.0);
}

TEST(LabelCache, ACacheMadeWhereAnotherWasNeverGetsItsChildren) {
  prometheus::Registry registry;
  auto& old_family = prometheus::BuildCounter().Name("old_total").Register(registry);
  auto& new_family = prometheus::BuildCounter().Name("new_total").Register(registry);
  auto old_cache = std::make_unique<LabelCache<Counter>>(old_family, std::vector<std::string>{"m"});
  old_cache->get({"x"}).Increment();
  old_cache.reset();
  // Likely at the same address as the old one: this thread still remembers the old one's child.
  auto new_cache = std::make_unique<LabelCache<Counter>>(new_family, std::vector<std::string>{"m"});
  new_cache->get({"x"}).Increment(5);
  EXPECT_EQ(new_family.Collect().at(0).metric.at(0).counter.value, 5.0);
  EXPECT_EQ(old_family.Collect().at(0).metric.at(0).counter.value, 1.0);
}

TEST(LabelCache, OtherThreadsFindTheSameChild) {
  prometheus::Registry registry;
  auto& family = prometheus::BuildCounter().Name("calls_total").Register(registry);
  LabelCache<Counter> cache(family, {"model"});
  Counter* here = &cache.get({"m"});
  Counter* there = nullptr;
  std::thread([&] { there = &cache.get({"m"}); }).join();
  EXPECT_EQ(here, there);
}

}  // namespace
}  // namespace governor::telemetry::detail
