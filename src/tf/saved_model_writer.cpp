// WriteSavedModel: saved_model.pb = SavedModel{schema 1, MetaGraphDef{tags ["serve"],
// graph_def, signature "serving_default"[, saver_def, collection "variables"]}} and variables/.
//
// Inline weights: the frozen graph (weights as Consts) is spliced in as a length-delimited
// field streamed by GraphDefStream after the metadata libprotobuf serialised (field order is
// free in protobuf); variables/ stays empty (tf.saved_model.load does not need it, TF Serving
// looks for it). Weights in variables/: the graph reads resource variables restored by a
// SaverDef (tf/variables_graph.h) from a tensor bundle (tf/tensor_bundle.h) streamed from the
// source tensors; saved_model.pb then holds only the small graph, so size is not limited.
#include <sys/stat.h>

#include "pt2tf/io/output_file.h"
#include "pt2tf/tf/tf_writer.h"
#include "tensorflow/meta_graph.pb.h"
#include "tensorflow/saved_model.pb.h"
#include "tf/emit_context.h"
#include "tf/graphdef_stream.h"
#include "tf/lower.h"
#include "tf/output_dir.h"
#include "tf/tensor_bundle.h"
#include "tf/variables_graph.h"

namespace pt2tf::tf {

namespace {

constexpr int kSavedModelMetaGraphs = 2;
constexpr int kMetaGraphGraphDef = 2;

// kAuto moves the weights out once saved_model.pb would pass 15/16 of the limit (1.875 GiB),
// leaving room for what TF adds when it re-serialises a loaded graph.
bool AutoWantsVariables(uint64_t inline_bytes, uint64_t max_bytes) {
  return inline_bytes > max_bytes / 16 * 15;
}

Result<tensorflow::TensorInfo> Info(const TfEndpoint& e) {
  tensorflow::TensorInfo info;
  info.set_name(e.node + ":0");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, TfType(e.dtype));
  info.set_dtype(t);
  if (e.shape) {
    for (int64_t d : *e.shape) info.mutable_tensor_shape()->add_dim()->set_size(d < 0 ? -1 : d);
  } else {
    info.mutable_tensor_shape()->set_unknown_rank(true);
  }
  return info;
}

Status AddEndpoints(const std::vector<TfEndpoint>& endpoints,
                    google::protobuf::Map<std::string, tensorflow::TensorInfo>& map) {
  for (const TfEndpoint& e : endpoints) {
    std::string key = e.key;
    for (int i = 1; map.count(key); ++i) key = e.key + "_" + std::to_string(i);
    PT2TF_ASSIGN_OR_RETURN(map[key], Info(e));
  }
  return OkStatus();
}

// The MetaGraphDef without its graph_def (tags, signature; the caller adds the saver).
Result<tensorflow::MetaGraphDef> MetaGraph(const TfGraph& graph) {
  tensorflow::MetaGraphDef meta;
  meta.mutable_meta_info_def()->add_tags("serve");
  meta.mutable_meta_info_def()->set_meta_graph_version("pt2tf");
  tensorflow::SignatureDef& sig = (*meta.mutable_signature_def())["serving_default"];
  sig.set_method_name("tensorflow/serving/predict");
  PT2TF_RETURN_IF_ERROR(AddEndpoints(graph.inputs, *sig.mutable_inputs()));
  PT2TF_RETURN_IF_ERROR(AddEndpoints(graph.outputs, *sig.mutable_outputs()));
  return meta;
}

// saved_model.pb's bytes before the GraphDef (which follows, `graph_bytes` long).
std::string SavedModelHead(const tensorflow::MetaGraphDef& meta, uint64_t graph_bytes) {
  meta.ByteSizeLong();
  std::string meta_head = SerializeDeterministic(meta);
  AppendLengthDelimitedHeader(meta_head, kMetaGraphGraphDef, graph_bytes);
  tensorflow::SavedModel saved;
  saved.set_saved_model_schema_version(1);
  saved.ByteSizeLong();
  std::string head = SerializeDeterministic(saved);
  AppendLengthDelimitedHeader(head, kSavedModelMetaGraphs, meta_head.size() + graph_bytes);
  return head + meta_head;
}

struct Layout {
  std::string head;
  GraphDefStream stream;
};

Result<Layout> InlineLayout(const TfGraph& lowered) {
  PT2TF_ASSIGN_OR_RETURN(GraphDefStream stream, GraphDefStream::Build(lowered));
  PT2TF_ASSIGN_OR_RETURN(tensorflow::MetaGraphDef meta, MetaGraph(lowered));
  return Layout{SavedModelHead(meta, stream.size()), std::move(stream)};
}

Status WriteSavedModelPb(const std::string& temp_dir, const Layout& layout,
                         const TfWriterOptions& options) {
  PT2TF_ASSIGN_OR_RETURN(auto file, OutputFile::Create(temp_dir + "/saved_model.pb"));
  PT2TF_RETURN_IF_ERROR(file->Write(layout.head));
  PT2TF_RETURN_IF_ERROR(layout.stream.WriteOrCopy(*file, options));
  return file->Commit();
}

Status WriteWithVariables(const TfGraph& lowered, const std::string& dir,
                          const TfWriterOptions& options) {
  PT2TF_ASSIGN_OR_RETURN(VariablesGraph vg, MoveWeightsToVariables(lowered));
  PT2TF_ASSIGN_OR_RETURN(GraphDefStream stream, GraphDefStream::Build(vg.graph));
  PT2TF_ASSIGN_OR_RETURN(tensorflow::MetaGraphDef meta, MetaGraph(vg.graph));
  if (!vg.tensors.empty()) {
    *meta.mutable_saver_def() = vg.saver;
    auto* list = (*meta.mutable_collection_def())["variables"].mutable_bytes_list();
    for (const std::string& v : vg.variable_defs) list->add_value(v);
  }
  Layout layout{SavedModelHead(meta, stream.size()), std::move(stream)};
  const std::string pb_path = dir + "/saved_model.pb";
  PT2TF_RETURN_IF_ERROR(
      CheckGraphSize(pb_path, layout.head.size() + layout.stream.size(), options.max_graph_bytes));

  PT2TF_ASSIGN_OR_RETURN(auto out_dir, AtomicDirectory::Create(dir));
  const std::string variables = out_dir->temp_path() + "/variables";
  if (mkdir(variables.c_str(), 0755) != 0) return IoError(dir + ": cannot create variables/");
  if (!vg.tensors.empty()) {
    auto bundle = TensorBundleWriter::Create(variables + "/variables");
    if (!bundle.ok()) return bundle.status().WithContext(dir);
    for (const BundleTensor& t : vg.tensors) {
      Status s = (*bundle)->Add(t.key, t.value, t.shape, options.on_weight_bytes);
      if (!s.ok()) return s.WithContext(dir);
    }
    PT2TF_RETURN_IF_ERROR((*bundle)->Finish().WithContext(dir));
  }
  // The graph differs from the frozen one (variable reads for the Consts): nothing to share.
  TfWriterOptions own = options;
  own.copy_graphdef_from.reset();
  PT2TF_RETURN_IF_ERROR(WriteSavedModelPb(out_dir->temp_path(), layout, own));
  return out_dir->Commit();
}

}  // namespace

Status WriteSavedModel(const ir::Graph& graph, const std::string& dir,
                       const TfWriterOptions& options) {
  auto lowered = LowerToTf(graph, options);
  if (!lowered.ok()) return lowered.status().WithContext(dir);
  return WriteSavedModel(*lowered, dir, options);
}

Status WriteSavedModel(const TfGraph& lowered, const std::string& dir,
                       const TfWriterOptions& options) {
  if (options.saved_model_weights == SavedModelWeights::kVariables)
    return WriteWithVariables(lowered, dir, options);
  auto layout = InlineLayout(lowered);
  if (!layout.ok()) return layout.status().WithContext(dir);
  const uint64_t bytes = layout->head.size() + layout->stream.size();
  if (options.saved_model_weights == SavedModelWeights::kAuto &&
      AutoWantsVariables(bytes, options.max_graph_bytes))
    return WriteWithVariables(lowered, dir, options);
  const std::string pb_path = dir + "/saved_model.pb";
  if (bytes > options.max_graph_bytes)
    return CheckGraphSize(pb_path, bytes, options.max_graph_bytes,
                          "use --saved-model-weights variables (or auto) to keep the weights "
                          "in variables/");

  PT2TF_ASSIGN_OR_RETURN(auto out_dir, AtomicDirectory::Create(dir));
  const std::string variables = out_dir->temp_path() + "/variables";
  if (mkdir(variables.c_str(), 0755) != 0) return IoError(dir + ": cannot create variables/");
  PT2TF_RETURN_IF_ERROR(WriteSavedModelPb(out_dir->temp_path(), *layout, options));
  PT2TF_RETURN_IF_ERROR(out_dir->Commit());
  if (options.graphdef_written)
    *options.graphdef_written = {pb_path, layout->head.size(), layout->stream.size(),
                                 FileIdentity(pb_path)};
  return OkStatus();
}

}  // namespace pt2tf::tf
