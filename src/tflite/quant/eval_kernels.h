// Kernels of the TFLite evaluator (evaluator.h), by family: eval_conv.cpp (CONV_2D,
// DEPTHWISE_CONV_2D, FULLY_CONNECTED, BATCH_MATMUL, pools), eval_movement.cpp (slices,
// resizes, gather, split / pack / unpack, tile, depth-space), eval_ops.cpp (elementwise,
// comparisons, select, cast, reductions, softmax, reshape / transpose / concat / pad,
// QUANTIZE/DEQUANTIZE), eval_index.cpp (arg max / min, top-k, one-hot, gather-nd, reverse),
// eval_generate.cpp (shape, fill, range, broadcast-args, zeros-like, cumsum) and
// eval_bitwise_norm.cpp (bitwise xor, right shift, local response normalization). The one
// table is EvalKernelFor in eval_table.cpp.
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

Status EvalTransposeConv(OpContext& ctx);  // TRANSPOSE_CONV (float)
Status EvalBatchMatMul(OpContext& ctx);    // BATCH_MATMUL (float; quantized inputs dequantized)

// eval_ops.cpp
Status EvalBinary(OpContext& ctx);   // ADD ... LOGICAL_OR: two operands broadcast to the output
Status EvalUnary(OpContext& ctx);    // RELU ... LOGICAL_NOT: one operand, elementwise
Status EvalSoftmax(OpContext& ctx);  // SOFTMAX, LOG_SOFTMAX
Status EvalSelect(OpContext& ctx);   // SELECT_V2
Status EvalCast(OpContext& ctx);
Status EvalReduce(OpContext& ctx);   // MEAN, SUM, REDUCE_PROD / _MAX / _MIN / _ANY / _ALL
Status EvalReshape(OpContext& ctx);  // RESHAPE, SQUEEZE, EXPAND_DIMS
Status EvalTranspose(OpContext& ctx);
Status EvalConcat(OpContext& ctx);
Status EvalPad(OpContext& ctx);  // PAD, PADV2
Status EvalQuantize(OpContext& ctx);
Status EvalDequantize(OpContext& ctx);

// eval_movement.cpp
Status EvalStridedSlice(OpContext& ctx);
Status EvalSlice(OpContext& ctx);
Status EvalResizeNearest(OpContext& ctx);   // RESIZE_NEAREST_NEIGHBOR
Status EvalResizeBilinear(OpContext& ctx);  // RESIZE_BILINEAR (float)
Status EvalGather(OpContext& ctx);
Status EvalSplit(OpContext& ctx);  // SPLIT, SPLIT_V
Status EvalPack(OpContext& ctx);
Status EvalUnpack(OpContext& ctx);
Status EvalTile(OpContext& ctx);        // TILE, BROADCAST_TO
Status EvalDepthSpace(OpContext& ctx);  // DEPTH_TO_SPACE, SPACE_TO_DEPTH
Status EvalMirrorPad(OpContext& ctx);

// eval_index.cpp
Status EvalArgMinMax(OpContext& ctx);  // ARG_MAX, ARG_MIN
Status EvalTopK(OpContext& ctx);       // TOPK_V2
Status EvalOneHot(OpContext& ctx);
Status EvalGatherNd(OpContext& ctx);
Status EvalScatterNd(OpContext& ctx);
Status EvalDynamicUpdateSlice(OpContext& ctx);
Status EvalUnsortedSegment(OpContext& ctx);  // UNSORTED_SEGMENT_MAX, UNSORTED_SEGMENT_MIN
Status EvalReverse(OpContext& ctx);          // REVERSE_V2
Status EvalReverseSequence(OpContext& ctx);

// eval_generate.cpp
Status EvalShape(OpContext& ctx);
Status EvalFill(OpContext& ctx);
Status EvalRange(OpContext& ctx);
Status EvalBroadcastArgs(OpContext& ctx);
Status EvalZerosLike(OpContext& ctx);
Status EvalCumsum(OpContext& ctx);

// eval_bitwise_norm.cpp
Status EvalBitwise(OpContext& ctx);            // BITWISE_XOR, RIGHT_SHIFT
Status EvalLocalResponseNorm(OpContext& ctx);  // LOCAL_RESPONSE_NORMALIZATION (float)

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
// (By value: a caller done with its vector moves it in, and a float output takes it whole.)
void StoreFloat(EvalTensor& out, std::vector<float> values, int32_t lo = -128, int32_t hi = 127);
// The [lo, hi] int8 range a fused activation leaves for `out` (the full range for NONE).
void ActivationRange(::tflite::ActivationFunctionType act, const EvalTensor& out, int32_t* lo,
                     int32_t* hi);
// Applies a fused activation to float values.
void ApplyActivation(::tflite::ActivationFunctionType act, std::vector<float>& values);
Status OpError(const OpContext& ctx, const std::string& message);
// Whether shape `a` broadcasts to `y` (numpy rules, right-aligned): what makes the indices
// ForEachBroadcast hands out stay inside the operand.
inline bool BroadcastsTo(const ir::Dims& a, const ir::Dims& y) {
  if (a.size() > y.size()) return false;
  for (size_t k = 1; k <= a.size(); ++k)
    if (a[a.size() - k] != 1 && a[a.size() - k] != y[y.size() - k]) return false;
  return true;
}

// Calls f(i, ia, ib) for every element i (C order) of the `y`-shaped broadcast of shapes `a`
// and `b` (numpy rules, right-aligned), ia / ib being the element's index in each operand.
// Dims that broadcast alike are merged first, so the inner loop is as long as the shapes allow
// (all of it for equal shapes or a scalar, C for an NHWC tensor times a per-channel one).
template <class F>
void ForEachBroadcast(const ir::Dims& a, const ir::Dims& b, const ir::Dims& y, F&& f) {
  // Merged dims, innermost first: extent and each operand's stride (0 where it broadcasts).
  std::vector<int64_t> ext, sa, sb;
  int64_t stride_a = 1, stride_b = 1;
  for (size_t k = 0; k < y.size(); ++k) {
    const int64_t n = y[y.size() - 1 - k];
    const int64_t da = k < a.size() ? a[a.size() - 1 - k] : 1;
    const int64_t db = k < b.size() ? b[b.size() - 1 - k] : 1;
    if (n == 1) continue;
    const int64_t ta = da == 1 ? 0 : stride_a, tb = db == 1 ? 0 : stride_b;
    stride_a *= da, stride_b *= db;
    // Dim k continues the previous group when both operands step through it as through the
    // group's next block (stride = extent × previous stride, 0 with 0).
    if (!ext.empty() && ta == sa.back() * ext.back() && tb == sb.back() * ext.back()) {
      ext.back() *= n;
      continue;
    }
    ext.push_back(n), sa.push_back(ta), sb.push_back(tb);
  }
  int64_t total = 1;
  for (int64_t n : y) total *= n;
  if (total == 0) return;
  if (ext.empty()) ext = {1}, sa = {0}, sb = {0};
  const int64_t inner = ext[0], step_a = sa[0], step_b = sb[0];
  std::vector<int64_t> pos(ext.size(), 0);
  int64_t oa = 0, ob = 0;
  for (int64_t i = 0; i < total; i += inner) {
    for (int64_t j = 0; j < inner; ++j) f(i + j, oa + j * step_a, ob + j * step_b);
    for (size_t k = 1; k < ext.size(); ++k) {  // the odometer over the outer groups
      oa += sa[k], ob += sb[k];
      if (++pos[k] < ext[k]) break;
      oa -= sa[k] * ext[k], ob -= sb[k] * ext[k];
      pos[k] = 0;
    }
  }
}

// Normalises a possibly negative axis of a rank-`rank` tensor; false when out of range.
inline bool NormaliseAxis(int64_t& axis, int64_t rank) {
  if (axis < 0) axis += rank;
  return axis >= 0 && axis < rank;
}

// Products of the dims before and after `axis`.
inline void OuterInner(const ir::Dims& shape, size_t axis, int64_t* outer, int64_t* inner) {
  *outer = 1, *inner = 1;
  for (size_t k = 0; k < axis; ++k) *outer *= shape[k];
  for (size_t k = axis + 1; k < shape.size(); ++k) *inner *= shape[k];
}

// Whether `y` stores its values as `x` does (f or q) with the same quantization: what a kernel
// that moves stored values without arithmetic needs.
inline bool SameKind(const EvalTensor& x, const EvalTensor& y) {
  return x.is_float() == y.is_float() && x.scale == y.scale && x.zero_point == y.zero_point;
}

// The one integer of a scalar (or one-element) integer operand such as an axis or k; false
// when `t` is missing, float or holds more than one value.
inline bool ScalarInt(const EvalTensor* t, int64_t* v) {
  if (!t || t->is_float() || t->q.size() != 1) return false;
  *v = t->q[0];
  return true;
}

// Copies element `src[i]` of `x` to position i of `y` (f or q, as the type holds).
void PickElements(const EvalTensor& x, EvalTensor& y, const std::vector<int64_t>& src);

}  // namespace pt2tf::tflite
