// VerifyGraph: structural invariants of the IR, checked between passes and before writers.
// It checks what every consumer relies on (order, naming, producers, constants, attribute
// types); semantic checks (shapes fit) belong to shape inference.
#include <memory_resource>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "pt2tf/ir/passes.h"

namespace pt2tf::ir {
namespace {

struct AttrSpec {
  std::string_view name;
  AttrType type;
  bool required = false;
};

struct OpSpec {
  std::string_view op_type;
  size_t min_inputs;
  size_t max_inputs;
  std::vector<AttrSpec> attrs;
};

constexpr size_t kAny = SIZE_MAX;
using T = AttrType;

// Input counts and attribute types (ONNX opset 21) for the ops pt2tf handles most; ops not
// listed are only checked structurally.
const std::vector<OpSpec>& OpSpecs() {
  static const std::vector<OpSpec> specs = {
      {"Conv",
       2,
       3,
       {{"auto_pad", T::kString},
        {"dilations", T::kInts},
        {"group", T::kInt},
        {"kernel_shape", T::kInts},
        {"pads", T::kInts},
        {"strides", T::kInts}}},
      {"ConvTranspose",
       2,
       3,
       {{"auto_pad", T::kString},
        {"dilations", T::kInts},
        {"group", T::kInt},
        {"kernel_shape", T::kInts},
        {"output_padding", T::kInts},
        {"output_shape", T::kInts},
        {"pads", T::kInts},
        {"strides", T::kInts}}},
      {"MaxPool",
       1,
       1,
       {{"auto_pad", T::kString},
        {"ceil_mode", T::kInt},
        {"dilations", T::kInts},
        {"kernel_shape", T::kInts, true},
        {"pads", T::kInts},
        {"storage_order", T::kInt},
        {"strides", T::kInts}}},
      {"AveragePool",
       1,
       1,
       {{"auto_pad", T::kString},
        {"ceil_mode", T::kInt},
        {"count_include_pad", T::kInt},
        {"dilations", T::kInts},
        {"kernel_shape", T::kInts, true},
        {"pads", T::kInts},
        {"strides", T::kInts}}},
      {"GlobalAveragePool", 1, 1, {}},
      {"GlobalMaxPool", 1, 1, {}},
      {"BatchNormalization",
       5,
       5,
       {{"epsilon", T::kFloat}, {"momentum", T::kFloat}, {"training_mode", T::kInt}}},
      {"InstanceNormalization", 3, 3, {{"epsilon", T::kFloat}}},
      {"LayerNormalization",
       2,
       3,
       {{"axis", T::kInt}, {"epsilon", T::kFloat}, {"stash_type", T::kInt}}},
      {"Gemm",
       2,
       3,
       {{"alpha", T::kFloat}, {"beta", T::kFloat}, {"transA", T::kInt}, {"transB", T::kInt}}},
      {"MatMul", 2, 2, {}},
      {"Relu", 1, 1, {}},
      {"Sigmoid", 1, 1, {}},
      {"Tanh", 1, 1, {}},
      {"LeakyRelu", 1, 1, {{"alpha", T::kFloat}}},
      {"Elu", 1, 1, {{"alpha", T::kFloat}}},
      {"Celu", 1, 1, {{"alpha", T::kFloat}}},
      {"ThresholdedRelu", 1, 1, {{"alpha", T::kFloat}}},
      {"Selu", 1, 1, {{"alpha", T::kFloat}, {"gamma", T::kFloat}}},
      {"HardSigmoid", 1, 1, {{"alpha", T::kFloat}, {"beta", T::kFloat}}},
      {"HardSwish", 1, 1, {}},
      {"Gelu", 1, 1, {{"approximate", T::kString}}},
      {"PRelu", 2, 2, {}},
      {"Clip", 1, 3, {}},
      {"Softmax", 1, 1, {{"axis", T::kInt}}},
      {"LogSoftmax", 1, 1, {{"axis", T::kInt}}},
      {"Hardmax", 1, 1, {{"axis", T::kInt}}},
      {"Add", 2, 2, {}},
      {"Sub", 2, 2, {}},
      {"Mul", 2, 2, {}},
      {"Div", 2, 2, {}},
      {"Pow", 2, 2, {}},
      {"Where", 3, 3, {}},
      {"Min", 1, kAny, {}},
      {"Max", 1, kAny, {}},
      {"Sum", 1, kAny, {}},
      {"Mean", 1, kAny, {}},
      {"Flatten", 1, 1, {{"axis", T::kInt}}},
      {"Reshape", 2, 2, {{"allowzero", T::kInt}}},
      {"Transpose", 1, 1, {{"perm", T::kInts}}},
      {"Concat", 1, kAny, {{"axis", T::kInt, true}}},
      {"Split", 1, 2, {{"axis", T::kInt}, {"num_outputs", T::kInt}}},
      {"Slice", 3, 5, {}},
      {"Squeeze", 1, 2, {}},
      {"Unsqueeze", 1, 2, {}},
      {"Gather", 2, 2, {{"axis", T::kInt}}},
      {"GatherElements", 2, 2, {{"axis", T::kInt}}},
      {"Pad", 1, 4, {{"mode", T::kString}}},
      {"Resize",
       1,
       4,
       {{"antialias", T::kInt},
        {"axes", T::kInts},
        {"coordinate_transformation_mode", T::kString},
        {"cubic_coeff_a", T::kFloat},
        {"exclude_outside", T::kInt},
        {"extrapolation_value", T::kFloat},
        {"keep_aspect_ratio_policy", T::kString},
        {"mode", T::kString},
        {"nearest_mode", T::kString}}},
      {"ReduceMean", 1, 2, {{"keepdims", T::kInt}, {"noop_with_empty_axes", T::kInt}}},
      {"ReduceSum", 1, 2, {{"keepdims", T::kInt}, {"noop_with_empty_axes", T::kInt}}},
      {"ReduceMax", 1, 2, {{"keepdims", T::kInt}, {"noop_with_empty_axes", T::kInt}}},
      {"ReduceMin", 1, 2, {{"keepdims", T::kInt}, {"noop_with_empty_axes", T::kInt}}},
      {"ReduceProd", 1, 2, {{"keepdims", T::kInt}, {"noop_with_empty_axes", T::kInt}}},
      {"ArgMax", 1, 1, {{"axis", T::kInt}, {"keepdims", T::kInt}, {"select_last_index", T::kInt}}},
      {"ArgMin", 1, 1, {{"axis", T::kInt}, {"keepdims", T::kInt}, {"select_last_index", T::kInt}}},
      {"TopK", 2, 2, {{"axis", T::kInt}, {"largest", T::kInt}, {"sorted", T::kInt}}},
      {"Shape", 1, 1, {{"start", T::kInt}, {"end", T::kInt}}},
      {"Size", 1, 1, {}},
      {"Cast", 1, 1, {{"to", T::kInt, true}, {"saturate", T::kInt}}},
      {"ConstantOfShape", 1, 1, {{"value", T::kTensor}}},
      {"Identity", 1, 1, {}},
      {"Dropout", 1, 3, {{"seed", T::kInt}}},
      {"Expand", 2, 2, {}},
      {"Tile", 2, 2, {}},
      {"Range", 3, 3, {}},
      {"CumSum", 2, 2, {{"exclusive", T::kInt}, {"reverse", T::kInt}}},
      {"Trilu", 1, 2, {{"upper", T::kInt}}},
      {"Einsum", 1, kAny, {{"equation", T::kString, true}}},
  };
  return specs;
}

const OpSpec* FindSpec(const std::string& op_type) {
  // Looked up once per node: a hash index instead of a scan of the table.
  static const std::unordered_map<std::string_view, const OpSpec*> index = [] {
    std::unordered_map<std::string_view, const OpSpec*> m;
    for (const auto& spec : OpSpecs()) m.emplace(spec.op_type, &spec);
    return m;
  }();
  auto it = index.find(op_type);
  return it == index.end() ? nullptr : it->second;
}

const char* AttrTypeName(AttrType t) {
  switch (t) {
    case AttrType::kFloat:
      return "float";
    case AttrType::kInt:
      return "int";
    case AttrType::kString:
      return "string";
    case AttrType::kTensor:
      return "tensor";
    case AttrType::kFloats:
      return "floats";
    case AttrType::kInts:
      return "ints";
    case AttrType::kStrings:
      return "strings";
  }
  return "?";
}

// Dims are sizes or kUnknownDim; anything else would poison every size computation.
Status CheckShape(const Value& v) {
  if (!v.shape) return OkStatus();
  for (int64_t d : *v.shape)
    if (d < kUnknownDim)
      return InvalidInput("value '" + v.name + "' has a negative dim in shape " +
                          ShapeToString(*v.shape));
  return OkStatus();
}

Status CheckConstant(const Value& v) {
  const Tensor& t = *v.constant;
  if (t.dtype() != v.dtype)
    return InvalidInput("constant '" + v.name + "' is " + std::string(TorchName(v.dtype)) +
                        " but its tensor is " + std::string(TorchName(t.dtype())));
  if (v.shape && *v.shape != t.shape())
    return InvalidInput("constant '" + v.name + "' has shape " + ShapeToString(*v.shape) +
                        " but its tensor has shape " + ShapeToString(t.shape()));
  if (t.dtype() != DType::kString && t.numel() > 0 && !t.storage())
    return InvalidInput("constant '" + v.name + "' has no data");
  return OkStatus();
}

Status CheckNodeAttrs(const Node& node) {
  if (!node.domain.empty() && node.domain != "ai.onnx") return OkStatus();
  if (node.op_type == "Constant") {
    if (!node.inputs.empty()) return InvalidInput(node.Describe() + ": Constant takes no inputs");
    if (node.attrs.size() != 1)
      return InvalidInput(node.Describe() + ": Constant needs exactly one value attribute");
    return OkStatus();
  }
  const OpSpec* spec = FindSpec(node.op_type);
  if (!spec) return OkStatus();
  const size_t n = node.inputs.size();
  if (n < spec->min_inputs || n > spec->max_inputs) {
    std::string want = std::to_string(spec->min_inputs);
    if (spec->max_inputs == kAny) {
      want += " or more";
    } else if (spec->max_inputs != spec->min_inputs) {
      want += " to " + std::to_string(spec->max_inputs);
    }
    return InvalidInput(node.Describe() + ": has " + std::to_string(n) + " inputs, expected " +
                        want);
  }
  for (size_t i = 0; i < spec->min_inputs; ++i)
    if (!node.inputs[i])
      return InvalidInput(node.Describe() + ": required input " + std::to_string(i) +
                          " is missing");
  for (const AttrSpec& a : spec->attrs) {
    const Attribute* attr = node.FindAttr(std::string(a.name));
    if (!attr) {
      if (a.required)
        return InvalidInput(node.Describe() + ": missing required attribute '" +
                            std::string(a.name) + "'");
      continue;
    }
    if (attr->type != a.type)
      return InvalidInput(node.Describe() + ": attribute '" + std::string(a.name) + "' is " +
                          AttrTypeName(attr->type) + ", expected " + AttrTypeName(a.type));
  }
  return OkStatus();
}

// The subgraphs each control-flow op must carry, by attribute name.
std::vector<std::string_view> RequiredSubgraphs(const Node& node) {
  if (node.op_type == "If") return {"then_branch", "else_branch"};
  if (node.op_type == "Loop" || node.op_type == "Scan") return {"body"};
  return {};
}

Status VerifyScope(const Graph& graph, bool is_subgraph);

Status CheckSubgraphs(const Node& node, const std::pmr::unordered_set<const Value*>& defined) {
  for (std::string_view name : RequiredSubgraphs(node))
    if (!node.FindSubgraph(std::string(name)))
      return InvalidInput(node.Describe() + ": missing subgraph '" + std::string(name) + "'");
  for (const auto& [name, body] : node.subgraphs) {
    for (const Capture& c : body->captures()) {
      if (!c.inner || !c.outer)
        return InvalidInput(node.Describe() + ": subgraph '" + name + "' has a null capture");
      if (!defined.count(c.outer))
        return InvalidInput(node.Describe() + ": subgraph '" + name + "' reads '" + c.outer->name +
                            "', which is not defined before the node");
    }
    Status status = VerifyScope(*body, /*is_subgraph=*/true);
    if (!status.ok()) return status.WithContext(node.Describe() + " subgraph '" + name + "'");
  }
  return OkStatus();
}

Status VerifyScope(const Graph& graph, bool is_subgraph) {
  // Keys are views of the names the graph owns (it outlives this function). The tables are
  // sized up front and live in one arena freed at once: on graphs of 100k nodes, rehashing
  // and freeing their entries one by one was most of the verifier's time.
  std::pmr::monotonic_buffer_resource arena;
  std::pmr::unordered_set<const Value*> defined(&arena);
  std::pmr::unordered_map<std::string_view, const Value*> by_name(&arena);
  const size_t value_count =
      graph.inputs().size() + graph.captures().size() + graph.nodes().size() * 2 + 16;
  defined.reserve(value_count);
  by_name.reserve(value_count);
  auto claim_name = [&](const Value* v) -> Status {
    auto [it, fresh] = by_name.emplace(v->name, v);
    if (!fresh && it->second != v) return InvalidInput("two values are named '" + v->name + "'");
    return OkStatus();
  };
  for (const Value* in : graph.inputs()) {
    if (!in) return InvalidInput("graph has a null input");
    if (in->producer)
      return InvalidInput("graph input '" + in->name + "' is also produced by " +
                          in->producer->Describe());
    PT2TF_RETURN_IF_ERROR(CheckShape(*in));
    PT2TF_RETURN_IF_ERROR(claim_name(in));
    defined.insert(in);
  }
  for (const Capture& c : graph.captures()) {
    if (!is_subgraph) return InvalidInput("the main graph has a capture '" + c.inner->name + "'");
    if (c.inner->producer || c.inner->constant)
      return InvalidInput("captured value '" + c.inner->name + "' is also defined in the body");
    PT2TF_RETURN_IF_ERROR(claim_name(c.inner));
    defined.insert(c.inner);
  }
  for (const Value* c : graph.Initializers()) {
    if (c->producer)
      return InvalidInput("constant '" + c->name + "' is also produced by " +
                          c->producer->Describe());
    PT2TF_RETURN_IF_ERROR(CheckConstant(*c));
    PT2TF_RETURN_IF_ERROR(claim_name(c));
    defined.insert(c);
  }
  std::pmr::unordered_set<std::string_view> node_names(&arena);
  node_names.reserve(graph.nodes().size());
  for (const auto& node_ptr : graph.nodes()) {
    const Node& node = *node_ptr;
    if (node.op_type.empty()) return InvalidInput("node '" + node.name + "' has no op type");
    if (!node.name.empty() && !node_names.insert(node.name).second)
      return InvalidInput("two nodes are named '" + node.name + "'");
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const Value* in = node.inputs[i];
      if (!in || defined.count(in)) continue;
      if (in->producer)
        return InvalidInput(node.Describe() + ": input '" + in->name + "' is produced by " +
                            in->producer->Describe() + ", which does not come before it");
      return InvalidInput(node.Describe() + ": input '" + in->name +
                          "' is not a graph input, a constant or the output of any node");
    }
    for (const Value* out : node.outputs) {
      if (!out) continue;  // an omitted optional output
      if (out->producer != &node)
        return InvalidInput(node.Describe() + ": output '" + out->name +
                            "' names a different producer");
      if (out->constant)
        return InvalidInput(node.Describe() + ": output '" + out->name + "' is also a constant");
      if (defined.count(out))
        return InvalidInput(node.Describe() + ": output '" + out->name +
                            "' is already defined earlier");
      PT2TF_RETURN_IF_ERROR(CheckShape(*out));
      PT2TF_RETURN_IF_ERROR(claim_name(out));
      defined.insert(out);
    }
    PT2TF_RETURN_IF_ERROR(CheckNodeAttrs(node));
  }
  if (graph.outputs().empty()) return InvalidInput("graph has no outputs");
  for (const Value* out : graph.outputs()) {
    if (!out) return InvalidInput("graph has a null output");
    if (!defined.count(out))
      return InvalidInput("graph output '" + out->name + "' is not produced by any node");
  }
  return OkStatus();
}

}  // namespace

Status VerifyGraph(const Graph& graph) { return VerifyScope(graph, /*is_subgraph=*/false); }

}  // namespace pt2tf::ir
