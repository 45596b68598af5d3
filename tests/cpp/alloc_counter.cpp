// The test binary's replacement of the global operator new / delete (alloc_counter.h).
// Every unaligned form is replaced, all through the two basic ones: libstdc++'s own array,
// nothrow and sized forms would call them, but a sanitizer runtime replaces those forms with
// its own, and its sized delete of a block our new took from malloc is a mismatch it aborts
// on. Aligned forms keep their own allocator and are not counted (nothing under test uses
// them).
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

void* operator new[](std::size_t size) { return operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return operator new(size);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept {
  return operator new(size, tag);
}
void operator delete[](void* p) noexcept { operator delete(p); }
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }
void operator delete[](void* p, std::size_t) noexcept { operator delete(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { operator delete(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { operator delete(p); }
