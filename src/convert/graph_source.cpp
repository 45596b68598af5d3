#include "convert/graph_source.h"

#include "pt2tf/onnx/onnx_reader.h"

namespace pt2tf {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Result<LoadedGraph> FromOnnx(const ConvertOptions& options, ConvertReport& report) {
  if (!options.model_name.empty())
    return UsageError("--model applies to PyTorch checkpoints, not to ONNX input");
  if (options.input_shape)
    return UsageError("--input-shape applies to PyTorch checkpoints, not to ONNX input");
  PT2TF_ASSIGN_OR_RETURN(std::unique_ptr<ir::Graph> graph, onnx::ReadOnnx(options.input_path));
  report.input_kind = "onnx";
  return LoadedGraph{std::move(graph)};
}

Result<LoadedGraph> FromCheckpoint(const ConvertOptions& options, ConvertReport& report) {
  return Unsupported(options.input_path + ": PyTorch checkpoints are not wired into convert yet");
}

}  // namespace

Result<LoadedGraph> LoadGraph(const ConvertOptions& options, ConvertReport& report) {
  if (EndsWith(options.input_path, ".onnx")) return FromOnnx(options, report);
  return FromCheckpoint(options, report);
}

}  // namespace pt2tf
