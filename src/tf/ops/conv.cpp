// Conv → Conv2D (groups 1 or grouped: TF infers groups from the filter's input depth),
// DepthwiseConv2dNative (one input channel per group), with 1-D convs lifted to 2-D;
// ConvTranspose → Conv2DBackpropInput. Activations are NHWC; filters are HWIO views of the
// OIHW weights (constants: a strided view streamed at write time, no copy).
//
// Padding: symmetric or SAME-shaped pads use "VALID"/"SAME"; anything else TF's "EXPLICIT"
// padding, which its CPU kernels accept for these ops.
#include <algorithm>

#include "tf/ops/common.h"
#include "tf/ops/ops.h"

namespace pt2tf::tf {
namespace {

struct Padding {
  std::string mode;                // "VALID", "SAME" or "EXPLICIT"
  std::vector<int64_t> explicit_;  // 8 entries (NHWC begin/end pairs) for EXPLICIT
};

// `spatial_in`: the 2 spatial dims as TF sees them (after lifting 1-D).
Padding ChoosePadding(const WindowSpec& w, const ir::Dims& spatial_in) {
  if (w.dynamic_same) return {"SAME", {}};
  bool zero = true, same = true;
  for (size_t i = 0; i < 2; ++i) {
    if (w.pads_begin[i] || w.pads_end[i]) zero = false;
    auto s = SamePads(spatial_in[i], w.kernel[i], w.strides[i], w.dilations[i]);
    if (!s || s->first != w.pads_begin[i] || s->second != w.pads_end[i]) same = false;
  }
  if (zero) return {"VALID", {}};
  if (same) return {"SAME", {}};
  return {"EXPLICIT", {0, 0, w.pads_begin[0], w.pads_end[0], w.pads_begin[1], w.pads_end[1], 0, 0}};
}

// Prepends a unit spatial dim to a 1-D window so that TF's 2-D ops can run it.
WindowSpec Lift1d(WindowSpec w) {
  w.kernel.insert(w.kernel.begin(), 1);
  w.strides.insert(w.strides.begin(), 1);
  w.dilations.insert(w.dilations.begin(), 1);
  w.pads_begin.insert(w.pads_begin.begin(), 0);
  w.pads_end.insert(w.pads_end.begin(), 0);
  return w;
}

enum class FilterKind { kRegular, kDepthwise };

// The TF filter for ONNX weight `w` ([M, C/g, k...]): HWIO [kh, kw, C/g, M] for regular and
// grouped convs, [kh, kw, C, M/C] for depthwise. 1-D weights get a leading unit dim.
Result<std::string> Filter(const ir::Node& node, EmitContext& ctx, const ir::Value* w,
                           FilterKind kind, int64_t channels) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims shape, ctx.StaticShape(w));
  const bool one_d = shape.size() == 3;
  const int64_t m = shape[0];
  const int64_t multiplier = kind == FilterKind::kDepthwise ? m / channels : 0;
  if (const Tensor* t = EmitContext::ConstantOf(w)) {
    const auto& s = t->strides();
    std::vector<int64_t> dims, strides;
    if (one_d) {
      dims = {1, shape[2]};
      strides = {0, s[2]};
    } else {
      dims = {shape[2], shape[3]};
      strides = {s[2], s[3]};
    }
    if (kind == FilterKind::kRegular) {
      dims.insert(dims.end(), {shape[1], m});
      strides.insert(strides.end(), {s[1], s[0]});
    } else {
      dims.insert(dims.end(), {channels, multiplier});
      strides.insert(strides.end(), {multiplier * s[0], s[0]});
    }
    PT2TF_ASSIGN_OR_RETURN(Tensor view,
                           Tensor::Make(t->dtype(), dims, strides, t->offset(), t->storage()));
    return ctx.AddConst(std::move(view), w->name);
  }
  // Computed weights: move the axes at run time.
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType dt, InputType(node, 1));
  Perm perm = one_d ? Perm{2, 1, 0} : Perm{2, 3, 1, 0};
  PT2TF_ASSIGN_OR_RETURN(std::string f, ctx.GetAs(w, perm));
  const int64_t kh = one_d ? 1 : shape[2], kw = one_d ? shape[2] : shape[3];
  if (kind == FilterKind::kDepthwise)
    return ctx.Reshape(f, {kh, kw, channels, multiplier}, dt, node.name + "/filter");
  if (one_d) return ctx.Reshape(f, {kh, kw, shape[1], m}, dt, node.name + "/filter");
  return f;
}

// Bias and the 1-D un-lift; publishes output 0 channels-last. `grouped`: the bias is an
// AddV2, because Grappler fuses Conv2D + BiasAdd into _FusedConv2D, whose CPU kernel without
// oneDNN (CPUs without AVX-512) refuses grouped convolutions at run time.
Status Finish(const ir::Node& node, EmitContext& ctx, std::string y, int64_t rank,
              tensorflow::DataType t, size_t bias_input, bool grouped = false) {
  if (const ir::Value* b = node.input(bias_input)) {
    PT2TF_ASSIGN_OR_RETURN(std::string bias, ctx.GetAs(b, {}));
    if (grouped) {
      y = ctx.Binary("AddV2", y, bias, t, node.name + "/bias");
    } else {
      tensorflow::NodeDef& def = ctx.AddOp("BiasAdd", node.name + "/bias", {y, bias});
      SetAttrType(def, "T", t);
      SetAttrString(def, "data_format", "NHWC");
      y = def.name();
    }
  }
  if (rank == 3) y = Unlift1d(ctx, y, t, node.name + "/unlift");
  ctx.Set(node.outputs[0], TfValue{y, ChannelsLast(rank), std::nullopt});
  return OkStatus();
}

}  // namespace

Status EmitConv(const ir::Node& node, EmitContext& ctx) {
  const ir::Value* w = node.input(1);
  if (!w) return InvalidInput(node.Describe() + ": missing weight input");
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  PT2TF_ASSIGN_OR_RETURN(ir::Dims ws, ctx.StaticShape(w));
  const int64_t rank = static_cast<int64_t>(xs.size());
  if (rank != 3 && rank != 4)
    return NodeUnsupported(node, std::to_string(rank - 2) + "-D convolution");
  if (static_cast<int64_t>(ws.size()) != rank)
    return InvalidInput(node.Describe() + ": weight rank differs from input rank");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  if (node.input(0)->dtype != w->dtype)
    return InvalidInput(node.Describe() + ": input and weight types differ");
  const int64_t group = node.GetInt("group", 1);
  // A dynamic input (e.g. after a Pad computed at run time) takes its channel count from
  // the weight: W is [M, C/group, k...].
  const int64_t channels = xs[1] >= 0 ? xs[1] : ws[1] * group;
  if (group < 1 || channels % group != 0 || ws[1] * group != channels || ws[0] % group != 0)
    return InvalidInput(node.Describe() + ": group=" + std::to_string(group) +
                        " does not match input channels " + std::to_string(channels) +
                        " and weight shape " + ShapeToString(ws));
  std::vector<int64_t> kernel(ws.begin() + 2, ws.end());
  if (auto k = node.GetInts("kernel_shape"); !k.empty() && k != kernel)
    return InvalidInput(node.Describe() + ": kernel_shape does not match the weight");
  ir::Dims spatial(xs.begin() + 2, xs.end());
  PT2TF_ASSIGN_OR_RETURN(WindowSpec win, ResolveWindow(node, spatial, kernel));
  if (rank == 3) {
    win = Lift1d(win);
    spatial.insert(spatial.begin(), 1);
  }
  const bool depthwise = group > 1 && group == channels && win.strides[0] == win.strides[1];
  PT2TF_ASSIGN_OR_RETURN(std::string x, GetNhwc2d(node, ctx, rank, t));
  PT2TF_ASSIGN_OR_RETURN(
      std::string filter,
      Filter(node, ctx, w, depthwise ? FilterKind::kDepthwise : FilterKind::kRegular, channels));
  Padding pad = ChoosePadding(win, spatial);
  if (depthwise && pad.mode == "EXPLICIT") {
    // TF 2.21 aborts the process in shape inference when a DepthwiseConv2dNative with
    // EXPLICIT padding gets fused with its BiasAdd: pad separately instead.
    std::string paddings = ctx.ConstI32(pad.explicit_, node.name + "/paddings", ir::Dims{4, 2});
    tensorflow::NodeDef& p = ctx.AddOp("Pad", node.name + "/pad", {x, paddings});
    SetAttrType(p, "T", t);
    SetAttrType(p, "Tpaddings", tensorflow::DT_INT32);
    x = p.name();
    pad = {"VALID", {}};
  }
  tensorflow::NodeDef& def =
      ctx.AddOp(depthwise ? "DepthwiseConv2dNative" : "Conv2D", node.name, {x, filter});
  SetAttrType(def, "T", t);
  SetAttrInts(def, "strides", {1, win.strides[0], win.strides[1], 1});
  SetAttrInts(def, "dilations", {1, win.dilations[0], win.dilations[1], 1});
  SetAttrString(def, "padding", pad.mode);
  if (pad.mode == "EXPLICIT") SetAttrInts(def, "explicit_paddings", pad.explicit_);
  SetAttrString(def, "data_format", "NHWC");
  if (!depthwise) SetAttrBool(def, "use_cudnn_on_gpu", true);
  return Finish(node, ctx, def.name(), rank, t, 2, group > 1 && !depthwise);
}

Status EmitConvTranspose(const ir::Node& node, EmitContext& ctx) {
  const ir::Value* w = node.input(1);
  if (!w) return InvalidInput(node.Describe() + ": missing weight input");
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.StaticShape(node.input(0)));
  PT2TF_ASSIGN_OR_RETURN(ir::Dims ws, ctx.StaticShape(w));
  const int64_t rank = static_cast<int64_t>(xs.size());
  if (rank != 4 || ws.size() != 4) return NodeUnsupported(node, "only 2-D ConvTranspose");
  if (node.GetInt("group", 1) != 1) return NodeUnsupported(node, "attribute group != 1");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  if (ws[0] != xs[1]) return InvalidInput(node.Describe() + ": weight does not match channels");
  std::vector<int64_t> kernel(ws.begin() + 2, ws.end());
  auto strides = node.GetInts("strides", {1, 1});
  auto dilations = node.GetInts("dilations", {1, 1});
  auto pads = node.GetInts("pads", {0, 0, 0, 0});
  auto output_padding = node.GetInts("output_padding", {0, 0});
  auto output_shape = node.GetInts("output_shape");
  const std::string auto_pad = node.GetString("auto_pad", "NOTSET");
  if (strides.size() != 2 || dilations.size() != 2 || pads.size() != 4 ||
      output_padding.size() != 2)
    return InvalidInput(node.Describe() + ": attribute lengths do not match 2 spatial dims");
  std::vector<int64_t> out(2);
  for (int i = 0; i < 2; ++i) {
    const int64_t full =
        strides[i] * (xs[2 + i] - 1) + output_padding[i] + (kernel[i] - 1) * dilations[i] + 1;
    if (!output_shape.empty() || auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      int64_t target =
          output_shape.empty() ? xs[2 + i] * strides[i] : output_shape[output_shape.size() - 2 + i];
      int64_t total = full - target;
      if (total < 0) return NodeUnsupported(node, "output_shape larger than the full output");
      bool upper = auto_pad != "SAME_LOWER";
      pads[i] = upper ? total / 2 : total - total / 2;
      pads[i + 2] = total - pads[i];
    } else if (auto_pad == "VALID") {
      pads[i] = pads[i + 2] = 0;
    } else if (auto_pad != "NOTSET") {
      return NodeUnsupported(node, "attribute auto_pad='" + auto_pad + "'");
    }
    out[i] = full - pads[i] - pads[i + 2];
    if (output_padding[i] >= strides[i])
      return NodeUnsupported(node, "attribute output_padding >= stride");
    if (out[i] <= 0) return InvalidInput(node.Describe() + ": empty output");
  }
  PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(node.input(0), ChannelsLast(4)));
  PT2TF_ASSIGN_OR_RETURN(std::string filter, ctx.GetAs(w, {2, 3, 1, 0}));  // [kh,kw,M,C]
  if (dilations[0] > 1 || dilations[1] > 1) {
    // TF's CPU Conv2DBackpropInput without oneDNN (e.g. on CPUs without AVX-512) rejects
    // dilations > 1. A dilated kernel equals the kernel with d-1 zeros between its taps, so
    // spread it: [kh,1,kw,1,M,C] -> pad to [kh,d0,kw,d1,M,C] -> [kh*d0,kw*d1,M,C] -> slice
    // to [(kh-1)*d0+1, (kw-1)*d1+1, M, C]. Exact; Grappler folds it for constant weights.
    const int64_t kh = kernel[0], kw = kernel[1], m = ws[1], c = ws[0];
    const int64_t d0 = dilations[0], d1 = dilations[1];
    std::string r = ctx.Reshape(filter, {kh, 1, kw, 1, m, c}, t, node.name + "/filter6");
    std::string paddings = ctx.ConstI32({0, 0, 0, d0 - 1, 0, 0, 0, d1 - 1, 0, 0, 0, 0},
                                        node.name + "/filter_pads", ir::Dims{6, 2});
    tensorflow::NodeDef& p = ctx.AddOp("Pad", node.name + "/filter_spread", {r, paddings});
    SetAttrType(p, "T", t);
    SetAttrType(p, "Tpaddings", tensorflow::DT_INT32);
    std::string flat = ctx.Reshape(p.name(), {kh * d0, kw * d1, m, c}, t, node.name + "/filter4");
    std::string begin = ctx.ConstI32({0, 0, 0, 0}, node.name + "/filter_begin");
    std::string size =
        ctx.ConstI32({(kh - 1) * d0 + 1, (kw - 1) * d1 + 1, m, c}, node.name + "/filter_size");
    tensorflow::NodeDef& s = ctx.AddOp("Slice", node.name + "/filter_dilated", {flat, begin, size});
    SetAttrType(s, "T", t);
    SetAttrType(s, "Index", tensorflow::DT_INT32);
    filter = s.name();
    dilations = {1, 1};
  }
  std::string sizes = ctx.ConstI32({xs[0], out[0], out[1], ws[1]}, node.name + "/output_size");
  tensorflow::NodeDef& def = ctx.AddOp("Conv2DBackpropInput", node.name, {sizes, filter, x});
  SetAttrType(def, "T", t);
  SetAttrInts(def, "strides", {1, strides[0], strides[1], 1});
  SetAttrInts(def, "dilations", {1, dilations[0], dilations[1], 1});
  const bool zero = std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p == 0; });
  SetAttrString(def, "padding", zero ? "VALID" : "EXPLICIT");
  if (!zero)
    SetAttrInts(def, "explicit_paddings", {0, 0, pads[0], pads[2], pads[1], pads[3], 0, 0});
  SetAttrString(def, "data_format", "NHWC");
  SetAttrBool(def, "use_cudnn_on_gpu", true);
  return Finish(node, ctx, def.name(), rank, t, 2);
}

}  // namespace pt2tf::tf
