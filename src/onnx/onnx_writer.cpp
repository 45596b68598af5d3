// The ONNX writer. Metadata (nodes, value infos, tensor names/dims) is serialized with
// libprotobuf; weight bytes are spliced in by hand so they travel from their Tensor views to
// the file without ever being copied into a protobuf string:
//
//   ModelProto fields 1,2,3,8 | tag(7) len(graph) | GraphProto without initializers |
//     for each initializer: tag(5) len | TensorProto without raw_data | tag(9) len | bytes
//
// Protobuf parsers accept a message's fields in any order and concatenate repeated fields,
// so the result parses exactly like a conventionally serialized ModelProto.
#include "pt2tf/onnx/onnx_writer.h"

#include <filesystem>
#include <limits>
#include <memory_resource>
#include <string_view>
#include <unordered_map>

#include "onnx/onnx.pb.h"
#include "onnx/opset_lowering.h"
#include "pt2tf/io/output_file.h"

namespace pt2tf::onnx {
namespace {

namespace pb = ::pt2tf::onnx_proto;

constexpr int kWireLengthDelimited = 2;
constexpr int kModelGraphField = 7;
constexpr int kGraphInitializerField = 5;
constexpr int kTensorRawDataField = 9;
// Protobuf readers refuse messages of 2 GiB or more.
constexpr uint64_t kMaxProtoBytes = std::numeric_limits<int32_t>::max();

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void AppendVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// tag + length prefix of a length-delimited field.
std::string FieldHeader(int field, uint64_t length) {
  std::string out;
  AppendVarint(out, (static_cast<uint64_t>(field) << 3) | kWireLengthDelimited);
  AppendVarint(out, length);
  return out;
}

Result<int> OnnxType(DType dtype, const std::string& what) {
  std::optional<int> t = OnnxDataType(dtype);
  if (!t)
    return Unsupported(what + ": dtype " + std::string(TorchName(dtype)) + " has no ONNX type");
  return *t;
}

// Small tensors (attribute values) go through protobuf whole.
Status FillSmallTensor(const Tensor& tensor, const std::string& what, pb::TensorProto* out) {
  PT2TF_ASSIGN_OR_RETURN(int type, OnnxType(tensor.dtype(), what));
  out->set_data_type(type);
  for (int64_t d : tensor.shape()) out->add_dims(d);
  std::string* raw = out->mutable_raw_data();
  tensor.ForEachChunk(
      [&](ByteSpan c) { raw->append(reinterpret_cast<const char*>(c.data()), c.size()); });
  return OkStatus();
}

Status FillAttribute(const std::string& name, const ir::Attribute& a, const OutNode& node,
                     pb::AttributeProto* out) {
  out->set_name(name);
  switch (a.type) {
    case ir::AttrType::kFloat:
      out->set_type(pb::AttributeProto::FLOAT);
      out->set_f(a.f);
      break;
    case ir::AttrType::kInt:
      out->set_type(pb::AttributeProto::INT);
      out->set_i(a.i);
      break;
    case ir::AttrType::kString:
      out->set_type(pb::AttributeProto::STRING);
      out->set_s(a.s);
      break;
    case ir::AttrType::kTensor:
      out->set_type(pb::AttributeProto::TENSOR);
      return FillSmallTensor(a.t, node.op_type + " '" + node.name + "' attribute " + name,
                             out->mutable_t());
    case ir::AttrType::kFloats:
      out->set_type(pb::AttributeProto::FLOATS);
      for (float f : a.floats) out->add_floats(f);
      break;
    case ir::AttrType::kInts:
      out->set_type(pb::AttributeProto::INTS);
      for (int64_t i : a.ints) out->add_ints(i);
      break;
    case ir::AttrType::kStrings:
      out->set_type(pb::AttributeProto::STRINGS);
      for (const std::string& s : a.strings) out->add_strings(s);
      break;
  }
  return OkStatus();
}

Status FillValueInfo(const ir::Value& v, pb::ValueInfoProto* out,
                     const DimNames* dim_names = nullptr) {
  const std::vector<std::string>* names = nullptr;
  if (dim_names)
    if (auto it = dim_names->find(v.name); it != dim_names->end()) names = &it->second;
  out->set_name(v.name);
  PT2TF_ASSIGN_OR_RETURN(int type, OnnxType(v.dtype, "value '" + v.name + "'"));
  pb::TypeProto::Tensor* tt = out->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(type);
  if (v.shape) {
    pb::TensorShapeProto* shape = tt->mutable_shape();
    for (size_t i = 0; i < v.shape->size(); ++i) {
      pb::TensorShapeProto::Dimension* dim = shape->add_dim();
      const int64_t d = (*v.shape)[i];
      if (d >= 0)
        dim->set_dim_value(d);
      else if (names && i < names->size() && !(*names)[i].empty())
        dim->set_dim_param((*names)[i]);
    }
  }
  return OkStatus();
}

// One initializer: its serialized metadata and the tensor whose bytes follow it. The tensor
// is held by value (a view sharing its storage): constants made by opset lowering live in a
// LoweredGraph that is gone before the bytes are written.
struct Initializer {
  std::string meta;  // TensorProto without raw_data
  Tensor tensor;
  uint64_t field_length() const {  // TensorProto length including raw_data
    return meta.size() + 1 + VarintSize(tensor.nbytes()) + tensor.nbytes();
  }
};

Result<Initializer> MakeInitializer(const std::string& name, const Tensor& tensor) {
  pb::TensorProto tp;
  tp.set_name(name);
  PT2TF_ASSIGN_OR_RETURN(int type, OnnxType(tensor.dtype(), "initializer '" + name + "'"));
  tp.set_data_type(type);
  for (int64_t d : tensor.shape()) tp.add_dims(d);
  Initializer init{"", tensor};
  if (!tp.SerializeToString(&init.meta))
    return InternalError("initializer '" + name + "': cannot serialize");
  return init;
}

// Where a graph's values go: the main graph's initializers are spliced in after the
// metadata (`spliced`); a subgraph's travel inside its GraphProto (bodies are small).
struct GraphSink {
  pb::GraphProto* proto;
  std::vector<Initializer>* spliced;  // nullptr: write initializers into `proto`
};

// Name of a value as the file spells it: a captured value is the outer value's name.
using Renames = std::unordered_map<std::string, std::string>;
const std::string& FileName(const Renames& renames, const std::string& name) {
  auto it = renames.find(name);
  return it == renames.end() ? name : it->second;
}

Status AddInitializer(const std::string& name, const Tensor& tensor, const GraphSink& sink) {
  if (sink.spliced) {
    PT2TF_ASSIGN_OR_RETURN(Initializer init, MakeInitializer(name, tensor));
    sink.spliced->push_back(std::move(init));
    return OkStatus();
  }
  pb::TensorProto* tp = sink.proto->add_initializer();
  tp->set_name(name);
  return FillSmallTensor(tensor, "initializer '" + name + "'", tp);
}

Status BuildGraphProto(const ir::Graph& graph, int opset, const GraphSink& sink,
                       const DimNames& dim_names, const Renames& outer);

// Writes each subgraph of `source` as a GRAPH attribute of `np`.
Status AddSubgraphs(const ir::Node& source, int opset, pb::NodeProto* np, const Renames& renames) {
  for (const auto& [name, body] : source.subgraphs) {
    pb::AttributeProto* a = np->add_attribute();
    a->set_name(name);
    a->set_type(pb::AttributeProto::GRAPH);
    Renames inner;
    for (const ir::Capture& c : body->captures())
      inner[c.inner->name] = FileName(renames, c.outer->name);
    Status status = BuildGraphProto(*body, opset, GraphSink{a->mutable_g(), nullptr}, {}, inner);
    if (!status.ok()) return status.WithContext(source.Describe() + " " + name);
  }
  return OkStatus();
}

Status BuildGraphProto(const ir::Graph& graph, int opset, const GraphSink& sink,
                       const DimNames& dim_names, const Renames& renames) {
  PT2TF_ASSIGN_OR_RETURN(LoweredGraph lowered, LowerToOpset(graph, opset));
  pb::GraphProto* g = sink.proto;
  g->set_name(graph.name());
  // One table for every name: the IR value it denotes (for value_info), whether a node or
  // output reads or writes it, and whether the file declares it already. Keys are views of
  // names owned by `graph` and `lowered`, which outlive it.
  struct NameInfo {
    const ir::Value* value = nullptr;
    bool referenced = false;
    bool declared = false;
  };
  std::pmr::monotonic_buffer_resource arena;  // entries freed at once, not one by one
  std::pmr::unordered_map<std::string_view, NameInfo> names(&arena);
  names.reserve(lowered.nodes.size() * 3 + graph.inputs().size() + graph.outputs().size());
  for (const ir::Value* v : graph.inputs()) names[v->name].value = v;
  for (const auto& n : graph.nodes()) {
    for (const ir::Value* v : n->inputs)
      if (v) names[v->name].value = v;
    for (const ir::Value* v : n->outputs) names[v->name].value = v;
  }
  for (const ir::Value* v : graph.outputs()) names[v->name].value = v;

  for (const OutNode& n : lowered.nodes) {
    pb::NodeProto* np = g->add_node();
    for (const std::string& in : n.inputs) {
      np->add_input(FileName(renames, in));
      names[in].referenced = true;
    }
    for (const std::string& out : n.outputs) {
      np->add_output(out);
      names[out].referenced = true;
    }
    np->set_name(n.name);
    np->set_op_type(n.op_type);
    if (!n.domain.empty()) np->set_domain(n.domain);
    for (const auto& [name, attr] : n.attrs)
      PT2TF_RETURN_IF_ERROR(FillAttribute(name, attr, n, np->add_attribute()));
    if (n.source) PT2TF_RETURN_IF_ERROR(AddSubgraphs(*n.source, opset, np, renames));
  }
  for (const ir::Value* v : graph.outputs()) names[v->name].referenced = true;

  for (const ir::Value* v : graph.inputs()) {
    PT2TF_RETURN_IF_ERROR(FillValueInfo(*v, g->add_input(), &dim_names));
    names[v->name].declared = true;
  }
  for (const ir::Value* v : graph.outputs()) {
    if (graph.IsCapture(v)) {
      // A body returning an outer value as it is: an Identity gives the output its own name.
      pb::NodeProto* np = g->add_node();
      np->set_op_type("Identity");
      np->add_input(FileName(renames, v->name));
      np->add_output(v->name + "__out");
      np->set_name(v->name + "__out");
      ir::Value copy = *v;
      copy.name = v->name + "__out";
      PT2TF_RETURN_IF_ERROR(FillValueInfo(copy, g->add_output(), &dim_names));
      continue;
    }
    PT2TF_RETURN_IF_ERROR(FillValueInfo(*v, g->add_output(), &dim_names));
  }
  for (const ir::Value* v : graph.outputs()) names[v->name].declared = true;

  for (const ir::Value* v : graph.Initializers()) {
    NameInfo& info = names[v->name];
    if (!info.referenced) continue;  // e.g. axes that lowering turned into attributes
    PT2TF_RETURN_IF_ERROR(AddInitializer(v->name, *v->constant, sink));
    info.declared = true;
  }
  for (const auto& [name, tensor] : lowered.constants)
    PT2TF_RETURN_IF_ERROR(AddInitializer(name, tensor, sink));
  // Inferred shapes of intermediate values, in node order for a readable file.
  for (const OutNode& n : lowered.nodes) {
    for (const std::string& out : n.outputs) {
      if (out.empty()) continue;
      auto it = names.find(out);
      if (it == names.end() || !it->second.value || it->second.declared || !it->second.value->shape)
        continue;
      PT2TF_RETURN_IF_ERROR(FillValueInfo(*it->second.value, g->add_value_info()));
      it->second.declared = true;
    }
  }
  return OkStatus();
}

// Offsets of tensors in the external data file are multiples of this (page-friendly for
// readers that map the file).
constexpr uint64_t kExternalAlignment = 4096;

// The model with every initializer's bytes in "<path>.data": initializer TensorProtos carry
// only location/offset/length, so the model file itself stays small.
Status WriteWithExternalData(const std::string& path, pb::ModelProto& model,
                             pb::GraphProto& graph_meta,
                             const std::vector<Initializer>& initializers,
                             const OnnxWriteOptions& options) {
  const std::string data_path = path + ".data";
  const std::string location = std::filesystem::path(data_path).filename().string();
  PT2TF_ASSIGN_OR_RETURN(std::unique_ptr<OutputFile> data, OutputFile::Create(data_path));
  const std::vector<std::byte> zeros(kExternalAlignment);
  for (const Initializer& init : initializers) {
    const uint64_t pad =
        (kExternalAlignment - data->bytes_written() % kExternalAlignment) % kExternalAlignment;
    PT2TF_RETURN_IF_ERROR(data->Write(ByteSpan(zeros.data(), pad)));
    const uint64_t offset = data->bytes_written();
    Status status;
    init.tensor.ForEachChunk([&](ByteSpan chunk) {
      if (status.ok()) status = data->Write(chunk);
      if (options.on_weight_bytes) options.on_weight_bytes(chunk.size());
    });
    PT2TF_RETURN_IF_ERROR(status);
    pb::TensorProto* tp = graph_meta.add_initializer();
    if (!tp->ParseFromString(init.meta)) return InternalError("initializer metadata reparse");
    tp->set_data_location(pb::TensorProto::EXTERNAL);
    const std::pair<const char*, std::string> entries[] = {
        {"location", location},
        {"offset", std::to_string(offset)},
        {"length", std::to_string(init.tensor.nbytes())}};
    for (const auto& [key, value] : entries) {
      pb::StringStringEntryProto* e = tp->add_external_data();
      e->set_key(key);
      e->set_value(value);
    }
  }
  model.mutable_graph()->Swap(&graph_meta);
  std::string bytes;
  if (!model.SerializeToString(&bytes))
    return Unsupported(path + ": model metadata exceeds protobuf's 2 GiB limit");
  PT2TF_ASSIGN_OR_RETURN(std::unique_ptr<OutputFile> file, OutputFile::Create(path));
  PT2TF_RETURN_IF_ERROR(file->Write(bytes));
  PT2TF_RETURN_IF_ERROR(data->Commit());
  Status committed = file->Commit();
  if (!committed.ok()) std::filesystem::remove(data_path);
  return committed;
}

}  // namespace

int IrVersionForOpset(int opset) {
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

Status WriteOnnx(const ir::Graph& graph, const std::string& path, const OnnxWriteOptions& options) {
  if (options.opset < kMinWriteOpset || options.opset > kMaxWriteOpset)
    return UsageError("ONNX opset " + std::to_string(options.opset) + " is not supported (" +
                      std::to_string(kMinWriteOpset) + ".." + std::to_string(kMaxWriteOpset) + ")");
  pb::ModelProto model;
  model.set_ir_version(IrVersionForOpset(options.opset));
  model.set_producer_name("pt2tf");
  model.set_producer_version(options.producer_version.empty() ? "0.1.0" : options.producer_version);
  pb::OperatorSetIdProto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(options.opset);

  // The graph's metadata lives on an arena: one NodeProto, ValueInfoProto and string per
  // name would otherwise be allocated and freed one by one.
  google::protobuf::Arena arena;
  pb::GraphProto& graph_meta = *google::protobuf::Arena::CreateMessage<pb::GraphProto>(&arena);
  std::vector<Initializer> initializers;
  PT2TF_RETURN_IF_ERROR(BuildGraphProto(graph, options.opset, GraphSink{&graph_meta, &initializers},
                                        options.dim_names, Renames{}));

  std::string header, graph_bytes;
  if (!model.SerializeToString(&header) || !graph_meta.SerializeToString(&graph_bytes))
    return Unsupported(path + ": model metadata exceeds protobuf's 2 GiB limit");
  uint64_t graph_length = graph_bytes.size();
  for (const Initializer& init : initializers)
    graph_length += 1 + VarintSize(init.field_length()) + init.field_length();
  const uint64_t total = header.size() + 1 + VarintSize(graph_length) + graph_length;
  const bool too_big = total > kMaxProtoBytes;
  if (options.external_data == ExternalData::kAlways ||
      (too_big && options.external_data == ExternalData::kAuto))
    return WriteWithExternalData(path, model, graph_meta, initializers, options);
  if (too_big)
    return Unsupported(path + ": the model would be " + std::to_string(total) +
                       " bytes; ONNX files of 2 GiB or more need external data");

  PT2TF_ASSIGN_OR_RETURN(std::unique_ptr<OutputFile> file, OutputFile::Create(path));
  PT2TF_RETURN_IF_ERROR(file->Write(header));
  PT2TF_RETURN_IF_ERROR(file->Write(FieldHeader(kModelGraphField, graph_length)));
  PT2TF_RETURN_IF_ERROR(file->Write(graph_bytes));
  for (const Initializer& init : initializers) {
    PT2TF_RETURN_IF_ERROR(file->Write(FieldHeader(kGraphInitializerField, init.field_length())));
    PT2TF_RETURN_IF_ERROR(file->Write(init.meta));
    PT2TF_RETURN_IF_ERROR(file->Write(FieldHeader(kTensorRawDataField, init.tensor.nbytes())));
    Status status;
    init.tensor.ForEachChunk([&](ByteSpan chunk) {
      if (status.ok()) status = file->Write(chunk);
      if (options.on_weight_bytes) options.on_weight_bytes(chunk.size());
    });
    PT2TF_RETURN_IF_ERROR(status);
  }
  if (file->bytes_written() != total)
    return InternalError(path + ": wrote " + std::to_string(file->bytes_written()) +
                         " bytes, expected " + std::to_string(total));
  return file->Commit();
}

}  // namespace pt2tf::onnx
