// WriteSavedModel: a graph-only SavedModel. saved_model.pb = SavedModel{schema 1,
// MetaGraphDef{tags ["serve"], graph_def, signature "serving_default"}}; the GraphDef is
// spliced in as a length-delimited field streamed by GraphDefStream, after the metadata
// libprotobuf serialised (field order is free in protobuf). An empty variables/ directory
// is written too: tf.saved_model.load does not need it (checked with TF 2.21), but tools
// that expect the standard layout (TF Serving) look for it.
#include <sys/stat.h>

#include <set>

#include "pt2tf/io/output_file.h"
#include "pt2tf/tf/tf_writer.h"
#include "tensorflow/meta_graph.pb.h"
#include "tensorflow/saved_model.pb.h"
#include "tf/emit_context.h"
#include "tf/graphdef_stream.h"
#include "tf/lower.h"
#include "tf/output_dir.h"

namespace pt2tf::tf {

namespace {

constexpr int kSavedModelMetaGraphs = 2;
constexpr int kMetaGraphGraphDef = 2;

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

}  // namespace

Status WriteSavedModel(const ir::Graph& graph, const std::string& dir,
                       const TfWriterOptions& options) {
  auto lowered = LowerToTf(graph, options);
  if (!lowered.ok()) return lowered.status().WithContext(dir);
  return WriteSavedModel(*lowered, dir, options);
}

Status WriteSavedModel(const TfGraph& lowered, const std::string& dir,
                       const TfWriterOptions& options) {
  auto stream = GraphDefStream::Build(lowered);
  if (!stream.ok()) return stream.status().WithContext(dir);

  tensorflow::MetaGraphDef meta;
  meta.mutable_meta_info_def()->add_tags("serve");
  meta.mutable_meta_info_def()->set_meta_graph_version("pt2tf");
  tensorflow::SignatureDef& sig = (*meta.mutable_signature_def())["serving_default"];
  sig.set_method_name("tensorflow/serving/predict");
  PT2TF_RETURN_IF_ERROR(AddEndpoints(lowered.inputs, *sig.mutable_inputs()));
  PT2TF_RETURN_IF_ERROR(AddEndpoints(lowered.outputs, *sig.mutable_outputs()));
  meta.ByteSizeLong();
  std::string meta_head = SerializeDeterministic(meta);
  AppendLengthDelimitedHeader(meta_head, kMetaGraphGraphDef, stream->size());
  const uint64_t meta_len = meta_head.size() + stream->size();

  tensorflow::SavedModel saved;
  saved.set_saved_model_schema_version(1);
  saved.ByteSizeLong();
  std::string head = SerializeDeterministic(saved);
  AppendLengthDelimitedHeader(head, kSavedModelMetaGraphs, meta_len);
  head += meta_head;
  const std::string pb_path = dir + "/saved_model.pb";
  PT2TF_RETURN_IF_ERROR(
      CheckGraphSize(pb_path, head.size() + stream->size(), options.max_graph_bytes));

  PT2TF_ASSIGN_OR_RETURN(auto out_dir, AtomicDirectory::Create(dir));
  const std::string variables = out_dir->temp_path() + "/variables";
  if (mkdir(variables.c_str(), 0755) != 0) return IoError(dir + ": cannot create variables/");
  PT2TF_ASSIGN_OR_RETURN(auto file, OutputFile::Create(out_dir->temp_path() + "/saved_model.pb"));
  PT2TF_RETURN_IF_ERROR(file->Write(head));
  PT2TF_RETURN_IF_ERROR(stream->WriteTo(*file, options.on_weight_bytes));
  PT2TF_RETURN_IF_ERROR(file->Commit());
  return out_dir->Commit();
}

}  // namespace pt2tf::tf
