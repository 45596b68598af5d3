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
  const tf::TfNode* next = t.SoleConsumer(node);
  if (next && next->def.op() == "BiasAdd" && t.InputCount(*next) == 2 &&
      TensorKey(next->def.input(0)) == node.def.name() + ":0" &&
      AttrString(*next, "data_format", "NHWC") == "NHWC") {
    auto bias = t.Const(*next, 1);
    if (bias && bias->shape == ir::Dims{channels} && bias->data.dtype() == DType::kFloat32) {
      PT2TF_ASSIGN_OR_RETURN(f.bias, t.In(*next, 1));
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
