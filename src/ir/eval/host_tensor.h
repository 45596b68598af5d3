// HostTensor: the reference evaluator's working representation of a small constant.
// Floating-point values are held as double and integers/bools as int64, so one code path
// serves every dtype; results are rounded to the node's dtype when turned back into a
// Tensor. Only for small tensors (shape arithmetic): callers cap sizes.
#pragma once

#include <cstdint>
#include <vector>

#include "pt2tf/dtype.h"
#include "pt2tf/ir/graph.h"
#include "pt2tf/tensor.h"

namespace pt2tf::ir::eval {

struct HostTensor {
  DType dtype = DType::kFloat32;
  Dims shape;
  std::vector<double> f;   // when IsFloatingPoint(dtype)
  std::vector<int64_t> i;  // integers and bool (0/1)

  bool is_float() const { return IsFloatingPoint(dtype); }
  int64_t numel() const;
  double AsDouble(int64_t k) const { return is_float() ? f[k] : static_cast<double>(i[k]); }
  int64_t AsInt(int64_t k) const { return is_float() ? static_cast<int64_t>(f[k]) : i[k]; }
  // An all-zero tensor of this dtype and shape.
  static HostTensor Zeros(DType dtype, Dims shape);
  // Reads any float, integer or bool Tensor (Unsupported for strings, complex, float8).
  static Result<HostTensor> FromTensor(const Tensor& t);
  // Rounds every value to what `dtype` can hold (float32 rounding, integer wrap-around), as
  // storing and reloading would; the evaluator applies it to every result.
  void RoundToDType();
  // Writes an owned, C-contiguous Tensor, rounding values to `dtype`.
  Result<Tensor> ToTensor() const;
};

// True when the evaluator can hold this dtype.
bool IsEvaluableDType(DType t);
// Converts a whole Tensor to another dtype with ONNX Cast semantics (float -> int truncates
// toward zero, anything -> bool is "!= 0"), streaming element by element; used for large
// weights, where a HostTensor would cost 8 bytes per element.
Result<Tensor> CastTensor(const Tensor& t, DType to);

}  // namespace pt2tf::ir::eval
