// Kernels of the TFLite evaluator (evaluator.h), by family: eval_conv.cpp (CONV_2D,
// DEPTHWISE_CONV_2D, FULLY_CONNECTED, pools), eval_movement.cpp (slices, nearest resize)
// and eval_ops.cpp (elementwise, shape ops,
// QUANTIZE/DEQUANTIZE). The one table is EvalKernelFor in eval_ops.cpp.
#pragma once

#include <vector>

#include "tflite/quant/evaluator.h"

namespace pt2tf::tflite {

struct OpContext {
  const ::tflite::Operator& op;
  ::tflite::BuiltinOperator code;
  std::vector<const EvalTensor*> in;  // nullptr for an omitted optional input (-1)
  std::vector<EvalTensor*> out;       // type, shape and parameters set; values to fill
};

using EvalKernel = Status (*)(OpContext& ctx);

// nullptr when the evaluator has no kernel for `op`.
EvalKernel EvalKernelFor(::tflite::BuiltinOperator op);

// eval_conv.cpp
Status EvalConv(OpContext& ctx);  // CONV_2D, DEPTHWISE_CONV_2D
Status EvalFullyConnected(OpContext& ctx);
Status EvalPool(OpContext& ctx);  // MAX_POOL_2D, AVERAGE_POOL_2D

// eval_movement.cpp
Status EvalStridedSlice(OpContext& ctx);
Status EvalSlice(OpContext& ctx);
Status EvalResizeNearest(OpContext& ctx);  // RESIZE_NEAREST_NEIGHBOR

// eval_int8.cpp: the integer-exact int8 forms of ADD / SUB / MUL and of HARD_SWISH /
// LOGISTIC / TANH. Return false when `ctx` is not that case (the float or fake-quantized
// kernel runs instead); otherwise `status` is the kernel's result.
bool EvalInt8Binary(OpContext& ctx, Status& status);
bool EvalInt8Unary(OpContext& ctx, Status& status);

// Helpers shared by the kernel files.
// Float values of `t` (dequantized when quantized, per channel along qdim).
std::vector<float> FloatValues(const EvalTensor& t);
// Writes float `values` into `out`: as they are for float outputs, quantized (round half
// away from zero, clamped to [lo, hi]) for int8 ones.
void StoreFloat(EvalTensor& out, const std::vector<float>& values, int32_t lo = -128,
                int32_t hi = 127);
// The [lo, hi] int8 range a fused activation leaves for `out` (the full range for NONE).
void ActivationRange(::tflite::ActivationFunctionType act, const EvalTensor& out, int32_t* lo,
                     int32_t* hi);
// Applies a fused activation to float values.
void ApplyActivation(::tflite::ActivationFunctionType act, std::vector<float>& values);
Status OpError(const OpContext& ctx, const std::string& message);
// Index into `in` (shape `in_shape`) of each element of an `out`-shaped broadcast.
std::vector<int64_t> BroadcastIndex(const ir::Dims& in_shape, const ir::Dims& out);
// Copies element `src[i]` of `x` to position i of `y` (f or q, as the type holds).
void PickElements(const EvalTensor& x, EvalTensor& y, const std::vector<int64_t>& src);

}  // namespace pt2tf::tflite
