#include "pt2tf/onnx/onnx_reader.h"

#include <climits>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <unordered_map>

#include "onnx/inline_functions.h"
#include "onnx/onnx.pb.h"
#include "onnx/opset_upgrade.h"
#include "onnx/tensor_proto.h"
#include "onnx/wire_strip.h"
#include "pt2tf/io/mapped_file.h"
#include "pt2tf/io/mapped_pages.h"

namespace pt2tf::onnx {
namespace {

namespace pb = ::pt2tf::onnx_proto;

bool IsDefaultDomain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

std::string DescribeNode(const pb::NodeProto& n) {
  return n.op_type() + " '" + (n.name().empty() ? (n.output_size() ? n.output(0) : "") : n.name()) +
         "'";
}

// Subgraphs nest at most this deep (a hostile file could nest thousands of bodies).
constexpr int kMaxSubgraphDepth = 32;

// Builds the IR graph from a parsed GraphProto. Values are created before nodes so that
// every value keeps its exact ONNX name (node names may get a suffix; they live in the same
// namespace in the IR but not in ONNX). A subgraph (If branch, Loop/Scan body) is imported by
// a child Importer whose `parent` resolves the names the body does not define: each becomes
// a capture of the body (and, for nested bodies, of every graph in between).
class Importer {
 public:
  Importer(const pb::GraphProto& proto, TensorDecoder& decoder,
           std::vector<std::optional<ByteSpan>> initializer_bytes, Importer* parent = nullptr)
      : proto_(proto),
        decoder_(decoder),
        initializer_bytes_(std::move(initializer_bytes)),
        graph_(std::make_unique<ir::Graph>()),
        parent_(parent),
        depth_(parent ? parent->depth_ + 1 : 0) {
    initializer_bytes_.resize(proto_.initializer_size());
  }

  Result<std::unique_ptr<ir::Graph>> Run(UpgradeOptions& upgrade) {
    if (!proto_.name().empty()) graph_->set_name(proto_.name());
    if (proto_.sparse_initializer_size() > 0)
      return Unsupported("sparse initializer '" + proto_.sparse_initializer(0).values().name() +
                         "' is not supported");
    PT2TF_RETURN_IF_ERROR(AddInitializersAndInputs(upgrade));
    PT2TF_RETURN_IF_ERROR(AddNodeOutputs());
    for (const pb::ValueInfoProto& vi : proto_.value_info()) {
      auto it = values_.find(vi.name());
      if (it != values_.end() && !it->second->is_constant()) {
        PT2TF_RETURN_IF_ERROR(ApplyType(vi, it->second, /*required=*/false));
        upgrade.typed_values.insert(it->second);
      }
    }
    for (const pb::ValueInfoProto& vi : proto_.output()) {
      auto it = values_.find(vi.name());
      if (it == values_.end()) {
        if (parent_) continue;  // an outer-scope value, resolved after the nodes
        return InvalidInput("graph output '" + vi.name() + "' is not produced by the graph");
      }
      if (!it->second->is_constant()) {
        PT2TF_RETURN_IF_ERROR(ApplyType(vi, it->second, /*required=*/false));
        upgrade.typed_values.insert(it->second);
      }
    }
    for (const pb::NodeProto& n : proto_.node()) PT2TF_RETURN_IF_ERROR(AddNode(n, upgrade));
    for (const pb::ValueInfoProto& vi : proto_.output()) {
      // A body may return an outer-scope value as it is.
      ir::Value* v = Lookup(vi.name());
      if (!v) return InvalidInput("graph output '" + vi.name() + "' is not produced by the graph");
      graph_->AddOutput(v);
    }
    return std::move(graph_);
  }

 private:
  // The value `name` denotes here: defined in this graph, or captured from an enclosing one.
  ir::Value* Lookup(const std::string& name) {
    auto it = values_.find(name);
    if (it != values_.end()) return it->second;
    if (!parent_) return nullptr;
    ir::Value* outer = parent_->Lookup(name);
    if (!outer) return nullptr;
    ir::Value* inner = graph_->AddCapture(outer);
    values_.emplace(name, inner);
    return inner;
  }

  Status DefineValue(const std::string& name, ir::Value* v) {
    if (name.empty()) return InvalidInput("a value has an empty name");
    if (v->name != name || !values_.emplace(name, v).second)
      return InvalidInput("value '" + name + "' is defined more than once");
    return OkStatus();
  }

  // Sets dtype/shape from a ValueInfoProto. Only tensor types are representable.
  Status ApplyType(const pb::ValueInfoProto& vi, ir::Value* v, bool required) {
    if (!vi.has_type()) {
      if (required) return InvalidInput("graph input '" + vi.name() + "' has no type");
      return OkStatus();
    }
    if (!vi.type().has_tensor_type())
      return Unsupported("value '" + vi.name() +
                         "' is not a tensor (sequence, map and optional "
                         "values are not supported)");
    const pb::TypeProto::Tensor& tt = vi.type().tensor_type();
    std::optional<DType> dt = DTypeFromOnnx(tt.elem_type());
    if (!dt || *dt == DType::kString)
      return Unsupported("value '" + vi.name() + "' has unsupported element type " +
                         std::to_string(tt.elem_type()));
    v->dtype = *dt;
    if (tt.has_shape()) {
      // Exporters write unknown dims as dim_param (any text, even empty), as -1, or as
      // nothing at all: each is one unknown dim; a named one keeps its name.
      ir::Dims dims;
      for (const pb::TensorShapeProto::Dimension& d : tt.shape().dim())
        dims.push_back(d.has_dim_value() && d.dim_value() >= 0 ? d.dim_value() : ir::kUnknownDim);
      v->shape = std::move(dims);
    } else {
      v->shape.reset();
    }
    return OkStatus();
  }

  Status AddInitializersAndInputs(UpgradeOptions& upgrade) {
    std::unordered_map<std::string_view, const pb::TensorProto*> inits;
    inits.reserve(proto_.initializer_size());
    values_.reserve(proto_.initializer_size() + proto_.input_size() + proto_.node_size() * 2);
    for (const pb::TensorProto& t : proto_.initializer()) {
      if (!inits.emplace(t.name(), &t).second)
        return InvalidInput("initializer '" + t.name() + "' is defined more than once");
    }
    // Inputs first (in order); an input with an initializer is a constant (its default).
    for (const pb::ValueInfoProto& vi : proto_.input()) {
      auto it = inits.find(vi.name());
      if (it != inits.end()) continue;
      ir::Value* v = graph_->AddInput(vi.name(), DType::kFloat32, {});
      PT2TF_RETURN_IF_ERROR(DefineValue(vi.name(), v));
      // Body inputs may be untyped: shape inference types them from the node's inputs.
      if (parent_ && !vi.has_type()) {
        v->shape.reset();
        continue;
      }
      PT2TF_RETURN_IF_ERROR(ApplyType(vi, v, /*required=*/true));
      upgrade.typed_values.insert(v);
    }
    for (int i = 0; i < proto_.initializer_size(); ++i) {
      const pb::TensorProto& t = proto_.initializer(i);
      PT2TF_ASSIGN_OR_RETURN(Tensor tensor, decoder_.Decode(t, "initializer '" + t.name() + "'",
                                                            initializer_bytes_[i]));
      PT2TF_RETURN_IF_ERROR(
          DefineValue(t.name(), graph_->AddInitializer(t.name(), std::move(tensor))));
    }
    return OkStatus();
  }

  // The tensor a Constant node defines.
  Result<Tensor> ConstantValue(const pb::NodeProto& n) {
    if (n.attribute_size() != 1)
      return InvalidInput(DescribeNode(n) + ": a Constant needs exactly one value attribute");
    const pb::AttributeProto& a = n.attribute(0);
    const std::string what = DescribeNode(n);
    auto from_bytes = [](DType dt, ir::Dims shape, const void* data, size_t size) {
      std::vector<std::byte> bytes(size);
      if (size) std::memcpy(bytes.data(), data, size);
      return Tensor::FromBytes(dt, std::move(shape), std::move(bytes));
    };
    if (a.name() == "value") return decoder_.Decode(a.t(), what);
    if (a.name() == "value_float") {
      float f = a.f();
      return from_bytes(DType::kFloat32, {}, &f, 4);
    }
    if (a.name() == "value_int") {
      int64_t i = a.i();
      return from_bytes(DType::kInt64, {}, &i, 8);
    }
    if (a.name() == "value_floats")
      return from_bytes(DType::kFloat32, {a.floats_size()}, a.floats().data(), a.floats_size() * 4);
    if (a.name() == "value_ints")
      return from_bytes(DType::kInt64, {a.ints_size()}, a.ints().data(), a.ints_size() * 8);
    return Unsupported(what + ": Constant attribute '" + a.name() + "' is not supported");
  }

  Status AddNodeOutputs() {
    for (const pb::NodeProto& n : proto_.node()) {
      const bool constant = IsDefaultDomain(n.domain()) && n.op_type() == "Constant";
      if (constant) {
        if (n.output_size() != 1) return InvalidInput(DescribeNode(n) + ": needs one output");
        PT2TF_ASSIGN_OR_RETURN(Tensor t, ConstantValue(n));
        PT2TF_RETURN_IF_ERROR(
            DefineValue(n.output(0), graph_->AddInitializer(n.output(0), std::move(t))));
        continue;
      }
      for (const std::string& out : n.output())
        if (!out.empty()) PT2TF_RETURN_IF_ERROR(DefineValue(out, graph_->AddValue(out)));
    }
    return OkStatus();
  }

  Result<ir::Attribute> ConvertAttribute(const pb::NodeProto& n, const pb::AttributeProto& a) {
    const std::string what = DescribeNode(n) + " attribute '" + a.name() + "'";
    if (!a.ref_attr_name().empty())
      return Unsupported(what + ": attribute references are not supported");
    pb::AttributeProto::AttributeType type = a.type();
    if (type == pb::AttributeProto::UNDEFINED) {  // very old files: infer from the field set
      type = a.has_f()          ? pb::AttributeProto::FLOAT
             : a.has_i()        ? pb::AttributeProto::INT
             : a.has_s()        ? pb::AttributeProto::STRING
             : a.has_t()        ? pb::AttributeProto::TENSOR
             : a.has_g()        ? pb::AttributeProto::GRAPH
             : a.floats_size()  ? pb::AttributeProto::FLOATS
             : a.ints_size()    ? pb::AttributeProto::INTS
             : a.strings_size() ? pb::AttributeProto::STRINGS
                                : pb::AttributeProto::UNDEFINED;
    }
    switch (type) {
      case pb::AttributeProto::FLOAT:
        return ir::Attribute::Float(a.f());
      case pb::AttributeProto::INT:
        return ir::Attribute::Int(a.i());
      case pb::AttributeProto::STRING:
        return ir::Attribute::String(a.s());
      case pb::AttributeProto::TENSOR: {
        PT2TF_ASSIGN_OR_RETURN(Tensor t, decoder_.Decode(a.t(), what));
        return ir::Attribute::TensorValue(std::move(t));
      }
      case pb::AttributeProto::FLOATS:
        return ir::Attribute::Floats({a.floats().begin(), a.floats().end()});
      case pb::AttributeProto::INTS:
        return ir::Attribute::Ints({a.ints().begin(), a.ints().end()});
      case pb::AttributeProto::STRINGS:
        return ir::Attribute::Strings({a.strings().begin(), a.strings().end()});
      case pb::AttributeProto::GRAPH:
        return InternalError(what + ": a subgraph reached ConvertAttribute");
      case pb::AttributeProto::GRAPHS:
        return Unsupported(what + ": lists of subgraphs are not supported");
      default:
        return Unsupported(what + ": attribute type " + std::to_string(type) + " is not supported");
    }
  }

  // Imports a GRAPH attribute as a subgraph owned by `node`.
  Status AddSubgraph(const pb::NodeProto& n, const pb::AttributeProto& a, ir::Node& node,
                     UpgradeOptions& upgrade) {
    const std::string what = DescribeNode(n) + " attribute '" + a.name() + "'";
    if (depth_ + 1 > kMaxSubgraphDepth)
      return Unsupported(what + ": subgraphs nest deeper than " +
                         std::to_string(kMaxSubgraphDepth) + " levels");
    if (a.g().sparse_initializer_size() > 0)
      return Unsupported(what + ": sparse initializers are not supported");
    Importer child(a.g(), decoder_, {}, this);
    Result<std::unique_ptr<ir::Graph>> body = child.Run(upgrade);
    if (!body.ok()) return body.status().WithContext(what);
    node.subgraphs[a.name()] = std::move(body).value();
    return OkStatus();
  }

  static bool IsGraphAttribute(const pb::AttributeProto& a) {
    return a.type() == pb::AttributeProto::GRAPH ||
           (a.type() == pb::AttributeProto::UNDEFINED && a.has_g());
  }

  Status AddNode(const pb::NodeProto& n, UpgradeOptions& upgrade) {
    if (!IsDefaultDomain(n.domain()))
      return Unsupported(DescribeNode(n) + ": domain '" + n.domain() +
                         "' is not supported (only the default ONNX domain)");
    if (n.op_type() == "Constant") return OkStatus();  // already an initializer
    std::vector<ir::Value*> inputs;
    for (const std::string& in : n.input()) {
      if (in.empty()) {
        inputs.push_back(nullptr);
        continue;
      }
      ir::Value* v = Lookup(in);
      if (!v)
        return InvalidInput(DescribeNode(n) + ": input '" + in +
                            "' is not a graph input, initializer or node output");
      inputs.push_back(v);
    }
    while (!inputs.empty() && inputs.back() == nullptr) inputs.pop_back();
    ir::AttributeMap attrs;
    for (const pb::AttributeProto& a : n.attribute()) {
      if (IsGraphAttribute(a)) continue;  // below, once the node exists
      PT2TF_ASSIGN_OR_RETURN(ir::Attribute attr, ConvertAttribute(n, a));
      attrs[a.name()] = std::move(attr);
    }
    ir::Node* node = graph_->AddNode(n.op_type(), std::move(inputs), std::move(attrs), 0,
                                     n.name().empty() ? n.op_type() : n.name());
    int last = n.output_size();
    while (last > 0 && n.output(last - 1).empty()) --last;  // omitted trailing outputs
    for (int i = 0; i < last; ++i) {
      // An omitted output in the middle gets a fresh name; nothing reads it.
      ir::Value* v =
          n.output(i).empty() ? graph_->AddValue(node->name + "_unused") : values_[n.output(i)];
      if (v->producer) return InvalidInput("value '" + v->name + "' is produced twice");
      v->producer = node;
      node->outputs.push_back(v);
    }
    for (const pb::AttributeProto& a : n.attribute())
      if (IsGraphAttribute(a)) PT2TF_RETURN_IF_ERROR(AddSubgraph(n, a, *node, upgrade));
    return OkStatus();
  }

  const pb::GraphProto& proto_;
  TensorDecoder& decoder_;
  std::vector<std::optional<ByteSpan>> initializer_bytes_;  // raw_data in the mapped file
  std::unique_ptr<ir::Graph> graph_;
  // Keyed by views of the names in the model proto, which outlives every importer.
  std::unordered_map<std::string_view, ir::Value*> values_;
  Importer* parent_;  // the importer of the enclosing graph; nullptr for the main graph
  int depth_;
};

// The dim_param names of the unknown dims of `infos` (only values naming at least one).
void CollectDimNames(const google::protobuf::RepeatedPtrField<pb::ValueInfoProto>& infos,
                     DimNames& out) {
  for (const pb::ValueInfoProto& vi : infos) {
    if (!vi.type().has_tensor_type() || !vi.type().tensor_type().has_shape()) continue;
    std::vector<std::string> names;
    bool named = false;
    for (const pb::TensorShapeProto::Dimension& d : vi.type().tensor_type().shape().dim()) {
      const bool known = d.has_dim_value() && d.dim_value() >= 0;
      names.push_back(!known && d.has_dim_param() ? d.dim_param() : "");
      named = named || !names.back().empty();
    }
    if (named) out[vi.name()] = std::move(names);
  }
}

Result<std::unique_ptr<ir::Graph>> Read(const std::string& path, DimNames* dim_names) {
  PT2TF_ASSIGN_OR_RETURN(std::shared_ptr<const MappedFile> file, MappedFile::Open(path));
  file->WillReadAll();  // every initializer is streamed to the outputs
  Result<StrippedModel> stripped = StripInitializerData(file->bytes());
  if (!stripped.ok())
    return InvalidInput("not a valid ONNX model (" + stripped.status().message() + ")");
  if (stripped->metadata.size() > static_cast<size_t>(INT_MAX))
    return Unsupported("the model's metadata exceeds protobuf's 2 GiB limit");
  auto model = std::make_shared<pb::ModelProto>();
  if (file->size() == 0 || !model->ParseFromString(stripped->metadata))
    return InvalidInput("not a valid ONNX model (protobuf parse failed: truncated or corrupt?)");
  if (model->graph().initializer_size() != static_cast<int>(stripped->raw_data.size()))
    return InvalidInput("not a valid ONNX model (initializer list is inconsistent)");
  if (!model->has_graph()) return InvalidInput("not an ONNX model (no graph)");
  int64_t opset = -1;
  for (const pb::OperatorSetIdProto& o : model->opset_import())
    if (IsDefaultDomain(o.domain())) opset = o.version();
  if (opset < 0) {
    std::string domains;
    for (const pb::OperatorSetIdProto& o : model->opset_import())
      domains += (domains.empty() ? "'" : ", '") + o.domain() + "'";
    return Unsupported("the model uses only domain(s) " + domains +
                       "; pt2tf reads the default ONNX domain");
  }
  if (opset < kMinReadOpset || opset > kMaxReadOpset)
    return Unsupported("ONNX opset " + std::to_string(opset) + " is not supported (" +
                       std::to_string(kMinReadOpset) + ".." + std::to_string(kMaxReadOpset) + ")");
  PT2TF_RETURN_IF_ERROR(InlineLocalFunctions(*model, opset));

  const std::string dir = std::filesystem::path(path).parent_path().string();
  TensorDecoder decoder(model, file, dir);
  Importer importer(model->graph(), decoder, std::move(stripped->raw_data));
  UpgradeOptions upgrade;
  upgrade.source_opset = static_cast<int>(opset);
  PT2TF_ASSIGN_OR_RETURN(std::unique_ptr<ir::Graph> graph, importer.Run(upgrade));
  // Reading each initializer's header mapped the pages around it in (the kernel maps up to
  // 64 KiB around a fault): drop them; the writers stream the weights back chunk by chunk.
  mapped_pages::Release(file->bytes());
  if (dim_names) {
    CollectDimNames(model->graph().input(), *dim_names);
    CollectDimNames(model->graph().output(), *dim_names);
  }
  graph->set_opset(static_cast<int>(opset));
  PT2TF_RETURN_IF_ERROR(UpgradeToCanonical(*graph, upgrade));
  return graph;
}

}  // namespace

Result<std::unique_ptr<ir::Graph>> ReadOnnx(const std::string& path, DimNames* dim_names) {
  Result<std::unique_ptr<ir::Graph>> graph = Read(path, dim_names);
  if (graph.ok()) return graph;
  // Errors are one line; other control bytes quoted from the file are scrubbed where
  // messages are printed (TerminalText).
  std::string message = graph.status().message();
  for (char& c : message)
    if (c == '\n' || c == '\r') c = ' ';
  if (message.rfind(path, 0) != 0) message = path + ": " + message;
  return Status(graph.status().kind(), message);
}

}  // namespace pt2tf::onnx
