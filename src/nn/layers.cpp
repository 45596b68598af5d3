#include "nn/layers.h"

#include <cstring>

namespace pt2tf::nn {
namespace {

using ir::Attribute;

bool CheckChannels(Var x, const char* layer, int64_t expected) {
  if (x.dim() != 4) {
    x.builder->Fail(InvalidInput(std::string(layer) + " expects a 4-D NCHW input, got " +
                                 ShapeToString(x.shape())));
    return false;
  }
  if (x.size(1) != expected) {
    x.builder->Fail(InvalidInput(std::string(layer) + " expects " + std::to_string(expected) +
                                 " input channels, got " + std::to_string(x.size(1)) + " (input " +
                                 ShapeToString(x.shape()) + ")"));
    return false;
  }
  return true;
}

}  // namespace

Padding::Padding(std::string_view s, int) {
  if (s == "same")
    mode = Mode::kSame;
  else if (s == "valid")
    mode = Mode::kValid;
  else
    bad_string = true;
}

// ---- Conv2d ----

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, Pair kernel_size, Conv2dOptions options)
    : Module("Conv2d"),
      in_channels(in_channels),
      out_channels(out_channels),
      kernel_size(kernel_size),
      options(options) {
  const int64_t groups = options.groups > 0 ? options.groups : 1;
  weight_ = &register_parameter("weight",
                                {out_channels, in_channels / groups, kernel_size.h, kernel_size.w});
  if (options.bias) bias_ = &register_parameter("bias", {out_channels});
}

Var Conv2d::forward(Var x) {
  Builder& b = *x.builder;
  const Conv2dOptions& o = options;
  if (o.groups <= 0 || in_channels % o.groups != 0 || out_channels % o.groups != 0) {
    b.Fail(InvalidInput("Conv2d: in_channels " + std::to_string(in_channels) +
                        " and out_channels " + std::to_string(out_channels) +
                        " must be divisible by groups " + std::to_string(o.groups)));
    return x;
  }
  if (o.padding.bad_string) {
    b.Fail(InvalidInput("Conv2d: padding must be a number, 'same' or 'valid'"));
    return x;
  }
  if (!CheckChannels(x, "Conv2d", in_channels)) return x;
  const Pair k = kernel_size, s = o.stride, d = o.dilation;
  if (k.h <= 0 || k.w <= 0 || s.h <= 0 || s.w <= 0 || d.h <= 0 || d.w <= 0) {
    b.Fail(InvalidInput("Conv2d: kernel, stride and dilation must be positive"));
    return x;
  }
  // pads as ONNX orders them: top, left, bottom, right.
  int64_t pt = o.padding.h, pl = o.padding.w, pb = o.padding.h, pr = o.padding.w;
  if (o.padding.mode == Padding::Mode::kValid) pt = pl = pb = pr = 0;
  if (o.padding.mode == Padding::Mode::kSame) {
    if (s.h != 1 || s.w != 1) {
      b.Fail(InvalidInput("Conv2d: padding='same' is not supported for strided convolutions"));
      return x;
    }
    // torch puts the odd pixel of 'same' padding at the end (bottom/right).
    const int64_t th = d.h * (k.h - 1), tw = d.w * (k.w - 1);
    pt = th / 2, pb = th - th / 2, pl = tw / 2, pr = tw - tw / 2;
  }
  if (pt < 0 || pl < 0) {
    b.Fail(InvalidInput("Conv2d: padding must be non-negative"));
    return x;
  }
  const int64_t eh = d.h * (k.h - 1) + 1, ew = d.w * (k.w - 1) + 1;
  const int64_t in_h = x.size(2) + pt + pb, in_w = x.size(3) + pl + pr;
  if (in_h < eh || in_w < ew) {
    b.Fail(InvalidInput("Conv2d: input " + ShapeToString(x.shape()) + " is too small for the " +
                        std::to_string(eh) + "x" + std::to_string(ew) + " kernel (padded " +
                        std::to_string(in_h) + "x" + std::to_string(in_w) + ")"));
    return x;
  }
  const ir::Dims out = {x.size(0), out_channels, (in_h - eh) / s.h + 1, (in_w - ew) / s.w + 1};
  std::vector<ir::Value*> inputs = {x.value, weight_->value};
  if (bias_) inputs.push_back(bias_->value);
  ir::AttributeMap attrs = {
      {"kernel_shape", Attribute::Ints({k.h, k.w})}, {"strides", Attribute::Ints({s.h, s.w})},
      {"pads", Attribute::Ints({pt, pl, pb, pr})},   {"dilations", Attribute::Ints({d.h, d.w})},
      {"group", Attribute::Int(o.groups)},
  };
  return b.Op("Conv", inputs, std::move(attrs), out);
}

// ---- BatchNorm2d ----

BatchNorm2d::BatchNorm2d(int64_t num_features, BatchNormOptions options)
    : Module("BatchNorm2d"), num_features(num_features), options(options) {
  if (options.affine) {
    weight_ = &register_parameter("weight", {num_features});
    bias_ = &register_parameter("bias", {num_features});
  }
  if (options.track_running_stats) {
    running_mean_ = &register_buffer("running_mean", {num_features});
    running_var_ = &register_buffer("running_var", {num_features});
    register_ignored("num_batches_tracked", {});
  }
}

Var BatchNorm2d::forward(Var x) {
  Builder& b = *x.builder;
  if (!options.track_running_stats) {
    b.Fail(
        Unsupported("BatchNorm2d without running statistics normalises with batch "
                    "statistics even in eval mode; not supported"));
    return x;
  }
  if (!CheckChannels(x, "BatchNorm2d", num_features)) return x;
  ir::Value* scale =
      weight_ ? weight_->value : b.Floats(std::vector<float>(num_features, 1.f), {num_features});
  ir::Value* shift =
      bias_ ? bias_->value : b.Floats(std::vector<float>(num_features, 0.f), {num_features});
  return b.Op("BatchNormalization",
              {x.value, scale, shift, running_mean_->value, running_var_->value},
              {{"epsilon", Attribute::Float(static_cast<float>(options.eps))}}, x.shape());
}

// ---- Linear ----

Linear::Linear(int64_t in_features, int64_t out_features, bool bias)
    : Module("Linear"), in_features(in_features), out_features(out_features) {
  weight_ = &register_parameter("weight", {out_features, in_features});
  if (bias) bias_ = &register_parameter("bias", {out_features});
}

Var Linear::forward(Var x) {
  Builder& b = *x.builder;
  if (x.dim() < 1 || x.size(-1) != in_features) {
    b.Fail(InvalidInput("Linear expects " + std::to_string(in_features) +
                        " input features, got input " + ShapeToString(x.shape())));
    return x;
  }
  ir::Dims out = x.shape();
  out.back() = out_features;
  if (x.dim() == 2) {  // y = x W^T + b as one Gemm
    std::vector<ir::Value*> inputs = {x.value, weight_->value};
    if (bias_) inputs.push_back(bias_->value);
    return b.Op("Gemm", inputs, {{"transB", Attribute::Int(1)}}, out);
  }
  Var wt = b.Op("Transpose", {weight_->value}, {{"perm", Attribute::Ints({1, 0})}},
                {in_features, out_features});
  Var y = b.Op("MatMul", {x.value, wt.value}, {}, out);
  if (!bias_) return y;
  return b.Op("Add", {y.value, bias_->value}, {}, out);
}

// ---- Sequential ----

Var Sequential::forward(Var x) {
  for (const auto& [name, child] : children()) x = (*child)(x);
  return x;
}

}  // namespace pt2tf::nn
