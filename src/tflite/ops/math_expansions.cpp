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
// int64 a / b (Int64Division): refined float32 quotients, each correction computed from the
// exact int64 remainder, then a ±1 fix-up (see there); a divisor of INT64_MIN is off by one
// (its fix-up overflows), every other pair exact.
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

// A float32 quotient of two int64 values is within a relative 2^-22 of the true one, so
// each round takes an estimate of the remaining quotient r / b, adds it to q and subtracts
// its product from r exactly in int64: the remaining quotient shrinks by 2^22 a round, and
// four rounds bring any int64 quotient within one of floor(a / b). The fix-up then makes the
// remainder take b's sign (floor) and stay below |b|, and truncation adds one where the
// exact quotient is negative and not whole. Intermediate products may wrap harmlessly (the
// true remainders fit int64); with b = INT64_MIN the fix-up's r - b overflows and the result
// is off by one (a review's 800k-pair sweep found no other wrong pair). A zero divisor is
// undefined, as in ONNX.
Result<int> Int64Division(const tf::TfNode& node, Translator& t, int a, int b, bool floor) {
  using T = TensorType;
  Chain c(node, t);
  const int bf = c.Cast(b, T::TensorType_FLOAT32);
  int q = -1, r = a;
  for (int round = 0; round < 4; ++round) {
    PT2TF_ASSIGN_OR_RETURN(int ratio,
                           c.Binary(Op::BuiltinOperator_DIV, c.Cast(r, T::TensorType_FLOAT32), bf));
    const int est = c.Cast(c.Unary(Op::BuiltinOperator_FLOOR, ratio), T::TensorType_INT64);
    if (q < 0) {
      q = est;
    } else {
      PT2TF_ASSIGN_OR_RETURN(q, c.Binary(Op::BuiltinOperator_ADD, q, est));
    }
    PT2TF_ASSIGN_OR_RETURN(int prod, c.Binary(Op::BuiltinOperator_MUL, est, b));
    PT2TF_ASSIGN_OR_RETURN(r, c.Binary(Op::BuiltinOperator_SUB, r, prod));
  }
  PT2TF_ASSIGN_OR_RETURN(int zero, c.Scalar(T::TensorType_INT64, 0));
  PT2TF_ASSIGN_OR_RETURN(int one, c.Scalar(T::TensorType_INT64, 1));
  PT2TF_ASSIGN_OR_RETURN(int b_neg, c.Binary(Op::BuiltinOperator_LESS, b, zero));
  // r's sign must be b's (or r zero): else q is one too many.
  PT2TF_ASSIGN_OR_RETURN(int r_neg, c.Binary(Op::BuiltinOperator_LESS, r, zero));
  PT2TF_ASSIGN_OR_RETURN(int r_nz, c.Binary(Op::BuiltinOperator_NOT_EQUAL, r, zero));
  PT2TF_ASSIGN_OR_RETURN(int sign_differs, c.Binary(Op::BuiltinOperator_NOT_EQUAL, r_neg, b_neg));
  PT2TF_ASSIGN_OR_RETURN(int over, c.Binary(Op::BuiltinOperator_LOGICAL_AND, r_nz, sign_differs));
  PT2TF_ASSIGN_OR_RETURN(int q_less, c.Binary(Op::BuiltinOperator_SUB, q, one));
  PT2TF_ASSIGN_OR_RETURN(int r_more, c.Binary(Op::BuiltinOperator_ADD, r, b));
  PT2TF_ASSIGN_OR_RETURN(q, c.Select(over, q_less, q));
  PT2TF_ASSIGN_OR_RETURN(r, c.Select(over, r_more, r));
  // |r| must stay below |b|: r - b keeps b's sign (or is zero) when q is one too few.
  PT2TF_ASSIGN_OR_RETURN(int r_less, c.Binary(Op::BuiltinOperator_SUB, r, b));
  PT2TF_ASSIGN_OR_RETURN(int rl_neg, c.Binary(Op::BuiltinOperator_LESS, r_less, zero));
  PT2TF_ASSIGN_OR_RETURN(int rl_zero, c.Binary(Op::BuiltinOperator_EQUAL, r_less, zero));
  PT2TF_ASSIGN_OR_RETURN(int rl_same, c.Binary(Op::BuiltinOperator_EQUAL, rl_neg, b_neg));
  PT2TF_ASSIGN_OR_RETURN(int under, c.Binary(Op::BuiltinOperator_LOGICAL_OR, rl_zero, rl_same));
  PT2TF_ASSIGN_OR_RETURN(int q_more, c.Binary(Op::BuiltinOperator_ADD, q, one));
  PT2TF_ASSIGN_OR_RETURN(q, c.Select(under, q_more, q));
  PT2TF_ASSIGN_OR_RETURN(r, c.Select(under, r_less, r));
  if (floor) return q;
  // Toward zero: floor + 1 where a remainder is left and a and b differ in sign.
  PT2TF_ASSIGN_OR_RETURN(int a_neg, c.Binary(Op::BuiltinOperator_LESS, a, zero));
  PT2TF_ASSIGN_OR_RETURN(int rest, c.Binary(Op::BuiltinOperator_NOT_EQUAL, r, zero));
  PT2TF_ASSIGN_OR_RETURN(int signs, c.Binary(Op::BuiltinOperator_NOT_EQUAL, a_neg, b_neg));
  PT2TF_ASSIGN_OR_RETURN(int up, c.Binary(Op::BuiltinOperator_LOGICAL_AND, rest, signs));
  PT2TF_ASSIGN_OR_RETURN(int q_up, c.Binary(Op::BuiltinOperator_ADD, q, one));
  return c.Select(up, q_up, q);
}

}  // namespace pt2tf::tflite
