#include "pt2tf/passes/fold_batchnorm.h"

#include <cmath>
#include <cstring>
#include <vector>

namespace pt2tf::passes {
namespace {

const Tensor* Float32Constant(const ir::Value* v) {
  return v && v->constant && v->constant->dtype() == DType::kFloat32 ? &*v->constant : nullptr;
}

std::vector<double> Values(const Tensor& t) {
  std::vector<double> out(t.numel());
  for (int64_t i = 0; i < t.numel(); ++i) out[i] = t.ElementAsDouble(i);
  return out;
}

// The Conv feeding `bn` when the fold applies, else nullptr.
ir::Node* FoldableConv(const ir::Graph& graph, const ir::Node& bn) {
  if (bn.inputs.size() != 5 || bn.GetInt("training_mode", 0) != 0) return nullptr;
  for (size_t i = 1; i < bn.outputs.size(); ++i)
    if (!graph.Users(bn.outputs[i]).empty() || graph.IsOutput(bn.outputs[i])) return nullptr;
  ir::Value* y = bn.inputs[0];
  if (!y || !y->producer || y->producer->op_type != "Conv" || !y->producer->domain.empty())
    return nullptr;
  ir::Node* conv = y->producer;
  if (graph.Users(y).size() != 1 || graph.IsOutput(y)) return nullptr;
  const Tensor* w = Float32Constant(conv->input(1));
  if (!w || w->rank() < 3) return nullptr;
  if (conv->input(2) && !Float32Constant(conv->input(2))) return nullptr;
  for (size_t i = 1; i < 5; ++i) {
    const Tensor* p = Float32Constant(bn.inputs[i]);
    if (!p || p->rank() != 1 || p->shape()[0] != w->shape()[0]) return nullptr;
  }
  return conv;
}

}  // namespace

Result<size_t> FoldBatchNorm(ir::Graph& graph) {
  std::vector<ir::Node*> bns;
  for (const auto& n : graph.nodes())
    if (n->op_type == "BatchNormalization" && n->domain.empty()) bns.push_back(n.get());
  size_t folded = 0;
  for (ir::Node* bn : bns) {
    ir::Node* conv = FoldableConv(graph, *bn);
    if (!conv) continue;
    const Tensor w = conv->input(1)->constant->ToContiguous();
    const int64_t channels = w.shape()[0];
    const int64_t per_channel = channels ? w.numel() / channels : 0;
    std::vector<double> gamma = Values(*bn->inputs[1]->constant);
    std::vector<double> beta = Values(*bn->inputs[2]->constant);
    std::vector<double> mean = Values(*bn->inputs[3]->constant);
    std::vector<double> var = Values(*bn->inputs[4]->constant);
    std::vector<double> bias(channels, 0.0);
    if (const ir::Value* b = conv->input(2)) bias = Values(*b->constant);
    const double eps = bn->GetFloat("epsilon", 1e-5f);

    // The source may be unaligned (a view into the checkpoint): copy it, then scale in place.
    std::vector<std::byte> w_bytes(w.contiguous_bytes().begin(), w.contiguous_bytes().end());
    std::vector<std::byte> b_bytes(channels * sizeof(float));
    float* weights = reinterpret_cast<float*>(w_bytes.data());
    for (int64_t c = 0; c < channels; ++c) {
      const double s = gamma[c] / std::sqrt(var[c] + eps);
      float* row = weights + c * per_channel;
      for (int64_t k = 0; k < per_channel; ++k) row[k] = static_cast<float>(row[k] * s);
      const float b = static_cast<float>((bias[c] - mean[c]) * s + beta[c]);
      std::memcpy(b_bytes.data() + c * sizeof(float), &b, sizeof b);
    }
    PT2TF_ASSIGN_OR_RETURN(Tensor new_w,
                           Tensor::FromBytes(DType::kFloat32, w.shape(), std::move(w_bytes)));
    PT2TF_ASSIGN_OR_RETURN(Tensor new_b,
                           Tensor::FromBytes(DType::kFloat32, {channels}, std::move(b_bytes)));
    ir::Value* wv = graph.AddInitializer(conv->input(1)->name + "_bn_folded", std::move(new_w));
    ir::Value* bv = graph.AddInitializer(conv->name + ".bias_bn_folded", std::move(new_b));
    conv->inputs.resize(3);
    conv->inputs[1] = wv;
    conv->inputs[2] = bv;
    // The Conv now produces the BN's output value, keeping its name for graph outputs.
    ir::Value* z = bn->outputs[0];
    conv->outputs[0] = z;
    z->producer = conv;
    graph.RemoveNode(bn);
    ++folded;
  }
  if (folded) graph.RemoveUnusedValues();
  return folded;
}

}  // namespace pt2tf::passes
