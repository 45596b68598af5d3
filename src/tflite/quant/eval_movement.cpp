// Data-movement kernels of the TFLite evaluator that pick elements without arithmetic:
// STRIDED_SLICE, SLICE, RESIZE_NEAREST_NEIGHBOR, GATHER, SPLIT(_V), PACK, UNPACK, TILE,
// BROADCAST_TO, DEPTH_TO_SPACE, SPACE_TO_DEPTH and MIRROR_PAD; and RESIZE_BILINEAR, which
// interpolates (float). Every shape the file gives is checked against the input's before an element
// is read, so a hostile .tflite (`pt2tf run`) cannot index outside a tensor. Int8 forms copy the
// integers (the quantization pass gives the output the input's scale and zero point, as TFLite's
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
      // A masked bound is the start or the end of the walk in the stride's direction.
      if (masked) return is_begin ? (st > 0 ? int64_t{0} : dim - 1) : (st > 0 ? dim : int64_t{-1});
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

namespace pt2tf::tflite {
namespace {

// TFLite's bilinear source coordinate of output index `v` (reference ResizeBilinear): the
// scaled position and its two neighbours, clamped to the input.
void Interpolation(int64_t v, float scale, bool half, int64_t in_size, float* at, int64_t* lo,
                   int64_t* hi) {
  *at = half ? (static_cast<float>(v) + 0.5f) * scale - 0.5f : static_cast<float>(v) * scale;
  *lo = std::max<int64_t>(static_cast<int64_t>(std::floor(*at)), 0);
  *hi = std::min<int64_t>(static_cast<int64_t>(std::ceil(*at)), in_size - 1);
}

float ResizeScale(int64_t in, int64_t out, bool align) {
  return align && out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1)
                          : static_cast<float>(in) / static_cast<float>(out);
}

// `y` has `x`'s shape with dim `axis` replaced by `size` (or removed when size < 0).
bool ShapeWithAxis(const ir::Dims& x, size_t axis, int64_t size, const ir::Dims& y) {
  ir::Dims want = x;
  if (size < 0)
    want.erase(want.begin() + static_cast<int64_t>(axis));
  else
    want[axis] = size;
  return want == y;
}

// Copies `len` elements (f or q) from x at `from` to y at `to`.
void CopyRun(const EvalTensor& x, int64_t from, EvalTensor& y, int64_t to, int64_t len) {
  if (x.is_float())
    std::copy_n(x.f.begin() + from, len, y.f.begin() + to);
  else
    std::copy_n(x.q.begin() + from, len, y.q.begin() + to);
}

void Allocate(const EvalTensor& like, EvalTensor& y) {
  like.is_float() ? y.f.assign(y.numel(), 0.0f) : y.q.assign(y.numel(), 0);
}

// The source index of every output element, in C order over `shape`: source(pos) of each
// output position `pos` (for PickElements).
template <class F>
std::vector<int64_t> SourceIndices(const ir::Dims& shape, F&& source) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<int64_t> src(static_cast<size_t>(n)), pos(shape.size(), 0);
  for (size_t i = 0; i < src.size(); ++i) {
    src[i] = source(pos);
    for (size_t k = shape.size(); k-- > 0;) {
      if (++pos[k] < shape[k]) break;
      pos[k] = 0;
    }
  }
  return src;
}

}  // namespace

Status EvalResizeBilinear(OpContext& ctx) {
  if (ctx.in.size() != 2 || !ctx.in[0]) return OpError(ctx, "needs data and size");
  const EvalTensor& x = *ctx.in[0];
  EvalTensor& y = *ctx.out[0];
  if (x.shape.size() != 4 || y.shape.size() != 4 || x.shape[0] != y.shape[0] ||
      x.shape[3] != y.shape[3] || x.numel() == 0)
    return OpError(ctx, "needs NHWC input and output of the same batch and channels");
  const auto* o = ctx.op.builtin_options_as_ResizeBilinearOptions();
  const bool align = o && o->align_corners(), half = o && o->half_pixel_centers();
  const int64_t n = y.shape[0], oh = y.shape[1], ow = y.shape[2], c = y.shape[3];
  const int64_t ih = x.shape[1], iw = x.shape[2];
  const float sh = ResizeScale(ih, oh, align), sw = ResizeScale(iw, ow, align);
  const std::vector<float> v = FloatValues(x);
  std::vector<float> out(static_cast<size_t>(y.numel()));
  auto in = [&](int64_t b, int64_t r, int64_t q, int64_t ch) {
    return v[static_cast<size_t>(((b * ih + r) * iw + q) * c + ch)];
  };
  size_t i = 0;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t r = 0; r < oh; ++r) {
      float ay;
      int64_t y0, y1;
      Interpolation(r, sh, half, ih, &ay, &y0, &y1);
      const float dy = ay - static_cast<float>(y0);
      for (int64_t q = 0; q < ow; ++q) {
        float ax;
        int64_t x0, x1;
        Interpolation(q, sw, half, iw, &ax, &x0, &x1);
        const float dx = ax - static_cast<float>(x0);
        for (int64_t ch = 0; ch < c; ++ch)
          out[i++] = in(b, y0, x0, ch) * (1 - dy) * (1 - dx) + in(b, y1, x0, ch) * dy * (1 - dx) +
                     in(b, y0, x1, ch) * (1 - dy) * dx + in(b, y1, x1, ch) * dy * dx;
      }
    }
  StoreFloat(y, std::move(out));
  return OkStatus();
}

Status EvalGather(OpContext& ctx) {
  if (ctx.in.size() != 2 || !ctx.in[0] || !ctx.in[1]) return OpError(ctx, "needs data and indices");
  const EvalTensor &x = *ctx.in[0], &idx = *ctx.in[1];
  EvalTensor& y = *ctx.out[0];
  const auto* o = ctx.op.builtin_options_as_GatherOptions();
  if (o && o->batch_dims() != 0) return OpError(ctx, "batch_dims is not evaluated");
  int64_t axis = o ? o->axis() : 0;
  if (!NormaliseAxis(axis, static_cast<int64_t>(x.shape.size())) || idx.is_float() ||
      !SameKind(x, y))
    return OpError(ctx, "bad axis, indices or output type");
  ir::Dims want(x.shape.begin(), x.shape.begin() + axis);
  want.insert(want.end(), idx.shape.begin(), idx.shape.end());
  want.insert(want.end(), x.shape.begin() + axis + 1, x.shape.end());
  if (want != y.shape) return OpError(ctx, "output shape does not match");
  int64_t outer, inner;
  OuterInner(x.shape, static_cast<size_t>(axis), &outer, &inner);
  const int64_t dim = x.shape[axis], count = idx.numel();
  Allocate(x, y);
  for (int64_t r = 0; r < outer; ++r)
    for (int64_t j = 0; j < count; ++j) {
      const int64_t at = idx.q[j];
      if (at < 0 || at >= dim) return OpError(ctx, "index out of range");
      CopyRun(x, (r * dim + at) * inner, y, (r * count + j) * inner, inner);
    }
  return OkStatus();
}

Status EvalSplit(OpContext& ctx) {
  const bool v = ctx.code == ::tflite::BuiltinOperator_SPLIT_V;
  const size_t data = v ? 0 : 1, axis_in = v ? 2 : 0;
  if (ctx.in.size() != (v ? 3u : 2u) || !ctx.in[data] || !ctx.in[axis_in] ||
      ctx.in[axis_in]->q.size() != 1)
    return OpError(ctx, "needs data and an axis");
  const EvalTensor& x = *ctx.in[data];
  int64_t axis = ctx.in[axis_in]->q[0];
  if (!NormaliseAxis(axis, static_cast<int64_t>(x.shape.size())))
    return OpError(ctx, "axis out of range");
  int64_t outer, inner, at = 0;
  OuterInner(x.shape, static_cast<size_t>(axis), &outer, &inner);
  for (EvalTensor* y : ctx.out) {  // each output's size along the axis is in its shape
    if (!SameKind(x, *y) || y->shape.size() != x.shape.size() ||
        !ShapeWithAxis(x.shape, axis, y->shape[axis], y->shape))
      return OpError(ctx, "output shapes do not split the input");
    at += y->shape[axis];
  }
  if (at != x.shape[axis]) return OpError(ctx, "output sizes do not add up to the input");
  at = 0;
  for (EvalTensor* y : ctx.out) {
    const int64_t len = y->shape[axis] * inner;
    Allocate(x, *y);
    for (int64_t r = 0; r < outer; ++r)
      CopyRun(x, r * x.shape[axis] * inner + at, *y, r * len, len);
    at += len;
  }
  return OkStatus();
}

Status EvalPack(OpContext& ctx) {
  EvalTensor& y = *ctx.out[0];
  const auto* o = ctx.op.builtin_options_as_PackOptions();
  int64_t axis = o ? o->axis() : 0;
  const int64_t n = static_cast<int64_t>(ctx.in.size());
  if (n == 0 || !NormaliseAxis(axis, static_cast<int64_t>(y.shape.size())) || y.shape[axis] != n)
    return OpError(ctx, "bad inputs or axis");
  for (const EvalTensor* t : ctx.in)
    if (!t || !SameKind(*t, y) || !ShapeWithAxis(y.shape, axis, -1, t->shape))
      return OpError(ctx, "inputs must share the output's shape without the axis");
  int64_t outer, inner;
  OuterInner(y.shape, static_cast<size_t>(axis), &outer, &inner);
  Allocate(y, y);
  for (int64_t r = 0; r < outer; ++r)
    for (int64_t j = 0; j < n; ++j) CopyRun(*ctx.in[j], r * inner, y, (r * n + j) * inner, inner);
  return OkStatus();
}

Status EvalUnpack(OpContext& ctx) {
  if (ctx.in.empty() || !ctx.in[0]) return OpError(ctx, "needs an input");
  const EvalTensor& x = *ctx.in[0];
  const auto* o = ctx.op.builtin_options_as_UnpackOptions();
  int64_t axis = o ? o->axis() : 0;
  if (!NormaliseAxis(axis, static_cast<int64_t>(x.shape.size())) ||
      static_cast<int64_t>(ctx.out.size()) != x.shape[axis])
    return OpError(ctx, "one output per element of the axis");
  int64_t outer, inner;
  OuterInner(x.shape, static_cast<size_t>(axis), &outer, &inner);
  const int64_t n = x.shape[axis];
  for (int64_t j = 0; j < n; ++j) {
    EvalTensor& y = *ctx.out[j];
    if (!SameKind(x, y) || !ShapeWithAxis(x.shape, axis, -1, y.shape))
      return OpError(ctx, "outputs must have the input's shape without the axis");
    Allocate(x, y);
    for (int64_t r = 0; r < outer; ++r) CopyRun(x, (r * n + j) * inner, y, r * inner, inner);
  }
  return OkStatus();
}

Status EvalTile(OpContext& ctx) {  // TILE and BROADCAST_TO: y[i] = x[i mod x's dims]
  if (ctx.in.size() != 2 || !ctx.in[0] || !ctx.in[1]) return OpError(ctx, "needs 2 inputs");
  const EvalTensor& x = *ctx.in[0];
  EvalTensor& y = *ctx.out[0];
  const size_t rank = y.shape.size();
  if (x.shape.size() > rank || !SameKind(x, y) || x.numel() == 0)
    return OpError(ctx, "bad input or output");
  ir::Dims xs(rank - x.shape.size(), 1);
  xs.insert(xs.end(), x.shape.begin(), x.shape.end());
  const bool tile = ctx.code == ::tflite::BuiltinOperator_TILE;
  if (tile && (x.shape.size() != rank || ctx.in[1]->q.size() != rank))
    return OpError(ctx, "one multiple per dim");
  for (size_t k = 0; k < rank; ++k)
    if (tile ? y.shape[k] != xs[k] * ctx.in[1]->q[k] : (xs[k] != 1 && xs[k] != y.shape[k]))
      return OpError(ctx, "output shape does not match");
  PickElements(x, y, SourceIndices(y.shape, [&](const std::vector<int64_t>& pos) {
                 int64_t at = 0;
                 for (size_t k = 0; k < rank; ++k) at = at * xs[k] + pos[k] % xs[k];
                 return at;
               }));
  return OkStatus();
}

// DEPTH_TO_SPACE (DCR order, as TFLite) and SPACE_TO_DEPTH of NHWC tensors.
Status EvalDepthSpace(OpContext& ctx) {
  if (ctx.in.empty() || !ctx.in[0]) return OpError(ctx, "needs an input");
  const EvalTensor& x = *ctx.in[0];
  EvalTensor& y = *ctx.out[0];
  const bool to_space = ctx.code == ::tflite::BuiltinOperator_DEPTH_TO_SPACE;
  int64_t b = 0;
  if (const auto* o = ctx.op.builtin_options_as_DepthToSpaceOptions()) b = o->block_size();
  if (const auto* o = ctx.op.builtin_options_as_SpaceToDepthOptions()) b = o->block_size();
  // The deep tensor is [N, H, W, b*b*C], the spatial one [N, H*b, W*b, C].
  const EvalTensor& deep = to_space ? x : y;
  const EvalTensor& wide = to_space ? y : x;
  if (b < 1 || x.shape.size() != 4 || y.shape.size() != 4 || !SameKind(x, y) ||
      deep.shape[3] % (b * b) != 0 ||
      wide.shape !=
          ir::Dims{deep.shape[0], deep.shape[1] * b, deep.shape[2] * b, deep.shape[3] / (b * b)})
    return OpError(ctx, "shapes do not match the block size");
  const int64_t N = deep.shape[0], H = deep.shape[1], W = deep.shape[2], C = wide.shape[3];
  std::vector<int64_t> src(static_cast<size_t>(y.numel()));
  for (int64_t n = 0; n < N; ++n)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t w = 0; w < W; ++w)
        for (int64_t i = 0; i < b; ++i)
          for (int64_t j = 0; j < b; ++j)
            for (int64_t c = 0; c < C; ++c) {
              const int64_t d = ((n * H + h) * W + w) * b * b * C + (i * b + j) * C + c;
              const int64_t s = ((n * H * b + h * b + i) * W * b + w * b + j) * C + c;
              src[static_cast<size_t>(to_space ? s : d)] = to_space ? d : s;
            }
  PickElements(x, y, src);
  return OkStatus();
}

// MIRROR_PAD: REFLECT mirrors about the edge element, SYMMETRIC repeats it.
Status EvalMirrorPad(OpContext& ctx) {
  if (ctx.in.size() != 2 || !ctx.in[0] || !ctx.in[1]) return OpError(ctx, "needs paddings");
  const EvalTensor& x = *ctx.in[0];
  EvalTensor& y = *ctx.out[0];
  const size_t rank = x.shape.size();
  const std::vector<int32_t>& pads = ctx.in[1]->q;
  const auto* o = ctx.op.builtin_options_as_MirrorPadOptions();
  const bool symmetric = o && o->mode() == ::tflite::MirrorPadMode_SYMMETRIC;
  if (pads.size() != 2 * rank || y.shape.size() != rank || !x.is_float() != !y.is_float())
    return OpError(ctx, "bad paddings");
  for (size_t k = 0; k < rank; ++k) {
    const int64_t most = symmetric ? x.shape[k] : x.shape[k] - 1;  // what can be mirrored
    if (pads[2 * k] < 0 || pads[2 * k + 1] < 0 || pads[2 * k] > most || pads[2 * k + 1] > most ||
        y.shape[k] != x.shape[k] + pads[2 * k] + pads[2 * k + 1])
      return OpError(ctx, "paddings do not fit the input");
  }
  const std::vector<int64_t> in_stride = Strides(x.shape);
  PickElements(x, y, SourceIndices(y.shape, [&](const std::vector<int64_t>& pos) {
                 int64_t at = 0;
                 for (size_t k = 0; k < rank; ++k) {
                   int64_t p = pos[k] - pads[2 * k];
                   const int64_t dim = x.shape[k];
                   if (p < 0) p = symmetric ? -p - 1 : -p;
                   if (p >= dim) p = symmetric ? 2 * dim - 1 - p : 2 * dim - 2 - p;
                   at += p * in_stride[k];
                 }
                 return at;
               }));
  return OkStatus();
}

}  // namespace pt2tf::tflite
