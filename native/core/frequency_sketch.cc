#include "frequency_sketch.h"

#include <algorithm>
#include <bit>

namespace herdcache {
namespace {

constexpr uint32_t kWordsPerBlock = 8;
// The low bit of every 4-bit counter cleared: what remains after a shift right is each halved.
constexpr uint64_t kHalfMask = 0x7777'7777'7777'7777ULL;
constexpr uint64_t kLowBits = 0x1111'1111'1111'1111ULL;

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
  if (words <= table_.size()) return;
  std::vector<uint64_t>(words, 0).swap(table_);
  block_mask_ = words / kWordsPerBlock - 1;
  additions_ = 0;
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
  bool added = false;
  for (uint32_t row = 0; row < 4; ++row) {
    uint64_t& word = table_[cells.word[row]];
    const uint32_t shift = cells.shift[row];
    if (((word >> shift) & 15) != kMaxFrequency) {
      word += uint64_t{1} << shift;
      added = true;
    }
  }
  if (added && ++additions_ >= sample_size_) Age();
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
  uint64_t odd = 0;
  for (uint64_t& word : table_) {
    odd += static_cast<uint64_t>(std::popcount(word & kLowBits));
    word = (word >> 1) & kHalfMask;
  }
  // Each key raised four counters; the halves lost by odd counters are a quarter as many keys.
  const uint64_t lost = odd / 4;
  additions_ = additions_ > lost ? (additions_ - lost) / 2 : 0;
}

}  // namespace herdcache
