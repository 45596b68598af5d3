#include "tf/lower.h"

#include <memory_resource>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pt2tf/ir/passes.h"
#include "pt2tf/passes/fold_batchnorm.h"
#include "pt2tf/passes/fold_pad_into_conv.h"
#include "tf/emit_context.h"
#include "tf/ops/registry.h"

namespace pt2tf::tf {
namespace {

// "node:1" / "^node" -> "node"
std::string_view NodeOf(std::string_view input) {
  if (!input.empty() && input[0] == '^') input.remove_prefix(1);
  return input.substr(0, input.find(':'));
}

// Drops TF nodes no output depends on (layout conversions or constants an emitter made
// and then did not use). Nodes are walked by index with names as views into the NodeDefs:
// one hash lookup per edge and no string copies, and nothing moves when all are live.
void Prune(TfGraph& g) {
  std::pmr::monotonic_buffer_resource arena;  // entries freed at once, not one by one
  std::pmr::unordered_map<std::string_view, size_t> by_name(&arena);
  by_name.reserve(g.nodes.size());
  for (size_t i = 0; i < g.nodes.size(); ++i) by_name[g.nodes[i].def.name()] = i;
  std::vector<bool> live(g.nodes.size(), false);
  std::vector<std::string_view> stack;
  for (const TfEndpoint& e : g.outputs) stack.push_back(e.node);
  for (const TfEndpoint& e : g.inputs) stack.push_back(e.node);  // signature inputs stay
  while (!stack.empty()) {
    const std::string_view name = stack.back();
    stack.pop_back();
    auto it = by_name.find(name);
    if (it == by_name.end() || live[it->second]) continue;
    live[it->second] = true;
    for (const std::string& in : g.nodes[it->second].def.input()) stack.push_back(NodeOf(in));
  }
  // A node is kept when its name is live (a duplicate name shares the last node's fate).
  std::vector<bool> keep(g.nodes.size());
  bool all = true;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    keep[i] = live[by_name.at(g.nodes[i].def.name())];
    all = all && keep[i];
  }
  if (all) return;
  std::deque<TfNode> kept;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (keep[i]) kept.push_back(std::move(g.nodes[i]));
  g.nodes = std::move(kept);
}

}  // namespace

Status EmitNodes(const ir::Graph& graph, EmitContext& ctx) {
  for (const auto& node : graph.nodes()) {
    if (!node->domain.empty() && node->domain != "ai.onnx")
      return NodeUnsupported(
          *node, "domain '" + node->domain + "' is not supported by the TensorFlow writer");
    Emitter emit = FindEmitter(node->op_type);
    if (!emit)
      return NodeUnsupported(*node,
                             "op " + node->op_type + " is not supported by the TensorFlow writer");
    Status status = emit(*node, ctx);
    if (!status.ok()) {
      const std::string prefix = node->Describe();
      if (status.message().compare(0, prefix.size(), prefix) == 0) return status;
      return status.WithContext(prefix);
    }
  }
  return OkStatus();
}

std::string SignatureKey(const std::string& name) {
  std::string key;
  for (char c : name)
    key += ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) ? c : '_';
  return key.empty() ? "x" : key;
}

Result<TfGraph> LowerToTf(const ir::Graph& source, const TfWriterOptions& options) {
  // The rewrites below run on a clone (structure only; weights stay shared views).
  std::unique_ptr<ir::Graph> clone = source.Clone();
  ir::Graph& graph = *clone;
  PT2TF_RETURN_IF_ERROR(ir::InferShapes(graph));
  PT2TF_ASSIGN_OR_RETURN(size_t bn_folded, passes::FoldBatchNorm(graph));
  PT2TF_ASSIGN_OR_RETURN(size_t pads_folded, passes::FoldPadIntoConv(graph));
  (void)bn_folded;
  (void)pads_folded;
  passes::RecurrentLoopOptions loop_options;
  loop_options.step_outputs = options.recurrent_steps;
  PT2TF_ASSIGN_OR_RETURN(size_t looped, passes::RecurrentToLoop(graph, loop_options));
  if (looped) PT2TF_RETURN_IF_ERROR(ir::InferShapes(graph));
  PT2TF_RETURN_IF_ERROR(graph.TopologicalSort());
  if (graph.outputs().empty()) return InvalidInput("the graph has no outputs");

  TfGraph out;
  out.recurrent_loops = looped;
  EmitContext ctx(graph, out);
  // Names of the interface come first so they stay exactly as the IR spells them.
  for (ir::Value* in : graph.inputs()) {
    const std::string name = ctx.NewName(in->name);
    if (!in->shape) return InvalidInput("graph input '" + in->name + "' has no shape");
    PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, TfType(in->dtype));
    const int64_t rank = static_cast<int64_t>(in->shape->size());
    Perm perm;
    if (options.input_layout == InputLayout::kNhwc && rank >= 3) perm = ChannelsLast(rank);
    const ir::Dims tf_shape = Permute(*in->shape, perm);
    TfNode& node = out.nodes.emplace_back();
    node.def.set_name(name);
    node.def.set_op("Placeholder");
    SetAttrType(node.def, "dtype", t);
    SetAttrShape(node.def, "shape", tf_shape);
    ctx.Set(in, TfValue{name, perm, std::nullopt});
    out.inputs.push_back(TfEndpoint{SignatureKey(in->name), name, in->dtype, tf_shape});
  }
  std::vector<std::string> output_names;
  for (ir::Value* v : graph.outputs()) output_names.push_back(ctx.NewName(v->name));

  PT2TF_RETURN_IF_ERROR(EmitNodes(graph, ctx));

  for (size_t i = 0; i < graph.outputs().size(); ++i) {
    const ir::Value* v = graph.outputs()[i];
    PT2TF_ASSIGN_OR_RETURN(std::string y, ctx.GetAs(v, {}));
    PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, TfType(v->dtype));
    TfNode& node = out.nodes.emplace_back();
    node.def.set_name(output_names[i]);
    node.def.set_op("Identity");
    node.def.add_input(y);
    SetAttrType(node.def, "T", t);
    std::optional<ir::Dims> shape = v->is_constant() ? v->constant->shape() : v->shape;
    out.outputs.push_back(TfEndpoint{SignatureKey(v->name), output_names[i], v->dtype, shape});
  }
  PT2TF_RETURN_IF_ERROR(ctx.deferred_error());
  Prune(out);
  return out;
}

}  // namespace pt2tf::tf
