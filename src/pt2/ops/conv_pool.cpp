// Convolutions and pooling: aten.conv{1,2,3}d, conv_transpose{1,2,3}d, convolution, max_pool2d,
// avg_pool2d, adaptive_{avg,max}_pool2d. torch gives symmetric paddings per spatial dim; ONNX wants
// begins then ends. Whether ceil_mode changes a pool's size is read off the output size the
// program records, so torch's own rule decides, not a re-derivation of it.
#include "pt2/ops/ops.h"

namespace pt2tf::pt2::ops {
namespace {

using ir::Attribute;

// A per-spatial-dim parameter: torch allows one value for all dims.
Result<std::vector<int64_t>> PerDim(OpCall& c, const std::string& name, size_t n,
                                    std::vector<int64_t> fallback) {
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> v, c.Ints(name, fallback));
  if (v.empty()) v = fallback;
  if (v.size() == 1 && n > 1) v.assign(n, v[0]);
  if (v.size() != n)
    return InvalidInput(c.Describe() + ": '" + name + "' has " + std::to_string(v.size()) +
                        " values for " + std::to_string(n) + " spatial dims");
  return v;
}

std::vector<int64_t> SymmetricPads(const std::vector<int64_t>& p) {
  std::vector<int64_t> pads = p;
  pads.insert(pads.end(), p.begin(), p.end());
  return pads;
}

// ConvTranspose. The TF lowering takes only 2-D, ungrouped ones, so a 1-D one runs as a 2-D one
// over a unit height and a grouped one as one ConvTranspose per group, concatenated on the
// channels; both are exact, and ONNX Runtime runs either form.
Status BuildConvTranspose(OpCall& c, ir::Value* x, ir::Value* w, ir::Value* bias,
                          const std::vector<int64_t>& wsizes, ir::AttributeMap attrs,
                          std::vector<int64_t> output_padding) {
  ImportContext& ctx = c.ctx();
  const size_t n = wsizes.size() - 2;
  const int64_t groups = attrs["group"].i;
  if (n == 1) {
    x = ctx.Op("Unsqueeze", {x, ctx.ConstInts({2})});
    w = ctx.Op("Unsqueeze", {w, ctx.ConstInts({2})});
    auto lift = [&](const char* name, int64_t unit) {
      std::vector<int64_t> v = attrs[name].ints;
      if (v.size() == 2)  // pads: begin, end
        v = {unit, v[0], unit, v[1]};
      else
        v.insert(v.begin(), unit);
      attrs[name] = Attribute::Ints(v);
    };
    lift("kernel_shape", 1);
    lift("strides", 1);
    lift("dilations", 1);
    lift("pads", 0);
    output_padding.insert(output_padding.begin(), 0);
  }
  bool any = false;
  for (int64_t p : output_padding) any = any || p != 0;
  if (any) attrs["output_padding"] = Attribute::Ints(output_padding);
  ir::Value* y = nullptr;
  if (groups == 1) {
    std::vector<ir::Value*> inputs = {x, w};
    if (bias) inputs.push_back(bias);
    y = ctx.Op("ConvTranspose", inputs, attrs);
  } else {
    if (groups <= 0 || wsizes[0] % groups != 0)
      return c.Error("channels not divisible into groups");
    const int64_t cin = wsizes[0] / groups, cout = wsizes[1];
    attrs["group"] = Attribute::Int(1);
    auto part = [&](ir::Value* v, int64_t size, int64_t g, int64_t axis) {
      return ctx.Op("Slice", {v, ctx.ConstInts({g * size}), ctx.ConstInts({(g + 1) * size}),
                              ctx.ConstInts({axis})});
    };
    std::vector<ir::Value*> outs;
    for (int64_t g = 0; g < groups; ++g) {
      std::vector<ir::Value*> inputs = {part(x, cin, g, 1), part(w, cin, g, 0)};
      if (bias) inputs.push_back(part(bias, cout, g, 0));
      outs.push_back(ctx.Op("ConvTranspose", inputs, attrs));
    }
    y = ctx.Op("Concat", outs, {{"axis", Attribute::Int(1)}});
  }
  if (n == 1) y = ctx.Op("Squeeze", {y, ctx.ConstInts({2})});
  return c.SetOutput(y);
}

Status BuildConv(OpCall& c, const std::vector<int64_t>& stride, const std::vector<int64_t>& pads,
                 const std::vector<int64_t>& dilation, int64_t groups, bool transposed,
                 const std::vector<int64_t>& output_padding) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("input"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * w, c.Tensor("weight"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * bias, c.OptTensor("bias"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> wsizes, c.Sizes("weight"));
  if (wsizes.size() < 3) return c.Error("weight of rank " + std::to_string(wsizes.size()));
  std::vector<int64_t> kernel(wsizes.begin() + 2, wsizes.end());
  ir::AttributeMap attrs = {
      {"kernel_shape", Attribute::Ints(kernel)}, {"strides", Attribute::Ints(stride)},
      {"pads", Attribute::Ints(pads)},           {"dilations", Attribute::Ints(dilation)},
      {"group", Attribute::Int(groups)},
  };
  std::vector<ir::Value*> inputs = {x, w};
  if (bias) inputs.push_back(bias);
  if (transposed)
    return BuildConvTranspose(c, x, w, bias, wsizes, std::move(attrs), output_padding);
  return c.SetOutput(ctx.Op("Conv", inputs, std::move(attrs)));
}

Result<size_t> SpatialDims(OpCall& c, const std::string& name) {
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank(name));
  if (rank < 3 || rank > 5)
    return c.Error("input of rank " + std::to_string(rank) + " (batched 1-3-D inputs only)");
  return static_cast<size_t>(rank - 2);
}

// 1 when torch's output size along some dim needs ONNX's ceil_mode, from the recorded sizes.
Result<int64_t> CeilNeeded(OpCall& c, const std::vector<int64_t>& kernel,
                           const std::vector<int64_t>& stride, const std::vector<int64_t>& pads,
                           const std::vector<int64_t>& dilation) {
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> in, c.Sizes("self"));
  const TensorMeta* out_meta = c.ctx().Meta(c.OutputName(0));
  if (out_meta == nullptr || out_meta->sizes.size() != in.size())
    return InvalidInput(c.Describe() + ": no output metadata");
  const size_t n = kernel.size();
  int64_t needed = 0;
  for (size_t d = 0; d < n; ++d) {
    const SymDim& o = out_meta->sizes[in.size() - n + d];
    const int64_t i = in[in.size() - n + d];
    if (o.symbolic() || i < 0) return c.Error("ceil_mode with a dynamic spatial size");
    const int64_t floor_size =
        (i + pads[d] + pads[n + d] - dilation[d] * (kernel[d] - 1) - 1) / stride[d] + 1;
    if (o.value != floor_size) needed = 1;
  }
  return needed;
}

}  // namespace

Status Conv(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(size_t n, SpatialDims(c, "input"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> stride, PerDim(c, "stride", n, {1}));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> padding, PerDim(c, "padding", n, {0}));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> dilation, PerDim(c, "dilation", n, {1}));
  PT2TF_ASSIGN_OR_RETURN(int64_t groups, c.Int("groups", 1));
  return BuildConv(c, stride, SymmetricPads(padding), dilation, groups, false, {});
}

Status ConvPadding(OpCall& c) {  // conv2d.padding: padding is "same" or "valid"
  PT2TF_ASSIGN_OR_RETURN(size_t n, SpatialDims(c, "input"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> stride, PerDim(c, "stride", n, {1}));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> dilation, PerDim(c, "dilation", n, {1}));
  PT2TF_ASSIGN_OR_RETURN(int64_t groups, c.Int("groups", 1));
  PT2TF_ASSIGN_OR_RETURN(std::string mode, c.String("padding"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> wsizes, c.Sizes("weight"));
  std::vector<int64_t> pads(2 * n, 0);
  if (mode == "same") {
    for (size_t d = 0; d < n; ++d) {  // torch puts the odd pixel at the end
      const int64_t total = dilation[d] * (wsizes[2 + d] - 1);
      pads[d] = total / 2;
      pads[n + d] = total - total / 2;
    }
  } else if (mode != "valid") {
    return c.Error("padding '" + mode + "'");
  }
  return BuildConv(c, stride, pads, dilation, groups, false, {});
}

Status Convolution(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(size_t n, SpatialDims(c, "input"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> stride, PerDim(c, "stride", n, {1}));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> padding, PerDim(c, "padding", n, {0}));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> dilation, PerDim(c, "dilation", n, {1}));
  PT2TF_ASSIGN_OR_RETURN(bool transposed, c.Bool("transposed", false));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> output_padding, PerDim(c, "output_padding", n, {0}));
  PT2TF_ASSIGN_OR_RETURN(int64_t groups, c.Int("groups", 1));
  return BuildConv(c, stride, SymmetricPads(padding), dilation, groups, transposed, output_padding);
}

// conv_transpose{1,2,3}d(input, weight, bias, stride, padding, output_padding, groups,
// dilation): ONNX ConvTranspose, whose weight layout [C_in, C_out / groups, k...] is torch's.
Status ConvTranspose(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(size_t n, SpatialDims(c, "input"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> stride, PerDim(c, "stride", n, {1}));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> padding, PerDim(c, "padding", n, {0}));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> output_padding, PerDim(c, "output_padding", n, {0}));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> dilation, PerDim(c, "dilation", n, {1}));
  PT2TF_ASSIGN_OR_RETURN(int64_t groups, c.Int("groups", 1));
  return BuildConv(c, stride, SymmetricPads(padding), dilation, groups, true, output_padding);
}

Status MaxPool(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(size_t n, SpatialDims(c, "self"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> kernel, PerDim(c, "kernel_size", n, {}));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> stride, PerDim(c, "stride", n, kernel));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> padding, PerDim(c, "padding", n, {0}));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> dilation, PerDim(c, "dilation", n, {1}));
  PT2TF_ASSIGN_OR_RETURN(bool ceil_mode, c.Bool("ceil_mode", false));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  const std::vector<int64_t> pads = SymmetricPads(padding);
  int64_t ceil = 0;
  if (ceil_mode) {
    PT2TF_ASSIGN_OR_RETURN(ceil, CeilNeeded(c, kernel, stride, pads, dilation));
  }
  // max_pool2d_with_indices: the indices stay unbound, so a node using them fails cleanly.
  return c.SetOutput(c.ctx().Op("MaxPool", {x},
                                {{"kernel_shape", Attribute::Ints(kernel)},
                                 {"strides", Attribute::Ints(stride)},
                                 {"pads", Attribute::Ints(pads)},
                                 {"dilations", Attribute::Ints(dilation)},
                                 {"ceil_mode", Attribute::Int(ceil)}}));
}

Status AvgPool(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(size_t n, SpatialDims(c, "self"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> kernel, PerDim(c, "kernel_size", n, {}));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> stride, PerDim(c, "stride", n, kernel));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> padding, PerDim(c, "padding", n, {0}));
  PT2TF_ASSIGN_OR_RETURN(bool ceil_mode, c.Bool("ceil_mode", false));
  PT2TF_ASSIGN_OR_RETURN(bool include_pad, c.Bool("count_include_pad", true));
  if (c.Has("divisor_override")) return c.Error("divisor_override is not supported");
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  const std::vector<int64_t> pads = SymmetricPads(padding);
  bool padded = false;
  for (int64_t p : padding) padded = padded || p > 0;
  int64_t ceil = 0;
  if (ceil_mode) {
    PT2TF_ASSIGN_OR_RETURN(ceil, CeilNeeded(c, kernel, stride, pads, std::vector<int64_t>(n, 1)));
  }
  // torch never counts the ceil overhang past the padding; ONNX would.
  if (ceil && padded && include_pad)
    return c.Error("ceil_mode with padding and count_include_pad has no exact ONNX equivalent");
  return c.SetOutput(
      c.ctx().Op("AveragePool", {x},
                 {{"kernel_shape", Attribute::Ints(kernel)},
                  {"strides", Attribute::Ints(stride)},
                  {"pads", Attribute::Ints(pads)},
                  {"ceil_mode", Attribute::Int(ceil)},
                  {"count_include_pad", Attribute::Int(padded && include_pad ? 1 : 0)}}));
}

static Status AdaptivePool(OpCall& c, const char* global_op, const char* pool_op) {
  PT2TF_ASSIGN_OR_RETURN(size_t n, SpatialDims(c, "self"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> out, PerDim(c, "output_size", n, {}));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> in, c.Sizes("self"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  bool global = true, same = true;
  for (size_t d = 0; d < n; ++d) {
    global = global && out[d] == 1;
    same = same && out[d] == in[in.size() - n + d];
  }
  if (global) return c.SetOutput(c.ctx().Op(global_op, {x}));
  if (same) return c.SetOutput(x);  // every bin is one element
  std::vector<int64_t> kernel;
  for (size_t d = 0; d < n; ++d) {
    const int64_t i = in[in.size() - n + d];
    if (i <= 0 || out[d] <= 0 || i % out[d] != 0)
      return c.Error("output size " + ShapeToString(out) + " does not divide input " +
                     ShapeToString(in) + " (bins of unequal size are not supported)");
    kernel.push_back(i / out[d]);
  }
  return c.SetOutput(c.ctx().Op(pool_op, {x},
                                {{"kernel_shape", Attribute::Ints(kernel)},
                                 {"strides", Attribute::Ints(kernel)},
                                 {"pads", Attribute::Ints(std::vector<int64_t>(2 * n, 0))}}));
}

Status AdaptiveAvgPool(OpCall& c) { return AdaptivePool(c, "GlobalAveragePool", "AveragePool"); }
Status AdaptiveMaxPool(OpCall& c) { return AdaptivePool(c, "GlobalMaxPool", "MaxPool"); }

}  // namespace pt2tf::pt2::ops
