// Broadcasting elementwise float ops: arithmetic, PRelu, comparisons (bool results), the
// variadic Max/Min/Sum/Mean, and Where.
#include <algorithm>
#include <cmath>

#include "ir/run/kernels.h"

namespace pt2tf::ir::run {
namespace {

// Calls fn(out_index, a_index, b_index) for every element of `out`, a and b broadcast to it.
// The innermost dim is a plain loop with constant strides so the callers' bodies vectorise.
template <typename Fn>
void ForEachBroadcast(const Dims& out, const Dims& a, const Dims& b, Fn fn) {
  const Dims sa = BroadcastStrides(a, out), sb = BroadcastStrides(b, out);
  const size_t rank = out.size();
  if (rank == 0) {
    fn(0, 0, 0);
    return;
  }
  const int64_t inner = out.back(), ia = sa.back(), ib = sb.back();
  const int64_t outer = Prod(out, 0, rank - 1);
  Dims index(rank - 1, 0);
  int64_t oa = 0, ob = 0;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t q = 0; q < inner; ++q) fn(o * inner + q, oa + q * ia, ob + q * ib);
    for (size_t d = rank - 1; d-- > 0;) {
      oa += sa[d];
      ob += sb[d];
      if (++index[d] < out[d]) break;
      oa -= sa[d] * out[d];
      ob -= sb[d] * out[d];
      index[d] = 0;
    }
  }
}

enum class BinOp { kAdd, kSub, kMul, kDiv, kPow, kPRelu, kEq, kLt, kLe, kGt, kGe, kMax, kMin };

Result<BinOp> ParseOp(const Node& node) {
  static const std::pair<std::string_view, BinOp> kOps[] = {
      {"Add", BinOp::kAdd},    {"Sub", BinOp::kSub},           {"Mul", BinOp::kMul},
      {"Div", BinOp::kDiv},    {"Pow", BinOp::kPow},           {"PRelu", BinOp::kPRelu},
      {"Equal", BinOp::kEq},   {"Less", BinOp::kLt},           {"LessOrEqual", BinOp::kLe},
      {"Greater", BinOp::kGt}, {"GreaterOrEqual", BinOp::kGe}, {"Max", BinOp::kMax},
      {"Min", BinOp::kMin},    {"Sum", BinOp::kAdd},           {"Mean", BinOp::kAdd}};
  for (const auto& [name, op] : kOps)
    if (name == node.op_type) return op;
  return InternalError(node.Describe() + ": no binary op");
}

bool IsComparison(BinOp op) {
  return op == BinOp::kEq || op == BinOp::kLt || op == BinOp::kLe || op == BinOp::kGt ||
         op == BinOp::kGe;
}

template <BinOp kOp>
float Apply(float a, float b) {
  if constexpr (kOp == BinOp::kAdd) return a + b;
  if constexpr (kOp == BinOp::kSub) return a - b;
  if constexpr (kOp == BinOp::kMul) return a * b;
  if constexpr (kOp == BinOp::kDiv) return a / b;
  if constexpr (kOp == BinOp::kPow) return std::pow(a, b);
  if constexpr (kOp == BinOp::kPRelu) return a >= 0 ? a : a * b;
  if constexpr (kOp == BinOp::kMax) return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b);
  if constexpr (kOp == BinOp::kMin) return std::isnan(a) || std::isnan(b) ? NAN : std::min(a, b);
  return 0;
}

template <BinOp kOp>
void FloatLoop(const RunTensor& a, const RunTensor& b, RunTensor& out) {
  const float* pa = a.f.data();
  const float* pb = b.f.data();
  float* po = out.f.data();
  if (a.shape == b.shape) {
    for (size_t k = 0; k < out.f.size(); ++k) po[k] = Apply<kOp>(pa[k], pb[k]);
    return;
  }
  ForEachBroadcast(out.shape, a.shape, b.shape,
                   [&](int64_t o, int64_t ia, int64_t ib) { po[o] = Apply<kOp>(pa[ia], pb[ib]); });
}

// out = a (op) b for float a, b (out float, or bool for comparisons).
Result<RunTensor> Binary(const Node& node, BinOp op, const RunTensor& a, const RunTensor& b) {
  if (!a.is_float() || !b.is_float())
    return Unsupported(node.Describe() + ": mixed float and integer inputs");
  PT2TF_ASSIGN_OR_RETURN(Dims shape, Broadcast(node, a.shape, b.shape));
  PT2TF_ASSIGN_OR_RETURN(int64_t n, CheckedNumel(node, shape));
  RunTensor out;
  out.shape = shape;
  if (IsComparison(op)) {
    out.dtype = DType::kBool;
    out.i.resize(static_cast<size_t>(n));
    ForEachBroadcast(shape, a.shape, b.shape, [&](int64_t o, int64_t ia, int64_t ib) {
      const float x = a.f[ia], y = b.f[ib];
      bool r = false;
      switch (op) {
        case BinOp::kEq:
          r = x == y;
          break;
        case BinOp::kLt:
          r = x < y;
          break;
        case BinOp::kLe:
          r = x <= y;
          break;
        case BinOp::kGt:
          r = x > y;
          break;
        default:
          r = x >= y;
          break;
      }
      out.i[o] = r;
    });
    return out;
  }
  out.f.resize(static_cast<size_t>(n));
  switch (op) {
    case BinOp::kAdd:
      FloatLoop<BinOp::kAdd>(a, b, out);
      break;
    case BinOp::kSub:
      FloatLoop<BinOp::kSub>(a, b, out);
      break;
    case BinOp::kMul:
      FloatLoop<BinOp::kMul>(a, b, out);
      break;
    case BinOp::kDiv:
      FloatLoop<BinOp::kDiv>(a, b, out);
      break;
    case BinOp::kPow:
      FloatLoop<BinOp::kPow>(a, b, out);
      break;
    case BinOp::kPRelu:
      FloatLoop<BinOp::kPRelu>(a, b, out);
      break;
    case BinOp::kMax:
      FloatLoop<BinOp::kMax>(a, b, out);
      break;
    case BinOp::kMin:
      FloatLoop<BinOp::kMin>(a, b, out);
      break;
    default:
      return InternalError(node.Describe() + ": unexpected op");
  }
  return out;
}

}  // namespace

Result<Outputs> RunBinary(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 2));
  PT2TF_ASSIGN_OR_RETURN(BinOp op, ParseOp(node));
  // Pow's exponent may be an integer tensor: compute it as float.
  RunTensor exponent;
  const RunTensor* b = in[1];
  if (!b->is_float()) {
    exponent = RunTensor::Floats(b->shape, std::vector<float>(b->i.begin(), b->i.end()));
    b = &exponent;
  }
  PT2TF_ASSIGN_OR_RETURN(RunTensor out, Binary(node, op, *in[0], *b));
  Outputs result;
  result.push_back(std::move(out));
  return result;
}

Result<Outputs> RunVariadic(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 1));
  PT2TF_ASSIGN_OR_RETURN(BinOp op, ParseOp(node));
  for (const RunTensor* t : in)
    if (!t) return InvalidInput(node.Describe() + ": omitted input");
  RunTensor acc = *in[0];
  for (size_t k = 1; k < in.size(); ++k) {
    PT2TF_ASSIGN_OR_RETURN(acc, Binary(node, op, acc, *in[k]));
  }
  if (node.op_type == "Mean")
    for (float& v : acc.f) v /= static_cast<float>(in.size());
  Outputs result;
  result.push_back(std::move(acc));
  return result;
}

Result<Outputs> RunWhere(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 3));
  const RunTensor& c = *in[0];
  const RunTensor& x = *in[1];
  const RunTensor& y = *in[2];
  if (c.is_float() || !y.is_float())
    return Unsupported(node.Describe() + ": Where needs a bool condition and float values");
  PT2TF_ASSIGN_OR_RETURN(Dims xy, Broadcast(node, x.shape, y.shape));
  PT2TF_ASSIGN_OR_RETURN(Dims shape, Broadcast(node, c.shape, xy));
  PT2TF_ASSIGN_OR_RETURN(int64_t n, CheckedNumel(node, shape));
  RunTensor out;
  out.shape = shape;
  out.f.resize(static_cast<size_t>(n));
  const Dims sc = BroadcastStrides(c.shape, shape), sx = BroadcastStrides(x.shape, shape),
             sy = BroadcastStrides(y.shape, shape);
  Dims index(shape.size(), 0);
  for (int64_t o = 0; o < n; ++o) {
    int64_t ic = 0, ix = 0, iy = 0;
    for (size_t d = 0; d < shape.size(); ++d) {
      ic += index[d] * sc[d];
      ix += index[d] * sx[d];
      iy += index[d] * sy[d];
    }
    out.f[o] = c.i[ic] ? x.f[ix] : y.f[iy];
    for (size_t d = shape.size(); d-- > 0;) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  Outputs result;
  result.push_back(std::move(out));
  return result;
}

}  // namespace pt2tf::ir::run
