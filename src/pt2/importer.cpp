// Program → IR: placeholders by their signature kind (parameters, buffers and constants
// become initializers, user inputs graph inputs), then each node through the op table, then
// the user outputs. Only what the signature declares is read; the archive's pickled sample
// inputs are never opened.
#include <algorithm>
#include <cctype>
#include <set>

#include "pt2/aliasing.h"
#include "pt2/archive.h"
#include "pt2/ops/ops.h"
#include "pt2tf/pt2/pt2_reader.h"

namespace pt2tf::pt2 {
namespace {

std::string Short(const std::string& target) {
  return target.rfind("torch.ops.", 0) == 0 ? target.substr(10) : target;
}

// The tensor a parameter / buffer / constant placeholder refers to, checked against the
// placeholder's own metadata so a config cannot lie about what the graph was traced with.
Result<const Tensor*> PayloadFor(const Pt2File& file, const InputSpec& spec) {
  const Tensor* t = nullptr;
  auto find = [&](const std::map<std::string, Tensor>& m) {
    auto it = m.find(spec.target);
    return it == m.end() ? nullptr : &it->second;
  };
  if (spec.kind == InputKind::kParameter) t = find(file.weights);
  if (spec.kind == InputKind::kBuffer)
    t = find(file.weights) ? find(file.weights) : find(file.constants);
  if (spec.kind == InputKind::kTensorConstant)
    t = find(file.constants) ? find(file.constants) : find(file.weights);
  if (t == nullptr)
    return InvalidInput("'" + spec.target + "' (input " + spec.arg.name +
                        ") is not in the archive's weights or constants");
  auto meta = file.program.tensor_values.find(spec.arg.name);
  if (meta == file.program.tensor_values.end())
    return InvalidInput("input " + spec.arg.name + " has no tensor metadata");
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, StaticSizes(meta->second, spec.arg.name));
  if (meta->second.dtype != t->dtype() || sizes != t->shape())
    return InvalidInput("'" + spec.target + "' is stored as " + std::string(TorchName(t->dtype())) +
                        " " + ShapeToString(t->shape()) + " but the graph expects " +
                        std::string(TorchName(meta->second.dtype)) + " " + ShapeToString(sizes));
  return t;
}

Status ImportInputs(const Pt2File& file, ImportContext& ctx) {
  ir::Graph& graph = ctx.graph();
  for (const InputSpec& spec : file.program.input_specs) {
    switch (spec.kind) {
      case InputKind::kParameter:
      case InputKind::kBuffer:
      case InputKind::kTensorConstant: {
        PT2TF_ASSIGN_OR_RETURN(const Tensor* t, PayloadFor(file, spec));
        ctx.Bind(spec.arg.name, graph.AddInitializer(spec.target, *t));
        break;
      }
      case InputKind::kUserInput: {
        if (spec.arg.kind != ArgKind::kTensor)
          return Unsupported(
              "user input of kind other than a tensor (a SymInt or constant "
              "argument); export with tensor inputs only");
        const TensorMeta* m = ctx.Meta(spec.arg.name);
        if (m == nullptr) return InvalidInput("input " + spec.arg.name + " has no tensor metadata");
        ir::Dims dims;
        for (const SymDim& d : m->sizes) dims.push_back(d.symbolic() ? ir::kUnknownDim : d.value);
        ctx.Bind(spec.arg.name, graph.AddInput(spec.arg.name, m->dtype, dims));
        break;
      }
      case InputKind::kConstantInput:
        return Unsupported("constant input '" + spec.target + "' is not supported");
      case InputKind::kOther:
        return Unsupported("input kind '" + spec.other +
                           "' (custom objects, tokens) is not supported");
    }
  }
  return OkStatus();
}

Status ImportOutputs(const Program& program, ImportContext& ctx) {
  ir::Graph& graph = ctx.graph();
  for (const OutputSpec& spec : program.output_specs) {
    if (spec.kind == OutputKind::kBufferMutation)
      return Unsupported("the program mutates a buffer (export the model in eval mode)");
    if (spec.kind != OutputKind::kUserOutput)
      return Unsupported("output kind '" + spec.other + "' is not supported");
    if (spec.arg.kind != ArgKind::kTensor)
      return Unsupported("a non-tensor user output (None, int, ...) is not supported");
    ir::Value* v = ctx.Lookup(spec.arg.name);
    if (v == nullptr && !ctx.UnavailableReason(spec.arg.name).empty())
      return Unsupported("output " + spec.arg.name + " is " + ctx.UnavailableReason(spec.arg.name));
    if (v == nullptr) return InvalidInput("output " + spec.arg.name + " is never computed");
    // Graph inputs, initializers and repeated outputs get their own Identity so every graph
    // output is a distinct node output.
    if (v->producer == nullptr || graph.IsOutput(v)) v = ctx.Op("Identity", {v});
    v->name = graph.UniqueName(spec.arg.name);  // the program's name, as PyTorch users see it
    graph.AddOutput(v);
  }
  if (graph.outputs().empty()) return Unsupported("the program has no tensor outputs");
  // TensorFlow uniquifies op names case-insensitively when it loads a SavedModel: an op
  // named "Sub" beside the output "sub" would rename the output away from its signature.
  auto lower = [](std::string s) {
    for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
  };
  std::set<std::string> outs;
  for (const ir::Value* v : graph.outputs()) outs.insert(lower(v->name));
  for (const auto& node : graph.nodes())
    if (outs.count(lower(node->name))) node->name = graph.UniqueName(node->name + "_op");
  return OkStatus();
}

// ONNX wants every value name unique across a graph and its subgraphs (SSA), but each torch.cond
// branch has names of its own ("mul" in both branches and in the program). Prefixes each
// branch value (not its captures, which the writers spell as the outer value) with the path
// to it: "<If's first output>/<then_branch|else_branch>/"; program names never contain '/'.
void PrefixBranchNames(ir::Graph& graph) {
  for (const auto& node : graph.nodes()) {
    if (node->outputs.empty()) continue;
    for (auto& [attr, body] : node->subgraphs) {
      const std::string prefix = node->outputs[0]->name + "/" + attr + "/";
      for (ir::Value* v : body->Initializers()) v->name = prefix + v->name;
      for (const auto& n : body->nodes())
        for (ir::Value* v : n->outputs) v->name = prefix + v->name;
      PrefixBranchNames(*body);
    }
  }
}

}  // namespace

Status ImportNodes(const std::vector<Node>& nodes, const std::vector<std::string>& read_at_end,
                   ImportContext& ctx) {
  InPlaceWrites writes(nodes, read_at_end);
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& node = nodes[i];
    OpCall call(node, ctx);
    OpBuilder builder = FindOpBuilder(node.target);
    if (builder == nullptr)
      return Unsupported("unsupported op " + Short(node.target) + " (node '" +
                         (node.name.empty() ? call.OutputName(0) : node.name) + "')");
    PT2TF_RETURN_IF_ERROR(writes.Check(i));
    PT2TF_RETURN_IF_ERROR(builder(call));
    // Later reads of a tensor written in place see the write.
    const std::string written = writes.Record(i);
    if (!written.empty() && !node.outputs.empty() && node.outputs[0].kind == ArgKind::kTensor)
      if (ir::Value* v = ctx.Lookup(node.outputs[0].name)) ctx.Bind(written, v);
    for (const Arg& out : node.outputs) {
      if (out.kind == ArgKind::kTensor) ctx.SetProducer(out.name, &node);
      if (out.kind == ArgKind::kTensors)
        for (const std::string& n : out.names) ctx.SetProducer(n, &node);
    }
  }
  return OkStatus();
}

bool IsPt2Path(const std::string& path) {
  return path.size() >= 4 && path.compare(path.size() - 4, 4, ".pt2") == 0;
}

Result<std::unique_ptr<ir::Graph>> ReadPt2(const std::string& path) {
  PT2TF_ASSIGN_OR_RETURN(Pt2File file, ReadPt2File(path));
  auto graph = std::make_unique<ir::Graph>();
  graph->set_name(file.model_name);
  ImportContext ctx(file.program.tensor_values, *graph);
  Status s = ImportInputs(file, ctx);
  std::vector<std::string> outputs;
  for (const OutputSpec& spec : file.program.output_specs) {
    if (spec.arg.kind == ArgKind::kTensor) outputs.push_back(spec.arg.name);
    if (spec.arg.kind == ArgKind::kTensors)
      outputs.insert(outputs.end(), spec.arg.names.begin(), spec.arg.names.end());
  }
  if (s.ok()) s = ImportNodes(file.program.nodes, outputs, ctx);
  if (s.ok()) s = ImportOutputs(file.program, ctx);
  if (!s.ok()) return s.WithContext(path);
  PrefixBranchNames(*graph);
  return graph;
}

Result<Pt2Summary> SummarizePt2(const std::string& path) {
  PT2TF_ASSIGN_OR_RETURN(Pt2File file, ReadPt2File(path));
  const Program& p = file.program;
  Pt2Summary s;
  s.path = path;
  s.torch_version = p.torch_version;
  s.schema_version = std::to_string(p.schema_major) + "." + std::to_string(p.schema_minor);
  // Ops of torch.cond branches count too: an unsupported one there stops conversion as well.
  std::vector<const std::vector<Node>*> graphs = {&p.nodes};
  while (!graphs.empty()) {
    const std::vector<Node>* nodes = graphs.back();
    graphs.pop_back();
    for (const Node& n : *nodes) {
      ++s.node_count;
      const std::string t = Short(n.target);
      if (s.ops[t]++ == 0 && FindOpBuilder(n.target) == nullptr) s.unsupported.push_back(t);
      for (const NamedArg& a : n.inputs)
        if (a.arg.kind == ArgKind::kGraph && a.arg.graph) graphs.push_back(&a.arg.graph->nodes);
    }
  }
  auto io = [&](const Arg& arg) {
    Pt2Io e;
    e.name = arg.kind == ArgKind::kTensor ? arg.name : "(non-tensor)";
    auto m = p.tensor_values.find(arg.name);
    if (arg.kind == ArgKind::kTensor && m != p.tensor_values.end()) {
      e.dtype = std::string(TorchName(m->second.dtype));
      std::vector<int64_t> dims;
      for (const SymDim& d : m->second.sizes) {
        dims.push_back(d.symbolic() ? -1 : d.value);
        e.symbols.push_back(d.expr);
      }
      e.shape = dims;
    }
    return e;
  };
  for (const InputSpec& spec : p.input_specs)
    if (spec.kind == InputKind::kUserInput) s.inputs.push_back(io(spec.arg));
  for (const OutputSpec& spec : p.output_specs)
    if (spec.kind == OutputKind::kUserOutput) s.outputs.push_back(io(spec.arg));
  for (const auto* m : {&file.weights, &file.constants})
    for (const auto& [name, t] : *m) {
      ++s.weight_count;
      s.weight_bytes += t.nbytes();
    }
  for (const auto& [sym, r] : p.range_constraints)
    s.range_constraints[sym] = "[" + (r.min ? std::to_string(*r.min) : "-inf") + ", " +
                               (r.max ? std::to_string(*r.max) : "inf") + "]";
  return s;
}

}  // namespace pt2tf::pt2
