// Deferred (BatchNorm-folded) weights: the bytes streamed lazily must equal the eager fold
// float(double(w) * scale[row]) gathered through the same view, for the views lowering makes
// (HWIO, OHWI, depthwise reshapes, FC transposes, row slices) and for chunk boundaries that
// do not fall on rows.
#include "pt2tf/deferred.h"

#include <cstring>
#include <numeric>
#include <random>

#include <gtest/gtest.h>

namespace pt2tf {
namespace {

struct Case {
  Tensor source;              // the conv weight, C-contiguous
  std::vector<double> scale;  // one per row
};

Case RandomCase(const std::vector<int64_t>& shape, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> w(0.f, 1.f);
  std::uniform_real_distribution<double> s(-3.0, 3.0);
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<std::byte> bytes(n * 4);
  for (int64_t i = 0; i < n; ++i) {
    const float f = w(rng);
    std::memcpy(bytes.data() + 4 * i, &f, 4);
  }
  Case c{Tensor::FromBytes(DType::kFloat32, shape, std::move(bytes)).value(), {}};
  for (int64_t r = 0; r < shape[0]; ++r) c.scale.push_back(s(rng));
  return c;
}

// The eager fold, as FoldBatchNorm computed it before weights were deferred.
Tensor EagerFold(const Tensor& w, const std::vector<double>& scale) {
  const Tensor dense = w.ToContiguous();
  const int64_t rows = w.shape()[0], per_row = rows ? w.numel() / rows : 0;
  std::vector<std::byte> bytes(dense.contiguous_bytes().begin(), dense.contiguous_bytes().end());
  float* f = reinterpret_cast<float*>(bytes.data());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < per_row; ++k)
      f[r * per_row + k] = static_cast<float>(f[r * per_row + k] * scale[r]);
  return Tensor::FromBytes(DType::kFloat32, w.shape(), std::move(bytes)).value();
}

std::vector<std::byte> Stream(const Tensor& t, size_t* chunks = nullptr,
                              size_t* largest = nullptr) {
  std::vector<std::byte> out;
  t.ForEachChunk([&](ByteSpan c) {
    out.insert(out.end(), c.begin(), c.end());
    if (chunks) ++*chunks;
    if (largest) *largest = std::max(*largest, c.size());
  });
  return out;
}

// The same view (shape, strides, offset) over another storage of the same size.
Tensor SameView(const Tensor& view, const Tensor& over) {
  return Tensor::Make(view.dtype(), view.shape(), view.strides(), view.offset(), over.storage())
      .value();
}

// A permuted view of `t` (dims reordered by `perm`), as the TF/TFLite lowerings make them.
Tensor Permuted(const Tensor& t, const std::vector<int64_t>& perm) {
  std::vector<int64_t> dims, strides;
  for (int64_t p : perm) {
    dims.push_back(t.shape()[p]);
    strides.push_back(t.strides()[p]);
  }
  return Tensor::Make(t.dtype(), dims, strides, t.offset(), t.storage()).value();
}

void ExpectViewMatches(const Tensor& lazy_view, const Tensor& eager) {
  ASSERT_TRUE(lazy_view.is_deferred());
  const Tensor eager_view = SameView(lazy_view, eager);
  EXPECT_EQ(Stream(lazy_view), Stream(eager_view)) << ShapeToString(lazy_view.shape());
  // Element access (small constants, the reference runner) reads the same values.
  for (int64_t i : {int64_t{0}, lazy_view.numel() / 2, lazy_view.numel() - 1})
    EXPECT_EQ(lazy_view.ElementAsDouble(i), eager_view.ElementAsDouble(i));
}

TEST(Deferred, ContiguousAndPermutedViewsMatchTheEagerFold) {
  const std::vector<std::vector<int64_t>> shapes = {
      {5, 3, 3, 3}, {7, 1, 1, 1}, {1, 4, 2, 2}, {16, 8, 1, 1}, {6, 2, 5, 5}, {3, 4}, {9}};
  uint32_t seed = 1;
  for (const auto& shape : shapes) {
    Case c = RandomCase(shape, seed++);
    const Tensor eager = EagerFold(c.source, c.scale);
    Tensor lazy = ScaleRows(c.source, c.scale).value();
    EXPECT_EQ(lazy.shape(), shape);
    ExpectViewMatches(lazy, eager);
    if (shape.size() == 4) {
      ExpectViewMatches(Permuted(lazy, {2, 3, 1, 0}), eager);  // OIHW -> HWIO (TF Conv2D)
      ExpectViewMatches(Permuted(lazy, {0, 2, 3, 1}), eager);  // OIHW -> OHWI (TFLite)
      ExpectViewMatches(Permuted(lazy, {3, 1, 0, 2}), eager);  // an odd one
    }
    if (shape.size() == 2) ExpectViewMatches(Permuted(lazy, {1, 0}), eager);  // FC transpose
  }
}

TEST(Deferred, DepthwiseReshapeAndRowSlicesMatch) {
  // Depthwise [C*M, 1, H, W] viewed as TF's [H, W, C, M]: the rows split into two view axes.
  const int64_t C = 6, M = 2, H = 3, W = 3;
  Case c = RandomCase({C * M, 1, H, W}, 42);
  const Tensor eager = EagerFold(c.source, c.scale);
  const Tensor lazy = ScaleRows(c.source, c.scale).value();
  auto hwcm =
      Tensor::Make(DType::kFloat32, {H, W, C, M}, {W, 1, M * H * W, H * W}, 0, lazy.storage());
  ASSERT_TRUE(hwcm.ok());
  ExpectViewMatches(*hwcm, eager);
  // [H, W, M, C]: rows are not a C-order block of the view; the fallback still matches.
  auto hwmc =
      Tensor::Make(DType::kFloat32, {H, W, M, C}, {W, 1, H * W, M * H * W}, 0, lazy.storage());
  ASSERT_TRUE(hwmc.ok());
  ExpectViewMatches(*hwmc, eager);
  // Rows 3..7 (a slice starting on a row), and a flat run starting inside row 2.
  auto rows = Tensor::Make(DType::kFloat32, {5, H * W}, {H * W, 1}, 3 * H * W, lazy.storage());
  ASSERT_TRUE(rows.ok());
  ExpectViewMatches(*rows, eager);
  // Rows 3..7 transposed ([H*W, 5]: the fused scale-in-transpose path, from row 3 on).
  auto rows_t = Tensor::Make(DType::kFloat32, {H * W, 5}, {1, H * W}, 3 * H * W, lazy.storage());
  ASSERT_TRUE(rows_t.ok());
  ExpectViewMatches(*rows_t, eager);
  auto flat = Tensor::Make(DType::kFloat32, {40}, {1}, 2 * H * W + 4, lazy.storage());
  ASSERT_TRUE(flat.ok());
  ExpectViewMatches(*flat, eager);
  // A view inside one row, and one whose inner axis crosses rows (the fallback again).
  auto within = Tensor::Make(DType::kFloat32, {2, 2}, {3, 1}, 4 * H * W + 1, lazy.storage());
  ASSERT_TRUE(within.ok());
  ExpectViewMatches(*within, eager);
  auto crossing = Tensor::Make(DType::kFloat32, {4, 5}, {1, 4}, 1, lazy.storage());
  ASSERT_TRUE(crossing.ok());
  ExpectViewMatches(*crossing, eager);
}

TEST(Deferred, ChunksAreBoundedAndNeedNotFallOnRows) {
  // 37 rows of 129*7*9 = 8127 floats: 1.2 MB, so several chunks, none ending on a row.
  Case c = RandomCase({37, 129, 7, 9}, 7);
  const Tensor eager = EagerFold(c.source, c.scale);
  const Tensor lazy = ScaleRows(c.source, c.scale).value();
  ASSERT_NE(deferred::kChunkBytes % (8127 * 4), 0u);
  for (const Tensor& view : {lazy, Permuted(lazy, {2, 3, 1, 0}), Permuted(lazy, {0, 2, 3, 1})}) {
    size_t chunks = 0, largest = 0;
    const std::vector<std::byte> got = Stream(view, &chunks, &largest);
    EXPECT_EQ(got, Stream(SameView(view, eager)));
    EXPECT_GT(chunks, 1u);
    EXPECT_LE(largest, deferred::kChunkBytes);
  }
}

TEST(Deferred, SourcesWithOffsetsStridesAndFoldsOfFolds) {
  // A source that is a view at an offset into a bigger storage (a checkpoint entry).
  Case big = RandomCase({10, 4, 3, 3}, 9);
  auto part =
      Tensor::Make(DType::kFloat32, {4, 4, 3, 3}, {36, 9, 3, 1}, 3 * 36, big.source.storage());
  ASSERT_TRUE(part.ok());
  std::vector<double> scale = {0.5, -1.25, 3.0, 1e-3};
  ExpectViewMatches(Permuted(ScaleRows(*part, scale).value(), {2, 3, 1, 0}),
                    EagerFold(*part, scale));
  // A non-contiguous source (a transposed parameter) is copied, then deferred.
  const Tensor transposed = Permuted(big.source, {1, 0, 2, 3});
  std::vector<double> four = {2.0, 0.25, -1.0, 7.5};
  ExpectViewMatches(ScaleRows(transposed, four).value(), EagerFold(transposed, four));
  // Conv -> BN -> BN folds twice: each fold rounds to float, as two eager folds do.
  Case c = RandomCase({8, 3, 3, 3}, 11);
  std::vector<double> s2(8, 0.0);
  std::iota(s2.begin(), s2.end(), -3.5);
  const Tensor once = ScaleRows(c.source, c.scale).value();
  const Tensor twice = ScaleRows(once, s2).value();
  ExpectViewMatches(Permuted(twice, {2, 3, 1, 0}), EagerFold(EagerFold(c.source, c.scale), s2));
}

TEST(Deferred, MaterialisingAndRejectingWork) {
  Case c = RandomCase({4, 2, 3, 3}, 3);
  const Tensor lazy = ScaleRows(c.source, c.scale).value();
  EXPECT_TRUE(lazy.contiguous_bytes().empty());  // never the unscaled source bytes
  const Tensor dense = lazy.ToContiguous();
  EXPECT_FALSE(dense.is_deferred());
  const Tensor eager = EagerFold(c.source, c.scale);
  EXPECT_EQ(Stream(dense), Stream(eager));
  ASSERT_FALSE(dense.contiguous_bytes().empty());
  // Only float32 with one scale per row.
  EXPECT_FALSE(ScaleRows(c.source, {1.0, 2.0}).ok());
  auto ints = Tensor::FromBytes(DType::kInt32, {2, 2}, std::vector<std::byte>(16));
  EXPECT_FALSE(ScaleRows(*ints, {1.0, 2.0}).ok());
  auto halves = Tensor::FromBytes(DType::kFloat16, {2, 2}, std::vector<std::byte>(8));
  EXPECT_FALSE(ScaleRows(*halves, {1.0, 2.0}).ok());
}

}  // namespace
}  // namespace pt2tf
