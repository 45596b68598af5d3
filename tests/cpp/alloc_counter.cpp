// The test binary's replacement of the global operator new / delete (alloc_counter.h).
// Only the two basic forms are replaced: libstdc++'s array, nothrow and sized forms call them.
// Aligned forms keep their own allocator and are not counted (nothing under test uses them).
#include "alloc_counter.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace pt2tf::testing_alloc {
namespace {

std::atomic<bool> g_counting{false};
std::atomic<uint64_t> g_calls{0}, g_bytes{0}, g_largest{0};

void Record(std::size_t size) {
  if (!g_counting.load(std::memory_order_relaxed)) return;
  g_calls.fetch_add(1, std::memory_order_relaxed);
  g_bytes.fetch_add(size, std::memory_order_relaxed);
  uint64_t seen = g_largest.load(std::memory_order_relaxed);
  while (size > seen && !g_largest.compare_exchange_weak(seen, size)) {
  }
}

}  // namespace

CountAllocations::CountAllocations() {
  g_calls = 0;
  g_bytes = 0;
  g_largest = 0;
  g_counting = true;
}

CountAllocations::~CountAllocations() { g_counting = false; }

AllocStats CountAllocations::stats() const {
  return {g_calls.load(), g_bytes.load(), g_largest.load()};
}

}  // namespace pt2tf::testing_alloc

void* operator new(std::size_t size) {
  pt2tf::testing_alloc::Record(size);  // before malloc: a refused 2^60-byte request still counts
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

void operator delete(void* p) noexcept { std::free(p); }
