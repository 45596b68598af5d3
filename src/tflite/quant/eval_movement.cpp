// Data-movement kernels of the TFLite evaluator that pick elements without arithmetic:
// STRIDED_SLICE, SLICE and RESIZE_NEAREST_NEIGHBOR. Their int8 forms copy the integers
// (the quantization pass gives the output the input's scale and zero point, as TFLite's
// int8 kernels require), so float and int8 share one index computation.
#include <algorithm>
#include <cmath>

#include "tflite/quant/eval_kernels.h"

namespace pt2tf::tflite {
namespace {

std::vector<int64_t> Strides(const ir::Dims& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (size_t k = shape.size(); k-- > 1;) s[k - 1] = s[k] * shape[k];
  return s;
}

// Source indices of the box begin[k] + j·step[k], j < count[k], in `x` (row-major order).
Status BoxIndices(const OpContext& ctx, const EvalTensor& x, const std::vector<int64_t>& begin,
                  const std::vector<int64_t>& step, const std::vector<int64_t>& count,
                  int64_t out_numel, std::vector<int64_t>& src) {
  const size_t rank = x.shape.size();
  int64_t total = 1;
  for (size_t k = 0; k < rank; ++k) {
    if (count[k] < 0) return OpError(ctx, "negative slice size");
    if (count[k] > 0) {
      const int64_t last = begin[k] + (count[k] - 1) * step[k];
      if (begin[k] < 0 || begin[k] >= x.shape[k] || last < 0 || last >= x.shape[k])
        return OpError(ctx, "slice outside the input");
    }
    total *= count[k];
  }
  if (total != out_numel) return OpError(ctx, "slice size does not match the output");
  const std::vector<int64_t> stride = Strides(x.shape);
  src.resize(total);
  std::vector<int64_t> pos(rank, 0);
  for (int64_t i = 0; i < total; ++i) {
    int64_t at = 0;
    for (size_t k = 0; k < rank; ++k) at += (begin[k] + pos[k] * step[k]) * stride[k];
    src[i] = at;
    for (size_t k = rank; k-- > 0;) {
      if (++pos[k] < count[k]) break;
      pos[k] = 0;
    }
  }
  return OkStatus();
}

}  // namespace

Status EvalStridedSlice(OpContext& ctx) {
  if (ctx.in.size() != 4 || !ctx.in[0] || !ctx.in[1] || !ctx.in[2] || !ctx.in[3])
    return OpError(ctx, "needs data, begin, end and strides");
  const auto* o = ctx.op.builtin_options_as_StridedSliceOptions();
  const int bm = o ? o->begin_mask() : 0, em = o ? o->end_mask() : 0;
  if (o && (o->ellipsis_mask() || o->new_axis_mask() || o->offset()))
    return OpError(ctx, "ellipsis / new-axis masks and offset are not evaluated");
  const EvalTensor& x = *ctx.in[0];
  const size_t rank = x.shape.size();
  const auto &b = ctx.in[1]->q, &e = ctx.in[2]->q, &s = ctx.in[3]->q;
  if (b.size() != rank || e.size() != rank || s.size() != rank)
    return OpError(ctx, "begin/end/strides must have one entry per input dim");
  const int sm = o ? o->shrink_axis_mask() : 0;
  std::vector<int64_t> begin(rank), step(rank), count(rank);
  for (size_t k = 0; k < rank; ++k) {
    const int64_t dim = x.shape[k], st = s[k];
    if (st == 0) return OpError(ctx, "zero stride");
    auto norm = [&](int64_t v, bool masked, bool is_begin) {
      if (masked)
        return (st > 0) == is_begin ? (st > 0 ? int64_t{0} : dim - 1)
                                    : (st > 0 ? dim : int64_t{-1});
      if (v < 0) v += dim;
      return st > 0 ? std::clamp<int64_t>(v, 0, dim) : std::clamp<int64_t>(v, -1, dim - 1);
    };
    const int64_t lo = norm(b[k], (bm >> k) & 1, true);
    step[k] = st, begin[k] = lo;
    if ((sm >> k) & 1) {
      count[k] = 1;
      continue;
    }
    const int64_t hi = norm(e[k], (em >> k) & 1, false);
    count[k] =
        st > 0 ? (hi > lo ? (hi - lo + st - 1) / st : 0) : (lo > hi ? (lo - hi - st - 1) / -st : 0);
  }
  std::vector<int64_t> src;
  PT2TF_RETURN_IF_ERROR(BoxIndices(ctx, x, begin, step, count, ctx.out[0]->numel(), src));
  PickElements(x, *ctx.out[0], src);
  return OkStatus();
}

Status EvalSlice(OpContext& ctx) {
  if (ctx.in.size() != 3 || !ctx.in[0] || !ctx.in[1] || !ctx.in[2])
    return OpError(ctx, "needs data, begin and size");
  const EvalTensor& x = *ctx.in[0];
  const size_t rank = x.shape.size();
  const auto &b = ctx.in[1]->q, &sz = ctx.in[2]->q;
  if (b.size() != rank || sz.size() != rank) return OpError(ctx, "begin/size rank mismatch");
  std::vector<int64_t> begin(rank), step(rank, 1), count(rank);
  for (size_t k = 0; k < rank; ++k) {
    begin[k] = b[k];
    count[k] = sz[k] < 0 ? x.shape[k] - b[k] : sz[k];  // -1: to the end
  }
  std::vector<int64_t> src;
  PT2TF_RETURN_IF_ERROR(BoxIndices(ctx, x, begin, step, count, ctx.out[0]->numel(), src));
  PickElements(x, *ctx.out[0], src);
  return OkStatus();
}

namespace {

// TFLite's nearest-neighbour source index (reference_ops::GetNearestNeighbor).
int64_t Nearest(int64_t out_index, int64_t in_size, int64_t out_size, bool align, bool half) {
  const float scale = (align && out_size > 1)
                          ? static_cast<float>(in_size - 1) / static_cast<float>(out_size - 1)
                          : static_cast<float>(in_size) / static_cast<float>(out_size);
  const float offset = half ? 0.5f : 0.0f;
  const float at = (static_cast<float>(out_index) + offset) * scale;
  int64_t v = std::min<int64_t>(
      align ? static_cast<int64_t>(std::round(at)) : static_cast<int64_t>(std::floor(at)),
      in_size - 1);
  if (half) v = std::max<int64_t>(0, v);
  return v;
}

}  // namespace

Status EvalResizeNearest(OpContext& ctx) {
  if (ctx.in.size() != 2 || !ctx.in[0]) return OpError(ctx, "needs data and size");
  const EvalTensor& x = *ctx.in[0];
  EvalTensor& y = *ctx.out[0];
  if (x.shape.size() != 4 || y.shape.size() != 4 || x.shape[0] != y.shape[0] ||
      x.shape[3] != y.shape[3])
    return OpError(ctx, "needs NHWC input and output of the same batch and channels");
  const auto* o = ctx.op.builtin_options_as_ResizeNearestNeighborOptions();
  const bool align = o && o->align_corners(), half = o && o->half_pixel_centers();
  const int64_t n = y.shape[0], oh = y.shape[1], ow = y.shape[2], c = y.shape[3];
  const int64_t ih = x.shape[1], iw = x.shape[2];
  std::vector<int64_t> src(y.numel());
  size_t i = 0;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t r = 0; r < oh; ++r) {
      const int64_t sr = Nearest(r, ih, oh, align, half);
      for (int64_t q = 0; q < ow; ++q) {
        const int64_t sq = Nearest(q, iw, ow, align, half);
        for (int64_t ch = 0; ch < c; ++ch) src[i++] = ((b * ih + sr) * iw + sq) * c + ch;
      }
    }
  PickElements(x, y, src);
  return OkStatus();
}

}  // namespace pt2tf::tflite
