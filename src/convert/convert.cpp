#include "pt2tf/convert.h"

#include <sys/stat.h>

#include <chrono>
#include <functional>

#include "convert/graph_source.h"
#include "pt2tf/ir/passes.h"
#include "pt2tf/onnx/onnx_writer.h"
#include "pt2tf/tf/tf_writer.h"

namespace pt2tf {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool IsDirectoryPath(const std::string& path) {
  if (EndsWith(path, "/")) return true;
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Status WriteOnnxOutput(ir::Graph& graph, const std::string& path, const ConvertOptions& options) {
  onnx::OnnxWriteOptions write;
  write.opset = options.opset;
  write.external_data =
      options.onnx_external_data ? onnx::ExternalData::kAlways : onnx::ExternalData::kAuto;
  return onnx::WriteOnnx(graph, path, write);
}

// TF writers lower in place (BN folding keeps ONNX semantics, so later outputs stay valid).
Status WriteTfGraphDef(ir::Graph& graph, const std::string& path, const ConvertOptions& options) {
  return tf::WriteFrozenGraph(graph, path, options.tf);
}

Status WriteTfSavedModel(ir::Graph& graph, const std::string& path, const ConvertOptions& options) {
  return tf::WriteSavedModel(graph, path, options.tf);
}

// The one table of output kinds, tried in order: the first whose `matches` accepts the path
// writes it.
struct OutputWriter {
  const char* kind;
  bool (*matches)(const std::string& path);
  Status (*write)(ir::Graph& graph, const std::string& path, const ConvertOptions& options);
};

const OutputWriter kOutputWriters[] = {
    {"onnx", [](const std::string& p) { return EndsWith(p, ".onnx"); }, WriteOnnxOutput},
    {"tf-graphdef", [](const std::string& p) { return EndsWith(p, ".pb"); }, WriteTfGraphDef},
    {"tf-savedmodel", IsDirectoryPath, WriteTfSavedModel},
};

Result<const OutputWriter*> FindWriter(const std::string& path) {
  for (const OutputWriter& w : kOutputWriters)
    if (w.matches(path)) return &w;
  return UsageError(path +
                    ": unknown output kind (use .onnx, .pb, or a directory path ending "
                    "in '/' for a SavedModel)");
}

}  // namespace

Result<std::string> OutputKindName(const std::string& path) {
  PT2TF_ASSIGN_OR_RETURN(const OutputWriter* w, FindWriter(path));
  return std::string(w->kind);
}

Result<ConvertReport> Convert(const ConvertOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  if (options.output_paths.empty()) return UsageError("no output given (-o)");
  if (options.opset < onnx::kMinWriteOpset || options.opset > onnx::kMaxWriteOpset)
    return UsageError("--opset " + std::to_string(options.opset) + " is not supported (" +
                      std::to_string(onnx::kMinWriteOpset) + ".." +
                      std::to_string(onnx::kMaxWriteOpset) + ")");
  std::vector<const OutputWriter*> writers;
  for (const std::string& path : options.output_paths) {
    PT2TF_ASSIGN_OR_RETURN(const OutputWriter* w, FindWriter(path));
    writers.push_back(w);
  }

  ConvertReport report;
  report.input_path = options.input_path;
  PT2TF_ASSIGN_OR_RETURN(LoadedGraph loaded, LoadGraph(options, report));
  ir::Graph& graph = *loaded.graph;
  Status passes = ir::RunPasses(graph, ir::PassOptions{});
  if (!passes.ok()) return passes.WithContext(options.input_path);

  report.node_count = graph.nodes().size();
  for (const ir::Value* v : graph.Initializers()) {
    ++report.initializer_count;
    report.weight_bytes += v->constant->nbytes();
  }
  for (size_t i = 0; i < writers.size(); ++i) {
    const std::string& path = options.output_paths[i];
    Status s = writers[i]->write(graph, path, options);
    if (!s.ok()) {
      if (s.message().rfind(path, 0) == 0) return s;
      return s.WithContext(path);
    }
    report.outputs.push_back({path, writers[i]->kind});
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace pt2tf
