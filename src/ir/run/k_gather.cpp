// Data movement with index arithmetic, for any dtype: Transpose, Concat, Split, Slice,
// Gather, Pad. Each is written once over the element vector (float or int64) it moves.
#include <algorithm>
#include <type_traits>

#include "ir/run/kernels.h"

namespace pt2tf::ir::run {
namespace {

// fn(src_vector, dst_vector) on the float or the integer storage of `src` / `dst`.
template <typename Fn>
void Move(const RunTensor& src, RunTensor& dst, Fn fn) {
  dst.dtype = src.dtype;
  if (src.is_float())
    fn(src.f, dst.f);
  else
    fn(src.i, dst.i);
}

// The element vector of `t` holding T.
template <typename T>
const std::vector<T>& Data(const RunTensor& t) {
  if constexpr (std::is_same_v<T, float>)
    return t.f;
  else
    return t.i;
}

// Copies out[o] = in[Σ index[d]·strides[d] + base] over `shape`, innermost dim a plain loop.
template <typename T>
void StridedCopy(const std::vector<T>& in, int64_t base, const Dims& strides, const Dims& shape,
                 std::vector<T>& out) {
  const int64_t n = Prod(shape, 0, shape.size());
  out.resize(static_cast<size_t>(n));
  if (n == 0) return;
  if (shape.empty()) {
    out[0] = in[base];
    return;
  }
  const size_t rank = shape.size();
  const int64_t inner = shape.back(), step = strides.back();
  Dims index(rank, 0);
  int64_t src = base, o = 0;
  while (o < n) {
    for (int64_t q = 0; q < inner; ++q) out[o++] = in[src + q * step];
    size_t d = rank - 1;
    for (; d-- > 0;) {
      src += strides[d];
      if (++index[d] < shape[d]) break;
      src -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
}

}  // namespace

Result<Outputs> RunTranspose(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 1));
  const RunTensor& x = *in[0];
  const size_t rank = x.shape.size();
  Dims perm = node.GetInts("perm");
  if (perm.empty())
    for (size_t d = 0; d < rank; ++d) perm.push_back(static_cast<int64_t>(rank - 1 - d));
  if (perm.size() != rank) return InvalidInput(node.Describe() + ": perm does not fit the input");
  const Dims own = StridesOf(x.shape);
  Dims shape(rank), strides(rank);
  std::vector<bool> seen(rank, false);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t p = perm[d];
    if (p < 0 || p >= static_cast<int64_t>(rank) || seen[p])
      return InvalidInput(node.Describe() + ": perm is not a permutation");
    seen[p] = true;
    shape[d] = x.shape[p];
    strides[d] = own[p];
  }
  RunTensor out;
  out.shape = shape;
  Move(x, out, [&](const auto& s, auto& d) { StridedCopy(s, 0, strides, shape, d); });
  Outputs result;
  result.push_back(std::move(out));
  return result;
}

Result<Outputs> RunConcat(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 1));
  const RunTensor& first = *in[0];
  const int64_t rank = static_cast<int64_t>(first.shape.size());
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, NormAxis(node, node.GetInt("axis", 0), rank));
  Dims shape = first.shape;
  shape[axis] = 0;
  for (const RunTensor* t : in) {
    if (!t || t->shape.size() != first.shape.size() || t->is_float() != first.is_float())
      return InvalidInput(node.Describe() + ": inputs differ in rank or dtype");
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && t->shape[d] != first.shape[d])
        return InvalidInput(node.Describe() + ": input shapes " + ShapeToString(first.shape) +
                            " and " + ShapeToString(t->shape) + " differ off the axis");
    shape[axis] += t->shape[axis];
  }
  PT2TF_ASSIGN_OR_RETURN(int64_t n, CheckedNumel(node, shape));
  const int64_t outer = Prod(shape, 0, axis), inner = Prod(shape, axis + 1, shape.size());
  RunTensor out;
  out.shape = shape;
  Move(first, out, [&](const auto&, auto& dst) {
    dst.resize(static_cast<size_t>(n));
    int64_t offset = 0;
    for (const RunTensor* t : in) {
      const auto& src = Data<typename std::decay_t<decltype(dst)>::value_type>(*t);
      const int64_t block = t->shape[axis] * inner, row = shape[axis] * inner;
      for (int64_t a = 0; a < outer; ++a)
        std::copy(src.begin() + a * block, src.begin() + (a + 1) * block,
                  dst.begin() + a * row + offset);
      offset += block;
    }
  });
  Outputs result;
  result.push_back(std::move(out));
  return result;
}

Result<Outputs> RunSplit(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 1));
  const RunTensor& x = *in[0];
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, NormAxis(node, node.GetInt("axis", 0), rank));
  const int64_t len = x.shape[axis];
  Dims sizes = in.size() > 1 && in[1] ? IntValues(*in[1]) : node.GetInts("split");
  if (sizes.empty()) {
    const int64_t parts = node.GetInt("num_outputs", static_cast<int64_t>(node.outputs.size()));
    if (parts <= 0) return InvalidInput(node.Describe() + ": no outputs");
    const int64_t chunk = (len + parts - 1) / parts;
    for (int64_t p = 0, left = len; p < parts; ++p, left -= chunk)
      sizes.push_back(std::max<int64_t>(0, std::min(chunk, left)));
  }
  int64_t sum = 0;
  for (int64_t s : sizes) {
    if (s < 0) return InvalidInput(node.Describe() + ": negative split size");
    sum += s;
  }
  if (sum != len || sizes.size() != node.outputs.size())
    return InvalidInput(node.Describe() + ": split sizes do not fit dim " + std::to_string(len));
  const int64_t outer = Prod(x.shape, 0, axis), inner = Prod(x.shape, axis + 1, x.shape.size());
  Outputs result;
  int64_t offset = 0;
  for (int64_t s : sizes) {
    RunTensor out;
    out.shape = x.shape;
    out.shape[axis] = s;
    Move(x, out, [&](const auto& src, auto& dst) {
      dst.resize(static_cast<size_t>(outer * s * inner));
      for (int64_t a = 0; a < outer; ++a)
        std::copy(src.begin() + (a * len + offset) * inner,
                  src.begin() + (a * len + offset + s) * inner, dst.begin() + a * s * inner);
    });
    offset += s;
    result.push_back(std::move(out));
  }
  return result;
}

Result<Outputs> RunSlice(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 3));
  const RunTensor& x = *in[0];
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  const Dims starts = IntValues(*in[1]), ends = IntValues(*in[2]);
  Dims axes;
  if (in.size() > 3 && in[3])
    axes = IntValues(*in[3]);
  else
    for (size_t k = 0; k < starts.size(); ++k) axes.push_back(static_cast<int64_t>(k));
  const Dims steps = in.size() > 4 && in[4] ? IntValues(*in[4]) : Dims(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    return InvalidInput(node.Describe() + ": starts/ends/axes/steps lengths differ");
  Dims begin(rank, 0), step(rank, 1), shape = x.shape;
  for (size_t k = 0; k < starts.size(); ++k) {
    PT2TF_ASSIGN_OR_RETURN(int64_t a, NormAxis(node, axes[k], rank));
    const int64_t dim = x.shape[a], st = steps[k];
    if (st == 0) return InvalidInput(node.Describe() + ": step 0");
    auto norm = [dim](int64_t v) { return v < 0 ? v + dim : v; };
    int64_t s = norm(starts[k]), e = norm(ends[k]);
    if (st > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      shape[a] = e > s ? (e - s + st - 1) / st : 0;
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      shape[a] = s > e ? (s - e - st - 1) / -st : 0;
    }
    begin[a] = s;
    step[a] = st;
  }
  const Dims own = StridesOf(x.shape);
  Dims strides(rank);
  int64_t base = 0;
  for (int64_t d = 0; d < rank; ++d) {
    strides[d] = own[d] * step[d];
    if (shape[d] > 0) base += begin[d] * own[d];
  }
  RunTensor out;
  out.shape = shape;
  Move(x, out, [&](const auto& s, auto& d) { StridedCopy(s, base, strides, shape, d); });
  Outputs result;
  result.push_back(std::move(out));
  return result;
}

Result<Outputs> RunGather(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 2));
  const RunTensor& x = *in[0];
  const RunTensor& idx = *in[1];
  if (idx.is_float()) return InvalidInput(node.Describe() + ": float indices");
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, NormAxis(node, node.GetInt("axis", 0), rank));
  const int64_t len = x.shape[axis];
  Dims shape(x.shape.begin(), x.shape.begin() + axis);
  shape.insert(shape.end(), idx.shape.begin(), idx.shape.end());
  shape.insert(shape.end(), x.shape.begin() + axis + 1, x.shape.end());
  PT2TF_ASSIGN_OR_RETURN(int64_t n, CheckedNumel(node, shape));
  std::vector<int64_t> indices = idx.i;
  for (int64_t& v : indices) {
    if (v < -len || v >= len)
      return InvalidInput(node.Describe() + ": index " + std::to_string(v) + " out of range");
    if (v < 0) v += len;
  }
  const int64_t outer = Prod(x.shape, 0, axis), inner = Prod(x.shape, axis + 1, x.shape.size());
  const int64_t count = static_cast<int64_t>(indices.size());
  RunTensor out;
  out.shape = shape;
  Move(x, out, [&](const auto& src, auto& dst) {
    dst.resize(static_cast<size_t>(n));
    for (int64_t a = 0; a < outer; ++a)
      for (int64_t j = 0; j < count; ++j)
        std::copy(src.begin() + (a * len + indices[j]) * inner,
                  src.begin() + (a * len + indices[j] + 1) * inner,
                  dst.begin() + (a * count + j) * inner);
  });
  Outputs result;
  result.push_back(std::move(out));
  return result;
}

Result<Outputs> RunPad(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 1));
  const RunTensor& x = *in[0];
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  const Dims given = in.size() > 1 && in[1] ? IntValues(*in[1]) : node.GetInts("pads");
  Dims axes;
  if (in.size() > 3 && in[3])
    axes = IntValues(*in[3]);
  else
    for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
  if (given.size() != 2 * axes.size())
    return InvalidInput(node.Describe() + ": pads do not fit the axes");
  Dims lo(rank, 0), hi(rank, 0);
  for (size_t k = 0; k < axes.size(); ++k) {
    PT2TF_ASSIGN_OR_RETURN(int64_t a, NormAxis(node, axes[k], rank));
    lo[a] = given[k];
    hi[a] = given[k + axes.size()];
  }
  const std::string mode = node.GetString("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap")
    return Unsupported(node.Describe() + ": mode '" + mode + "'");
  Dims shape(rank);
  for (int64_t d = 0; d < rank; ++d) {
    shape[d] = x.shape[d] + lo[d] + hi[d];
    if (shape[d] < 0) return InvalidInput(node.Describe() + ": pads crop below zero");
    if (mode != "constant" && x.shape[d] == 0 && shape[d] > 0)
      return InvalidInput(node.Describe() + ": " + mode + " padding of an empty dim");
  }
  PT2TF_ASSIGN_OR_RETURN(int64_t n, CheckedNumel(node, shape));
  const RunTensor* cv = in.size() > 2 ? in[2] : nullptr;
  const double value =
      cv && cv->numel() > 0 ? (cv->is_float() ? cv->f[0] : cv->i[0]) : node.GetFloat("value", 0.0f);
  const Dims own = StridesOf(x.shape);
  RunTensor out;
  out.shape = shape;
  Move(x, out, [&](const auto& src, auto& dst) {
    using T = typename std::decay_t<decltype(dst)>::value_type;
    dst.assign(static_cast<size_t>(n), static_cast<T>(value));
    Dims index(rank, 0);
    for (int64_t o = 0; o < n; ++o) {
      int64_t s = 0;
      bool inside = true;
      for (int64_t d = 0; d < rank && inside; ++d) {
        int64_t c = index[d] - lo[d];
        const int64_t len = x.shape[d];
        if (c < 0 || c >= len) {
          if (mode == "constant") {
            inside = false;
            break;
          }
          if (mode == "edge") c = std::clamp<int64_t>(c, 0, len - 1);
          if (mode == "wrap") c = ((c % len) + len) % len;
          if (mode == "reflect") {
            if (len == 1) {
              c = 0;
            } else {
              const int64_t period = 2 * (len - 1);
              c = ((c % period) + period) % period;
              if (c >= len) c = period - c;
            }
          }
        }
        s += c * own[d];
      }
      if (inside) dst[o] = src[s];
      for (int64_t d = rank; d-- > 0;) {
        if (++index[d] < shape[d]) break;
        index[d] = 0;
      }
    }
  });
  Outputs result;
  result.push_back(std::move(out));
  return result;
}

}  // namespace pt2tf::ir::run
