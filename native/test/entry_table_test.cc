// EntryTable on its own: writes, phases, recency, bounds, tags, the removal log and counters,
// without fetches. How the Store drives it is in store_test.cc and the other store_*_test files.
#include "entry_table.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store_test_util.h"

namespace herdcache {
namespace {

using testing_util::kTestSeed;
using testing_util::Removals;
using testing_util::Removed;
using testing_util::TtlSpec;

constexpr double kTtl = 60'000;

// A table whose calls take only the key (hashed with the test seed) and a manual time.
class Table {
 public:
  explicit Table(uint32_t max_entries, uint64_t max_bytes = UINT64_MAX)
      : table_(max_entries, max_bytes, kTestSeed) {}

  uint32_t Write(std::u16string_view key, const EntrySpec& spec) {
    Now now(now_);
    const uint32_t slot = table_.Write(std::u16string(key), Hash(key), spec, now);
    EXPECT_TRUE(table_.CheckInvariants()) << "after Write";
    return slot;
  }
  uint32_t Write(std::u16string_view key, double ttl_ms) { return Write(key, TtlSpec(ttl_ms)); }
  uint32_t Find(std::u16string_view key) const { return table_.Find(key, Hash(key)); }
  uint32_t FindRetained(std::u16string_view key) {
    Now now(now_);
    return table_.FindRetained(key, Hash(key), now);
  }
  Removals TakeRemovals() {
    Removals taken;
    table_.TakeRemovals(taken);
    return taken;
  }
  void Advance(double ms) { now_ += ms; }
  Now now() const { return Now(now_); }
  EntryTable* operator->() { return &table_; }

 private:
  static uint64_t Hash(std::u16string_view key) { return HashKey(kTestSeed, key); }

  EntryTable table_;
  double now_ = 1'000'000;
};

TEST(EntryTable, WriteStoresAnEntryFoundByItsKey) {
  Table table(4);
  const uint32_t slot = table.Write(u"a", kTtl);
  EXPECT_NE(slot, kNoSlot);
  EXPECT_EQ(table.Find(u"a"), slot);
  EXPECT_EQ(table.Find(u"b"), kNoSlot);
  EXPECT_EQ(table->size(), 1u);
  EXPECT_EQ(table->pending_removals(), 0u);
}

TEST(EntryTable, WriteOfAnExistingKeyReplacesItsEntry) {
  Table table(4);
  const uint32_t old = table.Write(u"a", kTtl);
  const uint32_t slot = table.Write(u"a", kTtl);
  EXPECT_EQ(table.Find(u"a"), slot);
  EXPECT_EQ(table->size(), 1u);
  EXPECT_EQ(table.TakeRemovals(), Removals{Removed(old, RemovalCause::kReplaced)});
}

TEST(EntryTable, WriteThatStoresNothingStillRemovesTheOldEntry) {
  Table table(4, /*max_bytes=*/10);
  const uint32_t a = table.Write(u"a", kTtl);
  EXPECT_EQ(table.Write(u"a", 0), kNoSlot) << "ttl 0 stores nothing";
  EXPECT_EQ(table.Find(u"a"), kNoSlot);
  const uint32_t b = table.Write(u"b", kTtl);
  EntrySpec huge = TtlSpec(kTtl);
  huge.bytes = 11;
  EXPECT_EQ(table.Write(u"b", huge), kNoSlot) << "more bytes than max_bytes";
  EXPECT_EQ(table.TakeRemovals(),
            (Removals{Removed(a, RemovalCause::kReplaced), Removed(b, RemovalCause::kReplaced)}));
  EXPECT_EQ(table->size(), 0u);
}

TEST(EntryTable, EvictsTheLeastRecentlyUsedWhenFull) {
  Table table(2);
  const uint32_t a = table.Write(u"a", kTtl);
  table.Write(u"b", kTtl);
  table->Touch(a);
  const uint32_t b = table.Find(u"b");
  table.Write(u"c", kTtl);
  EXPECT_EQ(table.TakeRemovals(), Removals{Removed(b, RemovalCause::kEvicted)});
  EXPECT_EQ(table.Find(u"a"), a) << "the touched entry was kept";
  EXPECT_EQ(table->evictions(), 1u);
}

TEST(EntryTable, EvictsByBytesUntilTheNewEntryFits) {
  Table table(10, /*max_bytes=*/10);
  EntrySpec four = TtlSpec(kTtl);
  four.bytes = 4;
  const uint32_t a = table.Write(u"a", four);
  const uint32_t b = table.Write(u"b", four);
  EntrySpec seven = TtlSpec(kTtl);
  seven.bytes = 7;
  table.Write(u"c", seven);
  EXPECT_EQ(table.TakeRemovals(),
            (Removals{Removed(a, RemovalCause::kEvicted), Removed(b, RemovalCause::kEvicted)}));
  EXPECT_EQ(table->bytes(), 7u);
}

TEST(EntryTable, PhasesFollowTheSpec) {
  Table table(4);
  EntrySpec spec = TtlSpec(100);
  spec.stale_while_revalidate_ms = 50;
  spec.stale_if_error_ms = 300;
  const uint32_t slot = table.Write(u"a", spec);
  auto phases = [&] {
    Now now = table.now();
    return std::vector<bool>{table->IsFresh(slot, now), table->InStalePhase(slot, now),
                             table->InFallbackPhase(slot, now)};
  };
  EXPECT_EQ(phases(), (std::vector<bool>{true, true, true}));
  table.Advance(100);
  EXPECT_EQ(phases(), (std::vector<bool>{false, true, true}));
  table.Advance(50);
  EXPECT_EQ(phases(), (std::vector<bool>{false, false, true}));
  table.Advance(250);
  EXPECT_EQ(phases(), (std::vector<bool>{false, false, false}));
}

TEST(EntryTable, WithoutStaleIfErrorThereIsNoFallbackPhaseEvenWhileFresh) {
  Table table(4);
  const uint32_t slot = table.Write(u"a", kTtl);
  Now now = table.now();
  EXPECT_TRUE(table->IsFresh(slot, now));
  EXPECT_FALSE(table->InFallbackPhase(slot, now));
}

TEST(EntryTable, FindRetainedRemovesAnExpiredEntryWhereFindDoesNot) {
  Table table(4);
  const uint32_t slot = table.Write(u"a", 10);
  table.Advance(10);
  EXPECT_EQ(table.Find(u"a"), slot) << "Find sees every stored entry";
  EXPECT_EQ(table->pending_removals(), 0u);
  EXPECT_EQ(table.FindRetained(u"a"), kNoSlot);
  EXPECT_EQ(table.TakeRemovals(), Removals{Removed(slot, RemovalCause::kExpired)});
  EXPECT_EQ(table->expirations(), 1u);
  EXPECT_EQ(table.Find(u"a"), kNoSlot);
}

TEST(EntryTable, SweepRemovesEndedEntriesEarliestFirstUpToTheLimit) {
  Table table(8);
  const uint32_t late = table.Write(u"late", 30);
  const uint32_t early = table.Write(u"early", 10);
  table.Write(u"forever", kNever);
  EXPECT_EQ(table->NextExpiry(), table.now().get() + 10);
  table.Advance(30);
  EXPECT_EQ(table->Sweep(table.now(), 1), 1u);
  EXPECT_EQ(table.TakeRemovals(), Removals{Removed(early, RemovalCause::kExpired)});
  EXPECT_EQ(table->Sweep(table.now(), 5), 1u);
  EXPECT_EQ(table.TakeRemovals(), Removals{Removed(late, RemovalCause::kExpired)});
  EXPECT_EQ(table->NextExpiry(), kNever) << "what is left never expires";
  EXPECT_EQ(table->size(), 1u);
}

TEST(EntryTable, RemoveTaggedRemovesEveryTaggedEntryAsDeleted) {
  Table table(8);
  const uint32_t a = table.Write(u"a", kTtl);
  const uint32_t b = table.Write(u"b", kTtl);
  table.Write(u"c", kTtl);
  table->Tag(a, OneTag{u"t"});
  table->Tag(b, OneTag{u"t"});
  EXPECT_EQ(table->RemoveTagged(u"t"), 2u);
  EXPECT_EQ(testing_util::Sorted(table.TakeRemovals()),
            testing_util::Sorted(
                {Removed(a, RemovalCause::kDeleted), Removed(b, RemovalCause::kDeleted)}));
  EXPECT_EQ(table->RemoveTagged(u"t"), 0u) << "the tag left with its last entry";
  EXPECT_EQ(table->size(), 1u);
}

TEST(EntryTable, RemovedEntriesLeaveTheirTags) {
  Table table(8);
  const uint32_t a = table.Write(u"a", kTtl);
  table->Tag(a, OneTag{u"t"});
  table->Remove(a, RemovalCause::kDeleted);
  const uint32_t reused = table.Write(u"b", kTtl);
  EXPECT_EQ(reused, a) << "the freed slot is reused";
  EXPECT_EQ(table->RemoveTagged(u"t"), 0u) << "the new entry did not inherit the old one's tag";
  EXPECT_TRUE(table->CheckInvariants());
}

TEST(EntryTable, ClearLogsEachEntryOnlyWhenRecordingKeys) {
  Table table(4);
  table.Write(u"a", kTtl);
  table->Clear();
  EXPECT_EQ(table->pending_removals(), 0u) << "without keys the caller drops every value at once";
  EXPECT_EQ(table->size(), 0u);

  table->set_record_removed_keys(true);
  const uint32_t b = table.Write(u"b", kTtl);
  table->Clear();
  EXPECT_EQ(table.TakeRemovals(), Removals{Removed(b, RemovalCause::kCleared, u"b")});
  EXPECT_EQ(table.Find(u"b"), kNoSlot);
  EXPECT_TRUE(table->CheckInvariants());
}

TEST(EntryTable, RemovalsCarryKeysOnlyWhileRecording) {
  Table table(1);
  const uint32_t a = table.Write(u"a", kTtl);
  table->set_record_removed_keys(true);
  const uint32_t b = table.Write(u"b", kTtl);
  table->set_record_removed_keys(false);
  table.Write(u"c", kTtl);
  EXPECT_EQ(table.TakeRemovals(), (Removals{Removed(a, RemovalCause::kEvicted, u"a"),
                                            Removed(b, RemovalCause::kEvicted)}));
}

TEST(EntryTable, TheLeastRecentlyUsedVictimWhoseTimeRanOutIsAnExpiration) {
  Table table(1);
  const uint32_t a = table.Write(u"a", 10);
  table.Advance(10);
  table.Write(u"b", kTtl);
  EXPECT_EQ(table.TakeRemovals(), Removals{Removed(a, RemovalCause::kExpired)});
  EXPECT_EQ(table->evictions(), 0u);
  EXPECT_EQ(table->expirations(), 1u);
}

TEST(EntryTable, KeysInlineAndLongAreFoundComparedAndReturnedWhole) {
  // Keys of up to 18 UTF-16 units sit in the entry's hot part, longer ones beside it; the
  // boundary and a key that differs from another only past it must both work.
  const std::u16string at_limit(18, u'k');
  const std::u16string past_limit(19, u'k');
  const std::u16string long_a = std::u16string(40, u'x') + u"a";
  const std::u16string long_b = std::u16string(40, u'x') + u"b";
  Table table(8);
  table->set_record_removed_keys(true);
  for (const std::u16string& key : {std::u16string(), at_limit, past_limit, long_a, long_b}) {
    const uint32_t slot = table.Write(key, kTtl);
    EXPECT_EQ(table->KeyOf(slot), key);
  }
  EXPECT_EQ(table->size(), 5u);
  for (const std::u16string& key : {std::u16string(), at_limit, past_limit, long_a, long_b}) {
    ASSERT_NE(table.Find(key), kNoSlot);
    EXPECT_EQ(table->KeyOf(table.Find(key)), key);
  }
  EXPECT_EQ(table.Find(std::u16string(17, u'k')), kNoSlot);
  EXPECT_EQ(table.Find(std::u16string(40, u'x') + u"c"), kNoSlot);

  const uint32_t inline_slot = table.Find(at_limit);
  const uint32_t long_slot = table.Find(long_b);
  table->Remove(inline_slot, RemovalCause::kDeleted);
  table->Remove(long_slot, RemovalCause::kDeleted);
  EXPECT_EQ(table.TakeRemovals(), (Removals{Removed(inline_slot, RemovalCause::kDeleted, at_limit),
                                            Removed(long_slot, RemovalCause::kDeleted, long_b)}));
  // A reused slot holds only its new key.
  const uint32_t reused = table.Write(u"short", kTtl);
  EXPECT_EQ(table->KeyOf(reused), u"short");
  EXPECT_TRUE(table->CheckInvariants());
}

TEST(EntryTable, RecordedReadsKeepEvictionInExactLeastRecentlyUsedOrder) {
  // Touch records reads in a buffer of 64 that is applied before any eviction or removal; over
  // hundreds of reads, some spanning a full buffer, the victims must be exactly those an
  // immediately updated list would choose.
  constexpr uint32_t kEntries = 50;
  Table table(kEntries);
  std::vector<std::u16string> order;  // least recently used first
  auto key_of = [](uint32_t id) {
    return u"key:" + std::u16string(1, char16_t(u'A' + id % 26)) +
           std::u16string(id / 26 + 1, u'#');
  };
  uint32_t next_id = 0;
  for (; next_id < kEntries; ++next_id) {
    order.push_back(key_of(next_id));
    table.Write(order.back(), kTtl);
  }
  uint64_t state = 7;
  auto random = [&state](uint32_t bound) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>((state >> 33) % bound);
  };
  for (int round = 0; round < 40; ++round) {
    const uint32_t reads = random(150);
    for (uint32_t i = 0; i < reads; ++i) {
      const uint32_t at = random(kEntries);
      const std::u16string key = order[at];
      table->Touch(table.Find(key));
      order.erase(order.begin() + at);
      order.push_back(key);
    }
    const uint32_t victim_slot = table.Find(order.front());
    order.erase(order.begin());
    order.push_back(key_of(next_id++));
    table.Write(order.back(), kTtl);
    EXPECT_EQ(table.TakeRemovals(), Removals{Removed(victim_slot, RemovalCause::kEvicted)})
        << "round " << round;
  }
  std::vector<uint32_t> walked;
  Now now = table.now();
  table->Walk(now, false, walked);
  ASSERT_EQ(walked.size(), order.size());
  for (size_t i = 0; i < walked.size(); ++i) {
    EXPECT_EQ(table->KeyOf(walked[i]), order[order.size() - 1 - i]) << "most recent first";
  }
}

}  // namespace
}  // namespace herdcache
