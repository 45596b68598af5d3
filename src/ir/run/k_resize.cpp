// Resize, modes nearest and linear, with every coordinate_transformation_mode but
// tf_crop_and_resize. Both modes are separable, so the tensor is resized one axis at a time
// (multilinear = linear along each axis in turn).
#include <cmath>

#include "ir/run/kernels.h"

namespace pt2tf::ir::run {
namespace {

// For each output index along one axis: the two source indices and their weights.
struct Tap {
  int64_t i0, i1;
  float w0, w1;
};

// `out` is the resized length as ONNX's formulas use it: the integer size when sizes are
// given, in·scale (not rounded) when scales are.
double SourceCoord(const std::string& mode, double x, double scale, int64_t in, double out,
                   int64_t out_int) {
  if (mode == "asymmetric") return x / scale;
  if (mode == "align_corners") return out == 1 ? 0.0 : x * (in - 1) / (out - 1);
  if (mode == "pytorch_half_pixel") return out > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
  if (mode == "tf_half_pixel_for_nn") return (x + 0.5) / scale;
  if (mode == "half_pixel_symmetric") {
    const double adjustment = static_cast<double>(out_int) / out;
    const double center = in / 2.0;
    return center * (1 - adjustment) + (x + 0.5) / scale - 0.5;
  }
  return (x + 0.5) / scale - 0.5;  // half_pixel
}

int64_t NearestIndex(const std::string& mode, double x, bool downsampling) {
  if (mode == "floor") return static_cast<int64_t>(std::floor(x));
  if (mode == "ceil") return static_cast<int64_t>(std::ceil(x));
  const double f = std::floor(x);
  if (x - f == 0.5) {
    if (mode == "round_prefer_ceil") return static_cast<int64_t>(f) + 1;
    return static_cast<int64_t>(f);  // round_prefer_floor
  }
  (void)downsampling;
  return static_cast<int64_t>(std::round(x));
}

std::vector<Tap> Taps(const Node& node, bool linear, double scale, int64_t in, int64_t out,
                      double out_len) {
  const std::string coord = node.GetString("coordinate_transformation_mode", "half_pixel");
  const std::string nearest = node.GetString("nearest_mode", "round_prefer_floor");
  std::vector<Tap> taps(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    double x = SourceCoord(coord, static_cast<double>(o), scale, in, out_len, out);
    if (!linear) {
      int64_t i = NearestIndex(nearest, x, scale < 1);
      i = std::clamp<int64_t>(i, 0, in - 1);
      taps[o] = {i, i, 1.0f, 0.0f};
      continue;
    }
    x = std::clamp(x, 0.0, static_cast<double>(in - 1));
    const int64_t i0 = static_cast<int64_t>(std::floor(x));
    const int64_t i1 = std::min(i0 + 1, in - 1);
    const float w1 = static_cast<float>(x - static_cast<double>(i0));
    taps[o] = {i0, i1, 1.0f - w1, w1};
  }
  return taps;
}

// Resizes `x` along `axis` to `out` elements.
RunTensor ResizeAxis(const RunTensor& x, size_t axis, const std::vector<Tap>& taps) {
  const int64_t outer = Prod(x.shape, 0, axis), in_len = x.shape[axis];
  const int64_t inner = Prod(x.shape, axis + 1, x.shape.size());
  const int64_t out_len = static_cast<int64_t>(taps.size());
  RunTensor y;
  y.shape = x.shape;
  y.shape[axis] = out_len;
  y.f.resize(static_cast<size_t>(outer * out_len * inner));
  for (int64_t a = 0; a < outer; ++a)
    for (int64_t o = 0; o < out_len; ++o) {
      const Tap& t = taps[o];
      const float* s0 = x.f.data() + (a * in_len + t.i0) * inner;
      const float* s1 = x.f.data() + (a * in_len + t.i1) * inner;
      float* d = y.f.data() + (a * out_len + o) * inner;
      if (t.w1 == 0.0f)
        for (int64_t q = 0; q < inner; ++q) d[q] = s0[q];
      else
        for (int64_t q = 0; q < inner; ++q) d[q] = t.w0 * s0[q] + t.w1 * s1[q];
    }
  return y;
}

}  // namespace

Result<Outputs> RunResize(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 1));
  const RunTensor& x = *in[0];
  const size_t rank = x.shape.size();
  const std::string mode = node.GetString("mode", "nearest");
  if (mode != "nearest" && mode != "linear")
    return Unsupported(node.Describe() + ": mode '" + mode + "'");
  if (node.GetString("coordinate_transformation_mode", "half_pixel") == "tf_crop_and_resize")
    return Unsupported(node.Describe() + ": tf_crop_and_resize");
  if (node.GetInt("antialias", 0) != 0) return Unsupported(node.Describe() + ": antialias");
  if (!node.GetInts("axes").empty()) return Unsupported(node.Describe() + ": axes attribute");
  if (node.GetString("keep_aspect_ratio_policy", "stretch") != "stretch")
    return Unsupported(node.Describe() + ": keep_aspect_ratio_policy");
  const RunTensor* scales_t = in.size() > 2 ? in[2] : nullptr;
  const RunTensor* sizes_t = in.size() > 3 ? in[3] : nullptr;
  if (scales_t && scales_t->numel() == 0) scales_t = nullptr;
  if (sizes_t && sizes_t->numel() == 0) sizes_t = nullptr;
  std::vector<double> scales(rank, 1.0);
  Dims out_shape = x.shape;
  if (sizes_t) {
    const Dims sizes = IntValues(*sizes_t);
    if (sizes.size() != rank) return InvalidInput(node.Describe() + ": sizes do not fit the rank");
    for (size_t d = 0; d < rank; ++d) {
      out_shape[d] = sizes[d];
      scales[d] = x.shape[d] > 0 ? static_cast<double>(sizes[d]) / x.shape[d] : 1.0;
    }
  } else if (scales_t) {
    if (!scales_t->is_float() || static_cast<size_t>(scales_t->numel()) != rank)
      return InvalidInput(node.Describe() + ": scales do not fit the rank");
    for (size_t d = 0; d < rank; ++d) {
      const float s = scales_t->f[d];
      if (!(s > 0)) return InvalidInput(node.Describe() + ": scales must be positive");
      scales[d] = s;
      out_shape[d] = static_cast<int64_t>(std::floor(x.shape[d] * static_cast<double>(s)));
    }
  } else {
    return InvalidInput(node.Describe() + ": neither scales nor sizes given");
  }
  PT2TF_ASSIGN_OR_RETURN(int64_t total, CheckedNumel(node, out_shape));
  (void)total;
  RunTensor cur = x;
  for (size_t d = 0; d < rank; ++d) {
    if (out_shape[d] == x.shape[d] && scales[d] == 1.0) continue;
    if (x.shape[d] == 0) return InvalidInput(node.Describe() + ": resizing an empty axis");
    const double out_len = sizes_t ? static_cast<double>(out_shape[d]) : x.shape[d] * scales[d];
    cur = ResizeAxis(cur, d,
                     Taps(node, mode == "linear", scales[d], x.shape[d], out_shape[d], out_len));
  }
  Outputs result;
  result.push_back(std::move(cur));
  return result;
}

}  // namespace pt2tf::ir::run
