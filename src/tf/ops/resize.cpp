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

}  // namespace

Status EmitResize(const ir::Node& node, EmitContext& ctx) {
  // The batch may be dynamic (it is never resized); channels and the image size must not.
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  if (xs.size() != 4) return NodeUnsupported(node, "only 4-D (NCHW) Resize");
  if (xs[1] < 0 || xs[2] < 0 || xs[3] < 0)
    return NodeUnsupported(node, "a dynamic channel or image size");
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
  if (IsRuntimeInput(node, 3)) {
    // Sizes computed at run time: the output shape still tells them.
    PT2TF_ASSIGN_OR_RETURN(ir::Dims out, ctx.StaticShape(node.outputs[0]));
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
      a.out = static_cast<int64_t>(std::floor(static_cast<double>(a.in) * a.scale));
    } else {
      a.out = (*sizes_in)[k];
      if (a.out <= 0) return InvalidInput(node.Describe() + ": non-positive size");
      a.scale = static_cast<double>(a.out) / static_cast<double>(a.in);
    }
  }
  if (dims[0].out != dims[0].in || dims[1].out != dims[1].in)
    return NodeUnsupported(node, "resizing the batch or channel dim");
  const Axis h = dims[2], w = dims[3];
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
