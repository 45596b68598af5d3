#include "pt2tf/tf/tf_inspect.h"

#include <sys/stat.h>

#include <set>

#include "pt2tf/dtype.h"
#include "pt2tf/io/mapped_file.h"
#include "tensorflow/graph.pb.h"
#include "tensorflow/saved_model.pb.h"

namespace pt2tf::tf {
namespace {

bool IsDirectory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string DTypeText(int tf_type) {
  auto d = DTypeFromTf(tf_type);
  return d ? std::string(TorchName(*d)) : "DT_" + std::to_string(tf_type);
}

std::optional<ir::Dims> Dims(const tensorflow::TensorShapeProto& shape) {
  if (shape.unknown_rank()) return std::nullopt;
  ir::Dims dims;
  for (const auto& d : shape.dim()) dims.push_back(d.size());
  return dims;
}

template <typename Message>
Status Parse(const std::string& path, Message& message) {
  PT2TF_ASSIGN_OR_RETURN(auto file, MappedFile::Open(path));
  // protobuf refuses messages of 2 GiB or more anyway; say so plainly.
  if (file->size() >= (uint64_t{1} << 31))
    return InvalidInput(path + ": larger than protobuf's 2 GiB message limit");
  if (!message.ParseFromArray(file->bytes().data(), static_cast<int>(file->size())))
    return InvalidInput(path + ": not a TensorFlow " +
                        message.GetTypeName().substr(std::string("tensorflow.").size()) +
                        " (parse failed)");
  return OkStatus();
}

void Summarize(const tensorflow::GraphDef& graph, TfModelSummary& s, bool list_io) {
  s.producer = graph.versions().producer();
  s.node_count = static_cast<size_t>(graph.node_size());
  std::set<std::string> consumed;
  for (const auto& n : graph.node())
    for (const std::string& in : n.input()) {
      std::string name = in[0] == '^' ? in.substr(1) : in;
      consumed.insert(name.substr(0, name.find(':')));
    }
  for (const auto& n : graph.node()) {
    ++s.op_counts[n.op()];
    if (n.op() == "Const") {
      ++s.const_count;
      auto it = n.attr().find("value");
      if (it != n.attr().end() && it->second.has_tensor()) {
        const auto& t = it->second.tensor();
        uint64_t numel = 1;
        for (const auto& d : t.tensor_shape().dim())
          numel *= static_cast<uint64_t>(std::max<int64_t>(d.size(), 0));
        auto dt = DTypeFromTf(t.dtype());
        s.const_bytes += dt ? numel * ElementSize(*dt) : t.tensor_content().size();
      }
    }
    if (!list_io) continue;
    if (n.op() == "Placeholder") {
      TfTensorSummary in{n.name(), "?", std::nullopt};
      if (auto it = n.attr().find("dtype"); it != n.attr().end())
        in.dtype = DTypeText(it->second.type());
      if (auto it = n.attr().find("shape"); it != n.attr().end())
        in.shape = Dims(it->second.shape());
      s.inputs.push_back(std::move(in));
    } else if (!consumed.count(n.name()) && n.op() != "Const" && n.op() != "NoOp") {
      TfTensorSummary out{n.name(), "?", std::nullopt};
      for (const char* key : {"T", "dtype"})
        if (auto it = n.attr().find(key); it != n.attr().end())
          out.dtype = DTypeText(it->second.type());
      s.outputs.push_back(std::move(out));
    }
  }
}

}  // namespace

bool LooksLikeTfModel(const std::string& path) {
  if (path.size() >= 3 && path.compare(path.size() - 3, 3, ".pb") == 0) return true;
  struct stat st {};
  return IsDirectory(path) && ::stat((path + "/saved_model.pb").c_str(), &st) == 0;
}

Result<TfModelSummary> InspectTfModel(const std::string& path) {
  TfModelSummary s;
  s.path = path;
  if (!IsDirectory(path)) {
    s.format = "tf-graphdef";
    tensorflow::GraphDef graph;
    PT2TF_RETURN_IF_ERROR(Parse(path, graph));
    Summarize(graph, s, true);
    return s;
  }
  s.format = "tf-savedmodel";
  tensorflow::SavedModel saved;
  PT2TF_RETURN_IF_ERROR(Parse(path + "/saved_model.pb", saved));
  if (saved.meta_graphs_size() == 0) return InvalidInput(path + ": SavedModel has no meta graph");
  const auto& meta = saved.meta_graphs(0);
  for (const std::string& tag : meta.meta_info_def().tags()) s.tags.push_back(tag);
  Summarize(meta.graph_def(), s, false);
  auto sig = meta.signature_def().find("serving_default");
  if (sig == meta.signature_def().end() && !meta.signature_def().empty())
    sig = meta.signature_def().begin();
  if (sig != meta.signature_def().end()) {
    for (const auto& [key, info] : sig->second.inputs())
      s.inputs.push_back(
          {key + ": " + info.name(), DTypeText(info.dtype()), Dims(info.tensor_shape())});
    for (const auto& [key, info] : sig->second.outputs())
      s.outputs.push_back(
          {key + ": " + info.name(), DTypeText(info.dtype()), Dims(info.tensor_shape())});
  }
  return s;
}

}  // namespace pt2tf::tf
