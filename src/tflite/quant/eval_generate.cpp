// Kernels of the TFLite evaluator that make tensors from shapes and scalars: SHAPE, FILL,
// RANGE, BROADCAST_ARGS, ZEROS_LIKE, and CUMSUM (a running sum). The writer emits the first
// four when a value is known only at run time; the evaluator runs static shapes, so each
// kernel computes what the file's output shape must then be and refuses a file whose shape
// says otherwise (nothing is written past what the file declared). Semantics are TFLite's:
// RANGE accumulates start + delta + delta ... in the output type, CUMSUM sums along the axis
// in the element type, with `exclusive` (each element left out of its own sum) and `reverse`
// (summed from the end).
#include <algorithm>
#include <cmath>
#include <limits>

#include "tflite/quant/eval_kernels.h"

namespace pt2tf::tflite {
namespace {

bool IsPlainInt(const EvalTensor& t) { return !t.is_float() && !t.quantized(); }

bool IsIntType(::tflite::TensorType t) {
  return t == ::tflite::TensorType_INT32 || t == ::tflite::TensorType_INT64;
}

// An int32 / int64 output's stored value: int32 wraps as TFLite's int32 arithmetic does on
// the two's-complement machines it runs on; int64 is kept narrowed (clamped) to int32, as
// everywhere in the evaluator.
int32_t StoreInt(::tflite::TensorType type, int64_t v) {
  if (type == ::tflite::TensorType_INT32) return static_cast<int32_t>(static_cast<uint32_t>(v));
  return static_cast<int32_t>(std::clamp<int64_t>(v, INT32_MIN, INT32_MAX));
}

}  // namespace

Status EvalShape(OpContext& ctx) {
  const EvalTensor& x = *ctx.in[0];
  EvalTensor& y = *ctx.out[0];
  if (!IsPlainInt(y) || !IsIntType(y.type) ||
      y.shape != ir::Dims{static_cast<int64_t>(x.shape.size())})
    return OpError(ctx, "the output must be an int32 / int64 vector of the input's rank");
  y.q.assign(x.shape.begin(), x.shape.end());  // dims come from int32 file fields
  return OkStatus();
}

Status EvalFill(OpContext& ctx) {
  if (ctx.in.size() != 2 || !ctx.in[1]) return OpError(ctx, "needs dims and a value");
  const EvalTensor &dims = *ctx.in[0], &value = *ctx.in[1];
  EvalTensor& y = *ctx.out[0];
  if (!IsPlainInt(dims) || dims.shape.size() != 1 || value.numel() != 1 || !SameKind(value, y))
    return OpError(ctx, "needs 1-D integer dims and a scalar of the output's type");
  if (!std::equal(dims.q.begin(), dims.q.end(), y.shape.begin(), y.shape.end()))
    return OpError(ctx, "dims do not match the output shape");
  if (y.is_float())
    y.f.assign(y.numel(), value.f[0]);
  else
    y.q.assign(y.numel(), value.q[0]);
  return OkStatus();
}

Status EvalRange(OpContext& ctx) {
  if (ctx.in.size() != 3 || !ctx.in[1] || !ctx.in[2])
    return OpError(ctx, "needs start, limit and delta");
  EvalTensor& y = *ctx.out[0];
  for (const EvalTensor* t : ctx.in)
    if (t->numel() != 1 || t->type != y.type || t->quantized())
      return OpError(ctx, "start, limit and delta must be scalars of the output's type");
  if (y.quantized() || (!y.is_float() && !IsIntType(y.type)) || y.shape.size() != 1)
    return OpError(ctx, "the output must be a float32, int32 or int64 vector");
  const int64_t n = y.shape[0];
  if (y.is_float()) {
    const float start = ctx.in[0]->f[0], limit = ctx.in[1]->f[0], delta = ctx.in[2]->f[0];
    if (delta == 0 || (start > limit && delta > 0) || (start < limit && delta < 0))
      return OpError(ctx, "delta is 0 or points away from limit");
    const float size = std::ceil(std::fabs((limit - start) / delta));
    if (!(size == static_cast<float>(n))) return OpError(ctx, "output length does not match");
    y.f.resize(n);
    float v = start;  // accumulated, not start + i·delta: TFLite's rounding
    for (int64_t i = 0; i < n; ++i, v += delta) y.f[i] = v;
    return OkStatus();
  }
  const int64_t start = ctx.in[0]->q[0], limit = ctx.in[1]->q[0], delta = ctx.in[2]->q[0];
  if (delta == 0 || (start > limit && delta > 0) || (start < limit && delta < 0))
    return OpError(ctx, "delta is 0 or points away from limit");
  const int64_t span = limit > start ? limit - start : start - limit, step = std::abs(delta);
  if ((span + step - 1) / step != n) return OpError(ctx, "output length does not match");
  y.q.resize(n);
  for (int64_t i = 0; i < n; ++i) y.q[i] = StoreInt(y.type, start + i * delta);
  return OkStatus();
}

// BROADCAST_ARGS: the numpy broadcast of two shape vectors.
Status EvalBroadcastArgs(OpContext& ctx) {
  if (ctx.in.size() != 2 || !ctx.in[1]) return OpError(ctx, "needs two shapes");
  const EvalTensor &a = *ctx.in[0], &b = *ctx.in[1];
  EvalTensor& y = *ctx.out[0];
  if (!IsPlainInt(a) || !IsPlainInt(b) || a.shape.size() != 1 || b.shape.size() != 1 ||
      !IsPlainInt(y) || !IsIntType(y.type) || y.shape != ir::Dims{std::max(a.shape[0], b.shape[0])})
    return OpError(ctx, "needs two integer shape vectors and an output of the longer length");
  const size_t n = static_cast<size_t>(y.shape[0]);
  y.q.resize(n);
  for (size_t k = 1; k <= n; ++k) {
    const int32_t da = k <= a.q.size() ? a.q[a.q.size() - k] : 1;
    const int32_t db = k <= b.q.size() ? b.q[b.q.size() - k] : 1;
    if (da != db && da != 1 && db != 1) return OpError(ctx, "shapes do not broadcast");
    y.q[n - k] = da == 1 ? db : da;
  }
  return OkStatus();
}

Status EvalZerosLike(OpContext& ctx) {
  const EvalTensor& x = *ctx.in[0];
  EvalTensor& y = *ctx.out[0];
  if (y.shape != x.shape || y.quantized() || x.is_float() != y.is_float())
    return OpError(ctx, "the output must be the unquantized input's shape and type");
  y.is_float() ? y.f.assign(y.numel(), 0.0f) : y.q.assign(y.numel(), 0);
  return OkStatus();
}

Status EvalCumsum(OpContext& ctx) {
  int64_t axis;
  if (ctx.in.size() != 2 || !ScalarInt(ctx.in[1], &axis))
    return OpError(ctx, "needs data and one integer axis");
  const EvalTensor& x = *ctx.in[0];
  EvalTensor& y = *ctx.out[0];
  if (x.quantized() || y.quantized() || x.type != y.type || x.shape != y.shape ||
      (!x.is_float() && !IsIntType(x.type)))
    return OpError(ctx, "needs a float32, int32 or int64 input and an output like it");
  if (!NormaliseAxis(axis, static_cast<int64_t>(x.shape.size())))
    return OpError(ctx, "axis out of range");
  const auto* o = ctx.op.builtin_options_as_CumsumOptions();
  const bool exclusive = o && o->exclusive(), reverse = o && o->reverse();
  int64_t outer, inner;
  OuterInner(x.shape, static_cast<size_t>(axis), &outer, &inner);
  const int64_t dim = x.shape[axis];
  auto run = [&](const auto* in, auto* out, auto zero, auto store) {
    for (int64_t r = 0; r < outer; ++r)
      for (int64_t i = 0; i < inner; ++i) {
        auto sum = zero;
        for (int64_t j = 0; j < dim; ++j) {
          const int64_t at = (r * dim + (reverse ? dim - 1 - j : j)) * inner + i;
          if (exclusive) {
            out[at] = store(sum);
            sum += in[at];
          } else {
            sum += in[at];
            out[at] = store(sum);
          }
        }
      }
  };
  if (x.is_float()) {
    y.f.resize(x.f.size());
    run(x.f.data(), y.f.data(), 0.0f, [](float s) { return s; });
  } else {
    y.q.resize(x.q.size());
    run(x.q.data(), y.q.data(), int64_t{0}, [&](int64_t s) { return StoreInt(y.type, s); });
  }
  return OkStatus();
}

}  // namespace pt2tf::tflite
