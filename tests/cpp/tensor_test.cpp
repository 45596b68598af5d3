#include "pt2tf/tensor.h"
#include <cstring>

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
