// Elementwise arithmetic, comparisons and unary math. torch promotes mixed dtypes (and
// Scalars) implicitly; ONNX wants equal input types, so operands are cast to the dtype the
// program records for the result (arithmetic) or to their common type (comparisons).
#include "pt2/ops/ops.h"

namespace pt2tf::pt2::ops {
namespace {

using ir::Attribute;

Status Unary(OpCall& c, const char* onnx_op) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  // Float-only ONNX ops (Sqrt, Exp, Erf, ...) on integer tensors: torch computes in float.
  const DType out = c.OutputDType();
  return c.SetOutput(c.ctx().Op(onnx_op, {c.ctx().Cast(x, out)}));
}

// The dtype both operands of a comparison are cast to.
Result<DType> CommonType(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * self, c.Tensor("self"));
  DType t = self->dtype;
  const Arg* other = c.Find("other");
  if (other == nullptr) return t;
  if (other->kind == ArgKind::kTensor) {
    PT2TF_ASSIGN_OR_RETURN(ir::Value * o, c.Tensor("other"));
    if (IsFloatingPoint(o->dtype) && !IsFloatingPoint(t)) return o->dtype;
    if (t == DType::kBool && o->dtype != DType::kBool) return o->dtype;
    return t;
  }
  if (other->kind == ArgKind::kFloat && !IsFloatingPoint(t)) return DType::kFloat32;
  return t;
}

// out = onnx_op(self, other · alpha), both in the result's dtype.
Status Binary(OpCall& c, const char* onnx_op, bool swap = false) {
  ImportContext& ctx = c.ctx();
  const DType out = c.OutputDType();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * self, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * other, c.ScalarOrTensor("other", out));
  self = ctx.Cast(self, out);
  if (c.Has("alpha")) {
    PT2TF_ASSIGN_OR_RETURN(double alpha, c.Float("alpha"));
    if (alpha != 1.0) other = ctx.Op("Mul", {other, ctx.ConstScalar(alpha, out)});
  }
  if (swap) std::swap(self, other);
  return c.SetOutput(ctx.Op(onnx_op, {self, other}));
}

Status Compare(OpCall& c, const char* onnx_op, bool negate = false) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(DType common, CommonType(c));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * self, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * other, c.ScalarOrTensor("other", common));
  ir::Value* y = ctx.Op(onnx_op, {ctx.Cast(self, common), other});
  y->dtype = DType::kBool;
  if (negate) {
    y = ctx.Op("Not", {y});
    y->dtype = DType::kBool;
  }
  return c.SetOutput(y);
}

Status Logical(OpCall& c, const char* onnx_op) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * a, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * b, c.Tensor("other"));
  ir::Value* y = ctx.Op(onnx_op, {ctx.Cast(a, DType::kBool), ctx.Cast(b, DType::kBool)});
  y->dtype = DType::kBool;
  return c.SetOutput(y);
}

}  // namespace

Status Add(OpCall& c) { return Binary(c, "Add"); }
Status Sub(OpCall& c) { return Binary(c, "Sub"); }
Status Rsub(OpCall& c) { return Binary(c, "Sub", /*swap=*/true); }
Status Mul(OpCall& c) { return Binary(c, "Mul"); }
Status Div(OpCall& c) { return Binary(c, "Div"); }
Status Maximum(OpCall& c) { return Binary(c, "Max"); }
Status Minimum(OpCall& c) { return Binary(c, "Min"); }

Status DivMode(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(std::string mode, c.String("rounding_mode", ""));
  if (c.node().target.find("floor_divide") != std::string::npos) mode = "floor";
  if (mode.empty()) return Div(c);
  ImportContext& ctx = c.ctx();
  const DType out = c.OutputDType();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * self, c.Tensor("self"));
  // Integer division is computed in float64 (exact for |values| < 2^53), then rounded.
  const DType work = IsFloatingPoint(out) ? out : DType::kFloat64;
  PT2TF_ASSIGN_OR_RETURN(ir::Value * other, c.ScalarOrTensor("other", work));
  ir::Value* q = ctx.Op("Div", {ctx.Cast(self, work), other});
  if (mode == "floor") {
    q = ctx.Op("Floor", {q});
  } else if (mode == "trunc") {  // trunc(x) = sign(x) · floor(|x|)
    q = ctx.Op("Mul", {ctx.Op("Sign", {q}), ctx.Op("Floor", {ctx.Op("Abs", {q})})});
  } else {
    return c.Error("rounding_mode '" + mode + "' is not supported");
  }
  return c.SetOutput(ctx.Cast(q, out));
}

Status Pow(OpCall& c) {
  ImportContext& ctx = c.ctx();
  const DType out = c.OutputDType();
  if (c.Find("exponent") == nullptr) return c.Error("pow.Scalar (a scalar base) is not supported");
  PT2TF_ASSIGN_OR_RETURN(ir::Value * self, c.Tensor("self"));
  if (c.IsScalar("exponent")) {
    PT2TF_ASSIGN_OR_RETURN(double e, c.Float("exponent"));
    if (e == 2.0) return c.SetOutput(ctx.Op("Mul", {ctx.Cast(self, out), ctx.Cast(self, out)}));
    if (e == 0.5) return c.SetOutput(ctx.Op("Sqrt", {ctx.Cast(self, out)}));
    if (e == 1.0) return c.SetOutput(ctx.Cast(self, out));
  }
  PT2TF_ASSIGN_OR_RETURN(ir::Value * exponent, c.ScalarOrTensor("exponent", out));
  return c.SetOutput(ctx.Op("Pow", {ctx.Cast(self, out), exponent}));
}

Status Eq(OpCall& c) { return Compare(c, "Equal"); }
Status Ne(OpCall& c) { return Compare(c, "Equal", /*negate=*/true); }
Status Lt(OpCall& c) { return Compare(c, "Less"); }
Status Le(OpCall& c) { return Compare(c, "LessOrEqual"); }
Status Gt(OpCall& c) { return Compare(c, "Greater"); }
Status Ge(OpCall& c) { return Compare(c, "GreaterOrEqual"); }
Status LogicalAnd(OpCall& c) { return Logical(c, "And"); }
Status LogicalOr(OpCall& c) { return Logical(c, "Or"); }

Status LogicalNot(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  ir::Value* y = ctx.Op("Not", {ctx.Cast(x, DType::kBool)});
  y->dtype = DType::kBool;
  return c.SetOutput(y);
}

Status Where(OpCall& c) {
  ImportContext& ctx = c.ctx();
  const DType out = c.OutputDType();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * cond, c.Tensor("condition"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * a, c.ScalarOrTensor("self", out));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * b, c.ScalarOrTensor("other", out));
  return c.SetOutput(ctx.Op("Where", {ctx.Cast(cond, DType::kBool), a, b}));
}

Status MaskedFill(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * mask, c.Tensor("mask"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * value, c.ScalarOrTensor("value", x->dtype));
  return c.SetOutput(ctx.Op("Where", {ctx.Cast(mask, DType::kBool), value, x}));
}

Status Sqrt(OpCall& c) { return Unary(c, "Sqrt"); }
Status Exp(OpCall& c) { return Unary(c, "Exp"); }
Status Log(OpCall& c) { return Unary(c, "Log"); }
Status Neg(OpCall& c) { return Unary(c, "Neg"); }
Status Abs(OpCall& c) { return Unary(c, "Abs"); }
Status Erf(OpCall& c) { return Unary(c, "Erf"); }
Status Reciprocal(OpCall& c) { return Unary(c, "Reciprocal"); }
Status Floor(OpCall& c) { return Unary(c, "Floor"); }
Status Ceil(OpCall& c) { return Unary(c, "Ceil"); }
Status Sin(OpCall& c) { return Unary(c, "Sin"); }
Status Cos(OpCall& c) { return Unary(c, "Cos"); }

Status Rsqrt(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  ImportContext& ctx = c.ctx();
  return c.SetOutput(ctx.Op("Reciprocal", {ctx.Op("Sqrt", {ctx.Cast(x, c.OutputDType())})}));
}

}  // namespace pt2tf::pt2::ops

namespace pt2tf::pt2::ops {
namespace {

// Operands of a remainder / fmod in the result's dtype.
Result<std::pair<ir::Value*, ir::Value*>> ModOperands(OpCall& c) {
  const DType out = c.OutputDType();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * a, c.ScalarOrTensor("self", out));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * b, c.ScalarOrTensor("other", out));
  return std::make_pair(a, b);
}

// trunc(x) = sign(x) · floor(|x|): ONNX has no Trunc.
ir::Value* TruncOf(ImportContext& ctx, ir::Value* x) {
  return ctx.Op("Mul", {ctx.Op("Sign", {x}), ctx.Op("Floor", {ctx.Op("Abs", {x})})});
}

ir::Value* LessThanZero(ImportContext& ctx, ir::Value* x, DType t) {
  ir::Value* y = ctx.Op("Less", {x, ctx.ConstScalar(0.0, t)});
  y->dtype = DType::kBool;
  return y;
}

}  // namespace

// remainder: Python's modulo, the sign of the divisor. Integers are ONNX Mod (fmod=0, TF
// FloorMod); floats, for which ONNX allows only fmod=1, are a - floor(a / b) · b.
Status Remainder(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(auto ab, ModOperands(c));
  auto [a, b] = ab;
  if (!IsFloatingPoint(c.OutputDType()))
    return c.SetOutput(ctx.Op("Mod", {a, b}, {{"fmod", Attribute::Int(0)}}));
  ir::Value* q = ctx.Op("Floor", {ctx.Op("Div", {a, b})});
  return c.SetOutput(ctx.Op("Sub", {a, ctx.Op("Mul", {q, b})}));
}

// fmod: C's remainder, the sign of the dividend. Floats: a - trunc(a / b) · b. Integers: the
// floor modulo m moved by b where it differs (m ≠ 0 with the sign of b, a of the other sign),
// since TFLite has no truncating modulo.
Status Fmod(OpCall& c) {
  ImportContext& ctx = c.ctx();
  const DType t = c.OutputDType();
  PT2TF_ASSIGN_OR_RETURN(auto ab, ModOperands(c));
  auto [a, b] = ab;
  if (IsFloatingPoint(t))
    return c.SetOutput(ctx.Op("Sub", {a, ctx.Op("Mul", {TruncOf(ctx, ctx.Op("Div", {a, b})), b})}));
  ir::Value* m = ctx.Op("Mod", {a, b}, {{"fmod", Attribute::Int(0)}});
  ir::Value* differs = LessThanZero(ctx, ctx.Op("Mul", {m, a}), t);
  ir::Value* y = ctx.Op("Where", {differs, ctx.Op("Sub", {m, b}), m});
  y->dtype = t;
  return c.SetOutput(y);
}

// pow.Scalar: a number raised to a tensor.
Status PowScalar(OpCall& c) {
  ImportContext& ctx = c.ctx();
  const DType out = c.OutputDType();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * base, c.ScalarOrTensor("self", out));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * e, c.Tensor("exponent"));
  return c.SetOutput(ctx.Op("Pow", {base, ctx.Cast(e, out)}));
}

Status Sign(OpCall& c) { return Unary(c, "Sign"); }
Status Round(OpCall& c) { return Unary(c, "Round"); }  // both round half to even
Status Tan(OpCall& c) { return Unary(c, "Tan"); }
Status Atan(OpCall& c) { return Unary(c, "Atan"); }
Status Asin(OpCall& c) { return Unary(c, "Asin"); }
Status Acos(OpCall& c) { return Unary(c, "Acos"); }
Status Sinh(OpCall& c) { return Unary(c, "Sinh"); }
Status Cosh(OpCall& c) { return Unary(c, "Cosh"); }

Status Trunc(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  if (!IsFloatingPoint(x->dtype)) return c.SetOutput(x);
  return c.SetOutput(TruncOf(c.ctx(), x));
}

Status Square(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  ir::Value* y = c.ctx().Cast(x, c.OutputDType());
  return c.SetOutput(c.ctx().Op("Mul", {y, y}));
}

// log1p / expm1 / log2 through Log and Exp: exact to float rounding away from 0, which is
// within the tolerance the converted graph is held to (ONNX has no Log1p / Expm1).
Status Log1p(OpCall& c) {
  ImportContext& ctx = c.ctx();
  const DType t = c.OutputDType();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  return c.SetOutput(ctx.Op("Log", {ctx.Op("Add", {ctx.Cast(x, t), ctx.ConstScalar(1.0, t)})}));
}

Status Expm1(OpCall& c) {
  ImportContext& ctx = c.ctx();
  const DType t = c.OutputDType();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  return c.SetOutput(ctx.Op("Sub", {ctx.Op("Exp", {ctx.Cast(x, t)}), ctx.ConstScalar(1.0, t)}));
}

Status Log2(OpCall& c) {
  ImportContext& ctx = c.ctx();
  const DType t = c.OutputDType();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  return c.SetOutput(
      ctx.Op("Div", {ctx.Op("Log", {ctx.Cast(x, t)}), ctx.ConstScalar(0.6931471805599453, t)}));
}

}  // namespace pt2tf::pt2::ops

namespace pt2tf::pt2::ops {

// addcmul / addcdiv: self + value · (t1 ∘ t2).
static Status AddCombined(OpCall& c, const char* onnx_op) {
  ImportContext& ctx = c.ctx();
  const DType t = c.OutputDType();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * self, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * t1, c.Tensor("tensor1"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * t2, c.Tensor("tensor2"));
  PT2TF_ASSIGN_OR_RETURN(double value, c.Float("value", 1.0));
  ir::Value* p = ctx.Op(onnx_op, {ctx.Cast(t1, t), ctx.Cast(t2, t)});
  if (value != 1.0) p = ctx.Op("Mul", {p, ctx.ConstScalar(value, t)});
  return c.SetOutput(ctx.Op("Add", {ctx.Cast(self, t), p}));
}

Status Addcmul(OpCall& c) { return AddCombined(c, "Mul"); }
Status Addcdiv(OpCall& c) { return AddCombined(c, "Div"); }

// lerp(self, end, weight) = self + weight · (end - self).
Status Lerp(OpCall& c) {
  ImportContext& ctx = c.ctx();
  const DType t = c.OutputDType();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * self, c.ScalarOrTensor("self", t));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * end, c.ScalarOrTensor("end", t));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * w, c.ScalarOrTensor("weight", t));
  return c.SetOutput(ctx.Op("Add", {self, ctx.Op("Mul", {w, ctx.Op("Sub", {end, self})})}));
}

// isnan / isinf; never true for integers (all false, from x · 0).
static Status Predicate(OpCall& c, const char* onnx_op) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  if (!IsFloatingPoint(x->dtype))
    return c.SetOutput(ctx.Cast(ctx.Op("Mul", {x, ctx.ConstScalar(0, x->dtype)}), DType::kBool));
  ir::Value* y = ctx.Op(onnx_op, {x});
  y->dtype = DType::kBool;
  return c.SetOutput(y);
}

Status IsNan(OpCall& c) { return Predicate(c, "IsNaN"); }
Status IsInf(OpCall& c) { return Predicate(c, "IsInf"); }

Status Log10(OpCall& c) {
  ImportContext& ctx = c.ctx();
  const DType t = c.OutputDType();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  return c.SetOutput(
      ctx.Op("Div", {ctx.Op("Log", {ctx.Cast(x, t)}), ctx.ConstScalar(2.302585092994046, t)}));
}

// bitwise_and / or on bool tensors (masks) are the logical ops; integer bit operations are
// ONNX opset 18, past the opset written, so they are refused.
static Status BitwiseBool(OpCall& c, const char* onnx_op) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * a, c.Tensor("self"));
  if (c.OutputDType() != DType::kBool || a->dtype != DType::kBool)
    return c.Error("integer bitwise operations are not supported (bool tensors only)");
  return Logical(c, onnx_op);
}

Status BitwiseAnd(OpCall& c) { return BitwiseBool(c, "And"); }
Status BitwiseOr(OpCall& c) { return BitwiseBool(c, "Or"); }

}  // namespace pt2tf::pt2::ops
