// Evaluator kernels for data movement and shape arithmetic: Gather, Concat, Slice, Expand,
// Tile, Transpose, ConstantOfShape, Range, Reduce*.
#include <algorithm>
#include <cmath>
#include <string>

#include "ir/eval/evaluator.h"

namespace pt2tf::ir::eval {
namespace {

Status Need(const Node& node, const EvalInputs& in, size_t count) {
  if (in.size() < count) return InvalidInput(node.Describe() + ": too few inputs");
  for (size_t i = 0; i < count; ++i)
    if (!in[i])
      return InvalidInput(node.Describe() + ": input " + std::to_string(i) + " is missing");
  return OkStatus();
}

void CopyElem(HostTensor& dst, int64_t di, const HostTensor& src, int64_t si) {
  if (dst.is_float()) {
    dst.f[di] = src.f[si];
  } else {
    dst.i[di] = src.i[si];
  }
}

Result<int64_t> Axis(const Node& node, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return InvalidInput(node.Describe() + ": axis " + std::to_string(axis) +
                        " is out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

std::vector<int64_t> Ints(const HostTensor& t) {
  std::vector<int64_t> v(static_cast<size_t>(t.numel()));
  for (int64_t k = 0; k < t.numel(); ++k) v[k] = t.AsInt(k);
  return v;
}

int64_t Product(const Dims& d, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end; ++i) p *= d[i];
  return p;
}

// Calls fn(out_flat, in_flat) for every element of `out_shape`, where the input index of
// each output coordinate c is start[d] + c * step[d] in the input's strides.
template <typename Fn>
void ForEachStrided(const Dims& out_shape, const Dims& in_shape, const Dims& start,
                    const Dims& step, Fn fn) {
  const Dims in_strides = Strides(in_shape);
  const int64_t n = Product(out_shape, 0, out_shape.size());
  std::vector<int64_t> index(out_shape.size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    int64_t src = 0;
    for (size_t d = 0; d < index.size(); ++d)
      src += (start[d] + index[d] * step[d]) * in_strides[d];
    fn(k, src);
    for (size_t d = index.size(); d-- > 0;) {
      if (++index[d] < out_shape[d]) break;
      index[d] = 0;
    }
  }
}

}  // namespace

Result<std::vector<HostTensor>> EvalGather(const Node& node, const EvalInputs& in) {
  PT2TF_RETURN_IF_ERROR(Need(node, in, 2));
  const HostTensor &data = *in[0], &idx = *in[1];
  if (data.shape.empty()) return InvalidInput(node.Describe() + ": cannot gather from a scalar");
  PT2TF_ASSIGN_OR_RETURN(
      int64_t axis, Axis(node, node.GetInt("axis", 0), static_cast<int64_t>(data.shape.size())));
  Dims shape(data.shape.begin(), data.shape.begin() + axis);
  shape.insert(shape.end(), idx.shape.begin(), idx.shape.end());
  shape.insert(shape.end(), data.shape.begin() + axis + 1, data.shape.end());
  PT2TF_RETURN_IF_ERROR(CheckOutputSize(node, shape));
  HostTensor out = HostTensor::Zeros(data.dtype, shape);
  const int64_t outer = Product(data.shape, 0, axis), dim = data.shape[axis];
  const int64_t inner = Product(data.shape, axis + 1, data.shape.size());
  const std::vector<int64_t> indices = Ints(idx);
  int64_t o = 0;
  for (int64_t a = 0; a < outer; ++a) {
    for (int64_t j : indices) {
      if (j < -dim || j >= dim)
        return InvalidInput(node.Describe() + ": index " + std::to_string(j) +
                            " is out of range for size " + std::to_string(dim));
      if (j < 0) j += dim;
      for (int64_t b = 0; b < inner; ++b) CopyElem(out, o++, data, (a * dim + j) * inner + b);
    }
  }
  return std::vector<HostTensor>{std::move(out)};
}

// ScatterND: a copy of data with the slices that indices name replaced (or combined, by
// `reduction`) by the matching slices of updates.
Result<std::vector<HostTensor>> EvalScatterND(const Node& node, const EvalInputs& in) {
  PT2TF_RETURN_IF_ERROR(Need(node, in, 3));
  const HostTensor &data = *in[0], &idx = *in[1], &upd = *in[2];
  const std::string reduction = node.GetString("reduction", "none");
  if (reduction != "none" && reduction != "add" && reduction != "mul" && reduction != "max" &&
      reduction != "min")
    return Unsupported(node.Describe() + ": reduction '" + reduction + "'");
  if (idx.shape.empty() || upd.dtype != data.dtype)
    return InvalidInput(node.Describe() + ": indices must have rank >= 1, updates data's dtype");
  const size_t k = static_cast<size_t>(idx.shape.back());
  if (k > data.shape.size())
    return InvalidInput(node.Describe() + ": index depth exceeds the data rank");
  Dims want(idx.shape.begin(), idx.shape.end() - 1);
  want.insert(want.end(), data.shape.begin() + k, data.shape.end());
  if (upd.shape != want)
    return InvalidInput(node.Describe() + ": updates shape " + ShapeToString(upd.shape) +
                        ", expected " + ShapeToString(want));
  HostTensor out = data;
  const int64_t slice = Product(data.shape, k, data.shape.size());
  const int64_t count = k == 0 ? upd.numel() / std::max<int64_t>(slice, 1) : idx.numel() / k;
  const std::vector<int64_t> indices = Ints(idx);
  for (int64_t n = 0; n < count; ++n) {
    int64_t base = 0;
    for (size_t d = 0; d < k; ++d) {
      int64_t j = indices[n * k + d];
      const int64_t dim = data.shape[d];
      if (j < -dim || j >= dim)
        return InvalidInput(node.Describe() + ": index " + std::to_string(j) +
                            " is out of range for size " + std::to_string(dim));
      if (j < 0) j += dim;
      base = base * dim + j;
    }
    for (int64_t b = 0; b < slice; ++b) {
      const int64_t o = base * slice + b, u = n * slice + b;
      if (reduction == "none") {
        CopyElem(out, o, upd, u);
      } else if (out.is_float()) {
        double& v = out.f[o];
        const double w = upd.f[u];
        v = reduction == "add"   ? v + w
            : reduction == "mul" ? v * w
            : reduction == "max" ? std::max(v, w)
                                 : std::min(v, w);
      } else {
        int64_t& v = out.i[o];
        const int64_t w = upd.i[u];
        v = reduction == "add"   ? static_cast<int64_t>(static_cast<uint64_t>(v) + w)
            : reduction == "mul" ? static_cast<int64_t>(static_cast<uint64_t>(v) * w)
            : reduction == "max" ? std::max(v, w)
                                 : std::min(v, w);
      }
    }
  }
  return std::vector<HostTensor>{std::move(out)};
}

Result<std::vector<HostTensor>> EvalConcat(const Node& node, const EvalInputs& in) {
  PT2TF_RETURN_IF_ERROR(Need(node, in, in.size()));
  if (in.empty()) return InvalidInput(node.Describe() + ": needs at least one input");
  const HostTensor& first = *in[0];
  const int64_t rank = static_cast<int64_t>(first.shape.size());
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, Axis(node, node.GetInt("axis", 0), rank));
  Dims shape = first.shape;
  shape[axis] = 0;
  for (const HostTensor* t : in) {
    if (t->dtype != first.dtype || static_cast<int64_t>(t->shape.size()) != rank)
      return InvalidInput(node.Describe() + ": inputs differ in dtype or rank");
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && t->shape[d] != first.shape[d])
        return InvalidInput(node.Describe() + ": input shapes " + ShapeToString(first.shape) +
                            " and " + ShapeToString(t->shape) + " differ outside the axis");
    shape[axis] += t->shape[axis];
  }
  HostTensor out = HostTensor::Zeros(first.dtype, shape);
  const int64_t outer = Product(shape, 0, axis);
  int64_t o = 0;
  for (int64_t a = 0; a < outer; ++a) {
    for (const HostTensor* t : in) {
      const int64_t chunk = Product(t->shape, axis, t->shape.size());
      for (int64_t b = 0; b < chunk; ++b) CopyElem(out, o++, *t, a * chunk + b);
    }
  }
  return std::vector<HostTensor>{std::move(out)};
}

Result<std::vector<HostTensor>> EvalSlice(const Node& node, const EvalInputs& in) {
  PT2TF_RETURN_IF_ERROR(Need(node, in, 3));
  const HostTensor& data = *in[0];
  const int64_t rank = static_cast<int64_t>(data.shape.size());
  const std::vector<int64_t> starts = Ints(*in[1]), ends = Ints(*in[2]);
  std::vector<int64_t> axes, steps;
  if (in.size() > 3 && in[3]) {
    axes = Ints(*in[3]);
  } else {
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  }
  steps = in.size() > 4 && in[4] ? Ints(*in[4]) : std::vector<int64_t>(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    return InvalidInput(node.Describe() + ": starts, ends, axes and steps differ in length");
  Dims shape = data.shape, first(rank, 0), step(rank, 1);
  for (size_t i = 0; i < axes.size(); ++i) {
    PT2TF_ASSIGN_OR_RETURN(int64_t a, Axis(node, axes[i], rank));
    const int64_t d = data.shape[a], s = steps[i];
    if (s == 0) return InvalidInput(node.Describe() + ": step must not be 0");
    int64_t b = starts[i] < 0 ? starts[i] + d : starts[i];
    int64_t e = ends[i] < 0 ? ends[i] + d : ends[i];
    if (s > 0) {
      b = std::clamp<int64_t>(b, 0, d);
      e = std::clamp<int64_t>(e, 0, d);
      shape[a] = e > b ? (e - b + s - 1) / s : 0;
    } else {
      b = std::clamp<int64_t>(b, 0, d - 1);
      e = std::clamp<int64_t>(e, -1, d - 1);
      shape[a] = b > e ? (b - e - s - 1) / (-s) : 0;
    }
    first[a] = b;
    step[a] = s;
  }
  HostTensor out = HostTensor::Zeros(data.dtype, shape);
  ForEachStrided(shape, data.shape, first, step,
                 [&](int64_t o, int64_t src) { CopyElem(out, o, data, src); });
  return std::vector<HostTensor>{std::move(out)};
}

Result<std::vector<HostTensor>> EvalExpand(const Node& node, const EvalInputs& in) {
  PT2TF_RETURN_IF_ERROR(Need(node, in, 2));
  const HostTensor& data = *in[0];
  PT2TF_ASSIGN_OR_RETURN(Dims shape, BroadcastShape(node, data.shape, Ints(*in[1])));
  PT2TF_RETURN_IF_ERROR(CheckOutputSize(node, shape));
  HostTensor out = HostTensor::Zeros(data.dtype, shape);
  const auto src = BroadcastSourceIndex(data.shape, shape);
  for (int64_t k = 0; k < out.numel(); ++k) CopyElem(out, k, data, src[k]);
  return std::vector<HostTensor>{std::move(out)};
}

Result<std::vector<HostTensor>> EvalTile(const Node& node, const EvalInputs& in) {
  PT2TF_RETURN_IF_ERROR(Need(node, in, 2));
  const HostTensor& data = *in[0];
  const std::vector<int64_t> repeats = Ints(*in[1]);
  if (repeats.size() != data.shape.size())
    return InvalidInput(node.Describe() + ": repeats do not match the input rank");
  Dims shape = data.shape;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (repeats[d] < 0) return InvalidInput(node.Describe() + ": negative repeat");
    if (__builtin_mul_overflow(shape[d], repeats[d], &shape[d]))
      return Unsupported(node.Describe() + ": result is too large to evaluate");
  }
  PT2TF_RETURN_IF_ERROR(CheckOutputSize(node, shape));
  HostTensor out = HostTensor::Zeros(data.dtype, shape);
  const Dims in_strides = Strides(data.shape);
  std::vector<int64_t> index(shape.size(), 0);
  for (int64_t k = 0; k < out.numel(); ++k) {
    int64_t src = 0;
    for (size_t d = 0; d < shape.size(); ++d) src += (index[d] % data.shape[d]) * in_strides[d];
    CopyElem(out, k, data, src);
    for (size_t d = shape.size(); d-- > 0;) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return std::vector<HostTensor>{std::move(out)};
}

Result<std::vector<HostTensor>> EvalTranspose(const Node& node, const EvalInputs& in) {
  PT2TF_RETURN_IF_ERROR(Need(node, in, 1));
  const HostTensor& data = *in[0];
  const size_t rank = data.shape.size();
  std::vector<int64_t> perm = node.GetInts("perm");
  if (perm.empty())
    for (size_t i = 0; i < rank; ++i) perm.push_back(static_cast<int64_t>(rank - 1 - i));
  if (perm.size() != rank) return InvalidInput(node.Describe() + ": perm does not fit the input");
  const Dims in_strides = Strides(data.shape);
  Dims shape(rank), strides(rank), zero(rank, 0), one(rank, 1);
  std::vector<bool> seen(rank, false);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t p = perm[i];
    if (p < 0 || p >= static_cast<int64_t>(rank) || seen[p])
      return InvalidInput(node.Describe() + ": perm is not a permutation");
    seen[p] = true;
    shape[i] = data.shape[p];
    strides[i] = in_strides[p];
  }
  HostTensor out = HostTensor::Zeros(data.dtype, shape);
  std::vector<int64_t> index(rank, 0);
  for (int64_t k = 0; k < out.numel(); ++k) {
    int64_t src = 0;
    for (size_t d = 0; d < rank; ++d) src += index[d] * strides[d];
    CopyElem(out, k, data, src);
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return std::vector<HostTensor>{std::move(out)};
}

Result<std::vector<HostTensor>> EvalConstantOfShape(const Node& node, const EvalInputs& in) {
  PT2TF_RETURN_IF_ERROR(Need(node, in, 1));
  const Dims shape = Ints(*in[0]);
  PT2TF_RETURN_IF_ERROR(CheckOutputSize(node, shape));
  HostTensor value = HostTensor::Zeros(DType::kFloat32, {});
  if (const Attribute* a = node.FindAttr("value")) {
    if (a->type != AttrType::kTensor || a->t.numel() != 1)
      return InvalidInput(node.Describe() + ": value must be a one-element tensor");
    PT2TF_ASSIGN_OR_RETURN(value, HostTensor::FromTensor(a->t));
  }
  HostTensor out = HostTensor::Zeros(value.dtype, shape);
  for (int64_t k = 0; k < out.numel(); ++k) CopyElem(out, k, value, 0);
  return std::vector<HostTensor>{std::move(out)};
}

Result<std::vector<HostTensor>> EvalRange(const Node& node, const EvalInputs& in) {
  PT2TF_RETURN_IF_ERROR(Need(node, in, 3));
  for (size_t i = 0; i < 3; ++i)
    if (in[i]->numel() != 1) return InvalidInput(node.Describe() + ": inputs must be scalars");
  const HostTensor& start = *in[0];
  HostTensor out;
  if (start.is_float()) {
    const double s = start.f[0], l = in[1]->AsDouble(0), d = in[2]->AsDouble(0);
    if (d == 0 || !std::isfinite(s) || !std::isfinite(l))
      return InvalidInput(node.Describe() + ": delta must be non-zero and bounds finite");
    double span = l - s;
    if (start.dtype == DType::kFloat32)
      span = static_cast<float>(static_cast<float>(l) - static_cast<float>(s));
    const double count = std::ceil(span / d);
    if (!(count < static_cast<double>(kMaxEvalElements)))
      return Unsupported(node.Describe() + ": range is too long to evaluate");
    const int64_t n = std::max<int64_t>(0, static_cast<int64_t>(count));
    out = HostTensor::Zeros(start.dtype, {n});
    for (int64_t k = 0; k < n; ++k) out.f[k] = s + static_cast<double>(k) * d;
  } else {
    const int64_t s = start.i[0], l = in[1]->AsInt(0), d = in[2]->AsInt(0);
    if (d == 0) return InvalidInput(node.Describe() + ": delta must not be 0");
    int64_t span;
    if (__builtin_sub_overflow(l, s, &span))
      return Unsupported(node.Describe() + ": range is too long to evaluate");
    const int64_t n =
        std::max<int64_t>(0, span / d + ((span % d != 0) && ((span > 0) == (d > 0)) ? 1 : 0));
    PT2TF_RETURN_IF_ERROR(CheckOutputSize(node, {n}));
    out = HostTensor::Zeros(start.dtype, {n});
    for (int64_t k = 0; k < n; ++k) out.i[k] = s + k * d;
  }
  return std::vector<HostTensor>{std::move(out)};
}

Result<std::vector<HostTensor>> EvalReduce(const Node& node, const EvalInputs& in) {
  PT2TF_RETURN_IF_ERROR(Need(node, in, 1));
  const HostTensor& data = *in[0];
  const int64_t rank = static_cast<int64_t>(data.shape.size());
  std::vector<int64_t> axes = in.size() > 1 && in[1] ? Ints(*in[1]) : node.GetInts("axes");
  const bool keepdims = node.GetInt("keepdims", 1) != 0;
  if (axes.empty() && node.GetInt("noop_with_empty_axes", 0) != 0)
    return std::vector<HostTensor>{data};
  std::vector<bool> reduced(rank, axes.empty());
  for (int64_t a : axes) {
    PT2TF_ASSIGN_OR_RETURN(int64_t axis, Axis(node, a, rank));
    reduced[axis] = true;
  }
  Dims kept_shape(rank), out_shape;
  for (int64_t d = 0; d < rank; ++d) {
    kept_shape[d] = reduced[d] ? 1 : data.shape[d];
    if (!reduced[d] || keepdims) out_shape.push_back(kept_shape[d]);
  }
  const std::string& op = node.op_type;
  if ((op == "ReduceMin" || op == "ReduceMax") && data.numel() == 0)
    return Unsupported(node.Describe() + ": reduction of an empty tensor");
  HostTensor out = HostTensor::Zeros(data.dtype, out_shape);
  const int64_t n_out = out.numel();
  std::vector<double> acc_f(n_out, op == "ReduceProd" ? 1.0 : 0.0);
  std::vector<int64_t> acc_i(n_out, op == "ReduceProd" ? 1 : 0);
  std::vector<bool> started(n_out, false);
  const Dims kept_strides = Strides(kept_shape);
  std::vector<int64_t> index(rank, 0);
  for (int64_t k = 0; k < data.numel(); ++k) {
    int64_t o = 0;
    for (int64_t d = 0; d < rank; ++d)
      if (!reduced[d]) o += index[d] * kept_strides[d];
    if (data.is_float()) {
      const double v = data.f[k];
      double& a = acc_f[o];
      if (op == "ReduceSum" || op == "ReduceMean") a += v;
      if (op == "ReduceProd") a *= v;
      if (op == "ReduceMin") a = !started[o] ? v : std::min(a, v);
      if (op == "ReduceMax") a = !started[o] ? v : std::max(a, v);
    } else {
      const int64_t v = data.i[k];
      int64_t& a = acc_i[o];
      if (op == "ReduceSum" || op == "ReduceMean") a += v;
      if (op == "ReduceProd") a *= v;
      if (op == "ReduceMin") a = !started[o] ? v : std::min(a, v);
      if (op == "ReduceMax") a = !started[o] ? v : std::max(a, v);
    }
    started[o] = true;
    for (int64_t d = rank; d-- > 0;) {
      if (++index[d] < data.shape[d]) break;
      index[d] = 0;
    }
  }
  const int64_t count = n_out ? data.numel() / n_out : 0;
  for (int64_t o = 0; o < n_out; ++o) {
    if (out.is_float()) {
      out.f[o] = op == "ReduceMean" ? acc_f[o] / static_cast<double>(count) : acc_f[o];
    } else {
      if (op == "ReduceMean") return Unsupported(node.Describe() + ": integer ReduceMean");
      out.i[o] = acc_i[o];
    }
  }
  return std::vector<HostTensor>{std::move(out)};
}

}  // namespace pt2tf::ir::eval
