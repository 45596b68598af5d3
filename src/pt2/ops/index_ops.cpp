// Indexing: aten.slice, select, index.Tensor (one tensor index), embedding, index_select.
#include "pt2/ops/ops.h"

#include <limits>

namespace pt2tf::pt2::ops {
namespace {

using ir::Attribute;

// A (possibly symbolic) SymInt argument as a 1-D int64 value of one element.
Result<ir::Value*> Bound(OpCall& c, const std::string& name, int64_t fallback) {
  ImportContext& ctx = c.ctx();
  const Arg* a = c.Find(name);
  if (a == nullptr || a->kind == ArgKind::kNone) return ctx.ConstInts({fallback});
  if (a->kind == ArgKind::kSymInt && !a->sym_ints[0].name.empty()) {
    ir::Value* v = ctx.LookupSym(a->sym_ints[0].name);
    if (v == nullptr) return InvalidInput(c.Describe() + ": symbolic value is not defined");
    return ctx.Op("Unsqueeze", {ctx.Cast(v, DType::kInt64), ctx.ConstInts({0})});
  }
  PT2TF_ASSIGN_OR_RETURN(int64_t v, c.Int(name));
  return ctx.ConstInts({v});
}

bool IsSymbolic(OpCall& c, const std::string& name) {
  const Arg* a = c.Find(name);
  return a != nullptr && a->kind == ArgKind::kSymInt && !a->sym_ints[0].name.empty();
}

}  // namespace

Status Slice(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t dim, c.Int("dim", 0));
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, NormAxis(c, dim, rank));
  PT2TF_ASSIGN_OR_RETURN(int64_t step, c.Int("step", 1));
  if (step <= 0) return c.Error("non-positive step");
  PT2TF_ASSIGN_OR_RETURN(ir::Value * start, Bound(c, "start", 0));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * end, Bound(c, "end", std::numeric_limits<int64_t>::max()));
  if (!IsSymbolic(c, "start") && !IsSymbolic(c, "end"))
    return c.SetOutput(
        ctx.Op("Slice", {x, start, end, ctx.ConstInts({axis}), ctx.ConstInts({step})}));
  // Bounds known only at run time (x[:, :seq] under dynamic_shapes): a Gather of the
  // Range(start, end, step) of indices, end clamped to the dim as torch does, since writers
  // (TensorFlow's StridedSlice masks) need constant Slice bounds.
  ir::Value* shape = ctx.Op("Shape", {x});
  shape->dtype = DType::kInt64;
  ir::Value* size = ctx.Op("Gather", {shape, ctx.ConstInt(axis)}, {{"axis", Attribute::Int(0)}});
  auto scalar = [&](ir::Value* v) { return ctx.Op("Reshape", {v, ctx.ConstInts({})}); };
  auto clamp = [&](ir::Value* v) {
    ir::Value* zero = ctx.ConstInt(0);
    // A negative bound counts from the end.
    ir::Value* neg = ctx.Op("Less", {v, zero});
    neg->dtype = DType::kBool;
    v = ctx.Op("Where", {neg, ctx.Op("Add", {v, size}), v});
    return ctx.Op("Min", {ctx.Op("Max", {v, zero}), size});
  };
  ir::Value* indices =
      ctx.Op("Range", {clamp(scalar(start)), clamp(scalar(end)), ctx.ConstInt(step)});
  return c.SetOutput(ctx.Op("Gather", {x, indices}, {{"axis", Attribute::Int(axis)}}));
}

Status Select(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t dim, c.Int("dim"));
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, NormAxis(c, dim, rank));
  PT2TF_ASSIGN_OR_RETURN(int64_t index, c.Int("index"));
  return c.SetOutput(ctx.Op("Gather", {x, ctx.ConstInt(index)}, {{"axis", Attribute::Int(axis)}}));
}

Status Index(OpCall& c) {  // x[..., idx, ...] with one integer tensor index
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<ir::Value*> indices, c.Tensors("indices"));
  int64_t axis = -1;
  for (size_t i = 0; i < indices.size(); ++i) {
    if (indices[i] == nullptr) continue;
    if (axis >= 0) return c.Error("more than one tensor index (advanced indexing)");
    axis = static_cast<int64_t>(i);
  }
  if (axis < 0) return c.SetOutput(x);
  ir::Value* idx = indices[axis];
  if (idx->dtype == DType::kBool) return c.Error("boolean mask indexing (data-dependent shape)");
  return c.SetOutput(
      ctx.Op("Gather", {x, ctx.Cast(idx, DType::kInt64)}, {{"axis", Attribute::Int(axis)}}));
}

Status Embedding(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * w, c.Tensor("weight"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * idx, c.Tensor("indices"));
  return c.SetOutput(
      ctx.Op("Gather", {w, ctx.Cast(idx, DType::kInt64)}, {{"axis", Attribute::Int(0)}}));
}

Status IndexSelect(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t dim, c.Int("dim"));
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, NormAxis(c, dim, rank));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * idx, c.Tensor("index"));
  return c.SetOutput(
      ctx.Op("Gather", {x, ctx.Cast(idx, DType::kInt64)}, {{"axis", Attribute::Int(axis)}}));
}

}  // namespace pt2tf::pt2::ops
