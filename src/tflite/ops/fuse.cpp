#include "tflite/ops/fuse.h"

namespace pt2tf::tflite {

void Fused::Bind(const tf::TfNode& node, Translator& t, int y) const {
  t.Bind(node, 0, y);
  for (const tf::TfNode* n : absorbed) t.Absorb(*n, y);
}

FusedActivation FuseActivation(const tf::TfNode& node, const Translator& t) {
  const tf::TfNode* next = t.SoleConsumer(node);
  if (!next || TensorKey(next->def.input(0)) != node.def.name() + ":0") return {};
  if (next->def.op() == "Relu") return {::tflite::ActivationFunctionType_RELU, next};
  if (next->def.op() == "Relu6") return {::tflite::ActivationFunctionType_RELU6, next};
  return {};
}

Result<Fused> FuseBiasActivation(const tf::TfNode& node, Translator& t, int64_t channels) {
  Fused f;
  f.last = &node;
  // A BiasAdd, or an AddV2 of a constant [channels] (ONNX's MatMul + Add of nn.Linear on a
  // sequence), either operand order for the Add.
  const tf::TfNode* next = t.SoleConsumer(node);
  const std::string out = node.def.name() + ":0";
  int bias_input = -1;
  if (next && t.InputCount(*next) == 2) {
    const std::string& op = next->def.op();
    if (op == "BiasAdd" && TensorKey(next->def.input(0)) == out &&
        AttrString(*next, "data_format", "NHWC") == "NHWC")
      bias_input = 1;
    else if (op == "AddV2" || op == "Add")
      bias_input = TensorKey(next->def.input(0)) == out   ? 1
                   : TensorKey(next->def.input(1)) == out ? 0
                                                          : -1;
  }
  if (bias_input >= 0) {
    auto bias = t.Const(*next, bias_input);
    if (bias && bias->shape == ir::Dims{channels} && bias->data.dtype() == DType::kFloat32) {
      PT2TF_ASSIGN_OR_RETURN(f.bias, t.In(*next, bias_input));
      f.absorbed.push_back(next);
      f.last = next;
    }
  }
  if (FusedActivation a = FuseActivation(*f.last, t); a.node) {
    f.activation = a.activation;
    f.absorbed.push_back(a.node);
    f.last = a.node;
  }
  if (f.bias < 0) {
    std::vector<std::byte> zeros(static_cast<size_t>(channels) * 4);
    PT2TF_ASSIGN_OR_RETURN(Tensor z, Tensor::FromBytes(DType::kFloat32, {channels}, zeros));
    PT2TF_ASSIGN_OR_RETURN(
        f.bias, t.ConstTensor(node.def.name() + "/zero_bias", ConstView{std::move(z), {channels}}));
  }
  return f;
}

}  // namespace pt2tf::tflite
