// RemoveIdentityNodes: Identity, and Dropout in inference mode, pass their input through;
// consumers are rewired to read the input directly.
//
//   before:  conv ─► a ─► Dropout ─► b ─► Gemm        after:  conv ─► a ─► Gemm
//   before:  conv ─► a ─► Identity ─► "output"         after:  conv ─► "output"
//            (a graph output keeps its name: the surviving value takes it over)
#include <algorithm>

#include "pt2tf/ir/passes.h"

namespace pt2tf::ir {
namespace {

// True when the node only forwards input 0 to output 0 (and nothing reads any other output).
bool IsPassThrough(const Graph& graph, const Node& node) {
  if (!node.domain.empty() && node.domain != "ai.onnx") return false;
  if (node.inputs.empty() || !node.inputs[0] || node.outputs.empty() || !node.outputs[0])
    return false;
  if (node.op_type == "Identity") return node.inputs.size() == 1 && node.outputs.size() == 1;
  if (node.op_type != "Dropout") return false;
  // training_mode (input 2) must be absent or a constant false; ratio does not matter then.
  if (const Value* training = node.input(2)) {
    if (!training->constant || training->constant->numel() != 1 ||
        training->constant->ElementAsInt(0) != 0)
      return false;
  }
  for (size_t i = 1; i < node.outputs.size(); ++i) {
    const Value* mask = node.outputs[i];
    if (mask && (!graph.Users(mask).empty() || graph.IsOutput(mask))) return false;
  }
  return true;
}

}  // namespace

Result<size_t> RemoveIdentityNodes(Graph& graph) {
  std::vector<Node*> candidates;
  for (const auto& n : graph.nodes())
    if (IsPassThrough(graph, *n)) candidates.push_back(n.get());
  size_t removed = 0;
  for (Node* node : candidates) {
    Value* in = node->inputs[0];
    Value* out = node->outputs[0];
    if (graph.IsOutput(out)) {
      // The graph output's name is part of the model's interface: hand it to `in`. That is
      // impossible when `in` is itself an interface value (input or another output).
      if (graph.IsInput(in) || graph.IsOutput(in)) continue;
      std::swap(in->name, out->name);
    }
    graph.ReplaceAllUsesWith(out, in);
    graph.RemoveNode(node);
    ++removed;
  }
  return removed;
}

}  // namespace pt2tf::ir
