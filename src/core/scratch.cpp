#include "core/scratch.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace pt2tf {
namespace {

// A handful of blocks of at most kKeepBytes each stay cached: bounded memory kept past its
// use, enough for the nesting depth the gathers reach (two or three).
constexpr size_t kKeepBlocks = 3;
constexpr size_t kKeepBytes = size_t{4} << 20;

struct Block {
  std::unique_ptr<std::byte[]> data;
  size_t size = 0;
};

std::vector<Block>& Cache() {
  thread_local std::vector<Block> cache;
  return cache;
}

}  // namespace

ScratchLease::ScratchLease(size_t bytes) : size_(bytes) {
  std::vector<Block>& cache = Cache();
  // The smallest cached block that fits, so a small lease does not take the big one.
  auto best = cache.end();
  for (auto it = cache.begin(); it != cache.end(); ++it)
    if (it->size >= bytes && (best == cache.end() || it->size < best->size)) best = it;
  if (best != cache.end()) {
    block_ = std::move(best->data);
    capacity_ = best->size;
    cache.erase(best);
    return;
  }
  capacity_ = std::max<size_t>(bytes, 1);
  block_.reset(new std::byte[capacity_]);  // default-initialised: no zeroing
}

ScratchLease::~ScratchLease() {
  if (!block_ || capacity_ > kKeepBytes) return;
  std::vector<Block>& cache = Cache();
  if (cache.size() < kKeepBlocks) {
    cache.push_back(Block{std::move(block_), capacity_});
    return;
  }
  // Full: replace the smallest cached block if this one is larger.
  auto smallest = std::min_element(cache.begin(), cache.end(),
                                   [](const Block& a, const Block& b) { return a.size < b.size; });
  if (smallest->size < capacity_) *smallest = Block{std::move(block_), capacity_};
}

}  // namespace pt2tf
