// Integer-exact int8 element-wise kernels of the TFLite evaluator: ADD, SUB and MUL (with
// broadcasting and fused activations), HARD_SWISH, and the lookup-table activations
// LOGISTIC and TANH. Each follows the arithmetic of LiteRT's builtin int8 kernel, so the
// accuracy report's simulation agrees with the interpreter element by element:
//   ADD/SUB: both inputs shifted left by 20 bits and rescaled to 2·max(input scales),
//            summed, rescaled to the output (three fixed-point multipliers, < 1 each);
//   MUL:     (q1 − z1)(q2 − z2) times one fixed-point multiplier s1·s2/s_out;
//   HARD_SWISH: the 16-bit fixed-point formulation (input on a 2^7 finer scale, a
//            "reluish" factor in Q15, a truncating doubling high multiply at the end);
//   LOGISTIC/TANH: a 256-entry table of round(f(dequantized) / s_out) + z_out in float.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "tflite/quant/eval_kernels.h"

namespace pt2tf::tflite {
namespace {

using Op = ::tflite::BuiltinOperator;

bool PerTensorInt8(const EvalTensor* t) {
  return t && t->type == ::tflite::TensorType_INT8 && t->scale.size() == 1;
}

int32_t Zp(const EvalTensor& t) { return static_cast<int32_t>(t.zero_point[0]); }

// gemmlowp's RoundingDivideByPOT: x / 2^exponent, ties away from zero.
int32_t RoundingDivideByPot(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

int16_t SaturateInt16(int32_t v) {
  return static_cast<int16_t>(std::clamp<int32_t>(v, INT16_MIN, INT16_MAX));
}

// 16-bit saturating rounding doubling high multiply (gemmlowp's int16 form).
int16_t RoundingHighMul16(int16_t a, int16_t b) {
  if (a == INT16_MIN && b == INT16_MIN) return INT16_MAX;
  const int32_t ab = static_cast<int32_t>(a) * b;
  const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
  return static_cast<int16_t>((ab + nudge) / (1 << 15));
}

// The truncating variant (no nudge): what HARD_SWISH uses for its last product.
int16_t HighMul16(int16_t a, int16_t b) {
  if (a == INT16_MIN && b == INT16_MIN) return INT16_MAX;
  return static_cast<int16_t>((static_cast<int32_t>(a) * b) / (1 << 15));
}

int16_t SaturatingLeftShift16(int16_t v, int amount) {
  return SaturateInt16(static_cast<int32_t>(v) * (1 << amount));
}

// A Q31 multiplier rounded to Q15 (saturating at the top).
int16_t DownScaleToInt16(int32_t m) {
  constexpr int32_t kRound = 1 << 15;
  if (m >= INT32_MAX - kRound) return INT16_MAX;
  return static_cast<int16_t>((m + kRound) >> 16);
}

::tflite::ActivationFunctionType Fused(const OpContext& ctx) {
  if (const auto* o = ctx.op.builtin_options_as_AddOptions()) return o->fused_activation_function();
  if (const auto* o = ctx.op.builtin_options_as_SubOptions()) return o->fused_activation_function();
  if (const auto* o = ctx.op.builtin_options_as_MulOptions()) return o->fused_activation_function();
  return ::tflite::ActivationFunctionType_NONE;
}

}  // namespace

bool EvalInt8Binary(OpContext& ctx, Status& status) {
  if (ctx.in.size() != 2 || !PerTensorInt8(ctx.in[0]) || !PerTensorInt8(ctx.in[1]) ||
      !PerTensorInt8(ctx.out[0]))
    return false;
  if (ctx.code != Op::BuiltinOperator_ADD && ctx.code != Op::BuiltinOperator_SUB &&
      ctx.code != Op::BuiltinOperator_MUL)
    return false;
  const EvalTensor &a = *ctx.in[0], &b = *ctx.in[1];
  EvalTensor& y = *ctx.out[0];
  int32_t lo, hi;
  ActivationRange(Fused(ctx), y, &lo, &hi);
  y.q.resize(y.numel());
  const int32_t za = Zp(a), zb = Zp(b), zy = Zp(y);
  if (ctx.code == Op::BuiltinOperator_MUL) {
    int32_t m;
    int shift;
    QuantizeMultiplier(static_cast<double>(a.scale[0]) * b.scale[0] / y.scale[0], &m, &shift);
    ForEachBroadcast(a.shape, b.shape, y.shape, [&](int64_t i, int64_t ia, int64_t ib) {
      const int32_t prod = (a.q[ia] - za) * (b.q[ib] - zb);
      y.q[i] = std::clamp(MultiplyByQuantizedMultiplier(prod, m, shift) + zy, lo, hi);
    });
    status = OkStatus();
    return true;
  }
  constexpr int kLeftShift = 20;
  const double twice_max = 2.0 * std::max(a.scale[0], b.scale[0]);
  int32_t ma, mb, my;
  int sa, sb, sy;
  QuantizeMultiplier(a.scale[0] / twice_max, &ma, &sa);
  QuantizeMultiplier(b.scale[0] / twice_max, &mb, &sb);
  QuantizeMultiplier(twice_max / ((1 << kLeftShift) * static_cast<double>(y.scale[0])), &my, &sy);
  const bool sub = ctx.code == Op::BuiltinOperator_SUB;
  ForEachBroadcast(a.shape, b.shape, y.shape, [&](int64_t i, int64_t ia, int64_t ib) {
    const int32_t u = MultiplyByQuantizedMultiplier((a.q[ia] - za) * (1 << kLeftShift), ma, sa);
    const int32_t v = MultiplyByQuantizedMultiplier((b.q[ib] - zb) * (1 << kLeftShift), mb, sb);
    const int32_t r = MultiplyByQuantizedMultiplier(sub ? u - v : u + v, my, sy) + zy;
    y.q[i] = std::clamp(r, lo, hi);
  });
  status = OkStatus();
  return true;
}

bool EvalInt8Unary(OpContext& ctx, Status& status) {
  if (ctx.in.empty() || !PerTensorInt8(ctx.in[0]) || !PerTensorInt8(ctx.out[0])) return false;
  const EvalTensor& x = *ctx.in[0];
  EvalTensor& y = *ctx.out[0];
  int32_t table[256];
  if (ctx.code == Op::BuiltinOperator_HARD_SWISH) {
    const float hires_scale = (1.0f / 128.0f) * x.scale[0];
    const float reluish_scale = 3.0f / 32768.0f;
    int32_t m32;
    int out_exp, reluish_exp;
    QuantizeMultiplier(hires_scale / y.scale[0], &m32, &out_exp);
    const int16_t out_mult = DownScaleToInt16(m32);
    QuantizeMultiplier(hires_scale / reluish_scale, &m32, &reluish_exp);
    const int16_t reluish_mult = DownScaleToInt16(m32);
    if (out_exp > 0) {
      status = OpError(ctx, "output scale too small for the input's (LiteRT refuses it)");
      return true;
    }
    for (int32_t q = -128; q <= 127; ++q) {
      const int16_t hires = static_cast<int16_t>((q - Zp(x)) * (1 << 7));
      const int16_t on_out = RoundingHighMul16(hires, out_mult);
      int16_t reluish = hires;
      if (reluish_exp > 0) reluish = SaturatingLeftShift16(reluish, reluish_exp - 1);
      reluish = RoundingHighMul16(reluish, reluish_mult);
      if (reluish_exp > 0) reluish = SaturatingLeftShift16(reluish, 1);
      if (reluish_exp < 0)
        reluish = static_cast<int16_t>(RoundingDivideByPot(reluish, -reluish_exp));
      reluish = static_cast<int16_t>((static_cast<int32_t>(reluish) + (1 << 15)) >> 1);
      const int16_t pre = HighMul16(reluish, on_out);
      const int32_t v = RoundingDivideByPot(pre, -out_exp) + Zp(y);
      table[q + 128] = std::clamp(v, -128, 127);
    }
  } else if (ctx.code == Op::BuiltinOperator_LOGISTIC || ctx.code == Op::BuiltinOperator_TANH) {
    const float inverse = 1.0f / y.scale[0];
    for (int32_t q = -128; q <= 127; ++q) {
      const float d = x.scale[0] * static_cast<float>(q - Zp(x));
      const float f =
          ctx.code == Op::BuiltinOperator_TANH ? std::tanh(d) : 1.0f / (1.0f + std::exp(-d));
      const int32_t v = static_cast<int32_t>(std::round(f * inverse) + static_cast<float>(Zp(y)));
      table[q + 128] = std::clamp(v, -128, 127);
    }
  } else {
    return false;
  }
  y.q.resize(x.q.size());
  for (size_t i = 0; i < x.q.size(); ++i) y.q[i] = table[std::clamp(x.q[i], -128, 127) + 128];
  status = OkStatus();
  return true;
}

}  // namespace pt2tf::tflite
