// RunTensor: conversions from and to the IR's Tensor.
#include <cstring>

#include "ir/eval/host_tensor.h"
#include "pt2tf/ir/runner.h"

namespace pt2tf::ir::run {

int64_t RunTensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

RunTensor RunTensor::Zeros(DType dtype, Dims shape) {
  RunTensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  if (t.is_float())
    t.f.assign(static_cast<size_t>(t.numel()), 0.0f);
  else
    t.i.assign(static_cast<size_t>(t.numel()), 0);
  return t;
}

RunTensor RunTensor::Floats(Dims shape, std::vector<float> values) {
  RunTensor t;
  t.shape = std::move(shape);
  t.f = std::move(values);
  return t;
}

Result<RunTensor> RunTensor::FromTensor(const Tensor& tensor) {
  const DType dt = tensor.dtype();
  if (!eval::IsEvaluableDType(dt))
    return Unsupported("the reference runner cannot hold " + std::string(TorchName(dt)) +
                       " tensors");
  RunTensor t;
  t.dtype = dt;
  t.shape = tensor.shape();
  const int64_t n = tensor.numel();
  const ByteSpan bytes = tensor.contiguous_bytes();
  if (dt == DType::kFloat32 && (n == 0 || !bytes.empty())) {
    t.f.resize(static_cast<size_t>(n));
    if (n > 0) std::memcpy(t.f.data(), bytes.data(), static_cast<size_t>(n) * sizeof(float));
    return t;
  }
  if (dt == DType::kInt64 && (n == 0 || !bytes.empty())) {
    t.i.resize(static_cast<size_t>(n));
    if (n > 0) std::memcpy(t.i.data(), bytes.data(), static_cast<size_t>(n) * sizeof(int64_t));
    return t;
  }
  if (t.is_float()) {
    t.f.resize(static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k) t.f[k] = static_cast<float>(tensor.ElementAsDouble(k));
  } else {
    t.i.resize(static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k) t.i[k] = tensor.ElementAsInt(k);
  }
  return t;
}

Result<Tensor> RunTensor::ToTensor() const {
  if (dtype == DType::kFloat32) {
    std::vector<std::byte> bytes(f.size() * sizeof(float));
    if (!f.empty()) std::memcpy(bytes.data(), f.data(), bytes.size());
    return Tensor::FromBytes(dtype, shape, std::move(bytes));
  }
  eval::HostTensor h;
  h.dtype = dtype;
  h.shape = shape;
  if (is_float())
    h.f.assign(f.begin(), f.end());
  else
    h.i = i;
  return h.ToTensor();
}

}  // namespace pt2tf::ir::run
