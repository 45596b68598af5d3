// Reductions (ReduceMean/Sum/Max/Min/Prod/L2/SumSquare over any axes, accumulated in
// double), Softmax/LogSoftmax over one axis, ArgMax/ArgMin.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ir/run/kernels.h"

namespace pt2tf::ir::run {
namespace {

// outer × axis × inner view of `shape` around `axis`.
struct Around {
  int64_t outer, len, inner;
};
Around Split3(const Dims& shape, int64_t axis) {
  return {Prod(shape, 0, axis), shape[axis], Prod(shape, axis + 1, shape.size())};
}

}  // namespace

Result<Outputs> RunReduce(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 1));
  const RunTensor& x = *in[0];
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  Dims axes = in.size() > 1 && in[1] ? IntValues(*in[1]) : node.GetInts("axes");
  const bool keep = node.GetInt("keepdims", 1) != 0;
  std::vector<bool> reduced(rank, false);
  if (axes.empty()) {
    if (node.GetInt("noop_with_empty_axes", 0) != 0) {
      Outputs result;
      result.push_back(x);
      return result;
    }
    reduced.assign(rank, true);
  }
  for (int64_t a : axes) {
    PT2TF_ASSIGN_OR_RETURN(int64_t ax, NormAxis(node, a, rank));
    reduced[ax] = true;
  }
  Dims out_shape, kept_shape;  // kept_shape: the output with reduced dims as 1
  for (int64_t d = 0; d < rank; ++d) {
    kept_shape.push_back(reduced[d] ? 1 : x.shape[d]);
    if (!reduced[d] || keep) out_shape.push_back(reduced[d] ? 1 : x.shape[d]);
  }
  const std::string& op = node.op_type;
  const int64_t n_out = Prod(kept_shape, 0, kept_shape.size());
  const bool is_max = op == "ReduceMax", is_min = op == "ReduceMin", is_prod = op == "ReduceProd";
  const double init = is_max    ? -std::numeric_limits<double>::infinity()
                      : is_min  ? std::numeric_limits<double>::infinity()
                      : is_prod ? 1.0
                                : 0.0;
  std::vector<double> acc(static_cast<size_t>(n_out), init);
  const Dims os = BroadcastStrides(kept_shape, x.shape);  // 0 on reduced dims
  Dims index(rank, 0);
  int64_t o = 0;
  const int64_t n_in = x.numel();
  const bool square = op == "ReduceL2" || op == "ReduceSumSquare";
  for (int64_t k = 0; k < n_in; ++k) {
    const double v = x.f[k];
    double& a = acc[o];
    if (is_max)
      a = std::isnan(v) ? v : std::max(a, v);
    else if (is_min)
      a = std::isnan(v) ? v : std::min(a, v);
    else if (is_prod)
      a *= v;
    else
      a += square ? v * v : v;
    for (int64_t d = rank; d-- > 0;) {
      o += os[d];
      if (++index[d] < x.shape[d]) break;
      o -= os[d] * x.shape[d];
      index[d] = 0;
    }
  }
  const double count = n_out > 0 ? static_cast<double>(n_in) / static_cast<double>(n_out) : 0;
  RunTensor out;
  out.shape = out_shape;
  out.f.resize(acc.size());
  for (size_t k = 0; k < acc.size(); ++k) {
    double v = acc[k];
    if (op == "ReduceMean") v /= count;
    if (op == "ReduceL2") v = std::sqrt(v);
    out.f[k] = static_cast<float>(v);
  }
  Outputs result;
  result.push_back(std::move(out));
  return result;
}

Result<Outputs> RunSoftmax(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 1));
  const RunTensor& x = *in[0];
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  if (rank == 0) return InvalidInput(node.Describe() + ": scalar input");
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, NormAxis(node, node.GetInt("axis", -1), rank));
  const Around g = Split3(x.shape, axis);
  const bool log = node.op_type == "LogSoftmax";
  RunTensor out;
  out.shape = x.shape;
  out.f.resize(x.f.size());
  for (int64_t a = 0; a < g.outer; ++a)
    for (int64_t b = 0; b < g.inner; ++b) {
      const float* src = x.f.data() + a * g.len * g.inner + b;
      float* dst = out.f.data() + a * g.len * g.inner + b;
      float m = -std::numeric_limits<float>::infinity();
      for (int64_t k = 0; k < g.len; ++k) m = std::max(m, src[k * g.inner]);
      double s = 0;
      for (int64_t k = 0; k < g.len; ++k) s += std::exp(static_cast<double>(src[k * g.inner] - m));
      for (int64_t k = 0; k < g.len; ++k) {
        const double z = static_cast<double>(src[k * g.inner] - m);
        dst[k * g.inner] = static_cast<float>(log ? z - std::log(s) : std::exp(z) / s);
      }
    }
  Outputs result;
  result.push_back(std::move(out));
  return result;
}

Result<Outputs> RunArgMinMax(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 1));
  const RunTensor& x = *in[0];
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  if (rank == 0) return InvalidInput(node.Describe() + ": scalar input");
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, NormAxis(node, node.GetInt("axis", 0), rank));
  const bool keep = node.GetInt("keepdims", 1) != 0;
  const bool last = node.GetInt("select_last_index", 0) != 0;
  const bool is_max = node.op_type == "ArgMax";
  const Around g = Split3(x.shape, axis);
  if (g.len == 0) return InvalidInput(node.Describe() + ": empty reduction axis");
  Dims shape = x.shape;
  if (keep)
    shape[axis] = 1;
  else
    shape.erase(shape.begin() + axis);
  RunTensor out = RunTensor::Zeros(DType::kInt64, shape);
  for (int64_t a = 0; a < g.outer; ++a)
    for (int64_t b = 0; b < g.inner; ++b) {
      const float* src = x.f.data() + a * g.len * g.inner + b;
      int64_t best = 0;
      for (int64_t k = 1; k < g.len; ++k) {
        const float v = src[k * g.inner], cur = src[best * g.inner];
        const bool better = is_max ? (last ? v >= cur : v > cur) : (last ? v <= cur : v < cur);
        if (better) best = k;
      }
      out.i[a * g.inner + b] = best;
    }
  Outputs result;
  result.push_back(std::move(out));
  return result;
}

}  // namespace pt2tf::ir::run
