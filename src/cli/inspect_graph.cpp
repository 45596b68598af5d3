// Reads the protobufs directly (not through the IR) so the histogram shows the file's own
// nodes: the ONNX reader upgrades ops and turns Constant nodes into initializers.
#include "cli/inspect_graph.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/text_format.h"
#include "flatbuffers/flatbuffers.h"
#include "onnx/onnx.pb.h"
#include "pt2tf/dtype.h"
#include "pt2tf/io/mapped_file.h"
#include "pt2tf/text.h"
#include "tensorflow/graph.pb.h"
#include "tensorflow/saved_model.pb.h"
#include "tflite/file_buffers.h"
#include "tflite_subset_generated.h"

namespace pt2tf::cli {
namespace {

using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

struct IoEntry {
  std::string name;
  std::string dtype;
  std::optional<std::vector<int64_t>> shape;  // -1: unknown dim
};

struct GraphSummary {
  std::string path;
  std::string format;  // "onnx", "tf-graphdef", "tf-savedmodel", "tflite"
  std::string producer;
  std::map<std::string, size_t> ops;  // op type -> count
  size_t node_count = 0;
  size_t weight_count = 0;
  uint64_t weight_bytes = 0;
  std::vector<IoEntry> inputs, outputs;
};

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// numel * element size, saturating instead of overflowing on hostile dims.
uint64_t TensorBytes(const std::vector<int64_t>& dims, int element_size) {
  uint64_t n = static_cast<uint64_t>(element_size);
  for (int64_t d : dims) {
    if (d < 0) return 0;
    if (__builtin_mul_overflow(n, static_cast<uint64_t>(d), &n)) return UINT64_MAX;
  }
  return n;
}

uint64_t SaturatingAdd(uint64_t a, uint64_t b) { return a + b < a ? UINT64_MAX : a + b; }

std::string DTypeText(std::optional<DType> t, int raw, const char* family) {
  return t ? std::string(TorchName(*t)) : std::string(family) + ":" + std::to_string(raw);
}

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError(path + ": cannot open (" + std::string(std::strerror(errno)) + ")");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

IoEntry OnnxIo(const ::pt2tf::onnx_proto::ValueInfoProto& v) {
  IoEntry e{v.name(), "?", std::nullopt};
  if (!v.type().has_tensor_type()) return e;
  const auto& t = v.type().tensor_type();
  e.dtype = DTypeText(DTypeFromOnnx(t.elem_type()), t.elem_type(), "onnx");
  if (!t.has_shape()) return e;
  e.shape.emplace();
  for (const auto& d : t.shape().dim()) e.shape->push_back(d.has_dim_value() ? d.dim_value() : -1);
  return e;
}

Result<GraphSummary> SummarizeOnnx(const std::string& path) {
  PT2TF_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(path));
  ::pt2tf::onnx_proto::ModelProto model;
  if (!model.ParseFromString(bytes)) return InvalidInput(path + ": not a valid ONNX model");
  GraphSummary s;
  s.path = path;
  s.format = "onnx";
  s.producer = model.producer_name() + (model.producer_version().empty() ? "" : " ") +
               model.producer_version();
  const auto& g = model.graph();
  std::set<std::string> init_names;
  for (const auto& t : g.initializer()) {
    init_names.insert(t.name());
    ++s.weight_count;
    const std::optional<DType> dt = DTypeFromOnnx(t.data_type());
    std::vector<int64_t> dims(t.dims().begin(), t.dims().end());
    s.weight_bytes = SaturatingAdd(s.weight_bytes, TensorBytes(dims, dt ? ElementSize(*dt) : 0));
  }
  for (const auto& n : g.node()) {
    ++s.ops[n.domain().empty() || n.domain() == "ai.onnx" ? n.op_type()
                                                          : n.domain() + "." + n.op_type()];
    ++s.node_count;
  }
  for (const auto& v : g.input())
    if (!init_names.count(v.name())) s.inputs.push_back(OnnxIo(v));
  for (const auto& v : g.output()) s.outputs.push_back(OnnxIo(v));
  return s;
}

std::optional<std::vector<int64_t>> TfShape(const ::tensorflow::TensorShapeProto& shape) {
  if (shape.unknown_rank()) return std::nullopt;
  std::vector<int64_t> dims;
  for (const auto& d : shape.dim()) dims.push_back(d.size() < 0 ? -1 : d.size());
  return dims;
}

std::string TfDType(int t) { return DTypeText(DTypeFromTf(t), t, "tf"); }

void CountWeight(::tensorflow::DataType type, const ::tensorflow::TensorShapeProto& shape,
                 GraphSummary& s) {
  const std::optional<DType> dt = DTypeFromTf(type);
  std::vector<int64_t> dims;
  for (const auto& d : shape.dim()) dims.push_back(d.size());
  ++s.weight_count;
  s.weight_bytes = SaturatingAdd(s.weight_bytes, TensorBytes(dims, dt ? ElementSize(*dt) : 0));
}

// Fills the histogram, weights (Consts, and the variables a SavedModel restores) and (for frozen
// graphs) Placeholder inputs and unconsumed outputs of a GraphDef.
void SummarizeGraphDef(const ::tensorflow::GraphDef& graph, bool io_from_graph, GraphSummary& s) {
  std::set<std::string> consumed;
  for (const auto& n : graph.node())
    for (const std::string& in : n.input()) {
      std::string name = in.substr(in[0] == '^' ? 1 : 0);
      consumed.insert(name.substr(0, name.find(':')));
    }
  for (const auto& n : graph.node()) {
    ++s.ops[n.op()];
    ++s.node_count;
    if (n.op() == "Const") {
      const auto it = n.attr().find("value");
      if (it != n.attr().end() && it->second.has_tensor())
        CountWeight(it->second.tensor().dtype(), it->second.tensor().tensor_shape(), s);
    } else if (n.op() == "VarHandleOp") {  // a weight kept in a SavedModel's variables/
      const auto type = n.attr().find("dtype");
      const auto shape = n.attr().find("shape");
      if (type != n.attr().end() && shape != n.attr().end() && shape->second.has_shape())
        CountWeight(type->second.type(), shape->second.shape(), s);
    }
    if (!io_from_graph) continue;
    if (n.op() == "Placeholder") {
      IoEntry e{n.name(), "?", std::nullopt};
      if (auto it = n.attr().find("dtype"); it != n.attr().end())
        e.dtype = TfDType(it->second.type());
      if (auto it = n.attr().find("shape"); it != n.attr().end() && it->second.has_shape())
        e.shape = TfShape(it->second.shape());
      s.inputs.push_back(e);
    } else if (!consumed.count(n.name()) && n.op() != "Const" && n.op() != "NoOp") {
      IoEntry e{n.name(), "?", std::nullopt};
      if (auto it = n.attr().find("T"); it != n.attr().end()) e.dtype = TfDType(it->second.type());
      s.outputs.push_back(e);
    }
  }
}

Result<GraphSummary> SummarizeFrozen(const std::string& path) {
  PT2TF_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(path));
  ::tensorflow::GraphDef graph;
  if (!graph.ParseFromString(bytes))
    return InvalidInput(path + ": not a valid TensorFlow GraphDef");
  GraphSummary s;
  s.path = path;
  s.format = "tf-graphdef";
  SummarizeGraphDef(graph, true, s);
  return s;
}

Result<GraphSummary> SummarizeSavedModel(const std::string& dir) {
  const std::string pb = (fs::path(dir) / "saved_model.pb").string();
  PT2TF_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(pb));
  ::tensorflow::SavedModel saved;
  if (!saved.ParseFromString(bytes) || saved.meta_graphs_size() == 0)
    return InvalidInput(pb + ": not a valid SavedModel");
  const auto& meta = saved.meta_graphs(0);
  GraphSummary s;
  s.path = dir;
  s.format = "tf-savedmodel";
  const auto sig = meta.signature_def().find("serving_default");
  SummarizeGraphDef(meta.graph_def(), sig == meta.signature_def().end(), s);
  if (sig != meta.signature_def().end()) {
    auto add = [](const auto& map, std::vector<IoEntry>& out) {
      for (const auto& entry : map)
        out.push_back(
            {entry.first, TfDType(entry.second.dtype()), TfShape(entry.second.tensor_shape())});
    };
    add(sig->second.inputs(), s.inputs);
    add(sig->second.outputs(), s.outputs);
  }
  return s;
}

// TFLite tensor types in torch spelling (what the other formats print).
std::string TfliteDType(::tflite::TensorType t) {
  switch (t) {
    case ::tflite::TensorType_FLOAT32:
      return "float32";
    case ::tflite::TensorType_FLOAT16:
      return "float16";
    case ::tflite::TensorType_FLOAT64:
      return "float64";
    case ::tflite::TensorType_BFLOAT16:
      return "bfloat16";
    case ::tflite::TensorType_INT64:
      return "int64";
    case ::tflite::TensorType_INT32:
      return "int32";
    case ::tflite::TensorType_INT16:
      return "int16";
    case ::tflite::TensorType_INT8:
      return "int8";
    case ::tflite::TensorType_UINT8:
      return "uint8";
    case ::tflite::TensorType_BOOL:
      return "bool";
    default:
      return "tflite:" + std::to_string(static_cast<int>(t));
  }
}

// A .tflite file is untrusted: flatbuffers' verifier checks every offset, vector length and
// string against the file size, with a nesting depth and a table count bound (a cyclic or
// deeply nested file fails there) before any accessor runs.
constexpr flatbuffers::uoffset_t kTfliteMaxDepth = 64;
constexpr flatbuffers::uoffset_t kTfliteMaxTables = 10'000'000;

Result<GraphSummary> SummarizeTflite(const std::string& path) {
  PT2TF_ASSIGN_OR_RETURN(auto file, MappedFile::Open(path));
  const auto* data = reinterpret_cast<const uint8_t*>(file->bytes().data());
  const uint64_t size = file->size();
  if (size < 8)
    return InvalidInput(path + ": not a TFLite model (" + std::to_string(size) + " bytes)");
  if (!::tflite::ModelBufferHasIdentifier(data))
    return InvalidInput(path + ": not a TFLite model (no \"TFL3\" identifier)");
  // A file over 2 GiB keeps its weights after the FlatBuffer (Buffer.offset/size); the
  // FlatBuffer itself is within the first 2 GiB, which is all its offsets can reach.
  flatbuffers::Verifier verifier(data, tflite::FlatBufferVerifyWindow(size), kTfliteMaxDepth,
                                 kTfliteMaxTables);
  if (!::tflite::VerifyModelBuffer(verifier))
    return InvalidInput(path +
                        ": corrupt TFLite model (an offset, length or nesting is out of "
                        "bounds)");
  const ::tflite::Model* model = ::tflite::GetModel(data);
  GraphSummary s;
  s.path = path;
  s.format = "tflite";
  s.producer = model->description() ? model->description()->str() : "";
  s.producer += " (schema " + std::to_string(model->version()) + ")";
  const auto* codes = model->operator_codes();
  const auto* buffers = model->buffers();
  if (buffers) {
    for (const ::tflite::Buffer* b : *buffers) {
      auto bytes = tflite::ReadBuffer(b, data, size);
      if (!bytes.ok()) return bytes.status().WithContext(path);
      const uint64_t n = bytes->size;
      if (n) {
        ++s.weight_count;
        s.weight_bytes = SaturatingAdd(s.weight_bytes, n);
      }
    }
  }
  if (!model->subgraphs() || model->subgraphs()->size() == 0)
    return InvalidInput(path + ": TFLite model without a subgraph");
  for (const ::tflite::SubGraph* g : *model->subgraphs()) {
    if (!g->operators()) continue;
    for (const ::tflite::Operator* op : *g->operators()) {
      ++s.node_count;
      if (!codes || op->opcode_index() >= codes->size()) {
        ++s.ops["<bad opcode index " + std::to_string(op->opcode_index()) + ">"];
        continue;
      }
      const ::tflite::OperatorCode* code = codes->Get(op->opcode_index());
      // builtin_code supersedes the deprecated byte (which saturates at 127).
      const int32_t builtin = std::max<int32_t>(code->deprecated_builtin_code(),
                                                static_cast<int32_t>(code->builtin_code()));
      std::string name;
      if (builtin == ::tflite::BuiltinOperator_CUSTOM)
        name = "CUSTOM:" + (code->custom_code() ? code->custom_code()->str() : std::string("?"));
      else if (builtin >= ::tflite::BuiltinOperator_MIN && builtin <= ::tflite::BuiltinOperator_MAX)
        name = ::tflite::EnumNameBuiltinOperator(static_cast<::tflite::BuiltinOperator>(builtin));
      if (name.empty()) name = "BUILTIN:" + std::to_string(builtin);
      ++s.ops[name];
    }
  }
  const ::tflite::SubGraph* main = model->subgraphs()->Get(0);
  const auto* tensors = main->tensors();
  auto io = [&](const flatbuffers::Vector<int32_t>* ids, std::vector<IoEntry>& out) -> Status {
    if (!ids) return OkStatus();
    for (int32_t id : *ids) {
      if (!tensors || id < 0 || static_cast<uint32_t>(id) >= tensors->size())
        return InvalidInput(path + ": corrupt TFLite model (tensor index " + std::to_string(id) +
                            " out of range)");
      const ::tflite::Tensor* t = tensors->Get(id);
      IoEntry e{t->name() ? t->name()->str() : "#" + std::to_string(id), TfliteDType(t->type()),
                std::vector<int64_t>{}};
      const auto* shape = t->shape_signature() ? t->shape_signature() : t->shape();
      if (shape)
        for (int32_t d : *shape) e.shape->push_back(d < 0 ? -1 : d);
      out.push_back(std::move(e));
    }
    return OkStatus();
  };
  PT2TF_RETURN_IF_ERROR(io(main->inputs(), s.inputs));
  PT2TF_RETURN_IF_ERROR(io(main->outputs(), s.outputs));
  return s;
}

Json IoJson(const std::vector<IoEntry>& list) {
  Json a = Json::array();
  for (const IoEntry& e : list)
    a.push_back({{"name", e.name},
                 {"dtype", e.dtype},
                 {"shape", e.shape ? Json(*e.shape) : Json(nullptr)}});
  return a;
}

void Print(const GraphSummary& s, bool json) {
  if (json) {
    Json j;
    j["file"] = s.path;
    j["format"] = s.format;
    if (!s.producer.empty()) j["producer"] = s.producer;
    j["node_count"] = s.node_count;
    j["weight_count"] = s.weight_count;
    j["weight_bytes"] = s.weight_bytes;
    j["inputs"] = IoJson(s.inputs);
    j["outputs"] = IoJson(s.outputs);
    j["ops"] = s.ops;
    std::cout << JsonDump(j) << "\n";
    return;
  }
  cli::Print("File:       %s\n", s.path.c_str());
  cli::Print("Format:     %s\n", s.format.c_str());
  if (!s.producer.empty()) cli::Print("Producer:   %s\n", s.producer.c_str());
  cli::Print("Nodes:      %s\n", Grouped(s.node_count).c_str());
  cli::Print("Weights:    %s tensors, %s bytes (%s)\n", Grouped(s.weight_count).c_str(),
             Grouped(s.weight_bytes).c_str(), HumanBytes(s.weight_bytes).c_str());
  auto io = [](const char* label, const std::vector<IoEntry>& list) {
    cli::Print("%s\n", label);
    for (const IoEntry& e : list)
      cli::Print("  %s  %s  %s\n", e.name.c_str(), e.dtype.c_str(), ShapeText(e.shape).c_str());
  };
  io("Inputs:", s.inputs);
  io("Outputs:", s.outputs);
  cli::Print("Ops:\n");
  std::vector<std::pair<std::string, size_t>> ops(s.ops.begin(), s.ops.end());
  std::stable_sort(ops.begin(), ops.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [op, count] : ops) cli::Print("  %6zu  %s\n", count, op.c_str());
}

}  // namespace

bool IsGraphInput(const std::string& path) {
  std::error_code ec;
  return EndsWith(path, ".onnx") || EndsWith(path, ".pb") || EndsWith(path, ".tflite") ||
         fs::is_directory(path, ec);
}

int RunInspectGraph(const std::string& path, bool json) {
  std::error_code ec;
  Result<GraphSummary> s = fs::is_directory(path, ec)  ? SummarizeSavedModel(path)
                           : EndsWith(path, ".onnx")   ? SummarizeOnnx(path)
                           : EndsWith(path, ".tflite") ? SummarizeTflite(path)
                                                       : SummarizeFrozen(path);
  if (!s.ok()) return ReportError(s.status());
  Print(*s, json);
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace pt2tf::cli
