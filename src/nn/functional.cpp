#include "nn/functional.h"

#include <cmath>

namespace pt2tf::nn::F {
namespace {

using ir::Attribute;
using ir::Dims;

bool Usable(Var x) { return x.builder && x.builder->ok() && x.value && x.value->shape; }

// Normalises a possibly negative dim; fails the builder when out of range.
bool NormalizeDim(Var x, int64_t& d, const char* what) {
  const int64_t rank = x.dim();
  if (d < -rank || d >= rank) {
    x.builder->Fail(InvalidInput(std::string(what) + ": dim " + std::to_string(d) +
                                 " is out of range for a tensor of shape " +
                                 ShapeToString(x.shape())));
    return false;
  }
  if (d < 0) d += rank;
  return true;
}

bool RequireRank4(Var x, const char* what) {
  if (x.dim() == 4) return true;
  x.builder->Fail(InvalidInput(std::string(what) + " expects a 4-D NCHW input, got " +
                               ShapeToString(x.shape())));
  return false;
}

Var Unary(const std::string& op, Var x, ir::AttributeMap attrs = {}) {
  if (!Usable(x)) return x;
  return x.builder->Op(op, {x.value}, std::move(attrs), x.shape());
}

Var Binary(const std::string& op, Var a, Var b) {
  if (!Usable(a) || !Usable(b)) return a;
  // numpy broadcasting, right-aligned.
  const Dims& sa = a.shape();
  const Dims& sb = b.shape();
  Dims out(std::max(sa.size(), sb.size()), 1);
  for (size_t i = 0; i < out.size(); ++i) {
    int64_t da = i < sa.size() ? sa[sa.size() - 1 - i] : 1;
    int64_t db = i < sb.size() ? sb[sb.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1) {
      a.builder->Fail(InvalidInput(op + ": shapes " + ShapeToString(sa) + " and " +
                                   ShapeToString(sb) + " do not broadcast"));
      return a;
    }
    out[out.size() - 1 - i] = da == 1 ? db : da;
  }
  return a.builder->Op(op, {a.value, b.value}, {}, out);
}

Var ScalarOp(const std::string& op, Var x, float c) {
  if (!Usable(x)) return x;
  return x.builder->Op(op, {x.value, x.builder->FloatScalar(c)}, {}, x.shape());
}

// torch's pooling/convolution output size, ceil_mode included (the last window must start
// inside the input or the left padding). Returns <= 0 when the input is too small.
int64_t WindowOutput(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode,
                     int64_t* floor_out) {
  const int64_t span = in + 2 * p - d * (k - 1) - 1;
  if (span < 0) return 0;
  *floor_out = span / s + 1;
  if (!ceil_mode) return *floor_out;
  int64_t out = (span + s - 1) / s + 1;
  if ((out - 1) * s >= in + p) --out;
  return out;
}

struct WindowShape {
  int64_t h = 0, w = 0;
  bool ceil_needed = false;  // torch's output exceeds the floor formula
};

// Validates a 2-D sliding window over x (NCHW) and computes the output size.
bool Window(Var x, const char* what, Pair k, Pair s, Pair p, Pair d, bool ceil_mode,
            WindowShape* out) {
  if (!RequireRank4(x, what)) return false;
  if (k.h <= 0 || k.w <= 0 || s.h <= 0 || s.w <= 0 || d.h <= 0 || d.w <= 0 || p.h < 0 || p.w < 0) {
    x.builder->Fail(InvalidInput(std::string(what) + ": kernel, stride and dilation must be " +
                                 "positive and padding non-negative"));
    return false;
  }
  int64_t fh = 0, fw = 0;
  out->h = WindowOutput(x.size(2), k.h, s.h, p.h, d.h, ceil_mode, &fh);
  out->w = WindowOutput(x.size(3), k.w, s.w, p.w, d.w, ceil_mode, &fw);
  if (out->h <= 0 || out->w <= 0) {
    x.builder->Fail(InvalidInput(
        std::string(what) + ": input " + ShapeToString(x.shape()) + " is too small for a " +
        std::to_string(d.h * (k.h - 1) + 1) + "x" + std::to_string(d.w * (k.w - 1) + 1) +
        " window with padding " + std::to_string(p.h) + "x" + std::to_string(p.w)));
    return false;
  }
  out->ceil_needed = out->h != fh || out->w != fw;
  return true;
}

}  // namespace

Var relu(Var x) { return Unary("Relu", x); }

Var relu6(Var x) {
  if (!Usable(x)) return x;
  Builder& b = *x.builder;
  return b.Op("Clip", {x.value, b.FloatScalar(0.f), b.FloatScalar(6.f)}, {}, x.shape());
}

Var sigmoid(Var x) { return Unary("Sigmoid", x); }
Var tanh(Var x) { return Unary("Tanh", x); }
Var silu(Var x) { return mul(x, sigmoid(x)); }

// HardSigmoid(alpha=1/6, beta=1/2) = relu6(x + 3) / 6; exists in every opset we write,
// unlike HardSwish (opset 14).
Var hardsigmoid(Var x) {
  return Unary("HardSigmoid", x,
               {{"alpha", Attribute::Float(1.f / 6.f)}, {"beta", Attribute::Float(0.5f)}});
}
Var hardswish(Var x) { return mul(x, hardsigmoid(x)); }

Var gelu(Var x, const std::string& approximate) {
  if (!Usable(x)) return x;
  if (approximate == "none") {  // 0.5 * x * (1 + erf(x / sqrt(2)))
    Var e = Unary("Erf", ScalarOp("Mul", x, static_cast<float>(M_SQRT1_2)));
    return mul(ScalarOp("Mul", x, 0.5f), ScalarOp("Add", e, 1.f));
  }
  if (approximate == "tanh") {  // 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
    Var cube = mul(mul(x, x), x);
    Var inner = add(x, ScalarOp("Mul", cube, 0.044715f));
    Var t = tanh(ScalarOp("Mul", inner, static_cast<float>(std::sqrt(2.0 / M_PI))));
    return mul(ScalarOp("Mul", x, 0.5f), ScalarOp("Add", t, 1.f));
  }
  x.builder->Fail(
      InvalidInput("gelu: approximate must be 'none' or 'tanh', got '" + approximate + "'"));
  return x;
}

Var add(Var a, Var b) { return Binary("Add", a, b); }
Var mul(Var a, Var b) { return Binary("Mul", a, b); }

Var cat(const std::vector<Var>& xs, int64_t dim) {
  if (xs.empty()) return Var{};
  for (const Var& x : xs)
    if (!Usable(x)) return xs[0];
  Var first = xs[0];
  if (!NormalizeDim(first, dim, "cat")) return first;
  Dims out = first.shape();
  std::vector<ir::Value*> inputs;
  for (size_t i = 0; i < xs.size(); ++i) {
    const Dims& s = xs[i].shape();
    bool compatible = s.size() == out.size();
    for (size_t j = 0; compatible && j < s.size(); ++j)
      if (static_cast<int64_t>(j) != dim && s[j] != out[j]) compatible = false;
    if (!compatible) {
      first.builder->Fail(InvalidInput("cat: shapes " + ShapeToString(first.shape()) + " and " +
                                       ShapeToString(s) + " differ outside dim " +
                                       std::to_string(dim)));
      return first;
    }
    if (i > 0) out[dim] += s[dim];
    inputs.push_back(xs[i].value);
  }
  return first.builder->Op("Concat", inputs, {{"axis", Attribute::Int(dim)}}, out);
}

Var flatten(Var x, int64_t start_dim, int64_t end_dim) {
  if (!Usable(x)) return x;
  if (x.dim() == 0) return reshape(x, {1});
  if (!NormalizeDim(x, start_dim, "flatten") || !NormalizeDim(x, end_dim, "flatten")) return x;
  if (start_dim > end_dim) {
    x.builder->Fail(InvalidInput("flatten: start_dim comes after end_dim"));
    return x;
  }
  Dims out(x.shape().begin(), x.shape().begin() + start_dim);
  int64_t merged = 1;
  for (int64_t i = start_dim; i <= end_dim; ++i) merged *= x.size(i);
  out.push_back(merged);
  out.insert(out.end(), x.shape().begin() + end_dim + 1, x.shape().end());
  // torch.flatten(x, 1) on any rank is exactly ONNX Flatten(axis=1).
  if (start_dim == 1 && end_dim == x.dim() - 1)
    return x.builder->Op("Flatten", {x.value}, {{"axis", Attribute::Int(1)}}, out);
  return reshape(x, out);
}

Var mean(Var x, const std::vector<int64_t>& dims, bool keepdim) {
  if (!Usable(x)) return x;
  std::vector<int64_t> axes;
  for (int64_t d : dims) {
    if (!NormalizeDim(x, d, "mean")) return x;
    axes.push_back(d);
  }
  Dims out;
  for (int64_t i = 0; i < x.dim(); ++i) {
    bool reduced = std::find(axes.begin(), axes.end(), i) != axes.end();
    if (!reduced)
      out.push_back(x.size(i));
    else if (keepdim)
      out.push_back(1);
  }
  Builder& b = *x.builder;
  return b.Op("ReduceMean", {x.value, b.Int64s(axes)}, {{"keepdims", Attribute::Int(keepdim)}},
              out);
}

Var reshape(Var x, const std::vector<int64_t>& shape) {
  if (!Usable(x)) return x;
  int64_t total = 1, known = 1, infer = -1;
  for (int64_t d : x.shape()) total *= d;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1 && infer < 0) {
      infer = static_cast<int64_t>(i);
    } else if (shape[i] <= 0) {
      x.builder->Fail(InvalidInput("reshape: bad target shape " + ShapeToString(shape)));
      return x;
    } else {
      known *= shape[i];
    }
  }
  Dims out = shape;
  if (infer >= 0) out[infer] = known ? total / known : 0;
  int64_t got = 1;
  for (int64_t d : out) got *= d;
  if (got != total) {
    x.builder->Fail(InvalidInput("reshape: cannot view " + ShapeToString(x.shape()) + " as " +
                                 ShapeToString(shape)));
    return x;
  }
  Builder& b = *x.builder;
  return b.Op("Reshape", {x.value, b.Int64s(shape)}, {}, out);
}

Var permute(Var x, const std::vector<int64_t>& dims) {
  if (!Usable(x)) return x;
  if (static_cast<int64_t>(dims.size()) != x.dim()) {
    x.builder->Fail(InvalidInput("permute: " + std::to_string(dims.size()) +
                                 " dims for a tensor of shape " + ShapeToString(x.shape())));
    return x;
  }
  std::vector<int64_t> perm;
  std::vector<bool> seen(dims.size(), false);
  for (int64_t d : dims) {
    if (!NormalizeDim(x, d, "permute")) return x;
    if (seen[d]) {
      x.builder->Fail(InvalidInput("permute: repeated dim " + std::to_string(d)));
      return x;
    }
    seen[d] = true;
    perm.push_back(d);
  }
  Dims out;
  for (int64_t d : perm) out.push_back(x.size(d));
  return x.builder->Op("Transpose", {x.value}, {{"perm", Attribute::Ints(perm)}}, out);
}

Var transpose(Var x, int64_t dim0, int64_t dim1) {
  if (!Usable(x)) return x;
  if (!NormalizeDim(x, dim0, "transpose") || !NormalizeDim(x, dim1, "transpose")) return x;
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < x.dim(); ++i) perm.push_back(i);
  std::swap(perm[dim0], perm[dim1]);
  return permute(x, perm);
}

Var max_pool2d(Var x, Pair k, const PoolOptions& o) {
  if (!Usable(x)) return x;
  Pair s = o.stride.value_or(k);
  WindowShape w;
  if (!Window(x, "MaxPool2d", k, s, o.padding, o.dilation, o.ceil_mode, &w)) return x;
  // ceil_mode only when it changes the size; ONNX's ceil formula equals torch's then.
  ir::AttributeMap attrs = {
      {"kernel_shape", Attribute::Ints({k.h, k.w})},
      {"strides", Attribute::Ints({s.h, s.w})},
      {"pads", Attribute::Ints({o.padding.h, o.padding.w, o.padding.h, o.padding.w})},
      {"dilations", Attribute::Ints({o.dilation.h, o.dilation.w})},
      {"ceil_mode", Attribute::Int(w.ceil_needed ? 1 : 0)},
  };
  return x.builder->Op("MaxPool", {x.value}, std::move(attrs), {x.size(0), x.size(1), w.h, w.w});
}

Var avg_pool2d(Var x, Pair k, const PoolOptions& o) {
  if (!Usable(x)) return x;
  Pair s = o.stride.value_or(k);
  WindowShape w;
  if (!Window(x, "AvgPool2d", k, s, o.padding, 1, o.ceil_mode, &w)) return x;
  const bool padded = o.padding.h > 0 || o.padding.w > 0;
  // torch never counts the ceil overhang past the padding; ONNX would with
  // count_include_pad, so that one combination is refused.
  if (w.ceil_needed && padded && o.count_include_pad) {
    x.builder->Fail(
        Unsupported("AvgPool2d with ceil_mode, padding and count_include_pad on "
                    "input " +
                    ShapeToString(x.shape()) + " has no exact ONNX equivalent"));
    return x;
  }
  ir::AttributeMap attrs = {
      {"kernel_shape", Attribute::Ints({k.h, k.w})},
      {"strides", Attribute::Ints({s.h, s.w})},
      {"pads", Attribute::Ints({o.padding.h, o.padding.w, o.padding.h, o.padding.w})},
      {"ceil_mode", Attribute::Int(w.ceil_needed ? 1 : 0)},
      {"count_include_pad", Attribute::Int(padded && o.count_include_pad ? 1 : 0)},
  };
  return x.builder->Op("AveragePool", {x.value}, std::move(attrs),
                       {x.size(0), x.size(1), w.h, w.w});
}

Var adaptive_avg_pool2d(Var x, Pair out) {
  if (!Usable(x)) return x;
  if (!RequireRank4(x, "AdaptiveAvgPool2d")) return x;
  const int64_t h = x.size(2), w = x.size(3);
  if (out.h <= 0 || out.w <= 0) {
    x.builder->Fail(InvalidInput("AdaptiveAvgPool2d: output size must be positive"));
    return x;
  }
  if (out.h == 1 && out.w == 1)
    return x.builder->Op("GlobalAveragePool", {x.value}, {}, {x.size(0), x.size(1), 1, 1});
  if (out.h == h && out.w == w) return x;  // every bin is one pixel
  if (h % out.h != 0 || w % out.w != 0) {
    x.builder->Fail(Unsupported(
        "AdaptiveAvgPool2d to " + std::to_string(out.h) + "x" + std::to_string(out.w) +
        " needs the input size divisible by it, "
        "got " +
        ShapeToString(x.shape()) + " (choose an input shape that gives a divisible feature map)"));
    return x;
  }
  return avg_pool2d(x, Pair(h / out.h, w / out.w));
}

Var zero_pad2d(Var x, int64_t left, int64_t right, int64_t top, int64_t bottom) {
  if (!Usable(x)) return x;
  if (!RequireRank4(x, "ZeroPad2d")) return x;
  Dims out = x.shape();
  out[2] += top + bottom;
  out[3] += left + right;
  if (out[2] <= 0 || out[3] <= 0) {
    x.builder->Fail(
        InvalidInput("ZeroPad2d: cropping leaves nothing of " + ShapeToString(x.shape())));
    return x;
  }
  Builder& b = *x.builder;
  // ONNX pads: all begins (N, C, H, W), then all ends.
  ir::Value* pads = b.Int64s({0, 0, top, left, 0, 0, bottom, right});
  return b.Op("Pad", {x.value, pads}, {{"mode", Attribute::String("constant")}}, out);
}

}  // namespace pt2tf::nn::F
