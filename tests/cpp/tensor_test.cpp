#include "pt2tf/tensor.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>

#include <gtest/gtest.h>

namespace pt2tf {
namespace {

std::vector<std::byte> Iota32(int n) {
  std::vector<std::byte> bytes(n * 4);
  for (int i = 0; i < n; ++i) {
    float f = static_cast<float>(i);
    std::memcpy(bytes.data() + 4 * i, &f, 4);
  }
  return bytes;
}

TEST(Tensor, TransposedViewIsGatheredInCOrder) {
  auto storage = Storage::Own(Iota32(6));  // 2x3 row-major: 0 1 2 / 3 4 5
  auto t = Tensor::Make(DType::kFloat32, {3, 2}, {1, 3}, 0, storage);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_FALSE(t->is_contiguous());
  Tensor c = t->ToContiguous();
  std::vector<double> got;
  for (int i = 0; i < 6; ++i) got.push_back(c.ElementAsDouble(i));
  EXPECT_EQ(got, (std::vector<double>{0, 3, 1, 4, 2, 5}));
}

// Element-by-element C-order gather: the definition ForEachChunk must match.
std::vector<std::byte> NaiveGather(const Tensor& t) {
  const size_t esize = ElementSize(t.dtype());
  std::vector<std::byte> out;
  std::vector<int64_t> index(t.shape().size(), 0);
  for (int64_t n = 0; n < t.numel(); ++n) {
    int64_t elem = t.offset();
    for (size_t d = 0; d < index.size(); ++d) elem += index[d] * t.strides()[d];
    const std::byte* p = t.storage()->bytes.data() + elem * esize;
    out.insert(out.end(), p, p + esize);
    for (size_t d = index.size(); d-- > 0;) {
      if (++index[d] < t.shape()[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

// Permuted, sliced and broadcast views of every element size, including tensors large
// enough for the blocked, tiled gather and its fallbacks.
TEST(Tensor, ForEachChunkMatchesNaiveGatherOnRandomViews) {
  std::mt19937 rng(7);
  const DType dtypes[] = {DType::kUInt8, DType::kFloat16, DType::kFloat32, DType::kFloat64};
  for (int trial = 0; trial < 400; ++trial) {
    const DType dtype = dtypes[trial % 4];
    const size_t esize = ElementSize(dtype);
    const int rank = 1 + static_cast<int>(rng() % 5);
    const int64_t max_dim = trial % 10 == 0 ? 300 : 9;
    std::vector<int64_t> base_shape(rank);
    for (int64_t& d : base_shape) d = 1 + static_cast<int64_t>(rng() % max_dim);
    int64_t numel = 1;
    for (int64_t d : base_shape) numel *= d;
    if (numel > 4'000'000) continue;
    std::vector<int64_t> base_strides(rank, 1);
    for (int d = rank - 1; d > 0; --d) base_strides[d - 1] = base_strides[d] * base_shape[d];
    std::vector<std::byte> bytes(numel * esize);
    for (std::byte& b : bytes) b = static_cast<std::byte>(rng());
    auto storage = Storage::Own(std::move(bytes));
    // A random permutation, then per dim a random start/step slice or a broadcast.
    std::vector<int> perm(rank);
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng);
    std::vector<int64_t> shape(rank), strides(rank);
    int64_t offset = 0;
    for (int i = 0; i < rank; ++i) {
      const int64_t n = base_shape[perm[i]], st = base_strides[perm[i]];
      const int64_t start = rng() % 3 == 0 ? static_cast<int64_t>(rng() % n) : 0;
      const int64_t step = rng() % 4 == 0 ? 2 : 1;
      offset += start * st;
      shape[i] = std::max<int64_t>(1, (n - start + step - 1) / step);
      strides[i] = st * step;
      if (rng() % 8 == 0) strides[i] = 0;  // broadcast
    }
    auto t = Tensor::Make(dtype, shape, strides, offset, storage);
    ASSERT_TRUE(t.ok()) << t.status().message();
    std::vector<std::byte> got;
    t->ForEachChunk([&](ByteSpan c) { got.insert(got.end(), c.begin(), c.end()); });
    ASSERT_EQ(got, NaiveGather(*t)) << "trial " << trial << " shape " << ShapeToString(shape);
  }
}

// Every permutation of dense tensors of rank 2..4 (the weight layouts: OIHW -> HWIO, OHWI,
// an FC transpose), with dims of 1, sizes that are not tile multiples and a start offset into
// the storage: the transpose path must give the C-order gather's bytes exactly.
TEST(Tensor, PermutedDenseViewsMatchNaiveGather) {
  std::mt19937 rng(11);
  const DType dtypes[] = {DType::kUInt8, DType::kFloat16, DType::kFloat32, DType::kFloat64};
  const std::vector<std::vector<int64_t>> shapes = {{37, 53},      {16, 16},       {1, 40},
                                                    {64, 3, 3, 3}, {33, 17, 3, 3}, {5, 1, 7, 2},
                                                    {48, 1, 5, 5}, {3, 7, 1},      {2, 300, 1, 1}};
  for (const std::vector<int64_t>& base_shape : shapes) {
    for (const DType dtype : dtypes) {
      const size_t esize = ElementSize(dtype);
      const int rank = static_cast<int>(base_shape.size());
      int64_t numel = 1;
      for (int64_t d : base_shape) numel *= d;
      const int64_t lead = 5;  // elements before the view in its storage
      std::vector<std::byte> bytes((numel + lead) * esize);
      for (std::byte& b : bytes) b = static_cast<std::byte>(rng());
      auto storage = Storage::Own(std::move(bytes));
      std::vector<int64_t> base_strides(rank, 1);
      for (int d = rank - 1; d > 0; --d) base_strides[d - 1] = base_strides[d] * base_shape[d];
      std::vector<int> perm(rank);
      std::iota(perm.begin(), perm.end(), 0);
      do {
        std::vector<int64_t> shape(rank), strides(rank);
        for (int i = 0; i < rank; ++i) {
          shape[i] = base_shape[perm[i]];
          strides[i] = base_strides[perm[i]];
        }
        auto t = Tensor::Make(dtype, shape, strides, lead, storage);
        ASSERT_TRUE(t.ok()) << t.status().message();
        std::vector<std::byte> got;
        t->ForEachChunk([&](ByteSpan c) { got.insert(got.end(), c.begin(), c.end()); });
        ASSERT_EQ(got, NaiveGather(*t)) << ShapeToString(shape) << " of "
                                        << ShapeToString(base_shape) << ", " << esize << " bytes";
      } while (std::next_permutation(perm.begin(), perm.end()));
    }
  }
}

TEST(Tensor, RejectsViewPastStorage) {
  auto storage = Storage::Own(Iota32(6));
  EXPECT_FALSE(Tensor::Make(DType::kFloat32, {2, 3}, {3, 1}, 1, storage).ok());
  EXPECT_FALSE(Tensor::Make(DType::kFloat32, {1LL << 62, 4}, {4, 1}, 0, storage).ok());
}

TEST(Tensor, EmptyTensorNeedsNoBytes) {
  auto t = Tensor::Contiguous(DType::kFloat32, {0, 5}, Storage::Own({}));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->nbytes(), 0u);
}

}  // namespace
}  // namespace pt2tf
