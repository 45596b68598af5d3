// FunctionBuilder: lowers an IR subgraph (an If branch, a Loop/Scan body) into a TF function
// of the GraphDef library with the same emitters as the main graph.
//
// The body is emitted into a TfGraph of its own through an EmitContext over the subgraph:
// each function input arg is a Placeholder there, and Finish() rewrites the graph into
// FunctionDef form (a Placeholder becomes the arg it stands for; "node" / "node:k" inputs
// become "node:<output arg>:<index>" from the op's OpDef, see function_def.h). Every value
// crosses the function boundary in IR layout (channels-first, as ONNX has it); inside, the
// emitters choose layouts as they do in the main graph. Functions nested bodies create are
// moved into the enclosing TfGraph, so all of them end up in the main graph's library.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"
#include "tf/emit_context.h"
#include "tf/tf_graph.h"

namespace pt2tf::tf {

class FunctionBuilder {
 public:
  // `body` may be nullptr for a function with no IR behind it (a While condition). The
  // finished function goes to `parent`'s graph, named parent.NewFunctionName(hint).
  FunctionBuilder(const ir::Graph* body, EmitContext& parent, const std::string& hint);

  const std::string& name() const { return name_; }
  EmitContext& ctx() { return *ctx_; }

  // Adds input arg `hint` of type `t`; returns the tensor that reads it inside the function.
  // With `value`, that body value (an input or a capture) reads the arg.
  std::string AddArg(const std::string& hint, tensorflow::DataType t,
                     const ir::Value* value = nullptr);
  // Emits every node of the body (in order) through the emitter registry.
  Status EmitBody();
  // Adds output arg `hint` returning `tensor` (a tensor of the function's graph).
  void AddResult(const std::string& hint, const std::string& tensor, tensorflow::DataType t);
  // Converts to FunctionDef form and appends it (with nested functions) to `parent`.
  Status Finish();

 private:
  const ir::Graph* body_;
  TfGraph& parent_;
  std::string name_;
  std::unique_ptr<ir::Graph> empty_;  // stands in for a missing body
  TfGraph graph_;
  std::unique_ptr<EmitContext> ctx_;
  tensorflow::OpDef signature_;
  std::vector<std::pair<std::string, std::string>> results_;  // output arg, tensor
};

}  // namespace pt2tf::tf
