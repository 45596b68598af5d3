#include "pt2tf/passes/fold_pad_into_conv.h"

#include <vector>

namespace pt2tf::passes {
namespace {

// Per-dim (begin, end) pads of `pad` for a tensor of `rank`, or empty when not foldable.
std::vector<int64_t> ZeroPads(const ir::Node& pad, int64_t rank) {
  if (pad.GetString("mode", "constant") != "constant") return {};
  const ir::Value* pads = pad.input(1);
  if (!pads || !pads->constant || !IsInteger(pads->constant->dtype())) return {};
  if (const ir::Value* value = pad.input(2)) {
    if (!value->constant || value->constant->numel() != 1) return {};
    if (value->constant->ElementAsDouble(0) != 0.0) return {};
  }
  std::vector<int64_t> axes;
  if (const ir::Value* a = pad.input(3)) {
    if (!a->constant) return {};
    for (int64_t i = 0; i < a->constant->numel(); ++i) {
      int64_t axis = a->constant->ElementAsInt(i);
      if (axis < 0) axis += rank;
      if (axis < 0 || axis >= rank) return {};
      axes.push_back(axis);
    }
  } else {
    for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
  }
  const Tensor& p = *pads->constant;
  if (p.numel() != 2 * static_cast<int64_t>(axes.size())) return {};
  std::vector<int64_t> out(2 * rank, 0);
  const size_t k = axes.size();
  for (size_t i = 0; i < k; ++i) {
    out[axes[i]] = p.ElementAsInt(static_cast<int64_t>(i));
    out[rank + axes[i]] = p.ElementAsInt(static_cast<int64_t>(i + k));
  }
  for (int64_t v : out)
    if (v < 0) return {};
  if (out[0] || out[1] || out[rank] || out[rank + 1]) return {};  // N and C untouched
  return out;
}

}  // namespace

Result<size_t> FoldPadIntoConv(ir::Graph& graph) {
  std::vector<ir::Node*> convs;
  for (const auto& n : graph.nodes())
    if (n->op_type == "Conv" && n->domain.empty()) convs.push_back(n.get());
  size_t folded = 0;
  for (ir::Node* conv : convs) {
    ir::Value* y = conv->input(0);
    if (!y || !y->producer || y->producer->op_type != "Pad" || !y->producer->domain.empty())
      continue;
    ir::Node* pad = y->producer;
    if (graph.Users(y).size() != 1 || graph.IsOutput(y)) continue;
    if (conv->GetString("auto_pad", "NOTSET") != "NOTSET") continue;
    const ir::Value* w = conv->input(1);
    if (!w || !w->shape || w->shape->size() < 3) continue;
    const int64_t rank = static_cast<int64_t>(w->shape->size());
    const int64_t spatial = rank - 2;
    std::vector<int64_t> p = ZeroPads(*pad, rank);
    if (p.empty()) continue;
    std::vector<int64_t> q = conv->GetInts("pads", std::vector<int64_t>(2 * spatial, 0));
    if (static_cast<int64_t>(q.size()) != 2 * spatial) continue;
    for (int64_t i = 0; i < spatial; ++i) {
      q[i] += p[2 + i];
      q[spatial + i] += p[rank + 2 + i];
    }
    conv->attrs["pads"] = ir::Attribute::Ints(q);
    conv->inputs[0] = pad->inputs[0];
    graph.RemoveNode(pad);
    ++folded;
  }
  if (folded) graph.RemoveUnusedValues();
  return folded;
}

}  // namespace pt2tf::passes
