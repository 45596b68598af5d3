// Higher-order ops: torch.ops.higher_order.cond(pred, true_graph, false_graph, operands)
// becomes an ONNX If.
//
//   cond(gt, true_graph_0, false_graph_0, (x, p_fc_weight))   →   If(gt)
//     true_graph_0(x, w):  ... return (a,)                         then_branch: captures x, w
//     false_graph_0(x, w): ... return (b,)                         else_branch: captures x, w
//
// A branch is a graph of its own (its names and metadata are its own); its inputs are bound
// positionally to the operands, each as a capture of the enclosing graph's value, which is how
// the IR spells an ONNX branch reading an outer-scope name. The predicate may be a bool tensor
// or a SymBool (a comparison of dims, kept at run time when the dims are dynamic).
#include "pt2/ops/ops.h"

namespace pt2tf::pt2::ops {
namespace {

// The branch graph argument at position `i` of the node.
Result<const GraphBody*> BranchAt(OpCall& c, size_t i) {
  const Node& n = c.node();
  if (i >= n.inputs.size() || n.inputs[i].arg.kind != ArgKind::kGraph || !n.inputs[i].arg.graph)
    return InvalidInput(c.Describe() + ": argument " + std::to_string(i) + " is not a graph");
  return n.inputs[i].arg.graph.get();
}

// The predicate as a bool IR value.
Result<ir::Value*> Predicate(OpCall& c) {
  ImportContext& ctx = c.ctx();
  const Arg& a = c.node().inputs[0].arg;
  ir::Value* v = nullptr;
  if (a.kind == ArgKind::kTensor) {
    v = ctx.Lookup(a.name);
  } else if (a.kind == ArgKind::kSymBool || a.kind == ArgKind::kSymInt) {
    const std::string sym = a.kind == ArgKind::kSymBool ? a.name : a.sym_ints[0].name;
    if (sym.empty())  // a literal: the exporter keeps both branches only for a run-time value
      return ctx.ConstScalar(a.kind == ArgKind::kSymBool ? a.b : a.sym_ints[0].value != 0,
                             DType::kBool);
    v = ctx.LookupSym(sym);
  } else if (a.kind == ArgKind::kBool) {
    return ctx.ConstScalar(a.b ? 1 : 0, DType::kBool);
  } else {
    return InvalidInput(c.Describe() + ": the predicate is not a tensor or a SymBool");
  }
  if (v == nullptr)
    return InvalidInput(c.Describe() + ": predicate '" + a.name + "' is used before it is defined");
  return ctx.Cast(v, DType::kBool);
}

// The operand values (tensors and SymInts, in order), from the node's last argument.
Result<std::vector<ir::Value*>> Operands(OpCall& c) {
  ImportContext& ctx = c.ctx();
  const Arg& a = c.node().inputs[3].arg;
  std::vector<ir::Value*> out;
  auto tensor = [&](const std::string& name) -> Status {
    ir::Value* v = ctx.Lookup(name);
    if (v == nullptr)
      return InvalidInput(c.Describe() + ": operand '" + name + "' is used before it is defined");
    out.push_back(v);
    return OkStatus();
  };
  if (a.kind == ArgKind::kTensors) {
    for (const std::string& n : a.names) PT2TF_RETURN_IF_ERROR(tensor(n));
  } else if (a.kind == ArgKind::kTensor) {
    PT2TF_RETURN_IF_ERROR(tensor(a.name));
  } else if (a.kind == ArgKind::kSymInts || a.kind == ArgKind::kSymInt) {
    for (const SymIntArg& s : a.sym_ints) {
      ir::Value* v = s.name.empty() ? ctx.ConstInt(s.value) : ctx.LookupSym(s.name);
      if (v == nullptr)
        return InvalidInput(c.Describe() + ": operand '" + s.name + "' is not defined");
      out.push_back(v);
    }
  } else if (a.kind != ArgKind::kNone) {
    return c.Error("operands other than tensors and SymInts are not supported");
  }
  return out;
}

// Imports `body` as a subgraph whose inputs stand for `operands` of the enclosing graph.
Result<std::unique_ptr<ir::Graph>> ImportBranch(OpCall& c, const GraphBody& body,
                                                const std::string& name,
                                                const std::vector<ir::Value*>& operands) {
  if (body.inputs.size() != operands.size())
    return InvalidInput(c.Describe() + ": branch " + name + " takes " +
                        std::to_string(body.inputs.size()) + " inputs but the op passes " +
                        std::to_string(operands.size()));
  auto sub = std::make_unique<ir::Graph>();
  sub->set_name(name);
  sub->set_opset(c.ctx().graph().opset());
  ImportContext ctx(body.tensor_values, *sub);
  for (size_t i = 0; i < operands.size(); ++i) {
    const Arg& in = body.inputs[i];
    ir::Value* inner = sub->AddCapture(operands[i]);
    if (in.kind == ArgKind::kTensor) {
      ctx.Bind(in.name, inner);
    } else if (in.kind == ArgKind::kSymInt && !in.sym_ints[0].name.empty()) {
      ctx.BindSym(in.sym_ints[0].name, inner);
    } else {
      return c.Error("branch " + name + " input " + std::to_string(i) +
                     " is neither a tensor nor a SymInt");
    }
  }
  std::vector<std::string> read_at_end;
  for (const Arg& out : body.outputs)
    if (out.kind == ArgKind::kTensor) read_at_end.push_back(out.name);
  Status s = ImportNodes(body.nodes, read_at_end, ctx);
  if (!s.ok()) return s.WithContext("branch " + name + " of " + c.Describe());
  for (const Arg& out : body.outputs) {
    if (out.kind != ArgKind::kTensor)
      return c.Error("branch " + name + " returns a non-tensor value (a SymInt, None, ...)");
    ir::Value* v = ctx.Lookup(out.name);
    if (v == nullptr)
      return InvalidInput(c.Describe() + ": branch " + name + " output '" + out.name +
                          "' is never computed");
    // A branch output must be a node output of the branch (an operand or constant returned
    // as is gets an Identity), each one distinct.
    if (v->producer == nullptr || sub->IsOutput(v)) v = ctx.Op("Identity", {v});
    sub->AddOutput(v);
  }
  return sub;
}

}  // namespace

Status Cond(OpCall& c) {
  ImportContext& ctx = c.ctx();
  if (c.node().inputs.size() != 4)
    return InvalidInput(c.Describe() + ": expected (pred, true_fn, false_fn, operands)");
  PT2TF_ASSIGN_OR_RETURN(ir::Value * pred, Predicate(c));
  PT2TF_ASSIGN_OR_RETURN(const GraphBody* then_body, BranchAt(c, 1));
  PT2TF_ASSIGN_OR_RETURN(const GraphBody* else_body, BranchAt(c, 2));
  PT2TF_ASSIGN_OR_RETURN(std::vector<ir::Value*> operands, Operands(c));
  const std::string then_name = c.node().inputs[1].arg.name;
  const std::string else_name = c.node().inputs[2].arg.name;
  PT2TF_ASSIGN_OR_RETURN(auto then_g, ImportBranch(c, *then_body, then_name, operands));
  PT2TF_ASSIGN_OR_RETURN(auto else_g, ImportBranch(c, *else_body, else_name, operands));
  const size_t n = then_g->outputs().size();
  if (n == 0) return c.Error("a cond with no outputs has nothing to convert");
  if (else_g->outputs().size() != n)
    return InvalidInput(c.Describe() + ": the branches return " + std::to_string(n) + " and " +
                        std::to_string(else_g->outputs().size()) + " values");
  for (size_t i = 0; i < n; ++i)
    if (then_g->outputs()[i]->dtype != else_g->outputs()[i]->dtype)
      return InvalidInput(c.Describe() + ": output " + std::to_string(i) +
                          " has different dtypes in the two branches");
  std::vector<ir::Value*> outs = ctx.OpN("If", {pred}, {}, n);
  ir::Node* node = outs[0]->producer;
  for (size_t i = 0; i < n; ++i) outs[i]->dtype = then_g->outputs()[i]->dtype;
  node->subgraphs["then_branch"] = std::move(then_g);
  node->subgraphs["else_branch"] = std::move(else_g);
  for (size_t i = 0; i < n; ++i) PT2TF_RETURN_IF_ERROR(c.SetOutput(outs[i], i));
  return OkStatus();
}

}  // namespace pt2tf::pt2::ops
