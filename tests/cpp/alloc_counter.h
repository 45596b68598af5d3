// Counts heap allocations (every operator new, from any thread) while a CountAllocations is
// alive. Tests of hostile input bound the work a parser does by what it allocates instead of
// by wall-clock time, which a loaded machine makes flaky: a reader that trusts a claimed
// count or length asks for that much memory, and the request is recorded before it can fail.
#pragma once

#include <cstdint>

namespace pt2tf::testing_alloc {

struct AllocStats {
  uint64_t calls = 0;    // operator new calls
  uint64_t bytes = 0;    // bytes requested in total (frees are not subtracted)
  uint64_t largest = 0;  // the largest single request
};

// Not nestable: one counter at a time.
class CountAllocations {
 public:
  CountAllocations();
  ~CountAllocations();
  CountAllocations(const CountAllocations&) = delete;
  CountAllocations& operator=(const CountAllocations&) = delete;
  AllocStats stats() const;
};

}  // namespace pt2tf::testing_alloc
