// Two small families of TFLite evaluator kernels the writer emits without an int8 form:
// - BITWISE_XOR and RIGHT_SHIFT on unquantized 8/16/32-bit integers, broadcast as numpy does.
//   Values are held sign-extended (int8/int16/int32) or zero-extended (uint8) in int32, so an
//   xor or an arithmetic shift of the held value is the op on the stored type. RIGHT_SHIFT
//   clamps the shift to [0, bits − 1] as TFLite does (a larger shift is undefined in C++).
// - LOCAL_RESPONSE_NORMALIZATION (float, NHWC): x · (bias + alpha · Σ x²)^−beta, the sum
//   over the channels within `radius` of each channel (TF's alpha, not divided by the window).
#include <algorithm>
#include <cmath>

#include "tflite/quant/eval_kernels.h"

namespace pt2tf::tflite {
namespace {

int IntBits(::tflite::TensorType t) {
  switch (t) {
    case ::tflite::TensorType_INT8:
    case ::tflite::TensorType_UINT8:
      return 8;
    case ::tflite::TensorType_INT16:
      return 16;
    case ::tflite::TensorType_INT32:
      return 32;
    default:
      return 0;  // not a type the evaluator holds bit-exactly
  }
}

}  // namespace

Status EvalBitwise(OpContext& ctx) {
  if (ctx.in.size() != 2 || !ctx.in[1]) return OpError(ctx, "needs 2 inputs");
  const EvalTensor &a = *ctx.in[0], &b = *ctx.in[1];
  EvalTensor& y = *ctx.out[0];
  const int bits = IntBits(y.type);
  if (bits == 0 || a.type != y.type || b.type != y.type || a.quantized() || b.quantized() ||
      y.quantized())
    return OpError(ctx, "needs unquantized 8/16/32-bit integer operands of the output's type");
  if (!BroadcastsTo(a.shape, y.shape) || !BroadcastsTo(b.shape, y.shape))
    return OpError(ctx, "operands do not broadcast to the output");
  y.q.resize(y.numel());
  if (ctx.code == ::tflite::BuiltinOperator_BITWISE_XOR) {
    ForEachBroadcast(a.shape, b.shape, y.shape,
                     [&](int64_t i, int64_t ia, int64_t ib) { y.q[i] = a.q[ia] ^ b.q[ib]; });
  } else {
    ForEachBroadcast(a.shape, b.shape, y.shape, [&](int64_t i, int64_t ia, int64_t ib) {
      y.q[i] = a.q[ia] >> std::clamp<int32_t>(b.q[ib], 0, bits - 1);
    });
  }
  return OkStatus();
}

Status EvalLocalResponseNorm(OpContext& ctx) {
  const EvalTensor& x = *ctx.in[0];
  EvalTensor& y = *ctx.out[0];
  if (!x.is_float() || !y.is_float() || x.shape.size() != 4 || y.shape != x.shape)
    return OpError(ctx, "needs a 4-D float input and an output of its shape");
  const auto* o = ctx.op.builtin_options_as_LocalResponseNormalizationOptions();
  if (!o) return OpError(ctx, "lacks its options");
  const int64_t depth = x.shape[3], radius = o->radius();
  const float bias = o->bias(), alpha = o->alpha(), beta = o->beta();
  const int64_t pixels = depth > 0 ? x.numel() / depth : 0;
  y.f.resize(x.f.size());
  // The window sum in float, channel by channel, as TFLite's reference loop. A window wider
  // than any real LRN (only in a crafted file) runs on a sliding double sum instead, so the
  // work stays linear in the tensor's size.
  const bool sliding = radius > 32;
  for (int64_t p = 0; p < pixels; ++p) {
    const float* in = x.f.data() + p * depth;
    float* out = y.f.data() + p * depth;
    double window = 0;
    int64_t lo = 0, hi = 0;  // the sliding window's channels [lo, hi)
    for (int64_t c = 0; c < depth; ++c) {
      const int64_t begin = std::max<int64_t>(0, c - radius);
      const int64_t end = std::min<int64_t>(depth, c + radius + 1);
      float accum = 0;
      if (sliding) {
        for (; hi < end; ++hi) window += static_cast<double>(in[hi]) * in[hi];
        for (; lo < begin; ++lo) window -= static_cast<double>(in[lo]) * in[lo];
        accum = static_cast<float>(window);
      } else {
        for (int64_t k = begin; k < end; ++k) accum += in[k] * in[k];
      }
      out[c] = in[c] * std::pow(bias + alpha * accum, -beta);
    }
  }
  return OkStatus();
}

}  // namespace pt2tf::tflite
