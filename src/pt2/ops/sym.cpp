// Symbolic scalars: aten.item (a one-element tensor as a SymInt / SymFloat) and the SymInt
// arithmetic torch.export records for shapes under `dynamic_shapes` (_operator.mul, add,
// floordiv, ... on sym_size results; gt, eq, ... give SymBools, e.g. a torch.cond predicate). Each
// SymInt becomes a 0-D IR value computed at run time from Shape ops, so a reshape to [2 * batch,
// seq, 4] follows the input's real batch; with static inputs constant folding turns all of it back
// into numbers.
#include "pt2/ops/ops.h"

namespace pt2tf::pt2::ops {
namespace {

using ir::Attribute;

// A SymInt / SymFloat / literal operand as a 0-D IR value (int64 for integers, float32 for
// floats); `is_float` tells which.
Result<ir::Value*> Operand(OpCall& c, const std::string& name, bool& is_float) {
  ImportContext& ctx = c.ctx();
  const Arg* a = c.Find(name);
  if (a == nullptr) return InvalidInput(c.Describe() + ": missing argument '" + name + "'");
  std::string sym;
  is_float = false;
  switch (a->kind) {
    case ArgKind::kInt:
      return ctx.ConstInt(a->i);
    case ArgKind::kBool:
      return ctx.ConstInt(a->b ? 1 : 0);
    case ArgKind::kFloat:
      is_float = true;
      return ctx.ConstScalar(a->f, DType::kFloat32);
    case ArgKind::kSymInt:
      if (a->sym_ints[0].name.empty()) return ctx.ConstInt(a->sym_ints[0].value);
      sym = a->sym_ints[0].name;
      break;
    case ArgKind::kSymFloat:
      is_float = true;
      if (a->name.empty()) return ctx.ConstScalar(a->f, DType::kFloat32);
      sym = a->name;
      break;
    default:
      return InvalidInput(c.Describe() + ": argument '" + name + "' is not a number");
  }
  ir::Value* v = ctx.LookupSym(sym);
  if (v == nullptr)
    return InvalidInput(c.Describe() + ": symbolic value '" + sym + "' is not defined");
  is_float = IsFloatingPoint(v->dtype);
  return v;
}

// Binds the node's SymInt / SymFloat / SymBool output to `v`.
Status SetSymOutput(OpCall& c, ir::Value* v) {
  const Node& n = c.node();
  if (n.outputs.size() != 1) return InvalidInput(c.Describe() + ": expected one output");
  const Arg& out = n.outputs[0];
  std::string name;
  if (out.kind == ArgKind::kSymInt && !out.sym_ints.empty()) name = out.sym_ints[0].name;
  if (out.kind == ArgKind::kSymFloat || out.kind == ArgKind::kSymBool) name = out.name;
  if (name.empty()) return InvalidInput(c.Describe() + ": output is not a symbolic scalar");
  c.ctx().BindSym(name, v);
  return OkStatus();
}

enum class SymOp {
  kAdd,
  kSub,
  kMul,
  kFloorDiv,
  kMod,
  kTrueDiv,
  kMax,
  kMin,
  // comparisons: a SymBool (a torch.cond predicate on dims)
  kGt,
  kGe,
  kLt,
  kLe,
  kEq,
  kNe,
};

Status Arith(OpCall& c, SymOp op) {
  ImportContext& ctx = c.ctx();
  bool fa = false, fb = false;
  PT2TF_ASSIGN_OR_RETURN(ir::Value * a, Operand(c, "a", fa));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * b, Operand(c, "b", fb));
  const bool as_float = fa || fb || op == SymOp::kTrueDiv;
  const DType t = as_float ? DType::kFloat32 : DType::kInt64;
  a = ctx.Cast(a, t);
  b = ctx.Cast(b, t);
  ir::Value* y = nullptr;
  switch (op) {
    case SymOp::kAdd:
      y = ctx.Op("Add", {a, b});
      break;
    case SymOp::kSub:
      y = ctx.Op("Sub", {a, b});
      break;
    case SymOp::kMul:
      y = ctx.Op("Mul", {a, b});
      break;
    case SymOp::kTrueDiv:
      y = ctx.Op("Div", {a, b});
      break;
    case SymOp::kMax:
      y = ctx.Op("Max", {a, b});
      break;
    case SymOp::kMin:
      y = ctx.Op("Min", {a, b});
      break;
    case SymOp::kGt:
      y = ctx.Op("Greater", {a, b});
      break;
    case SymOp::kGe:
      y = ctx.Op("GreaterOrEqual", {a, b});
      break;
    case SymOp::kLt:
      y = ctx.Op("Less", {a, b});
      break;
    case SymOp::kLe:
      y = ctx.Op("LessOrEqual", {a, b});
      break;
    case SymOp::kEq:
      y = ctx.Op("Equal", {a, b});
      break;
    case SymOp::kNe:
      y = ctx.Op("Equal", {a, b});
      y->dtype = DType::kBool;
      y = ctx.Op("Not", {y});
      break;
    case SymOp::kMod:
    case SymOp::kFloorDiv: {
      if (as_float) {
        ir::Value* q = ctx.Op("Floor", {ctx.Op("Div", {a, b})});
        y = op == SymOp::kFloorDiv ? q : ctx.Op("Sub", {a, ctx.Op("Mul", {q, b})});
        break;
      }
      // Python's floor semantics: ONNX Mod with fmod=0 takes the divisor's sign, and
      // a - mod is an exact multiple of b, so the truncating integer Div is exact.
      ir::Value* mod = ctx.Op("Mod", {a, b}, {{"fmod", Attribute::Int(0)}});
      y = op == SymOp::kMod ? mod : ctx.Op("Div", {ctx.Op("Sub", {a, mod}), b});
      break;
    }
  }
  const bool compare = op >= SymOp::kGt;
  y->dtype = compare ? DType::kBool : t;
  return SetSymOutput(c, y);
}

}  // namespace

Status Item(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  ir::Value* scalar = ctx.Op("Reshape", {x, ctx.ConstInts({})});
  const Arg* out = c.node().outputs.empty() ? nullptr : &c.node().outputs[0];
  if (out != nullptr && out->kind == ArgKind::kSymInt) scalar = ctx.Cast(scalar, DType::kInt64);
  if (out != nullptr && out->kind == ArgKind::kSymFloat && !IsFloatingPoint(scalar->dtype))
    scalar = ctx.Cast(scalar, DType::kFloat32);
  return SetSymOutput(c, scalar);
}

Status SymAdd(OpCall& c) { return Arith(c, SymOp::kAdd); }
Status SymSub(OpCall& c) { return Arith(c, SymOp::kSub); }
Status SymMul(OpCall& c) { return Arith(c, SymOp::kMul); }
Status SymFloorDiv(OpCall& c) { return Arith(c, SymOp::kFloorDiv); }
Status SymMod(OpCall& c) { return Arith(c, SymOp::kMod); }
Status SymTrueDiv(OpCall& c) { return Arith(c, SymOp::kTrueDiv); }
Status SymMax(OpCall& c) { return Arith(c, SymOp::kMax); }
Status SymMin(OpCall& c) { return Arith(c, SymOp::kMin); }
Status SymGt(OpCall& c) { return Arith(c, SymOp::kGt); }
Status SymGe(OpCall& c) { return Arith(c, SymOp::kGe); }
Status SymLt(OpCall& c) { return Arith(c, SymOp::kLt); }
Status SymLe(OpCall& c) { return Arith(c, SymOp::kLe); }
Status SymEq(OpCall& c) { return Arith(c, SymOp::kEq); }
Status SymNe(OpCall& c) { return Arith(c, SymOp::kNe); }

Status SymNeg(OpCall& c) {
  bool is_float = false;
  PT2TF_ASSIGN_OR_RETURN(ir::Value * a, Operand(c, "a", is_float));
  ir::Value* y = c.ctx().Op("Neg", {a});
  y->dtype = a->dtype;
  return SetSymOutput(c, y);
}

Status SymFloat(OpCall& c) {  // torch.sym_float(a)
  bool is_float = false;
  PT2TF_ASSIGN_OR_RETURN(ir::Value * a, Operand(c, "a", is_float));
  return SetSymOutput(c, c.ctx().Cast(a, DType::kFloat32));
}

}  // namespace pt2tf::pt2::ops
