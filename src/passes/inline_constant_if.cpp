// InlineConstantIf: an If whose condition is a constant is replaced by the nodes of the branch
// it takes, spliced into the enclosing graph (bodies of other control-flow nodes included).
//
//   before:  c = const true;  y = If(c) { then: t = Relu(x) → t;  else: ... }
//   after:   t = Relu(x);  y = Identity(t)        (y keeps its name; identities are removed later)
//
// The branch's captures become the outer values they stand for, its constants become
// constants of the enclosing graph, and nested bodies that captured branch values now
// capture the spliced values.
#include <unordered_map>

#include "pt2tf/ir/passes.h"

namespace pt2tf::ir {
namespace {

std::optional<bool> ConstantCondition(const Node& node) {
  const Value* cond = node.input(0);
  if (!cond || !cond->constant || cond->constant->numel() != 1) return std::nullopt;
  return cond->constant->ElementAsInt(0) != 0;
}

Status Inline(Graph& graph, Node* node, bool take_then) {
  std::unique_ptr<Graph> branch =
      std::move(node->subgraphs[take_then ? "then_branch" : "else_branch"]);
  if (!branch) return InvalidInput(node->Describe() + ": missing branch");
  if (branch->outputs().size() != node->outputs.size())
    return InvalidInput(node->Describe() + ": the branch returns " +
                        std::to_string(branch->outputs().size()) + " values for " +
                        std::to_string(node->outputs.size()) + " outputs");
  std::unordered_map<const Value*, Value*> outer;
  for (const Capture& c : branch->captures()) outer[c.inner] = c.outer;
  for (Value* v : branch->Initializers()) outer[v] = graph.AddInitializer(v->name, *v->constant);
  auto map = [&](Value* v) {
    auto it = outer.find(v);
    return it == outer.end() ? v : it->second;
  };
  std::vector<Node*> spliced;
  for (const auto& n : branch->nodes()) spliced.push_back(n.get());
  for (Node* n : spliced) {
    graph.AdoptNode(*branch, n);
    for (Value*& in : n->inputs) in = map(in);
    for (auto& [name, body] : n->subgraphs)
      for (Capture& c : body->mutable_captures()) c.outer = map(c.outer);
  }
  for (size_t i = 0; i < node->outputs.size(); ++i) {
    Value* y = node->outputs[i];
    if (!y) continue;
    Node* id = graph.AddNode("Identity", {map(branch->outputs()[i])}, {}, 0, node->name + "/out");
    id->outputs.push_back(y);
    y->producer = id;
  }
  node->outputs.clear();
  graph.RemoveNode(node);
  return OkStatus();
}

}  // namespace

Result<size_t> InlineConstantIf(Graph& graph) {
  size_t inlined = 0;
  std::vector<Node*> order;
  for (const auto& n : graph.nodes()) order.push_back(n.get());
  for (Node* node : order) {
    for (auto& [name, body] : node->subgraphs) {
      Result<size_t> inner = InlineConstantIf(*body);
      if (!inner.ok()) return inner.status().WithContext(node->Describe() + " " + name);
      inlined += *inner;
    }
    if (node->op_type != "If" || !node->domain.empty()) continue;
    std::optional<bool> cond = ConstantCondition(*node);
    if (!cond) continue;
    PT2TF_RETURN_IF_ERROR(Inline(graph, node, *cond));
    ++inlined;
  }
  if (inlined > 0) PT2TF_RETURN_IF_ERROR(graph.TopologicalSort());
  return inlined;
}

}  // namespace pt2tf::ir
