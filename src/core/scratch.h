// Reusable, uninitialised scratch memory for the streaming gathers (tensor.cpp, deferred.cpp).
// Every weight of a model streams through a buffer of up to a few MiB; a fresh zeroed
// std::vector for each one cost a memset plus, above malloc's mmap threshold, page faults
// and an munmap per tensor (~7% of a resnet50 convert). A lease takes a block from a small
// per-thread cache instead and gives it back when it ends; nested leases (a fold of a fold
// streams its source inside its own sink) simply get different blocks.
#pragma once

#include <cstddef>
#include <memory>

namespace pt2tf {

class ScratchLease {
 public:
  explicit ScratchLease(size_t bytes);  // `bytes` of unspecified contents
  ~ScratchLease();
  ScratchLease(const ScratchLease&) = delete;
  ScratchLease& operator=(const ScratchLease&) = delete;

  std::byte* data() const { return block_.get(); }
  size_t size() const { return size_; }  // what was asked for (the block may be larger)

 private:
  std::unique_ptr<std::byte[]> block_;
  size_t capacity_ = 0;
  size_t size_ = 0;
};

}  // namespace pt2tf
