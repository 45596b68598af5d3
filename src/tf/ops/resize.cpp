// Resize (2-D, NCHW in the IR) → ResizeBilinear / ResizeNearestNeighbor on NHWC.
//
// TF's kernels know three coordinate conventions (legacy, align_corners, half_pixel_centers)
// and a fixed rounding, so every ONNX combination is checked before it is mapped:
//   linear:  half_pixel / pytorch_half_pixel (output dims > 1) → half_pixel_centers,
//            align_corners → align_corners, asymmetric → legacy; scales must give the
//            output size exactly (TF derives its scale from the sizes).
//   nearest: the source index ONNX picks for every output row and column is computed here
//            and compared with each TF convention; the first that agrees everywhere is used.
// Anything else (cubic, tf_crop_and_resize, antialiased downsampling ...) is refused.
//
// Spatial dims known only at run time: the TF size becomes Shape(x)[1:3] * scale (integer
// scales) or the run-time sizes' H and W entries. Then only mappings that agree for every
// size are accepted: linear half_pixel/align_corners/asymmetric (TF's formulas are ONNX's
// when the scale is out/in), nearest with integer scales checked for every input size up to
// kCheckedSizes, nearest with sizes as asymmetric+floor or align_corners+round_prefer_ceil.
#include <cmath>

#include "tf/ops/common.h"
#include "tf/ops/ops.h"

namespace pt2tf::tf {
namespace {

struct Axis {
  int64_t in = 0, out = 0;
  double scale = 0;  // ONNX's scale for this axis (given, or out / in)
};

// ONNX's source coordinate for output index `x`.
double OnnxCoordinate(const std::string& mode, const Axis& a, int64_t x) {
  const double xo = static_cast<double>(x);
  if (mode == "half_pixel") return (xo + 0.5) / a.scale - 0.5;
  if (mode == "pytorch_half_pixel") return a.out > 1 ? (xo + 0.5) / a.scale - 0.5 : 0.0;
  if (mode == "align_corners")
    return a.out == 1 ? 0.0 : xo * static_cast<double>(a.in - 1) / static_cast<double>(a.out - 1);
  if (mode == "half_pixel_symmetric") {
    const double adj = static_cast<double>(a.out) / (a.scale * static_cast<double>(a.in));
    const double center = static_cast<double>(a.in) / 2.0;
    const double offset = center * (1 - adj);
    return offset + (xo + 0.5) / a.scale - 0.5;
  }
  return xo / a.scale;  // asymmetric
}

int64_t OnnxNearest(const std::string& rounding, double v) {
  const double f = std::floor(v);
  if (rounding == "floor") return static_cast<int64_t>(f);
  if (rounding == "ceil") return static_cast<int64_t>(std::ceil(v));
  if (v - f == 0.5) return static_cast<int64_t>(rounding == "round_prefer_ceil" ? f + 1 : f);
  return static_cast<int64_t>(std::round(v));
}

// TF's ResizeNearestNeighbor source index (float math as its kernel does it).
int64_t TfNearest(const Axis& a, int64_t x, bool align_corners, bool half_pixel) {
  const float scale = (align_corners && a.out > 1)
                          ? static_cast<float>(a.in - 1) / static_cast<float>(a.out - 1)
                          : static_cast<float>(a.in) / static_cast<float>(a.out);
  const float src =
      half_pixel ? (static_cast<float>(x) + 0.5f) * scale : static_cast<float>(x) * scale;
  int64_t i =
      align_corners ? static_cast<int64_t>(std::round(src)) : static_cast<int64_t>(std::floor(src));
  i = std::min(i, a.in - 1);
  if (half_pixel) i = std::max<int64_t>(i, 0);
  return i;
}

// Input sizes for which a nearest mapping with an integer scale is checked when the spatial
// dims are only known at run time.
constexpr int64_t kCheckedSizes = 512;

bool Integral(double v) { return v >= 1 && std::floor(v) == v && v <= 64; }

// The TF [out_h, out_w] int32 size tensor for spatial dims known only at run time.
Result<std::string> DynamicSize(const ir::Node& node, EmitContext& ctx, const std::string& x,
                                tensorflow::DataType t, const Axis& h, const Axis& w,
                                bool from_scales, const std::vector<int64_t>& axes) {
  if (h.out >= 0 && w.out >= 0) return ctx.ConstI32({h.out, w.out}, node.name + "/size");
  if (from_scales) {  // NHWC: H and W are dims 1 and 2
    tensorflow::NodeDef& shape = ctx.AddOp("Shape", node.name + "/in_shape", {x});
    SetAttrType(shape, "T", t);
    SetAttrType(shape, "out_type", tensorflow::DT_INT32);
    const std::string sh = shape.name();
    tensorflow::NodeDef& hw =
        ctx.AddOp("StridedSlice", node.name + "/in_hw",
                  {sh, ctx.ConstI32({1}, node.name + "/b"), ctx.ConstI32({3}, node.name + "/e"),
                   ctx.ConstI32({1}, node.name + "/s")});
    SetAttrType(hw, "T", tensorflow::DT_INT32);
    SetAttrType(hw, "Index", tensorflow::DT_INT32);
    for (const char* m :
         {"begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask"})
      SetAttrInt(hw, m, 0);
    const std::string in_hw = hw.name();
    const std::string scale = ctx.ConstI32(
        {static_cast<int64_t>(h.scale), static_cast<int64_t>(w.scale)}, node.name + "/scale");
    return ctx.Binary("Mul", in_hw, scale, tensorflow::DT_INT32, node.name + "/size");
  }
  // Run-time sizes: their H and W entries (the batch and channel entries are the input's,
  // as every exporter writes them: Concat(Shape(x)[:2], hw)).
  std::vector<int64_t> slots;
  for (int64_t a : {2, 3})
    for (size_t k = 0; k < axes.size(); ++k)
      if (axes[k] == a) slots.push_back(static_cast<int64_t>(k));
  if (slots.size() != 2) return NodeUnsupported(node, "run-time sizes without H and W");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType ts, InputType(node, 3));
  PT2TF_ASSIGN_OR_RETURN(std::string sizes, RuntimeInput(node, ctx, 3, false));
  std::string hw =
      EmitGatherV2(ctx, node.name + "/hw", sizes, ctx.ConstI32(slots, node.name + "/hw_slots"),
                   ctx.ConstI32({0}, node.name + "/axis0", ir::Dims{}), ts);
  if (ts == tensorflow::DT_INT32) return hw;
  tensorflow::NodeDef& cast = ctx.AddOp("Cast", node.name + "/size", {hw});
  SetAttrType(cast, "SrcT", ts);
  SetAttrType(cast, "DstT", tensorflow::DT_INT32);
  return cast.name();
}

// Resize whose input or output spatial size is only known at run time (see the top comment).
Status EmitDynamicResize(const ir::Node& node, EmitContext& ctx, const Axis& h, const Axis& w,
                         bool from_scales, const std::vector<int64_t>& axes) {
  const std::string mode = node.GetString("mode", "nearest");
  const std::string coord = node.GetString("coordinate_transformation_mode", "half_pixel");
  const std::string rounding = node.GetString("nearest_mode", "round_prefer_floor");
  if (node.GetInt("antialias", 0) != 0) return NeedsStaticSpatial(node, "antialias=1");
  if (from_scales && !(Integral(h.scale) && Integral(w.scale)))
    return NeedsStaticSpatial(node, "a non-integer scale");
  bool align_corners = false, half_pixel = false;
  std::string op;
  if (mode == "linear") {
    op = "ResizeBilinear";
    if (node.input(0)->dtype != DType::kFloat32)
      return NodeUnsupported(node, "linear Resize of non-float32 input");
    // pytorch_half_pixel is half_pixel except where an output dim is 1.
    const bool outs_above_one =
        (h.out > 1 || (from_scales && h.scale > 1)) && (w.out > 1 || (from_scales && w.scale > 1));
    if (coord == "align_corners") {
      align_corners = true;
    } else if (coord == "half_pixel" || (coord == "pytorch_half_pixel" && outs_above_one)) {
      half_pixel = true;
    } else if (coord != "asymmetric") {
      return NeedsStaticSpatial(node,
                                "linear mode with coordinate_transformation_mode='" + coord + "'");
    }
  } else if (mode == "nearest") {
    op = "ResizeNearestNeighbor";
    if (from_scales) {
      auto agrees = [&](bool ac, bool hp) {
        for (const Axis* a : {&h, &w})
          for (int64_t in = 1; in <= kCheckedSizes; ++in) {
            const Axis s{in, in * static_cast<int64_t>(a->scale), a->scale};
            for (int64_t x = 0; x < s.out; ++x) {
              int64_t want = OnnxNearest(rounding, OnnxCoordinate(coord, s, x));
              want = std::clamp<int64_t>(want, 0, s.in - 1);
              if (TfNearest(s, x, ac, hp) != want) return false;
            }
          }
        return true;
      };
      if (coord == "tf_crop_and_resize" || coord == "half_pixel_symmetric") {
        return NeedsStaticSpatial(node, "coordinate_transformation_mode='" + coord + "'");
      } else if (agrees(false, false)) {
      } else if (agrees(false, true)) {
        half_pixel = true;
      } else if (agrees(true, false)) {
        align_corners = true;
      } else {
        return NeedsStaticSpatial(node, "nearest mode with coordinate_transformation_mode='" +
                                            coord + "' and nearest_mode='" + rounding + "'");
      }
    } else if (coord == "asymmetric" && rounding == "floor") {
    } else if (coord == "align_corners" && rounding == "round_prefer_ceil") {
      align_corners = true;
    } else {
      return NeedsStaticSpatial(node, "nearest mode with coordinate_transformation_mode='" + coord +
                                          "' and nearest_mode='" + rounding + "'");
    }
  } else {
    return NodeUnsupported(node, "attribute mode='" + mode + "'");
  }
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(node.input(0), ChannelsLast(4)));
  PT2TF_ASSIGN_OR_RETURN(std::string size, DynamicSize(node, ctx, x, t, h, w, from_scales, axes));
  tensorflow::NodeDef& def = ctx.AddOp(op, node.name, {x, size});
  SetAttrType(def, "T", t);
  SetAttrBool(def, "align_corners", align_corners);
  SetAttrBool(def, "half_pixel_centers", half_pixel);
  ctx.Set(node.outputs[0], TfValue{def.name(), ChannelsLast(4), std::nullopt});
  return OkStatus();
}

}  // namespace

Status EmitResize(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  if (xs.size() != 4) return NodeUnsupported(node, "only 4-D (NCHW) Resize");
  const std::string mode = node.GetString("mode", "nearest");
  const std::string coord = node.GetString("coordinate_transformation_mode", "half_pixel");
  const std::string rounding = node.GetString("nearest_mode", "round_prefer_floor");
  if (node.GetString("keep_aspect_ratio_policy", "stretch") != "stretch")
    return NodeUnsupported(node, "attribute keep_aspect_ratio_policy");
  std::vector<int64_t> axes = node.GetInts("axes");
  std::optional<std::vector<double>> scales_in;
  std::optional<std::vector<int64_t>> sizes_in;
  if (IsRuntimeInput(node, 2)) {
    PT2TF_ASSIGN_OR_RETURN(ir::Dims ss, ctx.Shape(node.input(2)));
    if (ss != ir::Dims{0})
      return NodeUnsupported(node,
                             "scales computed at run time (the pixel mapping depends on them)");
  } else {
    PT2TF_ASSIGN_OR_RETURN(scales_in, ConstDoublesInput(node, 2));
  }
  const bool runtime_sizes = IsRuntimeInput(node, 3);
  if (runtime_sizes) {
    // Sizes computed at run time: the output shape tells them where it is known.
    PT2TF_ASSIGN_OR_RETURN(ir::Dims out, ctx.Shape(node.outputs[0]));
    if (out.size() != 4) return InvalidInput(node.Describe() + ": output is not 4-D");
    out[0] = xs[0], out[1] = xs[1];  // the batch and channel entries are the input's
    std::vector<int64_t> axes_attr = node.GetInts("axes");
    sizes_in = std::vector<int64_t>();
    if (axes_attr.empty()) {
      sizes_in->assign(out.begin(), out.end());
    } else {
      for (int64_t a : axes_attr) sizes_in->push_back(out[a < 0 ? a + 4 : a]);
    }
  } else {
    PT2TF_ASSIGN_OR_RETURN(sizes_in, ConstIntsInput(node, 3));
  }
  if (scales_in && scales_in->empty()) scales_in.reset();
  if (sizes_in && sizes_in->empty()) sizes_in.reset();
  if (!scales_in == !sizes_in)
    return InvalidInput(node.Describe() + ": give exactly one of scales and sizes");
  if (axes.empty()) axes = {0, 1, 2, 3};
  PT2TF_ASSIGN_OR_RETURN(axes, NormalizeAxes(node, axes, 4));
  const size_t n = scales_in ? scales_in->size() : sizes_in->size();
  if (n != axes.size()) return InvalidInput(node.Describe() + ": scales/sizes length mismatch");
  Axis dims[4];
  for (int i = 0; i < 4; ++i) dims[i] = Axis{xs[i], xs[i], 1.0};
  for (size_t k = 0; k < n; ++k) {
    Axis& a = dims[axes[k]];
    if (scales_in) {
      a.scale = (*scales_in)[k];
      if (!(a.scale > 0)) return InvalidInput(node.Describe() + ": non-positive scale");
      a.out = a.in < 0 ? ir::kUnknownDim
                       : static_cast<int64_t>(std::floor(static_cast<double>(a.in) * a.scale));
    } else {
      a.out = (*sizes_in)[k];
      if (a.out <= 0 && !(runtime_sizes && a.out == ir::kUnknownDim))
        return InvalidInput(node.Describe() + ": non-positive size");
      a.scale = a.in > 0 && a.out > 0 ? static_cast<double>(a.out) / static_cast<double>(a.in) : 0;
    }
  }
  if (scales_in && (dims[0].scale != 1 || dims[1].scale != 1))
    return NodeUnsupported(node, "resizing the batch or channel dim");
  if (dims[0].out != dims[0].in || dims[1].out != dims[1].in)
    return NodeUnsupported(node, "resizing the batch or channel dim");
  const Axis h = dims[2], w = dims[3];
  if (h.in < 0 || w.in < 0 || h.out < 0 || w.out < 0)
    return EmitDynamicResize(node, ctx, h, w, scales_in.has_value(), axes);
  const bool downsample = h.out < h.in || w.out < w.in;
  if (node.GetInt("antialias", 0) != 0 && downsample)
    return NodeUnsupported(node, "attribute antialias=1 when downsampling");
  // TF computes its scale from the sizes: the ONNX scale must describe the same mapping.
  const bool exact_scale =
      !scales_in || (static_cast<double>(h.in) * h.scale == static_cast<double>(h.out) &&
                     static_cast<double>(w.in) * w.scale == static_cast<double>(w.out));
  bool align_corners = false, half_pixel = false;
  std::string op;
  if (mode == "linear") {
    op = "ResizeBilinear";
    if (node.input(0)->dtype != DType::kFloat32)
      return NodeUnsupported(node, "linear Resize of non-float32 input");
    if (coord == "align_corners") {
      align_corners = true;
    } else if ((coord == "half_pixel" ||
                (coord == "pytorch_half_pixel" && h.out > 1 && w.out > 1)) &&
               exact_scale) {
      half_pixel = true;
    } else if (coord == "asymmetric" && exact_scale) {
    } else {
      return NodeUnsupported(node, "linear mode with coordinate_transformation_mode='" + coord +
                                       "' (or a scale that does not give the output size exactly)");
    }
  } else if (mode == "nearest") {
    op = "ResizeNearestNeighbor";
    if (coord == "tf_crop_and_resize") return NodeUnsupported(node, "tf_crop_and_resize");
    auto agrees = [&](bool ac, bool hp) {
      for (const Axis* a : {&h, &w})
        for (int64_t x = 0; x < a->out; ++x) {
          int64_t want = OnnxNearest(rounding, OnnxCoordinate(coord, *a, x));
          want = std::clamp<int64_t>(want, 0, a->in - 1);
          if (TfNearest(*a, x, ac, hp) != want) return false;
        }
      return true;
    };
    if (agrees(false, false)) {
    } else if (agrees(false, true)) {
      half_pixel = true;
    } else if (agrees(true, false)) {
      align_corners = true;
    } else {
      return NodeUnsupported(node, "nearest mode with coordinate_transformation_mode='" + coord +
                                       "' and nearest_mode='" + rounding +
                                       "' picks pixels no TensorFlow resize does");
    }
  } else {
    return NodeUnsupported(node, "attribute mode='" + mode + "'");
  }
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(node.input(0), ChannelsLast(4)));
  std::string size = ctx.ConstI32({h.out, w.out}, node.name + "/size");
  tensorflow::NodeDef& def = ctx.AddOp(op, node.name, {x, size});
  SetAttrType(def, "T", t);
  SetAttrBool(def, "align_corners", align_corners);
  SetAttrBool(def, "half_pixel_centers", half_pixel);
  ctx.Set(node.outputs[0], TfValue{def.name(), ChannelsLast(4), std::nullopt});
  return OkStatus();
}

}  // namespace pt2tf::tf
