// Element types, and the one table that maps them to torch, ONNX, TensorFlow and
// safetensors spellings. Every format's numbers live in dtype.cpp and nowhere else.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace pt2tf {

enum class DType : uint8_t {
  kFloat64,
  kFloat32,
  kFloat16,
  kBFloat16,
  kInt64,
  kInt32,
  kInt16,
  kInt8,
  kUInt8,
  kUInt16,
  kUInt32,
  kUInt64,
  kBool,
  kComplex64,
  kComplex128,
  kFloat8E4M3FN,
  kFloat8E5M2,
  kString,  // ONNX/TF string tensors (no fixed element size)
};

// Bytes per element (0 for kString).
int ElementSize(DType t);
// torch's spelling without "torch.": "float32", "bfloat16", "int64", "bool", ...
std::string_view TorchName(DType t);
bool IsFloatingPoint(DType t);
bool IsInteger(DType t);  // signed or unsigned integers, not bool

// ONNX TensorProto.DataType number, or nullopt when ONNX has none.
std::optional<int> OnnxDataType(DType t);
std::optional<DType> DTypeFromOnnx(int onnx_type);
// TensorFlow DataType enum number, or nullopt when TensorFlow has none.
std::optional<int> TfDataType(DType t);
std::optional<DType> DTypeFromTf(int tf_type);
// safetensors header spelling ("F32", "BF16", "I64", "BOOL", ...).
std::optional<DType> DTypeFromSafetensors(std::string_view name);
// torch storage class name ("FloatStorage", "BFloat16Storage", ...); nullopt if unknown.
std::optional<DType> DTypeFromTorchStorage(std::string_view class_name);
// torch dtype attribute name as pickled ("float32", "float", "half", "long", ...).
std::optional<DType> DTypeFromTorchName(std::string_view name);

// IEEE half / bfloat16 bits from float, round to nearest even (inf and NaN kept), and
// half bits to float (exact).
uint16_t FloatToHalf(float f);
uint16_t FloatToBFloat16(float f);
float HalfToFloat(uint16_t h);

}  // namespace pt2tf
