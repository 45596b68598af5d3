// Index kernels of the TFLite evaluator: ARG_MAX / ARG_MIN, TOPK_V2, ONE_HOT, GATHER_ND,
// SCATTER_ND, DYNAMIC_UPDATE_SLICE, UNSORTED_SEGMENT_MAX / MIN, REVERSE_V2 and REVERSE_SEQUENCE,
// with TFLite's semantics (first index wins a tie in ARG_MAX / ARG_MIN; TOPK_V2 orders by value,
// larger first, and a tie by index, smaller first; ONE_HOT writes off_value where an index is
// outside [0, depth)). Every shape, axis and index the file gives is checked before an element is
// read. They read and write stored values (f, or q for integer and int8 tensors), so the int8 forms
// LiteRT has (an int8 ARG_MAX input, TOPK_V2 values sharing the input's parameters) run on the same
// loops.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "tflite/quant/eval_kernels.h"

namespace pt2tf::tflite {
namespace {

using Op = ::tflite::BuiltinOperator;

// An unquantized integer tensor (an index, axis or depth operand).
bool IsIndexTensor(const EvalTensor& t) { return !t.is_float() && !t.quantized(); }

bool IsIndexType(::tflite::TensorType t) {
  return t == ::tflite::TensorType_INT32 || t == ::tflite::TensorType_INT64 ||
         t == ::tflite::TensorType_INT16;
}

template <class T>
void ArgMinMaxLoop(const T* v, int64_t outer, int64_t dim, int64_t inner, bool max,
                   std::vector<int32_t>& out) {
  out.resize(outer * inner);
  for (int64_t r = 0; r < outer; ++r)
    for (int64_t i = 0; i < inner; ++i) {
      const T* p = v + r * dim * inner + i;
      int64_t best = 0;
      // Strict comparisons: the first of equal values wins, and a NaN never replaces the
      // current best (as TFLite's loop).
      for (int64_t j = 1; j < dim; ++j)
        if (max ? p[j * inner] > p[best * inner] : p[j * inner] < p[best * inner]) best = j;
      out[r * inner + i] = static_cast<int32_t>(best);
    }
}

// y[pos] = x[source(pos)] for every position of y (y shaped like x): `source(pos, k)` is
// the coordinate along axis k that output position `pos` reads.
template <class Source>
void PickPositions(const EvalTensor& x, EvalTensor& y, Source source) {
  const size_t rank = x.shape.size();
  std::vector<int64_t> stride(rank, 1);
  for (size_t k = rank; k-- > 1;) stride[k - 1] = stride[k] * x.shape[k];
  std::vector<int64_t> src(static_cast<size_t>(x.numel())), pos(rank, 0);
  for (size_t i = 0; i < src.size(); ++i) {
    int64_t at = 0;
    for (size_t k = 0; k < rank; ++k) at += source(pos, k) * stride[k];
    src[i] = at;
    for (size_t k = rank; k-- > 0;) {
      if (++pos[k] < x.shape[k]) break;
      pos[k] = 0;
    }
  }
  PickElements(x, y, src);
}

}  // namespace

Status EvalArgMinMax(OpContext& ctx) {
  int64_t axis;
  if (ctx.in.size() != 2 || !ScalarInt(ctx.in[1], &axis))
    return OpError(ctx, "needs data and one integer axis");
  const EvalTensor& x = *ctx.in[0];
  EvalTensor& y = *ctx.out[0];
  if (!NormaliseAxis(axis, static_cast<int64_t>(x.shape.size())))
    return OpError(ctx, "axis out of range");
  if (!IsIndexTensor(y) ||
      (y.type != ::tflite::TensorType_INT32 && y.type != ::tflite::TensorType_INT64))
    return OpError(ctx, "the output must be int32 or int64");
  ir::Dims want = x.shape;
  want.erase(want.begin() + axis);
  if (want != y.shape) return OpError(ctx, "output shape is not the input's without the axis");
  const int64_t dim = x.shape[axis];
  if (dim == 0) return OpError(ctx, "over an empty axis");
  int64_t outer, inner;
  OuterInner(x.shape, static_cast<size_t>(axis), &outer, &inner);
  const bool max = ctx.code == Op::BuiltinOperator_ARG_MAX;
  if (x.is_float()) {
    ArgMinMaxLoop(x.f.data(), outer, dim, inner, max, y.q);
  } else if (x.scale.size() > 1) {
    // Per-channel scales: stored integers of different channels do not compare as values.
    const std::vector<float> v = FloatValues(x);
    ArgMinMaxLoop(v.data(), outer, dim, inner, max, y.q);
  } else {  // integers, or int8 with one positive scale: the stored order is the value order
    ArgMinMaxLoop(x.q.data(), outer, dim, inner, max, y.q);
  }
  return OkStatus();
}

Status EvalTopK(OpContext& ctx) {
  int64_t k;
  if (ctx.in.size() != 2 || ctx.out.size() != 2 || !ScalarInt(ctx.in[1], &k))
    return OpError(ctx, "needs data and one integer k, and two outputs");
  const EvalTensor& x = *ctx.in[0];
  EvalTensor &values = *ctx.out[0], &indices = *ctx.out[1];
  if (x.shape.empty()) return OpError(ctx, "needs an input of rank >= 1");
  const int64_t n = x.shape.back();
  if (k < 0 || k > n) return OpError(ctx, "k is outside [0, last dim]");
  ir::Dims want = x.shape;
  want.back() = k;
  if (values.shape != want || indices.shape != want)
    return OpError(ctx, "output shapes are not the input's with k as the last dim");
  if (!SameKind(x, values) || !IsIndexTensor(indices) || !IsIndexType(indices.type))
    return OpError(ctx, "values must share the input's type, indices be integers");
  const int64_t rows = n > 0 ? x.numel() / n : 0;
  // Compared as floats for float and per-channel quantized inputs, as stored integers else.
  const bool use_f = x.is_float() || x.scale.size() > 1;
  const std::vector<float> dequantized =
      use_f && !x.is_float() ? FloatValues(x) : std::vector<float>{};
  const float* fv = x.is_float() ? x.f.data() : dequantized.data();
  // Larger first, then the smaller index; a NaN sorts before every number (a total order, so
  // the sort is defined on any input; TFLite leaves NaN's place unspecified).
  auto before = [&](int64_t row, int64_t a, int64_t b) {
    if (use_f) {
      const float va = fv[row * n + a], vb = fv[row * n + b];
      const bool na = std::isnan(va), nb = std::isnan(vb);
      if (na != nb) return na;
      if (!na && va != vb) return va > vb;
    } else {
      const int32_t va = x.q[row * n + a], vb = x.q[row * n + b];
      if (va != vb) return va > vb;
    }
    return a < b;
  };
  x.is_float() ? values.f.resize(values.numel()) : values.q.resize(values.numel());
  indices.q.resize(indices.numel());
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t r = 0; r < rows; ++r) {
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + k, order.end(),
                      [&](int64_t a, int64_t b) { return before(r, a, b); });
    for (int64_t j = 0; j < k; ++j) {
      const int64_t src = r * n + order[j], dst = r * k + j;
      if (x.is_float())
        values.f[dst] = x.f[src];
      else
        values.q[dst] = x.q[src];
      indices.q[dst] = static_cast<int32_t>(order[j]);
    }
  }
  return OkStatus();
}

Status EvalOneHot(OpContext& ctx) {
  int64_t depth;
  if (ctx.in.size() != 4 || !ctx.in[2] || !ctx.in[3] || !ScalarInt(ctx.in[1], &depth))
    return OpError(ctx, "needs indices, an integer depth, on_value and off_value");
  const EvalTensor &idx = *ctx.in[0], &on = *ctx.in[2], &off = *ctx.in[3];
  EvalTensor& y = *ctx.out[0];
  if (!IsIndexTensor(idx)) return OpError(ctx, "indices must be integers");
  if (on.numel() != 1 || off.numel() != 1 || !SameKind(on, y) || !SameKind(off, y))
    return OpError(ctx, "on_value and off_value must be scalars of the output's type");
  if (depth < 0) return OpError(ctx, "depth is negative");
  const auto* o = ctx.op.builtin_options_as_OneHotOptions();
  const int64_t rank = static_cast<int64_t>(idx.shape.size());
  int64_t axis = o ? o->axis() : -1;
  if (axis == -1) axis = rank;
  if (axis < 0 || axis > rank) return OpError(ctx, "axis out of range");
  ir::Dims want = idx.shape;
  want.insert(want.begin() + axis, depth);
  if (want != y.shape) return OpError(ctx, "output shape is not the indices' with depth at axis");
  int64_t prefix = 1, suffix = 1;
  for (int64_t k = 0; k < axis; ++k) prefix *= idx.shape[k];
  for (int64_t k = axis; k < rank; ++k) suffix *= idx.shape[k];
  const bool f = y.is_float();
  f ? y.f.resize(y.numel()) : y.q.resize(y.numel());
  for (int64_t p = 0; p < prefix; ++p)
    for (int64_t d = 0; d < depth; ++d)
      for (int64_t s = 0; s < suffix; ++s) {
        const bool hot = idx.q[p * suffix + s] == d;
        const int64_t at = (p * depth + d) * suffix + s;
        if (f)
          y.f[at] = hot ? on.f[0] : off.f[0];
        else
          y.q[at] = hot ? on.q[0] : off.q[0];
      }
  return OkStatus();
}

namespace {

// How GATHER_ND / SCATTER_ND index `shape` with [..., nd] indices: `count` index tuples,
// each naming a slice of `slice` elements; Offset is the tuple's first element (an index
// outside its dim is an error).
struct NdLayout {
  int64_t nd = 0, slice = 1, count = 1;
  std::vector<int64_t> stride;  // elements per step of dim k < nd

  NdLayout(const ir::Dims& shape, const ir::Dims& index_shape) : nd(index_shape.back()) {
    for (size_t k = static_cast<size_t>(nd); k < shape.size(); ++k) slice *= shape[k];
    for (size_t k = 0; k + 1 < index_shape.size(); ++k) count *= index_shape[k];
    stride.assign(static_cast<size_t>(nd), slice);
    for (int64_t k = nd - 1; k-- > 0;) stride[k] = stride[k + 1] * shape[k + 1];
  }
  bool Offset(const EvalTensor& idx, const ir::Dims& shape, int64_t i, int64_t* at) const {
    *at = 0;
    for (int64_t k = 0; k < nd; ++k) {
      const int64_t v = idx.q[i * nd + k];
      if (v < 0 || v >= shape[k]) return false;
      *at += v * stride[k];
    }
    return true;
  }
};

}  // namespace

// GATHER_ND: output[i..., rest...] = params[indices[i..., :], rest...]. Each index is checked
// against its own dim (an index past its dim is an error, as in TF; LiteRT checks only the
// flat offset, which the writer's files never reach: the lowering wraps negative indices).
Status EvalGatherNd(OpContext& ctx) {
  if (ctx.in.size() != 2 || !ctx.in[1]) return OpError(ctx, "needs params and indices");
  const EvalTensor &params = *ctx.in[0], &idx = *ctx.in[1];
  EvalTensor& y = *ctx.out[0];
  if (!IsIndexTensor(idx) || idx.shape.empty())
    return OpError(ctx, "indices must be integers of rank >= 1");
  const int64_t nd = idx.shape.back();
  if (nd > static_cast<int64_t>(params.shape.size()))
    return OpError(ctx, "the index depth exceeds the params' rank");
  ir::Dims want(idx.shape.begin(), idx.shape.end() - 1);
  want.insert(want.end(), params.shape.begin() + nd, params.shape.end());
  if (want != y.shape || !SameKind(params, y))
    return OpError(ctx, "output shape or type does not match params and indices");
  const NdLayout nd_layout(params.shape, idx.shape);
  const int64_t slice = nd_layout.slice;
  params.is_float() ? y.f.resize(y.numel()) : y.q.resize(y.numel());
  for (int64_t i = 0; i < nd_layout.count; ++i) {
    int64_t from = 0;
    if (!nd_layout.Offset(idx, params.shape, i, &from)) return OpError(ctx, "index out of range");
    if (params.is_float())
      std::copy_n(params.f.begin() + from, slice, y.f.begin() + i * slice);
    else
      std::copy_n(params.q.begin() + from, slice, y.q.begin() + i * slice);
  }
  return OkStatus();
}

// SCATTER_ND(indices, updates, shape): zeros of `shape` with each updates slice added at its
// index (repeated indices sum, as LiteRT's kernel does). The shape operand must be the
// output's own (static) shape.
Status EvalScatterNd(OpContext& ctx) {
  if (ctx.in.size() != 3 || !ctx.in[0] || !ctx.in[1] || !ctx.in[2])
    return OpError(ctx, "needs indices, updates and shape");
  const EvalTensor &idx = *ctx.in[0], &upd = *ctx.in[1], &shape = *ctx.in[2];
  EvalTensor& y = *ctx.out[0];
  if (!IsIndexTensor(idx) || idx.shape.empty() || !IsIndexTensor(shape) || shape.shape.size() != 1)
    return OpError(ctx, "indices and shape must be integer tensors (shape 1-D)");
  if (shape.q.size() != y.shape.size() ||
      !std::equal(shape.q.begin(), shape.q.end(), y.shape.begin()))
    return OpError(ctx, "the shape operand differs from the output's shape");
  const int64_t nd = idx.shape.back();
  if (nd < 1 || nd > static_cast<int64_t>(y.shape.size()))
    return OpError(ctx, "the index depth exceeds the output's rank");
  ir::Dims want(idx.shape.begin(), idx.shape.end() - 1);
  want.insert(want.end(), y.shape.begin() + nd, y.shape.end());
  if (want != upd.shape || !SameKind(upd, y) || upd.quantized())
    return OpError(ctx, "updates shape or type does not match indices and output");
  const NdLayout nd_layout(y.shape, idx.shape);
  const int64_t slice = nd_layout.slice;
  upd.is_float() ? y.f.assign(y.numel(), 0.0f) : y.q.assign(y.numel(), 0);
  for (int64_t i = 0; i < nd_layout.count; ++i) {
    int64_t to = 0;
    if (!nd_layout.Offset(idx, y.shape, i, &to)) return OpError(ctx, "index out of range");
    for (int64_t b = 0; b < slice; ++b) {
      if (upd.is_float()) {
        y.f[to + b] += upd.f[i * slice + b];
      } else {  // wraps as the int32 kernel does
        y.q[to + b] = static_cast<int32_t>(static_cast<uint32_t>(y.q[to + b]) +
                                           static_cast<uint32_t>(upd.q[i * slice + b]));
      }
    }
  }
  return OkStatus();
}

// DYNAMIC_UPDATE_SLICE(operand, update, start): the operand with the update written as a
// block at `start`, each start clamped to [0, dim - update dim] as LiteRT's kernel does.
Status EvalDynamicUpdateSlice(OpContext& ctx) {
  if (ctx.in.size() != 3 || !ctx.in[1] || !ctx.in[2] || !IsIndexTensor(*ctx.in[2]))
    return OpError(ctx, "needs an operand, an update and integer start indices");
  const EvalTensor &x = *ctx.in[0], &u = *ctx.in[1], &start = *ctx.in[2];
  EvalTensor& y = *ctx.out[0];
  const size_t rank = x.shape.size();
  if (y.shape != x.shape || !SameKind(x, y) || !SameKind(u, y) || u.shape.size() != rank ||
      start.q.size() != rank)
    return OpError(ctx, "operand, update, start and output do not match");
  std::vector<int64_t> at(rank);
  for (size_t k = 0; k < rank; ++k) {
    if (u.shape[k] > x.shape[k]) return OpError(ctx, "the update is larger than the operand");
    at[k] = std::clamp<int64_t>(start.q[k], 0, x.shape[k] - u.shape[k]);
  }
  y.f = x.f, y.q = x.q;
  std::vector<int64_t> xs(rank, 1);  // C-order strides of x
  for (size_t k = rank; k-- > 1;) xs[k - 1] = xs[k] * x.shape[k];
  const int64_t n = u.numel();
  std::vector<int64_t> pos(rank, 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t to = 0;
    for (size_t k = 0; k < rank; ++k) to += (at[k] + pos[k]) * xs[k];
    if (u.is_float()) {
      y.f[to] = u.f[i];
    } else {
      y.q[to] = u.q[i];
    }
    for (size_t k = rank; k-- > 0;) {  // the odometer over the update's positions
      if (++pos[k] < u.shape[k]) break;
      pos[k] = 0;
    }
  }
  return OkStatus();
}

// UNSORTED_SEGMENT_MAX / MIN(data, segment_ids, num_segments): the elementwise max / min of
// the data rows of each segment (ids over data's leading dims), the type's lowest / highest
// value where a segment has no row, as LiteRT's kernel fills it.
Status EvalUnsortedSegment(OpContext& ctx) {
  if (ctx.in.size() != 3 || !ctx.in[1] || !ctx.in[2] || !IsIndexTensor(*ctx.in[1]))
    return OpError(ctx, "needs data, integer segment ids and a segment count");
  const EvalTensor &x = *ctx.in[0], &ids = *ctx.in[1];
  EvalTensor& y = *ctx.out[0];
  int64_t segments = 0;
  if (!ScalarInt(ctx.in[2], &segments) || segments < 0 || x.quantized() || !SameKind(x, y))
    return OpError(ctx, "the segment count or the data type is not supported");
  const size_t lead = ids.shape.size();
  if (lead > x.shape.size() || !std::equal(ids.shape.begin(), ids.shape.end(), x.shape.begin()))
    return OpError(ctx, "segment ids do not match the data's leading dims");
  ir::Dims want{segments};
  want.insert(want.end(), x.shape.begin() + lead, x.shape.end());
  if (y.shape != want) return OpError(ctx, "the output shape does not match the segment count");
  const int64_t rows = ids.numel(), row = rows == 0 ? 0 : x.numel() / rows;
  const bool is_max = ctx.code == ::tflite::BuiltinOperator_UNSORTED_SEGMENT_MAX;
  const int64_t n = y.numel();
  if (x.is_float()) {
    y.f.assign(n,
               is_max ? std::numeric_limits<float>::lowest() : std::numeric_limits<float>::max());
  } else {
    y.q.assign(
        n, is_max ? std::numeric_limits<int32_t>::lowest() : std::numeric_limits<int32_t>::max());
  }
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t sgm = ids.q[r];
    if (sgm < 0 || sgm >= segments) return OpError(ctx, "a segment id is out of range");
    for (int64_t k = 0; k < row; ++k) {
      const int64_t to = sgm * row + k, from = r * row + k;
      if (x.is_float()) {
        y.f[to] = is_max ? std::max(y.f[to], x.f[from]) : std::min(y.f[to], x.f[from]);
      } else {
        y.q[to] = is_max ? std::max(y.q[to], x.q[from]) : std::min(y.q[to], x.q[from]);
      }
    }
  }
  return OkStatus();
}

// REVERSE_V2 along each axis of input 1 (one or more, distinct).
Status EvalReverse(OpContext& ctx) {
  if (ctx.in.size() != 2 || !ctx.in[1] || !IsIndexTensor(*ctx.in[1]))
    return OpError(ctx, "needs data and integer axes");
  const EvalTensor& x = *ctx.in[0];
  EvalTensor& y = *ctx.out[0];
  if (y.shape != x.shape || !SameKind(x, y)) return OpError(ctx, "output differs from the input");
  const size_t rank = x.shape.size();
  std::vector<bool> flip(rank, false);
  for (int32_t a : ctx.in[1]->q) {
    int64_t axis = a;
    if (!NormaliseAxis(axis, static_cast<int64_t>(rank)) || flip[axis])
      return OpError(ctx, "axis out of range or repeated");
    flip[axis] = true;
  }
  PickPositions(x, y, [&](const std::vector<int64_t>& pos, size_t k) {
    return flip[k] ? x.shape[k] - 1 - pos[k] : pos[k];
  });
  return OkStatus();
}

// REVERSE_SEQUENCE: along seq_dim, the first lengths[b] elements of batch b reversed, the
// rest kept. A length outside [0, dim] is an error, as in TFLite's kernel.
Status EvalReverseSequence(OpContext& ctx) {
  if (ctx.in.size() != 2 || !ctx.in[1] || !IsIndexTensor(*ctx.in[1]))
    return OpError(ctx, "needs data and integer sequence lengths");
  const EvalTensor& x = *ctx.in[0];
  const EvalTensor& lens = *ctx.in[1];
  EvalTensor& y = *ctx.out[0];
  if (y.shape != x.shape || !SameKind(x, y)) return OpError(ctx, "output differs from the input");
  const auto* o = ctx.op.builtin_options_as_ReverseSequenceOptions();
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  const int64_t seq = o ? o->seq_dim() : -1, batch = o ? o->batch_dim() : -1;
  if (seq < 0 || seq >= rank || batch < 0 || batch >= rank || seq == batch)
    return OpError(ctx, "seq_dim and batch_dim must be two different axes");
  if (lens.shape != ir::Dims{x.shape[batch]})
    return OpError(ctx, "needs one sequence length per batch entry");
  for (int32_t n : lens.q)
    if (n < 0 || n > x.shape[seq]) return OpError(ctx, "a sequence length is out of range");
  PickPositions(x, y, [&](const std::vector<int64_t>& pos, size_t k) {
    const int64_t n = lens.q[pos[batch]];
    return static_cast<int64_t>(k) == seq && pos[k] < n ? n - 1 - pos[k] : pos[k];
  });
  return OkStatus();
}

}  // namespace pt2tf::tflite
