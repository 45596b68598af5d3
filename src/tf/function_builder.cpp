#include "tf/function_builder.h"

#include <unordered_map>

#include "tf/function_def.h"
#include "tf/lower.h"

namespace pt2tf::tf {

FunctionBuilder::FunctionBuilder(const ir::Graph* body, EmitContext& parent,
                                 const std::string& hint)
    : body_(body), parent_(parent.graph()), name_(parent.NewFunctionName(hint)) {
  if (!body_) {
    empty_ = std::make_unique<ir::Graph>();
    body_ = empty_.get();
  }
  ctx_ = std::make_unique<EmitContext>(*body_, graph_, parent);
  signature_.set_name(name_);
}

std::string FunctionBuilder::AddArg(const std::string& hint, tensorflow::DataType t,
                                    const ir::Value* value) {
  // Arg names follow node-name rules and share the function's node namespace.
  const std::string arg = ctx_->NewName(hint);
  TfNode& node = graph_.nodes.emplace_back();
  node.def.set_name(arg);
  node.def.set_op("Placeholder");
  SetAttrType(node.def, "dtype", t);
  tensorflow::OpDef::ArgDef* a = signature_.add_input_arg();
  a->set_name(arg);
  a->set_type(t);
  if (value) ctx_->Set(value, TfValue{arg, {}, std::nullopt});
  return arg;
}

Status FunctionBuilder::EmitBody() { return EmitNodes(*body_, *ctx_); }

void FunctionBuilder::AddResult(const std::string& hint, const std::string& tensor,
                                tensorflow::DataType t) {
  std::string arg = EmitContext::Sanitize(hint);
  for (int i = 1;
       std::any_of(results_.begin(), results_.end(), [&](const auto& r) { return r.first == arg; });
       ++i)
    arg = EmitContext::Sanitize(hint) + "_" + std::to_string(i);
  tensorflow::OpDef::ArgDef* a = signature_.add_output_arg();
  a->set_name(arg);
  a->set_type(t);
  results_.emplace_back(arg, tensor);
}

Status FunctionBuilder::Finish() {
  PT2TF_RETURN_IF_ERROR(ctx_->deferred_error());
  std::unordered_map<std::string, const tensorflow::NodeDef*> by_name;
  for (const TfNode& n : graph_.nodes) by_name[n.def.name()] = &n.def;
  // GraphDef form "node" / "node:k" / "^node" -> function form.
  auto convert = [&](const std::string& input) -> Result<std::string> {
    if (!input.empty() && input[0] == '^') return input;
    const size_t colon = input.find(':');
    const std::string node = input.substr(0, colon);
    const int64_t index = colon == std::string::npos ? 0 : std::stoll(input.substr(colon + 1));
    auto it = by_name.find(node);
    if (it == by_name.end())
      return InternalError("function " + name_ + ": input '" + input + "' names no node");
    if (it->second->op() == "Placeholder") return node;  // the arg itself
    return FunctionOutputName(node, it->second->op(), index);
  };
  TfFunction fn;
  fn.signature = signature_;
  for (const auto& [arg, tensor] : results_) {
    PT2TF_ASSIGN_OR_RETURN(std::string t, convert(tensor));
    fn.ret[arg] = t;
  }
  // Every input is converted before any node moves (`by_name` points into graph_).
  std::vector<std::vector<std::string>> inputs;
  for (const TfNode& n : graph_.nodes) {
    std::vector<std::string>& converted = inputs.emplace_back();
    for (const std::string& in : n.def.input()) {
      Result<std::string> name = convert(in);
      if (!name.ok()) return name.status().WithContext("function " + name_);
      converted.push_back(std::move(name).value());
    }
  }
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    TfNode& n = graph_.nodes[i];
    if (n.def.op() == "Placeholder") continue;
    n.def.clear_input();
    for (std::string& in : inputs[i]) n.def.add_input(std::move(in));
    fn.nodes.push_back(std::move(n));
  }
  for (TfFunction& nested : graph_.functions) parent_.functions.push_back(std::move(nested));
  for (std::string& cf : graph_.control_flow) parent_.control_flow.push_back(std::move(cf));
  parent_.functions.push_back(std::move(fn));
  return OkStatus();
}

}  // namespace pt2tf::tf
