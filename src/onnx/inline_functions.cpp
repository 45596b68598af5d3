#include "onnx/inline_functions.h"

#include <map>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace pt2tf::onnx {
namespace {

namespace pb = ::pt2tf::onnx_proto;

using FunctionKey = std::tuple<std::string, std::string, std::string>;  // domain, name, overload

bool IsDefaultDomain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

std::string Describe(const pb::FunctionProto& f) {
  return "model-local function '" + (f.domain().empty() ? "" : f.domain() + ".") + f.name() + "'";
}

void CollectNames(const pb::GraphProto& g, std::unordered_set<std::string>& names) {
  for (const auto& v : g.input()) names.insert(v.name());
  for (const auto& v : g.output()) names.insert(v.name());
  for (const auto& v : g.value_info()) names.insert(v.name());
  for (const auto& t : g.initializer()) names.insert(t.name());
  for (const pb::NodeProto& n : g.node()) {
    for (const std::string& s : n.input()) names.insert(s);
    for (const std::string& s : n.output()) names.insert(s);
    for (const pb::AttributeProto& a : n.attribute())
      if (a.has_g()) CollectNames(a.g(), names);
  }
}

class Inliner {
 public:
  Inliner(std::map<FunctionKey, const pb::FunctionProto*> functions,
          std::unordered_set<std::string> names)
      : functions_(std::move(functions)), names_(std::move(names)) {}

  // Replaces every call in `g` (and in its subgraphs) by the called function's body.
  Status InlineGraph(pb::GraphProto& g) {
    google::protobuf::RepeatedPtrField<pb::NodeProto> out;
    for (pb::NodeProto& node : *g.mutable_node()) {
      for (pb::AttributeProto& a : *node.mutable_attribute())
        if (a.has_g()) PT2TF_RETURN_IF_ERROR(InlineGraph(*a.mutable_g()));
      PT2TF_RETURN_IF_ERROR(Emit(node, 0, out));
    }
    g.mutable_node()->Swap(&out);
    return OkStatus();
  }

 private:
  const pb::FunctionProto* Find(const pb::NodeProto& node) const {
    auto it = functions_.find({node.domain(), node.op_type(), node.overload()});
    return it == functions_.end() ? nullptr : it->second;
  }

  std::string Fresh(const std::string& base) {
    std::string name = base;
    for (int k = 1; names_.count(name); ++k) name = base + "_" + std::to_string(k);
    names_.insert(name);
    return name;
  }

  // Appends `node` to `out`, or the body of the function it calls (inlined recursively).
  Status Emit(pb::NodeProto& node, int depth,
              google::protobuf::RepeatedPtrField<pb::NodeProto>& out) {
    const pb::FunctionProto* fn = Find(node);
    if (fn == nullptr) {
      if (++emitted_ > kMaxInlinedNodes)
        return Unsupported("inlining model-local functions makes more than " +
                           std::to_string(kMaxInlinedNodes) + " nodes");
      *out.Add() = std::move(node);
      return OkStatus();
    }
    if (depth >= kMaxFunctionDepth)
      return Unsupported(Describe(*fn) + ": function calls nest deeper than " +
                         std::to_string(kMaxFunctionDepth) + " (recursive?)");
    if (node.input_size() > fn->input_size() || node.output_size() > fn->output_size())
      return InvalidInput(Describe(*fn) + " is called with " + std::to_string(node.input_size()) +
                          " inputs and " + std::to_string(node.output_size()) +
                          " outputs; it declares " + std::to_string(fn->input_size()) + " and " +
                          std::to_string(fn->output_size()));
    const std::string prefix = Fresh(fn->name() + "_" + std::to_string(calls_++)) + "/";
    std::unordered_map<std::string, std::string> rename;  // body name -> caller-scope name
    for (int i = 0; i < fn->input_size(); ++i)
      rename[fn->input(i)] = i < node.input_size() ? node.input(i) : "";
    std::unordered_map<std::string, std::string> outputs;  // formal output -> actual
    for (int i = 0; i < fn->output_size(); ++i)
      if (i < node.output_size() && !node.output(i).empty())
        outputs[fn->output(i)] = node.output(i);
    for (const pb::NodeProto& body : fn->node()) {
      pb::NodeProto n = body;
      n.set_name(prefix + body.name());
      for (std::string& in : *n.mutable_input()) {
        if (in.empty()) continue;
        auto it = rename.find(in);
        if (it == rename.end())
          return InvalidInput(Describe(*fn) + ": node '" + body.name() + "' reads '" + in +
                              "', which the function does not define");
        in = it->second;
      }
      for (std::string& o : *n.mutable_output()) {
        if (o.empty()) continue;
        auto actual = outputs.find(o);
        const std::string to = actual != outputs.end() ? actual->second : Fresh(prefix + o);
        rename[o] = to;
        o = to;
      }
      PT2TF_RETURN_IF_ERROR(BindAttributes(*fn, node, n));
      PT2TF_RETURN_IF_ERROR(Emit(n, depth + 1, out));
    }
    for (const auto& [formal, actual] : outputs)
      if (rename.find(formal) == rename.end() || rename[formal] != actual)
        return InvalidInput(Describe(*fn) + ": output '" + formal + "' is never computed");
    return OkStatus();
  }

  // Resolves the attribute references (ref_attr_name) of body node `n` against the call.
  static Status BindAttributes(const pb::FunctionProto& fn, const pb::NodeProto& call,
                               pb::NodeProto& n) {
    google::protobuf::RepeatedPtrField<pb::AttributeProto> attrs;
    for (const pb::AttributeProto& a : n.attribute()) {
      if (a.has_g() || a.graphs_size() > 0)
        return Unsupported(Describe(fn) + ": node '" + n.name() +
                           "' has a subgraph (not supported inside functions)");
      if (a.ref_attr_name().empty()) {
        *attrs.Add() = a;
        continue;
      }
      const pb::AttributeProto* value = nullptr;
      for (const pb::AttributeProto& c : call.attribute())
        if (c.name() == a.ref_attr_name()) value = &c;
      if (value == nullptr)
        for (const pb::AttributeProto& d : fn.attribute_proto())
          if (d.name() == a.ref_attr_name()) value = &d;
      if (value == nullptr) continue;  // neither given nor defaulted: the attribute is absent
      pb::AttributeProto* bound = attrs.Add();
      *bound = *value;
      bound->set_name(a.name());
      bound->clear_ref_attr_name();
    }
    n.mutable_attribute()->Swap(&attrs);
    return OkStatus();
  }

  std::map<FunctionKey, const pb::FunctionProto*> functions_;
  std::unordered_set<std::string> names_;
  int64_t emitted_ = 0;
  int64_t calls_ = 0;
};

}  // namespace

Status InlineLocalFunctions(pb::ModelProto& model, int64_t model_opset) {
  if (model.functions_size() == 0) return OkStatus();
  std::map<FunctionKey, const pb::FunctionProto*> functions;
  std::unordered_set<std::string> names;
  for (const pb::FunctionProto& f : model.functions()) {
    if (!functions.emplace(FunctionKey{f.domain(), f.name(), f.overload()}, &f).second)
      return InvalidInput(Describe(f) + " is defined twice");
    for (const pb::OperatorSetIdProto& o : f.opset_import())
      if (IsDefaultDomain(o.domain()) && o.version() != model_opset)
        return Unsupported(Describe(f) + " uses opset " + std::to_string(o.version()) +
                           " but the model opset " + std::to_string(model_opset));
    for (const pb::NodeProto& n : f.node()) {
      for (const std::string& s : n.input()) names.insert(s);
      for (const std::string& s : n.output()) names.insert(s);
    }
  }
  CollectNames(model.graph(), names);
  Inliner inliner(std::move(functions), std::move(names));
  PT2TF_RETURN_IF_ERROR(inliner.InlineGraph(*model.mutable_graph()));
  // The function table points into model.functions(): clear it only once inlining is done.
  model.clear_functions();
  return OkStatus();
}

}  // namespace pt2tf::onnx
