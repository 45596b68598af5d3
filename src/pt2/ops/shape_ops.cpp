// Shape and layout: view / reshape, flatten, permute, transpose, (un)squeeze, expand, cat,
// stack, split / chunk / unbind, meshgrid, the no-op aliases (clone, dropout, contiguous ...),
// dtype conversions, sym_size (a dynamic dim as an int64 scalar), unflatten and the
// reshape_as / view_as / expand_as forms.
#include "pt2/ops/ops.h"

namespace pt2tf::pt2::ops {
namespace {

using ir::Attribute;

// The recorded output sizes when all static; nullopt when some dim is symbolic.
std::optional<std::vector<int64_t>> StaticOutput(OpCall& c, size_t i = 0) {
  const TensorMeta* m = c.ctx().Meta(c.OutputName(i));
  if (m == nullptr) return std::nullopt;
  std::vector<int64_t> out;
  for (const SymDim& d : m->sizes) {
    if (d.symbolic()) return std::nullopt;
    out.push_back(d.value);
  }
  return out;
}

// Builds the ONNX Split of `x` along `axis` into the node's list outputs.
Status SplitInto(OpCall& c, ir::Value* x, int64_t axis, const std::vector<int64_t>& sizes,
                 bool squeeze) {
  ImportContext& ctx = c.ctx();
  std::vector<ir::Value*> parts =
      ctx.OpN("Split", {x, ctx.ConstInts(sizes)}, {{"axis", Attribute::Int(axis)}}, sizes.size());
  for (size_t i = 0; i < parts.size(); ++i) {
    ir::Value* p = parts[i];
    if (squeeze) p = ctx.Op("Squeeze", {p, ctx.ConstInts({axis})});
    PT2TF_RETURN_IF_ERROR(c.SetOutput(p, i));
  }
  return OkStatus();
}

Result<std::pair<ir::Value*, int64_t>> InputAndAxis(OpCall& c, const char* dim_name,
                                                    int64_t fallback = 0) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t dim, c.Int(dim_name, fallback));
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, NormAxis(c, dim, rank));
  return std::make_pair(x, axis);
}

}  // namespace

Status View(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  ImportContext& ctx = c.ctx();
  if (std::optional<std::vector<int64_t>> out = StaticOutput(c))
    return c.SetOutput(ctx.Op("Reshape", {x, ctx.ConstInts(*out)}));
  const char* size = c.Find("size") ? "size" : "shape";
  PT2TF_ASSIGN_OR_RETURN(ir::Value * shape, c.IntList(size));
  return c.SetOutput(ctx.Op("Reshape", {x, shape}));
}

Status Flatten(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  if (std::optional<std::vector<int64_t>> out = StaticOutput(c))
    return c.SetOutput(ctx.Op("Reshape", {x, ctx.ConstInts(*out)}));
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t start, c.Int("start_dim", 0));
  PT2TF_ASSIGN_OR_RETURN(int64_t end, c.Int("end_dim", -1));
  PT2TF_ASSIGN_OR_RETURN(start, NormAxis(c, start, rank));
  PT2TF_ASSIGN_OR_RETURN(end, NormAxis(c, end, rank));
  // Dynamic: keep the dims outside [start, end] from Shape(x), -1 for the flattened run.
  ir::Value* shape = ctx.Op("Shape", {x});
  shape->dtype = DType::kInt64;
  std::vector<ir::Value*> pieces;
  if (start > 0)
    pieces.push_back(ctx.Op("Slice", {shape, ctx.ConstInts({0}), ctx.ConstInts({start})}));
  pieces.push_back(ctx.ConstInts({-1}));
  if (end + 1 < rank)
    pieces.push_back(ctx.Op("Slice", {shape, ctx.ConstInts({end + 1}), ctx.ConstInts({rank})}));
  ir::Value* target = ctx.Op("Concat", pieces, {{"axis", Attribute::Int(0)}});
  return c.SetOutput(ctx.Op("Reshape", {x, target}));
}

Status Permute(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank("self"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> dims, c.Ints("dims"));
  if (static_cast<int64_t>(dims.size()) != rank) return c.Error("dims do not match the rank");
  for (int64_t& d : dims) {
    PT2TF_ASSIGN_OR_RETURN(d, NormAxis(c, d, rank));
  }
  return c.SetOutput(c.ctx().Op("Transpose", {x}, {{"perm", Attribute::Ints(dims)}}));
}

// Swaps the dims named by arguments `n0` and `n1` (transpose.int: dim0 / dim1; swapaxes:
// axis0 / axis1).
static Status SwapDims(OpCall& c, const char* n0, const char* n1) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t d0, c.Int(n0));
  PT2TF_ASSIGN_OR_RETURN(int64_t d1, c.Int(n1));
  PT2TF_ASSIGN_OR_RETURN(d0, NormAxis(c, d0, rank));
  PT2TF_ASSIGN_OR_RETURN(d1, NormAxis(c, d1, rank));
  if (rank < 2 || d0 == d1) return c.SetOutput(x);
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < rank; ++i) perm.push_back(i);
  std::swap(perm[d0], perm[d1]);
  return c.SetOutput(c.ctx().Op("Transpose", {x}, {{"perm", Attribute::Ints(perm)}}));
}

Status Transpose(OpCall& c) { return SwapDims(c, "dim0", "dim1"); }
Status SwapAxes(OpCall& c) { return SwapDims(c, "axis0", "axis1"); }

Status T(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank("self"));
  if (rank < 2) return c.SetOutput(x);
  return c.SetOutput(c.ctx().Op("Transpose", {x}, {{"perm", Attribute::Ints({1, 0})}}));
}

Status Unsqueeze(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t dim, c.Int("dim"));
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, NormAxis(c, dim, rank + 1));
  return c.SetOutput(c.ctx().Op("Unsqueeze", {x, c.ctx().ConstInts({axis})}));
}

Status Squeeze(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, c.Sizes("self"));
  const int64_t rank = static_cast<int64_t>(sizes.size());
  std::vector<int64_t> dims;
  if (c.Find("dim") != nullptr) {
    PT2TF_ASSIGN_OR_RETURN(dims, c.Ints("dim"));
  } else if (c.Find("dims") != nullptr) {
    PT2TF_ASSIGN_OR_RETURN(dims, c.Ints("dims"));
  } else {
    for (int64_t i = 0; i < rank; ++i) dims.push_back(i);
  }
  // torch skips dims that are not 1; ONNX would fail on them.
  std::vector<int64_t> axes;
  for (int64_t d : dims) {
    PT2TF_ASSIGN_OR_RETURN(int64_t a, NormAxis(c, d, rank));
    if (rank == 0) continue;
    if (sizes[a] == 1)
      axes.push_back(a);
    else if (sizes[a] < 0)
      return c.Error("squeeze of a dynamic dim");
  }
  if (axes.empty()) return c.SetOutput(x);
  return c.SetOutput(ctx.Op("Squeeze", {x, ctx.ConstInts(axes)}));
}

Status Expand(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  if (std::optional<std::vector<int64_t>> out = StaticOutput(c))
    return c.SetOutput(ctx.Op("Expand", {x, ctx.ConstInts(*out)}));
  // torch's -1 keeps the input's dim; ONNX broadcasting does that for a 1.
  const Arg* size = c.Find("size");
  if (size == nullptr) return c.Error("no size");
  Arg fixed = *size;
  for (int64_t& v : fixed.ints) v = v == -1 ? 1 : v;
  for (SymIntArg& s : fixed.sym_ints) s.value = s.name.empty() && s.value == -1 ? 1 : s.value;
  Node tmp = c.node();
  for (NamedArg& a : tmp.inputs)
    if (a.name == "size") a.arg = fixed;
  OpCall fixed_call(tmp, ctx);
  PT2TF_ASSIGN_OR_RETURN(ir::Value * shape, fixed_call.IntList("size"));
  return c.SetOutput(ctx.Op("Expand", {x, shape}));
}

Status Repeat(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank("self"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> repeats, c.Ints("repeats"));
  ImportContext& ctx = c.ctx();
  const int64_t extra = static_cast<int64_t>(repeats.size()) - rank;
  if (extra < 0) return c.Error("fewer repeats than dims");
  if (extra > 0) {  // torch prepends size-1 dims
    std::vector<int64_t> axes;
    for (int64_t i = 0; i < extra; ++i) axes.push_back(i);
    x = ctx.Op("Unsqueeze", {x, ctx.ConstInts(axes)});
  }
  return c.SetOutput(ctx.Op("Tile", {x, ctx.ConstInts(repeats)}));
}

// meshgrid of 1-D tensors t_0..t_{n-1}: output i is t_i reshaped to lie along axis i (axis
// 1 - i for the first two with "xy" indexing) and expanded to the common grid shape.
Status Meshgrid(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(std::vector<ir::Value*> parts, c.Tensors("tensors"));
  PT2TF_ASSIGN_OR_RETURN(std::string indexing, c.String("indexing", "ij"));
  if (indexing != "ij" && indexing != "xy") return c.Error("indexing '" + indexing + "'");
  const int64_t n = static_cast<int64_t>(parts.size());
  const Arg* list = c.Find("tensors");
  std::vector<ir::Value*> lengths;
  for (int64_t i = 0; i < n; ++i) {
    const TensorMeta* m = parts[i] ? ctx.Meta(list->names[i]) : nullptr;
    if (m == nullptr || m->sizes.size() > 1) return c.Error("inputs must be 0-D or 1-D tensors");
    parts[i] = ctx.Op("Reshape", {parts[i], ctx.ConstInts({-1})});
    ir::Value* len = ctx.Op("Shape", {parts[i]});
    len->dtype = DType::kInt64;
    lengths.push_back(len);
  }
  std::vector<int64_t> axis_of(n);
  for (int64_t i = 0; i < n; ++i) axis_of[i] = i;
  if (indexing == "xy" && n >= 2) std::swap(axis_of[0], axis_of[1]);
  std::vector<ir::Value*> grid(n);
  for (int64_t i = 0; i < n; ++i) grid[axis_of[i]] = lengths[i];
  ir::Value* grid_shape = ctx.Op("Concat", grid, {{"axis", Attribute::Int(0)}});
  for (int64_t i = 0; i < n; ++i) {
    std::vector<int64_t> along(n, 1);
    along[axis_of[i]] = -1;
    ir::Value* shaped = ctx.Op("Reshape", {parts[i], ctx.ConstInts(along)});
    PT2TF_RETURN_IF_ERROR(c.SetOutput(ctx.Op("Expand", {shaped, grid_shape}), i));
  }
  return OkStatus();
}

Status Cat(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(std::vector<ir::Value*> parts, c.Tensors("tensors"));
  const TensorMeta* out = c.ctx().Meta(c.OutputName());
  if (out == nullptr) return InvalidInput(c.Describe() + ": no output metadata");
  PT2TF_ASSIGN_OR_RETURN(int64_t dim, c.Int("dim", 0));
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, NormAxis(c, dim, static_cast<int64_t>(out->sizes.size())));
  std::vector<ir::Value*> inputs;
  for (ir::Value* p : parts)
    if (p) inputs.push_back(c.ctx().Cast(p, out->dtype));
  return c.SetOutput(c.ctx().Op("Concat", inputs, {{"axis", Attribute::Int(axis)}}));
}

Status Stack(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(std::vector<ir::Value*> parts, c.Tensors("tensors"));
  const TensorMeta* out = ctx.Meta(c.OutputName());
  if (out == nullptr) return InvalidInput(c.Describe() + ": no output metadata");
  PT2TF_ASSIGN_OR_RETURN(int64_t dim, c.Int("dim", 0));
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, NormAxis(c, dim, static_cast<int64_t>(out->sizes.size())));
  std::vector<ir::Value*> inputs;
  for (ir::Value* p : parts)
    if (p) inputs.push_back(ctx.Op("Unsqueeze", {ctx.Cast(p, out->dtype), ctx.ConstInts({axis})}));
  return c.SetOutput(ctx.Op("Concat", inputs, {{"axis", Attribute::Int(axis)}}));
}

Status Split(OpCall& c) {  // split.Tensor: equal chunks of split_size, the last smaller
  PT2TF_ASSIGN_OR_RETURN(auto xa, InputAndAxis(c, "dim"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, c.Sizes("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t chunk, c.Int("split_size"));
  const int64_t n = sizes[xa.second];
  if (n < 0 || chunk <= 0) return c.Error("split of a dynamic dim");
  std::vector<int64_t> parts;
  for (int64_t at = 0; at < n; at += chunk) parts.push_back(std::min(chunk, n - at));
  return SplitInto(c, xa.first, xa.second, parts, false);
}

Status SplitWithSizes(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(auto xa, InputAndAxis(c, "dim"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> parts, c.Ints("split_sizes"));
  return SplitInto(c, xa.first, xa.second, parts, false);
}

Status Chunk(OpCall& c) {  // torch: ceil(n / chunks) per chunk
  PT2TF_ASSIGN_OR_RETURN(auto xa, InputAndAxis(c, "dim"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, c.Sizes("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t chunks, c.Int("chunks"));
  const int64_t n = sizes[xa.second];
  if (n < 0 || chunks <= 0) return c.Error("chunk of a dynamic dim");
  const int64_t each = (n + chunks - 1) / chunks;
  std::vector<int64_t> parts;
  for (int64_t at = 0; at < n; at += each) parts.push_back(std::min(each, n - at));
  return SplitInto(c, xa.first, xa.second, parts, false);
}

Status Unbind(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(auto xa, InputAndAxis(c, "dim"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, c.Sizes("self"));
  const int64_t n = sizes[xa.second];
  if (n < 0) return c.Error("unbind of a dynamic dim");
  return SplitInto(c, xa.first, xa.second, std::vector<int64_t>(n, 1), true);
}

Status Identity(OpCall& c) {
  const char* name = c.Find("self") ? "self" : "input";
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor(name));
  return c.SetOutput(x);
}

Status ToDType(OpCall& c) {
  const char* name = c.Find("self") ? "self" : "input";
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor(name));
  return c.SetOutput(c.ctx().Cast(x, c.OutputDType()));
}

Status SymSize(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(auto xa, InputAndAxis(c, "dim"));
  if (c.node().outputs.size() != 1 || c.node().outputs[0].kind != ArgKind::kSymInt ||
      c.node().outputs[0].sym_ints[0].name.empty())
    return InvalidInput(c.Describe() + ": output is not a SymInt");
  ir::Value* shape = ctx.Op("Shape", {xa.first});
  shape->dtype = DType::kInt64;
  ir::Value* dim =
      ctx.Op("Gather", {shape, ctx.ConstInt(xa.second)}, {{"axis", Attribute::Int(0)}});
  ctx.BindSym(c.node().outputs[0].sym_ints[0].name, dim);
  return OkStatus();
}

}  // namespace pt2tf::pt2::ops

namespace pt2tf::pt2::ops {
// Runtime assertions torch.export records (_assert_tensor_metadata, _assert_scalar ...):
// they check what the program's metadata already states, and produce nothing.
Status NoOp(OpCall&) { return OkStatus(); }
}  // namespace pt2tf::pt2::ops

namespace pt2tf::pt2::ops {

// unflatten(self, dim, sizes): a Reshape; with a dynamic dim the target is Shape(self) with
// `dim` replaced by the sizes (one of which may be -1).
Status Unflatten(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  if (std::optional<std::vector<int64_t>> out = StaticOutput(c))
    return c.SetOutput(ctx.Op("Reshape", {x, ctx.ConstInts(*out)}));
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t dim, c.Int("dim"));
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, NormAxis(c, dim, rank));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * sizes, c.IntList("sizes"));
  ir::Value* shape = ctx.Op("Shape", {x});
  shape->dtype = DType::kInt64;
  std::vector<ir::Value*> pieces;
  if (axis > 0)
    pieces.push_back(ctx.Op("Slice", {shape, ctx.ConstInts({0}), ctx.ConstInts({axis})}));
  pieces.push_back(sizes);
  if (axis + 1 < rank)
    pieces.push_back(ctx.Op("Slice", {shape, ctx.ConstInts({axis + 1}), ctx.ConstInts({rank})}));
  ir::Value* target = ctx.Op("Concat", pieces, {{"axis", Attribute::Int(0)}});
  return c.SetOutput(ctx.Op("Reshape", {x, target}));
}

// reshape_as / view_as / expand_as: the other tensor's shape, constant when static.
static Status LikeOther(OpCall& c, const char* onnx_op) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * other, c.Tensor("other"));
  if (std::optional<std::vector<int64_t>> out = StaticOutput(c))
    return c.SetOutput(ctx.Op(onnx_op, {x, ctx.ConstInts(*out)}));
  ir::Value* shape = ctx.Op("Shape", {other});
  shape->dtype = DType::kInt64;
  return c.SetOutput(ctx.Op(onnx_op, {x, shape}));
}

// numpy_T (x.T): all dims reversed.
Status NumpyT(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank("self"));
  if (rank < 2) return c.SetOutput(x);
  std::vector<int64_t> perm;
  for (int64_t i = rank - 1; i >= 0; --i) perm.push_back(i);
  return c.SetOutput(c.ctx().Op("Transpose", {x}, {{"perm", Attribute::Ints(perm)}}));
}

Status ReshapeAs(OpCall& c) { return LikeOther(c, "Reshape"); }
Status ExpandAs(OpCall& c) { return LikeOther(c, "Expand"); }

}  // namespace pt2tf::pt2::ops

namespace pt2tf::pt2::ops {

// pixel_shuffle: channel c·r² + i·r + j goes to pixel (i, j) of channel c, which is ONNX
// DepthToSpace in CRD mode.
Status PixelShuffle(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t r, c.Int("upscale_factor"));
  if (rank != 4) return c.Error("input of rank " + std::to_string(rank) + " (4-D only)");
  return c.SetOutput(c.ctx().Op(
      "DepthToSpace", {x}, {{"blocksize", Attribute::Int(r)}, {"mode", Attribute::String("CRD")}}));
}

// pixel_unshuffle, the inverse: torch orders the output channels c·r² + i·r + j, ONNX
// SpaceToDepth (i·r + j)·C + c, so its result is regrouped [N, r², C, ...] → [N, C, r², ...].
Status PixelUnshuffle(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, c.Sizes("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t r, c.Int("downscale_factor"));
  if (sizes.size() != 4)
    return c.Error("input of rank " + std::to_string(sizes.size()) + " (4-D only)");
  for (int64_t s : sizes)
    if (s < 0) return c.Error("dynamic input dims");
  const int64_t n = sizes[0], ch = sizes[1], h = sizes[2] / r, w = sizes[3] / r;
  ir::Value* d = ctx.Op("SpaceToDepth", {x}, {{"blocksize", Attribute::Int(r)}});
  ir::Value* g = ctx.Op("Reshape", {d, ctx.ConstInts({n, r * r, ch, h, w})});
  g = ctx.Op("Transpose", {g}, {{"perm", Attribute::Ints({0, 2, 1, 3, 4})}});
  return c.SetOutput(ctx.Op("Reshape", {g, ctx.ConstInts({n, ch * r * r, h, w})}));
}

}  // namespace pt2tf::pt2::ops
