// Index-driven ops, in IR layout: GatherND, ScatterND, GatherElements, ScatterElements,
// OneHot, EyeLike.
// TF rejects negative indices where ONNX counts them from the end, so indices are wrapped
// first (constants at conversion time, computed ones with FloorMod against the dims).
#include <algorithm>
#include <cstring>

#include "tf/ops/common.h"
#include "tf/ops/ops.h"

namespace pt2tf::tf {
namespace {

// The last-axis coordinates of `indices` (shape [..., q]) wrapped into data's first q dims.
Result<std::string> WrappedNdIndices(const ir::Node& node, EmitContext& ctx, const ir::Value* data,
                                     const ir::Value* indices) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(data));
  PT2TF_ASSIGN_OR_RETURN(ir::Dims is, ctx.Shape(indices));
  if (is.empty() || is.back() < 0 || is.back() > static_cast<int64_t>(xs.size()))
    return InvalidInput(node.Describe() + ": indices' last dim must be static and <= data rank");
  std::vector<int64_t> dims(xs.begin(), xs.begin() + is.back());
  PT2TF_ASSIGN_OR_RETURN(std::string idx, ctx.GetAs(indices, {}));
  if (indices->dtype != DType::kInt64)
    return InvalidInput(node.Describe() + ": indices must be int64");
  std::string d;
  if (std::find(dims.begin(), dims.end(), ir::kUnknownDim) == dims.end()) {
    for (int64_t& n : dims) n = std::max<int64_t>(n, 1);  // see the divisor below
    d = ctx.ConstI64(dims, node.name + "/dims");
  } else {  // a run-time dim: the data's leading dims, read at run time
    PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
    PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(data, {}));
    const std::string head = RunTimeDims(ctx, RunTimeShape(ctx, x, t, node.name + "/data_shape"), 0,
                                         static_cast<int64_t>(dims.size()), node.name + "/dims");
    // At least 1: TFLite's FLOOR_MOD refuses a zero divisor even when there is no index
    // (an empty dim has none that is valid).
    PT2TF_ASSIGN_OR_RETURN(std::string one, ctx.ConstScalar(DType::kInt64, 1, node.name + "/one"));
    d = ctx.Binary("Maximum", head, one, tensorflow::DT_INT64, node.name + "/divisor");
  }
  return ctx.Binary("FloorMod", idx, d, tensorflow::DT_INT64, node.name + "/wrap");
}

// The TF op of an ONNX scatter `reduction` ("" for mul, which TF has no op for).
std::string ScatterOp(const std::string& reduction) {
  return reduction == "none"  ? "TensorScatterUpdate"
         : reduction == "add" ? "TensorScatterAdd"
         : reduction == "max" ? "TensorScatterMax"
         : reduction == "min" ? "TensorScatterMin"
                              : "";
}

}  // namespace

Status EmitGatherNd(const ir::Node& node, EmitContext& ctx) {
  if (node.GetInt("batch_dims", 0) != 0) return NodeUnsupported(node, "attribute batch_dims != 0");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  PT2TF_ASSIGN_OR_RETURN(ir::Dims is, ctx.Shape(node.input(1)));
  if (!is.empty() && is.back() >= 0 && is.back() <= static_cast<int64_t>(xs.size()) &&
      std::find(xs.begin() + is.back(), xs.end(), 0) != xs.end()) {
    // Empty slices (Ultralytics' NMS gathers the [boxes, 0] extras of a plain detector):
    // TF's GatherNd refuses any index into empty params, so the empty result is a Fill of
    // indices.shape[:-1] + data.shape[depth:].
    PT2TF_ASSIGN_OR_RETURN(std::string idx, ctx.GetAs(node.input(1), {}));
    PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType ti, InputType(node, 1));
    const std::string lead =
        RunTimeDims(ctx, RunTimeShape(ctx, idx, ti, node.name + "/indices_shape"), 0,
                    static_cast<int64_t>(is.size()) - 1, node.name + "/lead");
    std::string rest;
    const ir::Dims tail(xs.begin() + is.back(), xs.end());
    if (std::find(tail.begin(), tail.end(), ir::kUnknownDim) == tail.end()) {
      rest = ctx.ConstI64(tail, node.name + "/rest");
    } else {  // data.shape[depth:] read at run time
      PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(node.input(0), {}));
      rest = RunTimeDims(ctx, RunTimeShape(ctx, x, t, node.name + "/data_shape"), is.back(),
                         static_cast<int64_t>(tail.size()), node.name + "/rest");
    }
    tensorflow::NodeDef& dims =
        ctx.AddOp("ConcatV2", node.name + "/dims",
                  {lead, rest, ctx.ConstI32({0}, node.name + "/axis", ir::Dims{})});
    SetAttrType(dims, "T", tensorflow::DT_INT64);
    SetAttrInt(dims, "N", 2);
    SetAttrType(dims, "Tidx", tensorflow::DT_INT32);
    PT2TF_ASSIGN_OR_RETURN(std::string zero,
                           ctx.ConstScalar(node.input(0)->dtype, 0, node.name + "/zero"));
    tensorflow::NodeDef& fill = ctx.AddOp("Fill", node.name, {dims.name(), zero});
    SetAttrType(fill, "T", t);
    SetAttrType(fill, "index_type", tensorflow::DT_INT64);
    ctx.Set(node.outputs[0], TfValue{fill.name(), {}, std::nullopt});
    return OkStatus();
  }
  PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(node.input(0), {}));
  PT2TF_ASSIGN_OR_RETURN(std::string idx,
                         WrappedNdIndices(node, ctx, node.input(0), node.input(1)));
  tensorflow::NodeDef& def = ctx.AddOp("GatherNd", node.name, {x, idx});
  SetAttrType(def, "Tparams", t);
  SetAttrType(def, "Tindices", tensorflow::DT_INT64);
  ctx.Set(node.outputs[0], TfValue{def.name(), {}, std::nullopt});
  return OkStatus();
}

Status EmitScatterNd(const ir::Node& node, EmitContext& ctx) {
  const std::string reduction = node.GetString("reduction", "none");
  const std::string op = ScatterOp(reduction);
  if (op.empty()) return NodeUnsupported(node, "attribute reduction='" + reduction + "'");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(node.input(0), {}));
  PT2TF_ASSIGN_OR_RETURN(std::string idx,
                         WrappedNdIndices(node, ctx, node.input(0), node.input(1)));
  PT2TF_ASSIGN_OR_RETURN(std::string updates, ctx.GetAs(node.input(2), {}));
  tensorflow::NodeDef& def = ctx.AddOp(op, node.name, {x, idx, updates});
  SetAttrType(def, "T", t);
  SetAttrType(def, "Tindices", tensorflow::DT_INT64);
  ctx.Set(node.outputs[0], TfValue{def.name(), {}, std::nullopt});
  return OkStatus();
}

// The full coordinates of each element of `indices` (same rank as data) with the entry on
// `axis` replaced by the index it holds (wrapped): [..., rank], for GatherNd/TensorScatter*.
// Every axis but `axis` is a grid over the indices' shape: a constant when that shape is
// static, else a RANGE along the axis broadcast to the indices' run-time shape.
static Result<std::string> ElementCoords(const ir::Node& node, EmitContext& ctx, int64_t& axis,
                                         const char* what) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  PT2TF_ASSIGN_OR_RETURN(ir::Dims is, ctx.Shape(node.input(1)));
  const int64_t rank = static_cast<int64_t>(xs.size());
  if (static_cast<int64_t>(is.size()) != rank)
    return InvalidInput(node.Describe() + ": indices rank differs from data rank");
  axis = node.GetInt("axis", 0);
  if (!NormalizeAxis(axis, rank)) return InvalidInput(node.Describe() + ": axis out of range");
  if (xs[axis] < 0) return NodeUnsupported(node, std::string(what) + " along an unknown dim");
  const bool runtime = std::find(is.begin(), is.end(), ir::kUnknownDim) != is.end();
  int64_t numel = 1;
  for (int64_t d : is) numel *= runtime ? 1 : d;
  if (numel * rank > (int64_t{1} << 24)) return NodeUnsupported(node, "indices too large");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType ti, InputType(node, 1));
  PT2TF_ASSIGN_OR_RETURN(std::string idx, ctx.GetAs(node.input(1), {}));
  if (ti != tensorflow::DT_INT64) {
    tensorflow::NodeDef& c = ctx.AddOp("Cast", node.name + "/indices64", {idx});
    SetAttrType(c, "SrcT", ti);
    SetAttrType(c, "DstT", tensorflow::DT_INT64);
    SetAttrBool(c, "Truncate", false);
    idx = c.name();
  }
  PT2TF_ASSIGN_OR_RETURN(
      std::string dim,
      ctx.ConstScalar(DType::kInt64, static_cast<double>(xs[axis]), node.name + "/dim"));
  idx = ctx.Binary("FloorMod", idx, dim, tensorflow::DT_INT64, node.name + "/wrap");
  const std::string index_shape =
      runtime ? RunTimeShape(ctx, idx, tensorflow::DT_INT64, node.name + "/index_shape") : "";
  std::vector<std::string> coords;
  for (int64_t d = 0; d < rank; ++d) {
    if (d == axis) {
      coords.push_back(idx);
      continue;
    }
    if (runtime) {  // Range(0, shape[d]) as [1, .., n, .., 1], broadcast to the shape
      ir::Dims along(rank, 1);
      along[d] = -1;
      PT2TF_ASSIGN_OR_RETURN(std::string col,
                             RangeAlong(ctx, RunTimeDim(ctx, index_shape, d, node.name + "/limit"),
                                        along, node.name + "/range"));
      tensorflow::NodeDef& grid = ctx.AddOp("BroadcastTo", node.name + "/grid", {col, index_shape});
      SetAttrType(grid, "T", tensorflow::DT_INT64);
      SetAttrType(grid, "Tidx", tensorflow::DT_INT64);
      coords.push_back(grid.name());
      continue;
    }
    std::vector<int64_t> grid(numel);
    int64_t inner = 1;
    for (int64_t k = d + 1; k < rank; ++k) inner *= is[k];
    for (int64_t i = 0; i < numel; ++i) grid[i] = (i / inner) % is[d];
    coords.push_back(ctx.ConstI64(grid, node.name + "/grid", is));
  }
  tensorflow::NodeDef& pack = ctx.AddOp("Pack", node.name + "/coords", coords);
  SetAttrType(pack, "T", tensorflow::DT_INT64);
  SetAttrInt(pack, "N", rank);
  SetAttrInt(pack, "axis", -1);
  return pack.name();
}

Status EmitGatherElements(const ir::Node& node, EmitContext& ctx) {
  // out[p] = data[p with p[axis] := indices[p]]: GatherNd with the full coordinates.
  int64_t axis = 0;
  PT2TF_ASSIGN_OR_RETURN(std::string coords, ElementCoords(node, ctx, axis, "gathering"));
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(node.input(0), {}));
  tensorflow::NodeDef& def = ctx.AddOp("GatherNd", node.name, {x, coords});
  SetAttrType(def, "Tparams", t);
  SetAttrType(def, "Tindices", tensorflow::DT_INT64);
  ctx.Set(node.outputs[0], TfValue{def.name(), {}, std::nullopt});
  return OkStatus();
}

Status EmitScatterElements(const ir::Node& node, EmitContext& ctx) {
  // out = data with out[p with p[axis] := indices[p]] = updates[p] (or combined by the
  // reduction): the TensorScatter* of ScatterND over the full coordinates.
  const std::string reduction = node.GetString("reduction", "none");
  const std::string op = ScatterOp(reduction);
  if (op.empty()) return NodeUnsupported(node, "attribute reduction='" + reduction + "'");
  int64_t axis = 0;
  PT2TF_ASSIGN_OR_RETURN(std::string coords, ElementCoords(node, ctx, axis, "scattering"));
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(node.input(0), {}));
  PT2TF_ASSIGN_OR_RETURN(std::string updates, ctx.GetAs(node.input(2), {}));
  tensorflow::NodeDef& def = ctx.AddOp(op, node.name, {x, coords, updates});
  SetAttrType(def, "T", t);
  SetAttrType(def, "Tindices", tensorflow::DT_INT64);
  ctx.Set(node.outputs[0], TfValue{def.name(), {}, std::nullopt});
  return OkStatus();
}

Status EmitOneHot(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims is, ctx.Shape(node.input(0)));
  const int64_t out_rank = static_cast<int64_t>(is.size()) + 1;
  int64_t axis = node.GetInt("axis", -1);
  if (!NormalizeAxis(axis, out_rank)) return InvalidInput(node.Describe() + ": axis out of range");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType ti, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType td, InputType(node, 1));
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType tv, InputType(node, 2));
  auto cast = [&](const std::string& x, tensorflow::DataType from, tensorflow::DataType to,
                  const std::string& hint) { return EmitCast(ctx, x, from, to, hint); };
  PT2TF_ASSIGN_OR_RETURN(std::string indices, ctx.GetAs(node.input(0), {}));
  indices = cast(indices, ti, tensorflow::DT_INT64, node.name + "/indices64");
  // A constant depth stays a constant (not a Cast of one): the TFLite OneHot then has a
  // static output shape, which pt2tf's evaluator (int8 calibration) needs.
  const ir::Value* dv = node.input(1);
  const bool const_depth = dv->is_constant() && dv->constant->numel() == 1;
  std::string depth, depth64, depth32;
  if (const_depth) {
    const int64_t d = dv->constant->ElementAsInt(0);
    depth64 = ctx.ConstI64({d}, node.name + "/depth64", ir::Dims{});
    depth32 = ctx.ConstI32({d}, node.name + "/depth32", ir::Dims{});
  } else {
    PT2TF_ASSIGN_OR_RETURN(depth, RuntimeInput(node, ctx, 1, true));
    depth64 = cast(depth, td, tensorflow::DT_INT64, node.name + "/depth64");
  }
  // ONNX counts negative indices from the end; TF's -1 would mean "no class".
  PT2TF_ASSIGN_OR_RETURN(std::string zero, ctx.ConstScalar(DType::kInt64, 0, node.name + "/zero"));
  std::string negative =
      ctx.Binary("Less", indices, zero, tensorflow::DT_INT64, node.name + "/negative");
  std::string shifted =
      ctx.Binary("AddV2", indices, depth64, tensorflow::DT_INT64, node.name + "/shifted");
  tensorflow::NodeDef& sel =
      ctx.AddOp("SelectV2", node.name + "/wrapped", {negative, shifted, indices});
  SetAttrType(sel, "T", tensorflow::DT_INT64);
  if (!const_depth) depth32 = cast(depth, td, tensorflow::DT_INT32, node.name + "/depth32");
  PT2TF_ASSIGN_OR_RETURN(std::string values, ctx.GetAs(node.input(2), {}));
  tensorflow::NodeDef& unpack = ctx.AddOp("Unpack", node.name + "/values", {values});
  SetAttrType(unpack, "T", tv);
  SetAttrInt(unpack, "num", 2);
  SetAttrInt(unpack, "axis", 0);
  tensorflow::NodeDef& def =
      ctx.AddOp("OneHot", node.name, {sel.name(), depth32, unpack.name() + ":1", unpack.name()});
  SetAttrType(def, "T", tv);
  SetAttrType(def, "TI", tensorflow::DT_INT64);
  SetAttrInt(def, "axis", axis);
  ctx.Set(node.outputs[0], TfValue{def.name(), {}, std::nullopt});
  return OkStatus();
}

Status EmitEyeLike(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.StaticShape(node.input(0)));
  if (xs.size() != 2) return InvalidInput(node.Describe() + ": input must be 2-D");
  DType dtype = node.input(0)->dtype;
  if (node.FindAttr("dtype")) {
    auto d = DTypeFromOnnx(static_cast<int>(node.GetInt("dtype", 1)));
    if (!d) return NodeUnsupported(node, "attribute dtype");
    dtype = *d;
  }
  const int64_t k = node.GetInt("k", 0);
  const int64_t esize = ElementSize(dtype);
  if (esize == 0 || xs[0] * xs[1] > (int64_t{1} << 24))
    return NodeUnsupported(node, "output type or size");
  std::vector<std::byte> bytes(static_cast<size_t>(xs[0] * xs[1] * esize));
  PT2TF_ASSIGN_OR_RETURN(Tensor unit, ScalarTensor(dtype, 1));
  for (int64_t i = 0; i < xs[0]; ++i) {
    const int64_t j = i + k;
    if (j >= 0 && j < xs[1])
      std::memcpy(bytes.data() + (i * xs[1] + j) * esize, unit.contiguous_bytes().data(), esize);
  }
  PT2TF_ASSIGN_OR_RETURN(Tensor eye, Tensor::FromBytes(dtype, xs, std::move(bytes)));
  PT2TF_ASSIGN_OR_RETURN(std::string c, ctx.AddConst(std::move(eye), node.name));
  ctx.Set(node.outputs[0], TfValue{c, {}, std::nullopt});
  return OkStatus();
}

}  // namespace pt2tf::tf
