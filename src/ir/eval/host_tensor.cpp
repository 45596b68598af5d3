#include "ir/eval/host_tensor.h"

#include <cmath>
#include <cstring>

namespace pt2tf::ir::eval {
namespace {

template <typename T>
void Store(std::byte* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

// Writes one element of dtype `t` at `p` from a double (floats) or int64 (others).
void StoreElement(std::byte* p, DType t, double fv, int64_t iv) {
  switch (t) {
    case DType::kFloat64:
      Store<double>(p, fv);
      break;
    case DType::kFloat32:
      Store<float>(p, static_cast<float>(fv));
      break;
    case DType::kFloat16:
      Store<uint16_t>(p, FloatToHalf(static_cast<float>(fv)));
      break;
    case DType::kBFloat16:
      Store<uint16_t>(p, FloatToBFloat16(static_cast<float>(fv)));
      break;
    case DType::kInt64:
      Store<int64_t>(p, iv);
      break;
    case DType::kInt32:
      Store<int32_t>(p, static_cast<int32_t>(iv));
      break;
    case DType::kInt16:
      Store<int16_t>(p, static_cast<int16_t>(iv));
      break;
    case DType::kInt8:
      Store<int8_t>(p, static_cast<int8_t>(iv));
      break;
    case DType::kUInt8:
      Store<uint8_t>(p, static_cast<uint8_t>(iv));
      break;
    case DType::kUInt16:
      Store<uint16_t>(p, static_cast<uint16_t>(iv));
      break;
    case DType::kUInt32:
      Store<uint32_t>(p, static_cast<uint32_t>(iv));
      break;
    case DType::kUInt64:
      Store<uint64_t>(p, static_cast<uint64_t>(iv));
      break;
    case DType::kBool:
      Store<uint8_t>(p, iv != 0 ? 1 : 0);
      break;
    default:
      break;
  }
}

}  // namespace

bool IsEvaluableDType(DType t) {
  return (IsFloatingPoint(t) && t != DType::kFloat8E4M3FN && t != DType::kFloat8E5M2) ||
         IsInteger(t) || t == DType::kBool;
}

int64_t HostTensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

HostTensor HostTensor::Zeros(DType dtype, Dims shape) {
  HostTensor h;
  h.dtype = dtype;
  h.shape = std::move(shape);
  if (h.is_float()) {
    h.f.assign(static_cast<size_t>(h.numel()), 0.0);
  } else {
    h.i.assign(static_cast<size_t>(h.numel()), 0);
  }
  return h;
}

Result<HostTensor> HostTensor::FromTensor(const Tensor& t) {
  if (!IsEvaluableDType(t.dtype()))
    return Unsupported("cannot evaluate tensors of dtype " + std::string(TorchName(t.dtype())));
  HostTensor h = Zeros(t.dtype(), t.shape());
  const int64_t n = h.numel();
  if (h.is_float()) {
    for (int64_t k = 0; k < n; ++k) h.f[k] = t.ElementAsDouble(k);
  } else {
    for (int64_t k = 0; k < n; ++k) h.i[k] = t.ElementAsInt(k);
  }
  return h;
}

void HostTensor::RoundToDType() {
  switch (dtype) {
    case DType::kFloat64:
      break;
    case DType::kFloat32:
      for (double& v : f) v = static_cast<float>(v);
      break;
    case DType::kFloat16:
      for (double& v : f) v = HalfToFloat(FloatToHalf(static_cast<float>(v)));
      break;
    case DType::kBFloat16:
      for (double& v : f) {
        const uint32_t bits = static_cast<uint32_t>(FloatToBFloat16(static_cast<float>(v))) << 16;
        float x;
        std::memcpy(&x, &bits, 4);
        v = x;
      }
      break;
    case DType::kInt32:
      for (int64_t& v : i) v = static_cast<int32_t>(v);
      break;
    case DType::kInt16:
      for (int64_t& v : i) v = static_cast<int16_t>(v);
      break;
    case DType::kInt8:
      for (int64_t& v : i) v = static_cast<int8_t>(v);
      break;
    case DType::kUInt8:
      for (int64_t& v : i) v = static_cast<uint8_t>(v);
      break;
    case DType::kUInt16:
      for (int64_t& v : i) v = static_cast<uint16_t>(v);
      break;
    case DType::kUInt32:
      for (int64_t& v : i) v = static_cast<uint32_t>(v);
      break;
    case DType::kBool:
      for (int64_t& v : i) v = v != 0;
      break;
    default:
      break;
  }
}

Result<Tensor> HostTensor::ToTensor() const {
  if (!IsEvaluableDType(dtype))
    return Unsupported("cannot store tensors of dtype " + std::string(TorchName(dtype)));
  const int64_t n = numel();
  const size_t esize = static_cast<size_t>(ElementSize(dtype));
  std::vector<std::byte> bytes(static_cast<size_t>(n) * esize);
  for (int64_t k = 0; k < n; ++k)
    StoreElement(bytes.data() + k * esize, dtype, is_float() ? f[k] : 0.0, is_float() ? 0 : i[k]);
  return Tensor::FromBytes(dtype, shape, std::move(bytes));
}

Result<Tensor> CastTensor(const Tensor& t, DType to) {
  if (!IsEvaluableDType(t.dtype()) || !IsEvaluableDType(to))
    return Unsupported("cannot cast " + std::string(TorchName(t.dtype())) + " to " +
                       std::string(TorchName(to)));
  const int64_t n = t.numel();
  const size_t esize = static_cast<size_t>(ElementSize(to));
  std::vector<std::byte> bytes(static_cast<size_t>(n) * esize);
  const bool from_float = IsFloatingPoint(t.dtype());
  for (int64_t k = 0; k < n; ++k) {
    std::byte* p = bytes.data() + k * esize;
    if (from_float) {
      const double v = t.ElementAsDouble(k);
      if (IsFloatingPoint(to)) {
        StoreElement(p, to, v, 0);
      } else if (to == DType::kBool) {
        StoreElement(p, to, 0, v != 0 ? 1 : 0);
      } else {
        // Out-of-range and NaN casts are undefined in ONNX; refuse rather than guess.
        if (!std::isfinite(v) || std::fabs(v) >= 9.2e18)
          return Unsupported("cast of " + std::to_string(v) + " to " + std::string(TorchName(to)) +
                             " is undefined");
        StoreElement(p, to, 0, static_cast<int64_t>(v));
      }
    } else {
      const int64_t v = t.ElementAsInt(k);
      StoreElement(p, to, static_cast<double>(v), to == DType::kBool ? (v != 0) : v);
    }
  }
  return Tensor::FromBytes(to, t.shape(), std::move(bytes));
}

}  // namespace pt2tf::ir::eval
