#include "frequency_sketch.h"

#include <algorithm>
#include <bit>

namespace herdcache {
namespace {

constexpr uint32_t kWordsPerBlock = 8;
// The low bit of every 4-bit counter cleared: what remains after a shift right is each halved.
constexpr uint64_t kHalfMask = 0x7777'7777'7777'7777ULL;

// A 64-bit finalizer (the avalanche step of MurmurHash3, written from its description): every
// input bit flips about half the output bits.
uint64_t Remix(uint64_t x) noexcept {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

}  // namespace

void FrequencySketch::EnsureCapacity(uint32_t entries) {
  if (entries <= entries_) return;
  entries_ = entries;
  sample_size_ = 10ULL * entries;
  const uint32_t words = std::bit_ceil(std::clamp<uint32_t>(entries, 64, kMaxWords));
  const size_t old_words = table_.size();
  if (words <= old_words) return;
  table_.resize(words);
  // A key's block is its mixed hash's low bits, so in a table 2^k times larger it is its old
  // block plus a multiple of the old block count: copying the old table into every new part
  // keeps each key's counts (with, as always, only overestimates from other keys).
  for (size_t at = old_words; old_words != 0 && at < words; at += old_words) {
    std::copy_n(table_.begin(), old_words, table_.begin() + static_cast<ptrdiff_t>(at));
  }
  block_mask_ = words / kWordsPerBlock - 1;
}

FrequencySketch::Cells FrequencySketch::CellsOf(uint64_t hash) const noexcept {
  const uint64_t mixed = Remix(hash);
  // Low bits choose the block; the high 32 bits choose, per row, one of the row's two words in
  // the block (1 bit) and the counter in it (4 bits).
  const uint32_t block = static_cast<uint32_t>(mixed) & block_mask_;
  const auto choice = static_cast<uint32_t>(mixed >> 32);
  Cells cells{};
  for (uint32_t row = 0; row < 4; ++row) {
    const uint32_t bits = choice >> (row * 8);
    cells.word[row] = block * kWordsPerBlock + row * 2 + (bits & 1);
    cells.shift[row] = ((bits >> 1) & 15) * 4;
  }
  return cells;
}

void FrequencySketch::Increment(uint64_t hash) noexcept {
  if (table_.empty()) return;
  const Cells cells = CellsOf(hash);
  for (uint32_t row = 0; row < 4; ++row) {
    uint64_t& word = table_[cells.word[row]];
    const uint32_t shift = cells.shift[row];
    if (((word >> shift) & 15) != kMaxFrequency) word += uint64_t{1} << shift;
  }
  // Every access counts towards the period, saturated keys' too: after a shift in what is
  // popular, yesterday's keys lose their counts within one period however popular they were.
  if (++additions_ >= sample_size_) Age();
}

uint32_t FrequencySketch::Frequency(uint64_t hash) const noexcept {
  if (table_.empty()) return 0;
  const Cells cells = CellsOf(hash);
  uint32_t frequency = kMaxFrequency;
  for (uint32_t row = 0; row < 4; ++row) {
    const auto count = static_cast<uint32_t>((table_[cells.word[row]] >> cells.shift[row]) & 15);
    frequency = std::min(frequency, count);
  }
  return frequency;
}

void FrequencySketch::Age() noexcept {
  for (uint64_t& word : table_) word = (word >> 1) & kHalfMask;
  additions_ /= 2;
}

}  // namespace herdcache
