#include "tflite/ops/fuse.h"

namespace pt2tf::tflite {

void Fused::Bind(const tf::TfNode& node, Translator& t, int y) const {
  t.Bind(node, 0, y);
  for (const tf::TfNode* n : absorbed) t.Absorb(*n, y);
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
      next = t.SoleConsumer(*next);
    }
  }
  if (next && (next->def.op() == "Relu" || next->def.op() == "Relu6") &&
      TensorKey(next->def.input(0)) == f.last->def.name() + ":0") {
    f.activation = next->def.op() == "Relu" ? ::tflite::ActivationFunctionType_RELU
                                            : ::tflite::ActivationFunctionType_RELU6;
    f.absorbed.push_back(next);
    f.last = next;
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
