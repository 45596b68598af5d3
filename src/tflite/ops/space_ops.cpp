// Rearranging TF ops → TFLite builtins: Split (SPLIT into equal parts), SpaceToDepth and
// DepthToSpace (NHWC, TF's channel order, which both runtimes share), and LRN
// (LOCAL_RESPONSE_NORMALIZATION, whose radius/bias/alpha/beta mean what TF's do).
#include "tflite/ops/ops.h"

namespace pt2tf::tflite {
namespace {

using Op = BuiltinOperator;

}  // namespace

Status ConvertSplit(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> ax, t.ConstInts(node, 0));
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 1));
  const ir::Dims xs = t.Info(x).shape;
  const TensorType type = t.Info(x).type;
  const int64_t rank = static_cast<int64_t>(xs.size());
  const int64_t n = AttrInt(node, "num_split");
  if (ax.size() != 1 || ax[0] < -rank || ax[0] >= rank) return NodeError(node, "axis out of range");
  const int64_t axis = ax[0] < 0 ? ax[0] + rank : ax[0];
  if (xs[axis] == kDynamicDim)
    return NodeError(node, "the split dim (" + std::to_string(axis) +
                               ") must be known when converting (pin the input shapes with "
                               "--input-shape or --batch)");
  if (n < 1 || xs[axis] % n != 0)
    return NodeError(node, "num_split " + std::to_string(n) + " does not divide the dim");
  ir::Dims ys = xs;
  ys[axis] /= n;
  const int at = t.ConstI32(node.def.name() + "/axis", {axis}, ir::Dims{});
  std::vector<int32_t> outputs;
  for (int64_t i = 0; i < n; ++i) outputs.push_back(t.Output(node, static_cast<int>(i), type, ys));
  auto o = ::tflite::CreateSplitOptions(t.fbb(), static_cast<int32_t>(n));
  t.Op(Op::BuiltinOperator_SPLIT, {at, x}, outputs, ::tflite::BuiltinOptions_SplitOptions,
       o.Union());
  return OkStatus();
}

Status ConvertDepthSpace(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  ir::Dims ys = t.Info(x).shape;
  const int64_t b = AttrInt(node, "block_size");
  if (ys.size() != 4 || b < 2 || AttrString(node, "data_format", "NHWC") != "NHWC")
    return NodeError(node, "expects a 4-D NHWC input and block_size >= 2");
  const bool to_space = node.def.op() == "DepthToSpace";
  // A dim known only at run time stays so (the kernel sizes the output, and checks the
  // divisibility of run-time H/W itself); the moved channel dim must be known.
  const auto mul = [](int64_t d, int64_t f) { return d == kDynamicDim ? d : d * f; };
  const auto div = [](int64_t d, int64_t f) { return d == kDynamicDim ? d : d / f; };
  if (ys[3] == kDynamicDim)
    return NodeError(node,
                     "the channel dim must be known when converting (pin the input "
                     "shapes with --input-shape or --batch)");
  if (to_space) {
    if (ys[3] % (b * b)) return NodeError(node, "channels not divisible by block_size^2");
    ys = {ys[0], mul(ys[1], b), mul(ys[2], b), ys[3] / (b * b)};
  } else {
    if ((ys[1] != kDynamicDim && ys[1] % b) || (ys[2] != kDynamicDim && ys[2] % b))
      return NodeError(node, "height/width not divisible by block_size");
    ys = {ys[0], div(ys[1], b), div(ys[2], b), ys[3] * b * b};
  }
  const int y = t.Output(node, 0, t.Info(x).type, ys);
  if (to_space) {
    t.Op(Op::BuiltinOperator_DEPTH_TO_SPACE, {x}, {y}, ::tflite::BuiltinOptions_DepthToSpaceOptions,
         ::tflite::CreateDepthToSpaceOptions(t.fbb(), static_cast<int32_t>(b)).Union());
  } else {
    t.Op(Op::BuiltinOperator_SPACE_TO_DEPTH, {x}, {y}, ::tflite::BuiltinOptions_SpaceToDepthOptions,
         ::tflite::CreateSpaceToDepthOptions(t.fbb(), static_cast<int32_t>(b)).Union());
  }
  return OkStatus();
}

Status ConvertLrn(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  if (t.Info(x).shape.size() != 4 || t.Info(x).type != TensorType::TensorType_FLOAT32)
    return NodeError(node, "expects a 4-D float32 input");
  const int y = t.Output(node, 0, t.Info(x).type, t.Info(x).shape);
  auto o = ::tflite::CreateLocalResponseNormalizationOptions(
      t.fbb(), static_cast<int32_t>(AttrInt(node, "depth_radius", 5)), AttrFloat(node, "bias", 1),
      AttrFloat(node, "alpha", 1), AttrFloat(node, "beta", 0.5f));
  t.Op(Op::BuiltinOperator_LOCAL_RESPONSE_NORMALIZATION, {x}, {y},
       ::tflite::BuiltinOptions_LocalResponseNormalizationOptions, o.Union());
  return OkStatus();
}

}  // namespace pt2tf::tflite
