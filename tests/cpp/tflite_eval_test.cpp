// The TFLite evaluator's broadcast walk (ForEachBroadcast) against a plain multi-index
// computation of numpy broadcasting, on shapes that exercise dim merging: equal shapes,
// scalars, per-channel, squeeze-excite, broadcast on both sides, size-1 and size-0 dims.
#include <vector>

#include <gtest/gtest.h>

#include "tflite/quant/eval_kernels.h"

namespace pt2tf::tflite {
namespace {

// Index of output element `i` in an operand of shape `in` (numpy rules, right-aligned).
int64_t Naive(int64_t i, const ir::Dims& in, const ir::Dims& out) {
  std::vector<int64_t> pos(out.size());
  for (size_t k = out.size(); k-- > 0;) pos[k] = i % out[k], i /= out[k];
  int64_t index = 0;
  for (size_t k = 0; k < in.size(); ++k) {
    const int64_t p = pos[out.size() - in.size() + k];
    index = index * in[k] + (in[k] == 1 ? 0 : p);
  }
  return index;
}

TEST(ForEachBroadcast, MatchesNumpyIndexing) {
  const std::vector<std::vector<ir::Dims>> cases = {
      {{2, 3, 4}, {2, 3, 4}, {2, 3, 4}},
      {{2, 3, 4}, {}, {2, 3, 4}},
      {{1}, {2, 5, 5, 7}, {2, 5, 5, 7}},
      {{2, 5, 5, 7}, {7}, {2, 5, 5, 7}},
      {{2, 5, 5, 7}, {1, 1, 1, 7}, {2, 5, 5, 7}},
      {{2, 5, 5, 7}, {2, 1, 1, 7}, {2, 5, 5, 7}},
      {{3, 1, 4}, {1, 5, 1}, {3, 5, 4}},
      {{4, 1}, {3, 1, 6}, {3, 4, 6}},
      {{1, 2, 1, 3, 1}, {2, 2, 4, 3, 5}, {2, 2, 4, 3, 5}},
      {{6, 1, 1}, {6, 2, 2}, {6, 2, 2}},
      {{1, 1}, {1, 1}, {1, 1}},
      {{2, 0, 3}, {3}, {2, 0, 3}},
  };
  for (const auto& c : cases) {
    const ir::Dims &a = c[0], &b = c[1], &y = c[2];
    int64_t total = 1;
    for (int64_t d : y) total *= d;
    std::vector<int64_t> seen;
    ForEachBroadcast(a, b, y, [&](int64_t i, int64_t ia, int64_t ib) {
      ASSERT_EQ(i, static_cast<int64_t>(seen.size()));
      EXPECT_EQ(ia, Naive(i, a, y)) << "a of case " << seen.size();
      EXPECT_EQ(ib, Naive(i, b, y)) << "b of case " << seen.size();
      seen.push_back(i);
    });
    EXPECT_EQ(static_cast<int64_t>(seen.size()), total);
  }
}

}  // namespace
}  // namespace pt2tf::tflite
