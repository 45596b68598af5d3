#include "pt2tf/passes/fold_batchnorm.h"

#include "pt2tf/deferred.h"

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
    const Tensor& w = *conv->input(1)->constant;
    const int64_t channels = w.shape()[0];
    std::vector<double> gamma = Values(*bn->inputs[1]->constant);
    std::vector<double> beta = Values(*bn->inputs[2]->constant);
    std::vector<double> mean = Values(*bn->inputs[3]->constant);
    std::vector<double> var = Values(*bn->inputs[4]->constant);
    std::vector<double> bias(channels, 0.0);
    if (const ir::Value* b = conv->input(2)) bias = Values(*b->constant);
    const double eps = bn->GetFloat("epsilon", 1e-5f);

    // The weight is not computed here: ScaleRows defers w[c] * scale[c] to whoever streams
    // it (a writer), so no folded copy of the checkpoint's conv weights is ever held.
    std::vector<double> scale(channels);
    std::vector<std::byte> b_bytes(channels * sizeof(float));
    for (int64_t c = 0; c < channels; ++c) {
      scale[c] = gamma[c] / std::sqrt(var[c] + eps);
      const float b = static_cast<float>((bias[c] - mean[c]) * scale[c] + beta[c]);
      std::memcpy(b_bytes.data() + c * sizeof(float), &b, sizeof b);
    }
    PT2TF_ASSIGN_OR_RETURN(Tensor new_w, ScaleRows(w, std::move(scale)));
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
