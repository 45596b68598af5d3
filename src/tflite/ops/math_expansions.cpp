// Math TF ops with no TFLite builtin, expressed in builtins (float32; never Flex ops):
//   Reciprocal(x)   = 1 / x                    DivNoNan(x, y) = y == 0 ? 0 : x / y
//   IsInf(x)        = |x| == inf               IsNan(x)       = x != x
//   Softsign(x)     = x / (1 + |x|)            Tan(x)         = sin(x) / cos(x)
//   Sinh(x)         = (e^x - e^-x) / 2         Cosh(x)        = (e^x + e^-x) / 2
//   Asin(x)         = atan2(x, sqrt((1 - x)(1 + x)))
//   Acos(x)         = atan2(sqrt((1 - x)(1 + x)), x)
//   Atan(x)         = atan2(x, 1)
//   Asinh(x)        = sign(x) log(|x| + sqrt(x^2 + 1))   (odd: no cancellation for x < 0)
//   Acosh(x)        = log(x + sqrt((x - 1)(x + 1)))
//   Atanh(x)        = log((1 + x) / (1 - x)) / 2
// IsInf and IsNan read float16 inputs through an exact CAST to float32.
#include <limits>

#include "tflite/ops/chain.h"
#include "tflite/ops/ops.h"

namespace pt2tf::tflite {
namespace {

using Op = BuiltinOperator;
constexpr TensorType kF32 = TensorType::TensorType_FLOAT32;

Result<int> Float32Input(const tf::TfNode& node, Translator& t, size_t i = 0) {
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, i));
  if (t.Info(x).type != kF32)
    return NodeError(node, std::string("TFLite builtins express this op on float32 only, not ") +
                               ::tflite::EnumNameTensorType(t.Info(x).type));
  return x;
}

Result<int> Atan2(Chain& c, int y, int x) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims shape, Broadcast(c.t().Info(y).shape, c.t().Info(x).shape));
  const int out = c.t().NewTensor(c.t().Info(y).name + "/atan2", kF32, shape);
  c.t().Op(Op::BuiltinOperator_ATAN2, {y, x}, {out});
  return out;
}

// sqrt((1 - x)(1 + x)): 1 - x^2 without the cancellation near |x| = 1.
Result<int> SqrtOneMinusSquare(Chain& c, int x, int one) {
  PT2TF_ASSIGN_OR_RETURN(int a, c.Binary(Op::BuiltinOperator_SUB, one, x));
  PT2TF_ASSIGN_OR_RETURN(int b, c.Binary(Op::BuiltinOperator_ADD, one, x));
  PT2TF_ASSIGN_OR_RETURN(int p, c.Binary(Op::BuiltinOperator_MUL, a, b));
  return c.Unary(Op::BuiltinOperator_SQRT, p);
}

}  // namespace

Status ConvertReciprocal(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, Float32Input(node, t));
  Chain c(node, t);
  PT2TF_ASSIGN_OR_RETURN(int one, c.Scalar(kF32, 1));
  PT2TF_ASSIGN_OR_RETURN(int y, c.Binary(Op::BuiltinOperator_DIV, one, x));
  c.Finish(y);
  return OkStatus();
}

Status ConvertDivNoNan(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, Float32Input(node, t, 0));
  PT2TF_ASSIGN_OR_RETURN(int d, Float32Input(node, t, 1));
  Chain c(node, t);
  PT2TF_ASSIGN_OR_RETURN(int zero, c.Scalar(kF32, 0));
  PT2TF_ASSIGN_OR_RETURN(int q, c.Binary(Op::BuiltinOperator_DIV, x, d));
  PT2TF_ASSIGN_OR_RETURN(int is_zero, c.Binary(Op::BuiltinOperator_EQUAL, d, zero));
  PT2TF_ASSIGN_OR_RETURN(int y, c.Select(is_zero, zero, q));
  c.Finish(y);
  return OkStatus();
}

Status ConvertIsInfNan(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  Chain c(node, t);
  if (t.Info(x).type == TensorType::TensorType_FLOAT16) x = c.Cast(x, kF32);
  if (t.Info(x).type != kF32)
    return NodeError(node, std::string("TFLite builtins express this op on float32 only, not ") +
                               ::tflite::EnumNameTensorType(t.Info(x).type));
  int y = 0;
  if (node.def.op() == "IsNan") {
    PT2TF_ASSIGN_OR_RETURN(y, c.Binary(Op::BuiltinOperator_NOT_EQUAL, x, x));
  } else {
    PT2TF_ASSIGN_OR_RETURN(int inf, c.Scalar(kF32, std::numeric_limits<double>::infinity()));
    PT2TF_ASSIGN_OR_RETURN(
        y, c.Binary(Op::BuiltinOperator_EQUAL, c.Unary(Op::BuiltinOperator_ABS, x), inf));
  }
  c.Finish(y);
  return OkStatus();
}

Status ConvertMathExpansion(const tf::TfNode& node, Translator& t) {
  const std::string& op = node.def.op();
  PT2TF_ASSIGN_OR_RETURN(int x, Float32Input(node, t));
  Chain c(node, t);
  PT2TF_ASSIGN_OR_RETURN(int one, c.Scalar(kF32, 1));
  PT2TF_ASSIGN_OR_RETURN(int half, c.Scalar(kF32, 0.5));
  int y = 0;
  if (op == "Softsign") {
    PT2TF_ASSIGN_OR_RETURN(
        int den, c.Binary(Op::BuiltinOperator_ADD, one, c.Unary(Op::BuiltinOperator_ABS, x)));
    PT2TF_ASSIGN_OR_RETURN(y, c.Binary(Op::BuiltinOperator_DIV, x, den));
  } else if (op == "Tan") {
    PT2TF_ASSIGN_OR_RETURN(y, c.Binary(Op::BuiltinOperator_DIV, c.Unary(Op::BuiltinOperator_SIN, x),
                                       c.Unary(Op::BuiltinOperator_COS, x)));
  } else if (op == "Sinh" || op == "Cosh") {
    const int ep = c.Unary(Op::BuiltinOperator_EXP, x);
    const int en = c.Unary(Op::BuiltinOperator_EXP, c.Unary(Op::BuiltinOperator_NEG, x));
    PT2TF_ASSIGN_OR_RETURN(
        int s, c.Binary(op == "Sinh" ? Op::BuiltinOperator_SUB : Op::BuiltinOperator_ADD, ep, en));
    PT2TF_ASSIGN_OR_RETURN(y, c.Binary(Op::BuiltinOperator_MUL, s, half));
  } else if (op == "Asin" || op == "Acos") {
    PT2TF_ASSIGN_OR_RETURN(int r, SqrtOneMinusSquare(c, x, one));
    PT2TF_ASSIGN_OR_RETURN(y, op == "Asin" ? Atan2(c, x, r) : Atan2(c, r, x));
  } else if (op == "Atan") {
    // ATAN2 takes equal shapes: the 1 as wide as x.
    PT2TF_ASSIGN_OR_RETURN(int ones, c.Binary(Op::BuiltinOperator_ADD,
                                              c.Unary(Op::BuiltinOperator_ZEROS_LIKE, x), one));
    PT2TF_ASSIGN_OR_RETURN(y, Atan2(c, x, ones));
  } else if (op == "Asinh") {
    const int ax = c.Unary(Op::BuiltinOperator_ABS, x);
    PT2TF_ASSIGN_OR_RETURN(int sq, c.Binary(Op::BuiltinOperator_MUL, ax, ax));
    PT2TF_ASSIGN_OR_RETURN(int sq1, c.Binary(Op::BuiltinOperator_ADD, sq, one));
    PT2TF_ASSIGN_OR_RETURN(
        int s, c.Binary(Op::BuiltinOperator_ADD, ax, c.Unary(Op::BuiltinOperator_SQRT, sq1)));
    PT2TF_ASSIGN_OR_RETURN(y,
                           c.Binary(Op::BuiltinOperator_MUL, c.Unary(Op::BuiltinOperator_SIGN, x),
                                    c.Unary(Op::BuiltinOperator_LOG, s)));
  } else if (op == "Acosh") {
    PT2TF_ASSIGN_OR_RETURN(int a, c.Binary(Op::BuiltinOperator_SUB, x, one));
    PT2TF_ASSIGN_OR_RETURN(int b, c.Binary(Op::BuiltinOperator_ADD, x, one));
    PT2TF_ASSIGN_OR_RETURN(int p, c.Binary(Op::BuiltinOperator_MUL, a, b));
    PT2TF_ASSIGN_OR_RETURN(
        int s, c.Binary(Op::BuiltinOperator_ADD, x, c.Unary(Op::BuiltinOperator_SQRT, p)));
    y = c.Unary(Op::BuiltinOperator_LOG, s);
  } else if (op == "Atanh") {
    PT2TF_ASSIGN_OR_RETURN(int a, c.Binary(Op::BuiltinOperator_ADD, one, x));
    PT2TF_ASSIGN_OR_RETURN(int b, c.Binary(Op::BuiltinOperator_SUB, one, x));
    PT2TF_ASSIGN_OR_RETURN(int q, c.Binary(Op::BuiltinOperator_DIV, a, b));
    PT2TF_ASSIGN_OR_RETURN(
        y, c.Binary(Op::BuiltinOperator_MUL, c.Unary(Op::BuiltinOperator_LOG, q), half));
  } else {
    return NodeError(node, "no TFLite expansion");
  }
  c.Finish(y);
  return OkStatus();
}

}  // namespace pt2tf::tflite
