// MaxPool, AveragePool (1-D and 2-D), GlobalAveragePool, GlobalMaxPool on NHWC tensors.
//
// TF's pools know VALID and SAME (MaxPool also EXPLICIT); ONNX pads, ceil_mode and
// count_include_pad are mapped exactly:
//   MaxPool: SAME when the pads equal TF's, else EXPLICIT (padding never wins a max);
//            ceil_mode adds end padding for the partial last window (over run-time
//            dims: a PadV2 sized in the graph from Shape(x)).
//   AveragePool: VALID/SAME when they match; otherwise zero-Pad + VALID AvgPool, then a
//            constant [1, OH, OW, 1] map rescales each output to ONNX's divisor (over
//            run-time dims: divided by the AvgPool of a padded ones mask instead).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "tf/ops/common.h"
#include "tf/ops/ops.h"

namespace pt2tf::tf {
namespace {

struct PoolGeometry {
  WindowSpec win;              // 2-D (1-D lifted); pads_end includes the ceil_mode extra
  ir::Dims in, out;            // spatial sizes
  std::vector<int64_t> extra;  // ceil_mode padding added at the end
  bool dynamic_ceil = false;   // ceil_mode over a run-time dim: the extra is sized in the graph
};

Result<PoolGeometry> Geometry(const ir::Node& node, const ir::Dims& xs) {
  const size_t n = xs.size() - 2;
  auto kernel = node.GetInts("kernel_shape");
  if (kernel.size() != n)
    return InvalidInput(node.Describe() + ": kernel_shape missing or wrong length");
  PoolGeometry g;
  g.in.assign(xs.begin() + 2, xs.end());
  PT2TF_ASSIGN_OR_RETURN(g.win, ResolveWindow(node, g.in, kernel));
  for (int64_t d : g.win.dilations)
    if (d != 1) return NodeUnsupported(node, "attribute dilations != 1");
  if (n == 1) {  // lift to 2-D
    g.in.insert(g.in.begin(), 1);
    for (auto* v : {&g.win.kernel, &g.win.strides, &g.win.dilations}) v->insert(v->begin(), 1);
    g.win.pads_begin.insert(g.win.pads_begin.begin(), 0);
    g.win.pads_end.insert(g.win.pads_end.begin(), 0);
  }
  const bool ceil_mode = node.GetInt("ceil_mode", 0) != 0;
  if (g.win.dynamic_same) {  // TF's SAME padding decides the sizes at run time
    if (ceil_mode) return NeedsStaticSpatial(node, "ceil_mode pooling");
    g.out.assign(2, ir::kUnknownDim);
    g.extra.assign(2, 0);
    return g;
  }
  for (size_t i = 0; i < 2; ++i) {
    const int64_t in = g.in[i], k = g.win.kernel[i], s = g.win.strides[i];
    const int64_t padded = in + g.win.pads_begin[i] + g.win.pads_end[i];
    if (in < 0) {
      // Floor-mode windows over a dynamic dim: TF's VALID/EXPLICIT padding computes the same
      // output size at run time, with no extra end padding.
      // ceil_mode: the end padding for the partial last window is computed in the graph.
      g.dynamic_ceil |= ceil_mode;
      g.out.push_back(ir::kUnknownDim);
      g.extra.push_back(0);
      continue;
    }
    if (padded < k) return InvalidInput(node.Describe() + ": kernel larger than padded input");
    int64_t out = (padded - k) / s + 1;
    if (ceil_mode) {
      out = (padded - k + s - 1) / s + 1;
      // A last window starting in the end padding is dropped (ONNX / PyTorch rule).
      if ((out - 1) * s >= in + g.win.pads_begin[i]) --out;
    }
    g.out.push_back(out);
    g.extra.push_back(std::max<int64_t>(0, (out - 1) * s + k - padded));
    g.win.pads_end[i] += g.extra.back();
  }
  return g;
}

bool IsZero(const WindowSpec& w) {
  if (w.dynamic_same) return false;
  for (size_t i = 0; i < 2; ++i)
    if (w.pads_begin[i] || w.pads_end[i]) return false;
  return true;
}

bool IsSame(const WindowSpec& w, const ir::Dims& in) {
  if (w.dynamic_same) return true;
  for (size_t i = 0; i < 2; ++i) {
    auto s = SamePads(in[i], w.kernel[i], w.strides[i], 1);
    if (!s || s->first != w.pads_begin[i] || s->second != w.pads_end[i]) return false;
  }
  return true;
}

void SetWindowAttrs(tensorflow::NodeDef& def, const WindowSpec& w, tensorflow::DataType t) {
  SetAttrType(def, "T", t);
  SetAttrInts(def, "ksize", {1, w.kernel[0], w.kernel[1], 1});
  SetAttrInts(def, "strides", {1, w.strides[0], w.strides[1], 1});
  SetAttrString(def, "data_format", "NHWC");
}

Status Publish(const ir::Node& node, EmitContext& ctx, std::string y, int64_t rank,
               tensorflow::DataType t) {
  if (rank == 3) y = Unlift1d(ctx, y, t, node.name + "/unlift");
  ctx.Set(node.outputs[0], TfValue{y, ChannelsLast(rank), std::nullopt});
  return OkStatus();
}

// ONNX's divisor for one spatial dim at output index o.
int64_t Divisor(const PoolGeometry& g, size_t dim, int64_t o, bool count_include_pad) {
  const int64_t s = g.win.strides[dim], k = g.win.kernel[dim], in = g.in[dim];
  const int64_t pb = g.win.pads_begin[dim];
  const int64_t pe = g.win.pads_end[dim] - g.extra[dim];  // the declared end padding
  int64_t start = o * s - pb;
  int64_t end = std::min(start + k, in + pe);
  if (count_include_pad) return end - start;
  return std::min(end, in) - std::max<int64_t>(start, 0);
}

std::string ShapeI32(EmitContext& ctx, const std::string& x, tensorflow::DataType t,
                     const std::string& hint) {
  tensorflow::NodeDef& shape = ctx.AddOp("Shape", hint, {x});
  SetAttrType(shape, "T", t);
  SetAttrType(shape, "out_type", tensorflow::DT_INT32);
  return shape.name();
}

std::string PadOp(EmitContext& ctx, const std::string& x, const std::string& paddings,
                  const std::string* value, tensorflow::DataType t, const std::string& hint) {
  std::vector<std::string> in = {x, paddings};
  if (value) in.push_back(*value);
  tensorflow::NodeDef& pad = ctx.AddOp(value ? "PadV2" : "Pad", hint, in);
  SetAttrType(pad, "T", t);
  SetAttrType(pad, "Tpaddings", tensorflow::DT_INT32);
  return pad.name();
}

// The [4, 2] int32 NHWC paddings of a ceil_mode pool over run-time dims: the declared pads
// plus, at the end, the extra rows/columns the partial last window needs (Geometry's rule,
// computed in the graph from Shape(x)).
std::string DynamicCeilPaddings(const ir::Node& node, EmitContext& ctx, const std::string& x,
                                tensorflow::DataType t, const PoolGeometry& g) {
  const WindowSpec& w = g.win;
  const std::string n = node.name + "/ceil";
  auto c = [&](int64_t a, int64_t b, const char* what) {
    return ctx.ConstI32({a, b}, n + "/" + what);
  };
  auto bin = [&](const char* op, const std::string& a, const std::string& b) {
    return ctx.Binary(op, a, b, tensorflow::DT_INT32, n + "/" + op);
  };
  const std::string sh = ShapeI32(ctx, x, t, n + "/shape");
  tensorflow::NodeDef& hw = ctx.AddOp(
      "StridedSlice", n + "/in",
      {sh, ctx.ConstI32({1}, n + "/b"), ctx.ConstI32({3}, n + "/e"), ctx.ConstI32({1}, n + "/s")});
  SetAttrType(hw, "T", tensorflow::DT_INT32);
  SetAttrType(hw, "Index", tensorflow::DT_INT32);
  for (const char* m :
       {"begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask"})
    SetAttrInt(hw, m, 0);
  const std::string in = hw.name();
  const int64_t k0 = w.kernel[0], k1 = w.kernel[1], s0 = w.strides[0], s1 = w.strides[1];
  const std::string padded =
      bin("AddV2", in, c(w.pads_begin[0] + w.pads_end[0], w.pads_begin[1] + w.pads_end[1], "pads"));
  // (out - 1) * s with out = (padded - k + s - 1) / s + 1; one window less when the last one
  // would start in the end padding.
  std::string last_start =
      bin("Mul",
          bin("FloorDiv", bin("AddV2", padded, c(s0 - 1 - k0, s1 - 1 - k1, "round")),
              c(s0, s1, "strides")),
          c(s0, s1, "strides2"));
  const std::string drop = bin("GreaterEqual", last_start,
                               bin("AddV2", in, c(w.pads_begin[0], w.pads_begin[1], "begin")));
  tensorflow::NodeDef& cast = ctx.AddOp("Cast", n + "/drop", {drop});
  SetAttrType(cast, "SrcT", tensorflow::DT_BOOL);
  SetAttrType(cast, "DstT", tensorflow::DT_INT32);
  const std::string dropped = cast.name();
  last_start = bin("Sub", last_start, bin("Mul", dropped, c(s0, s1, "strides3")));
  const std::string extra =
      bin("Maximum", bin("Sub", bin("AddV2", last_start, c(k0, k1, "kernel")), padded),
          c(0, 0, "zero"));
  tensorflow::NodeDef& cat =
      ctx.AddOp("ConcatV2", n + "/extra0",
                {extra, ctx.ConstI32({0}, n + "/z"), ctx.ConstI32({0}, n + "/ax", ir::Dims{})});
  SetAttrType(cat, "T", tensorflow::DT_INT32);
  SetAttrType(cat, "Tidx", tensorflow::DT_INT32);
  SetAttrInt(cat, "N", 2);
  const std::string extra0 = cat.name();
  const std::string extra_pads = EmitGatherV2(
      ctx, n + "/extra_pads", extra0, ctx.ConstI32({2, 2, 2, 0, 2, 1, 2, 2}, n + "/slots"),
      ctx.ConstI32({0}, n + "/ax0", ir::Dims{}), tensorflow::DT_INT32);
  const std::string declared =
      ctx.ConstI32({0, 0, w.pads_begin[0], w.pads_end[0], w.pads_begin[1], w.pads_end[1], 0, 0},
                   n + "/declared");
  return ctx.Reshape(bin("AddV2", declared, extra_pads), {4, 2}, tensorflow::DT_INT32,
                     n + "/paddings");
}

// AveragePool over run-time spatial dims whose divisor is not the full window (ceil_mode,
// or declared pads without count_include_pad): y = AvgPool(x padded with 0) divided by the
// same AvgPool of a [1, H, W, 1] mask that is 1 where ONNX counts an element (the input,
// and the declared pads when count_include_pad) and 0 elsewhere; the mask's average is
// count / kernel area, so the quotient is ONNX's sum / count at every output position.
Result<std::string> DynamicAvgPool(const ir::Node& node, EmitContext& ctx, const std::string& x,
                                   tensorflow::DataType t, const PoolGeometry& g,
                                   bool include_pad) {
  const WindowSpec& w = g.win;
  const std::string n = node.name + "/dyn";
  // Declared pads only (Geometry folded static ceil_mode extras into pads_end).
  const std::string declared = ctx.ConstI32({0, 0, w.pads_begin[0], w.pads_end[0] - g.extra[0],
                                             w.pads_begin[1], w.pads_end[1] - g.extra[1], 0, 0},
                                            n + "/declared", ir::Dims{4, 2});
  const bool has_extra = g.dynamic_ceil || g.extra[0] > 0 || g.extra[1] > 0;
  const std::string paddings = g.dynamic_ceil ? DynamicCeilPaddings(node, ctx, x, t, g)
                                              : ctx.ConstI32({0, 0, w.pads_begin[0], w.pads_end[0],
                                                              w.pads_begin[1], w.pads_end[1], 0, 0},
                                                             n + "/paddings", ir::Dims{4, 2});
  // [1, H, W, 1] ones: Shape(x) * [0, 1, 1, 0] + [1, 0, 0, 1].
  const std::string hw1 = ctx.Binary(
      "AddV2",
      ctx.Binary("Mul", ShapeI32(ctx, x, t, n + "/shape"), ctx.ConstI32({0, 1, 1, 0}, n + "/keep"),
                 tensorflow::DT_INT32, n + "/hw"),
      ctx.ConstI32({1, 0, 0, 1}, n + "/ones_dims"), tensorflow::DT_INT32, n + "/mask_dims");
  PT2TF_ASSIGN_OR_RETURN(std::string one, ctx.ConstScalar(node.input(0)->dtype, 1.0, n + "/one"));
  tensorflow::NodeDef& fill = ctx.AddOp("Fill", n + "/ones", {hw1, one});
  SetAttrType(fill, "T", t);
  SetAttrType(fill, "index_type", tensorflow::DT_INT32);
  std::string mask = fill.name();
  if (include_pad) {
    // The declared pads count (value 1); only the ceil_mode extra does not.
    mask = PadOp(ctx, mask, declared, &one, t, n + "/mask_declared");
    if (has_extra)
      mask = PadOp(ctx, mask,
                   ctx.Binary("Sub", paddings, declared, tensorflow::DT_INT32, n + "/extra"),
                   nullptr, t, n + "/mask");
  } else {
    mask = PadOp(ctx, mask, paddings, nullptr, t, n + "/mask");
  }
  auto avg = [&](const std::string& in, const std::string& hint) {
    tensorflow::NodeDef& def = ctx.AddOp("AvgPool", hint, {in});
    SetWindowAttrs(def, w, t);
    SetAttrString(def, "padding", "VALID");
    return def.name();
  };
  const std::string sum = avg(PadOp(ctx, x, paddings, nullptr, t, n + "/pad"), n + "/avg");
  const std::string count = avg(mask, n + "/count");
  return ctx.Binary("RealDiv", sum, count, t, node.name);
}

}  // namespace

Status EmitMaxPool(const ir::Node& node, EmitContext& ctx) {
  PT2TF_RETURN_IF_ERROR(RequireUnused(node, 1, ctx));
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  const int64_t rank = static_cast<int64_t>(xs.size());
  if (rank != 3 && rank != 4) return NodeUnsupported(node, std::to_string(rank - 2) + "-D pooling");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(PoolGeometry g, Geometry(node, xs));
  PT2TF_ASSIGN_OR_RETURN(std::string x, GetNhwc2d(node, ctx, rank, t));
  if (g.dynamic_ceil) {  // -inf end padding sized in the graph, then a VALID pool
    if (!IsFloatingPoint(node.input(0)->dtype))
      return NeedsStaticSpatial(node, "non-float ceil_mode pooling");
    PT2TF_ASSIGN_OR_RETURN(std::string lowest,
                           ctx.ConstScalar(node.input(0)->dtype, -INFINITY, node.name + "/lowest"));
    const std::string paddings = DynamicCeilPaddings(node, ctx, x, t, g);
    const std::string padded = PadOp(ctx, x, paddings, &lowest, t, node.name + "/pad");
    tensorflow::NodeDef& def = ctx.AddOp("MaxPool", node.name, {padded});
    SetWindowAttrs(def, g.win, t);
    SetAttrString(def, "padding", "VALID");
    return Publish(node, ctx, def.name(), rank, t);
  }
  const bool same = !IsZero(g.win) && IsSame(g.win, g.in);
  const bool pad_first = !IsZero(g.win) && !same && IsFloatingPoint(node.input(0)->dtype);
  if (pad_first) {
    // Float pads other than TF's SAME: PadV2 with -inf, then a VALID pool. Same result as
    // EXPLICIT padding (-inf never wins a max), which TFLite's converter cannot lower.
    std::string paddings = ctx.ConstI32({0, 0, g.win.pads_begin[0], g.win.pads_end[0],
                                         g.win.pads_begin[1], g.win.pads_end[1], 0, 0},
                                        node.name + "/paddings", ir::Dims{4, 2});
    PT2TF_ASSIGN_OR_RETURN(std::string lowest,
                           ctx.ConstScalar(node.input(0)->dtype, -INFINITY, node.name + "/lowest"));
    x = PadOp(ctx, x, paddings, &lowest, t, node.name + "/pad");
  }
  tensorflow::NodeDef& def = ctx.AddOp("MaxPool", node.name, {x});
  SetWindowAttrs(def, g.win, t);
  if (IsZero(g.win) || pad_first) {
    SetAttrString(def, "padding", "VALID");
  } else if (same) {
    SetAttrString(def, "padding", "SAME");
  } else {
    SetAttrString(def, "padding", "EXPLICIT");
    SetAttrInts(def, "explicit_paddings",
                {0, 0, g.win.pads_begin[0], g.win.pads_end[0], g.win.pads_begin[1],
                 g.win.pads_end[1], 0, 0});
  }
  return Publish(node, ctx, def.name(), rank, t);
}

Status EmitAveragePool(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  const int64_t rank = static_cast<int64_t>(xs.size());
  if (rank != 3 && rank != 4) return NodeUnsupported(node, std::to_string(rank - 2) + "-D pooling");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(PoolGeometry g, Geometry(node, xs));
  const bool include_pad = node.GetInt("count_include_pad", 0) != 0;
  if (g.win.dynamic_same && include_pad)
    return NeedsStaticSpatial(node, "auto_pad SAME with count_include_pad");
  PT2TF_ASSIGN_OR_RETURN(std::string x, GetNhwc2d(node, ctx, rank, t));
  const bool dynamic = !g.win.dynamic_same && (g.out[0] < 0 || g.out[1] < 0);
  if (dynamic && (g.dynamic_ceil || (!include_pad && !IsZero(g.win)))) {
    if (node.input(0)->dtype != DType::kFloat32)
      return NodeUnsupported(node, "padded AveragePool on non-float32 input");
    PT2TF_ASSIGN_OR_RETURN(std::string y, DynamicAvgPool(node, ctx, x, t, g, include_pad));
    return Publish(node, ctx, y, rank, t);
  }
  if (IsZero(g.win) || (!include_pad && IsSame(g.win, g.in))) {
    tensorflow::NodeDef& def = ctx.AddOp("AvgPool", node.name, {x});
    SetWindowAttrs(def, g.win, t);
    SetAttrString(def, "padding", IsZero(g.win) ? "VALID" : "SAME");
    return Publish(node, ctx, def.name(), rank, t);
  }
  if (node.input(0)->dtype != DType::kFloat32)
    return NodeUnsupported(node, "padded AveragePool on non-float32 input");
  std::string paddings = ctx.ConstI32(
      {0, 0, g.win.pads_begin[0], g.win.pads_end[0], g.win.pads_begin[1], g.win.pads_end[1], 0, 0},
      node.name + "/paddings", ir::Dims{4, 2});
  tensorflow::NodeDef& avg = ctx.AddOp("AvgPool", node.name + "/avg",
                                       {PadOp(ctx, x, paddings, nullptr, t, node.name + "/pad")});
  SetWindowAttrs(avg, g.win, t);
  SetAttrString(avg, "padding", "VALID");
  std::string y = avg.name();
  // Run-time dims here: count_include_pad in floor mode, every window divides by the full
  // kernel.
  if (dynamic) return Publish(node, ctx, y, rank, t);
  // Rescale where ONNX divides by something other than the full window.
  const double full = static_cast<double>(g.win.kernel[0] * g.win.kernel[1]);
  std::vector<float> scale(g.out[0] * g.out[1]);
  bool needed = false;
  for (int64_t i = 0; i < g.out[0]; ++i)
    for (int64_t j = 0; j < g.out[1]; ++j) {
      double d = static_cast<double>(Divisor(g, 0, i, include_pad) * Divisor(g, 1, j, include_pad));
      scale[i * g.out[1] + j] = static_cast<float>(full / d);
      needed |= d != full;
    }
  if (needed) {
    std::vector<std::byte> bytes(scale.size() * sizeof(float));
    std::memcpy(bytes.data(), scale.data(), bytes.size());
    PT2TF_ASSIGN_OR_RETURN(
        Tensor map,
        Tensor::FromBytes(DType::kFloat32, {1, g.out[0], g.out[1], 1}, std::move(bytes)));
    PT2TF_ASSIGN_OR_RETURN(std::string c, ctx.AddConst(std::move(map), node.name + "/divisor_fix"));
    y = ctx.Binary("Mul", y, c, t, node.name);
  }
  return Publish(node, ctx, y, rank, t);
}

Status EmitGlobalPool(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  const int64_t rank = static_cast<int64_t>(xs.size());
  if (rank < 3) return InvalidInput(node.Describe() + ": input rank below 3");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(TfValue in, ctx.Get(node.input(0)));
  if (in.flat) {
    PT2TF_ASSIGN_OR_RETURN(in.tensor, ctx.GetAs(node.input(0), {}));
    in.perm.clear();
  }
  std::vector<int64_t> axes;
  for (int64_t a = 2; a < rank; ++a) axes.push_back(a);
  const std::string op = node.op_type == "GlobalMaxPool" ? "Max" : "Mean";
  std::string y = EmitReduction(ctx, op, in.tensor, TfAxes(in.perm, axes), true, t, node.name);
  ctx.Set(node.outputs[0], TfValue{y, in.perm, std::nullopt});
  return OkStatus();
}

}  // namespace pt2tf::tf
