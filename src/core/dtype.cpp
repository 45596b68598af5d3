#include "pt2tf/dtype.h"

#include <array>
#include <cmath>
#include <cstring>

namespace pt2tf {
namespace {

struct DTypeInfo {
  DType dtype;
  int size;
  std::string_view torch_name;
  std::string_view torch_storage;  // "" when torch has no typed storage class
  int onnx;                        // 0 = none
  int tf;                          // 0 = none
  std::string_view safetensors;    // "" = none
};

// ONNX TensorProto.DataType and TensorFlow DataType numbers (they differ; keep them here).
constexpr std::array<DTypeInfo, 18> kTable = {{
    {DType::kFloat64, 8, "float64", "DoubleStorage", 11, 2, "F64"},
    {DType::kFloat32, 4, "float32", "FloatStorage", 1, 1, "F32"},
    {DType::kFloat16, 2, "float16", "HalfStorage", 10, 19, "F16"},
    {DType::kBFloat16, 2, "bfloat16", "BFloat16Storage", 16, 14, "BF16"},
    {DType::kInt64, 8, "int64", "LongStorage", 7, 9, "I64"},
    {DType::kInt32, 4, "int32", "IntStorage", 6, 3, "I32"},
    {DType::kInt16, 2, "int16", "ShortStorage", 5, 5, "I16"},
    {DType::kInt8, 1, "int8", "CharStorage", 3, 6, "I8"},
    {DType::kUInt8, 1, "uint8", "ByteStorage", 2, 4, "U8"},
    {DType::kUInt16, 2, "uint16", "", 4, 17, "U16"},
    {DType::kUInt32, 4, "uint32", "", 12, 22, "U32"},
    {DType::kUInt64, 8, "uint64", "", 13, 23, "U64"},
    {DType::kBool, 1, "bool", "BoolStorage", 9, 10, "BOOL"},
    {DType::kComplex64, 8, "complex64", "ComplexFloatStorage", 14, 8, "C64"},
    {DType::kComplex128, 16, "complex128", "ComplexDoubleStorage", 15, 18, ""},
    {DType::kFloat8E4M3FN, 1, "float8_e4m3fn", "", 17, 0, "F8_E4M3"},
    {DType::kFloat8E5M2, 1, "float8_e5m2", "", 19, 0, "F8_E5M2"},
    {DType::kString, 0, "string", "", 8, 7, ""},
}};

const DTypeInfo& Info(DType t) {
  for (const auto& info : kTable)
    if (info.dtype == t) return info;
  return kTable[1];  // unreachable: every enumerator has a row
}

}  // namespace

int ElementSize(DType t) { return Info(t).size; }
std::string_view TorchName(DType t) { return Info(t).torch_name; }

bool IsFloatingPoint(DType t) {
  switch (t) {
    case DType::kFloat64:
    case DType::kFloat32:
    case DType::kFloat16:
    case DType::kBFloat16:
    case DType::kFloat8E4M3FN:
    case DType::kFloat8E5M2:
      return true;
    default:
      return false;
  }
}

bool IsInteger(DType t) {
  switch (t) {
    case DType::kInt64:
    case DType::kInt32:
    case DType::kInt16:
    case DType::kInt8:
    case DType::kUInt8:
    case DType::kUInt16:
    case DType::kUInt32:
    case DType::kUInt64:
      return true;
    default:
      return false;
  }
}

std::optional<int> OnnxDataType(DType t) {
  int v = Info(t).onnx;
  return v ? std::optional<int>(v) : std::nullopt;
}

std::optional<DType> DTypeFromOnnx(int onnx_type) {
  for (const auto& info : kTable)
    if (info.onnx != 0 && info.onnx == onnx_type) return info.dtype;
  return std::nullopt;
}

std::optional<int> TfDataType(DType t) {
  int v = Info(t).tf;
  return v ? std::optional<int>(v) : std::nullopt;
}

std::optional<DType> DTypeFromTf(int tf_type) {
  for (const auto& info : kTable)
    if (info.tf != 0 && info.tf == tf_type) return info.dtype;
  return std::nullopt;
}

std::optional<DType> DTypeFromSafetensors(std::string_view name) {
  for (const auto& info : kTable)
    if (!info.safetensors.empty() && info.safetensors == name) return info.dtype;
  return std::nullopt;
}

std::optional<DType> DTypeFromTorchStorage(std::string_view class_name) {
  for (const auto& info : kTable)
    if (!info.torch_storage.empty() && info.torch_storage == class_name) return info.dtype;
  return std::nullopt;
}

std::optional<DType> DTypeFromTorchName(std::string_view name) {
  for (const auto& info : kTable)
    if (info.torch_name == name) return info.dtype;
  // torch's aliases, as `str(torch.float)` never prints them but pickles may name them.
  struct Alias {
    std::string_view name;
    DType dtype;
  };
  static constexpr Alias kAliases[] = {
      {"float", DType::kFloat32},    {"double", DType::kFloat64},     {"half", DType::kFloat16},
      {"long", DType::kInt64},       {"int", DType::kInt32},          {"short", DType::kInt16},
      {"cfloat", DType::kComplex64}, {"cdouble", DType::kComplex128},
  };
  for (const auto& a : kAliases)
    if (a.name == name) return a.dtype;
  return std::nullopt;
}

uint16_t FloatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const uint32_t abs = x & 0x7fffffffu;
  if (abs >= 0x7f800000u)  // inf or nan
    return static_cast<uint16_t>(sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0));
  if (abs >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // rounds to inf
  const int exp = static_cast<int>(abs >> 23) - 127;
  if (exp < -14) {  // subnormal half (or zero)
    if (exp < -25) return static_cast<uint16_t>(sign);
    const uint32_t mant = (abs & 0x7fffffu) | 0x800000u;
    const int shift = -exp - 14 + 13;  // bits dropped
    uint32_t h = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1u))) ++h;
    return static_cast<uint16_t>(sign | h);
  }
  uint32_t h = (static_cast<uint32_t>(exp + 15) << 10) | ((abs >> 13) & 0x3ffu);
  const uint32_t rem = abs & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;  // may carry into the exponent
  return static_cast<uint16_t>(sign | h);
}

float HalfToFloat(uint16_t h) {
  // Every half value is exact in float: scale the integer significand by a power of two.
  const int exp = (h >> 10) & 0x1f;
  const int mant = h & 0x3ff;
  float v;
  if (exp == 0) {
    v = std::ldexp(static_cast<float>(mant), -24);
  } else if (exp == 31) {
    v = mant ? NAN : INFINITY;
  } else {
    v = std::ldexp(static_cast<float>(mant | 0x400), exp - 25);
  }
  return (h & 0x8000u) ? -v : v;
}

uint16_t FloatToBFloat16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);  // nan
  x += 0x7fffu + ((x >> 16) & 1u);
  return static_cast<uint16_t>(x >> 16);
}

}  // namespace pt2tf
