// Elementwise, reduction, softmax, data-movement and QUANTIZE/DEQUANTIZE kernels of the
// TFLite evaluator (the kernel table is eval_table.cpp). int8 ADD/SUB/MUL, HARD_SWISH, LOGISTIC and
// TANH go to the integer-exact kernels of eval_int8.cpp; the other int8 arithmetic here is
// fake-quantized (dequantize → float → requantize, round half away from zero); data
// movement copies the integers and QUANTIZE/DEQUANTIZE follow TFLite's reference arithmetic.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "tflite/quant/eval_kernels.h"

namespace pt2tf::tflite {

using Op = ::tflite::BuiltinOperator;

namespace {

::tflite::ActivationFunctionType FusedActivation(const OpContext& ctx) {
  if (const auto* o = ctx.op.builtin_options_as_AddOptions()) return o->fused_activation_function();
  if (const auto* o = ctx.op.builtin_options_as_SubOptions()) return o->fused_activation_function();
  if (const auto* o = ctx.op.builtin_options_as_MulOptions()) return o->fused_activation_function();
  if (const auto* o = ctx.op.builtin_options_as_DivOptions()) return o->fused_activation_function();
  return ::tflite::ActivationFunctionType_NONE;
}

}  // namespace

Status EvalBinary(OpContext& ctx) {
  if (ctx.in.size() != 2 || !ctx.in[0] || !ctx.in[1]) return OpError(ctx, "needs 2 inputs");
  EvalTensor& y = *ctx.out[0];
  const EvalTensor &x0 = *ctx.in[0], &x1 = *ctx.in[1];
  if (!BroadcastsTo(x0.shape, y.shape) || !BroadcastsTo(x1.shape, y.shape))
    return OpError(ctx, "operands do not broadcast to the output");
  if (Status st; EvalInt8Binary(ctx, st)) return st;
  // Float operands are read in place; quantized ones are dequantized once.
  std::vector<float> a0, b0;
  if (!x0.is_float()) a0 = FloatValues(x0);
  if (!x1.is_float()) b0 = FloatValues(x1);
  const float* a = x0.is_float() ? x0.f.data() : a0.data();
  const float* b = x1.is_float() ? x1.f.data() : b0.data();
  std::vector<float> out(y.numel());
  auto apply = [&](auto op) {
    ForEachBroadcast(x0.shape, x1.shape, y.shape,
                     [&](int64_t i, int64_t ia, int64_t ib) { out[i] = op(a[ia], b[ib]); });
  };
  switch (ctx.code) {
    case Op::BuiltinOperator_ADD:
      apply([](float u, float v) { return u + v; });
      break;
    case Op::BuiltinOperator_SUB:
      apply([](float u, float v) { return u - v; });
      break;
    case Op::BuiltinOperator_MUL:
      apply([](float u, float v) { return u * v; });
      break;
    case Op::BuiltinOperator_DIV:
      apply([](float u, float v) { return u / v; });
      break;
    case Op::BuiltinOperator_MAXIMUM:
      apply([](float u, float v) { return std::max(u, v); });
      break;
    case Op::BuiltinOperator_MINIMUM:
      apply([](float u, float v) { return std::min(u, v); });
      break;
    case Op::BuiltinOperator_POW:
      apply([](float u, float v) { return std::pow(u, v); });
      break;
    case Op::BuiltinOperator_SQUARED_DIFFERENCE:
      apply([](float u, float v) { return (u - v) * (u - v); });
      break;
    case Op::BuiltinOperator_FLOOR_DIV:
      apply([](float u, float v) { return std::floor(u / v); });
      break;
    case Op::BuiltinOperator_FLOOR_MOD:  // the remainder takes the divisor's sign
      apply([](float u, float v) {
        const float r = std::fmod(u, v);
        return r != 0 && ((v < 0) != (r < 0)) ? r + v : r;
      });
      break;
    case Op::BuiltinOperator_ATAN2:
      apply([](float u, float v) { return std::atan2(u, v); });
      break;
    case Op::BuiltinOperator_LESS:
      apply([](float u, float v) { return float(u < v); });
      break;
    case Op::BuiltinOperator_LESS_EQUAL:
      apply([](float u, float v) { return float(u <= v); });
      break;
    case Op::BuiltinOperator_GREATER:
      apply([](float u, float v) { return float(u > v); });
      break;
    case Op::BuiltinOperator_GREATER_EQUAL:
      apply([](float u, float v) { return float(u >= v); });
      break;
    case Op::BuiltinOperator_EQUAL:
      apply([](float u, float v) { return float(u == v); });
      break;
    case Op::BuiltinOperator_NOT_EQUAL:
      apply([](float u, float v) { return float(u != v); });
      break;
    case Op::BuiltinOperator_LOGICAL_AND:
      apply([](float u, float v) { return float(u != 0 && v != 0); });
      break;
    case Op::BuiltinOperator_LOGICAL_OR:
      apply([](float u, float v) { return float(u != 0 || v != 0); });
      break;
    default:
      return OpError(ctx, "not a binary op");
  }
  const auto act = FusedActivation(ctx);
  ApplyActivation(act, out);
  int32_t lo = -128, hi = 127;
  if (y.quantized()) ActivationRange(act, y, &lo, &hi);
  StoreFloat(y, std::move(out), lo, hi);
  return OkStatus();
}

Status EvalUnary(OpContext& ctx) {
  if (ctx.in.empty() || !ctx.in[0]) return OpError(ctx, "needs an input");
  if (ctx.in[0]->numel() != ctx.out[0]->numel()) return OpError(ctx, "output size differs");
  if (Status st; EvalInt8Unary(ctx, st)) return st;
  std::vector<float> v = FloatValues(*ctx.in[0]);
  float alpha = 0.2f;
  if (const auto* o = ctx.op.builtin_options_as_LeakyReluOptions()) alpha = o->alpha();
  for (float& x : v) {
    switch (ctx.code) {
      case Op::BuiltinOperator_RELU:
        x = std::max(x, 0.0f);
        break;
      case Op::BuiltinOperator_RELU6:
        x = std::clamp(x, 0.0f, 6.0f);
        break;
      case Op::BuiltinOperator_LOGISTIC:
        x = 1.0f / (1.0f + std::exp(-x));
        break;
      case Op::BuiltinOperator_TANH:
        x = std::tanh(x);
        break;
      case Op::BuiltinOperator_HARD_SWISH:
        x = x * std::clamp(x + 3.0f, 0.0f, 6.0f) / 6.0f;
        break;
      case Op::BuiltinOperator_LEAKY_RELU:
        x = x >= 0 ? x : alpha * x;
        break;
      case Op::BuiltinOperator_EXP:
        x = std::exp(x);
        break;
      case Op::BuiltinOperator_SQUARE:
        x = x * x;
        break;
      case Op::BuiltinOperator_SQRT:
        x = std::sqrt(x);
        break;
      case Op::BuiltinOperator_RSQRT:
        x = 1.0f / std::sqrt(x);
        break;
      case Op::BuiltinOperator_NEG:
        x = -x;
        break;
      case Op::BuiltinOperator_ABS:
        x = std::fabs(x);
        break;
      case Op::BuiltinOperator_LOG:
        x = std::log(x);
        break;
      case Op::BuiltinOperator_SIN:
        x = std::sin(x);
        break;
      case Op::BuiltinOperator_COS:
        x = std::cos(x);
        break;
      case Op::BuiltinOperator_FLOOR:
        x = std::floor(x);
        break;
      case Op::BuiltinOperator_CEIL:
        x = std::ceil(x);
        break;
      case Op::BuiltinOperator_ROUND:  // half to even, as TFLite's ROUND
        x = std::nearbyint(x);
        break;
      case Op::BuiltinOperator_SIGN:
        x = static_cast<float>((x > 0) - (x < 0));
        break;
      case Op::BuiltinOperator_ELU:
        x = x < 0 ? std::expm1(x) : x;
        break;
      case Op::BuiltinOperator_LOGICAL_NOT:
        x = static_cast<float>(x == 0);
        break;
      default:
        return OpError(ctx, "not a unary op");
    }
  }
  StoreFloat(*ctx.out[0], std::move(v));
  return OkStatus();
}

Status EvalSoftmax(OpContext& ctx) {  // SOFTMAX, LOG_SOFTMAX
  if (ctx.in.empty() || !ctx.in[0] || ctx.in[0]->shape.empty() ||
      ctx.in[0]->numel() != ctx.out[0]->numel())
    return OpError(ctx, "bad input");
  const auto* o = ctx.op.builtin_options_as_SoftmaxOptions();
  const float beta = o ? o->beta() : 1.0f;
  const bool log = ctx.code == Op::BuiltinOperator_LOG_SOFTMAX;
  std::vector<float> v = FloatValues(*ctx.in[0]);
  const int64_t d = ctx.in[0]->shape.back();
  for (size_t r = 0; d > 0 && r < v.size() / d; ++r) {
    float* p = v.data() + r * d;
    const float m = *std::max_element(p, p + d);
    double sum = 0;
    for (int64_t k = 0; k < d; ++k) sum += std::exp(beta * (p[k] - m));
    for (int64_t k = 0; k < d; ++k)
      p[k] = log ? static_cast<float>(beta * (p[k] - m) - std::log(sum))
                 : static_cast<float>(std::exp(beta * (p[k] - m)) / sum);
  }
  StoreFloat(*ctx.out[0], std::move(v));
  return OkStatus();
}

// SELECT_V2: condition ? x : y, the three broadcast to the output.
Status EvalSelect(OpContext& ctx) {
  if (ctx.in.size() != 3 || !ctx.in[0] || !ctx.in[1] || !ctx.in[2])
    return OpError(ctx, "needs a condition and two values");
  const EvalTensor &c = *ctx.in[0], &a = *ctx.in[1], &b = *ctx.in[2];
  EvalTensor& y = *ctx.out[0];
  if (!BroadcastsTo(c.shape, y.shape) || !BroadcastsTo(a.shape, y.shape) ||
      !BroadcastsTo(b.shape, y.shape))
    return OpError(ctx, "operands do not broadcast to the output");
  if (c.is_float() || a.is_float() != y.is_float() || b.is_float() != y.is_float() ||
      (y.quantized() && (a.scale != y.scale || b.scale != y.scale || a.zero_point != y.zero_point ||
                         b.zero_point != y.zero_point)))
    return OpError(ctx, "values must share the output's type and quantization");
  // Which of a or b each output element takes, then the element itself.
  std::vector<uint8_t> pick(y.numel());
  ForEachBroadcast(c.shape, y.shape, y.shape,
                   [&](int64_t i, int64_t ic, int64_t) { pick[i] = c.q[ic] != 0; });
  std::vector<int64_t> from_a(y.numel()), from_b(y.numel());
  ForEachBroadcast(a.shape, b.shape, y.shape,
                   [&](int64_t i, int64_t ia, int64_t ib) { from_a[i] = ia, from_b[i] = ib; });
  if (y.is_float()) {
    y.f.resize(y.numel());
    for (size_t i = 0; i < pick.size(); ++i) y.f[i] = pick[i] ? a.f[from_a[i]] : b.f[from_b[i]];
  } else {
    y.q.resize(y.numel());
    for (size_t i = 0; i < pick.size(); ++i) y.q[i] = pick[i] ? a.q[from_a[i]] : b.q[from_b[i]];
  }
  return OkStatus();
}

// CAST between float, integer and bool tensors (float to integer truncates, as TFLite's
// static_cast does; anything to bool is != 0).
Status EvalCast(OpContext& ctx) {
  if (ctx.in.empty() || !ctx.in[0] || ctx.in[0]->numel() != ctx.out[0]->numel())
    return OpError(ctx, "output size differs");
  const EvalTensor& x = *ctx.in[0];
  EvalTensor& y = *ctx.out[0];
  if (x.quantized() || y.quantized()) return OpError(ctx, "a quantized CAST is not evaluated");
  if (y.is_float()) {
    y.f = FloatValues(x);
  } else if (y.type == ::tflite::TensorType_BOOL) {
    y.q.resize(x.numel());
    for (size_t i = 0; i < y.q.size(); ++i) y.q[i] = x.is_float() ? x.f[i] != 0 : x.q[i] != 0;
  } else if (x.is_float()) {
    std::vector<float> v = x.f;
    for (float& e : v) e = std::trunc(e);
    StoreFloat(y, std::move(v));
  } else {
    y.q = x.q;
  }
  return OkStatus();
}

// MEAN, SUM, REDUCE_PROD, REDUCE_MAX / _MIN and REDUCE_ANY / _ALL over the axes of input 1 (the
// output shape, kept dims or not, comes from the file).
Status EvalReduce(OpContext& ctx) {
  if (ctx.in.size() != 2 || !ctx.in[0] || !ctx.in[1]) return OpError(ctx, "needs data and axes");
  const EvalTensor& x = *ctx.in[0];
  const size_t rank = x.shape.size();
  std::vector<bool> reduce(rank, false);
  for (int32_t a : ctx.in[1]->q) {
    const int64_t axis = a < 0 ? a + static_cast<int64_t>(rank) : a;
    if (axis < 0 || axis >= static_cast<int64_t>(rank)) return OpError(ctx, "axis out of range");
    reduce[axis] = true;
  }
  ir::Dims kept(rank);
  int64_t count = 1;
  for (size_t k = 0; k < rank; ++k) {
    kept[k] = reduce[k] ? 1 : x.shape[k];
    if (reduce[k]) count *= x.shape[k];
  }
  // Each input element goes into the kept-shape cell it broadcasts from.
  auto each = [&](auto f) {
    ForEachBroadcast(kept, x.shape, x.shape, [&](int64_t i, int64_t cell, int64_t) { f(i, cell); });
  };
  EvalTensor& y = *ctx.out[0];
  if (y.numel() * count != x.numel()) return OpError(ctx, "shape mismatch");
  const bool max =
      ctx.code == Op::BuiltinOperator_REDUCE_MAX || ctx.code == Op::BuiltinOperator_REDUCE_ANY;
  if (max || ctx.code == Op::BuiltinOperator_REDUCE_MIN ||
      ctx.code == Op::BuiltinOperator_REDUCE_ALL) {
    // Max / min of the stored values: for int8 that is TFLite's kernel (the output shares
    // the input's scale and zero point); on bools, any / all.
    if (count == 0) return OpError(ctx, "max or min over an empty axis");
    if (x.is_float()) {
      const float inf = std::numeric_limits<float>::infinity();
      y.f.assign(y.numel(), max ? -inf : inf);
      each([&](int64_t i, int64_t c) {
        y.f[c] = max ? std::max(y.f[c], x.f[i]) : std::min(y.f[c], x.f[i]);
      });
    } else {
      y.q.assign(y.numel(),
                 max ? std::numeric_limits<int32_t>::min() : std::numeric_limits<int32_t>::max());
      each([&](int64_t i, int64_t c) {
        y.q[c] = max ? std::max(y.q[c], x.q[i]) : std::min(y.q[c], x.q[i]);
      });
    }
    return OkStatus();
  }
  const std::vector<float> v = FloatValues(x);
  const bool prod = ctx.code == Op::BuiltinOperator_REDUCE_PROD;
  std::vector<double> sum(y.numel(), prod ? 1.0 : 0.0);
  each([&](int64_t i, int64_t c) { prod ? sum[c] *= v[i] : sum[c] += v[i]; });
  const double divisor = ctx.code == Op::BuiltinOperator_MEAN ? static_cast<double>(count) : 1.0;
  std::vector<float> out(sum.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(sum[i] / divisor);
  StoreFloat(y, std::move(out));
  return OkStatus();
}

// Copies element `src[i]` of the input to output position i (f or q, as the type holds).
void PickElements(const EvalTensor& x, EvalTensor& y, const std::vector<int64_t>& src) {
  if (x.is_float()) {
    y.f.resize(src.size());
    for (size_t i = 0; i < src.size(); ++i) y.f[i] = x.f[src[i]];
  } else {
    y.q.resize(src.size());
    for (size_t i = 0; i < src.size(); ++i) y.q[i] = x.q[src[i]];
  }
}

Status EvalReshape(OpContext& ctx) {
  const EvalTensor& x = *ctx.in[0];
  EvalTensor& y = *ctx.out[0];
  if (x.numel() != y.numel()) return OpError(ctx, "element count changes");
  y.f = x.f;
  y.q = x.q;
  return OkStatus();
}

Status EvalTranspose(OpContext& ctx) {
  if (ctx.in.size() != 2 || !ctx.in[1]) return OpError(ctx, "needs a permutation");
  const EvalTensor& x = *ctx.in[0];
  EvalTensor& y = *ctx.out[0];
  const std::vector<int32_t>& perm = ctx.in[1]->q;
  const size_t rank = x.shape.size();
  if (perm.size() != rank || y.shape.size() != rank) return OpError(ctx, "bad permutation");
  std::vector<int64_t> in_stride(rank, 1);
  for (size_t k = rank; k-- > 1;) in_stride[k - 1] = in_stride[k] * x.shape[k];
  ir::Dims out_stride(rank);
  std::vector<bool> seen(rank, false);
  for (size_t k = 0; k < rank; ++k) {
    if (perm[k] < 0 || perm[k] >= static_cast<int32_t>(rank) || seen[perm[k]] ||
        y.shape[k] != x.shape[perm[k]])
      return OpError(ctx, "bad permutation");
    seen[perm[k]] = true;
    out_stride[k] = in_stride[perm[k]];
  }
  std::vector<int64_t> src(y.numel()), pos(rank, 0);
  int64_t at = 0;
  for (size_t i = 0; i < src.size(); ++i) {
    src[i] = at;
    for (size_t k = rank; k-- > 0;) {
      ++pos[k];
      at += out_stride[k];
      if (pos[k] < y.shape[k]) break;
      at -= out_stride[k] * pos[k];
      pos[k] = 0;
    }
  }
  PickElements(x, y, src);
  return OkStatus();
}

Status EvalConcat(OpContext& ctx) {
  const auto* o = ctx.op.builtin_options_as_ConcatenationOptions();
  EvalTensor& y = *ctx.out[0];
  const int64_t rank = static_cast<int64_t>(y.shape.size());
  int64_t axis = o ? o->axis() : 0;
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return OpError(ctx, "axis out of range");
  int64_t outer = 1, inner = 1;
  for (int64_t k = 0; k < axis; ++k) outer *= y.shape[k];
  for (int64_t k = axis + 1; k < rank; ++k) inner *= y.shape[k];
  const bool f = y.is_float();
  int64_t along = 0;
  for (const EvalTensor* t : ctx.in) {
    if (!t || t->is_float() != f ||
        (y.quantized() &&
         (!t->quantized() || t->scale[0] != y.scale[0] || t->zero_point[0] != y.zero_point[0])))
      return OpError(ctx, "inputs must share the output's type and quantization");
    if (t->shape.size() != y.shape.size())
      return OpError(ctx, "inputs must have the output's rank");
    for (int64_t k = 0; k < rank; ++k)
      if (k != axis && t->shape[k] != y.shape[k])
        return OpError(ctx, "inputs must match the output outside the axis");
    along += t->shape[axis];
  }
  if (along != y.shape[axis]) return OpError(ctx, "sizes do not add up");
  f ? y.f.clear() : y.q.clear();
  for (int64_t r = 0; r < outer; ++r)
    for (const EvalTensor* t : ctx.in) {
      const int64_t len = t->shape[axis] * inner;
      if (f)
        y.f.insert(y.f.end(), t->f.begin() + r * len, t->f.begin() + (r + 1) * len);
      else
        y.q.insert(y.q.end(), t->q.begin() + r * len, t->q.begin() + (r + 1) * len);
    }
  if ((f ? y.f.size() : y.q.size()) != static_cast<size_t>(y.numel()))
    return OpError(ctx, "sizes do not add up");
  return OkStatus();
}

Status EvalPad(OpContext& ctx) {
  if (ctx.in.size() < 2 || !ctx.in[1]) return OpError(ctx, "needs paddings");
  const EvalTensor& x = *ctx.in[0];
  EvalTensor& y = *ctx.out[0];
  const size_t rank = x.shape.size();
  const std::vector<int32_t>& pads = ctx.in[1]->q;
  if (pads.size() != 2 * rank || y.shape.size() != rank) return OpError(ctx, "bad paddings");
  float fill = 0;
  int32_t qfill = x.quantized() ? static_cast<int32_t>(x.zero_point[0]) : 0;
  if (ctx.in.size() > 2 && ctx.in[2]) {
    if (x.is_float())
      fill = ctx.in[2]->f.at(0);
    else
      qfill = ctx.in[2]->q.at(0);
  }
  std::vector<int64_t> in_stride(rank, 1);
  for (size_t k = rank; k-- > 1;) in_stride[k - 1] = in_stride[k] * x.shape[k];
  const int64_t n = y.numel();
  x.is_float() ? y.f.assign(n, fill) : y.q.assign(n, qfill);
  bool exact = rank > 0 && x.numel() > 0;  // non-negative pads that make y's shape
  for (size_t k = 0; k < rank && exact; ++k)
    exact = pads[2 * k] >= 0 && pads[2 * k + 1] >= 0 &&
            y.shape[k] == x.shape[k] + pads[2 * k] + pads[2 * k + 1];
  if (exact) {
    // Non-negative pads (what the writer emits): copy the input row by row (its last dim)
    // into the filled output; the per-element walk below is for the general case.
    std::vector<int64_t> out_stride(rank, 1);
    for (size_t k = rank; k-- > 1;) out_stride[k - 1] = out_stride[k] * y.shape[k];
    const int64_t run = x.shape[rank - 1];
    std::vector<int64_t> pos(rank, 0);  // over the input's dims [0, rank - 1)
    for (int64_t src = 0; src < x.numel(); src += run) {
      int64_t dst = pads[2 * (rank - 1)];
      for (size_t k = 0; k + 1 < rank; ++k) dst += (pos[k] + pads[2 * k]) * out_stride[k];
      if (x.is_float())
        std::copy_n(x.f.begin() + src, run, y.f.begin() + dst);
      else
        std::copy_n(x.q.begin() + src, run, y.q.begin() + dst);
      for (size_t k = rank - 1; k-- > 0;) {
        if (++pos[k] < x.shape[k]) break;
        pos[k] = 0;
      }
    }
    return OkStatus();
  }
  std::vector<int64_t> pos(rank, 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t src = 0;
    bool inside = true;
    for (size_t k = 0; k < rank && inside; ++k) {
      const int64_t p = pos[k] - pads[2 * k];
      inside = p >= 0 && p < x.shape[k];
      src += p * in_stride[k];
    }
    if (inside) x.is_float() ? (void)(y.f[i] = x.f[src]) : (void)(y.q[i] = x.q[src]);
    for (size_t k = rank; k-- > 0;) {
      if (++pos[k] < y.shape[k]) break;
      pos[k] = 0;
    }
  }
  return OkStatus();
}

Status EvalQuantize(OpContext& ctx) {
  const EvalTensor& x = *ctx.in[0];
  EvalTensor& y = *ctx.out[0];
  if (!y.quantized() || y.type != ::tflite::TensorType_INT8)
    return OpError(ctx, "QUANTIZE to a non-int8 tensor");
  if (x.is_float()) {
    StoreFloat(y, x.f);
    return OkStatus();
  }
  if (!x.quantized()) return OpError(ctx, "QUANTIZE from an unquantized integer tensor");
  // int8 → int8: TFLite's Requantize (fixed-point multiplier on q − zero_point).
  int32_t mult;
  int shift;
  QuantizeMultiplier(static_cast<double>(x.scale[0]) / y.scale[0], &mult, &shift);
  y.q.resize(x.q.size());
  for (size_t i = 0; i < x.q.size(); ++i) {
    const int32_t v =
        MultiplyByQuantizedMultiplier(x.q[i] - static_cast<int32_t>(x.zero_point[0]), mult, shift) +
        static_cast<int32_t>(y.zero_point[0]);
    y.q[i] = std::clamp(v, -128, 127);
  }
  return OkStatus();
}

Status EvalDequantize(OpContext& ctx) {
  ctx.out[0]->f = FloatValues(*ctx.in[0]);
  return OkStatus();
}

Status OpError(const OpContext& ctx, const std::string& message) {
  return Unsupported(std::string("evaluating TFLite ") +
                     ::tflite::EnumNameBuiltinOperator(ctx.code) + ": " + message);
}

std::vector<float> FloatValues(const EvalTensor& t) {
  if (t.is_float()) return t.f;
  std::vector<float> v(t.q.size());
  if (!t.quantized()) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(t.q[i]);
    return v;
  }
  int64_t inner = 1, channels = static_cast<int64_t>(t.scale.size());
  for (size_t k = t.qdim + 1; k < t.shape.size(); ++k) inner *= t.shape[k];
  for (size_t i = 0; i < v.size(); ++i) {
    const int64_t c = channels > 1 ? (static_cast<int64_t>(i) / inner) % channels : 0;
    v[i] = t.scale[c] * static_cast<float>(t.q[i] - t.zero_point[c]);
  }
  return v;
}

void StoreFloat(EvalTensor& out, std::vector<float> values, int32_t lo, int32_t hi) {
  if (out.is_float()) {
    out.f = std::move(values);
    return;
  }
  if (!out.quantized()) {
    // An unquantized integer or bool tensor: its own type's range (int64 is kept narrowed
    // to int32, as everywhere in the evaluator).
    switch (out.type) {
      case ::tflite::TensorType_INT32:
      case ::tflite::TensorType_INT64:
        lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
        break;
      case ::tflite::TensorType_UINT8:
        lo = 0, hi = 255;
        break;
      case ::tflite::TensorType_INT16:
        lo = -32768, hi = 32767;
        break;
      case ::tflite::TensorType_BOOL:
        lo = 0, hi = 1;
        break;
      default:
        break;
    }
  }
  out.q.resize(values.size());
  const float s = out.quantized() ? out.scale[0] : 1.0f;
  const int64_t zp = out.quantized() ? out.zero_point[0] : 0;
  for (size_t i = 0; i < values.size(); ++i) out.q[i] = QuantizeValue(values[i], s, zp, lo, hi);
}

void ActivationRange(::tflite::ActivationFunctionType act, const EvalTensor& out, int32_t* lo,
                     int32_t* hi) {
  *lo = -128, *hi = 127;
  if (!out.quantized()) return;
  const float s = out.scale[0];
  const int64_t zp = out.zero_point[0];
  if (act == ::tflite::ActivationFunctionType_RELU) {
    *lo = std::max(*lo, QuantizeValue(0, s, zp));
  } else if (act == ::tflite::ActivationFunctionType_RELU6) {
    *lo = std::max(*lo, QuantizeValue(0, s, zp));
    *hi = std::min(*hi, QuantizeValue(6, s, zp));
  } else if (act == ::tflite::ActivationFunctionType_RELU_N1_TO_1) {
    *lo = std::max(*lo, QuantizeValue(-1, s, zp));
    *hi = std::min(*hi, QuantizeValue(1, s, zp));
  }
}

void ApplyActivation(::tflite::ActivationFunctionType act, std::vector<float>& values) {
  switch (act) {
    case ::tflite::ActivationFunctionType_RELU:
      for (float& v : values) v = std::max(v, 0.0f);
      break;
    case ::tflite::ActivationFunctionType_RELU6:
      for (float& v : values) v = std::clamp(v, 0.0f, 6.0f);
      break;
    case ::tflite::ActivationFunctionType_RELU_N1_TO_1:
      for (float& v : values) v = std::clamp(v, -1.0f, 1.0f);
      break;
    case ::tflite::ActivationFunctionType_TANH:
      for (float& v : values) v = std::tanh(v);
      break;
    default:
      break;
  }
}

}  // namespace pt2tf::tflite
