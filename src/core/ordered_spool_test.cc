#include "core/ordered_spool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

namespace l4s {
namespace {

TEST(OrderedSpool, WritesInSlotOrderWhateverTheOrderOfWork) {
  std::string out;
  OrderedSpool spool(3, [&](std::string_view b) { out += b; });
  spool.append(2, "c1");
  spool.append(1, "b1");
  spool.append(0, "a1");
  EXPECT_EQ(out, "a1") << "the head writes through";
  spool.append(2, "c2");
  spool.close(2);
  spool.append(1, "b2");
  EXPECT_EQ(out, "a1");
  spool.close(0);
  EXPECT_EQ(out, "a1b1b2") << "slot 1 became the head and wrote what it had gathered";
  spool.append(1, "b3");
  EXPECT_EQ(out, "a1b1b2b3");
  spool.close(1);
  EXPECT_EQ(out, "a1b1b2b3c1c2");
  EXPECT_EQ(spool.buffered_bytes(), 0u);
}

TEST(OrderedSpool, PastTheBudgetWaitingBytesGoToDisk) {
  std::string out;
  OrderedSpool spool(2, [&](std::string_view b) { out += b; }, /*memory_budget=*/100);
  std::string expected_tail;
  for (int i = 0; i < 50; ++i) {
    std::string piece = "line " + std::to_string(i) + "\n";
    spool.append(1, piece);
    expected_tail += piece;
    EXPECT_LE(spool.buffered_bytes(), 100u);
  }
  EXPECT_GT(spool.spilled_bytes(), 0u);
  spool.append(0, "head\n");
  spool.close(1);
  EXPECT_EQ(out, "head\n");
  spool.close(0);
  EXPECT_EQ(out, "head\n" + expected_tail);
  EXPECT_EQ(spool.error(), "");
  EXPECT_EQ(spool.buffered_bytes(), 0u);
}

size_t open_descriptors() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// The spill file is closed with the spool (a rename once made the
// destructor call the member close(slot) with the descriptor instead).
TEST(OrderedSpool, DestroyingTheSpoolClosesItsSpillFile) {
  const size_t before = open_descriptors();
  {
    std::string out;
    OrderedSpool spool(2, [&](std::string_view b) { out += b; }, /*memory_budget=*/10);
    spool.append(1, std::string(100, 'x'));
    ASSERT_GT(spool.spilled_bytes(), 0u);
    EXPECT_EQ(open_descriptors(), before + 1) << "one spill file while it runs";
  }
  EXPECT_EQ(open_descriptors(), before);
}

// Thousands of small logs waiting on the first one must not each hold a
// temporary file open: the hunt itself needs descriptors to open its logs.
TEST(OrderedSpool, WaitingSlotsShareOneSpillFile) {
  constexpr size_t kSlots = 3000;
  std::string out;
  OrderedSpool spool(kSlots, [&](std::string_view b) { out += b; }, /*memory_budget=*/16);
  size_t before = open_descriptors();
  std::string expected;
  for (size_t i = 1; i < kSlots; ++i) {
    spool.append(i, "slot " + std::to_string(i) + ";");
    spool.close(i);
  }
  EXPECT_LE(open_descriptors(), before + 1);
  EXPECT_GT(spool.spilled_bytes(), 0u);
  spool.append(0, "slot 0;");
  spool.close(0);
  for (size_t i = 0; i < kSlots; ++i) expected += "slot " + std::to_string(i) + ";";
  EXPECT_EQ(out, expected);
  EXPECT_EQ(spool.error(), "");
  EXPECT_FALSE(spool.lost_bytes());
}

// No usable temporary folder: the waiting bytes stay in memory, in order,
// and the reason is given.
TEST(OrderedSpool, WithoutATemporaryFileBytesStayInMemory) {
  const char* saved = std::getenv("TMPDIR");
  std::string restore = saved ? saved : "";
  setenv("TMPDIR", "/nonexistent/log4shield-test", 1);
  std::string out;
  {
    OrderedSpool spool(2, [&](std::string_view b) { out += b; }, /*memory_budget=*/4);
    spool.append(1, "later bytes");
    spool.append(1, ", more");
    EXPECT_NE(spool.error().find("/nonexistent/log4shield-test"), std::string::npos) << spool.error();
    EXPECT_EQ(spool.buffered_bytes(), 17u);
    spool.close(1);
    spool.append(0, "first, ");
    spool.close(0);
    EXPECT_FALSE(spool.lost_bytes());
  }
  if (saved) setenv("TMPDIR", restore.c_str(), 1);
  else unsetenv("TMPDIR");
  EXPECT_EQ(out, "first, later bytes, more");
}

TEST(OrderedSpool, ManyThreadsSmallBudgetSameBytes) {
  constexpr size_t kSlots = 300;
  std::vector<std::string> expected(kSlots);
  std::mt19937 rng(7);
  for (size_t i = 0; i < kSlots; ++i) {
    size_t pieces = rng() % 20;
    for (size_t p = 0; p < pieces; ++p) expected[i] += "[" + std::to_string(i) + ":" + std::to_string(p) + "]";
  }
  std::string out;
  OrderedSpool spool(kSlots, [&](std::string_view b) { out += b; }, /*memory_budget=*/256);
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < kSlots;) {
      // Pieces as a worker hands them over: a few at a time.
      for (size_t at = 0; at < expected[i].size(); at += 9) spool.append(i, std::string_view(expected[i]).substr(at, 9));
      spool.close(i);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < 4; ++t) pool.emplace_back(worker);
  for (std::thread& t : pool) t.join();
  std::string all;
  for (const std::string& e : expected) all += e;
  EXPECT_EQ(out, all);
  EXPECT_EQ(spool.buffered_bytes(), 0u);
}

}  // namespace
}  // namespace l4s
