// Evaluator kernels for elementwise ops: unary math, broadcasting binary arithmetic and
// comparisons, variadic Min/Max/Sum/Mean, Where, Cast.
#include <cmath>
#include <string>

#include "ir/eval/evaluator.h"

namespace pt2tf::ir::eval {
namespace {

Status Missing(const Node& node, size_t i) {
  return InvalidInput(node.Describe() + ": input " + std::to_string(i) + " is missing");
}

Status CheckInputs(const Node& node, const EvalInputs& in, size_t count) {
  if (in.size() < count) return InvalidInput(node.Describe() + ": too few inputs");
  for (size_t i = 0; i < count; ++i)
    if (!in[i]) return Missing(node, i);
  return OkStatus();
}

// Wrapping int64 arithmetic (ONNX integer ops wrap; signed overflow is UB in C++).
int64_t WrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
int64_t WrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
int64_t WrapMul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

enum class BinOp {
  kMod,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kPow,
  kEq,
  kLt,
  kLe,
  kGt,
  kGe,
  kAnd,
  kOr,
  kXor,
  kMin,
  kMax
};

std::optional<BinOp> ParseBinOp(const std::string& op) {
  static const std::pair<const char*, BinOp> kOps[] = {
      {"Add", BinOp::kAdd},    {"Sub", BinOp::kSub},           {"Mul", BinOp::kMul},
      {"Div", BinOp::kDiv},    {"Mod", BinOp::kMod},           {"Pow", BinOp::kPow},
      {"Equal", BinOp::kEq},   {"Less", BinOp::kLt},           {"LessOrEqual", BinOp::kLe},
      {"Greater", BinOp::kGt}, {"GreaterOrEqual", BinOp::kGe}, {"And", BinOp::kAnd},
      {"Or", BinOp::kOr},      {"Xor", BinOp::kXor},           {"Min", BinOp::kMin},
      {"Max", BinOp::kMax},    {"Sum", BinOp::kAdd},           {"Mean", BinOp::kAdd},
  };
  for (const auto& [name, op_enum] : kOps)
    if (op == name) return op_enum;
  return std::nullopt;
}

bool IsComparison(BinOp op) {
  return op == BinOp::kEq || op == BinOp::kLt || op == BinOp::kLe || op == BinOp::kGt ||
         op == BinOp::kGe || op == BinOp::kAnd || op == BinOp::kOr || op == BinOp::kXor;
}

double ApplyFloat(BinOp op, double a, double b) {
  switch (op) {
    case BinOp::kAdd:
      return a + b;
    case BinOp::kSub:
      return a - b;
    case BinOp::kMul:
      return a * b;
    case BinOp::kDiv:
      return a / b;
    case BinOp::kMod:  // float Mod requires fmod=1: the sign of the dividend
      return std::fmod(a, b);
    case BinOp::kPow:
      return std::pow(a, b);
    case BinOp::kEq:
      return a == b;
    case BinOp::kLt:
      return a < b;
    case BinOp::kLe:
      return a <= b;
    case BinOp::kGt:
      return a > b;
    case BinOp::kGe:
      return a >= b;
    case BinOp::kAnd:
      return (a != 0) && (b != 0);
    case BinOp::kOr:
      return (a != 0) || (b != 0);
    case BinOp::kXor:
      return (a != 0) != (b != 0);
    case BinOp::kMin:
      return std::isnan(a) || std::isnan(b) ? NAN : std::min(a, b);
    case BinOp::kMax:
      return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b);
  }
  return 0;
}

Result<int64_t> ApplyInt(const Node& node, BinOp op, int64_t a, int64_t b) {
  switch (op) {
    case BinOp::kAdd:
      return WrapAdd(a, b);
    case BinOp::kSub:
      return WrapSub(a, b);
    case BinOp::kMul:
      return WrapMul(a, b);
    case BinOp::kDiv:
      if (b == 0) return Unsupported(node.Describe() + ": integer division by zero");
      // Truncates toward zero, as ONNX Runtime does (numpy and TF floor instead).
      if (a == INT64_MIN && b == -1) return Unsupported(node.Describe() + ": division overflow");
      return a / b;
    case BinOp::kMod: {
      if (b == 0) return Unsupported(node.Describe() + ": integer modulo by zero");
      if (b == -1) return int64_t{0};
      const int64_t r = a % b;  // sign of the dividend (fmod=1)
      // fmod=0 (the default): the result takes the sign of the divisor, as in Python.
      if (node.GetInt("fmod", 0) == 0 && r != 0 && ((r < 0) != (b < 0))) return r + b;
      return r;
    }
    case BinOp::kPow:
      return static_cast<int64_t>(std::pow(static_cast<double>(a), b));
    case BinOp::kEq:
      return a == b;
    case BinOp::kLt:
      return a < b;
    case BinOp::kLe:
      return a <= b;
    case BinOp::kGt:
      return a > b;
    case BinOp::kGe:
      return a >= b;
    case BinOp::kAnd:
      return (a != 0) && (b != 0);
    case BinOp::kOr:
      return (a != 0) || (b != 0);
    case BinOp::kXor:
      return (a != 0) != (b != 0);
    case BinOp::kMin:
      return std::min(a, b);
    case BinOp::kMax:
      return std::max(a, b);
  }
  return 0;
}

// out = a (op) b with broadcasting; the computation domain follows a's dtype (Pow's exponent
// may differ in dtype and is read as double).
Result<HostTensor> Broadcast2(const Node& node, BinOp op, const HostTensor& a,
                              const HostTensor& b) {
  if (op != BinOp::kPow && a.dtype != b.dtype)
    return InvalidInput(node.Describe() + ": input dtypes differ (" +
                        std::string(TorchName(a.dtype)) + " vs " + std::string(TorchName(b.dtype)) +
                        ")");
  PT2TF_ASSIGN_OR_RETURN(Dims shape, BroadcastShape(node, a.shape, b.shape));
  const DType out_dtype = IsComparison(op) ? DType::kBool : a.dtype;
  HostTensor out = HostTensor::Zeros(out_dtype, shape);
  const auto ia = BroadcastSourceIndex(a.shape, shape), ib = BroadcastSourceIndex(b.shape, shape);
  const int64_t n = out.numel();
  // Compare floats as floats even though the result is bool.
  const bool float_domain = a.is_float();
  for (int64_t k = 0; k < n; ++k) {
    if (float_domain) {
      const double v = ApplyFloat(op, a.f[ia[k]], b.AsDouble(ib[k]));
      if (out.is_float()) {
        out.f[k] = v;
      } else {
        out.i[k] = static_cast<int64_t>(v);
      }
    } else if (op == BinOp::kPow) {
      const double v = std::pow(static_cast<double>(a.i[ia[k]]), b.AsDouble(ib[k]));
      if (!std::isfinite(v) || std::fabs(v) >= 9.2e18)
        return Unsupported(node.Describe() + ": integer power overflows");
      out.i[k] = static_cast<int64_t>(v);
    } else {
      PT2TF_ASSIGN_OR_RETURN(out.i[k], ApplyInt(node, op, a.i[ia[k]], b.i[ib[k]]));
    }
  }
  return out;
}

}  // namespace

Result<std::vector<HostTensor>> EvalUnary(const Node& node, const EvalInputs& in) {
  PT2TF_RETURN_IF_ERROR(CheckInputs(node, in, 1));
  HostTensor out = *in[0];
  const std::string& op = node.op_type;
  if (op == "Identity") return std::vector<HostTensor>{out};
  if (op == "Not") {
    if (out.dtype != DType::kBool) return InvalidInput(node.Describe() + ": input must be bool");
    for (auto& v : out.i) v = !v;
    return std::vector<HostTensor>{out};
  }
  if (!out.is_float()) {
    // Integer forms of the ops that have one; the rest are float-only in ONNX.
    for (auto& v : out.i) {
      if (op == "Neg") {
        v = WrapSub(0, v);
      } else if (op == "Abs") {
        v = v < 0 ? WrapSub(0, v) : v;
      } else if (op == "Sign") {
        v = (v > 0) - (v < 0);
      } else if (op == "Relu") {
        v = std::max<int64_t>(v, 0);
      } else if (op != "Floor" && op != "Ceil" && op != "Round") {
        return Unsupported(node.Describe() + ": no integer kernel");
      }
    }
    return std::vector<HostTensor>{out};
  }
  for (auto& v : out.f) {
    if (op == "Abs") {
      v = std::fabs(v);
    } else if (op == "Ceil") {
      v = std::ceil(v);
    } else if (op == "Erf") {
      v = std::erf(v);
    } else if (op == "Exp") {
      v = std::exp(v);
    } else if (op == "Floor") {
      v = std::floor(v);
    } else if (op == "Log") {
      v = std::log(v);
    } else if (op == "Neg") {
      v = -v;
    } else if (op == "Reciprocal") {
      v = 1.0 / v;
    } else if (op == "Relu") {
      v = v > 0 ? v : 0.0;
    } else if (op == "Round") {
      v = std::nearbyint(v);  // ties to even under the default rounding mode
    } else if (op == "Sigmoid") {
      v = 1.0 / (1.0 + std::exp(-v));
    } else if (op == "Sign") {
      v = std::isnan(v) ? v : static_cast<double>((v > 0) - (v < 0));
    } else if (op == "Sqrt") {
      v = std::sqrt(v);
    } else if (op == "Tanh") {
      v = std::tanh(v);
    } else {
      return Unsupported(node.Describe() + ": no kernel");
    }
  }
  return std::vector<HostTensor>{out};
}

Result<std::vector<HostTensor>> EvalBinary(const Node& node, const EvalInputs& in) {
  PT2TF_RETURN_IF_ERROR(CheckInputs(node, in, 2));
  auto op = ParseBinOp(node.op_type);
  if (!op) return Unsupported(node.Describe() + ": no kernel");
  PT2TF_ASSIGN_OR_RETURN(HostTensor out, Broadcast2(node, *op, *in[0], *in[1]));
  return std::vector<HostTensor>{std::move(out)};
}

Result<std::vector<HostTensor>> EvalVariadic(const Node& node, const EvalInputs& in) {
  PT2TF_RETURN_IF_ERROR(CheckInputs(node, in, in.size()));
  if (in.empty()) return InvalidInput(node.Describe() + ": needs at least one input");
  auto op = ParseBinOp(node.op_type);
  if (!op) return Unsupported(node.Describe() + ": no kernel");
  HostTensor acc = *in[0];
  for (size_t i = 1; i < in.size(); ++i) {
    PT2TF_ASSIGN_OR_RETURN(acc, Broadcast2(node, *op, acc, *in[i]));
    acc.RoundToDType();  // runtimes round after every pairwise step
  }
  if (node.op_type == "Mean") {
    if (!acc.is_float()) return Unsupported(node.Describe() + ": integer Mean");
    for (auto& v : acc.f) v /= static_cast<double>(in.size());
  }
  return std::vector<HostTensor>{std::move(acc)};
}

Result<std::vector<HostTensor>> EvalWhere(const Node& node, const EvalInputs& in) {
  PT2TF_RETURN_IF_ERROR(CheckInputs(node, in, 3));
  const HostTensor &c = *in[0], &x = *in[1], &y = *in[2];
  if (c.dtype != DType::kBool) return InvalidInput(node.Describe() + ": condition must be bool");
  if (x.dtype != y.dtype) return InvalidInput(node.Describe() + ": input dtypes differ");
  PT2TF_ASSIGN_OR_RETURN(Dims s1, BroadcastShape(node, c.shape, x.shape));
  PT2TF_ASSIGN_OR_RETURN(Dims shape, BroadcastShape(node, s1, y.shape));
  HostTensor out = HostTensor::Zeros(x.dtype, shape);
  const auto ic = BroadcastSourceIndex(c.shape, shape), ix = BroadcastSourceIndex(x.shape, shape),
             iy = BroadcastSourceIndex(y.shape, shape);
  for (int64_t k = 0; k < out.numel(); ++k) {
    const bool take_x = c.i[ic[k]] != 0;
    if (out.is_float()) {
      out.f[k] = take_x ? x.f[ix[k]] : y.f[iy[k]];
    } else {
      out.i[k] = take_x ? x.i[ix[k]] : y.i[iy[k]];
    }
  }
  return std::vector<HostTensor>{std::move(out)};
}

Result<std::vector<HostTensor>> EvalCast(const Node& node, const EvalInputs& in) {
  PT2TF_RETURN_IF_ERROR(CheckInputs(node, in, 1));
  auto to = DTypeFromOnnx(static_cast<int>(node.GetInt("to", 0)));
  if (!to || !IsEvaluableDType(*to)) return Unsupported(node.Describe() + ": cast target");
  const HostTensor& x = *in[0];
  HostTensor out = HostTensor::Zeros(*to, x.shape);
  for (int64_t k = 0; k < x.numel(); ++k) {
    if (out.is_float()) {
      out.f[k] = x.AsDouble(k);
    } else if (*to == DType::kBool) {
      out.i[k] = x.AsDouble(k) != 0;
    } else if (x.is_float()) {
      const double v = x.f[k];
      if (!std::isfinite(v) || std::fabs(v) >= 9.2e18)
        return Unsupported(node.Describe() + ": cast of a non-finite or huge value");
      out.i[k] = static_cast<int64_t>(v);
    } else {
      out.i[k] = x.i[k];
    }
  }
  return std::vector<HostTensor>{std::move(out)};
}

}  // namespace pt2tf::ir::eval
