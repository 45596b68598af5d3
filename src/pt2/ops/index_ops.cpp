// Indexing: aten.slice, select, their functional writes slice_scatter / select_scatter,
// index.Tensor (one tensor index), embedding, index_select, gather, triu / tril, topk, roll,
// flip.
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

// dim, start, end and step of aten.slice / slice_scatter over a tensor of `rank`.
struct SliceArgs {
  int64_t axis, step;
  ir::Value* start;  // 1-D int64, computed when symbolic
  ir::Value* end;
};

Result<SliceArgs> ReadSliceArgs(OpCall& c, int64_t rank) {
  SliceArgs a;
  PT2TF_ASSIGN_OR_RETURN(int64_t dim, c.Int("dim", 0));
  PT2TF_ASSIGN_OR_RETURN(a.axis, NormAxis(c, dim, rank));
  PT2TF_ASSIGN_OR_RETURN(a.step, c.Int("step", 1));
  if (a.step <= 0) return c.Error("non-positive step");
  PT2TF_ASSIGN_OR_RETURN(a.start, Bound(c, "start", 0));
  PT2TF_ASSIGN_OR_RETURN(a.end, Bound(c, "end", std::numeric_limits<int64_t>::max()));
  return a;
}

// The indices start:end:step of `x`'s dim `axis` (1-D int64), the bounds wrapped when
// negative and clamped to the dim at run time, as torch's slicing does.
ir::Value* SliceIndices(ImportContext& ctx, ir::Value* x, int64_t axis, ir::Value* start,
                        ir::Value* end, int64_t step) {
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
  return ctx.Op("Range", {clamp(scalar(start)), clamp(scalar(end)), ctx.ConstInt(step)});
}

// ScatterElements(base, indices along `axis` broadcast to src's shape, src): `indices` is
// 1-D, one entry per position of src along `axis`.
ir::Value* ScatterAlong(ImportContext& ctx, ir::Value* base, ir::Value* src, ir::Value* indices,
                        int64_t axis, int64_t rank) {
  std::vector<int64_t> shape(rank, 1);
  shape[axis] = -1;
  ir::Value* column = ctx.Op("Reshape", {indices, ctx.ConstInts(shape)});
  ir::Value* src_shape = ctx.Op("Shape", {src});
  src_shape->dtype = DType::kInt64;
  ir::Value* grid = ctx.Op("Expand", {column, src_shape});
  return ctx.Op("ScatterElements", {base, grid, src}, {{"axis", Attribute::Int(axis)}});
}

}  // namespace

Status Slice(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank("self"));
  PT2TF_ASSIGN_OR_RETURN(SliceArgs a, ReadSliceArgs(c, rank));
  if (!IsSymbolic(c, "start") && !IsSymbolic(c, "end"))
    return c.SetOutput(
        ctx.Op("Slice", {x, a.start, a.end, ctx.ConstInts({a.axis}), ctx.ConstInts({a.step})}));
  // Bounds known only at run time (x[:, :seq] under dynamic_shapes): a Gather of the
  // Range(start, end, step) of indices, end clamped to the dim as torch does, since writers
  // (TensorFlow's StridedSlice masks) need constant Slice bounds.
  ir::Value* indices = SliceIndices(ctx, x, a.axis, a.start, a.end, a.step);
  return c.SetOutput(ctx.Op("Gather", {x, indices}, {{"axis", Attribute::Int(a.axis)}}));
}

Status Select(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, c.Dim());
  PT2TF_ASSIGN_OR_RETURN(int64_t index, c.Int("index"));
  return c.SetOutput(ctx.Op("Gather", {x, ctx.ConstInt(index)}, {{"axis", Attribute::Int(axis)}}));
}

// slice_scatter(self, src, dim, start, end, step): self with self[dim start:end:step] = src,
// what run_decompositions() makes of an in-place write through a slice.
Status SliceScatter(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * src, c.Tensor("src"));
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t src_rank, c.Rank("src"));
  if (src_rank != rank) return c.Error("src has another rank than self");
  PT2TF_ASSIGN_OR_RETURN(SliceArgs a, ReadSliceArgs(c, rank));
  ir::Value* indices = SliceIndices(ctx, x, a.axis, a.start, a.end, a.step);
  return c.SetOutput(ScatterAlong(ctx, x, src, indices, a.axis, rank));
}

// select_scatter(self, src, dim, index): self with self.select(dim, index) = src.
Status SelectScatter(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * src, c.Tensor("src"));
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t src_rank, c.Rank("src"));
  if (src_rank + 1 != rank) return c.Error("src must have one dim fewer than self");
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, c.Dim());
  PT2TF_ASSIGN_OR_RETURN(int64_t index, c.Int("index"));
  // index:index+1 (index -1 runs to the end: its end bound is past the dim, clamped).
  ir::Value* end = ctx.ConstInts({index == -1 ? std::numeric_limits<int64_t>::max() : index + 1});
  ir::Value* indices = SliceIndices(ctx, x, axis, ctx.ConstInts({index}), end, 1);
  ir::Value* row = ctx.Op("Unsqueeze", {src, ctx.ConstInts({axis})});
  return c.SetOutput(ScatterAlong(ctx, x, row, indices, axis, rank));
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
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, c.Dim());
  PT2TF_ASSIGN_OR_RETURN(ir::Value * idx, c.Tensor("index"));
  return c.SetOutput(
      ctx.Op("Gather", {x, ctx.Cast(idx, DType::kInt64)}, {{"axis", Attribute::Int(axis)}}));
}

}  // namespace pt2tf::pt2::ops

// Reordering and selection: gather, triu / tril, topk, roll, flip.
namespace pt2tf::pt2::ops {

Status GatherDim(OpCall& c) {  // aten.gather(self, dim, index): ONNX GatherElements
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, c.Dim());
  PT2TF_ASSIGN_OR_RETURN(ir::Value * idx, c.Tensor("index"));
  return c.SetOutput(ctx.Op("GatherElements", {x, ctx.Cast(idx, DType::kInt64)},
                            {{"axis", Attribute::Int(axis)}}));
}

static Status TriangleOf(OpCall& c, int64_t upper) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t k, c.Int("diagonal", 0));
  return c.SetOutput(ctx.Op("Trilu", {x, ctx.ConstInt(k)}, {{"upper", Attribute::Int(upper)}}));
}

Status Triu(OpCall& c) { return TriangleOf(c, 1); }
Status Tril(OpCall& c) { return TriangleOf(c, 0); }

// topk(self, k, dim, largest, sorted) → (values, indices). sorted=False leaves the order to
// the implementation in torch, so ONNX's sorted output is one valid answer.
Status TopK(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t k, c.Int("k"));
  PT2TF_ASSIGN_OR_RETURN(int64_t dim, c.Int("dim", -1));
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, NormAxis(c, dim, rank));
  PT2TF_ASSIGN_OR_RETURN(bool largest, c.Bool("largest", true));
  std::vector<ir::Value*> out = ctx.OpN("TopK", {x, ctx.ConstInts({k})},
                                        {{"axis", Attribute::Int(axis)},
                                         {"largest", Attribute::Int(largest ? 1 : 0)},
                                         {"sorted", Attribute::Int(1)}},
                                        2);
  out[1]->dtype = DType::kInt64;
  PT2TF_RETURN_IF_ERROR(c.SetOutput(out[0], 0));
  return c.SetOutput(out[1], 1);
}

// roll: per (shift, dim), the last `shift` entries moved to the front: Concat of two Slices
// (the dims must be static). No dims: the flattened tensor rolls, then takes its shape back.
Status Roll(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, c.Sizes("self"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> shifts, c.Ints("shifts"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> dims, c.Ints("dims", std::vector<int64_t>{}));
  const int64_t rank = static_cast<int64_t>(sizes.size());
  ir::Value* y = x;
  std::vector<int64_t> lengths;
  const bool flattened = dims.empty();
  if (flattened) {
    if (shifts.size() != 1) return c.Error("several shifts without dims");
    int64_t n = 1;
    for (int64_t s : sizes) {
      if (s < 0) return c.Error("roll of a dynamic dim");
      n *= s;
    }
    y = ctx.Op("Reshape", {x, ctx.ConstInts({n})});
    dims = {0};
    lengths = {n};
  } else {
    if (shifts.size() != dims.size()) return c.Error("shifts and dims differ in length");
    for (int64_t& d : dims) {
      PT2TF_ASSIGN_OR_RETURN(d, NormAxis(c, d, rank));
      if (sizes[d] < 0) return c.Error("roll of a dynamic dim");
      lengths.push_back(sizes[d]);
    }
  }
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t n = lengths[i];
    if (n == 0) continue;
    const int64_t s = ((shifts[i] % n) + n) % n;
    if (s == 0) continue;
    ir::Value* axes = ctx.ConstInts({dims[i]});
    ir::Value* tail = ctx.Op("Slice", {y, ctx.ConstInts({n - s}), ctx.ConstInts({n}), axes});
    ir::Value* head = ctx.Op("Slice", {y, ctx.ConstInts({0}), ctx.ConstInts({n - s}), axes});
    y = ctx.Op("Concat", {tail, head}, {{"axis", Attribute::Int(dims[i])}});
  }
  if (flattened) y = ctx.Op("Reshape", {y, ctx.ConstInts(sizes)});
  return c.SetOutput(y);
}

// flip: a Slice with step -1 from the last element through the first, per dim.
Status Flip(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank("self"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> dims, c.Ints("dims"));
  if (dims.empty()) return c.SetOutput(x);
  std::vector<int64_t> starts, ends, steps;
  for (int64_t& d : dims) {
    PT2TF_ASSIGN_OR_RETURN(d, NormAxis(c, d, rank));
    starts.push_back(-1);
    ends.push_back(std::numeric_limits<int64_t>::min());
    steps.push_back(-1);
  }
  return c.SetOutput(ctx.Op("Slice", {x, ctx.ConstInts(starts), ctx.ConstInts(ends),
                                      ctx.ConstInts(dims), ctx.ConstInts(steps)}));
}

}  // namespace pt2tf::pt2::ops

namespace pt2tf::pt2::ops {

// sort / argsort: a TopK over the whole (static) dim. ONNX puts equal values in index order,
// which is what stable=True asks of torch (and one valid order when it does not).
static Status SortAlong(OpCall& c, bool values_too) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, c.Sizes("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t dim, c.Int("dim", -1));
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, NormAxis(c, dim, static_cast<int64_t>(sizes.size())));
  PT2TF_ASSIGN_OR_RETURN(bool descending, c.Bool("descending", false));
  if (sizes.empty()) return c.Error("sort of a 0-D tensor");
  if (sizes[axis] < 0) return c.Error("sort along a dynamic dim");
  std::vector<ir::Value*> out = ctx.OpN("TopK", {x, ctx.ConstInts({sizes[axis]})},
                                        {{"axis", Attribute::Int(axis)},
                                         {"largest", Attribute::Int(descending ? 1 : 0)},
                                         {"sorted", Attribute::Int(1)}},
                                        2);
  out[1]->dtype = DType::kInt64;
  if (!values_too) return c.SetOutput(out[1]);
  PT2TF_RETURN_IF_ERROR(c.SetOutput(out[0], 0));
  return c.SetOutput(out[1], 1);
}

Status Sort(OpCall& c) { return SortAlong(c, true); }
Status Argsort(OpCall& c) { return SortAlong(c, false); }

}  // namespace pt2tf::pt2::ops
