// Shape rules for sliding-window ops (Conv, ConvTranspose, pools), normalizations and
// Resize/Upsample (ONNX opset 21).
#include <algorithm>
#include <cmath>
#include <string>

#include "ir/shapes/shape_fns.h"

namespace pt2tf::ir::shapes {
namespace {

enum class AutoPad { kNotSet, kSameUpper, kSameLower, kValid };

struct Window {
  Dims kernel, strides, dilations, pads;  // pads: begins then ends
  AutoPad auto_pad = AutoPad::kNotSet;
  bool ceil_mode = false;
};

// Reads kernel geometry attributes for `n` spatial dims, checking their lengths and values.
Status ReadWindow(const InferContext& ctx, size_t n, Dims kernel, Window& w) {
  const Node& node = ctx.node();
  w.kernel = std::move(kernel);
  w.strides = node.GetInts("strides", Dims(n, 1));
  w.dilations = node.GetInts("dilations", Dims(n, 1));
  w.pads = node.GetInts("pads", Dims(2 * n, 0));
  w.ceil_mode = node.GetInt("ceil_mode", 0) != 0;
  const std::string auto_pad = node.GetString("auto_pad", "NOTSET");
  if (auto_pad == "NOTSET") {
    w.auto_pad = AutoPad::kNotSet;
  } else if (auto_pad == "SAME_UPPER") {
    w.auto_pad = AutoPad::kSameUpper;
  } else if (auto_pad == "SAME_LOWER") {
    w.auto_pad = AutoPad::kSameLower;
  } else if (auto_pad == "VALID") {
    w.auto_pad = AutoPad::kValid;
  } else {
    return ctx.Error("unknown auto_pad '" + auto_pad + "'");
  }
  auto check_len = [&](const Dims& d, size_t want, const char* what) -> Status {
    if (d.size() != want)
      return ctx.Error(std::string(what) + " has " + std::to_string(d.size()) +
                       " values, expected " + std::to_string(want));
    return OkStatus();
  };
  PT2TF_RETURN_IF_ERROR(check_len(w.kernel, n, "kernel_shape"));
  PT2TF_RETURN_IF_ERROR(check_len(w.strides, n, "strides"));
  PT2TF_RETURN_IF_ERROR(check_len(w.dilations, n, "dilations"));
  PT2TF_RETURN_IF_ERROR(check_len(w.pads, 2 * n, "pads"));
  for (size_t i = 0; i < n; ++i) {
    if (w.kernel[i] < 1) return ctx.Error("kernel_shape must be positive");
    if (w.strides[i] < 1) return ctx.Error("strides must be positive");
    if (w.dilations[i] < 1) return ctx.Error("dilations must be positive");
    if (w.pads[i] < 0 || w.pads[i + n] < 0) return ctx.Error("pads must not be negative");
  }
  return OkStatus();
}

int64_t CeilDiv(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// Output spatial dims of a forward window op (Conv, pools). `x` is the full input shape.
Status WindowOutput(const InferContext& ctx, const Dims& x, const Window& w, Dims& out) {
  const size_t n = w.kernel.size();
  out.assign(n, kUnknownDim);
  bool too_small = false;
  for (size_t i = 0; i < n; ++i) {
    const int64_t in = x[2 + i];
    if (in < 0) continue;
    const int64_t extent = (w.kernel[i] - 1) * w.dilations[i] + 1;
    const int64_t s = w.strides[i];
    switch (w.auto_pad) {
      case AutoPad::kSameUpper:
      case AutoPad::kSameLower:
        out[i] = CeilDiv(in, s);
        break;
      case AutoPad::kValid:
        if (in < extent) too_small = true;
        out[i] = CeilDiv(in - extent + 1, s);
        break;
      case AutoPad::kNotSet: {
        const int64_t padded = in + w.pads[i] + w.pads[i + n];
        if (padded < extent) {
          too_small = true;
          break;
        }
        if (w.ceil_mode) {
          out[i] = CeilDiv(padded - extent, s) + 1;
          // The last window must start inside the input or its leading padding.
          if ((out[i] - 1) * s >= in + w.pads[i]) --out[i];
        } else {
          out[i] = (padded - extent) / s + 1;
        }
        break;
      }
    }
  }
  if (too_small) {
    Dims kernel = w.kernel;
    bool dilated = false, padded = false;
    for (size_t i = 0; i < n; ++i) {
      dilated |= w.dilations[i] > 1;
      padded |= w.auto_pad == AutoPad::kNotSet && (w.pads[i] > 0 || w.pads[i + n] > 0);
      kernel[i] = (w.kernel[i] - 1) * w.dilations[i] + 1;
    }
    std::string msg = "input " + DimsToString(x);
    if (padded) {
      Dims p = x;
      for (size_t i = 0; i < n; ++i)
        if (p[2 + i] >= 0) p[2 + i] += w.pads[i] + w.pads[i + n];
      msg += " (padded " + DimsToString(p) + ")";
    }
    msg += " is smaller than the " + std::string(dilated ? "dilated kernel " : "kernel ") +
           DimsToString(kernel);
    return ctx.Error(msg);
  }
  return OkStatus();
}

// Checks that a per-channel parameter input has shape [channels].
Status CheckPerChannel(const InferContext& ctx, size_t i, int64_t channels, const char* what) {
  auto s = ctx.shape(i);
  if (!s || channels < 0) return OkStatus();
  if (s->size() != 1 || ((*s)[0] >= 0 && (*s)[0] != channels))
    return ctx.Error("input has " + std::to_string(channels) + " channels but " + what +
                     " has shape " + DimsToString(*s));
  return OkStatus();
}

}  // namespace

Status InferConv(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(2, 3));
  auto x = ctx.shape(0), w = ctx.shape(1);
  if (!x || !w) {
    ctx.SetOutput(0, ctx.dtype(0),
                  x ? std::optional<Dims>(Dims(x->size(), kUnknownDim)) : std::nullopt);
    return OkStatus();
  }
  if (x->size() < 3) return ctx.Error("input must have rank >= 3, got " + DimsToString(*x));
  if (w->size() != x->size())
    return ctx.Error("weight " + DimsToString(*w) + " does not match input rank " +
                     std::to_string(x->size()));
  const int64_t group = ctx.node().GetInt("group", 1);
  if (group < 1) return ctx.Error("group must be positive");
  const int64_t c = (*x)[1], m = (*w)[0], wc = (*w)[1];
  if (c >= 0 && wc >= 0 && c != wc * group) {
    std::string expects = std::to_string(wc * group);
    if (group > 1)
      expects += " (" + std::to_string(wc) + " per group x " + std::to_string(group) + " groups)";
    return ctx.Error("input has " + std::to_string(c) + " channels but the weight expects " +
                     expects);
  }
  if (m >= 0 && m % group != 0)
    return ctx.Error(std::to_string(m) + " output channels are not divisible by group " +
                     std::to_string(group));
  PT2TF_RETURN_IF_ERROR(CheckPerChannel(ctx, 2, m, "the bias"));
  const size_t n = x->size() - 2;
  Dims kernel(w->begin() + 2, w->end());
  Dims attr_kernel = ctx.node().GetInts("kernel_shape", kernel);
  for (size_t i = 0; i < n && attr_kernel.size() == n; ++i)
    if (kernel[i] >= 0 && attr_kernel[i] != kernel[i])
      return ctx.Error("kernel_shape " + DimsToString(attr_kernel) + " disagrees with weight " +
                       DimsToString(*w));
  for (size_t i = 0; i < n && i < attr_kernel.size(); ++i)
    if (attr_kernel[i] < 0) {  // weight spatial dims unknown: output dims unknown
      Dims out = {(*x)[0], m};
      out.resize(x->size(), kUnknownDim);
      ctx.SetOutput(0, ctx.dtype(0), out);
      return OkStatus();
    }
  Window win;
  PT2TF_RETURN_IF_ERROR(ReadWindow(ctx, n, attr_kernel, win));
  Dims spatial;
  PT2TF_RETURN_IF_ERROR(WindowOutput(ctx, *x, win, spatial));
  Dims out = {(*x)[0], m};
  out.insert(out.end(), spatial.begin(), spatial.end());
  ctx.SetOutput(0, ctx.dtype(0), out);
  return OkStatus();
}

Status InferConvTranspose(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(2, 3));
  auto x = ctx.shape(0), w = ctx.shape(1);
  if (!x || !w) {
    ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
    return OkStatus();
  }
  if (x->size() < 3) return ctx.Error("input must have rank >= 3, got " + DimsToString(*x));
  if (w->size() != x->size())
    return ctx.Error("weight " + DimsToString(*w) + " does not match input rank " +
                     std::to_string(x->size()));
  const int64_t group = ctx.node().GetInt("group", 1);
  if (group < 1) return ctx.Error("group must be positive");
  const int64_t c = (*x)[1];
  if (c >= 0 && (*w)[0] >= 0 && c != (*w)[0])
    return ctx.Error("input has " + std::to_string(c) + " channels but the weight expects " +
                     std::to_string((*w)[0]));
  const int64_t m = (*w)[1] < 0 ? kUnknownDim : (*w)[1] * group;
  PT2TF_RETURN_IF_ERROR(CheckPerChannel(ctx, 2, m, "the bias"));
  const size_t n = x->size() - 2;
  Dims kernel = ctx.node().GetInts("kernel_shape", Dims(w->begin() + 2, w->end()));
  Dims out = {(*x)[0], m};
  out.resize(x->size(), kUnknownDim);
  if (std::any_of(kernel.begin(), kernel.end(), [](int64_t k) { return k < 0; })) {
    ctx.SetOutput(0, ctx.dtype(0), out);
    return OkStatus();
  }
  Window win;
  PT2TF_RETURN_IF_ERROR(ReadWindow(ctx, n, kernel, win));
  const Dims output_padding = ctx.node().GetInts("output_padding", Dims(n, 0));
  const Dims output_shape = ctx.node().GetInts("output_shape");
  if (output_padding.size() != n)
    return ctx.Error("output_padding has " + std::to_string(output_padding.size()) +
                     " values, expected " + std::to_string(n));
  if (!output_shape.empty()) {
    if (output_shape.size() != n && output_shape.size() != n + 2)
      return ctx.Error("output_shape has " + std::to_string(output_shape.size()) +
                       " values, expected " + std::to_string(n));
    for (size_t i = 0; i < n; ++i) out[2 + i] = output_shape[output_shape.size() - n + i];
  } else {
    for (size_t i = 0; i < n; ++i) {
      const int64_t in = (*x)[2 + i];
      if (in < 0) continue;
      const int64_t extent = (win.kernel[i] - 1) * win.dilations[i] + 1;
      if (win.auto_pad == AutoPad::kSameUpper || win.auto_pad == AutoPad::kSameLower) {
        out[2 + i] = in * win.strides[i];
      } else {
        const int64_t pads = win.auto_pad == AutoPad::kValid ? 0 : win.pads[i] + win.pads[i + n];
        out[2 + i] = win.strides[i] * (in - 1) + output_padding[i] + extent - pads;
      }
      if (out[2 + i] < 1)
        return ctx.Error("output would be empty along spatial axis " + std::to_string(i) +
                         " (input " + DimsToString(*x) + ")");
    }
  }
  ctx.SetOutput(0, ctx.dtype(0), out);
  return OkStatus();
}

Status InferPool(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 1));
  auto x = ctx.shape(0);
  const Attribute* ks = ctx.node().FindAttr("kernel_shape");
  if (!ks || ks->type != AttrType::kInts) return ctx.Error("missing ints attribute 'kernel_shape'");
  if (!x) {
    ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
    ctx.SetOutput(1, DType::kInt64, std::nullopt);
    return OkStatus();
  }
  if (x->size() != ks->ints.size() + 2)
    return ctx.Error("input " + DimsToString(*x) + " does not fit kernel_shape of " +
                     std::to_string(ks->ints.size()) + " spatial dims");
  Window win;
  PT2TF_RETURN_IF_ERROR(ReadWindow(ctx, ks->ints.size(), ks->ints, win));
  Dims spatial;
  PT2TF_RETURN_IF_ERROR(WindowOutput(ctx, *x, win, spatial));
  Dims out = {(*x)[0], (*x)[1]};
  out.insert(out.end(), spatial.begin(), spatial.end());
  ctx.SetOutput(0, ctx.dtype(0), out);
  ctx.SetOutput(1, DType::kInt64, out);  // MaxPool's optional Indices
  return OkStatus();
}

Status InferGlobalPool(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 1));
  auto x = ctx.shape(0);
  if (x) {
    if (x->size() < 3) return ctx.Error("input must have rank >= 3, got " + DimsToString(*x));
    for (size_t i = 2; i < x->size(); ++i) (*x)[i] = 1;
  }
  ctx.SetOutput(0, ctx.dtype(0), x);
  return OkStatus();
}

Status InferBatchNorm(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(5, 5));
  auto x = ctx.shape(0);
  int64_t c = kUnknownDim;
  if (x) {
    if (x->size() < 2) return ctx.Error("input must have rank >= 2, got " + DimsToString(*x));
    c = (*x)[1];
  }
  PT2TF_RETURN_IF_ERROR(CheckPerChannel(ctx, 1, c, "scale"));
  PT2TF_RETURN_IF_ERROR(CheckPerChannel(ctx, 2, c, "bias"));
  PT2TF_RETURN_IF_ERROR(CheckPerChannel(ctx, 3, c, "mean"));
  PT2TF_RETURN_IF_ERROR(CheckPerChannel(ctx, 4, c, "var"));
  ctx.SetOutput(0, ctx.dtype(0), x);
  ctx.SetOutput(1, ctx.dtype(3), Dims{c});  // training mode: running mean / var
  ctx.SetOutput(2, ctx.dtype(4), Dims{c});
  return OkStatus();
}

Status InferInstanceNorm(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(3, 3));
  auto x = ctx.shape(0);
  if (x) {
    if (x->size() < 3) return ctx.Error("input must have rank >= 3, got " + DimsToString(*x));
    PT2TF_RETURN_IF_ERROR(CheckPerChannel(ctx, 1, (*x)[1], "scale"));
    PT2TF_RETURN_IF_ERROR(CheckPerChannel(ctx, 2, (*x)[1], "bias"));
  }
  ctx.SetOutput(0, ctx.dtype(0), x);
  return OkStatus();
}

Status InferLayerNorm(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(2, 3));
  auto x = ctx.shape(0);
  ctx.SetOutput(0, ctx.dtype(0), x);
  const int stash = static_cast<int>(ctx.node().GetInt("stash_type", 1));
  const DType stash_type = DTypeFromOnnx(stash).value_or(DType::kFloat32);
  if (!x) {
    ctx.SetOutput(1, stash_type, std::nullopt);
    ctx.SetOutput(2, stash_type, std::nullopt);
    return OkStatus();
  }
  int64_t axis = ctx.node().GetInt("axis", -1);
  PT2TF_RETURN_IF_ERROR(NormalizeAxis(ctx, axis, static_cast<int64_t>(x->size()), "axis"));
  const Dims normalized(x->begin() + axis, x->end());
  for (size_t i = 1; i < 3; ++i) {
    auto s = ctx.shape(i);
    if (!s) continue;
    Dims b;
    PT2TF_RETURN_IF_ERROR(Broadcast(ctx, normalized, *s, b));
    if (b.size() != normalized.size())
      return ctx.Error(std::string(i == 1 ? "scale " : "bias ") + DimsToString(*s) +
                       " does not broadcast to the normalized dims " + DimsToString(normalized));
  }
  Dims stats = *x;
  for (size_t i = static_cast<size_t>(axis); i < stats.size(); ++i) stats[i] = 1;
  ctx.SetOutput(1, stash_type, stats);
  ctx.SetOutput(2, stash_type, stats);
  return OkStatus();
}

namespace {
// floor(in * scale) for every axis; unknown inputs stay unknown.
Status ScaleDims(const InferContext& ctx, const Dims& x, const std::vector<double>& scales,
                 const Dims& axes, Dims& out) {
  out = x;
  if (scales.size() != axes.size())
    return ctx.Error("has " + std::to_string(scales.size()) + " scales for " +
                     std::to_string(axes.size()) + " axes");
  for (size_t i = 0; i < axes.size(); ++i) {
    if (scales[i] <= 0) return ctx.Error("scales must be positive");
    const int64_t d = x[axes[i]];
    out[axes[i]] = d < 0 ? kUnknownDim : static_cast<int64_t>(std::floor(d * scales[i]));
  }
  return OkStatus();
}
}  // namespace

Status InferResize(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 4));
  auto x = ctx.shape(0);
  if (!x) {
    ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
    return OkStatus();
  }
  const int64_t rank = static_cast<int64_t>(x->size());
  Dims axes = ctx.node().GetInts("axes");
  if (axes.empty())
    for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
  for (int64_t& a : axes) PT2TF_RETURN_IF_ERROR(NormalizeAxis(ctx, a, rank, "axis"));
  // An empty scales tensor means "absent" (exporters pass one alongside sizes).
  auto scales = ctx.ConstDoubles(2);
  auto sizes = ctx.ConstInts(3);
  const bool has_scales = ctx.has_input(2) && !(scales && scales->empty()) &&
                          !(ctx.shape(2) && DimProduct(*ctx.shape(2)) == 0);
  const bool has_sizes = ctx.has_input(3) && !(sizes && sizes->empty());
  if (!has_scales && !has_sizes) return ctx.Error("needs scales or sizes");
  Dims out(x->size(), kUnknownDim);
  for (int64_t i = 0; i < rank; ++i)
    if (std::find(axes.begin(), axes.end(), i) == axes.end()) out[i] = (*x)[i];
  if (!has_sizes && scales) {
    PT2TF_RETURN_IF_ERROR(ScaleDims(ctx, *x, *scales, axes, out));
  } else if (has_sizes && sizes) {
    if (sizes->size() != axes.size())
      return ctx.Error("has " + std::to_string(sizes->size()) + " sizes for " +
                       std::to_string(axes.size()) + " axes");
    const std::string policy = ctx.node().GetString("keep_aspect_ratio_policy", "stretch");
    if (policy == "stretch") {
      for (size_t i = 0; i < axes.size(); ++i) out[axes[i]] = (*sizes)[i];
    } else if (policy == "not_larger" || policy == "not_smaller") {
      bool known = true;
      double scale = policy == "not_larger" ? 1e300 : 0;
      for (size_t i = 0; i < axes.size(); ++i) {
        const int64_t d = (*x)[axes[i]];
        if (d <= 0) {
          known = false;
          break;
        }
        const double r = static_cast<double>((*sizes)[i]) / static_cast<double>(d);
        scale = policy == "not_larger" ? std::min(scale, r) : std::max(scale, r);
      }
      for (size_t i = 0; known && i < axes.size(); ++i)
        out[axes[i]] = static_cast<int64_t>(scale * static_cast<double>((*x)[axes[i]]) + 0.5);
    } else {
      return ctx.Error("unknown keep_aspect_ratio_policy '" + policy + "'");
    }
  }
  ctx.SetOutput(0, ctx.dtype(0), out);
  return OkStatus();
}

Status InferUpsample(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 2));
  auto x = ctx.shape(0);
  if (!x) {
    ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
    return OkStatus();
  }
  std::optional<std::vector<double>> scales = ctx.ConstDoubles(1);
  if (!ctx.has_input(1))
    scales = [&] {
      std::vector<float> f = ctx.node().GetFloats("scales");
      return std::vector<double>(f.begin(), f.end());
    }();
  Dims out(x->size(), kUnknownDim);
  if (scales) {
    Dims axes;
    for (size_t i = 0; i < x->size(); ++i) axes.push_back(static_cast<int64_t>(i));
    PT2TF_RETURN_IF_ERROR(ScaleDims(ctx, *x, *scales, axes, out));
  }
  ctx.SetOutput(0, ctx.dtype(0), out);
  return OkStatus();
}

}  // namespace pt2tf::ir::shapes
