// CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED in three forms — float, int8 (integer
// accumulators + TFLite's per-channel fixed-point requantization) and hybrid (int8 weights,
// float input quantized per batch row, symmetric) — and MAX/AVERAGE_POOL_2D, float or int8.
// One accumulation routine serves all three: it sums products of "input values" (floats,
// q − zero_point, or the per-row quantized input) and "weight values" (floats or int8 q);
// integers stay exact in float32 while partial sums stay below 2^24, which the int8 models
// pt2tf writes reach only for very wide layers (the last bits then differ, not the rounding
// of the requantized result in practice).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "ir/run/kernels.h"
#include "tflite/quant/eval_kernels.h"

namespace pt2tf::tflite {
namespace {

enum class Arith { kFloat, kInt8, kHybrid };

struct Window {
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pl = 0;
};

int64_t PadBefore(::tflite::Padding p, int64_t in, int64_t out, int64_t k, int64_t s, int64_t d) {
  if (p != ::tflite::Padding_SAME) return 0;
  const int64_t total = (out - 1) * s + (k - 1) * d + 1 - in;
  return total > 0 ? total / 2 : 0;
}

// Accumulation values: a float tensor's own data, or converted ones owned here (copying
// float inputs and weights for every op was a tenth of a calibration).
struct Values {
  std::vector<float> own;
  const float* data = nullptr;
};

// The input as accumulation values, and per-row hybrid scales (`rows` rows of `row_len`).
Result<Arith> InputValues(const OpContext& ctx, const EvalTensor& x, const EvalTensor& w,
                          int64_t rows, Values& out_values, std::vector<float>& row_scale) {
  const int64_t n = x.numel();
  if (x.is_float() && w.is_float()) {
    out_values.data = x.f.data();
    return Arith::kFloat;
  }
  std::vector<float>& values = out_values.own;
  out_values.data = nullptr;  // set below, once `values` has its final size
  if (x.type == ::tflite::TensorType_INT8 && w.type == ::tflite::TensorType_INT8) {
    if (!x.quantized()) return OpError(ctx, "int8 input without quantization parameters");
    values.resize(n);
    for (int64_t i = 0; i < n; ++i) values[i] = static_cast<float>(x.q[i] - x.zero_point[0]);
    out_values.data = values.data();
    return Arith::kInt8;
  }
  if (x.is_float() && w.type == ::tflite::TensorType_INT8) {
    // LiteRT's hybrid kernels: CONV_2D / DEPTHWISE_CONV_2D with per-channel weights quantize
    // each batch row asymmetrically (min/max with 0 included, a nudged zero point), the
    // FULLY_CONNECTED kernel symmetrically (max |x| / 127) unless asymmetric_quantize_inputs.
    const bool asymmetric = ctx.code != ::tflite::BuiltinOperator_FULLY_CONNECTED;
    values.resize(n);
    row_scale.assign(rows, 0.0f);
    const int64_t len = rows ? n / rows : 0;
    for (int64_t r = 0; r < rows; ++r) {
      const float* p = x.f.data() + r * len;
      float* out = values.data() + r * len;
      float lo = 0, hi = 0;
      for (int64_t i = 0; i < len; ++i) lo = std::min(lo, p[i]), hi = std::max(hi, p[i]);
      if (!asymmetric) {
        const float range = std::max(-lo, hi);
        if (range == 0) {
          std::fill(out, out + len, 0.0f);
          continue;
        }
        row_scale[r] = range / 127.0f;
        const float inv = 127.0f / range;
        for (int64_t i = 0; i < len; ++i)
          out[i] = std::clamp(std::round(inv * p[i]), -127.0f, 127.0f);  // half away from 0
        continue;
      }
      if (lo == hi) {
        std::fill(out, out + len, 0.0f);
        continue;
      }
      const double scale = (static_cast<double>(hi) - lo) / 255.0;
      const double zp_min = -128.0 - lo / scale, zp_max = 127.0 - hi / scale;
      const double err_min = 128.0 + std::fabs(lo / scale), err_max = 127.0 + std::fabs(hi / scale);
      const double zpd = err_min < err_max ? zp_min : zp_max;
      const int32_t zp = zpd <= -128  ? -128
                         : zpd >= 127 ? 127
                                      : static_cast<int32_t>(std::round(zpd));
      row_scale[r] = static_cast<float>(scale);
      const float inv = static_cast<float>(1.0 / scale);
      for (int64_t i = 0; i < len; ++i) {
        const float q = std::clamp(std::round(zp + p[i] * inv), -128.0f, 127.0f);
        out[i] = q - static_cast<float>(zp);  // the kernels subtract the offset (row sums)
      }
    }
    out_values.data = values.data();
    return Arith::kHybrid;
  }
  return OpError(ctx, "unsupported input/weight type combination");
}

Values WeightValues(const EvalTensor& w) {
  Values v;
  if (w.is_float()) {
    v.data = w.f.data();
    return v;
  }
  v.own.assign(w.q.begin(), w.q.end());
  v.data = v.own.data();
  return v;
}

// acc[i] (output channel c = i % channels, row r = i / per_row) → the output tensor.
Status Finish(const OpContext& ctx, Arith arith, const std::vector<float>& acc, int64_t channels,
              int64_t per_row, const std::vector<float>& row_scale,
              ::tflite::ActivationFunctionType act) {
  const EvalTensor& x = *ctx.in[0];
  const EvalTensor& w = *ctx.in[1];
  const EvalTensor* b = ctx.in.size() > 2 ? ctx.in[2] : nullptr;
  EvalTensor& y = *ctx.out[0];
  const int64_t n = y.numel();
  if (static_cast<int64_t>(acc.size()) != n) return OpError(ctx, "output size mismatch");
  if (arith != Arith::kFloat && !w.quantized())
    return OpError(ctx, "int8 weights without quantization parameters");
  auto wscale = [&](int64_t c) { return w.scale.size() > 1 ? w.scale[c] : w.scale[0]; };
  if (arith == Arith::kInt8) {
    if (!y.quantized() || y.type != ::tflite::TensorType_INT8)
      return OpError(ctx, "int8 op with a non-int8 output");
    if (b &&
        (b->type != ::tflite::TensorType_INT32 || static_cast<int64_t>(b->q.size()) != channels))
      return OpError(ctx, "int8 op needs an int32 bias per channel");
    if (w.scale.size() > 1 && static_cast<int64_t>(w.scale.size()) != channels)
      return OpError(ctx, "the weights need one scale per channel");
    std::vector<int32_t> mult(channels);
    std::vector<int> shift(channels);
    for (int64_t c = 0; c < channels; ++c)
      QuantizeMultiplier(static_cast<double>(x.scale[0]) * wscale(c) / y.scale[0], &mult[c],
                         &shift[c]);
    int32_t lo, hi;
    ActivationRange(act, y, &lo, &hi);
    y.q.resize(n);
    const int32_t zp = static_cast<int32_t>(y.zero_point[0]);
    for (int64_t i0 = 0; i0 < n; i0 += channels)
      for (int64_t c = 0; c < channels; ++c) {
        // In int64, saturated to int32: only a hostile file's sums leave int32 (where
        // LiteRT's int32 arithmetic would wrap), and C++ must not overflow.
        const int32_t a = static_cast<int32_t>(std::clamp<int64_t>(
            std::llround(acc[i0 + c]) + (b ? b->q[c] : 0), INT32_MIN, INT32_MAX));
        y.q[i0 + c] = std::clamp(MultiplyByQuantizedMultiplier(a, mult[c], shift[c]) + zp, lo, hi);
      }
    return OkStatus();
  }
  std::vector<float> out(n);
  const bool bias = b && !b->f.empty();
  if (bias && static_cast<int64_t>(b->f.size()) != channels)
    return OpError(ctx, "the bias needs one value per channel");
  if (arith == Arith::kHybrid && w.scale.size() > 1 &&
      static_cast<int64_t>(w.scale.size()) != channels)
    return OpError(ctx, "the weights need one scale per channel");
  for (int64_t i0 = 0; i0 < n; i0 += channels)
    for (int64_t c = 0; c < channels; ++c) {
      float v = acc[i0 + c];
      if (arith == Arith::kHybrid) v *= row_scale[i0 / per_row] * wscale(c);
      if (bias) v += b->f[c];
      out[i0 + c] = v;
    }
  ApplyActivation(act, out);
  StoreFloat(y, std::move(out));
  return OkStatus();
}

}  // namespace

Status EvalConv(OpContext& ctx) {
  const bool depthwise = ctx.code == ::tflite::BuiltinOperator_DEPTHWISE_CONV_2D;
  if (ctx.in.size() < 2 || !ctx.in[0] || !ctx.in[1] || ctx.out.size() != 1)
    return OpError(ctx, "needs input, filter and one output");
  const EvalTensor& x = *ctx.in[0];
  const EvalTensor& w = *ctx.in[1];
  EvalTensor& y = *ctx.out[0];
  if (x.shape.size() != 4 || w.shape.size() != 4 || y.shape.size() != 4)
    return OpError(ctx, "expects 4-D input, filter and output");
  Window win;
  ::tflite::Padding padding;
  ::tflite::ActivationFunctionType act;
  int64_t multiplier = 1;
  if (depthwise) {
    const auto* o = ctx.op.builtin_options_as_DepthwiseConv2DOptions();
    if (!o) return OpError(ctx, "missing options");
    padding = o->padding(), act = o->fused_activation_function();
    win.sh = o->stride_h(), win.sw = o->stride_w(), win.dh = o->dilation_h_factor(),
    win.dw = o->dilation_w_factor();
  } else {
    const auto* o = ctx.op.builtin_options_as_Conv2DOptions();
    if (!o) return OpError(ctx, "missing options");
    padding = o->padding(), act = o->fused_activation_function();
    win.sh = o->stride_h(), win.sw = o->stride_w(), win.dh = o->dilation_h_factor(),
    win.dw = o->dilation_w_factor();
  }
  const int64_t N = x.shape[0], H = x.shape[1], W = x.shape[2], C = x.shape[3];
  const int64_t OH = y.shape[1], OW = y.shape[2], O = y.shape[3];
  win.kh = w.shape[1], win.kw = w.shape[2];
  const int64_t I = depthwise ? 1 : w.shape[3];
  if (C <= 0) return OpError(ctx, "the input has no channel");  // (divides the groups below)
  if (depthwise) {
    if (w.shape[3] != O || O % C != 0) return OpError(ctx, "depthwise filter mismatch");
    multiplier = O / C;
  } else if (w.shape[0] != O || I <= 0 || C % I != 0 || O % (C / I) != 0) {
    return OpError(ctx, "filter does not match input/output channels");
  }
  win.pt = PadBefore(padding, H, OH, win.kh, win.sh, win.dh);
  win.pl = PadBefore(padding, W, OW, win.kw, win.sw, win.dw);
  Values xv;
  std::vector<float> row_scale;
  PT2TF_ASSIGN_OR_RETURN(Arith arith, InputValues(ctx, x, w, N, xv, row_scale));
  const Values wv = WeightValues(w);
  std::vector<float> acc(static_cast<size_t>(N * OH * OW * O), 0.0f);
  if (depthwise) {
    for (int64_t n = 0; n < N; ++n)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          float* a = acc.data() + ((n * OH + oh) * OW + ow) * O;
          for (int64_t kh = 0; kh < win.kh; ++kh) {
            const int64_t ih = oh * win.sh - win.pt + kh * win.dh;
            if (ih < 0 || ih >= H) continue;
            for (int64_t kw = 0; kw < win.kw; ++kw) {
              const int64_t iw = ow * win.sw - win.pl + kw * win.dw;
              if (iw < 0 || iw >= W) continue;
              const float* xp = xv.data + ((n * H + ih) * W + iw) * C;
              const float* wp = wv.data + (kh * win.kw + kw) * O;
              if (multiplier == 1) {  // the common case, as one vectorisable loop
                for (int64_t c = 0; c < C; ++c) a[c] += xp[c] * wp[c];
                continue;
              }
              for (int64_t c = 0; c < C; ++c)
                for (int64_t m = 0; m < multiplier; ++m)
                  a[c * multiplier + m] += xp[c] * wp[c * multiplier + m];
            }
          }
        }
  } else {
    const int64_t groups = C / I, og = O / groups, K = win.kh * win.kw * I, rows = OH * OW;
    // A 1x1 stride-1 convolution without padding reads the input as its patch matrix.
    const bool pointwise = groups == 1 && win.kh == 1 && win.kw == 1 && win.sh == 1 &&
                           win.sw == 1 && OH == H && OW == W;
    std::vector<float> patches(pointwise ? 0 : static_cast<size_t>(rows * K));
    for (int64_t n = 0; n < N; ++n)
      for (int64_t g = 0; g < groups; ++g) {
        if (pointwise) {
          ir::run::Sgemm(false, true, rows, og, K, 1.0f, xv.data + n * rows * K, K, wv.data, K,
                         0.0f, acc.data() + n * rows * O, O);
          continue;
        }
        for (int64_t oh = 0; oh < OH; ++oh)
          for (int64_t ow = 0; ow < OW; ++ow) {
            float* p = patches.data() + (oh * OW + ow) * K;
            for (int64_t kh = 0; kh < win.kh; ++kh) {
              const int64_t ih = oh * win.sh - win.pt + kh * win.dh;
              for (int64_t kw = 0; kw < win.kw; ++kw, p += I) {
                const int64_t iw = ow * win.sw - win.pl + kw * win.dw;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) {
                  std::fill(p, p + I, 0.0f);  // padding: 0, or zero_point − zero_point
                  continue;
                }
                const float* xp = xv.data + ((n * H + ih) * W + iw) * C + g * I;
                std::copy(xp, xp + I, p);
              }
            }
          }
        ir::run::Sgemm(false, true, rows, og, K, 1.0f, patches.data(), K, wv.data + g * og * K, K,
                       0.0f, acc.data() + n * rows * O + g * og, O);
      }
  }
  return Finish(ctx, arith, acc, O, OH * OW * O, row_scale, act);
}

Status EvalFullyConnected(OpContext& ctx) {
  if (ctx.in.size() < 2 || !ctx.in[0] || !ctx.in[1] || ctx.out.size() != 1)
    return OpError(ctx, "needs input, weights and one output");
  const EvalTensor& x = *ctx.in[0];
  const EvalTensor& w = *ctx.in[1];
  const auto* o = ctx.op.builtin_options_as_FullyConnectedOptions();
  const auto act = o ? o->fused_activation_function() : ::tflite::ActivationFunctionType_NONE;
  if (w.shape.size() != 2) return OpError(ctx, "weights must be 2-D");
  const int64_t O = w.shape[0], K = w.shape[1];
  if (K <= 0 || x.numel() % K != 0) return OpError(ctx, "input does not match the weights");
  const int64_t M = x.numel() / K;
  if (ctx.out[0]->numel() != M * O) return OpError(ctx, "output size mismatch");
  Values xv;
  std::vector<float> row_scale;
  PT2TF_ASSIGN_OR_RETURN(Arith arith, InputValues(ctx, x, w, M, xv, row_scale));
  const Values wv = WeightValues(w);
  std::vector<float> acc(static_cast<size_t>(M * O));
  ir::run::Sgemm(false, true, M, O, K, 1.0f, xv.data, K, wv.data, K, 0.0f, acc.data(), O);
  return Finish(ctx, arith, acc, O, O, row_scale, act);
}

// TRANSPOSE_CONV (float; inputs: output shape, weights [O, kh, kw, I], input [N, H, W, I],
// optional bias): each input pixel times the weights is a [kh, kw, O] patch, one GEMM for
// all pixels, scatter-added at stride into the output; the padding is TFLite's, computed as
// for the convolution from the output back to the input.
Status EvalTransposeConv(OpContext& ctx) {
  if (ctx.in.size() < 3 || !ctx.in[1] || !ctx.in[2] || ctx.out.size() != 1)
    return OpError(ctx, "needs an output shape, weights and an input");
  const EvalTensor &w = *ctx.in[1], &x = *ctx.in[2];
  const EvalTensor* bias = ctx.in.size() > 3 ? ctx.in[3] : nullptr;
  EvalTensor& y = *ctx.out[0];
  const auto* o = ctx.op.builtin_options_as_TransposeConvOptions();
  if (!o || w.shape.size() != 4 || x.shape.size() != 4 || y.shape.size() != 4)
    return OpError(ctx, "needs options and 4-D weights, input and output");
  const int64_t O = w.shape[0], kh = w.shape[1], kw = w.shape[2], I = w.shape[3];
  const int64_t N = x.shape[0], H = x.shape[1], W = x.shape[2];
  const int64_t OH = y.shape[1], OW = y.shape[2], sh = o->stride_h(), sw = o->stride_w();
  if (x.shape[3] != I || y.shape[0] != N || y.shape[3] != O || sh < 1 || sw < 1 ||
      (bias && bias->numel() != O))
    return OpError(ctx, "shapes do not match");
  const int64_t pt = PadBefore(o->padding(), OH, H, kh, sh, 1);
  const int64_t pl = PadBefore(o->padding(), OW, W, kw, sw, 1);
  const std::vector<float> xv = FloatValues(x), wv = FloatValues(w);
  const int64_t M = N * H * W, P = O * kh * kw;
  std::vector<float> col(static_cast<size_t>(M * P));
  if (M * P * I > 0)
    ir::run::Sgemm(false, true, M, P, I, 1.0f, xv.data(), I, wv.data(), I, 0.0f, col.data(), P);
  std::vector<float> out(static_cast<size_t>(y.numel()), 0.0f);
  if (bias) {
    const std::vector<float> bv = FloatValues(*bias);
    for (size_t i = 0; i < out.size(); ++i) out[i] = bv[i % static_cast<size_t>(O)];
  }
  for (int64_t n = 0; n < N; ++n)
    for (int64_t iy = 0; iy < H; ++iy)
      for (int64_t ix = 0; ix < W; ++ix) {
        const float* patch = col.data() + ((n * H + iy) * W + ix) * P;  // [O, kh, kw]
        for (int64_t ky = 0; ky < kh; ++ky) {
          const int64_t oy = iy * sh + ky - pt;
          if (oy < 0 || oy >= OH) continue;
          for (int64_t kx = 0; kx < kw; ++kx) {
            const int64_t ox = ix * sw + kx - pl;
            if (ox < 0 || ox >= OW) continue;
            float* dst = out.data() + ((n * OH + oy) * OW + ox) * O;
            for (int64_t c = 0; c < O; ++c) dst[c] += patch[(c * kh + ky) * kw + kx];
          }
        }
      }
  ApplyActivation(o->fused_activation_function(), out);
  StoreFloat(y, std::move(out));
  return OkStatus();
}

// x [..., M, K] (adj_x: [..., K, M]) times y [..., K, N] (adj_y: [..., N, K]), batch dims
// broadcast; float, quantized operands dequantized (the pass keeps BATCH_MATMUL float).
Status EvalBatchMatMul(OpContext& ctx) {
  if (ctx.in.size() != 2 || !ctx.in[0] || !ctx.in[1] || ctx.out.size() != 1)
    return OpError(ctx, "needs two inputs and one output");
  const EvalTensor &a = *ctx.in[0], &b = *ctx.in[1];
  EvalTensor& y = *ctx.out[0];
  const auto* o = ctx.op.builtin_options_as_BatchMatMulOptions();
  const bool ta = o && o->adj_x(), tb = o && o->adj_y();
  if (a.shape.size() < 2 || b.shape.size() < 2 || y.shape.size() < 2)
    return OpError(ctx, "operands must be at least 2-D");
  const int64_t ar = a.shape[a.shape.size() - 2], ac = a.shape.back();
  const int64_t br = b.shape[b.shape.size() - 2], bc = b.shape.back();
  const int64_t M = ta ? ac : ar, K = ta ? ar : ac, N = tb ? br : bc;
  const ir::Dims ab(a.shape.begin(), a.shape.end() - 2), bb(b.shape.begin(), b.shape.end() - 2),
      yb(y.shape.begin(), y.shape.end() - 2);
  if ((tb ? bc : br) != K || y.shape[y.shape.size() - 2] != M || y.shape.back() != N ||
      !BroadcastsTo(ab, yb) || !BroadcastsTo(bb, yb))
    return OpError(ctx, "shapes do not multiply to the output");
  const std::vector<float> av = FloatValues(a), bv = FloatValues(b);
  std::vector<float> out(static_cast<size_t>(y.numel()));
  if (M * N * K > 0)  // an empty K leaves zeros
    ForEachBroadcast(ab, bb, yb, [&](int64_t i, int64_t ia, int64_t ib) {
      ir::run::Sgemm(ta, tb, M, N, K, 1.0f, av.data() + ia * M * K, ta ? M : K,
                     bv.data() + ib * K * N, tb ? K : N, 0.0f, out.data() + i * M * N, N);
    });
  StoreFloat(y, std::move(out));
  return OkStatus();
}

Status EvalPool(OpContext& ctx) {
  const bool max = ctx.code == ::tflite::BuiltinOperator_MAX_POOL_2D;
  const auto* o = ctx.op.builtin_options_as_Pool2DOptions();
  if (!o || ctx.in.empty() || !ctx.in[0] || ctx.out.size() != 1)
    return OpError(ctx, "needs options, an input and one output");
  const EvalTensor& x = *ctx.in[0];
  EvalTensor& y = *ctx.out[0];
  if (x.shape.size() != 4 || y.shape.size() != 4 || y.shape[0] != x.shape[0] ||
      y.shape[3] != x.shape[3])
    return OpError(ctx, "expects 4-D tensors of the same batch and channels");
  const int64_t N = x.shape[0], H = x.shape[1], W = x.shape[2], C = x.shape[3];
  const int64_t OH = y.shape[1], OW = y.shape[2];
  const int64_t kh = o->filter_height(), kw = o->filter_width(), sh = o->stride_h(),
                sw = o->stride_w();
  const int64_t pt = PadBefore(o->padding(), H, OH, kh, sh, 1);
  const int64_t pl = PadBefore(o->padding(), W, OW, kw, sw, 1);
  const bool int8 = x.type == ::tflite::TensorType_INT8;
  if (int8 && (y.type != x.type || !x.quantized() || !y.quantized() || x.scale[0] != y.scale[0] ||
               x.zero_point[0] != y.zero_point[0]))
    return OpError(ctx, "int8 pooling needs the same input and output parameters");
  int32_t lo = -128, hi = 127;
  if (int8) ActivationRange(o->fused_activation_function(), y, &lo, &hi);
  std::vector<float> out(y.numel());
  if (int8) y.q.resize(y.numel());
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow)
        for (int64_t c = 0; c < C; ++c) {
          double acc = max ? -std::numeric_limits<double>::infinity() : 0;
          int64_t count = 0;
          // The window clipped to the input first (as TFLite's loops): a file's filter size
          // is not bounded by any tensor, so walking all of it could take unbounded time.
          const int64_t y0 = oh * sh - pt, x0 = ow * sw - pl;
          const int64_t i_end = std::min(kh, H - y0), j_end = std::min(kw, W - x0);
          for (int64_t i = std::max<int64_t>(0, -y0); i < i_end; ++i) {
            const int64_t ih = y0 + i;
            for (int64_t j = std::max<int64_t>(0, -x0); j < j_end; ++j) {
              const int64_t iw = x0 + j;
              const int64_t k = ((n * H + ih) * W + iw) * C + c;
              const double v = int8 ? x.q[k] : x.f[k];
              acc = max ? std::max(acc, v) : acc + v;
              ++count;
            }
          }
          const int64_t idx = ((n * OH + oh) * OW + ow) * C + c;
          if (int8) {
            int64_t v = static_cast<int64_t>(acc);
            if (!max && count > 0) v = v > 0 ? (v + count / 2) / count : (v - count / 2) / count;
            y.q[idx] = std::clamp<int32_t>(static_cast<int32_t>(v), lo, hi);
          } else {
            out[idx] = static_cast<float>(max ? acc : (count ? acc / count : 0));
          }
        }
  if (!int8) {
    ApplyActivation(o->fused_activation_function(), out);
    StoreFloat(y, std::move(out));
  }
  return OkStatus();
}

}  // namespace pt2tf::tflite
