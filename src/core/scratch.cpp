#include "core/scratch.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace pt2tf {
namespace {

// A handful of blocks stay cached: enough for the nesting depth the gathers reach (two or
// three), at most kKeepBytes each, except one of up to kKeepLargeBytes: the whole-weight
// buffer of the row transpose (tensor.cpp). Freed, a buffer that large goes back to the
// kernel, and the next weight's buffer is faulted in and zeroed page by page again (~15% of
// a resnet50 .pb); kept, memory past its use stays bounded by the largest weight streamed
// so far, which the peak held anyway.
constexpr size_t kKeepBlocks = 3;
constexpr size_t kKeepBytes = size_t{4} << 20;
constexpr size_t kKeepLargeBytes = size_t{32} << 20;

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
  if (!block_ || capacity_ > kKeepLargeBytes) return;
  std::vector<Block>& cache = Cache();
  if (capacity_ > kKeepBytes) {  // the one large block: keep the larger of two
    auto large = std::find_if(cache.begin(), cache.end(),
                              [](const Block& b) { return b.size > kKeepBytes; });
    if (large != cache.end()) {
      if (large->size < capacity_) *large = Block{std::move(block_), capacity_};
      return;
    }
  }
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
