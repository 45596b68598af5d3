// Small builders for hand-made IR graphs in tests.
#pragma once

#include <cstring>
#include <vector>

#include "pt2tf/ir/graph.h"
#include "pt2tf/tensor.h"

namespace pt2tf::testing {

inline Tensor Int64Tensor(std::vector<int64_t> shape, const std::vector<int64_t>& values) {
  std::vector<std::byte> bytes(values.size() * 8);
  // memcpy from an empty vector's null data() is undefined even for 0 bytes (UBSan aborts).
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return Tensor::FromBytes(DType::kInt64, std::move(shape), std::move(bytes)).value();
}

inline Tensor FloatTensor(std::vector<int64_t> shape, const std::vector<float>& values) {
  std::vector<std::byte> bytes(values.size() * 4);
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return Tensor::FromBytes(DType::kFloat32, std::move(shape), std::move(bytes)).value();
}

// A float32 tensor of `shape` filled with 0, 1, 2, ...
inline Tensor IotaFloat(std::vector<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<float>(i);
  return FloatTensor(std::move(shape), v);
}

inline ir::Value* Ints(ir::Graph& g, const std::vector<int64_t>& values) {
  return g.AddInitializer("c", Int64Tensor({static_cast<int64_t>(values.size())}, values));
}

inline ir::Value* Weight(ir::Graph& g, std::vector<int64_t> shape) {
  return g.AddInitializer("w", IotaFloat(std::move(shape)));
}

inline std::vector<double> Values(const Tensor& t) {
  std::vector<double> v;
  for (int64_t i = 0; i < t.numel(); ++i) v.push_back(t.ElementAsDouble(i));
  return v;
}

}  // namespace pt2tf::testing
