// Ops that fit no family: Range, CumSum, ReverseSequence, TopK, Einsum, DepthToSpace,
// SpaceToDepth.
#include <cctype>
#include <map>

#include "tf/ops/common.h"
#include "tf/ops/ops.h"

namespace pt2tf::tf {

Status EmitRange(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  std::vector<std::string> in;
  for (size_t i = 0; i < 3; ++i) {
    PT2TF_ASSIGN_OR_RETURN(ir::Dims s, ctx.Shape(node.input(i)));
    PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(node.input(i), {}));
    if (!s.empty()) x = ctx.Reshape(x, {}, t, node.name + "/scalar");
    in.push_back(x);
  }
  tensorflow::NodeDef& def = ctx.AddOp("Range", node.name, in);
  SetAttrType(def, "Tidx", t);
  ctx.Set(node.outputs[0], TfValue{def.name(), {}, std::nullopt});
  return OkStatus();
}

// TF's op of the same name: seq_dim is ONNX's time_axis, batch_dim its batch_axis.
Status EmitReverseSequence(const ir::Node& node, EmitContext& ctx) {
  if (!node.input(0) || !node.input(1))
    return InvalidInput(node.Describe() + ": needs input and sequence_lens");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType lt, InputType(node, 1));
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  const int64_t time = node.GetInt("time_axis", 0), batch = node.GetInt("batch_axis", 1);
  if (xs.size() < 2 || time == batch || (time != 0 && time != 1) || (batch != 0 && batch != 1))
    return InvalidInput(node.Describe() + ": time_axis and batch_axis must be 0 and 1 of a " +
                        "tensor of rank 2 or more");
  PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(node.input(0), {}));
  PT2TF_ASSIGN_OR_RETURN(std::string lens, ctx.GetAs(node.input(1), {}));
  tensorflow::NodeDef& def = ctx.AddOp("ReverseSequence", node.name, {x, lens});
  SetAttrType(def, "T", t);
  SetAttrType(def, "Tlen", lt);
  SetAttrInt(def, "seq_dim", time);
  SetAttrInt(def, "batch_dim", batch);
  ctx.Set(node.outputs[0], TfValue{def.name(), {}, std::nullopt});
  return OkStatus();
}

Status EmitCumSum(const ir::Node& node, EmitContext& ctx) {
  if (IsRuntimeInput(node, 1)) {  // TF takes the axis as a tensor too (IR layout then)
    PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
    PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType ta, InputType(node, 1));
    PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(node.input(0), {}));
    PT2TF_ASSIGN_OR_RETURN(std::string axis, RuntimeInput(node, ctx, 1, true));
    tensorflow::NodeDef& def = ctx.AddOp("Cumsum", node.name, {x, axis});
    SetAttrType(def, "T", t);
    SetAttrType(def, "Tidx", ta);
    SetAttrBool(def, "exclusive", node.GetInt("exclusive", 0) != 0);
    SetAttrBool(def, "reverse", node.GetInt("reverse", 0) != 0);
    ctx.Set(node.outputs[0], TfValue{def.name(), {}, std::nullopt});
    return OkStatus();
  }
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  PT2TF_ASSIGN_OR_RETURN(auto axis_in, ConstIntsInput(node, 1));
  if (!axis_in || axis_in->size() != 1)
    return InvalidInput(node.Describe() + ": axis must be one integer");
  int64_t axis = (*axis_in)[0];
  if (!NormalizeAxis(axis, static_cast<int64_t>(xs.size())))
    return InvalidInput(node.Describe() + ": axis out of range");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(TfValue tv, ctx.Get(node.input(0)));
  if (tv.flat) {
    PT2TF_ASSIGN_OR_RETURN(tv.tensor, ctx.GetAs(node.input(0), {}));
    tv.perm.clear();
  }
  PT2TF_ASSIGN_OR_RETURN(std::string ax,
                         ctx.ConstScalar(DType::kInt32, static_cast<double>(TfAxis(tv.perm, axis)),
                                         node.name + "/axis"));
  tensorflow::NodeDef& def = ctx.AddOp("Cumsum", node.name, {tv.tensor, ax});
  SetAttrType(def, "T", t);
  SetAttrType(def, "Tidx", tensorflow::DT_INT32);
  SetAttrBool(def, "exclusive", node.GetInt("exclusive", 0) != 0);
  SetAttrBool(def, "reverse", node.GetInt("reverse", 0) != 0);
  ctx.Set(node.outputs[0], TfValue{def.name(), tv.perm, std::nullopt});
  return OkStatus();
}

Status EmitTopK(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  const int64_t rank = static_cast<int64_t>(xs.size());
  std::optional<std::vector<int64_t>> k_in;
  std::string k_runtime;  // K only known at run time (a detector's min(candidates, boxes))
  if (IsRuntimeInput(node, 1)) {
    // The output shape may still tell it.
    PT2TF_ASSIGN_OR_RETURN(ir::Dims out, ctx.Shape(node.outputs[0]));
    int64_t ax = node.GetInt("axis", -1);
    if (out.size() == xs.size() && NormalizeAxis(ax, rank) && out[ax] >= 0) {
      k_in = std::vector<int64_t>{out[ax]};
    } else {
      PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType kt, InputType(node, 1));
      PT2TF_ASSIGN_OR_RETURN(std::string k, RuntimeInput(node, ctx, 1, true));
      k_runtime = EmitCast(ctx, k, kt, tensorflow::DT_INT32, node.name + "/k32");
    }
  } else {
    PT2TF_ASSIGN_OR_RETURN(k_in, ConstIntsInput(node, 1));
  }
  if (k_runtime.empty() && (!k_in || k_in->size() != 1 || (*k_in)[0] < 0))
    return InvalidInput(node.Describe() + ": K must be one non-negative integer");
  int64_t axis = node.GetInt("axis", -1);
  if (!NormalizeAxis(axis, rank)) return InvalidInput(node.Describe() + ": axis out of range");
  const bool largest = node.GetInt("largest", 1) != 0;
  const DType dtype = node.input(0)->dtype;
  if (!largest && !(IsFloatingPoint(dtype) || dtype == DType::kInt32 || dtype == DType::kInt64))
    return NodeUnsupported(node, "largest=0 on this element type");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  // TF's TopKV2 works on the last axis: ask for a layout with `axis` last (the outputs keep
  // it, so no Transpose back is needed unless a consumer wants one).
  Perm perm;
  for (int64_t a = 0; a < rank; ++a)
    if (a != axis) perm.push_back(a);
  perm.push_back(axis);
  PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(node.input(0), perm));
  if (!largest) x = ctx.Unary("Neg", x, t, node.name + "/negate");
  std::string k = k_runtime;
  if (k.empty()) {
    PT2TF_ASSIGN_OR_RETURN(
        k, ctx.ConstScalar(DType::kInt32, static_cast<double>((*k_in)[0]), node.name + "/k"));
  }
  tensorflow::NodeDef& def = ctx.AddOp("TopKV2", node.name, {x, k});
  SetAttrType(def, "T", t);
  SetAttrType(def, "Tk", tensorflow::DT_INT32);
  SetAttrType(def, "index_type", tensorflow::DT_INT64);
  SetAttrBool(def, "sorted", true);
  std::string values = def.name(), indices = def.name() + ":1";
  if (!largest) values = ctx.Unary("Neg", values, t, node.name + "/values");
  ctx.Set(node.outputs[0], TfValue{values, perm, std::nullopt});
  if (node.outputs.size() > 1) ctx.Set(node.outputs[1], TfValue{indices, perm, std::nullopt});
  return OkStatus();
}

Status EmitEinsum(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  std::vector<std::string> in;
  for (const ir::Value* v : node.inputs) {
    PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(v, {}));
    in.push_back(x);
  }
  std::string equation;
  for (char c : node.GetString("equation", ""))
    if (c != ' ') equation += c;
  if (equation.empty()) return InvalidInput(node.Describe() + ": empty equation");
  if (equation.find("->") == std::string::npos) {
    // Implicit output (TF needs it spelled out): the labels used once, in alphabetical
    // order, after the broadcast dims when an ellipsis is used.
    std::map<char, int> count;
    for (char c : equation)
      if (std::isalpha(static_cast<unsigned char>(c))) ++count[c];
    std::string out = equation.find("...") != std::string::npos ? "..." : "";
    for (auto [c, n] : count)
      if (n == 1) out += c;
    equation += "->" + out;
  }
  tensorflow::NodeDef& def = ctx.AddOp("Einsum", node.name, in);
  SetAttrType(def, "T", t);
  SetAttrInt(def, "N", static_cast<int64_t>(in.size()));
  SetAttrString(def, "equation", equation);
  ctx.Set(node.outputs[0], TfValue{def.name(), {}, std::nullopt});
  return OkStatus();
}

// DepthToSpace and SpaceToDepth on NHWC. TF's DepthToSpace reads channels in DCR order;
// ONNX's CRD mode (PyTorch's pixel_shuffle) first gathers the channels into that order,
// which needs only the channel count, so run-time H/W work too.
Status EmitDepthSpace(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  if (xs.size() != 4) return InvalidInput(node.Describe() + ": input must be 4-D");
  const bool to_space = node.op_type == "DepthToSpace";
  const std::string mode = to_space ? node.GetString("mode", "DCR") : "DCR";
  if (mode != "DCR" && mode != "CRD") return NodeUnsupported(node, "attribute mode='" + mode + "'");
  const int64_t block = node.GetInt("blocksize", 0);
  if (block < 2) return InvalidInput(node.Describe() + ": blocksize must be at least 2");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(node.input(0), ChannelsLast(4)));
  if (mode == "CRD") {
    const int64_t channels = xs[1], bb = block * block;
    if (channels <= 0 || channels % bb != 0 || channels > (int64_t{1} << 24))
      return NodeUnsupported(node, "mode='CRD' needs a static channel count divisible by " +
                                       std::to_string(bb) + " (input " + ShapeToString(xs) + ")");
    // DCR channel k = (i*b + j)*C + c holds CRD channel c*b*b + (i*b + j).
    const int64_t c_out = channels / bb;
    std::vector<int64_t> order(static_cast<size_t>(channels));
    for (int64_t k = 0; k < channels; ++k) order[k] = (k % c_out) * bb + k / c_out;
    x = EmitGatherV2(ctx, node.name + "/dcr", x, ctx.ConstI32(order, node.name + "/dcr_order"),
                     ctx.ConstI32({3}, node.name + "/channel_axis", ir::Dims{}), t);
  }
  tensorflow::NodeDef& def = ctx.AddOp(to_space ? "DepthToSpace" : "SpaceToDepth", node.name, {x});
  SetAttrType(def, "T", t);
  SetAttrInt(def, "block_size", block);
  SetAttrString(def, "data_format", "NHWC");
  ctx.Set(node.outputs[0], TfValue{def.name(), ChannelsLast(4), std::nullopt});
  return OkStatus();
}

Status EmitTrilu(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  if (xs.size() < 2) return InvalidInput(node.Describe() + ": input rank below 2");
  const int64_t rank = static_cast<int64_t>(xs.size());
  const int64_t rows = xs[rank - 2], cols = xs[rank - 1];
  const bool upper = node.GetInt("upper", 1) != 0;
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(node.input(0), {}));
  // k: a constant, or a scalar computed at run time (then the mask is too).
  const bool runtime_k = node.input(1) && !node.input(1)->is_constant();
  int64_t k = 0;
  if (!runtime_k) {
    PT2TF_ASSIGN_OR_RETURN(auto k_in, ConstIntsInput(node, 1));
    if (k_in && k_in->size() != 1) return InvalidInput(node.Describe() + ": k must be a scalar");
    if (k_in) k = (*k_in)[0];
  }
  std::string mask;
  if (rows >= 0 && cols >= 0 && !runtime_k && (cols == 0 || rows <= (int64_t{1} << 20) / cols)) {
    // The kept band as a constant mask.
    std::vector<std::byte> band(static_cast<size_t>(rows * cols));
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        band[i * cols + j] = std::byte{static_cast<uint8_t>(upper ? (j - i >= k) : (j - i <= k))};
    PT2TF_ASSIGN_OR_RETURN(Tensor m,
                           Tensor::FromBytes(DType::kBool, {rows, cols}, std::move(band)));
    PT2TF_ASSIGN_OR_RETURN(mask, ctx.AddConst(std::move(m), node.name + "/mask"));
  } else {
    // Run-time dims (a causal mask over the sequence), a run-time k or a big matrix: the
    // band from column - row compared with k, [rows, cols] broadcast over the batch dims.
    const std::string shape = RunTimeShape(ctx, x, t, node.name + "/shape");
    PT2TF_ASSIGN_OR_RETURN(std::string row,
                           RangeAlong(ctx, RunTimeDim(ctx, shape, rank - 2, node.name + "/rows"),
                                      {-1, 1}, node.name + "/row"));
    PT2TF_ASSIGN_OR_RETURN(std::string col,
                           RangeAlong(ctx, RunTimeDim(ctx, shape, rank - 1, node.name + "/cols"),
                                      {1, -1}, node.name + "/col"));
    std::string diff = ctx.Binary("Sub", col, row, tensorflow::DT_INT64, node.name + "/diff");
    std::string kt;
    if (runtime_k) {
      PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType tk, InputType(node, 1));
      if (tk != tensorflow::DT_INT64) return InvalidInput(node.Describe() + ": k must be int64");
      PT2TF_ASSIGN_OR_RETURN(kt, ctx.GetAs(node.input(1), {}));
      kt = ctx.Reshape(kt, {}, tensorflow::DT_INT64, node.name + "/k");
    } else {
      kt = ctx.ConstI64({k}, node.name + "/k", ir::Dims{});
    }
    mask = ctx.Binary(upper ? "GreaterEqual" : "LessEqual", diff, kt, tensorflow::DT_INT64,
                      node.name + "/mask");
  }
  std::string zeros = ctx.Unary("ZerosLike", x, t, node.name + "/zeros");
  tensorflow::NodeDef& def = ctx.AddOp("SelectV2", node.name, {mask, x, zeros});
  SetAttrType(def, "T", t);
  ctx.Set(node.outputs[0], TfValue{def.name(), {}, std::nullopt});
  return OkStatus();
}

}  // namespace pt2tf::tf
