// Ops that keep the elements and change only the shape (Identity, Dropout, Reshape, Flatten,
// Squeeze, Unsqueeze), report it (Shape, Size), or convert a float tensor's dtype (Cast).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "ir/eval/host_tensor.h"
#include "ir/run/kernels.h"

namespace pt2tf::ir::run {
namespace {

Result<Outputs> Retag(const Node& node, const RunTensor& x, Dims shape) {
  PT2TF_ASSIGN_OR_RETURN(int64_t n, CheckedNumel(node, shape));
  if (n != x.numel())
    return InvalidInput(node.Describe() + ": cannot reshape " + ShapeToString(x.shape) + " to " +
                        ShapeToString(shape));
  RunTensor out = x;
  out.shape = std::move(shape);
  Outputs result;
  result.push_back(std::move(out));
  return result;
}

RunTensor IntVector(const Dims& values) {
  RunTensor t;
  t.dtype = DType::kInt64;
  t.shape = {static_cast<int64_t>(values.size())};
  t.i = values;
  return t;
}

}  // namespace

Result<Outputs> RunIdentity(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 1));
  const RunTensor* training = in.size() > 2 ? in[2] : nullptr;
  if (node.op_type == "Dropout" && training && training->numel() > 0 &&
      (training->is_float() ? training->f[0] != 0 : training->i[0] != 0))
    return Unsupported(node.Describe() + ": training_mode (random dropout)");
  Outputs result;
  result.push_back(*in[0]);
  if (node.op_type == "Dropout" && node.outputs.size() > 1 && node.outputs[1]) {
    // Inference: nothing dropped, the mask is all true.
    RunTensor mask = RunTensor::Zeros(DType::kBool, in[0]->shape);
    std::fill(mask.i.begin(), mask.i.end(), 1);
    result.push_back(std::move(mask));
  }
  return result;
}

Result<Outputs> RunReshape(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 2));
  const RunTensor& x = *in[0];
  Dims shape = IntValues(*in[1]);
  const bool allow_zero = node.GetInt("allowzero", 0) != 0;
  int64_t infer = -1, known = 1;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 0 && !allow_zero) {
      if (d >= x.shape.size()) return InvalidInput(node.Describe() + ": 0 past the input rank");
      shape[d] = x.shape[d];
    }
    if (shape[d] == -1) {
      if (infer >= 0) return InvalidInput(node.Describe() + ": two -1 dims");
      infer = static_cast<int64_t>(d);
    } else if (shape[d] < 0) {
      return InvalidInput(node.Describe() + ": negative dim " + std::to_string(shape[d]));
    } else {
      known *= shape[d];
    }
  }
  if (infer >= 0) {
    if (known == 0 || x.numel() % known != 0)
      return InvalidInput(node.Describe() + ": cannot reshape " + ShapeToString(x.shape) + " to " +
                          ShapeToString(shape));
    shape[infer] = x.numel() / known;
  }
  return Retag(node, x, std::move(shape));
}

Result<Outputs> RunFlatten(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 1));
  const RunTensor& x = *in[0];
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  int64_t axis = node.GetInt("axis", 1);
  if (axis < -rank || axis > rank) return InvalidInput(node.Describe() + ": axis out of range");
  if (axis < 0) axis += rank;
  return Retag(node, x, {Prod(x.shape, 0, axis), Prod(x.shape, axis, x.shape.size())});
}

Result<Outputs> RunSqueeze(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 1));
  const RunTensor& x = *in[0];
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  const Dims axes = in.size() > 1 && in[1] ? IntValues(*in[1]) : node.GetInts("axes");
  std::vector<bool> drop(rank, false);
  for (int64_t a : axes) {
    PT2TF_ASSIGN_OR_RETURN(int64_t ax, NormAxis(node, a, rank));
    if (x.shape[ax] != 1) return InvalidInput(node.Describe() + ": squeezing a dim that is not 1");
    drop[ax] = true;
  }
  Dims shape;
  for (int64_t d = 0; d < rank; ++d)
    if (!(axes.empty() ? x.shape[d] == 1 : drop[d])) shape.push_back(x.shape[d]);
  return Retag(node, x, std::move(shape));
}

Result<Outputs> RunUnsqueeze(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 1));
  const RunTensor& x = *in[0];
  const Dims axes = in.size() > 1 && in[1] ? IntValues(*in[1]) : node.GetInts("axes");
  const int64_t rank = static_cast<int64_t>(x.shape.size() + axes.size());
  std::vector<bool> added(rank, false);
  for (int64_t a : axes) {
    PT2TF_ASSIGN_OR_RETURN(int64_t ax, NormAxis(node, a, rank));
    if (added[ax]) return InvalidInput(node.Describe() + ": repeated axis");
    added[ax] = true;
  }
  Dims shape;
  size_t k = 0;
  for (int64_t d = 0; d < rank; ++d) shape.push_back(added[d] ? 1 : x.shape[k++]);
  return Retag(node, x, std::move(shape));
}

Result<Outputs> RunShape(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 1));
  const Dims& s = in[0]->shape;
  const int64_t rank = static_cast<int64_t>(s.size());
  auto clamp = [rank](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
  const int64_t start = clamp(node.GetInt("start", 0)), end = clamp(node.GetInt("end", rank));
  Outputs result;
  result.push_back(IntVector(start < end ? Dims(s.begin() + start, s.begin() + end) : Dims{}));
  return result;
}

Result<Outputs> RunSize(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 1));
  RunTensor t = IntVector({in[0]->numel()});
  t.shape = {};
  Outputs result;
  result.push_back(std::move(t));
  return result;
}

Result<Outputs> RunCast(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 1));
  const RunTensor& x = *in[0];
  const DType to = node.outputs.empty() ? DType::kFloat32 : node.outputs[0]->dtype;
  if (!eval::IsEvaluableDType(to)) return Unsupported(node.Describe() + ": cast target dtype");
  RunTensor out;
  out.dtype = to;
  out.shape = x.shape;
  if (IsFloatingPoint(to)) {
    out.f = x.f;
    if (to == DType::kFloat16)
      for (float& v : out.f) v = HalfToFloat(FloatToHalf(v));
    if (to == DType::kBFloat16)
      for (float& v : out.f) {
        const uint32_t bits = static_cast<uint32_t>(FloatToBFloat16(v)) << 16;
        std::memcpy(&v, &bits, sizeof v);
      }
  } else {
    out.i.resize(x.f.size());
    for (size_t k = 0; k < x.f.size(); ++k) {
      const float v = x.f[k];
      // Out-of-range and NaN casts are undefined in ONNX; keep them defined here.
      out.i[k] = to == DType::kBool                           ? (v != 0)
                 : std::isfinite(v) && std::fabs(v) < 9.2e18f ? static_cast<int64_t>(v)
                                                              : 0;
    }
    // Wrap to the target width as storing would.
    PT2TF_ASSIGN_OR_RETURN(Tensor t, out.ToTensor());
    PT2TF_ASSIGN_OR_RETURN(out, RunTensor::FromTensor(t));
  }
  Outputs result;
  result.push_back(std::move(out));
  return result;
}

}  // namespace pt2tf::ir::run
