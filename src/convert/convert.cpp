#include "pt2tf/convert.h"

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>

#include "convert/graph_source.h"
#include "convert/input_shapes.h"
#include "pt2tf/ir/passes.h"
#include "pt2tf/onnx/onnx_writer.h"
#include "pt2tf/tf/tf_writer.h"
#include "tf/lower.h"
#include "tflite/tflite_writer.h"

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

// The per-chunk callback the writers take, turned into (path, done, total) progress calls;
// empty when nobody listens.
std::function<void(uint64_t)> ProgressFor(const ir::Graph& graph, const std::string& path,
                                          const ConvertOptions& options) {
  if (!options.on_progress) return {};
  uint64_t total = 0;
  for (const ir::Value* v : graph.Initializers()) total += v->constant->nbytes();
  auto done = std::make_shared<uint64_t>(0);
  return [&options, path, total, done](uint64_t bytes) {
    *done += bytes;
    options.on_progress(path, *done, total);
  };
}

// What every writer gets: the pipeline's graph (const: no writer changes it, so each output
// is the same whatever else is written) and the TF-dialect lowering, made on first use and
// shared by the .pb, SavedModel and .tflite serializers.
class WriteContext {
 public:
  WriteContext(const ir::Graph& graph, const ConvertOptions& options,
               const onnx::DimNames& dim_names)
      : graph_(graph), options_(options), dim_names_(dim_names) {}
  // Calibration samples (--calibration), read once for every quantized output.
  std::vector<calib::Sample> samples;
  // The quantization report of the output just written (reset before each writer).
  std::optional<tflite::QuantReport> quant_report;
  // Where the first frozen graph or inline SavedModel of this run put the lowered graph's
  // GraphDef: the next TF output copies it rather than computing its weights again.
  std::optional<tf::GraphDefFile> graphdef_on_disk;
  const ir::Graph& graph() const { return graph_; }
  const ConvertOptions& options() const { return options_; }
  // The ONNX dim_param names of dynamic input/output dims.
  const onnx::DimNames& dim_names() const { return dim_names_; }
  // The graph lowered for the TF writers, or for TFLite. The two differ only where a
  // recurrence became a loop (TFLite has no TensorLists); otherwise one lowering serves both.
  Result<const tf::TfGraph*> Lowered(bool for_tflite = false) {
    std::optional<Result<tf::TfGraph>>& slot = for_tflite ? tflite_lowered_ : lowered_;
    const std::optional<Result<tf::TfGraph>>& other = for_tflite ? lowered_ : tflite_lowered_;
    if (!slot && other && other->ok() && (*other)->recurrent_loops == 0) return &**other;
    if (!slot) {
      tf::TfWriterOptions tf = options_.tf;
      if (for_tflite) tf.recurrent_steps = passes::StepOutputs::kBuffer;
      slot.emplace(tf::LowerToTf(graph_, tf));
    }
    if (!slot->ok()) return slot->status();
    return &**slot;
  }

 private:
  const ir::Graph& graph_;
  const ConvertOptions& options_;
  const onnx::DimNames& dim_names_;
  std::optional<Result<tf::TfGraph>> lowered_, tflite_lowered_;
};

Status WriteOnnxOutput(WriteContext& ctx, const std::string& path) {
  onnx::OnnxWriteOptions write;
  write.dim_names = ctx.dim_names();
  write.opset = ctx.options().opset;
  write.on_weight_bytes = ProgressFor(ctx.graph(), path, ctx.options());
  write.external_data =
      ctx.options().onnx_external_data ? onnx::ExternalData::kAlways : onnx::ExternalData::kAuto;
  return onnx::WriteOnnx(ctx.graph(), path, write);
}

// The TF writers' options for `path`: progress, and the GraphDef an earlier output wrote.
tf::TfWriterOptions TfOptionsFor(WriteContext& ctx, const std::string& path,
                                 tf::GraphDefFile& written) {
  tf::TfWriterOptions tf = ctx.options().tf;
  tf.on_weight_bytes = ProgressFor(ctx.graph(), path, ctx.options());
  tf.copy_graphdef_from = ctx.graphdef_on_disk;
  tf.graphdef_written = &written;
  return tf;
}

Status WriteTfGraphDef(WriteContext& ctx, const std::string& path) {
  PT2TF_ASSIGN_OR_RETURN(const tf::TfGraph* lowered, ctx.Lowered());
  tf::GraphDefFile written;
  PT2TF_RETURN_IF_ERROR(tf::WriteFrozenGraph(*lowered, path, TfOptionsFor(ctx, path, written)));
  if (!ctx.graphdef_on_disk) ctx.graphdef_on_disk = written;
  return OkStatus();
}

Status WriteTfSavedModel(WriteContext& ctx, const std::string& path) {
  PT2TF_ASSIGN_OR_RETURN(const tf::TfGraph* lowered, ctx.Lowered());
  tf::GraphDefFile written;
  PT2TF_RETURN_IF_ERROR(tf::WriteSavedModel(*lowered, path, TfOptionsFor(ctx, path, written)));
  if (!ctx.graphdef_on_disk && !written.path.empty()) ctx.graphdef_on_disk = written;
  return OkStatus();
}

Status WriteTfliteOutput(WriteContext& ctx, const std::string& path) {
  PT2TF_ASSIGN_OR_RETURN(const tf::TfGraph* lowered, ctx.Lowered(/*for_tflite=*/true));
  tflite::TfliteWriterOptions write;
  write.precision = ctx.options().tflite_precision;
  write.buffers = ctx.options().tflite_buffers;
  tflite::QuantReport report;
  write.quantize.mode = ctx.options().quantize;
  write.quantize.io = ctx.options().quant_io;
  write.quantize.samples = ctx.samples;
  write.quant_report = &report;
  write.on_weight_bytes = ProgressFor(ctx.graph(), path, ctx.options());
  PT2TF_RETURN_IF_ERROR(tflite::WriteTflite(*lowered, path, write));
  if (write.quantize.mode != tflite::QuantMode::kNone) ctx.quant_report = std::move(report);
  return OkStatus();
}

// The one table of output kinds, tried in order: the first whose `matches` accepts the path
// writes it.
struct OutputWriter {
  const char* kind;
  bool (*matches)(const std::string& path);
  Status (*write)(WriteContext& ctx, const std::string& path);
};

const OutputWriter kOutputWriters[] = {
    {"onnx", [](const std::string& p) { return EndsWith(p, ".onnx"); }, WriteOnnxOutput},
    {"tf-graphdef", [](const std::string& p) { return EndsWith(p, ".pb"); }, WriteTfGraphDef},
    {"tflite", [](const std::string& p) { return EndsWith(p, ".tflite"); }, WriteTfliteOutput},
    {"tf-savedmodel", IsDirectoryPath, WriteTfSavedModel},
};

Result<const OutputWriter*> FindWriter(const std::string& path) {
  for (const OutputWriter& w : kOutputWriters)
    if (w.matches(path)) return &w;
  return UsageError(path +
                    ": unknown output kind (use .onnx, .pb, .tflite, or a directory path "
                    "ending in '/' for a SavedModel)");
}

GraphIoInfo IoInfo(const ir::Value& v) {
  GraphIoInfo info{v.name, std::string(TorchName(v.dtype)), std::nullopt};
  if (v.shape) info.shape = std::vector<int64_t>(v.shape->begin(), v.shape->end());
  return info;
}

// The interface names a TF-family file spells differently from the graph (see
// ConvertedOutput::renamed). The lowering keeps the graph's input/output order.
std::vector<std::pair<std::string, std::string>> RenamedIo(const ir::Graph& graph,
                                                           const tf::TfGraph& lowered,
                                                           const std::string& kind) {
  std::vector<std::pair<std::string, std::string>> renamed;
  auto add = [&](const std::vector<ir::Value*>& values, const std::vector<tf::TfEndpoint>& ends) {
    for (size_t i = 0; i < values.size() && i < ends.size(); ++i) {
      const std::string& name = values[i]->name;
      if (kind == "tf-graphdef" ? ends[i].node != name : ends[i].key != name)
        renamed.emplace_back(name, kind == "tf-graphdef" ? ends[i].node + ":0" : ends[i].key);
    }
  };
  add(graph.inputs(), lowered.inputs);
  add(graph.outputs(), lowered.outputs);
  return renamed;
}

// Bytes on disk of a written output (with an ONNX model's "<path>.data" external weights);
// 0 when it cannot be measured (only the summary uses it).
uint64_t DiskBytes(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(path, ec)) {
    uint64_t n = fs::file_size(path, ec);
    if (ec) return 0;
    if (EndsWith(path, ".onnx")) {
      const uint64_t data = fs::file_size(path + ".data", ec);
      if (!ec) n += data;
    }
    return n;
  }
  uint64_t total = 0;
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::end(it);
       it.increment(ec))
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  return total;
}

// Removes an output this run wrote: a file (an ONNX model's "<path>.data" too) or a SavedModel
// directory, which holds nothing but SavedModel entries (AtomicDirectory checks before it
// replaces one).
void RemoveOutput(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    fs::remove_all(path, ec);
    return;
  }
  fs::remove(path, ec);
  if (EndsWith(path, ".onnx")) fs::remove(path + ".data", ec);
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
  Status passes = ir::RunPasses(*loaded.graph, ir::PassOptions{});
  if (!passes.ok()) return passes.WithContext(options.input_path);
  if (options.dynamic_batch) NameDynamicOutputBatch(*loaded.graph, loaded.dim_names);

  const ir::Graph& graph = *loaded.graph;
  report.node_count = graph.nodes().size();
  for (const ir::Value* v : graph.Initializers()) {
    ++report.initializer_count;
    report.weight_bytes += v->constant->nbytes();
    if (IsFloatingPoint(v->dtype))
      report.parameter_count += static_cast<uint64_t>(v->constant->numel());
  }
  for (const ir::Value* v : graph.inputs()) report.graph_inputs.push_back(IoInfo(*v));
  for (const ir::Value* v : graph.outputs()) report.graph_outputs.push_back(IoInfo(*v));
  WriteContext ctx(graph, options, loaded.dim_names);
  if (options.quantize != tflite::QuantMode::kNone || options.calibration) {
    bool any_tflite = false;
    for (const OutputWriter* w : writers) any_tflite |= std::string(w->kind) == "tflite";
    if (!any_tflite) return UsageError("--quantize and --calibration apply to .tflite outputs");
    if (options.quantize == tflite::QuantMode::kNone)
      return UsageError("--calibration needs --quantize");
    if (options.tflite_precision != tflite::Precision::kFp32)
      return UsageError("--quantize and --precision fp16 cannot be combined");
    if (options.quantize == tflite::QuantMode::kInt8 && !options.calibration)
      return UsageError("--quantize int8 needs --calibration PATH (.npy, .npz or an image folder)");
    if (options.calibration) {
      PT2TF_ASSIGN_OR_RETURN(ctx.samples, calib::LoadSamples(graph, *options.calibration));
    }
  }
  for (size_t i = 0; i < writers.size(); ++i) {
    const std::string& path = options.output_paths[i];
    ctx.quant_report.reset();
    Status s = writers[i]->write(ctx, path);
    if (!s.ok()) {
      if (s.message().rfind(path, 0) != 0) s = s.WithContext(path);
      // A failed run leaves no output: the files of the outputs before this one go too.
      std::string removed;
      for (size_t k = 0; k < i; ++k) {
        RemoveOutput(options.output_paths[k]);
        removed += (removed.empty() ? "" : ", ") + options.output_paths[k];
      }
      if (removed.empty()) return s;
      return Status(s.kind(),
                    s.message() + " (removed the outputs written before it: " + removed + ")");
    }
    if (ctx.quant_report)
      for (const std::string& w : ctx.quant_report->warnings)
        report.warnings.push_back(path + ": " + w);
    report.outputs.push_back({path, writers[i]->kind, DiskBytes(path), ctx.quant_report, {}});
    if (std::string(writers[i]->kind) != "onnx") {
      const bool tflite = std::string(writers[i]->kind) == "tflite";
      PT2TF_ASSIGN_OR_RETURN(const tf::TfGraph* lowered, ctx.Lowered(tflite));
      report.outputs.back().renamed = RenamedIo(graph, *lowered, writers[i]->kind);
    }
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace pt2tf
