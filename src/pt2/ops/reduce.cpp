// Reductions: aten.mean, sum, amax, amin, max, min, max.dim, argmax, argmin, cumsum.
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

Status MaxDim(OpCall& c) {  // (values, indices)
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t dim, c.Int("dim"));
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, NormAxis(c, dim, rank));
  PT2TF_ASSIGN_OR_RETURN(bool keepdim, c.Bool("keepdim", false));
  const int64_t keep = keepdim ? 1 : 0;
  PT2TF_RETURN_IF_ERROR(c.SetOutput(
      ctx.Op("ReduceMax", {x, ctx.ConstInts({axis})}, {{"keepdims", Attribute::Int(keep)}}), 0));
  ir::Value* idx =
      ctx.Op("ArgMax", {x}, {{"axis", Attribute::Int(axis)}, {"keepdims", Attribute::Int(keep)}});
  idx->dtype = DType::kInt64;
  return c.SetOutput(idx, 1);
}

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
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t dim, c.Int("dim"));
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, NormAxis(c, dim, rank));
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
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t dim, c.Int("dim"));
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, NormAxis(c, dim, rank));
  PT2TF_ASSIGN_OR_RETURN(std::optional<DType> dtype, c.ScalarType("dtype"));
  x = ctx.Cast(x, dtype ? *dtype : c.OutputDType());  // torch sums bool / int8 in int64
  return c.SetOutput(ctx.Op("CumSum", {x, ctx.ConstInt(axis)}));
}

Status ArgMax(OpCall& c) { return ArgIndex(c, "ArgMax"); }
Status ArgMin(OpCall& c) { return ArgIndex(c, "ArgMin"); }

}  // namespace pt2tf::pt2::ops
