// BatchNormalization (when not folded into a Conv), InstanceNormalization,
// LayerNormalization and LRN, in whatever layout their input has.
//
// BN on a 4-D float32 input becomes FusedBatchNormV3 (is_training = false) on NHWC; other
// ranks, or types, become Mul + Add with the scale and shift computed at conversion time.
#include <cmath>
#include <cstring>

#include "tf/ops/common.h"
#include "tf/ops/ops.h"

namespace pt2tf::tf {
namespace {

// A per-channel parameter ([C]) shaped to broadcast along the TF axis holding IR axis 1.
Result<std::string> ChannelParam(const ir::Node& node, EmitContext& ctx, const ir::Value* v,
                                 int64_t rank, const Perm& perm, int64_t channels) {
  ir::Dims shape(rank, 1);
  if (rank >= 2) shape[TfAxis(perm, 1)] = channels;
  if (rank < 2) shape = {channels};
  PT2TF_ASSIGN_OR_RETURN(ir::Dims vs, ctx.Shape(v));
  if (vs.size() != 1 || (vs[0] >= 0 && vs[0] != channels))
    return InvalidInput(node.Describe() + ": parameter '" + v->name + "' is not [" +
                        std::to_string(channels) + "]");
  if (const Tensor* t = EmitContext::ConstantOf(v)) return ctx.AddConst(*t, v->name, shape);
  PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(v, {}));
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, TfType(v->dtype));
  return ctx.Reshape(x, shape, t, v->name + "/as_channel");
}

Result<Tensor> Float32Tensor(const std::vector<double>& values) {
  std::vector<std::byte> bytes(values.size() * 4);
  for (size_t i = 0; i < values.size(); ++i) {
    float f = static_cast<float>(values[i]);
    std::memcpy(bytes.data() + 4 * i, &f, 4);
  }
  return Tensor::FromBytes(DType::kFloat32, {static_cast<int64_t>(values.size())},
                           std::move(bytes));
}

}  // namespace

Status EmitBatchNormalization(const ir::Node& node, EmitContext& ctx) {
  if (node.GetInt("training_mode", 0) != 0)
    return NodeUnsupported(node, "attribute training_mode=1");
  PT2TF_RETURN_IF_ERROR(RequireUnused(node, 1, ctx));
  if (node.inputs.size() != 5) return InvalidInput(node.Describe() + ": expects 5 inputs");
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  const int64_t rank = static_cast<int64_t>(xs.size());
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  const float eps = node.GetFloat("epsilon", 1e-5f);
  PT2TF_ASSIGN_OR_RETURN(ir::Dims ps, ctx.Shape(node.input(1)));
  if (ps.size() != 1) return InvalidInput(node.Describe() + ": scale must be 1-D");
  const int64_t channels = ps[0];
  bool all_float32 = true;
  for (const ir::Value* v : node.inputs) all_float32 &= v->dtype == DType::kFloat32;

  if (rank == 4 && all_float32) {
    PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(node.input(0), ChannelsLast(4)));
    std::vector<std::string> inputs = {x};
    for (size_t i = 1; i < 5; ++i) {
      PT2TF_ASSIGN_OR_RETURN(std::string p, ctx.GetAs(node.input(i), {}));
      inputs.push_back(p);
    }
    tensorflow::NodeDef& def = ctx.AddOp("FusedBatchNormV3", node.name, inputs);
    SetAttrType(def, "T", t);
    SetAttrType(def, "U", tensorflow::DT_FLOAT);
    SetAttrFloat(def, "epsilon", eps);
    SetAttrFloat(def, "exponential_avg_factor", 1.0f);
    SetAttrString(def, "data_format", "NHWC");
    SetAttrBool(def, "is_training", false);
    ctx.Set(node.outputs[0], TfValue{def.name(), ChannelsLast(4), std::nullopt});
    return OkStatus();
  }

  PT2TF_ASSIGN_OR_RETURN(TfValue in, PlainValue(node.input(0), ctx));
  bool constant = true;
  for (size_t i = 1; i < 5; ++i) constant &= EmitContext::ConstantOf(node.input(i)) != nullptr;
  std::string y;
  if (constant && node.input(0)->dtype == DType::kFloat32) {
    // y = x * s + (b - mean * s), s = scale / sqrt(var + eps), folded now.
    const Tensor* p[4];
    for (size_t i = 0; i < 4; ++i) p[i] = EmitContext::ConstantOf(node.input(i + 1));
    std::vector<double> scale(channels), shift(channels);
    for (int64_t c = 0; c < channels; ++c) {
      double s = p[0]->ElementAsDouble(c) / std::sqrt(p[3]->ElementAsDouble(c) + eps);
      scale[c] = s;
      shift[c] = p[1]->ElementAsDouble(c) - p[2]->ElementAsDouble(c) * s;
    }
    ir::Dims shape(rank, 1);
    if (rank >= 2) shape[TfAxis(in.perm, 1)] = channels;
    if (rank < 2) shape = {channels};
    PT2TF_ASSIGN_OR_RETURN(Tensor st, Float32Tensor(scale));
    PT2TF_ASSIGN_OR_RETURN(Tensor ht, Float32Tensor(shift));
    PT2TF_ASSIGN_OR_RETURN(std::string sc,
                           ctx.AddConst(std::move(st), node.name + "/scale", shape));
    PT2TF_ASSIGN_OR_RETURN(std::string sh,
                           ctx.AddConst(std::move(ht), node.name + "/shift", shape));
    y = ctx.Binary("Mul", in.tensor, sc, t, node.name + "/mul");
    y = ctx.Binary("AddV2", y, sh, t, node.name);
  } else {
    std::string p[4];
    for (size_t i = 0; i < 4; ++i) {
      PT2TF_ASSIGN_OR_RETURN(p[i],
                             ChannelParam(node, ctx, node.input(i + 1), rank, in.perm, channels));
    }
    PT2TF_ASSIGN_OR_RETURN(std::string e,
                           ctx.ConstScalar(node.input(0)->dtype, eps, node.name + "/eps"));
    std::string inv = ctx.Binary("AddV2", p[3], e, t, node.name + "/var_eps");
    inv = ctx.Unary("Rsqrt", inv, t, node.name + "/rsqrt");
    inv = ctx.Binary("Mul", inv, p[0], t, node.name + "/scale");
    y = ctx.Binary("Sub", in.tensor, p[2], t, node.name + "/center");
    y = ctx.Binary("Mul", y, inv, t, node.name + "/mul");
    y = ctx.Binary("AddV2", y, p[1], t, node.name);
  }
  ctx.Set(node.outputs[0], TfValue{y, in.perm, std::nullopt});
  return OkStatus();
}

// (x - mean) * rsqrt(var + eps) over TF `axes`, the normalisation both Instance- and
// LayerNormalization share; also returns the mean and rsqrt(var + eps) (kept dims).
struct Normalized {
  std::string y, mean, inv_std;
};

static Result<Normalized> Normalize(const ir::Node& node, EmitContext& ctx, const std::string& x,
                                    const std::vector<int64_t>& axes, tensorflow::DataType t,
                                    DType dtype, float eps) {
  Normalized n;
  n.mean = EmitReduction(ctx, "Mean", x, axes, true, t, node.name + "/mean");
  std::string centered = ctx.Binary("Sub", x, n.mean, t, node.name + "/centered");
  std::string sq = ctx.Unary("Square", centered, t, node.name + "/square");
  std::string var = EmitReduction(ctx, "Mean", sq, axes, true, t, node.name + "/var");
  PT2TF_ASSIGN_OR_RETURN(std::string e, ctx.ConstScalar(dtype, eps, node.name + "/eps"));
  n.inv_std = ctx.Binary("AddV2", var, e, t, node.name + "/var_eps");
  n.inv_std = ctx.Unary("Rsqrt", n.inv_std, t, node.name + "/rsqrt");
  n.y = ctx.Binary("Mul", centered, n.inv_std, t, node.name + "/normalized");
  return n;
}

Status EmitInstanceNormalization(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  const int64_t rank = static_cast<int64_t>(xs.size());
  if (rank < 3) return InvalidInput(node.Describe() + ": input rank below 3");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  if (!IsFloatingPoint(node.input(0)->dtype)) return NodeUnsupported(node, "integer input");
  PT2TF_ASSIGN_OR_RETURN(TfValue in, PlainValue(node.input(0), ctx));
  std::vector<int64_t> axes;
  for (int64_t a = 2; a < rank; ++a) axes.push_back(a);
  PT2TF_ASSIGN_OR_RETURN(
      Normalized n, Normalize(node, ctx, in.tensor, TfAxes(in.perm, axes), t, node.input(0)->dtype,
                              node.GetFloat("epsilon", 1e-5f)));
  std::string y = n.y;
  PT2TF_ASSIGN_OR_RETURN(std::string scale,
                         ChannelParam(node, ctx, node.input(1), rank, in.perm, xs[1]));
  PT2TF_ASSIGN_OR_RETURN(std::string bias,
                         ChannelParam(node, ctx, node.input(2), rank, in.perm, xs[1]));
  y = ctx.Binary("Mul", y, scale, t, node.name + "/scaled");
  y = ctx.Binary("AddV2", y, bias, t, node.name);
  ctx.Set(node.outputs[0], TfValue{y, in.perm, std::nullopt});
  return OkStatus();
}

Status EmitLayerNormalization(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  const int64_t rank = static_cast<int64_t>(xs.size());
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  const DType dtype = node.input(0)->dtype;
  if (!IsFloatingPoint(dtype)) return NodeUnsupported(node, "integer input");
  int64_t axis = node.GetInt("axis", -1);
  if (!NormalizeAxis(axis, rank)) return InvalidInput(node.Describe() + ": axis out of range");
  PT2TF_ASSIGN_OR_RETURN(TfValue in, PlainValue(node.input(0), ctx));
  std::vector<int64_t> axes;
  for (int64_t a = axis; a < rank; ++a) axes.push_back(a);
  // stash_type 1 (the default): statistics in float32, as ONNX's function body does.
  const bool stash = node.GetInt("stash_type", 1) == 1 && dtype != DType::kFloat32;
  std::string x = in.tensor;
  tensorflow::DataType st = t;
  if (stash) {
    tensorflow::NodeDef& c = ctx.AddOp("Cast", node.name + "/to_float", {x});
    SetAttrType(c, "SrcT", t);
    SetAttrType(c, "DstT", tensorflow::DT_FLOAT);
    x = c.name();
    st = tensorflow::DT_FLOAT;
  }
  PT2TF_ASSIGN_OR_RETURN(
      Normalized n, Normalize(node, ctx, x, TfAxes(in.perm, axes), st,
                              stash ? DType::kFloat32 : dtype, node.GetFloat("epsilon", 1e-5f)));
  std::string y = n.y;
  if (stash) {
    tensorflow::NodeDef& c = ctx.AddOp("Cast", node.name + "/from_float", {y});
    SetAttrType(c, "SrcT", tensorflow::DT_FLOAT);
    SetAttrType(c, "DstT", t);
    y = c.name();
  }
  PT2TF_ASSIGN_OR_RETURN(std::string scale, ctx.GetBroadcastAs(node.input(1), rank, in.perm));
  y = ctx.Binary("Mul", y, scale, t, node.input(2) ? node.name + "/scaled" : node.name);
  if (const ir::Value* b = node.input(2)) {
    PT2TF_ASSIGN_OR_RETURN(std::string bias, ctx.GetBroadcastAs(b, rank, in.perm));
    y = ctx.Binary("AddV2", y, bias, t, node.name);
  }
  ctx.Set(node.outputs[0], TfValue{y, in.perm, std::nullopt});
  if (node.outputs.size() > 1) ctx.Set(node.outputs[1], TfValue{n.mean, in.perm, std::nullopt});
  if (node.outputs.size() > 2) ctx.Set(node.outputs[2], TfValue{n.inv_std, in.perm, std::nullopt});
  return OkStatus();
}

Status EmitLpNormalization(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  const int64_t rank = static_cast<int64_t>(xs.size());
  int64_t axis = node.GetInt("axis", -1);
  if (!NormalizeAxis(axis, rank)) return InvalidInput(node.Describe() + ": axis out of range");
  const int64_t p = node.GetInt("p", 2);
  if (p != 1 && p != 2) return NodeUnsupported(node, "attribute p=" + std::to_string(p));
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(TfValue in, PlainValue(node.input(0), ctx));
  const std::vector<int64_t> axes = {TfAxis(in.perm, axis)};
  std::string norm;
  if (p == 1) {
    norm = EmitReduction(ctx, "Sum", ctx.Unary("Abs", in.tensor, t, node.name + "/abs"), axes, true,
                         t, node.name + "/norm");
  } else {
    norm = EmitReduction(ctx, "Sum", ctx.Unary("Square", in.tensor, t, node.name + "/square"), axes,
                         true, t, node.name + "/sum");
    norm = ctx.Unary("Sqrt", norm, t, node.name + "/norm");
  }
  ctx.Set(node.outputs[0],
          // A zero norm gives 0, not NaN (ONNX's reference does so too).
          TfValue{ctx.Binary("DivNoNan", in.tensor, norm, t, node.name), in.perm, std::nullopt});
  return OkStatus();
}

Status EmitLrn(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  if (xs.size() != 4 || node.input(0)->dtype != DType::kFloat32)
    return NodeUnsupported(node, "LRN needs a 4-D float32 input");
  const int64_t size = node.GetInt("size", 0);
  if (size < 1 || size % 2 == 0) return NodeUnsupported(node, "attribute size must be odd");
  PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(node.input(0), ChannelsLast(4)));
  tensorflow::NodeDef& def = ctx.AddOp("LRN", node.name, {x});
  SetAttrType(def, "T", tensorflow::DT_FLOAT);
  SetAttrInt(def, "depth_radius", (size - 1) / 2);
  SetAttrFloat(def, "bias", node.GetFloat("bias", 1.0f));
  SetAttrFloat(def, "alpha", node.GetFloat("alpha", 1e-4f) / static_cast<float>(size));
  SetAttrFloat(def, "beta", node.GetFloat("beta", 0.75f));
  ctx.Set(node.outputs[0], TfValue{def.name(), ChannelsLast(4), std::nullopt});
  return OkStatus();
}

}  // namespace pt2tf::tf
