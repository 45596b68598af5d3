// Reductions: aten.mean, sum, prod, amax, amin, max, min, max.dim / min.dim, argmax, argmin,
// cumsum, var / std (with correction), any / all, logsumexp, linalg_vector_norm.
#include <cmath>

#include "pt2/ops/ops.h"

namespace pt2tf::pt2::ops {
namespace {

using ir::Attribute;

// The reduced axes (all when `dim` is None or empty, as torch does).
Result<std::vector<int64_t>> Axes(OpCall& c, const char* name) {
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank("self"));
  std::vector<int64_t> dims;
  if (c.Has(name)) {
    PT2TF_ASSIGN_OR_RETURN(dims, c.Ints(name));
  }
  if (dims.empty())
    for (int64_t i = 0; i < rank; ++i) dims.push_back(i);
  for (int64_t& d : dims) {
    PT2TF_ASSIGN_OR_RETURN(d, NormAxis(c, d, rank));
  }
  return dims;
}

Status Reduce(OpCall& c, const char* onnx_op, const char* dim_name) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> axes, Axes(c, dim_name));
  PT2TF_ASSIGN_OR_RETURN(bool keepdim, c.Bool("keepdim", false));
  PT2TF_ASSIGN_OR_RETURN(std::optional<DType> dtype, c.ScalarType("dtype"));
  if (dtype)
    x = ctx.Cast(x, *dtype);
  else if (!IsFloatingPoint(x->dtype) && c.OutputDType() != x->dtype)
    x = ctx.Cast(x, c.OutputDType());
  return c.SetOutput(
      ctx.Op(onnx_op, {x, ctx.ConstInts(axes)}, {{"keepdims", Attribute::Int(keepdim ? 1 : 0)}}));
}

}  // namespace

Status Mean(OpCall& c) { return Reduce(c, "ReduceMean", "dim"); }
Status Sum(OpCall& c) { return Reduce(c, "ReduceSum", "dim"); }
Status Amax(OpCall& c) { return Reduce(c, "ReduceMax", "dim"); }
Status Amin(OpCall& c) { return Reduce(c, "ReduceMin", "dim"); }

namespace {

// ArgMax / ArgMin: over the flattened tensor when `dim` is None.
Status ArgIndex(OpCall& c, const char* onnx_op) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(bool keepdim, c.Bool("keepdim", false));
  if (!c.Has("dim")) {
    x = ctx.Op("Reshape", {x, ctx.ConstInts({-1})});
    ir::Value* idx =
        ctx.Op(onnx_op, {x}, {{"axis", Attribute::Int(0)}, {"keepdims", Attribute::Int(0)}});
    idx->dtype = DType::kInt64;
    return c.SetOutput(idx);
  }
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, c.Dim());
  ir::Value* idx =
      ctx.Op(onnx_op, {x},
             {{"axis", Attribute::Int(axis)}, {"keepdims", Attribute::Int(keepdim ? 1 : 0)}});
  idx->dtype = DType::kInt64;
  return c.SetOutput(idx);
}

}  // namespace

Status CumSum(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, c.Dim());
  PT2TF_ASSIGN_OR_RETURN(std::optional<DType> dtype, c.ScalarType("dtype"));
  x = ctx.Cast(x, dtype ? *dtype : c.OutputDType());  // torch sums bool / int8 in int64
  return c.SetOutput(ctx.Op("CumSum", {x, ctx.ConstInt(axis)}));
}

Status ArgMax(OpCall& c) { return ArgIndex(c, "ArgMax"); }
Status ArgMin(OpCall& c) { return ArgIndex(c, "ArgMin"); }

}  // namespace pt2tf::pt2::ops

namespace pt2tf::pt2::ops {
namespace {

// ReduceX(x, axes) with keepdims.
ir::Value* ReduceAxes(ImportContext& ctx, const char* op, ir::Value* x,
                      const std::vector<int64_t>& axes, bool keepdim) {
  return ctx.Op(op, {x, ctx.ConstInts(axes)}, {{"keepdims", ir::Attribute::Int(keepdim ? 1 : 0)}});
}

// The element count over `axes`, which must be static.
Result<int64_t> CountOver(OpCall& c, const std::vector<int64_t>& axes) {
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, c.Sizes("self"));
  int64_t n = 1;
  for (int64_t a : axes) {
    if (sizes[a] < 0) return c.Error("reduction over a dynamic dim");
    n *= sizes[a];
  }
  return n;
}

// (variance, mean) over `dim` with torch's correction (N - correction in the divisor;
// `unbiased` is correction 1). The mean is kept with keepdims for the centring.
Status Moments(OpCall& c, bool take_sqrt, bool with_mean) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> axes, Axes(c, "dim"));
  PT2TF_ASSIGN_OR_RETURN(bool keepdim, c.Bool("keepdim", false));
  double correction = 1.0;
  if (c.Has("correction")) {
    PT2TF_ASSIGN_OR_RETURN(correction, c.Float("correction"));
  } else if (c.Find("unbiased") != nullptr) {
    PT2TF_ASSIGN_OR_RETURN(bool unbiased, c.Bool("unbiased", true));
    correction = unbiased ? 1.0 : 0.0;
  }
  PT2TF_ASSIGN_OR_RETURN(int64_t n, CountOver(c, axes));
  const DType t = c.OutputDType();
  x = ctx.Cast(x, t);
  ir::Value* mean = ReduceAxes(ctx, "ReduceMean", x, axes, true);
  ir::Value* d = ctx.Op("Sub", {x, mean});
  ir::Value* sum = ReduceAxes(ctx, "ReduceSum", ctx.Op("Mul", {d, d}), axes, keepdim);
  // torch divides by max(0, N - correction): 0 gives inf / nan, as here.
  ir::Value* v = ctx.Op("Div", {sum, ctx.ConstScalar(std::max(0.0, n - correction), t)});
  if (take_sqrt) v = ctx.Op("Sqrt", {v});
  PT2TF_RETURN_IF_ERROR(c.SetOutput(v, 0));
  if (!with_mean) return OkStatus();
  if (!keepdim) mean = ctx.Op("Squeeze", {mean, ctx.ConstInts(axes)});
  return c.SetOutput(mean, 1);
}

// any / all: bool → int32 for ReduceMax / ReduceMin (opset 17 has no bool reductions).
Status AnyAll(OpCall& c, const char* op) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> axes, Axes(c, "dim"));
  PT2TF_ASSIGN_OR_RETURN(bool keepdim, c.Bool("keepdim", false));
  ir::Value* i = ctx.Cast(ctx.Cast(x, DType::kBool), DType::kInt32);
  ir::Value* r = ReduceAxes(ctx, op, i, axes, keepdim);
  r->dtype = DType::kInt32;
  return c.SetOutput(ctx.Cast(r, DType::kBool));
}

}  // namespace

Status Var(OpCall& c) { return Moments(c, false, false); }
Status Std(OpCall& c) { return Moments(c, true, false); }
Status VarMean(OpCall& c) { return Moments(c, false, true); }
Status StdMean(OpCall& c) { return Moments(c, true, true); }
Status Any(OpCall& c) { return AnyAll(c, "ReduceMax"); }
Status All(OpCall& c) { return AnyAll(c, "ReduceMin"); }
Status Prod(OpCall& c) { return Reduce(c, "ReduceProd", "dim"); }

namespace {

// max.dim / min.dim: (values, indices) along one dim.
Status ExtremumDim(OpCall& c, const char* reduce_op, const char* arg_op) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, c.Dim());
  PT2TF_ASSIGN_OR_RETURN(bool keepdim, c.Bool("keepdim", false));
  const int64_t keep = keepdim ? 1 : 0;
  PT2TF_RETURN_IF_ERROR(c.SetOutput(ReduceAxes(ctx, reduce_op, x, {axis}, keepdim), 0));
  ir::Value* idx =
      ctx.Op(arg_op, {x}, {{"axis", Attribute::Int(axis)}, {"keepdims", Attribute::Int(keep)}});
  idx->dtype = DType::kInt64;
  return c.SetOutput(idx, 1);
}

}  // namespace

Status MaxDim(OpCall& c) { return ExtremumDim(c, "ReduceMax", "ArgMax"); }
Status MinDim(OpCall& c) { return ExtremumDim(c, "ReduceMin", "ArgMin"); }

// logsumexp = m + log(sum(exp(x - m))), m the max (kept finite: an all -inf slice gives
// -inf as torch does); ONNX's ReduceLogSumExp is not stable and TFLite lacks it.
Status LogSumExp(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> axes, Axes(c, "dim"));
  PT2TF_ASSIGN_OR_RETURN(bool keepdim, c.Bool("keepdim", false));
  const DType t = c.OutputDType();
  x = ctx.Cast(x, t);
  ir::Value* m = ReduceAxes(ctx, "ReduceMax", x, axes, true);
  ir::Value* inf = ctx.Op("IsInf", {m});
  inf->dtype = DType::kBool;
  m = ctx.Op("Where", {inf, ctx.ConstScalar(0.0, t), m});
  m->dtype = t;
  ir::Value* s =
      ReduceAxes(ctx, "ReduceSum", ctx.Op("Exp", {ctx.Op("Sub", {x, m})}), axes, keepdim);
  if (!keepdim) m = ctx.Op("Squeeze", {m, ctx.ConstInts(axes)});
  return c.SetOutput(ctx.Op("Add", {ctx.Op("Log", {s}), m}));
}

// linalg_vector_norm(x, ord, dim, keepdim): ord 2 / 1 / ±inf / 0 / any p.
Status VectorNorm(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> axes, Axes(c, "dim"));
  PT2TF_ASSIGN_OR_RETURN(bool keepdim, c.Bool("keepdim", false));
  PT2TF_ASSIGN_OR_RETURN(double ord, c.Float("ord", 2.0));
  const DType t = c.OutputDType();
  x = ctx.Cast(x, t);
  if (ord == 2.0) return c.SetOutput(ReduceAxes(ctx, "ReduceL2", x, axes, keepdim));
  ir::Value* a = ctx.Op("Abs", {x});
  if (ord == 1.0) return c.SetOutput(ReduceAxes(ctx, "ReduceSum", a, axes, keepdim));
  if (std::isinf(ord))
    return c.SetOutput(ReduceAxes(ctx, ord > 0 ? "ReduceMax" : "ReduceMin", a, axes, keepdim));
  if (ord == 0.0) {  // the count of non-zeros
    ir::Value* nz = ctx.Op("Not", {ctx.Op("Equal", {x, ctx.ConstScalar(0.0, t)})});
    nz->dtype = DType::kBool;
    return c.SetOutput(ReduceAxes(ctx, "ReduceSum", ctx.Cast(nz, t), axes, keepdim));
  }
  ir::Value* s =
      ReduceAxes(ctx, "ReduceSum", ctx.Op("Pow", {a, ctx.ConstScalar(ord, t)}), axes, keepdim);
  return c.SetOutput(ctx.Op("Pow", {s, ctx.ConstScalar(1.0 / ord, t)}));
}

}  // namespace pt2tf::pt2::ops
